// Command query benchmarks flowtrail's queries on a generated estate
// against DuckDB over a naive Parquet copy of the same records (one file,
// in the raw files' order, no partitions), side by side in one run, and
// prints seconds per query and per 100 M records.
//
//	go run ./bench/query -scale 250     # about 50 M flow records
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
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
	flag.Parse()
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
	fmt.Printf("%d flow records; seconds per query (median of 3; at most %d rows read), and per 100 M records\n", records, maxRows)
	fmt.Printf("%-36s %10s %10s %12s %8s\n", "query", "flowtrail", "naive", "ft/100M", "ratio")
	addr, err := busiestAddress(ctx, e)
	if err != nil {
		return err
	}
	for _, q := range named.All() {
		sqlText, args, err := q.Bind(map[string]string{"addr": addr, "srcaddr": addr, "dstaddr": addr}, time.Time{}, time.Time{})
		if err != nil {
			fmt.Printf("%-36s skipped: %v\n", q.Name, err)
			continue
		}
		ft := median(func() error { _, err := e.QueryParams(ctx, sqlText, maxRows, args...); return err })
		nv := median(func() error { return drain(base, sqlText, args...) })
		report(q.Name, ft, nv, records)
	}
	s, _ := pivot.NewSubject("ip", addr)
	ft := median(func() error { _, err := pivot.Run(ctx, e, s, pivot.Window{}, 50); return err })
	report("ip pivot "+addr, ft, 0, records)
	return nil
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

func drain(db *sql.DB, q string, args ...any) error {
	rows, err := db.Query(engine.FirstRows(q, maxRows), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for n := 0; n < maxRows && rows.Next(); n++ {
	}
	return rows.Err()
}

func median(f func() error) time.Duration {
	var ds []time.Duration
	for range 3 {
		start := time.Now()
		if err := f(); err != nil {
			log.Printf("query failed: %v", err)
			return -1
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[1]
}

func report(name string, ft, nv time.Duration, records int64) {
	per100M := ft.Seconds() * 1e8 / float64(records)
	ratio := "-"
	if nv > 0 && ft > 0 {
		ratio = fmt.Sprintf("%.2fx", nv.Seconds()/ft.Seconds())
	}
	fmt.Printf("%-36s %9.2fs %9.2fs %11.2fs %8s\n", name, ft.Seconds(), nv.Seconds(), per100M, ratio)
}
