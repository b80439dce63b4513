package sgadvisor

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// advice is the work on one report.
type advice struct {
	inv      *inventory.Inventory
	opts     Options
	name     string
	vpc      string
	subject  Subject
	ex       *excluder
	ifaces   []inventory.Interface // the subject's interface stretches in the period
	cands    []obs                 // conversations that support a rule
	portless []obs                 // port-less conversations, until their direction is decided
	perms    []perm                // the recommended rules, one peer each
	seen     map[seenKey]*seenAcc  // exposure and not recommended
	disc     discounts
	held     map[string]int // group → how many workloads held it; built on first use
}

type discounts struct{ rejected, linkLocal, dns, ambiguous int64 }

func newAdvice(inv *inventory.Inventory, opts Options, sc scope, ex *excluder) *advice {
	s := opts.Subject
	if s.Kind == KindAll {
		s = Subject{Kind: KindWorkload, ID: sc.name}
	}
	a := &advice{inv: inv, opts: opts, name: sc.name, vpc: sc.vpc, subject: s, ex: ex, seen: map[seenKey]*seenAcc{}}
	w := window{opts.Since, opts.Until}
	for _, i := range inv.Interfaces {
		if s.holds(i) && i.VPC == sc.vpc && w.overlaps(i.From, i.To) {
			a.ifaces = append(a.ifaces, i)
		}
	}
	return a
}

func (a *advice) report() *Report {
	r := &Report{Workload: a.workloadName(), Subject: a.subject, VPC: a.vpc, Since: a.opts.Since, Until: a.opts.Until,
		Interfaces: a.interfaceIDs(), Groups: a.groups(), TargetGroup: a.targetGroup()}
	if len(a.ifaces) > 0 {
		r.Account, r.Region = a.ifaces[0].Account, a.ifaces[0].Region
	}
	r.Ingress, r.Egress = a.rules("ingress"), a.rules("egress")
	r.Exposure, r.NotRecommended = a.seenList(true), a.seenList(false)
	r.Discounted = a.discounted()
	r.Diff = a.diff(r)
	a.admittedBy(r)
	return r
}

// classify sorts each observation into a rule's support, exposure, not
// recommended, or traffic that needs no rule. Port-less protocols wait
// for classifyPortless: their direction is read from what the port-ful
// traffic with the same peers says.
func (a *advice) classify(rows []obs) {
	for _, o := range rows {
		switch {
		case o.side == "rejected" || o.status == "rejected":
			a.disc.rejected += o.conversations
		case o.remote.IsLinkLocalUnicast() || o.local.IsLinkLocalUnicast():
			a.disc.linkLocal += o.conversations
		case amazonDNS(o):
			a.disc.dns += o.conversations
		case o.side == "unknown":
			a.portless = append(a.portless, o)
		default:
			a.judge(o)
		}
	}
}

// classifyPortless files the port-less conversations, given the port-ful
// ones that support rules (from every VPC of the subject).
func (a *advice) classifyPortless(evidence []obs) {
	dirs := peerDirections(evidence)
	for _, o := range a.portless {
		a.judgePortless(o, dirs[peerEntity(o)])
	}
	a.portless = nil
}

// amazonDNS recognises the Amazon-provided resolver, which security
// groups do not filter: the VPC's base address plus two (the inventory
// knows no interface there), 169.254.169.253 and fd00:ec2::253. The VPC's
// CIDR is not in the evidence, so base+2 is read as any private IPv4
// address ending in .2 that no known interface held.
func amazonDNS(o obs) bool {
	if o.side != "remote" || o.port != 53 || o.remoteName != "" || len(o.remoteGroups) > 0 {
		return false
	}
	r := o.remote
	if r == netip.MustParseAddr("fd00:ec2::253") {
		return true
	}
	return r.Is4() && r.IsPrivate() && r.As4()[3] == 2
}

// judge files one observation whose direction is known.
func (a *advice) judge(o obs) {
	dir := o.direction()
	if why := a.ex.match(o); why != "" {
		a.addSeen(o, false, why)
		return
	}
	switch {
	case o.status == "unanswered" && dir == "ingress":
		a.addSeen(o, true, "admitted but never answered: nothing listens there, or a host firewall drops it (scanners find such ports)")
	case o.status == "unanswered":
		a.addSeen(o, false, "never answered: the peer rejected it or nothing listens there")
	case (o.proto == 6 || o.proto == 17) && o.port >= 1024 && o.conf == "low":
		a.disc.ambiguous += o.conversations
		a.addSeen(o, false, "no fixed service port: the port is in the ephemeral or NAT ranges (1024-65535) and served few connections, or faced a well-known or registered port (as a scanner's fixed source port does), so it may be a client's port")
	default:
		a.cands = append(a.cands, o)
	}
}

// judgePortless decides who began a conversation that has no ports: the
// side the same peer's port-ful traffic says began it (a bastion that
// SSHs in also pings), else the side that talks the protocol with more
// peers (a monitor pings many hosts), else both ways.
func (a *advice) judgePortless(o obs, d directions) {
	in, out := d.in, d.out
	o.basis = "peers"
	switch {
	case in && !out:
		o.side, o.conf = "local", "medium"
	case out && !in:
		o.side, o.conf = "remote", "medium"
	case o.remoteFan > o.localFan:
		o.side, o.conf = "local", "low"
	case o.localFan > o.remoteFan:
		o.side, o.conf = "remote", "low"
	default:
		o.conf = "low"
		o.side = "local"
		a.judge(o)
		o.side = "remote"
	}
	a.judge(o)
}

// directions says whether a peer started port-ful traffic towards the
// subject (in), and the subject towards it (out).
type directions struct{ in, out bool }

// entity is a peer: its workload, else its address.
type entity struct {
	workload string
	addr     netip.Addr
}

// peerDirections indexes the port-ful evidence by peer, once: looking it
// up per port-less conversation made --all quadratic (seconds on 10 M
// records).
func peerDirections(evidence []obs) map[entity]directions {
	out := map[entity]directions{}
	for _, c := range evidence {
		k := peerEntity(c)
		d := out[k]
		if c.side == "local" {
			d.in = true
		} else {
			d.out = true
		}
		out[k] = d
	}
	return out
}

func peerEntity(o obs) entity {
	if o.remoteName != "" {
		return entity{workload: o.remoteName}
	}
	return entity{addr: o.remote}
}

func (a *advice) discounted() []Discount {
	return []Discount{
		{What: "replies", Why: "security groups are stateful: only the side that starts a conversation needs a rule, so replies were folded into their conversations"},
		{What: "rejected", Conversations: a.disc.rejected, Why: "the interface rejected them: no rule allowed them, and none is recommended"},
		{What: "link-local", Conversations: a.disc.linkLocal, Why: "instance metadata, time sync and DNS at 169.254.0.0/16 and fe80::/10 never pass a security group"},
		{What: "amazon-dns", Conversations: a.disc.dns, Why: "the Amazon-provided resolver (the VPC's base address + 2, fd00:ec2::253) is not filtered by security groups"},
		{What: "ambiguous-ports", Conversations: a.disc.ambiguous, Why: "neither end showed a service port that connections and port classes agree on (both in the ephemeral or NAT ranges, or an ephemeral port facing a well-known or registered one): listed under not_recommended rather than opening what may be a client's port"},
	}
}

func (a *advice) workloadName() string {
	if a.subject.Kind == KindWorkload {
		return a.subject.ID
	}
	var names []string
	for _, i := range a.ifaces {
		if i.Name != "" && !slices.Contains(names, i.Name) {
			names = append(names, i.Name)
		}
	}
	slices.Sort(names)
	if len(names) == 1 {
		return names[0]
	}
	return a.subject.ID
}

func (a *advice) interfaceIDs() []string {
	out := []string{}
	for _, i := range a.ifaces {
		if !slices.Contains(out, i.ID) {
			out = append(out, i.ID)
		}
	}
	slices.Sort(out)
	return out
}

func (a *advice) groups() []GroupRef {
	out := []GroupRef{}
	for _, i := range a.ifaces {
		for _, g := range i.Groups {
			if !slices.ContainsFunc(out, func(r GroupRef) bool { return r.ID == g }) {
				out = append(out, GroupRef{ID: g, Name: a.groupName(g)})
			}
		}
	}
	slices.SortFunc(out, func(x, y GroupRef) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

func (a *advice) groupName(id string) string {
	for _, g := range a.inv.Groups {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}

// targetGroup is the group the exports write to: the one every interface
// of the subject held, the most specific (held by the fewest workloads)
// where several were.
func (a *advice) targetGroup() string {
	if len(a.ifaces) == 0 {
		return ""
	}
	common := slices.Clone(a.ifaces[0].Groups)
	for _, i := range a.ifaces[1:] {
		common = slices.DeleteFunc(common, func(g string) bool { return !slices.Contains(i.Groups, g) })
	}
	if a.subject.Kind == KindGroup {
		return a.subject.ID
	}
	return a.mostSpecific(common)
}

// mostSpecific picks, of several groups, the one the fewest workloads
// held; ties go to the first by ID.
func (a *advice) mostSpecific(groups []string) string {
	best, bestN := "", 0
	for _, g := range slices.Sorted(slices.Values(groups)) {
		if n := a.heldBy(g); best == "" || n < bestN {
			best, bestN = g, n
		}
	}
	return best
}

// holders lists the workloads whose interfaces held a group at any time.
func (a *advice) holders(group string) []string {
	var out []string
	for _, i := range a.inv.Interfaces {
		if slices.Contains(i.Groups, group) && !slices.Contains(out, i.Name) {
			out = append(out, i.Name)
		}
	}
	return out
}

// heldBy counts the workloads that held a group, from a table built once.
func (a *advice) heldBy(group string) int {
	if a.held == nil {
		sets := map[string]map[string]bool{}
		for _, i := range a.inv.Interfaces {
			for _, g := range i.Groups {
				if sets[g] == nil {
					sets[g] = map[string]bool{}
				}
				sets[g][i.Name] = true
			}
		}
		a.held = map[string]int{}
		for g, s := range sets {
			a.held[g] = len(s)
		}
	}
	return a.held[group]
}
