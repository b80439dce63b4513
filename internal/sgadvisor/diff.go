package sgadvisor

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// Diff compares the recommendation with the rules the subject's groups
// hold at the end of the period.
type Diff struct {
	Keep   []DiffRule `json:"keep"`   // a current rule in use and no wider than recommended
	Add    []DiffRule `json:"add"`    // recommended, and the kept rules do not admit it all
	Remove []DiffRule `json:"remove"` // a current rule nothing recommended passed through
	Narrow []DiffRule `json:"narrow"` // a current rule wider than what used it; To is what it becomes
}

// Applying a diff: keep ∪ add is the recommended rule set; remove ∪
// narrow are the rules to revoke once the added ones are in place (what
// a narrowed rule becomes is under add).

// DiffRule is one rule of the diff: a current rule (with its ID where
// the evidence had one) or, under add, a recommended one.
type DiffRule struct {
	Direction   string       `json:"direction"`
	GroupID     string       `json:"group_id,omitempty"`
	RuleID      string       `json:"rule_id,omitempty"`
	Protocol    string       `json:"protocol"`
	FromPort    int          `json:"from_port"`
	ToPort      int          `json:"to_port"`
	Peer        string       `json:"peer"`
	Description string       `json:"description,omitempty"` // the current rule's; for add, what the evidence says
	To          []Permission `json:"to,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	SharedWith  []string     `json:"shared_with,omitempty"` // other workloads that held the group: removing or narrowing affects them too
}

// Permission is a protocol, a port range and one peer.
type Permission struct {
	Protocol string `json:"protocol"`
	FromPort int    `json:"from_port"`
	ToPort   int    `json:"to_port"`
	Peer     string `json:"peer"`
}

func (p perm) permission() Permission {
	return Permission{Protocol: inventory.ProtocolName(p.proto), FromPort: p.from, ToPort: p.to, Peer: p.peer}
}

func (a *advice) diff(rep *Report) Diff {
	d := Diff{Keep: []DiffRule{}, Add: []DiffRule{}, Remove: []DiffRule{}, Narrow: []DiffRule{}}
	var kept []inventory.Rule
	for _, cur := range a.currentRules(rep) {
		dr := a.diffRule(cur)
		var used []Permission
		within := false
		for _, p := range a.perms {
			if admitsSome(cur, p) {
				used = append(used, p.permission())
				within = within || withinPerm(cur, p)
			}
		}
		switch {
		case within:
			d.Keep = append(d.Keep, dr)
			kept = append(kept, cur)
		case len(used) > 0:
			dr.To, dr.Reason = used, "wider than the traffic that used it"
			d.Narrow = append(d.Narrow, dr)
		default:
			dr.Reason = a.unusedReason(cur)
			d.Remove = append(d.Remove, dr)
		}
	}
	for _, p := range a.perms {
		if !coveredByAll(kept, p) {
			d.Add = append(d.Add, DiffRule{Direction: p.dir, GroupID: rep.TargetGroup, Protocol: inventory.ProtocolName(p.proto), FromPort: p.from, ToPort: p.to,
				Peer: p.peer, Description: p.desc, Reason: "in use, and the rules that stay do not admit all of it"})
		}
	}
	return d
}

// currentRules are the rules of the subject's groups that still stand at
// the end of the period (now, when it is open), prefix lists left out:
// their ranges are not in the evidence.
func (a *advice) currentRules(rep *Report) []inventory.Rule {
	var out []inventory.Rule
	for _, r := range a.inv.Rules {
		if r.PrefixList != "" || !slices.ContainsFunc(rep.Groups, func(g GroupRef) bool { return g.ID == r.GroupID }) {
			continue
		}
		end := a.opts.Until
		if (end.IsZero() && r.To.IsZero()) || (!end.IsZero() && (r.To.IsZero() || !r.To.Before(end)) && (r.From.IsZero() || r.From.Before(end))) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(x, y inventory.Rule) int {
		return cmp.Or(cmp.Compare(x.GroupID, y.GroupID), boolCmp(x.Egress, y.Egress), cmp.Compare(x.ProtocolNumber(), y.ProtocolNumber()), cmp.Compare(x.FromPort, y.FromPort))
	})
	return out
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func (a *advice) diffRule(r inventory.Rule) DiffRule {
	dir := "ingress"
	if r.Egress {
		dir = "egress"
	}
	dr := DiffRule{Direction: dir, GroupID: r.GroupID, RuleID: r.ID, Protocol: normalProtocol(r), FromPort: r.FromPort, ToPort: r.ToPort,
		Peer: r.Peer(), Description: r.Description}
	for _, w := range a.holders(r.GroupID) {
		if w != "" && w != a.name && !slices.Contains(dr.SharedWith, w) {
			dr.SharedWith = append(dr.SharedWith, w)
		}
	}
	slices.Sort(dr.SharedWith)
	return dr
}

// normalProtocol writes a rule's protocol as the recommendation does.
func normalProtocol(r inventory.Rule) string {
	if n := r.ProtocolNumber(); n >= 0 {
		return inventory.ProtocolName(n)
	}
	return r.Protocol
}

// unusedReason says what, if anything, reached an unused rule's ports.
func (a *advice) unusedReason(r inventory.Rule) string {
	dir := "ingress"
	if r.Egress {
		dir = "egress"
	}
	why := "no accepted, answered traffic used it in the period"
	for k := range a.seen {
		if k.dir != dir || !r.Admits(k.proto, k.port) {
			continue
		}
		if k.exposure {
			return "only unanswered probes reached its ports"
		}
		why = "only traffic that is not recommended reached its ports"
	}
	return why
}

// admitsSome says whether a current rule lets any of a permission's
// traffic through.
func admitsSome(r inventory.Rule, p perm) bool {
	if !sameDirection(r, p) || !coversPorts(r, p) {
		return false
	}
	return slices.ContainsFunc(p.behind, func(pa peerAddr) bool { return admitsPeer(r, pa) })
}

// coveredByAll says whether every address behind a permission is admitted
// by some current rule.
func coveredByAll(rules []inventory.Rule, p perm) bool {
	for _, pa := range p.behind {
		if !slices.ContainsFunc(rules, func(r inventory.Rule) bool { return sameDirection(r, p) && coversPorts(r, p) && admitsPeer(r, pa) }) {
			return false
		}
	}
	return true
}

func sameDirection(r inventory.Rule, p perm) bool { return r.Egress == (p.dir == "egress") }

// coversPorts says whether the rule admits the permission's protocol on
// all its ports.
func coversPorts(r inventory.Rule, p perm) bool {
	if !r.Admits(p.proto, max(p.from, 0)) {
		return false
	}
	pn := r.ProtocolNumber()
	return pn == -1 || (pn != 6 && pn != 17) || r.FromPort == -1 || (p.from >= r.FromPort && p.to <= r.ToPort)
}

func admitsPeer(r inventory.Rule, pa peerAddr) bool {
	switch {
	case r.CIDR != "":
		c, err := netip.ParsePrefix(r.CIDR)
		return err == nil && c.Masked().Contains(pa.addr)
	case r.RefGroup != "":
		return slices.Contains(pa.groups, r.RefGroup)
	}
	return false
}

// withinPerm says whether a current rule admits nothing beyond a
// recommended permission: the same protocol, ports inside its range, and
// the same group or a range inside its range.
func withinPerm(r inventory.Rule, p perm) bool {
	if !sameDirection(r, p) || r.ProtocolNumber() != p.proto {
		return false
	}
	if (p.proto == 6 || p.proto == 17) && (r.FromPort == -1 || r.FromPort < p.from || r.ToPort > p.to) {
		return false
	}
	if r.RefGroup != "" {
		return r.RefGroup == p.peer
	}
	c, err1 := parsePrefix(r.CIDR)
	q, err2 := parsePrefix(p.peer)
	return err1 == nil && err2 == nil && c.Addr().Is4() == q.Addr().Is4() && q.Bits() <= c.Bits() && q.Contains(c.Addr())
}

// admittedBy names, for each exposure, the current rules that let it in.
func (a *advice) admittedBy(rep *Report) {
	current := a.currentRules(rep)
	for i := range rep.Exposure {
		x := &rep.Exposure[i]
		proto := protocolNumber(x.Protocol)
		for _, r := range current {
			if r.Egress != (x.Direction == "egress") || !r.Admits(proto, x.Port) {
				continue
			}
			for _, s := range x.Peers {
				addr, err := netip.ParseAddr(s)
				if err == nil && admitsPeer(r, peerAddr{addr: addr}) {
					x.AdmittedBy = append(x.AdmittedBy, ruleLabel(r))
					break
				}
			}
		}
	}
}

func ruleLabel(r inventory.Rule) string {
	if r.ID != "" {
		return r.ID
	}
	return fmt.Sprintf("%s:%s/%s<-%s", r.GroupID, r.Protocol, r.Ports(), r.Peer())
}

func protocolNumber(name string) int {
	return inventory.Rule{Protocol: name}.ProtocolNumber()
}
