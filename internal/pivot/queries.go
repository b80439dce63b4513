package pivot

import (
	"fmt"
	"strings"
)

// queries builds a pivot's SQL. User input only ever travels as bound
// parameters: $1 the subject, $2 and $3 the window bounds in Unix
// seconds (NULL when open), $4 the number of peers.
type queries struct {
	scan  string // the subject's records, with the columns the report reads
	local string // the subject's own addresses
	args  []any
}

// scanned are the columns the report reads; the scan selects only these
// so that the materialised records stay small.
const scanned = `srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, action, start, "end", interface_id, instance_id, account_id`

// inWindow keeps the records whose start is in [$2, $3).
const inWindow = `($2::BIGINT IS NULL OR start >= $2::BIGINT) AND ($3::BIGINT IS NULL OR start < $3::BIGINT)`

func newQueries(s Subject, w Window, maxPeers int) queries {
	if maxPeers <= 0 {
		maxPeers = 1 << 30
	}
	q := queries{args: []any{s.Value, unixOrNil(w.Since.Unix(), w.Since.IsZero()), unixOrNil(w.Until.Unix(), w.Until.IsZero()), int64(maxPeers)}}
	switch s.Kind {
	case "ip":
		// Two scans each with a filter on one column, which DuckDB
		// evaluates inside the Parquet reader, cost about half of one
		// scan with "srcaddr = $1 OR dstaddr = $1", which it cannot push
		// down and so evaluates on every record.
		q.scan = fmt.Sprintf(`SELECT %[1]s FROM flows WHERE srcaddr = $1 AND %[2]s
  UNION ALL
  SELECT %[1]s FROM flows WHERE dstaddr = $1 AND srcaddr IS DISTINCT FROM $1 AND %[2]s`, scanned, inWindow)
		q.local = "SELECT $1 AS a"
	case "eni":
		q.scan = fmt.Sprintf("SELECT %s FROM flows WHERE interface_id = $1 AND %s", scanned, inWindow)
		q.local = localAddresses
	case "instance":
		q.scan = fmt.Sprintf("SELECT %s FROM flows WHERE instance_id = $1 AND %s", scanned, inWindow)
		q.local = localAddresses
	case "workload":
		// The engine's flows are already narrowed to the workload; its own
		// addresses are every address its interfaces held.
		q.scan = fmt.Sprintf("SELECT %s FROM flows WHERE $1::VARCHAR IS NOT NULL AND %s", scanned, inWindow)
		q.local = "SELECT DISTINCT ip AS a FROM inv_addresses WHERE instance_name = $1"
	}
	return q
}

func unixOrNil(v int64, open bool) any {
	if open {
		return nil
	}
	return v
}

// localAddresses finds an interface's or instance's own address: the one
// on the most of its records (every record at an interface carries its
// address, except where NAT or secondary addresses are involved), private
// addresses first on a tie. Secondary addresses count as peers.
const localAddresses = `SELECT a FROM (
  SELECT a, row_number() OVER (ORDER BY count(*) DESC, NOT (a LIKE '10.%' OR a LIKE '192.168.%' OR regexp_matches(a, '^172\.(1[6-9]|2[0-9]|3[01])\.') OR a LIKE 'fd%'), a) AS rk
  FROM (SELECT srcaddr AS a FROM f UNION ALL SELECT dstaddr FROM f) WHERE a IS NOT NULL GROUP BY a)
WHERE rk = 1`

// column is one output column of a part of the report.
type column struct{ name, expr string }

// The report's three parts. Summary reads d (the subject's records with
// an address, each marked outbound or not) and p (one row per peer);
// peers read p; hourly reads d.
var (
	summaryColumns = []column{
		{"records", "(SELECT count(*) FROM f)"},
		{"rejected", "count(*) FILTER (WHERE action = 'REJECT')"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"peers", "(SELECT count(peer) FROM p)"},
		{"first_seen", "to_timestamp(min(start))"},
		{"last_seen", `to_timestamp(max("end"))`},
		{"addresses", "(SELECT list(a ORDER BY a) FROM l)"},
		{"interfaces", "list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL)"},
		{"instances", "list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL)"},
		{"accounts", "list(DISTINCT account_id ORDER BY account_id) FILTER (WHERE account_id IS NOT NULL)"},
	}
	// For a server its local ports are its services and the remote ones
	// its clients' ephemeral ports.
	peerAggregates = []column{
		{"peer", "CASE WHEN outbound THEN dstaddr ELSE srcaddr END"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"packets", "coalesce(sum(packets), 0)::BIGINT"},
		{"records", "count(*)"},
		{"protocols", "list(DISTINCT protocol ORDER BY protocol)"},
		{"local_ports", "list(DISTINCT CASE WHEN outbound THEN srcport ELSE dstport END ORDER BY CASE WHEN outbound THEN srcport ELSE dstport END)[1:10]"},
		{"remote_ports", "list(DISTINCT CASE WHEN outbound THEN dstport ELSE srcport END ORDER BY CASE WHEN outbound THEN dstport ELSE srcport END)[1:10]"},
		{"accepted", "count(*) FILTER (WHERE action = 'ACCEPT')"},
		{"rejected", "count(*) FILTER (WHERE action = 'REJECT')"},
		{"first_seen", "to_timestamp(min(start))"},
		{"last_seen", `to_timestamp(max("end"))`},
		{"interfaces", "list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL)"},
	}
	hourlyColumns = []column{
		// date_trunc('hour', to_timestamp(start)) in UTC, at a tenth of
		// its cost: whole hours in integers first.
		{"hour", "to_timestamp(start - (start % 3600 + 3600) % 3600)"},
		{"records", "count(*)"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"rejected", "count(*) FILTER (WHERE action = 'REJECT')"},
	}
)

// report is the whole pivot as one statement, so that the subject's
// records are read once: f holds them (materialised), d marks each
// outbound or not, p aggregates per peer, and the three parts come back
// as one result told apart by "part", in order by "rank".
func (q queries) report() string {
	return fmt.Sprintf(`WITH f AS MATERIALIZED (
  %s
), l AS (%s), d AS MATERIALIZED (
  SELECT f.*, srcaddr IN (SELECT a FROM l) AS outbound FROM f WHERE srcaddr IS NOT NULL
), p AS MATERIALIZED (
  SELECT %s FROM d GROUP BY 1
)
SELECT 'summary' AS part, 0 AS rank, %s FROM d
UNION ALL BY NAME
SELECT * FROM (SELECT 'peer' AS part, row_number() OVER (ORDER BY bytes_out + bytes_in DESC, records DESC, peer) AS rank, * FROM p) WHERE rank <= $4
UNION ALL BY NAME
SELECT 'hour' AS part, row_number() OVER (ORDER BY hour) AS rank, * FROM (SELECT %s FROM d GROUP BY 1)
ORDER BY part, rank`, q.scan, q.local, selectList(peerAggregates), selectList(summaryColumns), selectList(hourlyColumns))
}

func selectList(cols []column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.expr + " AS " + c.name
	}
	return strings.Join(parts, ",\n  ")
}

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}
