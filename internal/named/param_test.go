package named

import (
	"database/sql"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestPrepare_Success(t *testing.T) {
	since := time.Date(2026, 11, 4, 1, 0, 0, 500, time.UTC)
	b, err := Prepare("rejectedtcpbysource", []string{"dstport=22"}, Window{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		sql.Named("dstport", int64(22)),
		sql.Named("limit", int64(25)), // the default
		sql.Named("since", int64(1793754001)),
		sql.Named("until", nil),
	}
	if d := cmp.Diff(want, b.Args, ignoreNamed); d != "" {
		t.Errorf("args (-want +got):\n%s", d)
	}
	b, err = Prepare("AddressTimeline", []string{"addr=::ffff:10.0.0.1"}, Window{})
	if err != nil {
		t.Fatal(err)
	}
	forms := []string{"::ffff:10.0.0.1", "10.0.0.1", "0:0:0:0:0:ffff:a00:1", "0000:0000:0000:0000:0000:ffff:0a00:0001"}
	if d := cmp.Diff(sql.Named("addr", forms), b.Args[0], ignoreNamed); d != "" {
		t.Errorf("addr (-want +got):\n%s", d)
	}
}

var ignoreNamed = cmpopts.IgnoreUnexported(sql.NamedArg{})

// TestPrepare_Failure lists bad invocations with the exact error each
// must produce. Nothing the user typed reaches the SQL text.
func TestPrepare_Failure(t *testing.T) {
	for _, c := range []struct {
		name   string
		params []string
		want   string
	}{
		{"TopTalker", nil, `no named query "TopTalker": did you mean VpcFlowLogsTopTalkers, VpcFlowLogsTopTalkersPacketLevel? (flowtrail query --list shows them all)`},
		{"VpcFlowLogsTopTalkingInstance", nil, `no named query "VpcFlowLogsTopTalkingInstance": did you mean VpcFlowLogsTopTalkingInstances, VpcFlowLogsTopTalkingSubnets? (flowtrail query --list shows them all)`},
		{"nothing like it", nil, `no named query "nothing like it" (flowtrail query --list shows them all)`},
		{"AddressTimeline", nil, "AddressTimeline: needs --param addr=<IP address> (the address to follow)"},
		{"AddressTimeline", []string{"addr=10.0.0.1' OR '1'='1"}, `AddressTimeline: --param addr="10.0.0.1' OR '1'='1": not an IPv4 or IPv6 address`},
		{"AddressTimeline", []string{"addr=10.0.0.0/8"}, `AddressTimeline: --param addr="10.0.0.0/8": not an IPv4 or IPv6 address`},
		{"AddressTimeline", []string{"addr=fe80::1%eth0"}, `AddressTimeline: --param addr="fe80::1%eth0": an address with a zone (%…) never appears in flow logs`},
		{"AddressTimeline", []string{"addr="}, `AddressTimeline: --param addr="": not an IPv4 or IPv6 address`},
		{"AddressTimeline", []string{"addr=10.0.0.1", "addr=10.0.0.2"}, "--param addr given twice"},
		{"AddressTimeline", []string{"10.0.0.1"}, `--param "10.0.0.1": want NAME=VALUE`},
		{"AddressTimeline", []string{"ip=10.0.0.1"}, `AddressTimeline has no parameter "ip" (it takes addr)`},
		{"VpcFlowLogsIPv4Traffic", []string{"limit=5"}, `VpcFlowLogsIPv4Traffic has no parameter "limit" (it takes none)`},
		{"VpcFlowLogsTopTalkers", []string{"limit=0"}, `VpcFlowLogsTopTalkers: --param limit="0": not a positive integer`},
		{"VpcFlowLogsTopTalkers", []string{"limit=5; DROP VIEW flows"}, `VpcFlowLogsTopTalkers: --param limit="5; DROP VIEW flows": not a positive integer`},
		{"RejectedTCPBySource", []string{"dstport=65536"}, `RejectedTCPBySource: --param dstport="65536": not a port (0-65535)`},
		{"RejectedTCPBySource", []string{"dstport=ssh"}, `RejectedTCPBySource: --param dstport="ssh": not a port (0-65535)`},
	} {
		_, err := Prepare(c.name, c.params, Window{})
		if err == nil || err.Error() != c.want {
			t.Errorf("Prepare(%q, %q)\n got: %v\nwant: %s", c.name, c.params, err, c.want)
		}
	}
}

func TestAddrForms(t *testing.T) {
	for in, want := range map[string][]string{
		"10.0.0.1":     {"10.0.0.1"},
		"2001:db8::10": {"2001:db8::10", "2001:db8:0:0:0:0:0:10", "2001:0db8:0000:0000:0000:0000:0000:0010"},
		"2001:DB8:1234:A100:8D6E:3477:DF66:F105": {"2001:db8:1234:a100:8d6e:3477:df66:f105",
			"2001:0db8:1234:a100:8d6e:3477:df66:f105"},
	} {
		if d := cmp.Diff(want, addrForms(netip.MustParseAddr(in))); d != "" {
			t.Errorf("%s (-want +got):\n%s", in, d)
		}
	}
}

func TestList(t *testing.T) {
	cols, rows := List()
	if d := cmp.Diff([]string{"name", "params", "description"}, cols); d != "" {
		t.Error(d)
	}
	want := map[string]string{
		"VpcFlowLogsTopTalkers":  "limit (number, default 50)",
		"RejectedTCPBySource":    "dstport (port, optional), limit (number, default 25)",
		"AddressTimeline":        "addr (IP address, required)",
		"VpcFlowLogsIPv6Traffic": "",
	}
	for _, r := range rows {
		if w, ok := want[r[0].(string)]; ok && r[1] != w {
			t.Errorf("%s params = %q, want %q", r[0], r[1], w)
		}
	}
}
