package sgadvisor

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// Peers become rule peers so:
//   - internet addresses collapse to 0.0.0.0/0 (::/0) when more than
//     Options.InternetPeers of one family used the port: a public service;
//     fewer are listed, as the tightest covering CIDRs;
//   - a peer the inventory knows, in the same VPC, becomes a reference to
//     its workload's group (the most specific one its interface held), so
//     that the rule survives its instances being replaced;
//   - any other private address (unknown to the inventory, or across a
//     transit gateway, which group references do not cross) joins the
//     tightest covering CIDRs.

// peerAddr is an address seen behind a rule's peer, with the groups its
// interface held: what the diff checks current rules against.
type peerAddr struct {
	addr   netip.Addr
	groups []string
}

// portPeers is what one port of one protocol in one direction saw.
type portPeers struct {
	peers     []string              // sorted: world, groups, CIDRs
	behind    map[string][]peerAddr // peer → the addresses it stands for
	workloads []string
	notes     []string
	obs       []obs
}

func (pp *portPeers) key() string { return strings.Join(pp.peers, " ") }

// rules builds the recommended rules of one direction: per protocol and
// port the peers, then runs of adjacent ports with the same peers merged
// into ranges.
func (a *advice) rules(dir string) []Rule {
	type pk struct{ proto, port int }
	byPort := map[pk][]obs{}
	for _, o := range a.cands {
		if o.direction() == dir {
			k := pk{o.proto, o.port}
			byPort[k] = append(byPort[k], o)
		}
	}
	keys := make([]pk, 0, len(byPort))
	for k := range byPort {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y pk) int { return cmp.Or(cmp.Compare(x.proto, y.proto), cmp.Compare(x.port, y.port)) })
	out := []Rule{}
	var run []*portPeers
	var runProto, runEnd int
	flush := func() {
		if len(run) > 0 {
			out = append(out, a.rule(dir, runProto, runEnd-len(run)+1, runEnd, run))
		}
		run = nil
	}
	for _, k := range keys {
		pp := a.peersOf(byPort[k])
		portful := k.proto == 6 || k.proto == 17
		if len(run) == 0 || !portful || k.proto != runProto || k.port != runEnd+1 || pp.key() != run[0].key() {
			flush()
		}
		run, runProto, runEnd = append(run, pp), k.proto, k.port
	}
	flush()
	return out
}

func (a *advice) rule(dir string, proto, from, to int, run []*portPeers) Rule {
	r := Rule{Protocol: inventory.ProtocolName(proto), FromPort: from, ToPort: to}
	if proto != 6 && proto != 17 {
		r.FromPort, r.ToPort = -1, -1
	}
	if dir == "ingress" {
		r.Sources = run[0].peers
	} else {
		r.Destinations = run[0].peers
	}
	addrs := map[netip.Addr]bool{}
	best := obs{conf: "low"}
	for _, pp := range run {
		r.PeerWorkloads = mergeSorted(r.PeerWorkloads, pp.workloads)
		r.Notes = mergeSorted(r.Notes, pp.notes)
		for _, o := range pp.obs {
			addrs[o.remote] = true
			r.Conversations += o.conversations
			r.Records += o.records
			r.Bytes += o.bytes
			r.FirstSeen, r.LastSeen = earlier(r.FirstSeen, o.first), later(r.LastSeen, o.last)
			if confRank(o.conf) > confRank(best.conf) || best.basis == "" {
				best = o
			}
		}
	}
	r.Peers, r.Confidence, r.Basis = len(addrs), best.conf, best.basis
	for _, peer := range run[0].peers {
		p := perm{dir: dir, proto: proto, from: r.FromPort, to: r.ToPort, peer: peer, desc: description(r)}
		for _, pp := range run {
			p.behind = append(p.behind, pp.behind[peer]...)
		}
		a.perms = append(a.perms, p)
	}
	return r
}

// perm is one recommended permission: a rule's protocol and ports with
// one of its peers, and the addresses that peer stood for.
type perm struct {
	dir      string
	proto    int
	from, to int
	peer     string
	behind   []peerAddr
	desc     string // what the evidence says, as an AWS rule description
}

func confRank(c string) int { return map[string]int{"low": 0, "medium": 1, "high": 2}[c] }

// peersOf turns the addresses seen on one port into rule peers.
func (a *advice) peersOf(os []obs) *portPeers {
	pp := &portPeers{behind: map[string][]peerAddr{}, obs: os}
	world4, world6, private := addrSet{}, addrSet{}, addrSet{}
	groupOf := map[netip.Addr]string{}
	groupsAt := map[netip.Addr][]string{}
	for _, o := range os {
		groupsAt[o.remote] = o.remoteGroups
		if o.remoteName != "" {
			pp.workloads = mergeSorted(pp.workloads, []string{o.remoteName})
		}
		switch {
		case inventory.IsPublicAddr(o.remote) && o.remote.Is4():
			world4[o.remote] = true
		case inventory.IsPublicAddr(o.remote):
			world6[o.remote] = true
		case o.remoteName != "" && len(o.remoteGroups) > 0 && o.remoteVPC == o.vpc:
			groupOf[o.remote] = a.mostSpecific(o.remoteGroups)
		default:
			private[o.remote] = true
			if o.remoteName != "" && o.remoteVPC != o.vpc {
				pp.notes = mergeSorted(pp.notes, []string{fmt.Sprintf("%s is in another VPC (%s): group references do not cross a transit gateway, so its addresses are listed; they change when its instances are replaced", o.remoteName, o.remoteVPC)})
			}
		}
	}
	add := func(peer string, addrs ...netip.Addr) {
		for _, x := range addrs {
			pp.behind[peer] = append(pp.behind[peer], peerAddr{x, groupsAt[x]})
		}
	}
	var groups []string
	for addr, g := range groupOf {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
		add(g, addr)
	}
	slices.Sort(groups)
	var cidrs []netip.Addr
	for _, fam := range []struct {
		addrs addrSet
		world string
	}{{world4, "0.0.0.0/0"}, {world6, "::/0"}} {
		if len(fam.addrs) > a.opts.InternetPeers {
			pp.peers = append(pp.peers, fam.world)
			add(fam.world, fam.addrs.sorted()...)
		} else {
			cidrs = append(cidrs, fam.addrs.sorted()...)
		}
	}
	pp.peers = append(pp.peers, groups...)
	pp.peers = append(pp.peers, cidrPeers(append(cidrs, private.sorted()...), add)...)
	return pp
}

type addrSet map[netip.Addr]bool

func (s addrSet) sorted() []netip.Addr {
	out := make([]netip.Addr, 0, len(s))
	for a := range s {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// cidrPeers covers addresses with the tightest CIDRs, per family.
func cidrPeers(addrs []netip.Addr, add func(string, ...netip.Addr)) []string {
	var out []string
	var v4, v6 []netip.Addr
	for _, x := range addrs {
		if x.Is4() {
			v4 = append(v4, x)
		} else {
			v6 = append(v6, x)
		}
	}
	for _, fam := range [][]netip.Addr{v4, v6} {
		for _, p := range coverExactly(fam) {
			out = append(out, p.String())
			for _, x := range fam {
				if p.Contains(x) {
					add(p.String(), x)
				}
			}
		}
	}
	return out
}

func mergeSorted(a, b []string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	slices.Sort(a)
	return a
}
