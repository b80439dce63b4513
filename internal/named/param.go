package named

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Kind is what a parameter's value must be.
type Kind uint8

const (
	KindAddr Kind = iota + 1 // an IPv4 or IPv6 address
	KindPort                 // 0-65535
	KindInt                  // a positive integer
)

var kindNames = map[string]Kind{"addr": KindAddr, "port": KindPort, "int": KindInt}

func (k Kind) String() string {
	for n, v := range kindNames {
		if v == k {
			return n
		}
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// noun names a value of the kind in messages.
func (k Kind) noun() string {
	switch k {
	case KindAddr:
		return "IP address"
	case KindPort:
		return "port"
	}
	return "number"
}

// Param is one parameter of a query.
type Param struct {
	Name     string
	Kind     Kind
	Required bool
	Default  string // when not given; "" binds NULL
	Help     string
}

// String describes the parameter for --list: "srcaddr (IP address,
// required)", "limit (number, default 50)".
func (p Param) String() string {
	switch {
	case p.Required:
		return fmt.Sprintf("%s (%s, required)", p.Name, p.Kind.noun())
	case p.Default == "":
		return fmt.Sprintf("%s (%s, optional)", p.Name, p.Kind.noun())
	}
	return fmt.Sprintf("%s (%s, default %s)", p.Name, p.Kind.noun(), p.Default)
}

// bind is the value to bind for p given the user's values: theirs,
// checked, else the default.
func (p Param) bind(values map[string]string) (any, error) {
	raw, given := values[p.Name]
	switch {
	case !given && p.Required:
		return nil, fmt.Errorf("needs --param %s=<%s> (%s)", p.Name, p.Kind.noun(), p.Help)
	case !given && p.Default == "":
		return nil, nil
	case !given:
		raw = p.Default
	}
	v, err := p.Kind.parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--param %s=%q: %w", p.Name, raw, err)
	}
	return v, nil
}

var errZone = errors.New("an address with a zone (%…) never appears in flow logs")

// parse checks a value and converts it to what is bound: []string for an
// address, int64 for numbers.
func (k Kind) parse(s string) (any, error) {
	switch k {
	case KindAddr:
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("not an IPv4 or IPv6 address")
		}
		if a.Zone() != "" {
			return nil, errZone
		}
		return addrForms(a), nil
	case KindPort:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("not a port (0-65535)")
		}
		return n, nil
	case KindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("not a positive integer")
		}
		return n, nil
	}
	return nil, fmt.Errorf("unknown kind %v", k)
}

// addrForms lists the ways a flow log may write a: flowtrail keeps
// addresses as the text AWS wrote, and IPv6 has several spellings —
// compressed (2001:db8::1), zeros written out (2001:db8:0:0:0:0:0:1) and
// fully expanded. An IPv4-mapped address matches its IPv4 form too.
func addrForms(a netip.Addr) []string {
	forms := []string{a.String()}
	if a.Is4In6() {
		forms = append(forms, a.Unmap().String())
	}
	if a.Is6() {
		forms = append(forms, uncompressed(a), a.StringExpanded())
	}
	return dedupe(forms)
}

// uncompressed writes every IPv6 group without leading zeros and without
// "::".
func uncompressed(a netip.Addr) string {
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	return strings.Join(groups, ":")
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
