package inventory

import (
	"net/netip"
	"slices"
)

// Flags a change may carry.
const (
	FlagOpenToWorld  = "open_to_world"               // a rule admits 0.0.0.0/0 or ::/0
	FlagAdminToNet   = "admin_port_open_to_internet" // an admin port admits a public range
	FlagUnusualActor = "unusual_actor"               // groups attached by someone who never deploys
)

// AdminPorts are the ports whose exposure to the internet is flagged:
// remote administration and databases.
var AdminPorts = []int{21, 22, 23, 445, 1433, 1521, 2375, 2376, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 11211, 27017}

func (s *state) change(ev Event, c Change) {
	c.Time, c.Event, c.EventID, c.Actor, c.Account, c.Region = ev.Time, ev.Name, ev.ID, ev.Actor, ev.Account, ev.Region
	// Widenings only: a removal narrows.
	if c.Rule != nil && !c.Rule.Egress && c.Action != "rule_removed" {
		if isWorld(c.Rule.CIDR) {
			c.Flags = append(c.Flags, FlagOpenToWorld)
		}
		if isPublic(c.Rule.CIDR) && c.Rule.coversAdminPort() {
			c.Flags = append(c.Flags, FlagAdminToNet)
		}
	}
	s.changes = append(s.changes, c)
}

// recordGroups records an interface's group attachment when it gained a
// group.
func (s *state) recordGroups(ev Event, eni, inst string, before, after []string) {
	var added []string
	for _, g := range sortedUnique(after) {
		if !slices.Contains(before, g) {
			added = append(added, g)
		}
	}
	if len(added) == 0 && len(before) == len(after) {
		return
	}
	s.change(ev, Change{Action: "groups_changed", InterfaceID: eni, InstanceID: inst, Groups: sortedUnique(after), Added: added})
}

// isWorld says whether a range is all addresses, however it is written
// (208.236.235.254/0 is 0.0.0.0/0).
func isWorld(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && p.Bits() == 0
}

// isPublic says whether a range reaches beyond private address space.
func isPublic(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	a := p.Masked().Addr()
	if a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	return !privateCovers(p)
}

// privateCovers says whether the whole range lies in one private block
// (10.0.0.0/7 starts private but is not).
func privateCovers(p netip.Prefix) bool {
	for _, b := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10"} {
		bp := netip.MustParsePrefix(b)
		if bp.Bits() <= p.Bits() && bp.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func (r Rule) coversAdminPort() bool {
	n := r.ProtocolNumber()
	if n == -1 {
		return true
	}
	if n != 6 && n != 17 {
		return false
	}
	if r.FromPort == -1 {
		return true
	}
	for _, p := range AdminPorts {
		if p >= r.FromPort && p <= r.ToPort {
			return true
		}
	}
	return false
}

// flagUnusualActors marks attachments to running interfaces made by a
// principal that never launched an instance or created an interface in
// the account: a person attaching a group by hand where automation
// deploys. Blind spot: a principal that also launches something counts
// as a deployer.
func flagUnusualActors(cs []Change) {
	deployers := map[string]bool{}
	for _, c := range cs {
		if c.Action == "groups_changed" && (c.Event == "RunInstances" || c.Event == "CreateNetworkInterface") {
			deployers[c.Account+"|"+c.Actor.Principal()] = true
		}
	}
	if len(deployers) == 0 {
		return // no deployment in the evidence: no usual deployer to differ from
	}
	for i := range cs {
		c := &cs[i]
		if c.Action == "groups_changed" && !deployers[c.Account+"|"+c.Actor.Principal()] {
			c.Flags = append(c.Flags, FlagUnusualActor)
		}
	}
}

// IsPublicRange says whether a CIDR reaches beyond private address space.
func IsPublicRange(cidr string) bool { return isPublic(cidr) }

// IsPublicAddr says whether an address lies outside private, shared
// (100.64.0.0/10), loopback and link-local space: an internet peer.
func IsPublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return false
	}
	return !privateCovers(netip.PrefixFrom(a, a.BitLen()))
}
