package inventory

import "testing"

// ProtocolName and a rule's ProtocolNumber are inverses for the names
// rules use; other numbers print as numbers.
func TestProtocolName(t *testing.T) {
	for _, n := range []int{6, 17, 1, 58} {
		name := ProtocolName(n)
		if got := (Rule{Protocol: name}).ProtocolNumber(); got != n || name == itoa(n) {
			t.Errorf("ProtocolName(%d) = %q, which reads back as %d", n, name, got)
		}
	}
	if got := ProtocolName(47); got != "47" {
		t.Errorf("ProtocolName(47) = %q, want the number", got)
	}
}
