package hunt

import (
	"cmp"
	"net/netip"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

// addrIndex finds which interface held an address at a moment, from the
// inventory the engine rebuilt.
type addrIndex struct {
	byIP map[string][]*inventory.Interface
}

func newAddrIndex(inv *inventory.Inventory) *addrIndex {
	x := &addrIndex{byIP: map[string][]*inventory.Interface{}}
	if inv == nil {
		return x
	}
	for k := range inv.Interfaces {
		i := &inv.Interfaces[k]
		for _, ip := range i.PrivateIPs {
			x.byIP[ip] = append(x.byIP[ip], i)
		}
		for _, ip := range i.IPv6 {
			x.byIP[ip] = append(x.byIP[ip], i)
		}
	}
	return x
}

// at returns the interface that held ip at t: the stretch whose match
// bounds contain t, else the nearest one in time.
func (x *addrIndex) at(ip string, t time.Time) *inventory.Interface {
	var best *inventory.Interface
	var gap time.Duration = 1<<63 - 1
	for _, i := range x.byIP[ip] {
		from, to := i.MatchFrom(), i.MatchTo()
		if (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to)) {
			return i
		}
		d := min(absDur(t.Sub(i.From)), absDur(t.Sub(i.To)))
		if d < gap {
			best, gap = i, d
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// ranges are the /16s (IPv4) and /48s (IPv6) that hold an address the
// inventory knows: the estate's own address space, as near as the
// evidence tells without the VPCs' CIDRs.
func (x *addrIndex) ranges() map[netip.Prefix]bool {
	out := map[netip.Prefix]bool{}
	for ip := range x.byIP {
		if a, err := netip.ParseAddr(ip); err == nil {
			out[rangeOf(a.Unmap())] = true
		}
	}
	return out
}

func rangeOf(a netip.Addr) netip.Prefix {
	bits := 16
	if a.Is6() {
		bits = 48
	}
	p, _ := a.Prefix(bits)
	return p
}

// enrich fills each finding's endpoints from the inventory: interface,
// instance, Name tag, account and VPC of the address at the time.
func (r *run) enrich(fs []Finding) {
	for k := range fs {
		f := &fs[k]
		for _, ep := range []*Endpoint{&f.Src, &f.Dst} {
			if ep.Address == "" {
				continue
			}
			i := r.inv.at(ep.Address, f.FirstSeen)
			if i == nil {
				continue
			}
			ep.Interface = cmp.Or(ep.Interface, i.ID)
			ep.InstanceID = cmp.Or(ep.InstanceID, i.InstanceID)
			ep.Name = cmp.Or(ep.Name, i.Name)
			ep.Account = cmp.Or(ep.Account, i.Account)
			ep.VPC = cmp.Or(ep.VPC, i.VPC)
		}
	}
}

// privateNets are the ranges that are not the internet: RFC 1918,
// carrier-grade NAT, loopback, link-local and IPv6 unique- and
// link-local — the same as the engine's is_private.
var privateNets = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"),
}

func isPrivate(a netip.Addr) bool {
	for _, p := range privateNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Values as the driver returns them: the engine's readers.
var (
	asInt  = engine.AsInt
	asStr  = engine.AsString
	asBool = engine.AsBool
	asTime = engine.AsTime
)

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	}
	return float64(asInt(v))
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func asInts(v any) []int {
	l, _ := v.([]any)
	out := make([]int, 0, len(l))
	for _, x := range l {
		out = append(out, int(asInt(x)))
	}
	return out
}

func unixTime(v any) time.Time { return time.Unix(asInt(v), 0).UTC() }
