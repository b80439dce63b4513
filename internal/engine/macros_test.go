package engine_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// macroEngine is an engine over a one-record lake: the macros need no data.
func macroEngine(t *testing.T) *engine.Engine {
	t.Helper()
	return compatLake(t, playbookLakeText(playbookRecords(time.Now())[:1]))
}

// evalCases runs SELECT expr for each case and compares the rendered value.
func evalCases(t *testing.T, e *engine.Engine, cases []struct{ expr, want string }) {
	t.Helper()
	for _, c := range cases {
		res, err := e.Query(context.Background(), "SELECT "+c.expr, 0)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := renderCell(res.Rows[0][0]); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}

func TestPrestoMacros_Success(t *testing.T) {
	evalCases(t, macroEngine(t), []struct{ expr, want string }{
		{"current_setting('TimeZone')", "UTC"},

		{"from_unixtime(1793750400)", "2026-11-04 00:00:00"},
		{"typeof(from_unixtime(0))", "TIMESTAMP WITH TIME ZONE"},
		{"from_unixtime(1.5)", "1970-01-01 00:00:01.5"},
		{"from_unixtime(NULL)", "NULL"},
		{"CAST(from_unixtime(1793750400) AS TIMESTAMP)", "2026-11-04 00:00:00"},
		{"from_unixtime(0, 'America/New_York')", "1969-12-31 19:00:00"},
		{"from_unixtime(0, 5, 30)", "1970-01-01 05:30:00"},

		{"to_unixtime(from_unixtime(1793750400))", "1.7937504e+09"},
		{"to_unixtime(TIMESTAMP '1970-01-02 00:00:00')", "86400"},
		{"typeof(to_unixtime(now()))", "DOUBLE"},

		{"date_format(from_unixtime(1793750400), '%Y/%m/%d %H:%i:%s')", "2026/11/04 00:00:00"},
		{"date_format(TIMESTAMP '2026-03-07 04:05:06.789', '%a %b %c %d %e %f %H %h %I %i %j %k %l %M %m %p %r %S %s %T %W %Y %y %% %Q')",
			"Sat Mar 3 07 7 789000 04 04 04 05 066 4 4 March 03 AM 04:05:06 AM 06 06 04:05:06 Saturday 2026 26 % Q"},
		{"date_format(TIMESTAMP '2026-03-07 16:05:06', '%h %l %p %r')", "04 4 PM 04:05:06 PM"},
		{"date_format(DATE '2021-01-01', 'week %v of %x')", "week 53 of 2020"},
		{"date_format(TIMESTAMP '2026-03-07 00:00:00', '100%')", "100%"},
		{"date_format(TIMESTAMP '2026-03-07 00:00:00', '')", ""},
		{"date_format(TIMESTAMP '2026-03-07 00:00:00', NULL)", "NULL"},
		{"date_format(x, '%Y-%m-%d') FROM (VALUES (TIMESTAMP '2020-01-01'), (TIMESTAMP '2021-02-03')) t(x) ORDER BY x DESC", "2021-02-03"},

		{"date_parse('2026/11/04 13:05:09', '%Y/%m/%d %H:%i:%s')", "2026-11-04 13:05:09"},
		{"date_parse('4/3/2026 1:02:03 PM', '%c/%e/%Y %l:%i:%s %p')", "2026-04-03 13:02:03"},
		{"date_parse('2026-11-04 00:00:00.123', '%Y-%m-%d %T.%f')", "2026-11-04 00:00:00.123"},
		{"typeof(date_parse('2026', '%Y'))", "TIMESTAMP"},
		{"date_parse('2026', NULL)", "NULL"},

		{"from_iso8601_timestamp('2020-07-01T12:34:56Z')", "2020-07-01 12:34:56"},
		{"from_iso8601_timestamp('2020-07-01T12:34:56.789+02:00')", "2020-07-01 10:34:56.789"},
		{"from_iso8601_timestamp('2020-07-10')", "2020-07-10 00:00:00"},
		{"typeof(from_iso8601_timestamp('2020-07-10'))", "TIMESTAMP WITH TIME ZONE"},
		{"CAST(from_iso8601_date('2020-07-10') AS VARCHAR)", "2020-07-10"},
		{"typeof(from_iso8601_date('2020-07-10'))", "DATE"},

		{"date_diff('hour', TIMESTAMP '2020-01-01 01:59', TIMESTAMP '2020-01-01 02:01')", "0"},
		{"datediff('hour', TIMESTAMP '2020-01-01 01:59', TIMESTAMP '2020-01-01 02:01')", "1"},
		{"date_diff('second', from_unixtime(10), from_unixtime(70))", "60"},
		{"date_diff('day', DATE '2020-01-01', DATE '2020-03-01')", "60"},
		{"date_diff('day', TIMESTAMP '2020-01-01 23:00', TIMESTAMP '2020-01-02 01:00')", "0"},
		{"date_diff('millisecond', from_unixtime(0), from_unixtime(1.25))", "1250"},
		{"date_diff('week', DATE '2020-01-01', DATE '2020-01-20')", "2"},
		{"date_diff('month', DATE '2020-01-15', DATE '2020-03-14')", "1"},
		{"date_diff('second', from_unixtime(70), from_unixtime(10))", "-60"},

		{"date_add('day', -30, TIMESTAMP '2020-07-31 10:00')", "2020-07-01 10:00:00"},
		{"date_add('month', 1, TIMESTAMP '2020-01-31')", "2020-02-29 00:00:00"},
		{"date_add('quarter', 1, TIMESTAMP '2020-01-31')", "2020-04-30 00:00:00"},
		{"date_add('MINUTE', 5, TIMESTAMP '2020-01-01')", "2020-01-01 00:05:00"},
		{"date_add('millisecond', 1500, TIMESTAMP '2020-01-01')", "2020-01-01 00:00:01.5"},
		{"date_add('year', 1, DATE '2020-02-29')", "2021-02-28 00:00:00"},
		{"typeof(date_add('hour', 2, from_unixtime(0)))", "TIMESTAMP WITH TIME ZONE"},
		{"date_add(DATE '2020-01-01', INTERVAL 1 DAY)", "2020-01-02 00:00:00"},
		{"date_format(date_add('day', -30, TIMESTAMPTZ '2026-11-04 00:00:00+00'), '%Y/%m/%d')", "2026/10/05"},

		{"day_of_week(DATE '2020-07-10')", "5"},
		{"dow(DATE '2020-07-12')", "7"},
		{"day_of_week(from_iso8601_timestamp('2024-05-28'))", "2"},
		{"day_of_year(DATE '2020-12-31')", "366"},
		{"doy(DATE '2021-02-01')", "32"},
		{"day_of_month(DATE '2021-02-01')", "1"},
		{"week_of_year(DATE '2021-01-01')", "53"},
		{"year_of_week(DATE '2021-01-01')", "2020"},
		{"yow(DATE '2021-01-04')", "2021"},
		{"CAST(last_day_of_month(DATE '2020-02-10') AS VARCHAR)", "2020-02-29"},

		{`json_extract_scalar('{"a":{"b":[1,"x"]}}', '$.a.b[1]')`, "x"},
		{`json_extract_scalar('{"a":{"b":[1,"x"]}}', '$.a.b[0]')`, "1"},
		{`json_extract_scalar('{"t":true}', '$.t')`, "true"},
		{`json_extract_scalar('{"a":{"b":1}}', '$.a')`, "NULL"},
		{`json_extract_scalar('{"a":[1]}', '$.a')`, "NULL"},
		{`json_extract_scalar('{"a":null}', '$.a')`, "NULL"},
		{`json_extract_scalar('{"a":1}', '$.z')`, "NULL"},
		{`json_extract_scalar('not json', '$.a')`, "NULL"},
		{`typeof(json_extract_scalar('{"a":1}', '$.a'))`, "VARCHAR"},
		{`CAST(json_extract('{"a":{"b":1}}', '$.a') AS VARCHAR)`, `{"b":1}`},
		{`typeof(json_extract('{"a":1}', '$.a'))`, "JSON"},
		{`json_extract('{"a":1}', '$.z')`, "NULL"},
		{`json_extract('{"a":', '$.a')`, "NULL"},
		{`CAST(json_extract('{"a b":1}', '$."a b"') AS VARCHAR)`, "1"},
		{`json_format(json_parse('{"a":[1,2]}'))`, `{"a":[1,2]}`},
		{`typeof(json_parse('1'))`, "JSON"},

		{"element_at([10, 20, 30], 1)", "10"},
		{"element_at([10, 20, 30], -1)", "30"},
		{"element_at([10, 20, 30], 4)", "NULL"},
		{"element_at(MAP {'a': 1, 'b': 2}, 'b')", "2"},
		{"element_at(MAP {'a': 1}, 'z')", "NULL"},
		{"element_at(split('a,b,c', ','), 2)", "b"},

		{"cardinality([1, 2, 3])", "3"},
		{"cardinality([])", "0"},
		{"cardinality(MAP {'a': 1, 'b': 2})", "2"},
		{"cardinality(CAST(NULL AS INTEGER[]))", "NULL"},
		{"typeof(cardinality([1]))", "BIGINT"},

		{"array_join(['a', NULL, 'c'], ',')", "a,c"},
		{"array_join(['a', NULL, 'c'], ',', 'x')", "a,x,c"},
		{"array_join([1, 2], '-')", "1-2"},
		{"array_max([3, 1, 2])", "3"},
		{"array_min([3, 1, 2])", "1"},

		{"regexp_like('eni-0a1b', '^eni-[0-9a-f]+$')", "true"},
		{"regexp_like('i-0a1b', 'eni')", "false"},
		{"split_part('a,b,c', ',', 2)", "b"},
		{"split_part('a,b,c', ',', 4)", "NULL"},
		{"split_part('a,b,c', ',', -1)", "c"},
		{"from_utf8(to_utf8('héllo'))", "héllo"},
		{"typeof(to_utf8('x'))", "BLOB"},

		{"approx_distinct(x % 10) FROM range(1000) t(x)", "10"},
		{"approx_distinct(x % 10, 0.01) FROM range(1000) t(x)", "10"},
		{"typeof(approx_distinct(x)) FROM range(3) t(x)", "BIGINT"},
		{"approx_percentile(x, 0.5) FROM range(1, 101) t(x)", "50"},
		{"approx_percentile(x, [0.25, 0.75]) FROM range(1, 101) t(x)", "[26 76]"},
		{"every(x > 0) FROM range(1, 5) t(x)", "true"},
		{"every(x > 1) FROM range(1, 5) t(x)", "false"},
		{"arbitrary(x) FROM (VALUES (7)) t(x)", "7"},
		{"count_if(x % 2 = 0) FROM range(5) t(x)", "3"},
	})
}

// TestPrestoMacros_Failure lists what fails, as in Presto or where DuckDB
// cannot follow it.
func TestPrestoMacros_Failure(t *testing.T) {
	e := macroEngine(t)
	for _, c := range []struct{ sql, err string }{
		{"SELECT date_add('fortnight', 1, TIMESTAMP '2020-01-01')", "date_add: unknown unit fortnight"},
		{"SELECT date_diff('fortnight', DATE '2020-01-01', DATE '2020-02-01')", `specifier "fortnight" not recognized`},
		{"SELECT date_parse('nope', '%Y')", "Could not parse string"},
		{"SELECT from_iso8601_timestamp('last tuesday')", "Conversion Error"},
		{"SELECT json_parse('{')", "Malformed JSON"},
		{"SELECT date_format(x, f) FROM (VALUES (TIMESTAMP '2020-01-01', '%Y')) t(x, f)", "strftime format must be a constant"},
		{"SELECT date_parse(x, f) FROM (VALUES ('2020', '%Y')) t(x, f)", "strptime format must be a constant"},
	} {
		_, err := e.Query(context.Background(), c.sql, 0)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err = %v, want %q", c.sql, err, c.err)
		}
	}
}

func TestIPMacros_Success(t *testing.T) {
	evalCases(t, macroEngine(t), []struct{ expr, want string }{
		{"ip_to_int('0.0.0.0')", "281470681743360"},
		{"ip_to_int('255.255.255.255')", "281474976710655"},
		{"ip_to_int('::ffff:1.2.3.4') = ip_to_int('1.2.3.4')", "true"},
		{"ip_to_int('::ffff:102:304') = ip_to_int('1.2.3.4')", "true"},
		{"ip_to_int('::')", "0"},
		{"ip_to_int('::1')", "1"},
		{"ip_to_int('2001:db8::1')", "42540766411282592856903984951653826561"},
		{"ip_to_int('2001:DB8:0:0:0:0:0:1')", "42540766411282592856903984951653826561"},
		{"ip_to_int('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')", "340282366920938463463374607431768211455"},
		{"ip_to_int('64:ff9b::192.0.2.33') = ip_to_int('64:ff9b::c000:221')", "true"},
		{"typeof(ip_to_int('10.0.0.1'))", "UHUGEINT"},
		{"ip_to_int('-')", "NULL"},
		{"ip_to_int('fe80::1%eth0')", "NULL"},
		{"ip_in_cidr('10.0.0.1', '10.0.0.0/33')", "NULL"},
		{"is_private('anon-7f3a9c')", "NULL"},

		{"ipv4_to_int('10.0.0.1')", "167772161"},
		{"ipv4_to_int('::ffff:10.0.0.1')", "167772161"},
		{"ipv4_to_int('2001:db8::1')", "NULL"},
		{"typeof(ipv4_to_int('10.0.0.1'))", "UBIGINT"},
		{"ip_family('10.0.0.1')", "4"},
		{"ip_family('::ffff:10.0.0.1')", "4"},
		{"ip_family('2001:db8::1')", "6"},
		{"ip_family('::1.2.3.4')", "6"},

		{"ip_in_cidr('10.1.2.3', '10.0.0.0/8')", "true"},
		{"ip_in_cidr('10.255.255.255', '10.0.0.0/8')", "true"},
		{"ip_in_cidr('11.0.0.0', '10.0.0.0/8')", "false"},
		{"ip_in_cidr('9.255.255.255', '10.0.0.0/8')", "false"},
		{"ip_in_cidr('203.0.113.9', '0.0.0.0/0')", "true"},
		{"ip_in_cidr('2001:db8::1', '0.0.0.0/0')", "false"},
		{"ip_in_cidr('2001:db8::1', '::/0')", "true"},
		{"ip_in_cidr('10.0.0.1', '::/0')", "true"},
		{"ip_in_cidr('10.0.0.1', '10.0.0.1/32')", "true"},
		{"ip_in_cidr('10.0.0.2', '10.0.0.1/32')", "false"},
		{"ip_in_cidr('10.0.0.1', '10.0.0.1')", "true"},
		{"ip_in_cidr('10.0.0.1', '10.0.0.0/31')", "true"},
		{"ip_in_cidr('10.0.0.2', '10.0.0.0/31')", "false"},
		{"ip_in_cidr('10.9.9.9', '10.1.2.3/8')", "true"},
		{"ip_in_cidr('2001:db8::1', '2001:db8::1/128')", "true"},
		{"ip_in_cidr('2001:db8::2', '2001:db8::1/128')", "false"},
		{"ip_in_cidr('2001:db8::1', '2001:db8::1')", "true"},
		{"ip_in_cidr('2001:db8::1', '2001:db8::/127')", "true"},
		{"ip_in_cidr('2001:db8:ffff::1', '2001:db8::/32')", "true"},
		{"ip_in_cidr('2001:DB8::1', '2001:db8::/32')", "true"},
		{"ip_in_cidr('2001:db9::1', '2001:db8::/32')", "false"},
		{"ip_in_cidr('::ffff:1.2.3.4', '1.2.3.0/24')", "true"},
		{"ip_in_cidr('::ffff:1.2.4.4', '1.2.3.0/24')", "false"},
		{"ip_in_cidr('1.2.3.4', '::ffff:1.2.3.0/120')", "true"},
		{"cidr_start('10.0.0.0/8') = ip_to_int('10.0.0.0')", "true"},
		{"cidr_end('10.0.0.0/8') = ip_to_int('10.255.255.255')", "true"},
		{"cidr_end('0.0.0.0/0') = ip_to_int('255.255.255.255')", "true"},
		{"cidr_start('::/0')", "0"},
		{"cidr_end('::/0')", "340282366920938463463374607431768211455"},

		{"is_private('10.0.0.1')", "true"},
		{"is_private('172.16.0.1')", "true"},
		{"is_private('172.31.255.255')", "true"},
		{"is_private('172.32.0.0')", "false"},
		{"is_private('192.168.1.1')", "true"},
		{"is_private('100.64.0.1')", "true"},
		{"is_private('100.128.0.0')", "false"},
		{"is_private('127.0.0.1')", "true"},
		{"is_private('169.254.169.254')", "true"},
		{"is_private('8.8.8.8')", "false"},
		{"is_private('::ffff:10.0.0.1')", "true"},
		{"is_private('::ffff:8.8.8.8')", "false"},
		{"is_private('::1')", "true"},
		{"is_private('::2')", "false"},
		{"is_private('fd00:ec2::254')", "true"},
		{"is_private('fe80::1')", "true"},
		{"is_private('febf::1')", "true"},
		{"is_private('fec0::1')", "false"},
		{"is_private('2001:db8::1')", "false"},

		// A range join of addresses on a list of CIDRs.
		{`count(*) FROM (VALUES ('10.0.0.1'), ('10.1.0.1'), ('192.0.2.9'), ('2001:db8::5'), ('-')) a(ip)
		  JOIN (VALUES ('10.0.0.0/16'), ('10.0.0.0/8'), ('2001:db8::/64')) c(cidr)
		  ON ip_to_int(a.ip) BETWEEN cidr_start(c.cidr) AND cidr_end(c.cidr)`, "4"},
	})
}

// TestIPMacros_Malformed: text that is not an address, or not a CIDR,
// gives NULL from every helper, never an error — read from a table, so
// the per-row path runs, not constant folding.
func TestIPMacros_Malformed(t *testing.T) {
	e := macroEngine(t)
	ips := []string{"-", "", " ", "anon-7f3a9c", "XXX.XXX.XXX.XXX", "10.0.0", "10.0.0.256", "1.2.3.4.5",
		"01.2.3.4", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1/8", ":::", "1::2::3", "12345::", "g::1", "fe80::1%eth0",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7", "1:", ":1::", "::ffff:1.2.3.256", "1.2.3.4::",
		"::1.2.3.4:5", "0x0a000001", "167772161"}
	nullsOnly(t, e, "SELECT ip, ip_to_int(ip), ipv4_to_int(ip), ip_family(ip), is_private(ip), ip_in_cidr(ip, '0.0.0.0/0'), ip_in_cidr(ip, '::/0') FROM (VALUES %s, (NULL)) t(ip)", ips)
	cidrs := []string{"10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "/8", "10.0.0.0/08", "x/8",
		"10.0.0.0/8/8", "10.0.0.0/ 8", "anon", "-", "", "10.0.0/8", "2001:db8::/64x", "1::2::3/64"}
	nullsOnly(t, e, "SELECT c, cidr_start(c), cidr_end(c), ip_in_cidr('10.0.0.1', c), ip_in_cidr('::1', c) FROM (VALUES %s, (NULL)) t(c)", cidrs)
}

// nullsOnly runs q over values and wants NULL in every column but the
// first, which names the value.
func nullsOnly(t *testing.T, e *engine.Engine, q string, values []string) {
	t.Helper()
	rows := make([]string, len(values))
	for i, v := range values {
		rows[i] = "('" + v + "')"
	}
	res, err := e.Query(context.Background(), fmt.Sprintf(q, strings.Join(rows, ", ")), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(values)+1 {
		t.Fatalf("%d rows, want %d", len(res.Rows), len(values)+1)
	}
	for _, row := range res.Rows {
		for i, v := range row[1:] {
			if v != nil {
				t.Errorf("%q: %s = %v, want NULL", row[0], res.Columns[i+1], v)
			}
		}
	}
}

// TestIPMacros_AgainstNetip compares the SQL helpers with net/netip on
// random addresses and prefixes, written canonically, expanded and in
// upper case: ip_to_int is the address's 16 bytes (IPv4 mapped), and
// ip_in_cidr agrees with a prefix test in that space.
func TestIPMacros_AgainstNetip(t *testing.T) {
	e := macroEngine(t)
	r := rand.New(rand.NewPCG(1, 2))
	var rows []string
	var want []string
	for i := 0; i < 600; i++ {
		a, p := randomAddr(r), randomPrefix(r)
		if i%3 == 0 { // often inside the prefix
			a = insideOf(r, p)
		}
		ip, cidr := spell(r, a), spellPrefix(r, p)
		rows = append(rows, fmt.Sprintf("(%d, '%s', '%s')", i, ip, cidr))
		want = append(want, fmt.Sprintf("%d | %s | %v", i, mapped(a), inMapped(a, p)))
	}
	q := "SELECT n, ip_to_int(ip), ip_in_cidr(ip, cidr) FROM (VALUES " + strings.Join(rows, ", ") + ") t(n, ip, cidr) ORDER BY n"
	res, err := e.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := renderRows(res)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: got %s, want %s", rows[i], got[i], want[i])
		}
	}
}

func randomAddr(r *rand.Rand) netip.Addr {
	if r.IntN(2) == 0 {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	switch r.IntN(4) { // runs of zeros, so '::' appears
	case 0:
		clear(b[2:10])
	case 1:
		clear(b[:12])
	case 2:
		clear(b[10:])
	}
	return netip.AddrFrom16(b)
}

func randomPrefix(r *rand.Rand) netip.Prefix {
	a := randomAddr(r)
	p, _ := a.Prefix(r.IntN(a.BitLen() + 1))
	return p
}

// insideOf is a random address of p.
func insideOf(r *rand.Rand, p netip.Prefix) netip.Addr {
	a := randomAddr(r)
	if a.Is4() != p.Addr().Is4() {
		a = p.Addr()
	}
	b, pb := a.AsSlice(), p.Addr().AsSlice()
	for i := 0; i < p.Bits(); i++ {
		m := byte(0x80 >> (i % 8))
		b[i/8] = b[i/8]&^m | pb[i/8]&m
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

// spell writes an address as analysts meet it: canonical, fully expanded
// or in upper case; an IPv4 address sometimes IPv4-mapped.
func spell(r *rand.Rand, a netip.Addr) string {
	if a.Is4() {
		if r.IntN(5) == 0 {
			return "::ffff:" + a.String()
		}
		return a.String()
	}
	switch r.IntN(3) {
	case 0:
		return a.StringExpanded()
	case 1:
		return strings.ToUpper(a.String())
	}
	return a.String()
}

// spellPrefix writes a prefix; an IPv4 one written IPv4-mapped is a /96+n.
func spellPrefix(r *rand.Rand, p netip.Prefix) string {
	a := spell(r, p.Addr())
	if strings.HasPrefix(a, "::ffff:") && p.Addr().Is4() {
		return fmt.Sprintf("%s/%d", a, p.Bits()+96)
	}
	return fmt.Sprintf("%s/%d", a, p.Bits())
}

// mapped is the address as a number, IPv4 as ::ffff:a.b.c.d.
func mapped(a netip.Addr) *big.Int {
	b := a.As16()
	return new(big.Int).SetBytes(b[:])
}

// inMapped tests a against p in the shared space: an IPv4 /n is a /96+n.
func inMapped(a netip.Addr, p netip.Prefix) bool {
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	mp := netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), bits)
	return mp.Contains(netip.AddrFrom16(a.As16()))
}

// TestIsPrivate_MixedColumn: a column mixing IPv4 and IPv6 text must not
// make the IPv4 branch fail on the IPv6 rows (vectorised CASE evaluates
// both sides).
func TestIsPrivate_MixedColumn(t *testing.T) {
	e := testlake.Open(t, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"+
		"2 111111111111 eni-a 2a02:c7c:aad6:b835:6ad7:107d:9e2d:9cb6 10.0.0.1 61000 22 6 1 40 1793750400 1793750460 REJECT OK\n"+
		"2 111111111111 eni-a 10.0.0.9 10.0.0.1 61000 22 6 1 40 1793750400 1793750460 ACCEPT OK\n"+
		"2 111111111111 eni-a 198.51.100.7 10.0.0.1 61000 22 6 1 40 1793750400 1793750460 REJECT OK\n")
	res, err := e.Query(context.Background(), "SELECT count(*) FILTER (WHERE is_private(srcaddr)), count(*) FILTER (WHERE NOT is_private(srcaddr)) FROM flows", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != int64(1) || res.Rows[0][1] != int64(2) {
		t.Errorf("private, public = %v, want 1, 2", res.Rows[0])
	}
}
