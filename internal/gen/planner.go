package gen

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// planner draws one plan's parameters from a stream of its own, so that
// adding or changing one attack leaves the others as they were.
type planner struct {
	e     *estate
	r     rng
	p     *plan
	notes []string
}

// minAttackPeriod: shorter periods get no injected traffic; an attack
// and the clean baseline before it need room.
const minAttackPeriod = 3600

func (e *estate) planner(detector, kind string, benign bool) *planner {
	p := &plan{idx: len(e.plans), truth: Attack{Detector: detector, Kind: kind, Benign: benign}, edges: map[edgeKey]*edge{}}
	n := e.kinds[detector+"/"+kind]
	e.kinds[detector+"/"+kind]++
	return &planner{e: e, p: p, r: newRNG(e.seed, hashString("attack"), hashString(detector+"/"+kind), uint64(n))}
}

// commit adds the plan to the estate; a plan without shots or tagged
// background edges is dropped.
func (pl *planner) commit(tagged bool) {
	if len(pl.p.shots) == 0 && !tagged {
		return
	}
	pl.p.truth.Notes = strings.Join(pl.notes, "; ")
	pl.e.plans = append(pl.e.plans, pl.p)
}

func (pl *planner) note(format string, args ...any) {
	pl.notes = append(pl.notes, fmt.Sprintf(format, args...))
}

// period is the length of the period in seconds.
func (e *estate) period() int64 { return e.end - e.start }

// at returns the time a fraction f of the way through the period.
func (e *estate) at(f float64) int64 { return e.start + int64(f*float64(e.period())) }

// uniform draws a float in [lo, hi).
func (pl *planner) uniform(lo, hi float64) float64 { return lo + (hi-lo)*pl.r.float() }

// logUniform draws in [lo, hi) evenly on a log scale: rates and sizes
// that span orders of magnitude.
func (pl *planner) logUniform(lo, hi float64) float64 {
	return math.Exp(pl.uniform(math.Log(lo), math.Log(hi)))
}

// span draws a duration of lo to hi minutes, at most a fraction cap of the
// period, in seconds.
func (pl *planner) span(lo, hi, cap float64) int64 {
	d := pl.uniform(lo, hi) * 60
	return int64(max(60, min(d, cap*float64(pl.e.period()))))
}

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// hasFlags says whether VPC v's flow-log format carries tcp-flags.
func hasFlags(v *vpc) bool { return slices.Contains(v.acct.format.Fields, flowlog.FTCPFlags) }

// logs describes where the plan's records land, for the notes.
func logs(vs ...*vpc) string {
	var parts []string
	for _, v := range vs {
		f := "default v2 format, no tcp-flags"
		if hasFlags(v) {
			f = "custom format with tcp-flags"
		}
		parts = append(parts, fmt.Sprintf("%s %s/%s (%s)", v.id, v.acct.id, v.region.name, f))
	}
	return "flow log of " + strings.Join(parts, " and ")
}

// flagged filters VPCs by whether their format has tcp-flags; when no VPC
// matches (a one-account estate has only the default format) any will do.
func (e *estate) flagged(flags bool) func(*vpc) bool {
	if !slices.ContainsFunc(e.vpcs, func(v *vpc) bool { return hasFlags(v) == flags }) {
		return func(*vpc) bool { return true }
	}
	return func(v *vpc) bool { return hasFlags(v) == flags }
}

func anyVPC(*vpc) bool { return true }

// hostSpan draws a start in [lo, hi] (fractions of the period) and an
// instance of one of the kinds, in a VPC ok accepts, that serves
// throughout [start, start+dur]. It tries a few starts before giving up.
func (pl *planner) hostSpan(kinds []string, ok func(*vpc) bool, dur int64, lo, hi float64) (*instance, int64) {
	e := pl.e
	for range 24 {
		t0 := e.at(pl.uniform(lo, hi))
		if t0+dur >= e.end {
			t0 = e.end - dur - 61
		}
		if t0 < e.start {
			return nil, 0
		}
		var cands []*instance
		for _, v := range e.vpcs {
			if !ok(v) {
				continue
			}
			for _, w := range v.workloads {
				if !slices.Contains(kinds, w.spec.kind) {
					continue
				}
				for _, in := range w.insts {
					if in.serveFrom <= t0 && in.terminate > t0+dur {
						cands = append(cands, in)
					}
				}
			}
		}
		if len(cands) > 0 {
			return pick(&pl.r, cands), t0
		}
	}
	return nil, 0
}

// add schedules a conversation from cli to srv starting at t0 and lasting
// dur seconds, cut at the end of the period or of an instance's life. It
// returns nil when an instance end does not exist at t0.
func (pl *planner) add(ed *edge, t0, dur int64, cli, srv end, cport, sport int) *shot {
	e := pl.e
	if t0 < e.start || t0 >= e.end {
		return nil
	}
	s := shot{ed: ed, t0: t0, t1: t0 + max(dur, 0), cli: cli, srv: srv, cport: cport, sport: sport, proto: ed.tr.proto, fin: !ed.silent(), svc: "-"}
	if s.t1 >= e.end {
		s.t1, s.fin = e.end-1, false
	}
	for _, x := range []end{cli, srv} {
		if x.inst == nil {
			continue
		}
		if t0 < x.inst.launch || t0 >= x.inst.terminate {
			return nil
		}
		if s.t1 >= x.inst.terminate {
			s.t1, s.fin = x.inst.terminate-1, false
		}
	}
	s.v6 = strings.Contains(cli.ip, ":")
	s.seed = hash(e.seed, 0x5407, uint64(pl.p.idx), uint64(len(pl.p.shots)))
	s.w0 = int((t0 - e.start) / window)
	pl.p.shots = append(pl.p.shots, s)
	return &pl.p.shots[len(pl.p.shots)-1]
}

// egress is the path from an instance to the internet: straight out of a
// public subnet, through the NAT gateway from the others.
func egress(in *instance) pathKind {
	if in.wl.spec.tier == tierPublic {
		return pathIGW
	}
	return pathNAT
}

// v6From says, with probability p, that traffic from in to the internet
// goes over IPv6: only an instance with an IPv6 address in a public subnet
// can (the NAT gateway is IPv4 only).
func (pl *planner) v6From(in *instance, p float64) bool {
	return in.eni.ip6 != "" && egress(in) == pathIGW && pl.r.chance(p)
}

// srcEnd is in's end, over IPv6 when v6.
func srcEnd(in *instance, v6 bool) end {
	x := instEnd(in)
	if v6 {
		x.ip = in.eni.ip6
	}
	return x
}

// remote draws an internet address of the family the traffic uses.
func (e *estate) remote(r *rng, v6 bool) string {
	if v6 {
		return e.publicAddr6(r)
	}
	return e.publicAddr(r)
}

// via names the path for the notes.
func via(in *instance) string {
	if egress(in) == pathNAT {
		return "through NAT gateway " + in.wl.vpc.nat.ip + " (its legs carry the gateway's address)"
	}
	return "straight out through the internet gateway"
}

// ephemeral draws a client port base and step; port(i) is the i-th
// connection's source port, as an OS hands them out.
type ephemeral struct{ base, step, lo, hi int }

func (pl *planner) ephemeral(windows bool) ephemeral {
	p := ephemeral{lo: 32768, hi: 60999, step: pl.r.between(1, 7)}
	if windows {
		p.lo, p.hi = 49152, 65535
	}
	p.base = pl.r.between(p.lo, p.hi)
	return p
}

func (p ephemeral) port(i int) int { return p.lo + (p.base-p.lo+i*p.step)%(p.hi-p.lo+1) }

// cport is the ephemeral port series of an instance end.
func (pl *planner) cport(in *instance) ephemeral { return pl.ephemeral(in.windows) }

// ---- addresses ----

// reservedOctets are first octets of private, shared, loopback,
// link-local, documentation or benchmark space, left out of attacker
// addresses whole.
var reservedOctets = []int{0, 10, 100, 127, 169, 172, 192, 198, 203}

// publicAddr draws an internet address from anywhere in the public IPv4
// space, never one of the estate's pools nor one drawn before, so that
// attackers neither share a /24 by construction nor pose as clients.
func (e *estate) publicAddr(r *rng) string {
	for {
		a := r.between(1, 223)
		if slices.Contains(reservedOctets, a) {
			continue
		}
		ip := ipv4(a, r.intn(256), r.intn(256), r.between(1, 254))
		if !e.used[ip] {
			e.used[ip] = true
			return ip
		}
	}
}

// publicAddr6 draws a global unicast IPv6 address outside the client
// prefixes.
func (e *estate) publicAddr6(r *rng) string {
	var b [16]byte
	for {
		b[0], b[1] = 0x24+byte(r.intn(12)), byte(r.intn(256))
		ip := randomV6(b, 2, r)
		if !e.used[ip] {
			e.used[ip] = true
			return ip
		}
	}
}

// block24 draws an unused public /24 and returns its first three octets.
func (e *estate) block24(r *rng) string {
	ip := e.publicAddr(r)
	return ip[:strings.LastIndexByte(ip, '.')]
}

// onPremAddr draws an address of a corporate network reached over a VPN:
// private space outside the estate's 10.10–10.250 VPCs.
func onPremAddr(r *rng) string {
	switch r.intn(3) {
	case 0:
		return ipv4(192, 168, r.intn(256), r.between(1, 254))
	case 1:
		return ipv4(172, r.between(16, 31), r.intn(256), r.between(1, 254))
	}
	return ipv4(10, r.between(1, 9), r.intn(256), r.between(1, 254))
}

func isV6(ip string) bool { return strings.Contains(ip, ":") }

func inPrefix(ip, cidr string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && netip.MustParsePrefix(cidr).Contains(a)
}
