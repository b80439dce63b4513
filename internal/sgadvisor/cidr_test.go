package sgadvisor

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestCoverExactly_Success(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		var addrs []netip.Addr
		for _, s := range strings.Fields(in) {
			addrs = append(addrs, netip.MustParseAddr(s))
		}
		var got []string
		for _, p := range coverExactly(addrs) {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("coverExactly(%s) = %v, want %s", in, got, want)
		}
		// Exact: every input is covered, and every covered address was given.
		covered := 0
		for _, p := range coverExactly(addrs) {
			covered += 1 << (p.Addr().BitLen() - p.Bits())
			if !slices.ContainsFunc(addrs, func(a netip.Addr) bool { return p.Contains(a) }) {
				t.Errorf("%s covers none of the input", p)
			}
		}
		uniq := map[netip.Addr]bool{}
		for _, a := range addrs {
			uniq[a] = true
		}
		if covered != len(uniq) {
			t.Errorf("%s: the prefixes cover %d addresses, %d given", in, covered, len(uniq))
		}
	}
	f("203.0.113.10", "203.0.113.10/32")
	f("203.0.113.10 203.0.113.11 203.0.113.12", "203.0.113.10/31 203.0.113.12/32")
	f("203.0.113.11 203.0.113.12", "203.0.113.11/32 203.0.113.12/32") // not siblings
	f("10.0.0.0 10.0.0.1 10.0.0.2 10.0.0.3", "10.0.0.0/30")
	f("10.0.0.3 10.0.0.1 10.0.0.2 10.0.0.0 10.0.0.0", "10.0.0.0/30")
	f("10.0.0.255 10.0.1.0", "10.0.0.255/32 10.0.1.0/32")
	f("2600:1f18::1 2600:1f18::", "2600:1f18::/127")
	f("2600:1f18::1", "2600:1f18::1/128")
}
