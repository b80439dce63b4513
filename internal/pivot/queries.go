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
  SELECT a, row_number() OVER (ORDER BY sum(n) DESC, NOT (a LIKE '10.%' OR a LIKE '192.168.%' OR regexp_matches(a, '^172\.(1[6-9]|2[0-9]|3[01])\.') OR a LIKE 'fd%'), a) AS rk
  FROM (SELECT srcaddr AS a, records AS n FROM g UNION ALL SELECT dstaddr, records FROM g) WHERE a IS NOT NULL GROUP BY a)
WHERE rk = 1`

// column is one output column of a part of the report.
type column struct{ name, expr string }

// The report's three parts, computed from d: the subject's records with
// an address, grouped by both ends, hour, verdict and where they were
// logged, each group marked outbound or not and with its peer.
var (
	summaryColumns = []column{
		{"records", "coalesce((SELECT sum(records) FROM g), 0)::BIGINT"},
		{"rejected", "coalesce(sum(records) FILTER (WHERE action = 'REJECT'), 0)::BIGINT"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"peers", "(SELECT count(peer) FROM p)"},
		{"first_seen", "to_timestamp(min(first))"},
		{"last_seen", "to_timestamp(max(last))"},
		{"addresses", "(SELECT list(a ORDER BY a) FROM l)"},
		{"interfaces", "list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL)"},
		{"instances", "list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL)"},
		{"accounts", "list(DISTINCT account_id ORDER BY account_id) FILTER (WHERE account_id IS NOT NULL)"},
	}
	// Per peer; the protocol and port lists come from pl.
	peerColumns = []column{
		{"peer", "d.peer"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"packets", "coalesce(sum(packets), 0)::BIGINT"},
		{"records", "sum(records)::BIGINT"},
		{"protocols", "any_value(pl.protocols)"},
		{"local_ports", "any_value(pl.local_ports)"},
		{"remote_ports", "any_value(pl.remote_ports)"},
		{"accepted", "coalesce(sum(records) FILTER (WHERE action = 'ACCEPT'), 0)::BIGINT"},
		{"rejected", "coalesce(sum(records) FILTER (WHERE action = 'REJECT'), 0)::BIGINT"},
		{"first_seen", "to_timestamp(min(first))"},
		{"last_seen", "to_timestamp(max(last))"},
		{"interfaces", "list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL)"},
	}
	hourlyColumns = []column{
		{"hour", "to_timestamp(hour)"},
		{"records", "sum(records)::BIGINT"},
		{"bytes_out", "coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT"},
		{"bytes_in", "coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT"},
		{"rejected", "coalesce(sum(records) FILTER (WHERE action = 'REJECT'), 0)::BIGINT"},
	}
)

// grouped reduces the subject's records to groups by both ends, hour
// (whole hours of start, rounded down also before 1970), verdict and
// where they were logged, keeping each group's distinct protocols and
// ports: every part of the report is computed from these few groups, so
// the records are read once and aggregated once.
func grouped(scan string) string {
	return `SELECT srcaddr, dstaddr, start - (start % 3600 + 3600) % 3600 AS hour, action, interface_id, instance_id, account_id,
    count(*) AS records, sum(bytes) AS bytes, sum(packets) AS packets, min(start) AS first, max("end") AS last,
    list(DISTINCT protocol) AS protocols, list(DISTINCT srcport) AS srcports, list(DISTINCT dstport) AS dstports
  FROM (` + scan + `) GROUP BY ALL`
}

// peerLists merges the groups' protocol and port lists per peer. For a
// server its local ports are its services and the remote ones its
// clients' ephemeral ports. Unnesting keeps a NULL (a field the log
// format lacks) as the records' own lists would; list_sort puts it last
// as ORDER BY does. (Sorting after DISTINCT, not in the aggregate: an
// ordered aggregate costs about half a second per million values.)
const peerLists = `SELECT peer,
    list_sort(list(v) FILTER (WHERE k = 0)) AS protocols,
    list_sort(list(v) FILTER (WHERE k = 1))[1:10] AS local_ports,
    list_sort(list(v) FILTER (WHERE k = 2))[1:10] AS remote_ports
  FROM (SELECT DISTINCT * FROM (SELECT peer, 0 AS k, unnest(protocols) AS v FROM d
    UNION ALL SELECT peer, 1, unnest(CASE WHEN outbound THEN srcports ELSE dstports END) FROM d
    UNION ALL SELECT peer, 2, unnest(CASE WHEN outbound THEN dstports ELSE srcports END) FROM d))
  GROUP BY peer`

// report is the whole pivot as one statement: the parts come back as
// one result told apart by "part", in order by "rank". A peer may be
// NULL (an outbound record with no destination), hence the join on IS
// NOT DISTINCT FROM.
func (q queries) report() string {
	return `WITH g AS MATERIALIZED (
  ` + grouped(q.scan) + fmt.Sprintf(`
), l AS (%s), d AS MATERIALIZED (
  SELECT *, CASE WHEN outbound THEN dstaddr ELSE srcaddr END AS peer
  FROM (SELECT g.*, srcaddr IN (SELECT a FROM l) AS outbound FROM g WHERE srcaddr IS NOT NULL)
), pl AS (
  %s
), p AS MATERIALIZED (
  SELECT %s FROM d JOIN pl ON d.peer IS NOT DISTINCT FROM pl.peer GROUP BY d.peer
)
SELECT 'summary' AS part, 0 AS rank, %s FROM d
UNION ALL BY NAME
SELECT * FROM (SELECT 'peer' AS part, row_number() OVER (ORDER BY bytes_out + bytes_in DESC, records DESC, peer) AS rank, * FROM p) WHERE rank <= $4
UNION ALL BY NAME
SELECT 'hour' AS part, row_number() OVER (ORDER BY hour) AS rank, * FROM (SELECT %s FROM d GROUP BY d.hour)
ORDER BY part, rank`, q.local, peerLists, selectList(peerColumns), selectList(summaryColumns), selectList(hourlyColumns))
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
