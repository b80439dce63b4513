package rollup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/flowtrail/flowtrail/internal/lake"
)

// Options bound the DuckDB that builds rollups.
type Options struct {
	MemoryLimit string // DuckDB memory_limit; "" is 1GB. Beyond it DuckDB spills to the temp directory.
}

// Refresh rebuilds, before w commits, the rollup of every flows partition
// whose live files are not the ones its rollup was computed from (new
// files, rewritten files, or no rollup yet), and drops the rollups of
// partitions that no longer have flows. Rows of replaced sources must
// already be gone (lake.Writer.DropReplaced).
func Refresh(ctx context.Context, w *lake.Writer, opts Options) error {
	m := w.Manifest()
	flows, rolled := m.Partitions(lake.TableFlows), rollups(m)
	var stale []string
	for dir, files := range flows {
		if f, ok := rolled[dir]; !ok || !f.Fresh(files) {
			stale = append(stale, dir)
		}
	}
	for dir := range rolled {
		if _, ok := flows[dir]; !ok {
			w.DropDerived(lake.TableFlowsRollup, dir, "")
		}
	}
	if len(stale) == 0 {
		return nil
	}
	slices.Sort(stale)
	db, err := open(opts)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, dir := range stale {
		if err := build(ctx, db, w, dir, flows[dir]); err != nil {
			return err
		}
	}
	return nil
}

func open(opts Options) (*sql.DB, error) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("cannot start DuckDB to build rollups: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	limit := opts.MemoryLimit
	if limit == "" {
		limit = "1GB"
	}
	for _, s := range []string{"SET autoinstall_known_extensions=false", "SET autoload_known_extensions=false",
		"SET memory_limit=" + quote(limit), "SET temp_directory=" + quote(filepath.Join(os.TempDir(), "flowtrail-duckdb"))} {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("cannot set up DuckDB to build rollups (%s): %w", s, err)
		}
	}
	return db, nil
}

// build writes the rollup of one partition from its flows files and
// stages it in place of the partition's old one. Rows are sorted by
// address pair, so that a query grouping by pairs meets each pair's
// hours together (a third less CPU than in hour order); zstd makes the
// file a third smaller than LZ4 at the same query cost. DuckDB writes
// it and only DuckDB reads it, so parquet-go's LZ4 reading (see
// lake.checkReadable) does not matter here.
func build(ctx context.Context, db *sql.DB, w *lake.Writer, dir string, rel []string) error {
	files := make([]string, len(rel))
	for i, r := range rel {
		files[i] = filepath.Join(w.Dir(), filepath.FromSlash(r))
	}
	cols, err := columns(ctx, db, files)
	if err != nil {
		return fmt.Errorf("cannot build the rollup of flows/%s: %w", dir, err)
	}
	tmp, err := w.TempFile(lake.TableFlowsRollup, dir)
	if err != nil {
		return err
	}
	q := fmt.Sprintf(`COPY (SELECT %s FROM (SELECT %s FROM read_parquet(%s, union_by_name=true)) WHERE bytes IS NOT NULL
GROUP BY ALL ORDER BY srcaddr, dstaddr, hour, interface_id, pkt_srcaddr, pkt_dstaddr) TO %s (FORMAT parquet, COMPRESSION zstd)`,
		aggregate, selectNeeded(cols), listLiteral(files), quote(tmp))
	res, err := db.ExecContext(ctx, q)
	if err != nil {
		os.Remove(tmp)
		if overflow(err) {
			// Readers then aggregate the records, which stays exact.
			slog.Warn("a partition's hourly totals do not fit 64-bit integers: no rollup for it, queries read its records", "partition", "flows/"+dir, "err", err)
			w.DropDerived(lake.TableFlowsRollup, dir, "")
			return nil
		}
		return fmt.Errorf("cannot build the rollup of flows/%s: %w", dir, err)
	}
	rows, _ := res.RowsAffected()
	slog.Debug("rollup built", "partition", dir, "files", len(files), "rows", rows)
	return w.PlaceDerived(lake.TableFlowsRollup, dir, tmp, rows, rel)
}

func overflow(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && (de.Type == duckdb.ErrorTypeConversion || de.Type == duckdb.ErrorTypeOutOfRange)
}

// columns lists the leaf columns the files have between them.
func columns(ctx context.Context, db *sql.DB, files []string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT name FROM parquet_schema(%s) WHERE num_children IS NULL OR num_children = 0", listLiteral(files)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[name] = true
	}
	return out, rows.Err()
}

// selectNeeded reads the columns the aggregate needs, NULL for those no
// file has.
func selectNeeded(have map[string]bool) string {
	parts := make([]string, len(needed))
	for i, c := range needed {
		if have[c.name] {
			parts[i] = quoteIdent(c.name)
		} else {
			parts[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", c.typ, quoteIdent(c.name))
		}
	}
	return strings.Join(parts, ", ")
}

func listLiteral(paths []string) string {
	parts := make([]string, len(paths))
	for i, p := range paths {
		parts[i] = quote(p)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func quote(s string) string      { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
