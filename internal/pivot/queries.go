package pivot

import "fmt"

// queries builds a pivot's SQL. User input only ever travels as bound
// parameters: $1 the subject, $2 and $3 the window bounds in Unix
// seconds (NULL when open).
type queries struct {
	filter string // which records concern the subject
	local  string // the subject's own addresses
	args   []any
}

func newQueries(s Subject, w Window) queries {
	q := queries{args: []any{s.Value, unixOrNil(w.Since.Unix(), w.Since.IsZero()), unixOrNil(w.Until.Unix(), w.Until.IsZero())}}
	switch s.Kind {
	case "ip":
		q.filter = "(srcaddr = $1 OR dstaddr = $1)"
		q.local = "SELECT $1 AS a"
	case "eni":
		q.filter = "interface_id = $1"
		q.local = localAddresses
	case "instance":
		q.filter = "instance_id = $1"
		q.local = localAddresses
	case "workload":
		// The engine's flows are already narrowed to the workload; its own
		// addresses are every address its interfaces held.
		q.filter = "$1::VARCHAR IS NOT NULL"
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

func (q queries) with() string {
	return fmt.Sprintf(`WITH f AS (
  SELECT * FROM flows WHERE %s AND ($2::BIGINT IS NULL OR start >= $2::BIGINT) AND ($3::BIGINT IS NULL OR start < $3::BIGINT)
), l AS (%s), d AS (
  SELECT f.*, srcaddr IN (SELECT a FROM l) AS outbound FROM f WHERE srcaddr IS NOT NULL
)`, q.filter, q.local)
}

func (q queries) summary() string {
	return q.with() + `
SELECT (SELECT count(*) FROM f) AS records,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out,
  coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  count(DISTINCT CASE WHEN outbound THEN dstaddr ELSE srcaddr END) AS peers,
  to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen,
  (SELECT list(a ORDER BY a) FROM l) AS addresses,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interfaces,
  list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL) AS instances,
  list(DISTINCT account_id ORDER BY account_id) FILTER (WHERE account_id IS NOT NULL) AS accounts
FROM d`
}

// peers has one row per peer with both directions' volumes, and the
// ports on each side: for a server its local ports are its services and
// the remote ones its clients' ephemeral ports.
func (q queries) peers(limit int) string {
	if limit <= 0 {
		limit = 1 << 30
	}
	return q.with() + fmt.Sprintf(`
SELECT CASE WHEN outbound THEN dstaddr ELSE srcaddr END AS peer,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out,
  coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  coalesce(sum(packets), 0)::BIGINT AS packets, count(*) AS records,
  list(DISTINCT protocol ORDER BY protocol) AS protocols,
  list(DISTINCT CASE WHEN outbound THEN srcport ELSE dstport END ORDER BY CASE WHEN outbound THEN srcport ELSE dstport END)[1:10] AS local_ports,
  list(DISTINCT CASE WHEN outbound THEN dstport ELSE srcport END ORDER BY CASE WHEN outbound THEN dstport ELSE srcport END)[1:10] AS remote_ports,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted, count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interfaces
FROM d GROUP BY peer ORDER BY bytes_out + bytes_in DESC, records DESC, peer LIMIT %d`, limit)
}

func (q queries) hourly() string {
	return q.with() + `
SELECT date_trunc('hour', to_timestamp(start)) AS hour, count(*) AS records,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out,
  coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected
FROM d GROUP BY ALL ORDER BY hour`
}
