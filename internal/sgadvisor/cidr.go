package sgadvisor

import (
	"net/netip"
	"slices"
)

// coverExactly returns the fewest prefixes that together hold exactly the
// given addresses of one family: the tightest covering CIDRs, which admit
// nothing that was not seen. Two halves of a block merge into the block.
func coverExactly(addrs []netip.Addr) []netip.Prefix {
	if len(addrs) == 0 {
		return nil
	}
	set := map[netip.Prefix]bool{}
	bitLen := addrs[0].BitLen()
	for _, a := range addrs {
		set[netip.PrefixFrom(a, a.BitLen())] = true
	}
	for bits := bitLen; bits > 0; bits-- {
		halves := map[netip.Prefix]int{}
		for p := range set {
			if p.Bits() == bits {
				halves[netip.PrefixFrom(p.Addr(), bits-1).Masked()]++
			}
		}
		for parent, n := range halves {
			if n < 2 {
				continue
			}
			lo := parent.Addr()
			delete(set, netip.PrefixFrom(lo, bits))
			delete(set, netip.PrefixFrom(upperHalf(parent), bits))
			set[parent] = true
		}
	}
	out := make([]netip.Prefix, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

// upperHalf is the first address of a prefix's upper half.
func upperHalf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bit := p.Bits() // the first host bit
	b[bit/8] |= 0x80 >> (bit % 8)
	a, _ := netip.AddrFromSlice(b)
	return a
}
