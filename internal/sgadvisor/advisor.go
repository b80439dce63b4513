// Package sgadvisor recommends least-privilege security-group rules from
// the traffic a workload's interfaces actually carried: ingress for what
// others started towards it and it answered, egress for what it started
// and was answered; compares them with the rules its groups hold; and
// exports them for the AWS CLI, Terraform and CloudFormation.
//
// Security groups are stateful, so a reply never needs a rule; a probe
// that was admitted but never answered supports no rule (it is listed as
// exposure); traffic that a hunt finding or an indicator list marks as
// malicious supports no rule (it is listed as not recommended).
package sgadvisor

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

// Subject kinds: what a report is about.
const (
	KindWorkload = "workload" // interfaces that carried a Name tag, while they did
	KindENI      = "eni"
	KindInstance = "instance"
	KindGroup    = "group" // interfaces while they held a security group
	KindAll      = "all"   // one report per workload
)

// Subject names the interfaces a report is about.
type Subject struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
}

// DefaultInternetPeers is how many distinct internet addresses a rule may
// name before they collapse to 0.0.0.0/0 or ::/0.
const DefaultInternetPeers = 16

// Options say what to advise on and how.
type Options struct {
	Subject      Subject
	Since, Until time.Time // zero: open
	// InternetPeers: more distinct internet addresses than this on one
	// rule (per address family) become 0.0.0.0/0 or ::/0. 0 takes
	// DefaultInternetPeers.
	InternetPeers int
	// Exclude marks traffic as malicious: it supports no rule and is
	// listed under not_recommended with the exclusion's reason.
	Exclude []Exclusion
}

// Report is the advice for one subject, keyed as `flowtrail sg recommend
// --format json` prints it.
type Report struct {
	Workload       string     `json:"workload"`
	Subject        Subject    `json:"subject"`
	VPC            string     `json:"vpc_id,omitempty"` // a report covers one VPC: group references do not reach beyond it
	Account        string     `json:"account_id,omitempty"`
	Region         string     `json:"region,omitempty"`
	Since          time.Time  `json:"since,omitzero"`
	Until          time.Time  `json:"until,omitzero"`
	Interfaces     []string   `json:"interfaces"`
	Groups         []GroupRef `json:"groups"`                 // every group the interfaces held in the period
	TargetGroup    string     `json:"target_group,omitempty"` // the group the exports write to: the one every interface held
	Ingress        []Rule     `json:"ingress"`
	Egress         []Rule     `json:"egress"`
	Exposure       []Seen     `json:"exposure"`
	NotRecommended []Seen     `json:"not_recommended"`
	Discounted     []Discount `json:"discounted"`
	Diff           Diff       `json:"diff"`
}

// GroupRef names a security group.
type GroupRef struct {
	ID   string `json:"group_id"`
	Name string `json:"group_name,omitempty"`
}

// Rule is one recommended rule: a protocol, a port range and its peers.
type Rule struct {
	Protocol      string    `json:"protocol"`  // tcp, udp, icmp, icmpv6, or an IANA number
	FromPort      int       `json:"from_port"` // -1 with to_port -1: all (ICMP types, port-less protocols)
	ToPort        int       `json:"to_port"`
	Sources       []string  `json:"sources,omitempty"`      // ingress: CIDRs and security-group IDs
	Destinations  []string  `json:"destinations,omitempty"` // egress
	PeerWorkloads []string  `json:"peer_workloads,omitempty"`
	Peers         int       `json:"peers"` // distinct peer addresses seen
	Conversations int64     `json:"conversations"`
	Records       int64     `json:"records"`
	Bytes         int64     `json:"bytes"`
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
	Confidence    string    `json:"confidence"` // high (tcp-flags), medium, low
	Basis         string    `json:"basis"`      // how the service side was told: tcp-flags, ports, peers
	Notes         []string  `json:"notes,omitempty"`
}

// PeersOf is the rule's sources or destinations.
func (r Rule) PeersOf() []string { return append(slices.Clone(r.Sources), r.Destinations...) }

// Seen is traffic that supports no rule: an exposure (admitted but never
// answered) or something not recommended, and why.
type Seen struct {
	Direction     string    `json:"direction"` // ingress or egress, from the subject's side
	Protocol      string    `json:"protocol"`
	Port          int       `json:"port"`
	Reason        string    `json:"reason"`
	Peers         []string  `json:"peers"` // the first few addresses
	PeerCount     int       `json:"peer_count"`
	Conversations int64     `json:"conversations"`
	Records       int64     `json:"records"`
	Bytes         int64     `json:"bytes"`
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
	AdmittedBy    []string  `json:"admitted_by,omitempty"` // current rules that let it in or out
}

// Discount counts accepted traffic that needed no rule.
type Discount struct {
	What          string `json:"what"`
	Conversations int64  `json:"conversations"`
	Why           string `json:"why"`
}

// Run advises on the subject in the lake the engine has open: one report
// per VPC the subject's interfaces were in (a workload deployed in two
// regions has two groups, and group references stay within a VPC), for
// KindAll per workload and VPC, in name order.
func Run(ctx context.Context, e *engine.Engine, opts Options) ([]*Report, error) {
	if err := opts.Subject.check(e.Inventory()); err != nil {
		return nil, err
	}
	if opts.InternetPeers <= 0 {
		opts.InternetPeers = DefaultInternetPeers
	}
	res, err := e.QueryParams(ctx, observations, 0, unixOrNil(opts.Since), unixOrNil(opts.Until), opts.Subject.Kind, opts.Subject.ID)
	if err != nil {
		return nil, fmt.Errorf("cannot read the traffic of %s %s: %w", opts.Subject.Kind, opts.Subject.ID, err)
	}
	byScope := groupObs(res.Rows)
	ex := newExcluder(opts.Exclude)
	var advs []*advice
	for _, sc := range scopes(e.Inventory(), opts, byScope) {
		a := newAdvice(e.Inventory(), opts, sc, ex)
		a.classify(byScope[sc])
		advs = append(advs, a)
	}
	// Port-less traffic takes its direction from what the same peers did
	// with ports, across the subject's VPCs: a bastion that pinged a
	// database in one region and SSHed to it in the other began both.
	evidence := map[string][]obs{}
	for _, a := range advs {
		evidence[a.name] = append(evidence[a.name], a.cands...)
	}
	out := make([]*Report, 0, len(advs))
	for _, a := range advs {
		a.classifyPortless(evidence[a.name])
		out = append(out, a.report())
	}
	return out, nil
}

// scope is what one report covers: a subject's name and one VPC.
type scope struct{ name, vpc string }

// check refuses a subject the inventory never saw, naming the known ones
// where that helps.
func (s Subject) check(inv *inventory.Inventory) error {
	if s.Kind == KindAll {
		return nil
	}
	if !slices.ContainsFunc(inv.Interfaces, func(i inventory.Interface) bool { return s.holds(i) }) {
		what := map[string]string{KindWorkload: "no interface carried the Name tag %q", KindENI: "no interface %s",
			KindInstance: "no instance %s", KindGroup: "no interface held the security group %s"}[s.Kind]
		if what == "" {
			return fmt.Errorf("cannot advise: unknown subject kind %q", s.Kind)
		}
		return fmt.Errorf("cannot advise: "+what+" in the lake's CloudTrail or describe-* snapshots", s.ID)
	}
	return nil
}

// holds says whether an interface stretch belongs to the subject.
func (s Subject) holds(i inventory.Interface) bool {
	switch s.Kind {
	case KindWorkload:
		return i.Name == s.ID
	case KindENI:
		return i.ID == s.ID
	case KindInstance:
		return i.InstanceID == s.ID
	case KindGroup:
		return slices.Contains(i.Groups, s.ID)
	case KindAll:
		return i.Name != ""
	}
	return false
}

// scopes lists the reports to write: per name (the subject's ID, or each
// workload for KindAll) and VPC, from the interfaces that were the
// subject in the period — also those without traffic: an auditor needs to
// see that nothing was seen — and from the traffic.
func scopes(inv *inventory.Inventory, opts Options, seen map[scope][]obs) []scope {
	var out []scope
	add := func(sc scope) {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	w := window{opts.Since, opts.Until}
	for _, i := range inv.Interfaces {
		if opts.Subject.holds(i) && w.overlaps(i.From, i.To) {
			name := opts.Subject.ID
			if opts.Subject.Kind == KindAll {
				name = i.Name
			}
			add(scope{name, i.VPC})
		}
	}
	for sc := range seen {
		add(sc)
	}
	if len(out) == 0 && opts.Subject.Kind != KindAll {
		add(scope{name: opts.Subject.ID})
	}
	slices.SortFunc(out, func(a, b scope) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.vpc, b.vpc)) })
	return out
}

type window struct{ since, until time.Time }

// overlaps says whether [from, to) overlaps the window; zero ends are
// open.
func (w window) overlaps(from, to time.Time) bool {
	return (w.until.IsZero() || from.IsZero() || from.Before(w.until)) &&
		(w.since.IsZero() || to.IsZero() || to.After(w.since))
}

func unixOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}
