// Command query benchmarks flowtrail's queries on a generated estate
// against DuckDB over a naive Parquet copy of the same records (one file,
// in the raw files' order, no partitions), side by side in one run, and
// prints seconds per query and per 100 M records.
//
//	go run ./bench/query -scale 250     # about 50 M flow records
package main

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/pivot"
	"github.com/flowtrail/flowtrail/internal/source"
)

func main() {
	scale := flag.Float64("scale", 250, "estate scale (1 ≈ 200k flow records)")
	work := flag.String("dir", "", "work directory, reused between runs (default: a new temporary one)")
	flag.IntVar(&runs, "runs", 3, "runs of each query on each side; the median is printed")
	only := flag.String("only", "", "run only the queries whose name matches this regular expression")
	flag.Parse()
	var err error
	if pick, err = regexp.Compile(*only); err != nil {
		log.Fatal(err)
	}
	if err := run(context.Background(), *scale, *work); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, scale float64, work string) error {
	if work == "" {
		d, err := os.MkdirTemp("", "ftqbench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	lakeDir, naive, err := prepare(ctx, scale, work)
	if err != nil {
		return err
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		return err
	}
	defer e.Close()
	base, err := openNaive(naive)
	if err != nil {
		return err
	}
	defer base.Close()
	var records int64
	if err := base.QueryRow("SELECT count(*) FROM flows").Scan(&records); err != nil {
		return err
	}
	return compare(ctx, e, base, records)
}

// prepare generates, ingests and writes the naive copy once per work dir.
func prepare(ctx context.Context, scale float64, work string) (lakeDir, naive string, err error) {
	estate, lakeDir, naive := filepath.Join(work, "estate"), filepath.Join(work, "lake"), filepath.Join(work, "naive.parquet")
	_, lakeErr := os.Stat(filepath.Join(lakeDir, "manifest.json"))
	if _, err := os.Stat(naive); err == nil && lakeErr == nil {
		return lakeDir, naive, nil
	}
	if _, err := gen.Generate(ctx, estate, gen.Config{Seed: 1, Scale: scale}); err != nil {
		return "", "", err
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(estate, "AWSLogs")}}}); err != nil {
		return "", "", err
	}
	os.RemoveAll(estate)
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		return "", "", err
	}
	defer e.Close()
	db, err := openNaive("")
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	// The copy sorts 50 M records: spill beyond 2 GB rather than take
	// most of a shared machine's memory.
	if _, err := db.Exec(fmt.Sprintf("SET memory_limit='2GB'; SET temp_directory='%s'", filepath.Join(work, "spill"))); err != nil {
		return "", "", err
	}
	files := fmt.Sprintf("'%s/flows/**/*.parquet'", lakeDir)
	q := fmt.Sprintf("COPY (SELECT * EXCLUDE (source_id, source_line) FROM read_parquet(%s, union_by_name=true) ORDER BY source_id, source_line) TO '%s' (FORMAT parquet)", files, naive)
	if _, err := db.Exec(q); err != nil {
		return "", "", fmt.Errorf("cannot write the naive copy: %w", err)
	}
	return lakeDir, naive, nil
}

func openNaive(path string) (*sql.DB, error) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	if path != "" {
		// The raw files have no provenance columns; NULLs keep the
		// queries that select them runnable.
		if _, err := db.Exec(fmt.Sprintf("CREATE VIEW flows AS SELECT *, NULL::BIGINT AS source_id, NULL::BIGINT AS source_line FROM read_parquet('%s')", path)); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// compare times each named query and an IP pivot on both sides.
func compare(ctx context.Context, e *engine.Engine, base *sql.DB, records int64) error {
	fmt.Printf("%d flow records; median of %d runs, at most %d rows read; CPU-seconds of the process (getrusage) and wall seconds;\n", records, runs, maxRows)
	fmt.Printf("ratio = flowtrail CPU / naive CPU; per 100 M = flowtrail's seconds scaled to 100 M records\n")
	fmt.Printf("%-44s %8s %8s %6s %8s %8s %9s %9s\n", "query", "ft cpu", "nv cpu", "ratio", "ft wall", "nv wall", "cpu/100M", "wall/100M")
	addr, err := busiestAddress(ctx, e)
	if err != nil {
		return err
	}
	for _, q := range named.All() {
		if !pick.MatchString(q.Name) {
			continue
		}
		sqlText, args, err := q.Bind(map[string]string{"addr": addr, "srcaddr": addr, "dstaddr": addr}, time.Time{}, time.Time{})
		if err != nil {
			fmt.Printf("%-44s skipped: %v\n", q.Name, err)
			continue
		}
		baseText := cmp.Or(fromRecords[q.Name], sqlText)
		if err := agree(ctx, e, base, sqlText, baseText, args); err != nil {
			fmt.Printf("%-44s %v\n", q.Name, err)
		}
		ft := measure(func() error { _, err := e.QueryParams(ctx, sqlText, maxRows, args...); return err })
		nv := measure(func() error { return drain(base, baseText, args...) })
		report(q.Name, ft, nv, records)
	}
	if !pick.MatchString("pivot") {
		return nil
	}
	s, _ := pivot.NewSubject("ip", addr)
	ft := measure(func() error { _, err := pivot.Run(ctx, e, s, pivot.Window{}, 50); return err })
	nv := measure(func() error { return naivePivot(base, addr) })
	report("ip pivot "+addr, ft, nv, records)
	return nil
}

// agree checks that both sides give the same rows, for results without
// provenance columns (the naive copy has none, so listings ordered on
// them may order ties differently).
func agree(ctx context.Context, e *engine.Engine, base *sql.DB, ftText, baseText string, args []any) error {
	ft, err := e.QueryParams(ctx, ftText, maxRows, args...)
	if err != nil {
		return err
	}
	if slices.Contains(ft.Columns, "source_id") {
		return nil
	}
	rows, err := base.QueryContext(ctx, engine.FirstRows(baseText, maxRows), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var nv [][]any
	for len(nv) < maxRows && rows.Next() {
		r := make([]any, len(ft.Columns))
		ptrs := make([]any, len(r))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		nv = append(nv, r)
	}
	if fmt.Sprint(nv) != fmt.Sprint(ft.Rows) {
		return fmt.Errorf("RESULTS DIFFER from the naive side's")
	}
	return rows.Err()
}

// fromRecords answers, from the records, the named queries that read
// flowtrail's rollup: the same question as the naive side would ask it
// (the named queries' text before the rollup existed).
var fromRecords = map[string]string{
	"VpcFlowLogsTotalBytesTransferred": `SELECT srcaddr, dstaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY srcaddr, dstaddr
ORDER BY total_bytes DESC, srcaddr, dstaddr
LIMIT $limit`,
	"VpcFlowLogsTotalBytesTransferredPacketLevel": `SELECT pkt_srcaddr, pkt_dstaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND pkt_srcaddr IS NOT NULL AND pkt_dstaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY pkt_srcaddr, pkt_dstaddr
ORDER BY total_bytes DESC, pkt_srcaddr, pkt_dstaddr
LIMIT $limit`,
	"VpcFlowLogsTopTalkers": `SELECT srcaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND srcaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY srcaddr
ORDER BY total_bytes DESC, srcaddr
LIMIT $limit`,
	"VpcFlowLogsTopTalkersPacketLevel": `SELECT pkt_srcaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND pkt_srcaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY pkt_srcaddr
ORDER BY total_bytes DESC, pkt_srcaddr
LIMIT $limit`,
	"DataRatio": `WITH pairs AS (
  SELECT srcaddr, dstaddr, count(*) AS records, sum(bytes)::BIGINT AS total_bytes,
    min(start) AS first, max("end") AS last, count(DISTINCT interface_id) AS interfaces
  FROM flows
  WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
    AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND bytes IS NOT NULL
    AND ($addr::VARCHAR[] IS NULL OR list_contains($addr::VARCHAR[], srcaddr) OR list_contains($addr::VARCHAR[], dstaddr))
  GROUP BY srcaddr, dstaddr
)
SELECT p.srcaddr, p.dstaddr, p.records, p.total_bytes, coalesce(r.total_bytes, 0) AS reverse_bytes,
  p.total_bytes // p.records AS data_ratio, to_timestamp(p.first) AS first_seen, to_timestamp(p.last) AS last_seen, p.interfaces
FROM pairs p LEFT JOIN pairs r ON r.srcaddr = p.dstaddr AND r.dstaddr = p.srcaddr
ORDER BY p.total_bytes DESC, p.srcaddr, p.dstaddr`,
}

// naivePivot answers the pivot's three questions — summary, peers,
// hourly activity — over the naive copy, each as its own query as an
// analyst would write them.
func naivePivot(db *sql.DB, addr string) error {
	for _, q := range naivePivotQueries {
		if err := drainAll(db, q, addr); err != nil {
			return err
		}
	}
	return nil
}

var naivePivotQueries = []string{
	`SELECT count(*), count(*) FILTER (WHERE action = 'REJECT'), sum(bytes) FILTER (WHERE srcaddr = $1), sum(bytes) FILTER (WHERE dstaddr = $1),
  count(DISTINCT CASE WHEN srcaddr = $1 THEN dstaddr ELSE srcaddr END), min(start), max("end"),
  list(DISTINCT interface_id), list(DISTINCT instance_id), list(DISTINCT account_id)
FROM flows WHERE srcaddr = $1 OR dstaddr = $1`,
	`SELECT CASE WHEN srcaddr = $1 THEN dstaddr ELSE srcaddr END AS peer, sum(bytes) FILTER (WHERE srcaddr = $1) AS bytes_out,
  sum(bytes) FILTER (WHERE dstaddr = $1) AS bytes_in, sum(packets), count(*) AS records, list(DISTINCT protocol),
  list(DISTINCT CASE WHEN srcaddr = $1 THEN srcport ELSE dstport END)[1:10], list(DISTINCT CASE WHEN srcaddr = $1 THEN dstport ELSE srcport END)[1:10],
  count(*) FILTER (WHERE action = 'ACCEPT'), count(*) FILTER (WHERE action = 'REJECT'), min(start), max("end"), list(DISTINCT interface_id)
FROM flows WHERE srcaddr = $1 OR dstaddr = $1 GROUP BY peer ORDER BY coalesce(bytes_out, 0) + coalesce(bytes_in, 0) DESC, records DESC LIMIT 50`,
	`SELECT date_trunc('hour', to_timestamp(start)) AS hour, count(*), sum(bytes) FILTER (WHERE srcaddr = $1), sum(bytes) FILTER (WHERE dstaddr = $1),
  count(*) FILTER (WHERE action = 'REJECT')
FROM flows WHERE srcaddr = $1 OR dstaddr = $1 GROUP BY ALL ORDER BY hour`,
}

func busiestAddress(ctx context.Context, e *engine.Engine) (string, error) {
	res, err := e.Query(ctx, "SELECT srcaddr FROM flows WHERE srcaddr IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", 0)
	if err != nil || len(res.Rows) == 0 {
		return "", fmt.Errorf("cannot find an address to pivot on: %v", err)
	}
	return res.Rows[0][0].(string), nil
}

// maxRows caps what each side reads of a result: listing queries return
// tens of millions of rows, and an analyst reads the first screenful.
// Both sides stop at the same row count, and both tell DuckDB so the
// same way (engine.FirstRows), as an analyst's client would.
const maxRows = 1000

var (
	runs = 3
	pick *regexp.Regexp
)

func drain(db *sql.DB, q string, args ...any) error {
	return drainAll(db, engine.FirstRows(q, maxRows), args...)
}

func drainAll(db *sql.DB, q string, args ...any) error {
	rows, err := db.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for n := 0; n < maxRows && rows.Next(); n++ {
	}
	return rows.Err()
}

// cost is one query's median wall time and CPU time. The machine is
// shared, so CPU time (user + system of the whole process, every DuckDB
// thread) is the steadier figure.
type cost struct{ wall, cpu time.Duration }

func measure(f func() error) cost {
	var walls, cpus []time.Duration
	for range runs {
		c0, w0 := cpuTime(), time.Now()
		if err := f(); err != nil {
			log.Printf("query failed: %v", err)
			return cost{-1, -1}
		}
		walls, cpus = append(walls, time.Since(w0)), append(cpus, cpuTime()-c0)
	}
	return cost{middle(walls), middle(cpus)}
}

func middle(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report prints one line; ratio is flowtrail's CPU time over the
// baseline's (below 1: flowtrail is faster).
func report(name string, ft, nv cost, records int64) {
	per100M := func(d time.Duration) float64 { return d.Seconds() * 1e8 / float64(records) }
	ratio := "-"
	if nv.cpu > 0 && ft.cpu > 0 {
		ratio = fmt.Sprintf("%.2f", ft.cpu.Seconds()/nv.cpu.Seconds())
	}
	fmt.Printf("%-44s %7.2fs %7.2fs %6s %7.2fs %7.2fs %8.2fs %8.2fs\n", name, ft.cpu.Seconds(), nv.cpu.Seconds(), ratio,
		ft.wall.Seconds(), nv.wall.Seconds(), per100M(ft.cpu), per100M(ft.wall))
}
