package engine_test

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// playbookHeader names every VPC field of flow-log version 5, AWS's order.
const playbookHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status " +
	"vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id " +
	"pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"

// compatLake ingests flow-log text (a header line, then records) and
// opens the engine on it.
func compatLake(t *testing.T, text string) *engine.Engine { return testlake.Open(t, text) }

// flowRec is one v5 record: the fields that vary, the rest fixed per interface.
type flowRec struct {
	account, eni, src, dst string
	sport, dport, proto    int
	packets, bytes         int64
	start, end             int64
	action, flags, dir     string
	path                   string
}

func (r flowRec) line() string {
	n := strings.TrimPrefix(r.eni, "eni-")
	return fmt.Sprintf("5 %s %s %s %s %d %d %d %d %d %d %d %s OK vpc-01 subnet-%s i-%s %s IPv4 %s %s us-east-1 use1-az1 - - - - %s %s",
		r.account, r.eni, r.src, r.dst, r.sport, r.dport, r.proto, r.packets, r.bytes, r.start, r.end, r.action, n, n, r.flags, r.src, r.dst, r.dir, r.path)
}

const (
	acctA = "111122223333" // the playbook's example account
	acctB = "444455556666"
	july  = 1594339200 // 2020-07-10 00:00:00 UTC
	may   = 1716904800 // 2024-05-28 14:00:00 UTC, the DoS playbook's window start
)

// playbookRecords is an estate small enough to reason about: in July 2020,
// a TCP session between 192.0.2.1 and 192.0.2.254; 10.10.10.10 talking
// to the indicator 203.0.113.9; 198.51.100.7 rejected on 22/tcp and
// 53/udp; HTTPS inside the VPC; a second account. In May 2024, a UDP
// flood on 10.0.1.100. And two records from yesterday.
func playbookRecords(now time.Time) []flowRec {
	y := now.Add(-24*time.Hour).Unix() / 60 * 60
	return []flowRec{
		{acctA, "eni-0a1", "192.0.2.1", "192.0.2.254", 49152, 443, 6, 10, 1000, july, july + 60, "ACCEPT", "2", "egress", "1"},
		{acctA, "eni-0a1", "192.0.2.254", "192.0.2.1", 443, 49152, 6, 8, 5000, july + 10, july + 60, "ACCEPT", "18", "ingress", "-"},
		{acctA, "eni-0a1", "192.0.2.1", "192.0.2.254", 49153, 443, 6, 4, 400, july + 100, july + 160, "ACCEPT", "2", "egress", "1"},
		{acctA, "eni-0b2", "10.10.10.10", "203.0.113.9", 50000, 4444, 6, 3, 1000, july + 400, july + 460, "ACCEPT", "2", "egress", "8"},
		{acctA, "eni-0b2", "10.10.10.10", "203.0.113.9", 50000, 4444, 6, 2, 501, july + 500, july + 560, "ACCEPT", "0", "egress", "8"},
		{acctA, "eni-0b2", "203.0.113.9", "10.10.10.10", 4444, 50000, 6, 2, 200, july + 450, july + 470, "ACCEPT", "18", "ingress", "-"},
		{acctA, "eni-0b2", "198.51.100.7", "10.10.10.10", 40000, 22, 6, 1, 60, july + 600, july + 660, "REJECT", "2", "ingress", "-"},
		{acctA, "eni-0b2", "198.51.100.7", "10.10.10.10", 40001, 53, 17, 1, 80, july + 700, july + 760, "REJECT", "0", "ingress", "-"},
		{acctA, "eni-0c3", "10.0.0.5", "10.0.0.9", 40002, 443, 6, 20, 2000, july + 800, july + 860, "ACCEPT", "2", "egress", "1"},
		{acctB, "eni-0d4", "192.0.2.77", "10.0.0.9", 40003, 443, 6, 7, 700, july + 900, july + 960, "ACCEPT", "2", "ingress", "-"},
		{acctA, "eni-0e5", "198.51.100.50", "10.0.1.100", 1024, 80, 17, 80000, 4000000, may, may + 60, "ACCEPT", "0", "ingress", "-"},
		{acctA, "eni-0e5", "198.51.100.50", "10.0.1.100", 1025, 80, 17, 30000, 1500000, may + 100, may + 160, "ACCEPT", "0", "ingress", "-"},
		{acctA, "eni-0e5", "198.51.100.51", "10.0.1.100", 1026, 80, 17, 50000, 2500000, may + 200, may + 260, "ACCEPT", "0", "ingress", "-"},
		{acctA, "eni-0e5", "198.51.100.52", "10.0.1.100", 1027, 443, 6, 200000, 10000000, may + 300, may + 360, "REJECT", "2", "ingress", "-"},
		{acctA, "eni-0e5", "198.51.100.53", "10.0.1.100", 1028, 80, 17, 500000, 25000000, may + 3700, may + 3760, "ACCEPT", "0", "ingress", "-"},
		{acctA, "eni-0f6", "10.20.0.1", "10.20.0.2", 40010, 443, 6, 5, 500, y, y + 60, "ACCEPT", "2", "egress", "1"},
		{acctA, "eni-0f6", "10.20.0.2", "10.20.0.1", 443, 40010, 6, 5, 700, y, y + 60, "ACCEPT", "18", "ingress", "-"},
	}
}

func playbookLakeText(recs []flowRec) string {
	var b strings.Builder
	b.WriteString(playbookHeader + "\n")
	for _, r := range recs {
		b.WriteString(r.line() + "\n")
	}
	return b.String()
}

// playbookCase is a query of testdata/playbook and the rows it must give,
// each rendered as cells joined by " | ".
type playbookCase struct {
	prefix    string   // SQL put before the file's text, for tables the playbook creates
	want      []string // rows, in order unless unordered
	unordered bool     // the query has no ORDER BY
	check     func(t *testing.T, res *engine.Result)
}

var playbookCases = map[string]playbookCase{
	// Presto divides bigints as integers: bytes_per_record 1501/2 is 750
	// there, 750.5 here.
	"data_ratio.sql": {want: []string{
		"10.10.10.10 | 203.0.113.9 | 2 | 1501 | 750.5 | 2020/07/10 00:06:40 | 2020/07/10 00:09:20",
		"203.0.113.9 | 10.10.10.10 | 1 | 200 | 200 | 2020/07/10 00:07:30 | 2020/07/10 00:07:50",
		"198.51.100.7 | 10.10.10.10 | 2 | 140 | 70 | 2020/07/10 00:10:00 | 2020/07/10 00:12:40",
	}},
	// The playbook labels flows to an indicator INBOUND, flows from one
	// OUTBOUND; the query keeps that labelling.
	"ioc_directional.sql": {
		prefix: "WITH incident_iocs(threat_ip, threat_comment) AS (VALUES ('203.0.113.9', 'c2 server'), ('192.0.2.200', 'unseen'))\n",
		want: []string{
			"111122223333 | eni-0b2 | 10.10.10.10:50000 | 203.0.113.9:4444 | INBOUND | 10.10.10.10 | 50000 | 6 | 3 | 1000 | ACCEPT | OK | 2020-07-10 00:06:40 | 2020-07-10 00:07:40 | 60",
			"111122223333 | eni-0b2 | 203.0.113.9:4444 | 10.10.10.10:50000 | OUTBOUND | 10.10.10.10 | 50000 | 6 | 2 | 200 | ACCEPT | OK | 2020-07-10 00:07:30 | 2020-07-10 00:07:50 | 20",
			"111122223333 | eni-0b2 | 10.10.10.10:50000 | 203.0.113.9:4444 | INBOUND | 10.10.10.10 | 50000 | 6 | 2 | 501 | ACCEPT | OK | 2020-07-10 00:08:20 | 2020-07-10 00:09:20 | 60",
		}},
	// 2020-07-10 was a Friday (5), 2024-05-28 a Tuesday (2).
	"rejected_tcp_day_of_week.sql": {unordered: true, want: []string{
		"5 | 2020-07-10 | eni-0b2 | 198.51.100.7 | REJECT | 6",
		"2 | 2024-05-28 | eni-0e5 | 198.51.100.52 | REJECT | 6",
	}},
	"https_top_destinations.sql": {want: []string{
		"200000 | 10.0.1.100",
		"27 | 10.0.0.9",
		"14 | 192.0.2.254",
		"5 | 10.20.0.2",
	}},
	"flows_between_two_ips.sql": {want: []string{
		"2020-07-10 00:00:00 | 2020-07-10 00:01:00 | eni-0a1 | 192.0.2.1 | 192.0.2.254 | 49152 | 443 | 10 | 1000 | egress | ACCEPT",
		"2020-07-10 00:00:10 | 2020-07-10 00:01:00 | eni-0a1 | 192.0.2.254 | 192.0.2.1 | 443 | 49152 | 8 | 5000 | ingress | ACCEPT",
		"2020-07-10 00:01:40 | 2020-07-10 00:02:40 | eni-0a1 | 192.0.2.1 | 192.0.2.254 | 49153 | 443 | 4 | 400 | egress | ACCEPT",
	}},
	// array_agg(DISTINCT …) has no order; lists are rendered sorted.
	"first_last_seen_by_source.sql": {want: []string{
		"192.0.2.1 | 1594339200 | 1594339360 | [192.0.2.254] | [i-0a1] | [443]",
		"10.10.10.10 | 1594339600 | 1594339760 | [203.0.113.9] | [i-0b2] | [4444]",
		"198.51.100.7 | 1594339800 | 1594339960 | [10.10.10.10] | [i-0b2] | [22 53]",
		"10.0.0.5 | 1594340000 | 1594340060 | [10.0.0.9] | [i-0c3] | [443]",
	}},
	"preview_last_30_days.sql": {check: func(t *testing.T, res *engine.Result) {
		got := columnCells(t, res, "sourceaddress")
		sort.Strings(got)
		if !slices.Equal(got, []string{"10.20.0.1", "10.20.0.2"}) {
			t.Errorf("sourceaddress = %v, want yesterday's two records", got)
		}
	}},
	"dos_volumetric_sources.sql": {want: []string{
		"198.51.100.50 | 10.0.1.100 | 80 | 17 | 110000 | 5500000 | 2",
	}},
	// Presto: bytes_per_sec 33000000/3760 = 8776 (integer division).
	"dos_protocol_ports.sql": {want: []string{
		"80 | 17 | 3 | 660000 | 0.03073364496231079 | 8776.595744680852",
	}},
}

// TestPlaybookQueries_Success runs our queries modelled on those of AWS's
// playbooks and Athena examples (each file names the one it follows), with
// their Presto functions and column names, on a lake made for them.
func TestPlaybookQueries_Success(t *testing.T) {
	e := compatLake(t, playbookLakeText(playbookRecords(time.Now())))
	files, err := filepath.Glob(filepath.Join("testdata", "playbook", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := slices.Sorted(maps.Keys(playbookCases)); !slices.Equal(names, want) {
		t.Fatalf("files %v, cases %v: each file needs a case", names, want)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := playbookCases[filepath.Base(f)]
			res, err := e.Query(context.Background(), c.prefix+string(text), 0)
			if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, res)
				return
			}
			got := renderRows(res)
			want := slices.Clone(c.want)
			if c.unordered {
				sort.Strings(got)
				sort.Strings(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// vpcflowDDL is the column list of the playbook's CREATE EXTERNAL TABLE
// vpcflow, with Athena's types as DuckDB names them, then its partition
// columns, then dt.
var vpcflowDDL = []string{
	"version INTEGER", "account VARCHAR", "interfaceid VARCHAR", "sourceaddress VARCHAR", "destinationaddress VARCHAR",
	"sourceport INTEGER", "destinationport INTEGER", "protocol INTEGER", "numpackets INTEGER", "numbytes BIGINT",
	"starttime INTEGER", "endtime INTEGER", "action VARCHAR", "logstatus VARCHAR", "vpcid VARCHAR", "type VARCHAR",
	"tcpflags SMALLINT", "subnetid VARCHAR", "sublocationtype VARCHAR", "sublocationid VARCHAR", "region VARCHAR",
	"pktsrcaddr VARCHAR", "pktdstaddr VARCHAR", "instanceid VARCHAR", "azid VARCHAR",
	"pkt_src_aws_service VARCHAR", "pkt_dst_aws_service VARCHAR", "flow_direction VARCHAR", "traffic_path INTEGER",
	"date_partition VARCHAR", "region_partition VARCHAR", "account_partition VARCHAR", "dt VARCHAR",
	"pkt-src-aws-service VARCHAR", "pkt-dst-aws-service VARCHAR", "flow-direction VARCHAR", "traffic-path INTEGER",
	"pktsrcawsservice VARCHAR", "pktdstawsservice VARCHAR", "flowdirection VARCHAR", "trafficpath INTEGER",
}

func TestVpcflowSchema(t *testing.T) {
	for name, text := range map[string]string{
		"lake":  playbookLakeText(playbookRecords(time.Now())[:1]),
		"empty": "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := compatLake(t, text).Query(context.Background(), "SELECT column_name, column_type FROM (DESCRIBE vpcflow)", 0)
			if err != nil {
				t.Fatal(err)
			}
			got := renderRows(res)
			for i := range got {
				got[i] = strings.Replace(got[i], " | ", " ", 1)
			}
			if !slices.Equal(got, vpcflowDDL) {
				t.Errorf("vpcflow columns:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(vpcflowDDL, "\n"))
			}
		})
	}
}

// TestVpcflowValues reads one record back under every name, and values
// past Athena's int as NULL.
func TestVpcflowValues(t *testing.T) {
	recs := playbookRecords(time.Now())[:1]
	huge := recs[0]
	huge.eni, huge.packets, huge.start, huge.end = "eni-0ff", 3_000_000_000, 2_240_000_000, 2_240_000_060
	e := compatLake(t, playbookLakeText(append(recs, huge)))
	res, err := e.Query(context.Background(), "SELECT * FROM vpcflow ORDER BY interfaceid", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"5 | 111122223333 | eni-0a1 | 192.0.2.1 | 192.0.2.254 | 49152 | 443 | 6 | 10 | 1000 | 1594339200 | 1594339260 | ACCEPT | OK | vpc-01 | IPv4 | 2 | subnet-0a1 | NULL | NULL | us-east-1 | 192.0.2.1 | 192.0.2.254 | i-0a1 | use1-az1 | NULL | NULL | egress | 1 | 2020/07/10 | us-east-1 | 111122223333 | 2020-07-10 | NULL | NULL | egress | 1 | NULL | NULL | egress | 1",
		"5 | 111122223333 | eni-0ff | 192.0.2.1 | 192.0.2.254 | 49152 | 443 | 6 | NULL | 1000 | NULL | NULL | ACCEPT | OK | vpc-01 | IPv4 | 2 | subnet-0ff | NULL | NULL | us-east-1 | 192.0.2.1 | 192.0.2.254 | i-0ff | use1-az1 | NULL | NULL | egress | 1 | 2040/12/24 | us-east-1 | 111122223333 | 2040-12-24 | NULL | NULL | egress | 1 | NULL | NULL | egress | 1",
	}
	if got := renderRows(res); !slices.Equal(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func renderRows(res *engine.Result) []string {
	var out []string
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = renderCell(v)
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return out
}

// cell renders a value as the tests spell it: times in UTC without zone,
// lists sorted, maps as sorted key:value.
func renderCell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05.999999")
	case *big.Int:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case []byte:
		return string(v)
	case []any:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = renderCell(x)
		}
		sort.Strings(s)
		return "[" + strings.Join(s, " ") + "]"
	case map[any]any:
		var s []string
		for k, x := range v {
			s = append(s, renderCell(k)+":"+renderCell(x))
		}
		sort.Strings(s)
		return "{" + strings.Join(s, " ") + "}"
	}
	return fmt.Sprint(v)
}

func columnCells(t *testing.T, res *engine.Result, name string) []string {
	t.Helper()
	i := slices.Index(res.Columns, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, res.Columns)
	}
	var out []string
	for _, row := range res.Rows {
		out = append(out, renderCell(row[i]))
	}
	return out
}
