package sgadvisor

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ioc"
)

// Exclusion marks traffic as malicious: a conversation between one of
// Addrs and one of Peers, on one of Ports (any when empty), within
// [From, To] (open where zero), supports no rule. When Peers is empty the
// finding was about many: then a conversation one of Addrs began with
// anyone is malicious (a spam bot's or a sweeping host's own calls, a
// scanner's probes), not what others began with it (the clients a
// compromised web server keeps serving). Indicator lists give an address
// and anyone, either way; a hunt finding gives its sources, its
// destinations (or anyone, for a sweep), its ports and its time span.
type Exclusion struct {
	Addrs    []netip.Prefix
	Peers    []netip.Prefix
	Ports    []int
	From, To time.Time
	Reason   string
}

// FromIndicators turns indicator lists into exclusions: any traffic with
// a listed address, at any time, on any port.
func FromIndicators(inds []ioc.Indicator) []Exclusion {
	out := make([]Exclusion, 0, len(inds))
	for _, in := range inds {
		why := "indicator " + in.String()
		if in.Comment != "" {
			why += " (" + in.Comment + ")"
		}
		if in.Source != "" {
			why += " listed at " + in.Source
		}
		out = append(out, Exclusion{Addrs: []netip.Prefix{in.Prefix}, Reason: why})
	}
	return out
}

// excluder matches observations against exclusions. Indicator lists run
// to millions of entries, so the simple ones (an address or range, any
// peer, port and time) are looked up by prefix length; the rest, few
// (hunt findings), are scanned.
type excluder struct {
	simple  map[int]map[netip.Prefix]string // prefix length → masked prefix → reason
	lengths []int
	rest    []Exclusion
}

func newExcluder(xs []Exclusion) *excluder {
	ex := &excluder{simple: map[int]map[netip.Prefix]string{}}
	for _, x := range xs {
		if len(x.Peers) > 0 || len(x.Ports) > 0 || !x.From.IsZero() || !x.To.IsZero() {
			ex.rest = append(ex.rest, x)
			continue
		}
		for _, p := range x.Addrs {
			p = unmapPrefix(p)
			k := p.Bits()
			if p.Addr().Is6() {
				k += 1000 // the same length in the other family is another table
			}
			if ex.simple[k] == nil {
				ex.simple[k] = map[netip.Prefix]string{}
				ex.lengths = append(ex.lengths, k)
			}
			if _, dup := ex.simple[k][p]; !dup {
				ex.simple[k][p] = x.Reason
			}
		}
	}
	slices.Sort(ex.lengths)
	return ex
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() {
		return netip.PrefixFrom(a.Unmap(), max(p.Bits()-96, 0)).Masked()
	}
	return p.Masked()
}

// match returns why the observation is excluded, or "".
func (ex *excluder) match(o obs) string {
	if why := ex.lookup(o.remote); why != "" {
		return why
	}
	for _, x := range ex.rest {
		if x.covers(o) {
			return x.Reason
		}
	}
	return ""
}

func (ex *excluder) lookup(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	for _, k := range ex.lengths {
		bits := k
		if k >= 1000 {
			if !a.Is6() {
				continue
			}
			bits -= 1000
		} else if !a.Is4() {
			continue
		}
		p, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		if why, ok := ex.simple[k][p]; ok {
			return why
		}
	}
	return ""
}

func (x Exclusion) covers(o obs) bool {
	if (!x.From.IsZero() && o.last.Before(x.From)) || (!x.To.IsZero() && o.first.After(x.To)) {
		return false
	}
	if len(x.Ports) > 0 && !slices.Contains(x.Ports, o.port) {
		return false
	}
	if len(x.Peers) == 0 {
		began := o.local
		if o.direction() == "ingress" {
			began = o.remote
		}
		return inAny(began, x.Addrs)
	}
	return (inAny(o.remote, x.Addrs) && inAny(o.local, x.Peers)) || (inAny(o.remote, x.Peers) && inAny(o.local, x.Addrs))
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return unmapPrefix(p).Contains(a) })
}

// FindingExclusion builds the exclusion for one detector finding: its
// source, its destination (anyone when the finding is about many), its
// ports and its time span.
func FindingExclusion(detector, id string, src, dst []string, ports []int, from, to time.Time) (Exclusion, error) {
	x := Exclusion{Ports: ports, From: from, To: to, Reason: fmt.Sprintf("hunt finding %s (%s)", id, detector)}
	var err error
	if x.Addrs, err = hostPrefixes(src); err != nil {
		return x, fmt.Errorf("cannot exclude finding %s: source: %w", id, err)
	}
	if len(x.Addrs) == 0 {
		return x, fmt.Errorf("cannot exclude finding %s: it names no source address", id)
	}
	if x.Peers, err = hostPrefixes(dst); err != nil {
		return x, fmt.Errorf("cannot exclude finding %s: destination: %w", id, err)
	}
	return x, nil
}

func hostPrefixes(addrs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range addrs {
		if s == "" {
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("cannot read address %q: %w", s, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// MaliciousDetectors are the hunt detectors whose findings name an
// attacker's or a compromised host's traffic. unusual-traffic and
// lateral-movement are among them: a port to the internet the workload
// never used before (a proxy, IRC, a C2 default), gigabytes on an edge it
// uses daily, a new path between workloads (web → database, across the
// transit gateway, from on premises) are exactly the rules least privilege
// must question; listed as not recommended, a new legitimate dependency is
// the auditor's call. A lateral-movement fan-out (one host reaching many
// on an admin port) is not taken: it names no destinations, and excluding
// all of a bastion's logins for its span cuts the rules its daily work
// needs. Left out: exposure (the subject's own open doors, the office's
// SSH to the bastions among them; its unanswered probes are exposure
// here too) and threshold (the analyst's own rules, which may count
// anything).
var MaliciousDetectors = []string{"port-scan", "brute-force", "ioc", "beaconing", "exfiltration", "crypto-mining", "outbound-dos", "spam-bot",
	"unusual-traffic", "lateral-movement"}

// FromFindings turns the findings of MaliciousDetectors that name a
// source address, Low severity or worse, into exclusions: the addresses
// each side names (its address and the lists in its details), anyone as
// destination when it is about more than it lists, any port when its
// port list was cut.
func FromFindings(fs []hunt.Finding) []Exclusion {
	var out []Exclusion
	for _, f := range fs {
		if !slices.Contains(MaliciousDetectors, f.Detector) || f.Severity < hunt.Low {
			continue
		}
		src, dst := findingAddrs(f.Src, f.Details, "src_addresses", "sources"), findingAddrs(f.Dst, f.Details, "dst_addresses", "hosts")
		if len(src) == 0 {
			continue
		}
		if f.Dst.Count > int64(len(dst)) {
			dst = nil // about more destinations than it lists: anyone
		}
		if f.Detector == "lateral-movement" && len(dst) == 0 {
			continue // a fan-out: the bastion's daily logins look the same
		}
		ports := f.Ports
		if f.DistinctPorts > int64(len(ports)) {
			ports = nil // the list was cut: any port
		}
		x, err := FindingExclusion(f.Detector, f.ID, src, dst, ports, f.FirstSeen, f.LastSeen)
		if err != nil {
			slog.Warn("finding not excluded", "finding", f.ID, "err", err)
			continue
		}
		x.Reason += ": " + f.Title
		out = append(out, x)
	}
	return out
}

// findingAddrs lists the distinct addresses one side of a finding names:
// its address and the lists in its details (a workload's several
// instances, the NAT gateway that carried its traffic, the sources of a
// crowd). Details hold []string from the hunt, []any once read from JSON.
func findingAddrs(ep hunt.Endpoint, details map[string]any, keys ...string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(ep.Address)
	for _, k := range keys {
		switch l := details[k].(type) {
		case []string:
			for _, s := range l {
				add(s)
			}
		case []any:
			for _, v := range l {
				if s, ok := v.(string); ok {
					add(s)
				}
			}
		}
	}
	return out
}
