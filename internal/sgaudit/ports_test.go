package sgaudit

import "testing"

// ICMP and "all traffic" rules have ports -1 to -1: printed as all, not
// as "-1--1".
func TestPortRange(t *testing.T) {
	for _, c := range []struct {
		from, to int64
		want     string
	}{{-1, -1, "all"}, {22, 22, "22"}, {8000, 8080, "8000-8080"}, {0, 0, "0"}} {
		if got := PortRange(c.from, c.to); got != c.want {
			t.Errorf("PortRange(%d, %d) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
