package named_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/cli"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

func craftedLakeDir(t *testing.T) string {
	t.Helper()
	return testlake.Build(t, map[string]string{"f.log": header + "\n" + strings.Join(craftedLines(), "\n") + "\n"})
}

func flowtrail(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestCLI_Success runs named queries through the command line.
func TestCLI_Success(t *testing.T) {
	lakeDir := craftedLakeDir(t)
	code, out, errs := flowtrail("query", "--list", "--format", "json")
	var list []map[string]string
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != len(named.All()) {
		t.Fatalf("--list: code %d, %d entries, %v, stderr %s", code, len(list), err, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "2026-11-04T01:00:00Z", "--until", "2026-11-04T02:00:00Z"}, "198.51.100.7 140\n"},
		{[]string{"--since", "2026-11-05"}, "10.0.3.5 1600\n2001:db8:0:0:0:0:0:10 700\n"},
		{[]string{"--since", "36500d", "--param", "limit=1"}, "10.0.2.20 10000\n"},
		{[]string{"--until", "36500d"}, ""},
	} {
		args := append([]string{"query", "--lake", lakeDir, "--format", "jsonl", "--named", "VpcFlowLogsTopTalkers"}, c.args...)
		code, out, errs := flowtrail(args...)
		if code != 0 {
			t.Fatalf("%v: code %d: %s", c.args, code, errs)
		}
		if d := cmp.Diff(c.want, talkersOf(t, out)); d != "" {
			t.Errorf("%v (-want +got):\n%s", c.args, d)
		}
	}
}

func talkersOf(t *testing.T, jsonl string) string {
	t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			Srcaddr string `json:"srcaddr"`
			Bytes   int64  `json:"total_bytes"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		fmt.Fprintf(&b, "%s %d\n", r.Srcaddr, r.Bytes)
	}
	return b.String()
}

// TestCLI_Failure: bad invocations exit 2 with the message each must give.
func TestCLI_Failure(t *testing.T) {
	lakeDir := craftedLakeDir(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--named", "TopTalker"}, `no named query "TopTalker": did you mean VpcFlowLogsTopTalkers, VpcFlowLogsTopTalkersPacketLevel?`},
		{[]string{"--named", "AddressTimeline"}, "AddressTimeline: needs --param addr=<IP address>"},
		{[]string{"--named", "AddressTimeline", "--param", "addr=10.0.0.1'--"}, `--param addr="10.0.0.1'--": not an IPv4 or IPv6 address`},
		{[]string{"--named", "VpcFlowLogsTopTalkers", "--since", "yesterday"}, `--since: "yesterday" is not a time`},
		{[]string{"--named", "VpcFlowLogsTopTalkers", "--until", "2026-13-01"}, `--until: "2026-13-01" is not a time`},
		{[]string{"--named", "VpcFlowLogsTopTalkers", "--since", "2026-11-05", "--until", "2026-11-04"}, "--since 2026-11-05T00:00:00Z is not before --until 2026-11-04T00:00:00Z"},
		{[]string{"--named", "VpcFlowLogsTopTalkers", "SELECT 1"}, "give either --named or SQL, not both"},
		{[]string{"--since", "24h", "SELECT 1"}, "--param, --since and --until go with --named"},
		{[]string{"--list", "--named", "VpcFlowLogsTopTalkers"}, "--list takes no query"},
		{[]string{"--list", "--format", "yaml"}, `unknown --format "yaml"`},
	} {
		code, _, errs := flowtrail(append([]string{"query", "--lake", lakeDir}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: code %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}
