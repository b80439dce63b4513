// Package inventory rebuilds, from CloudTrail and describe-* snapshots,
// what the estate looked like at any moment: which interface belonged to
// which instance, under which Name tag and security groups, with which
// addresses; which groups and rules existed; and who changed them.
//
// Flow logs name interfaces, and interfaces churn. People think in
// workloads ("payment"), which the Name tag carries. Every fact here holds
// for a time range, so a record is matched to what was true when it was
// logged.
package inventory

import (
	"strings"
	"time"
)

// Interface is one stretch of an ENI's life during which nothing recorded
// about it changed.
type Interface struct {
	ID                string
	Account, Region   string
	VPC, Subnet, AZ   string
	InstanceID        string
	Name              string            // the Name tag: the instance's, else the interface's own
	Tags              map[string]string // the instance's tags, else the interface's
	PrivateIPs, IPv6  []string
	Groups            []string // security group IDs
	Description, Type string   // interface type: interface, nat_gateway, …
	From, To          time.Time
	Created, Deleted  time.Time // zero when the evidence does not say
	Origin            string    // what last set the state: cloudtrail or snapshot
	openStart         bool
	first, last       bool
}

// OpenStart says the state was already held before the evidence began:
// From is when it was first seen, not when it began.
func (i Interface) OpenStart() bool { return i.openStart }

// MatchFrom and MatchTo bound the records this stretch claims. Interface
// IDs are never reused, so the first stretch also claims anything logged
// before the evidence began and the last anything logged after it ended
// (shutdown takes a while): zero means unbounded.
func (i Interface) MatchFrom() time.Time {
	if i.first {
		return time.Time{}
	}
	return i.From
}

// MatchTo: see MatchFrom.
func (i Interface) MatchTo() time.Time {
	if i.last {
		return time.Time{}
	}
	return i.To
}

// Group is a security group.
type Group struct {
	ID, Name, Description string
	VPC, Account, Region  string
	Created, Deleted      time.Time // zero when the evidence does not say
	CreatedBy             string    // principal ARN
	Origin                string
}

// Rule is one security-group rule for the time it existed.
type Rule struct {
	ID          string // sgr-…; empty when the evidence carried none
	GroupID     string
	Egress      bool
	Protocol    string // tcp, udp, icmp, icmpv6, "-1" (all), or an IANA number
	FromPort    int    // -1: all (also ICMP type)
	ToPort      int    // -1: all (also ICMP code)
	CIDR        string // IPv4 or IPv6 range, as written
	RefGroup    string // referenced security group
	PrefixList  string
	Description string
	From, To    time.Time // zero To: still exists; zero From: existed before the evidence
	AddedBy     string    // principal ARN
	RemovedBy   string
	Origin      string
}

// ProtocolName is a flow log's protocol number as security-group rules
// name it ("tcp", "udp", "icmp", "icmpv6"), else the number.
func ProtocolName(p int) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return itoa(p)
}

// ProtocolNumber is the rule's protocol as flow logs write it; -1 for all.
func (r Rule) ProtocolNumber() int {
	switch strings.ToLower(r.Protocol) {
	case "-1", "all", "":
		return -1
	case "tcp":
		return 6
	case "udp":
		return 17
	case "icmp":
		return 1
	case "icmpv6":
		return 58
	}
	n := 0
	for _, c := range r.Protocol {
		if c < '0' || c > '9' {
			return -2 // unknown name: matches nothing
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Admits says whether the rule lets a protocol (as flow logs number it)
// through to a port; port is ignored for protocols without ports. The
// peer is not judged here.
func (r Rule) Admits(proto, port int) bool {
	pn := r.ProtocolNumber()
	switch {
	case pn == -1:
		return true
	case pn != proto:
		return false
	case (pn != 6 && pn != 17) || r.FromPort == -1:
		return true
	}
	return port >= r.FromPort && port <= r.ToPort
}

// Peer renders what the rule admits: a range, a group or a prefix list.
func (r Rule) Peer() string {
	switch {
	case r.CIDR != "":
		return r.CIDR
	case r.RefGroup != "":
		return r.RefGroup
	}
	return r.PrefixList
}

// Ports renders the port range: "22", "8000-8080", "all".
func (r Rule) Ports() string {
	switch {
	case r.FromPort == -1 || (r.FromPort == 0 && r.ToPort == 65535) || r.ProtocolNumber() == -1:
		return "all"
	case r.FromPort == r.ToPort:
		return itoa(r.FromPort)
	}
	return itoa(r.FromPort) + "-" + itoa(r.ToPort)
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Actor is who made a change.
type Actor struct {
	ARN       string
	Type      string // IAMUser, AssumedRole, Root, AWSService, …
	UserName  string
	SourceIP  string
	UserAgent string
}

// Principal is the identity behind the actor, stable across sessions:
// an assumed role's role ARN rather than its session's.
func (a Actor) Principal() string {
	// arn:aws:sts::123456789012:assumed-role/ROLE/SESSION
	if rest, ok := strings.CutPrefix(a.ARN, "arn:aws:sts::"); ok {
		acct, role, ok := strings.Cut(rest, ":assumed-role/")
		if ok {
			role, _, _ = strings.Cut(role, "/")
			return "arn:aws:iam::" + acct + ":role/" + role
		}
	}
	if a.ARN != "" {
		return a.ARN
	}
	return a.UserName
}

// Change is one security-group or attachment change, for the audit.
type Change struct {
	Time        time.Time
	Event       string // the CloudTrail event name
	EventID     string
	Actor       Actor
	Account     string
	Region      string
	Action      string // rule_added, rule_removed, rule_modified, group_created, group_deleted, groups_changed
	GroupID     string
	InterfaceID string
	InstanceID  string
	Rule        *Rule    // for rule changes: the rule after the change (before, for removals)
	Groups      []string // for groups_changed: the interface's groups after the change
	Added       []string // for groups_changed: groups newly attached
	Flags       []string // open_to_world, admin_port_open_to_internet, unusual_actor
}

// Inventory is everything rebuilt.
type Inventory struct {
	Interfaces []Interface // by ID, then time
	Groups     []Group
	Rules      []Rule
	Changes    []Change // by time
}

// Workloads lists the Name tags interfaces carried, sorted.
func (inv *Inventory) Workloads() []string {
	var names []string
	for _, i := range inv.Interfaces {
		names = append(names, i.Name)
	}
	return sortedUnique(names)
}
