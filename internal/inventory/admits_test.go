package inventory

import (
	"net/netip"
	"testing"
)

func TestRuleAdmits(t *testing.T) {
	cases := []struct {
		r           Rule
		proto, port int
		want        bool
	}{
		{Rule{Protocol: "tcp", FromPort: 443, ToPort: 443}, 6, 443, true},
		{Rule{Protocol: "tcp", FromPort: 443, ToPort: 443}, 6, 444, false},
		{Rule{Protocol: "tcp", FromPort: 443, ToPort: 443}, 17, 443, false},
		{Rule{Protocol: "udp", FromPort: 1000, ToPort: 2000}, 17, 1500, true},
		{Rule{Protocol: "6", FromPort: -1, ToPort: -1}, 6, 9, true},
		{Rule{Protocol: "-1", FromPort: -1, ToPort: -1}, 50, 0, true},
		{Rule{Protocol: "icmp", FromPort: 8, ToPort: -1}, 1, 0, true}, // flow logs carry no ICMP type
		{Rule{Protocol: "icmp", FromPort: -1, ToPort: -1}, 58, 0, false},
		{Rule{Protocol: "gre", FromPort: -1, ToPort: -1}, 47, 0, false}, // unknown name: nothing
	}
	for _, c := range cases {
		if got := c.r.Admits(c.proto, c.port); got != c.want {
			t.Errorf("%s %d-%d admits %d/%d = %v, want %v", c.r.Protocol, c.r.FromPort, c.r.ToPort, c.proto, c.port, got, c.want)
		}
	}
}

func TestIsPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2600:1f18::1": true, "::ffff:1.2.3.4": true,
		"10.1.2.3": false, "172.31.0.5": false, "192.168.1.1": false, "100.64.0.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00:ec2::253": false, "127.0.0.1": false, "0.0.0.0": false, "224.0.0.5": false,
	} {
		if got := IsPublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
