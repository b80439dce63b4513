package ioc

import (
	"context"
	"fmt"
	"iter"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Window narrows a match to the flow records that overlap [Since, Until);
// a zero bound is open.
type Window struct {
	Since, Until time.Time
}

// Result is a match: one row per (direction, local, remote, remote port,
// protocol, action, indicator), and how long each stage took.
type Result struct {
	Columns []string
	Rows    [][]any
	// Addresses is the number of distinct remote addresses matched.
	Addresses int
	Timings   Timings
}

// Timings are the stages of a match.
type Timings struct {
	Load    time.Duration // indicators into DuckDB
	Resolve time.Duration // distinct flow addresses matched against the indicators
	Collect time.Duration // the matching records gathered and aggregated
}

// Columns of a match, in order. Records, packets and bytes count flow
// records: a conversation logged by the interfaces at both ends counts
// twice.
var Columns = []string{"direction", "local", "local_ports", "remote", "remote_port", "protocol", "action",
	"interface_ids", "records", "packets", "bytes", "first_seen", "last_seen", "indicator", "comment"}

// Table names the match loads; they are dropped when it ends.
const (
	indicatorTable = "ioc_indicators"
	hitTable       = "ioc_hits"
)

// maxLocalPorts is how many local ports a row lists before "… +N".
const maxLocalPorts = 10

// Match finds the flow records whose source or destination lies in one
// of inds. A record whose source matches is INBOUND (the indicator is
// the remote end, the destination local); one whose destination matches
// is OUTBOUND.
//
// No address is parsed per record. IPv4 hosts are matched on the
// address text, which AWS writes in canonical dotted decimal. For CIDRs
// and IPv6, the distinct addresses of the flows are turned into numbers
// in SQL and joined with the indicators on (family, prefix length,
// network) — a hash join, one probe per distinct prefix length. Then one
// scan gathers the records by a hash join on the matching address texts.
func Match(ctx context.Context, e *engine.Engine, inds []Indicator, w Window) (*Result, error) {
	res := &Result{Columns: Columns}
	if len(inds) == 0 {
		return res, nil
	}
	defer drop(ctx, e, indicatorTable, hitTable)
	t0 := time.Now()
	if _, err := e.LoadTable(ctx, indicatorTable, indicatorColumns, indicatorRows(inds)); err != nil {
		return nil, err
	}
	t1 := time.Now()
	hits, err := resolve(ctx, e, inds, w)
	if err != nil {
		return nil, err
	}
	t2 := time.Now()
	res.Timings = Timings{Load: t1.Sub(t0), Resolve: t2.Sub(t1)}
	if len(hits) == 0 {
		return res, nil
	}
	if _, err := e.LoadTable(ctx, hitTable, hitColumns, slices.Values(hits)); err != nil {
		return nil, err
	}
	out, err := e.Query(ctx, collectSQL(w), 0)
	if err != nil {
		return nil, fmt.Errorf("cannot gather matching flows: %w", err)
	}
	res.Rows, res.Timings.Collect = out.Rows, time.Since(t2)
	res.Addresses = countRemotes(res.Rows)
	return res, nil
}

// resolve lists (address text, indicator id) for the addresses to look
// for: IPv4 hosts as written, and the flow addresses inside the other
// indicators.
func resolve(ctx context.Context, e *engine.Engine, inds []Indicator, w Window) ([][]any, error) {
	var hits [][]any
	var v4, v6 bool
	for i, in := range inds {
		switch {
		case isHost4(in):
			hits = append(hits, []any{in.Prefix.Addr().String(), int32(i)})
		case in.Prefix.Addr().Is4():
			v4 = true
		default:
			v6 = true
		}
	}
	if !v4 && !v6 {
		return hits, nil
	}
	res, err := e.Query(ctx, resolveSQL(v4, v6, w), 0)
	if err != nil {
		return nil, fmt.Errorf("cannot match flow addresses: %w", err)
	}
	return append(hits, res.Rows...), nil
}

func isHost4(in Indicator) bool { return in.Prefix.Addr().Is4() && in.Prefix.IsSingleIP() }

// drop removes the match's tables even when ctx was cancelled.
func drop(ctx context.Context, e *engine.Engine, tables ...string) {
	for _, t := range tables {
		_ = e.DropTable(context.WithoutCancel(ctx), t)
	}
}

var indicatorColumns = []engine.ColumnDef{
	{Name: "id", Type: "INTEGER"},
	{Name: "fam", Type: "UTINYINT"},
	{Name: "bits", Type: "UTINYINT"},
	{Name: "key", Type: "UHUGEINT"},
	{Name: "indicator", Type: "VARCHAR"},
	{Name: "comment", Type: "VARCHAR"},
}

var hitColumns = []engine.ColumnDef{{Name: "addr", Type: "VARCHAR"}, {Name: "id", Type: "INTEGER"}}

// indicatorRows gives each indicator its family, prefix length and
// network number: the address shifted right past the host bits.
func indicatorRows(inds []Indicator) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for i, in := range inds {
			a := in.Prefix.Addr()
			fam := uint8(6)
			if a.Is4() {
				fam = 4
			}
			b, _ := a.MarshalBinary()
			key := new(big.Int).SetBytes(b)
			key.Rsh(key, uint(a.BitLen()-in.Prefix.Bits()))
			if !yield([]any{int32(i), fam, uint8(in.Prefix.Bits()), key, in.String(), in.Comment}) {
				return
			}
		}
	}
}

// countRemotes counts the distinct remote addresses of a match.
func countRemotes(rows [][]any) int {
	seen := map[any]bool{}
	for _, r := range rows {
		seen[r[3]] = true
	}
	return len(seen)
}

// windowSQL is the condition for records overlapping w, on flows as f.
func windowSQL(w Window) string {
	cond := []string{"true"}
	if !w.Since.IsZero() {
		cond = append(cond, fmt.Sprintf(`f."end" >= %d`, w.Since.Unix()))
	}
	if !w.Until.IsZero() {
		cond = append(cond, fmt.Sprintf("f.start < %d", w.Until.Unix()))
	}
	return strings.Join(cond, " AND ")
}

// resolveSQL lists (address, indicator id) for every distinct flow
// address inside an indicator other than an IPv4 host, for the families
// asked. The distinct step hides the address from the filters above it
// (any_value), lest DuckDB push the parsing down to every record.
func resolveSQL(v4, v6 bool, w Window) string {
	win := windowSQL(w)
	var fams []string
	if v4 {
		fams = append(fams, "SELECT * FROM v4")
	}
	if v6 {
		fams = append(fams, "SELECT * FROM v6")
	}
	family := "addr IS NOT NULL"
	switch {
	case !v4:
		family = "contains(addr, ':')"
	case !v6:
		family = "NOT contains(addr, ':')"
	}
	return fmt.Sprintf(`WITH a AS MATERIALIZED (
  SELECT any_value(addr) AS addr FROM (
    SELECT f.srcaddr AS addr FROM flows f WHERE %[1]s
    UNION ALL
    SELECT f.dstaddr AS addr FROM flows f WHERE %[1]s)
  WHERE %[7]s GROUP BY addr),
v4 AS (
  SELECT addr, 4 AS fam, %[2]s AS num FROM a WHERE regexp_full_match(addr, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}')),
p6 AS (
  SELECT addr, CASE WHEN starts_with(addr, '::') THEN '0' || addr ELSE addr END AS x
  FROM a WHERE regexp_full_match(addr, '[0-9A-Fa-f:]{2,39}')),
q6 AS (SELECT addr, CASE WHEN ends_with(x, '::') THEN x || '0' ELSE x END AS x FROM p6),
x6 AS (SELECT addr, replace(x, '::', ':' || repeat('0:', 8 - (length(x) - length(replace(x, ':', ''))))) AS x FROM q6),
v6 AS (
  SELECT addr, 6 AS fam, (%[3]s::UHUGEINT << 64) | %[4]s::UHUGEINT AS num
  FROM x6 WHERE length(x) - length(replace(x, ':', '')) = 7),
n AS (%[5]s),
l AS (SELECT DISTINCT fam, bits FROM %[6]s WHERE fam = 6 OR bits < 32),
k AS (
  SELECT n.addr, n.fam, l.bits, n.num >> ((CASE n.fam WHEN 4 THEN 32 ELSE 128 END) - l.bits)::UHUGEINT AS key
  FROM n JOIN l ON n.fam = l.fam)
SELECT k.addr, i.id
FROM k JOIN %[6]s i ON i.fam = k.fam AND i.bits = k.bits AND i.key = k.key`,
		win, v4Number("addr"), v6Half("x", 1), v6Half("x", 5), strings.Join(fams, " UNION ALL "), indicatorTable, family)
}

// v4Number is dotted-quad text as a UHUGEINT; NULL if an octet is over 255.
func v4Number(col string) string {
	parts := make([]string, 4)
	for k := range parts {
		parts[k] = fmt.Sprintf("(TRY_CAST(split_part(%s, '.', %d) AS UTINYINT)::UBIGINT << %d)", col, k+1, 24-8*k)
	}
	return "(" + strings.Join(parts, " | ") + ")::UHUGEINT"
}

// v6Half is four colon-separated hex groups, from group first, as a
// UBIGINT; NULL if one is not 1–4 hex digits.
func v6Half(col string, first int) string {
	parts := make([]string, 4)
	for k := range parts {
		parts[k] = fmt.Sprintf("(TRY_CAST('0x' || split_part(%s, ':', %d) AS USMALLINT)::UBIGINT << %d)", col, first+k, 48-16*k)
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// collectSQL gathers the records whose source or destination matched,
// in the playbook's directional view, aggregated per conversation and
// indicator.
func collectSQL(w Window) string {
	win := windowSQL(w)
	return fmt.Sprintf(`WITH h AS (SELECT addr, list(id ORDER BY id) AS ids FROM %[2]s GROUP BY addr),
r AS MATERIALIZED (
  SELECT f.srcaddr, f.dstaddr, f.srcport, f.dstport, f.protocol, f.action, f.interface_id,
    f.packets, f.bytes, f.start, f."end", hs.ids AS src_ids, hd.ids AS dst_ids
  FROM flows f LEFT JOIN h hs ON f.srcaddr = hs.addr LEFT JOIN h hd ON f.dstaddr = hd.addr
  WHERE (hs.ids IS NOT NULL OR hd.ids IS NOT NULL) AND %[1]s),
m AS (
  SELECT 'INBOUND' AS direction, dstaddr AS local, dstport AS local_port, srcaddr AS remote, srcport AS remote_port,
    protocol, action, interface_id, packets, bytes, start, "end", unnest(src_ids) AS id
  FROM r WHERE src_ids IS NOT NULL
  UNION ALL
  SELECT 'OUTBOUND', srcaddr, srcport, dstaddr, dstport,
    protocol, action, interface_id, packets, bytes, start, "end", unnest(dst_ids)
  FROM r WHERE dst_ids IS NOT NULL),
g AS (
  SELECT direction, local, remote, remote_port, protocol, action, id,
    list_sort(list(DISTINCT local_port)) AS ports,
    string_agg(DISTINCT interface_id, ',' ORDER BY interface_id) AS interface_ids,
    count(*) AS records, sum(packets)::BIGINT AS packets, sum(bytes)::BIGINT AS bytes,
    to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen
  FROM m GROUP BY direction, local, remote, remote_port, protocol, action, id)
SELECT g.direction, g.local,
  array_to_string(g.ports[1:%[4]d], ',') || CASE WHEN len(g.ports) > %[4]d THEN ',… +' || (len(g.ports) - %[4]d) ELSE '' END AS local_ports,
  g.remote, g.remote_port, g.protocol, g.action, g.interface_ids, g.records, g.packets, g.bytes,
  g.first_seen, g.last_seen, i.indicator, i.comment
FROM g JOIN %[3]s i ON g.id = i.id
ORDER BY g.first_seen, g.direction, g.local, g.remote, g.remote_port, g.protocol, g.action, i.id`,
		win, hitTable, indicatorTable, maxLocalPorts)
}
