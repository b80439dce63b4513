package gen

import (
	"maps"
	"slices"
	"time"
)

// Injected traffic — the attacks and their benign look-alikes — is a list
// of shots drawn up front: conversations with a fixed start, length, pair
// of ends and ports. Each becomes a conv in the minute it starts, so it is
// recorded exactly like the background traffic (both ends, NAT and
// transit-gateway legs, tcp-flags where the format has them). The shots
// do not depend on Scale, so a scan is the same scan in every estate size.

// plan is one attack or look-alike: what the truth says about it, and its
// shots. Its edges carry plan = 1 + its index so that the generators count
// its records; background edges that are a look-alike carry it too.
type plan struct {
	idx   int
	truth Attack   // detector, kind, benign, notes; the rest comes from the records
	also  []string // further detectors the traffic resembles, each its own truth entry
	// manyDst: the truth lists no destinations — a sweep, or a look-alike
	// known by its source (a scanner, a health checker), so that an attack
	// on one of its many targets is not taken for it.
	manyDst bool
	shots   []shot
	edges   map[edgeKey]*edge
}

type edgeKey struct {
	tr   *traffic
	path pathKind
	out  outcome
}

// outcome is what happens to a connection attempt.
type outcome uint8

const (
	answered   outcome = iota
	rejected           // a security group drops it
	unanswered         // accepted, but nothing answers
)

// edge returns the plan's edge for a shape, path and outcome.
func (p *plan) edge(tr *traffic, path pathKind, out outcome) *edge {
	k := edgeKey{tr, path, out}
	if ed, ok := p.edges[k]; ok {
		return ed
	}
	ed := &edge{tr: tr, path: path, reject: out == rejected, unanswered: out == unanswered, plan: p.idx + 1}
	p.edges[k] = ed
	return ed
}

// end is one side of a shot: an interface of the estate (ifc, with its
// instance if it has one) or an address outside it (ifc nil).
type end struct {
	ifc  *iface
	inst *instance
	ip   string
}

func instEnd(in *instance) end { return end{ifc: in.eni, inst: in, ip: in.eni.ip} }
func ifcEnd(f *iface) end      { return end{ifc: f, ip: f.ip} }
func addrEnd(ip string) end    { return end{ip: ip} }

// shot is one injected conversation.
type shot struct {
	ed           *edge
	t0, t1       int64
	cli, srv     end
	cport, sport int
	proto        int
	fin, rst     bool
	v6           bool
	svc          string // pkt-*-aws-service of an internet destination
	seed         uint64
	w0           int
}

// conv turns the shot into the conversation the generators record.
func (s *shot) conv(e *estate) conv {
	c := conv{e: s.ed, seed: s.seed, t0: s.t0, t1: s.t1, fin: s.fin, rst: s.rst, proto: s.proto, v6: s.v6, svc: s.svc,
		cli: s.cli.ifc, srv: s.srv.ifc, cliIP: s.cli.ip, srvIP: s.srv.ip, cliPort: s.cport, srvPort: s.sport,
		cliInst: s.cli.inst, srvInst: s.srv.inst}
	c.natPort = 1024 + int(hash(s.seed, 0x4a7)%64512)
	c.w0, c.w1 = s.w0, int((s.t1-e.start)/window)
	return c
}

// touches says whether VPC v's flow log records the shot.
func (s *shot) touches(v *vpc) bool {
	return s.cli.ifc != nil && s.cli.ifc.vpc == v || s.srv.ifc != nil && s.srv.ifc.vpc == v
}

// shotQueue hands a generator the shots it records, minute by minute.
type shotQueue struct {
	shots []*shot
	next  int
}

func (e *estate) queue(keep func(*shot) bool) *shotQueue {
	q := &shotQueue{}
	for _, p := range e.plans {
		for i := range p.shots {
			if keep(&p.shots[i]) {
				q.shots = append(q.shots, &p.shots[i])
			}
		}
	}
	slices.SortStableFunc(q.shots, func(a, b *shot) int { return a.w0 - b.w0 })
	return q
}

// inject appends the conversations of the shots that start in window w.
// With a VPC it keeps only those that VPC records.
func (e *estate) inject(active []conv, q *shotQueue, w int, v *vpc) []conv {
	for ; q.next < len(q.shots) && q.shots[q.next].w0 <= w; q.next++ {
		c := q.shots[q.next].conv(e)
		if v != nil {
			if c.observe(v); c.nobs == 0 {
				continue
			}
		}
		active = append(active, c)
	}
	return active
}

// planTally is what the generators wrote for one plan.
type planTally struct {
	records     int64
	first, last int64
	src, dst    map[string]bool
	ports       map[int]bool
}

// countPlan adds one record of conversation c, written for [start, end].
func (t *tally) countPlan(c *conv, start, end int64) {
	p := c.e.plan - 1
	pt := t.plans[p]
	if pt == nil {
		pt = &planTally{first: start, last: end, src: map[string]bool{}, dst: map[string]bool{}, ports: map[int]bool{}}
		t.plans[p] = pt
	}
	pt.records++
	pt.first, pt.last = min(pt.first, start), max(pt.last, end)
	pt.src[c.cliIP], pt.dst[c.srvIP] = true, true
	if c.proto != 1 {
		pt.ports[c.srvPort] = true
	}
}

func (pt *planTally) merge(o *planTally) {
	pt.records += o.records
	pt.first, pt.last = min(pt.first, o.first), max(pt.last, o.last)
	maps.Copy(pt.src, o.src)
	maps.Copy(pt.dst, o.dst)
	maps.Copy(pt.ports, o.ports)
}

// maxListedPorts: a plan that touched more ports (a vertical scan) lists
// none; its notes say how many.
const maxListedPorts = 24

// attacks builds the truth's entries from the plans and what was written
// for them. A plan nothing was written for (a background look-alike too
// rare at this Scale) is left out: no detector could find it.
func (e *estate) attacks(ts []*tally) []Attack {
	all := map[int]*planTally{}
	for _, t := range ts {
		for i, pt := range t.plans {
			if all[i] == nil {
				all[i] = &planTally{first: pt.first, last: pt.last, src: map[string]bool{}, dst: map[string]bool{}, ports: map[int]bool{}}
			}
			all[i].merge(pt)
		}
	}
	out := []Attack{}
	for _, p := range e.plans {
		pt := all[p.idx]
		if pt == nil {
			continue
		}
		a := p.truth
		a.Records, a.Start, a.End = pt.records, time.Unix(pt.first, 0).UTC(), time.Unix(pt.last, 0).UTC()
		a.Src = sortedAddrs(pt.src)
		a.Dst = []string{}
		if !p.manyDst {
			a.Dst = sortedAddrs(pt.dst)
		}
		if len(pt.ports) <= maxListedPorts {
			a.Ports = slices.Sorted(maps.Keys(pt.ports))
		}
		out = append(out, a)
		for _, d := range p.also {
			b := a
			b.Detector = d
			out = append(out, b)
		}
	}
	return out
}

func sortedAddrs(set map[string]bool) []string {
	return slices.Sorted(maps.Keys(set))
}
