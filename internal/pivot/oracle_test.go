package pivot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/pivot"
	"github.com/flowtrail/flowtrail/internal/source"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// The oracle answers the pivot's questions the plain way — one scan per
// question, the subject's records found with an OR over both ends — so
// that the one-statement report (two pushed-down scans, shared
// aggregates) is checked against an independent formulation.
const oracleRecords = `SELECT *, srcaddr = $1 AS outbound FROM flows WHERE (srcaddr = $1 OR dstaddr = $1)
  AND ($2::BIGINT IS NULL OR start >= $2::BIGINT) AND ($3::BIGINT IS NULL OR start < $3::BIGINT)`

var oracle = struct{ summary, peers, hourly string }{
	summary: `WITH f AS (` + oracleRecords + `), d AS (SELECT * FROM f WHERE srcaddr IS NOT NULL)
SELECT (SELECT count(*) FROM f) AS records, count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out, coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  count(DISTINCT CASE WHEN outbound THEN dstaddr ELSE srcaddr END) AS peers,
  to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen, [$1::VARCHAR] AS addresses,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interfaces,
  list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL) AS instances,
  list(DISTINCT account_id ORDER BY account_id) FILTER (WHERE account_id IS NOT NULL) AS accounts
FROM d`,
	peers: `WITH d AS (` + oracleRecords + ` AND srcaddr IS NOT NULL)
SELECT CASE WHEN outbound THEN dstaddr ELSE srcaddr END AS peer,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out, coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  coalesce(sum(packets), 0)::BIGINT AS packets, count(*) AS records,
  list(DISTINCT protocol ORDER BY protocol) AS protocols,
  list(DISTINCT CASE WHEN outbound THEN srcport ELSE dstport END ORDER BY CASE WHEN outbound THEN srcport ELSE dstport END)[1:10] AS local_ports,
  list(DISTINCT CASE WHEN outbound THEN dstport ELSE srcport END ORDER BY CASE WHEN outbound THEN dstport ELSE srcport END)[1:10] AS remote_ports,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted, count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interfaces
FROM d GROUP BY peer ORDER BY bytes_out + bytes_in DESC, records DESC, peer LIMIT $4`,
	hourly: `WITH d AS (` + oracleRecords + ` AND srcaddr IS NOT NULL)
SELECT date_trunc('hour', to_timestamp(start)) AS hour, count(*) AS records,
  coalesce(sum(bytes) FILTER (WHERE outbound), 0)::BIGINT AS bytes_out, coalesce(sum(bytes) FILTER (WHERE NOT outbound), 0)::BIGINT AS bytes_in,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected
FROM d GROUP BY ALL ORDER BY hour`,
}

// TestPivot_Oracle compares IP pivots on a generated estate with the
// oracle: the busiest address and a quiet one, whole and windowed, all
// peers and the top few.
func TestPivot_Oracle(t *testing.T) {
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	if _, err := gen.Generate(ctx, dir, gen.Config{Seed: 3, Scale: 0.05}); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	e := testlake.OpenDir(t, lakeDir)
	first := firstHour(t, e)
	windows := []pivot.Window{{}, {Since: first.Add(30 * time.Minute), Until: first.Add(150*time.Minute + 17*time.Second)}}
	busy, quiet := addresses(t, e, windows[1])
	for _, addr := range []string{busy, quiet} {
		for wi, w := range windows {
			for _, n := range []int{0, 3} {
				t.Run(fmt.Sprintf("%s/window%d/peers%d", addr, wi, n), func(t *testing.T) {
					comparePivot(t, e, addr, w, n)
				})
			}
		}
	}
}

func comparePivot(t *testing.T, e *engine.Engine, addr string, w pivot.Window, n int) {
	ctx := context.Background()
	s, err := pivot.NewSubject("ip", addr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pivot.Run(ctx, e, s, w, n)
	if err != nil {
		t.Fatal(err)
	}
	limit := int64(n)
	if n <= 0 {
		limit = 1 << 30
	}
	args := []any{addr, unix(w.Since), unix(w.Until), limit}
	want := query(t, e, oracle.summary, args)
	if len(want) != 1 {
		t.Fatalf("oracle summary has %d rows", len(want))
	}
	if diff := cmp.Diff(map[string]any(want[0]), got.Summary); diff != "" {
		t.Errorf("summary (-oracle +pivot):\n%s", diff)
	}
	if got.Summary["records"].(int64) == 0 {
		t.Errorf("no records: the case checks nothing")
	}
	if diff := cmp.Diff(query(t, e, oracle.peers, args), got.Peers); diff != "" {
		t.Errorf("peers (-oracle +pivot):\n%s", diff)
	}
	if diff := cmp.Diff(query(t, e, oracle.hourly, args), got.Hourly); diff != "" {
		t.Errorf("hourly (-oracle +pivot):\n%s", diff)
	}
}

func query(t *testing.T, e *engine.Engine, q string, args []any) []pivot.Row {
	t.Helper()
	res, err := e.QueryParams(context.Background(), q, 0, args...)
	if err != nil {
		t.Fatal(err)
	}
	out := []pivot.Row{}
	for _, r := range res.Rows {
		row := pivot.Row{}
		for i, c := range res.Columns {
			row[c] = r[i]
		}
		out = append(out, row)
	}
	return out
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// addresses picks the address on the most records in w and one on few
// (but more than a handful).
func addresses(t *testing.T, e *engine.Engine, w pivot.Window) (busy, quiet string) {
	t.Helper()
	res, err := e.QueryParams(context.Background(), `SELECT a, count(*) AS n FROM (SELECT srcaddr AS a, start FROM flows UNION ALL SELECT dstaddr, start FROM flows)
WHERE a IS NOT NULL AND start >= $1 AND start < $2 GROUP BY a ORDER BY n DESC, a`, 0, w.Since.Unix(), w.Until.Unix())
	if err != nil || len(res.Rows) < 10 {
		t.Fatalf("cannot pick addresses: %v", err)
	}
	busy = res.Rows[0][0].(string)
	for _, r := range res.Rows {
		if r[1].(int64) >= 20 {
			quiet = r[0].(string)
		}
	}
	return busy, quiet
}

func firstHour(t *testing.T, e *engine.Engine) time.Time {
	t.Helper()
	res, err := e.Query(context.Background(), "SELECT min(start) FROM flows", 0)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(res.Rows[0][0].(int64), 0).UTC().Truncate(time.Hour)
}

// TestPivot_OddRecords: a record from the subject to itself is counted
// once, one whose source is unknown counts among the records but has no
// peer, and one with no destination has a NULL peer; the oracle agrees.
func TestPivot_OddRecords(t *testing.T) {
	e := testlake.Open(t, `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111111111111 eni-0a 10.0.0.9 10.0.0.9 5000 5000 17 3 300 1793750400 1793750460 ACCEPT OK
2 111111111111 eni-0a - 10.0.0.9 - - - 2 200 1793750400 1793750460 ACCEPT OK
2 111111111111 eni-0a 10.0.0.9 10.0.0.1 40000 443 6 5 500 1793754000 1793754060 REJECT OK
2 111111111111 eni-0a 10.0.0.9 - - - - 1 60 1793754000 1793754060 ACCEPT OK
`)
	comparePivot(t, e, "10.0.0.9", pivot.Window{}, 0)
	r := run(t, e, "ip", "10.0.0.9", pivot.Window{})
	check(t, "records", r.Summary["records"], int64(4))
	check(t, "peers", r.Summary["peers"], int64(2))
	if len(r.Peers) != 3 {
		t.Errorf("%d peer rows, want 3 (one of them NULL)", len(r.Peers))
	}
}
