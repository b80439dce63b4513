package named_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// t0 is 2026-11-04T00:00:00Z, the start of the crafted traffic.
const t0 = 1793750400

const header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr"

// Addresses of the crafted traffic: a and b are instances (eni-a, eni-b),
// x and y are outside, v6a (on eni-a) and v6b are written with their zero
// groups spelled out, as a parameter given as 2001:db8::10 must still find.
const (
	a, b   = "10.0.1.10", "10.0.2.20"
	x, y   = "203.0.113.5", "198.51.100.7"
	v6a    = "2001:db8:0:0:0:0:0:10"
	v6b    = "2001:db8:0:0:0:0:0:20"
	natIP  = "10.0.3.5"
	dynamo = "52.94.0.10"
)

// craftedLines are the records, r1 … r14 in the comments below.
func craftedLines() []string {
	return []string{
		rec("eni-a", a, b, 49152, 443, 6, 10, 1000, 0, "ACCEPT"),       // r1: a↔b, logged four times
		rec("eni-a", b, a, 443, 49152, 6, 20, 5000, 0, "ACCEPT"),       // r2
		rec("eni-b", a, b, 49152, 443, 6, 10, 1000, 0, "ACCEPT"),       // r3
		rec("eni-b", b, a, 443, 49152, 6, 20, 5000, 0, "ACCEPT"),       // r4
		rec("eni-a", x, a, 51515, 22, 6, 1, 40, 600, "REJECT"),         // r5: x scans
		rec("eni-a", x, a, 51516, 3389, 6, 1, 40, 660, "REJECT"),       // r6
		rec("eni-b", x, b, 51517, 22, 6, 1, 40, 720, "REJECT"),         // r7
		rec("eni-b", y, b, 40000, 443, 6, 2, 80, 3600, "REJECT"),       // r8
		rec("eni-a", y, a, 5353, 53, 17, 1, 60, 3700, "REJECT"),        // r9: UDP
		rec("eni-a", a, y, 50000, 22, 6, 30, 3000, 7200, "ACCEPT"),     // r10: a sshes to y
		rec("eni-a", y, a, 22, 50000, 6, 25, 9000, 7200, "ACCEPT"),     // r11
		rec("eni-a", v6a, v6b, 40001, 443, 6, 5, 700, 86500, "ACCEPT"), // r12: day two
		// r13: a NAT gateway's interface sends for a
		fmt.Sprintf("3 111111111111 eni-nat %s %s 40002 443 6 8 1600 %d %d ACCEPT OK vpc-1 subnet-nat - 19 IPv4 %s %s", natIP, dynamo, t0+86600, t0+86660, a, dynamo),
		// r14
		fmt.Sprintf("3 111111111111 eni-b - - - - - - - %d %d - NODATA vpc-1 subnet-bbb i-bbb - - - -", t0+86700, t0+86760),
	}
}

// rec is one record at eni-a or eni-b; the instance, subnet and type
// follow from them.
func rec(eni, src, dst string, sport, dport, proto, packets, bytes, off int, action string) string {
	side := strings.TrimPrefix(eni, "eni-")
	typ := "IPv4"
	if strings.Contains(src, ":") {
		typ = "IPv6"
	}
	return fmt.Sprintf("3 111111111111 %s %s %s %d %d %d %d %d %d %d %s OK vpc-1 subnet-%s i-%s 2 %s %s %s",
		eni, src, dst, sport, dport, proto, packets, bytes, t0+off, t0+off+60, action, strings.Repeat(side, 3), strings.Repeat(side, 3), typ, src, dst)
}

// lakeOf ingests a flow-log file made of the lines, under an S3 key
// layout, and opens the engine.
func lakeOf(t *testing.T, lines ...string) *engine.Engine {
	t.Helper()
	key := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/04/f.log"
	return testlake.OpenDir(t, testlake.Build(t, map[string]string{key: strings.Join(lines, "\n") + "\n"}))
}

func crafted(t *testing.T) *engine.Engine {
	return lakeOf(t, append([]string{header}, craftedLines()...)...)
}

// run binds and runs a named query, returning the chosen columns of every
// row.
func run(t *testing.T, e *engine.Engine, name string, params []string, w named.Window, cols ...string) [][]any {
	t.Helper()
	bq, err := named.Prepare(name, params, w)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	res, err := e.QueryParams(context.Background(), bq.SQL, 0, bq.Args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, rc := range res.Columns {
			if rc == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Fatalf("%s: no column %q in %v", name, c, res.Columns)
		}
	}
	out := make([][]any, len(res.Rows))
	for i, r := range res.Rows {
		for _, j := range idx {
			out[i] = append(out[i], norm(r[j]))
		}
	}
	return out
}

// norm makes values comparable: times in UTC, small integers as int64.
func norm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case int32:
		return int64(x)
	}
	return v
}

func at(off int64) time.Time { return time.Unix(t0+off, 0).UTC() }

// listing keys a listing's rows as "srcaddr>dstaddr:dstport@interface".
func listing(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%v>%v:%v@%v", r...)
	}
	return out
}

var listCols = []string{"srcaddr", "dstaddr", "dstport", "interface_id"}

// key writes a listing row of the crafted traffic the way listing does.
func key(src, dst string, dport int, eni string) string {
	return fmt.Sprintf("%s>%s:%d@%s", src, dst, dport, eni)
}

var (
	r1, r2, r3, r4 = key(a, b, 443, "eni-a"), key(b, a, 49152, "eni-a"), key(a, b, 443, "eni-b"), key(b, a, 49152, "eni-b")
	r5, r6, r7     = key(x, a, 22, "eni-a"), key(x, a, 3389, "eni-a"), key(x, b, 22, "eni-b")
	r8, r9         = key(y, b, 443, "eni-b"), key(y, a, 53, "eni-a")
	r10, r11       = key(a, y, 22, "eni-a"), key(y, a, 50000, "eni-a")
	r12, r13       = key(v6a, v6b, 443, "eni-a"), key(natIP, dynamo, 443, "eni-nat")
)

// listCase is a named query that lists records, and the records it must
// list, in order.
type listCase struct {
	name   string
	params []string
	want   []string
}

var listCases = []listCase{
	{"VpcFlowLogsAcceptedTraffic", nil, []string{r1, r2, r3, r4, r10, r11, r12, r13}},
	{"VpcFlowLogsRejectedTCPTraffic", nil, []string{r5, r6, r7, r8}},
	{"VpcFlowLogsRejectedTraffic", nil, []string{r5, r6, r7, r8, r9}},
	{"VpcFlowLogsSshRdpTraffic", nil, []string{r5, r6, r7, r10, r11}},
	{"VpcFlowLogsTopTCPTraffic", []string{"srcaddr=" + a}, []string{r10, r1, r3}},
	{"VpcFlowLogsTrafficFrmSrcAddr", []string{"srcaddr=" + y}, []string{r8, r9, r11}},
	{"VpcFlowLogsTrafficFrmSrcAddr", []string{"srcaddr=2001:db8::10"}, []string{r12}},
	{"VpcFlowLogsTrafficToDstAddr", []string{"dstaddr=" + a}, []string{r2, r4, r5, r6, r9, r11}},
	{"VpcFlowLogsTrafficToDstAddr", []string{"dstaddr=2001:0DB8::0020"}, []string{r12}},
}

// tableCase is a named query that aggregates, and its rows.
type tableCase struct {
	name   string
	params []string
	cols   []string
	want   [][]any
}

var (
	talkerCols = []string{"total_bytes", "total_packets", "records"}
	pairCols   = []string{"srcaddr", "dstaddr", "total_bytes", "total_packets", "records"}
)

func cols(first string, rest []string) []string { return append([]string{first}, rest...) }

var tableCases = []tableCase{
	{"VpcFlowLogsTopTalkers", nil, cols("srcaddr", talkerCols), [][]any{
		{b, int64(10000), int64(40), int64(2)},
		{y, int64(9140), int64(28), int64(3)},
		{a, int64(5000), int64(50), int64(3)},
		{natIP, int64(1600), int64(8), int64(1)},
		{v6a, int64(700), int64(5), int64(1)},
		{x, int64(120), int64(3), int64(3)},
	}},
	{"VpcFlowLogsTopTalkers", []string{"limit=2"}, cols("srcaddr", talkerCols), [][]any{
		{b, int64(10000), int64(40), int64(2)},
		{y, int64(9140), int64(28), int64(3)},
	}},
	{"VpcFlowLogsTopTalkersPacketLevel", nil, cols("pkt_srcaddr", talkerCols), [][]any{
		{b, int64(10000), int64(40), int64(2)},
		{y, int64(9140), int64(28), int64(3)},
		{a, int64(6600), int64(58), int64(4)}, // r13: a behind the NAT gateway
		{v6a, int64(700), int64(5), int64(1)},
		{x, int64(120), int64(3), int64(3)},
	}},
	{"VpcFlowLogsTopTalkingInstances", nil, cols("instance_id", talkerCols), [][]any{
		{"i-aaa", int64(18840), int64(93), int64(8)},
		{"i-bbb", int64(6120), int64(33), int64(4)},
	}},
	{"VpcFlowLogsTopTalkingSubnets", nil, cols("subnet_id", talkerCols), [][]any{
		{"subnet-aaa", int64(18840), int64(93), int64(8)},
		{"subnet-bbb", int64(6120), int64(33), int64(4)},
		{"subnet-nat", int64(1600), int64(8), int64(1)},
	}},
	{"VpcFlowLogsTotalBytesTransferred", nil, pairCols, [][]any{
		{b, a, int64(10000), int64(40), int64(2)},
		{y, a, int64(9060), int64(26), int64(2)},
		{a, y, int64(3000), int64(30), int64(1)},
		{a, b, int64(2000), int64(20), int64(2)},
		{natIP, dynamo, int64(1600), int64(8), int64(1)},
		{v6a, v6b, int64(700), int64(5), int64(1)},
		{y, b, int64(80), int64(2), int64(1)},
		{x, a, int64(80), int64(2), int64(2)},
		{x, b, int64(40), int64(1), int64(1)},
	}},
	{"VpcFlowLogsTotalBytesTransferredPacketLevel", nil, []string{"pkt_srcaddr", "pkt_dstaddr", "total_bytes", "records"}, [][]any{
		{b, a, int64(10000), int64(2)},
		{y, a, int64(9060), int64(2)},
		{a, y, int64(3000), int64(1)},
		{a, b, int64(2000), int64(2)},
		{a, dynamo, int64(1600), int64(1)},
		{v6a, v6b, int64(700), int64(1)},
		{y, b, int64(80), int64(1)},
		{x, a, int64(80), int64(2)},
		{x, b, int64(40), int64(1)},
	}},
	{"VpcFlowLogsAdminPortTraffic", nil, []string{"ip", "total_bytes", "records"}, [][]any{
		{b, int64(12120), int64(6)}, // served 443: r1 r3 r7 r8 in, r2 r4 out
		{y, int64(12000), int64(2)}, // served 22 to a: r10 in, r11 out
		{dynamo, int64(1600), int64(1)},
		{v6b, int64(700), int64(1)},
		{a, int64(100), int64(2)}, // r5 (22) and r9 (53); r6 is 3389
	}},
	{"VpcFlowLogsIPv4Traffic", nil, talkerCols, [][]any{{int64(25860), int64(129), int64(12)}}},
	{"VpcFlowLogsIPv6Traffic", nil, talkerCols, [][]any{{int64(700), int64(5), int64(1)}}},
	{"DataRatio", nil, []string{"srcaddr", "dstaddr", "records", "total_bytes", "reverse_bytes", "data_ratio", "interfaces"}, [][]any{
		{b, a, int64(2), int64(10000), int64(2000), int64(5000), int64(2)},
		{y, a, int64(2), int64(9060), int64(3000), int64(4530), int64(1)},
		{a, y, int64(1), int64(3000), int64(9060), int64(3000), int64(1)},
		{a, b, int64(2), int64(2000), int64(10000), int64(1000), int64(2)},
		{natIP, dynamo, int64(1), int64(1600), int64(0), int64(1600), int64(1)},
		{v6a, v6b, int64(1), int64(700), int64(0), int64(700), int64(1)},
		{y, b, int64(1), int64(80), int64(0), int64(80), int64(1)},
		{x, a, int64(2), int64(80), int64(0), int64(40), int64(1)},
		{x, b, int64(1), int64(40), int64(0), int64(40), int64(1)},
	}},
	{"DataRatio", []string{"addr=" + y}, []string{"srcaddr", "dstaddr", "reverse_bytes", "first_seen", "last_seen"}, [][]any{
		{y, a, int64(3000), at(3700), at(7260)},
		{a, y, int64(9060), at(7200), at(7260)},
		{y, b, int64(0), at(3600), at(3660)},
	}},
	{"AddressTimeline", []string{"addr=" + a}, []string{"direction", "srcaddr", "dstaddr", "interface_id", "start_time"}, [][]any{
		{"out", a, b, "eni-a", at(0)},
		{"in", b, a, "eni-a", at(0)},
		{"out", a, b, "eni-b", at(0)},
		{"in", b, a, "eni-b", at(0)},
		{"in", x, a, "eni-a", at(600)},
		{"in", x, a, "eni-a", at(660)},
		{"in", y, a, "eni-a", at(3700)},
		{"out", a, y, "eni-a", at(7200)},
		{"in", y, a, "eni-a", at(7200)},
		{"out", natIP, dynamo, "eni-nat", at(86600)}, // found by pkt_srcaddr
	}},
	{"AddressTimeline", []string{"addr=2001:db8::20"}, []string{"direction", "srcaddr", "bytes"}, [][]any{
		{"in", v6a, int64(700)},
	}},
	{"RejectedTCPBySource", nil, []string{"srcaddr", "records", "packets", "dstaddrs", "dstports", "first_seen", "last_seen"}, [][]any{
		{x, int64(3), int64(3), int64(2), int64(2), at(600), at(780)},
		{y, int64(1), int64(2), int64(1), int64(1), at(3600), at(3660)},
	}},
	{"RejectedTCPBySource", []string{"dstport=22"}, []string{"srcaddr", "records", "dstaddrs", "dstports"}, [][]any{
		{x, int64(2), int64(2), int64(1)},
	}},
}

// TestNamed_Success runs every named query over the crafted traffic and
// checks its rows; a query without a case fails the test.
func TestNamed_Success(t *testing.T) {
	e := crafted(t)
	covered := map[string]bool{}
	for _, c := range listCases {
		covered[c.name] = true
		got := listing(run(t, e, c.name, c.params, named.Window{}, listCols...))
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s %v (-want +got):\n%s", c.name, c.params, d)
		}
	}
	for _, c := range tableCases {
		covered[c.name] = true
		got := run(t, e, c.name, c.params, named.Window{}, c.cols...)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s %v (-want +got):\n%s", c.name, c.params, d)
		}
	}
	for _, q := range named.All() {
		if !covered[q.Name] {
			t.Errorf("%s has no test case", q.Name)
		}
	}
}

// TestNamed_Window bounds queries on start: since is inclusive, until
// exclusive, a fraction of a second rounds up, and every query honours it.
func TestNamed_Window(t *testing.T) {
	e := crafted(t)
	day2 := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		w    named.Window
		want [][]any
	}{
		{named.Window{Since: day2}, [][]any{{natIP, int64(1600)}, {v6a, int64(700)}}},
		{named.Window{Until: day2}, [][]any{{b, int64(10000)}, {y, int64(9140)}, {a, int64(5000)}, {x, int64(120)}}},
		// r8 starts at since, r10 and r11 at until
		{named.Window{Since: at(3600), Until: at(7200)}, [][]any{{y, int64(140)}}},
		{named.Window{Since: at(3599).Add(time.Millisecond), Until: at(7199).Add(time.Millisecond)}, [][]any{{y, int64(140)}}},
		{named.Window{Since: at(100000)}, [][]any{}},
	} {
		got := run(t, e, "VpcFlowLogsTopTalkers", nil, c.w, "srcaddr", "total_bytes")
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("window %v (-want +got):\n%s", c.w, d)
		}
	}
	// Nothing starts in the last hour of day one: every query, with its
	// parameters, must return no rows (or a zero total) there.
	empty := named.Window{Since: at(82800), Until: day2}
	for _, c := range append(listCasesAsTables(), tableCases...) {
		for _, r := range run(t, e, c.name, c.params, empty, c.cols...) {
			for _, v := range r {
				if v != int64(0) {
					t.Errorf("%s %v: row %v outside the window", c.name, c.params, r)
					break
				}
			}
		}
	}
}

func listCasesAsTables() []tableCase {
	var out []tableCase
	for _, c := range listCases {
		out = append(out, tableCase{name: c.name, params: c.params, cols: listCols})
	}
	return out
}

// TestNamed_NoStartField: a log format without start leaves start NULL;
// with no window every record still counts.
func TestNamed_NoStartField(t *testing.T) {
	e := lakeOf(t, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes action log-status",
		"2 111111111111 eni-a 10.0.1.10 10.0.2.20 40000 443 6 3 300 ACCEPT OK",
		"2 111111111111 eni-a 2001:db8::10 2001:db8::20 40000 443 6 1 100 ACCEPT OK")
	got := run(t, e, "VpcFlowLogsTopTalkers", nil, named.Window{}, "srcaddr", "total_bytes")
	if d := cmp.Diff([][]any{{"10.0.1.10", int64(300)}, {"2001:db8::10", int64(100)}}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// without the type field, the address decides the family
	for name, want := range map[string]int64{"VpcFlowLogsIPv4Traffic": 300, "VpcFlowLogsIPv6Traffic": 100} {
		if got := run(t, e, name, nil, named.Window{}, "total_bytes"); got[0][0] != want {
			t.Errorf("%s = %v, want %d", name, got[0][0], want)
		}
	}
}
