// Package engine opens DuckDB over the lake's live files and runs SQL on
// them, read-only.
package engine

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/flowtrail/flowtrail/internal/inventory"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// Options bound what a query may use.
type Options struct {
	MemoryLimit string        // DuckDB memory_limit, e.g. "4GB"
	Threads     int           // 0: DuckDB's default
	Timeout     time.Duration // per query; 0: none
	// Workload narrows the flows view (and every view over it) to the
	// records of the interfaces that carried this Name tag while they did.
	Workload string
	// NoRollup reads flows_rollup(since, until) from the records even
	// where the lake's rollup is current: to check one against the other.
	NoRollup bool
}

// Engine is an in-memory DuckDB whose views read the files the lake's
// manifest listed when it was opened.
type Engine struct {
	db       *sql.DB
	conn     *sql.Conn
	dir      string
	manifest *lake.Manifest
	opts     Options
	split    *splitter
	inv      *inventory.Inventory
}

// Open builds the views over the lake at dir and locks the session down:
// no file access outside the lake, no configuration changes.
func Open(ctx context.Context, dir string, opts Options) (*Engine, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve lake %s: %w", dir, err)
	}
	m, err := lake.ReadManifest(abs)
	if err != nil {
		return nil, err
	}
	if m.Generation == 0 {
		return nil, fmt.Errorf("%s holds no lake yet: run `flowtrail ingest --lake %s <path>` first", dir, dir)
	}
	e := &Engine{dir: abs, manifest: m, opts: opts}
	if err := e.connect(ctx); err != nil {
		return nil, err
	}
	if err := e.setup(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) connect(ctx context.Context) error {
	split, err := newSplitter()
	if err != nil {
		return err
	}
	e.split = split
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return fmt.Errorf("cannot start DuckDB: %w", err)
	}
	e.db = sql.OpenDB(c)
	e.conn, err = e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot connect to DuckDB: %w", err)
	}
	return nil
}

func (e *Engine) setup(ctx context.Context) error {
	// Spill to the system's temporary directory, not ".tmp" in whatever
	// directory the analyst happens to be in.
	// Footers are cached across queries: the lake is hundreds of files,
	// each one's footer otherwise read and parsed by every query (the
	// prompt, the web UI and multi-query analyses run many).
	stmts := []string{"SET autoinstall_known_extensions=false", "SET autoload_known_extensions=false",
		fmt.Sprintf("SET temp_directory=%s", quote(filepath.Join(os.TempDir(), "flowtrail-duckdb"))),
		"SET parquet_metadata_cache=true"}
	if e.opts.MemoryLimit != "" {
		stmts = append(stmts, fmt.Sprintf("SET memory_limit=%s", quote(e.opts.MemoryLimit)))
	}
	if e.opts.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads=%d", e.opts.Threads))
	}
	views, err := e.viewStatements(ctx)
	if err != nil {
		return err
	}
	stmts = append(stmts, withCompat(views)...)
	if err := e.exec(ctx, stmts); err != nil {
		return err
	}
	if err := e.buildInventory(ctx); err != nil {
		return err
	}
	if err := e.narrowToWorkload(ctx); err != nil {
		return err
	}
	return e.exec(ctx, append(inventoryViews,
		fmt.Sprintf("SET allowed_directories=[%s]", quote(e.dir+"/")),
		"SET enable_external_access=false",
		"SET lock_configuration=true"))
}

func (e *Engine) exec(ctx context.Context, stmts []string) error {
	for _, s := range stmts {
		if _, err := e.conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("cannot prepare engine (%s): %w", firstLine(s), err)
		}
	}
	return nil
}

// narrowToWorkload swaps the flows view for one filtered to the
// workload; the views built over flows follow it by name.
func (e *Engine) narrowToWorkload(ctx context.Context) error {
	w := e.opts.Workload
	if w == "" {
		return nil
	}
	if !slices.ContainsFunc(e.inv.Interfaces, func(i inventory.Interface) bool { return i.Name == w }) {
		return fmt.Errorf("no interface carried the Name tag %q in the lake's CloudTrail or snapshots; known workloads: %s", w, strings.Join(e.inv.Workloads(), ", "))
	}
	one := func(yield func([]any) bool) { yield([]any{w}) }
	if _, err := e.LoadTable(ctx, "inv_workload", []ColumnDef{{"name", "VARCHAR"}}, one); err != nil {
		return err
	}
	return e.exec(ctx, []string{"ALTER VIEW flows RENAME TO flows_all", workloadFilter})
}

// Close releases DuckDB.
func (e *Engine) Close() error {
	if e.split != nil {
		e.split.close()
	}
	if e.conn != nil {
		e.conn.Close()
	}
	if e.db != nil {
		return e.db.Close()
	}
	return nil
}

// Manifest is the manifest the views were built from.
func (e *Engine) Manifest() *lake.Manifest { return e.manifest }

// Result is a query's columns and rows.
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// ErrNotReadOnly is returned for a statement other than a query.
var ErrNotReadOnly = errors.New("only read-only queries (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN) may run")

// Query runs one read-only statement and returns at most maxRows rows
// (0: all).
func (e *Engine) Query(ctx context.Context, q string, maxRows int) (*Result, error) {
	return e.QueryParams(ctx, q, maxRows)
}

// collect reads at most maxRows rows (0: all). Values are what
// database/sql would scan into *any: DuckDB's own types, byte slices
// copied.
func collect(ctx context.Context, rows driver.Rows, maxRows int) (*Result, error) {
	res := &Result{Columns: rows.Columns()}
	if tn, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		for i := range res.Columns {
			res.Types = append(res.Types, tn.ColumnTypeDatabaseTypeName(i))
		}
	}
	for maxRows <= 0 || len(res.Rows) < maxRows {
		if len(res.Rows)%4096 == 4095 && ctx.Err() != nil {
			return nil, fmt.Errorf("query failed: %w", ctx.Err())
		}
		vals := make([]driver.Value, len(res.Columns))
		err := rows.Next(vals)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read row: %w", err)
		}
		res.Rows = append(res.Rows, row(vals))
	}
	return res, nil
}

func row(vals []driver.Value) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = bytes.Clone(b)
		}
		out[i] = v
	}
	return out
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
