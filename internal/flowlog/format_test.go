package flowlog

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFormat_Success(t *testing.T) {
	f := func(s, wantString string, table Table, unknown ...string) {
		t.Helper()
		fm, err := ParseFormat(s)
		if err != nil {
			t.Fatalf("ParseFormat(%q): %v", s, err)
		}
		if got := fm.String(); got != wantString {
			t.Fatalf("ParseFormat(%q).String() = %q, want %q", s, got, wantString)
		}
		if fm.Table != table || !reflect.DeepEqual(fm.Unknown, unknown) {
			t.Fatalf("ParseFormat(%q): table %v unknown %q, want %v %q", s, fm.Table, fm.Unknown, table, unknown)
		}
		again, err := ParseFormat(fm.String())
		if err != nil || !reflect.DeepEqual(again, fm) {
			t.Fatalf("ParseFormat(String()) = %+v, %v; want %+v", again, err, fm)
		}
	}
	f("version srcaddr", "version srcaddr", VPC)
	f("${version} ${account-id}", "version account-id", VPC)
	f("account_id tcp_flags", "account-id tcp-flags", VPC)
	f("  version\tsrcaddr\r\n", "version srcaddr", VPC)
	f("version tgw-id srcaddr", "version tgw-id srcaddr", TGW)
	f("version future-field x_y", "version future-field x_y", VPC, "future-field", "x_y")
	f(DefaultTGW.String(), DefaultTGW.String(), TGW)
}

func TestParseFormat_Failure(t *testing.T) {
	f := func(s, want string) {
		t.Helper()
		_, err := ParseFormat(s)
		if err == nil || err.Error() != want {
			t.Fatalf("ParseFormat(%q) = %v, want %q", s, err, want)
		}
	}
	f("", "cannot parse flow-log format: it names no fields")
	f(" \t", "cannot parse flow-log format: it names no fields")
	f("version 2", `cannot parse flow-log format: field 2 "2" is not a field name`)
	f("version Srcaddr", `cannot parse flow-log format: field 2 "Srcaddr" is not a field name`)
	f("version -", `cannot parse flow-log format: field 2 "-" is not a field name`)
	f("version ${}", `cannot parse flow-log format: field 2 "${}" is not a field name`)
	f("version "+strings.Repeat("a", 65), `cannot parse flow-log format: field 2 "`+strings.Repeat("a", 65)+`" is not a field name`)
	f("version srcaddr version", `cannot parse flow-log format: field "version" appears twice`)
	// One field spelt two ways is still one field.
	f("tcp-flags ${tcp_flags}", `cannot parse flow-log format: field "tcp-flags" appears twice`)
	f("foo foo", `cannot parse flow-log format: field "foo" appears twice`)
}

func TestIsHeader(t *testing.T) {
	for line, want := range map[string]bool{
		DefaultV2.String():                   true,
		DefaultTGW.String() + "\r":           true,
		"version future-field":               true,
		"future-field other-field":           false, // nothing known: not ours to guess
		v2Accept:                             false,
		v2NoData:                             false,
		"- eni-1235b8ca123456789 10.0.1.5":   false,
		"TransitGateway 123456789123":        false,
		"ingress us-east-1":                  false,
		"Phony unsupported log format.":      false,
		`{"message":"2 123456789010 eni-1"}`: false,
		"":                                   false,
		"version account_id":                 true,
	} {
		if got := IsHeader([]byte(line)); got != want {
			t.Errorf("IsHeader(%q) = %v, want %v", line, got, want)
		}
	}
}

// Headerless layouts: the console's "all fields" choices, and nothing else.
func TestForFieldCount(t *testing.T) {
	for n, want := range map[int]string{
		14: DefaultV2.String(),
		29: v5All,
		36: DefaultTGW.String(),
		39: v5All + " " + ecsAll,
		40: v5All + " " + ecsAll + " reject-reason",
	} {
		f, ok := ForFieldCount(n)
		if !ok || f.String() != want || len(f.Fields) != n {
			t.Errorf("ForFieldCount(%d) = %q, %v", n, f, ok)
		}
	}
	for _, n := range []int{0, 1, 4, 13, 15, 21, 41, 42} {
		if f, ok := ForFieldCount(n); ok {
			t.Errorf("ForFieldCount(%d) = %q, want none", n, f)
		}
	}
}
