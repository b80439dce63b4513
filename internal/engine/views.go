package engine

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/rollup"
)

// hiveTypes keeps partition values as AWS means them: account IDs are
// strings (leading zeros are real), dates are integers.
const hiveTypes = `hive_types={'aws-account-id': VARCHAR, 'aws-region': VARCHAR, 'year': INTEGER, 'month': INTEGER, 'day': INTEGER}`

// partitionColumns renames the Hive keys to SQL-friendly names.
const partitionColumns = `"aws-account-id" AS aws_account_id, "aws-region" AS aws_region, year, month, day`

func (e *Engine) viewStatements(ctx context.Context) ([]string, error) {
	var out []string
	for _, v := range []struct {
		view, table string
		t           flowlog.Table
	}{{"flows", lake.TableFlows, flowlog.VPC}, {"tgw_flows", lake.TableTGWFlows, flowlog.TGW}} {
		s, err := e.flowView(ctx, v.view, v.table, v.t)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return append(out, e.cloudTrailView(), e.snapshotsView(), e.rejectsView(), conversationsView, e.rollupMacro()), nil
}

// rollupMacro defines flows_rollup(since, until) over the lake's rollup
// files when every partition's is current, else over the records. A
// workload narrows flows, which the rollup cannot follow: the records
// are read then.
func (e *Engine) rollupMacro() string {
	rel, ok := rollup.Current(e.manifest)
	if !ok || e.opts.Workload != "" || e.opts.NoRollup {
		return rollup.Macro(nil)
	}
	return rollup.Macro(e.paths(rel))
}

// fileList renders the live files of a table as a DuckDB list literal.
func (e *Engine) fileList(table string) (string, bool) {
	rel := e.manifest.FilesOf(table)
	if len(rel) == 0 {
		return "", false
	}
	return listLiteral(e.paths(rel)), true
}

func (e *Engine) paths(rel []string) []string {
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = filepath.Join(e.dir, filepath.FromSlash(r))
	}
	return out
}

func listLiteral(paths []string) string {
	parts := make([]string, len(paths))
	for i, p := range paths {
		parts[i] = quote(p)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// flowView selects every catalogue column in catalogue order — NULL
// where no file has it (files carry only the fields their sources had) —
// then any unknown fields the files carry as text, then provenance and
// the partition keys.
func (e *Engine) flowView(ctx context.Context, view, table string, t flowlog.Table) (string, error) {
	present := map[string]bool{}
	var groups []schemaGroup
	if rel := e.manifest.FilesOf(table); len(rel) > 0 {
		var err error
		if groups, err = e.schemaGroups(ctx, e.paths(rel)); err != nil {
			return "", err
		}
		for _, g := range groups {
			for _, c := range g.columns {
				present[c] = true
			}
		}
	}
	var sel []string
	known := map[string]bool{}
	for _, id := range flowlog.Columns(t) {
		f := flowlog.Catalogue[id]
		known[f.Column] = true
		if present[f.Column] {
			sel = append(sel, quoteIdent(f.Column))
			continue
		}
		sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", sqlType(f.Kind), quoteIdent(f.Column)))
	}
	for _, c := range e.sortedExtra(present, known) {
		sel = append(sel, quoteIdent(c))
	}
	if len(groups) == 0 {
		return fmt.Sprintf("CREATE VIEW %s AS SELECT %s, CAST(NULL AS BIGINT) AS source_id, CAST(NULL AS BIGINT) AS source_line, %s WHERE false",
			view, strings.Join(sel, ", "), emptyPartitions), nil
	}
	return fmt.Sprintf("CREATE VIEW %s AS SELECT %s, source_id, source_line, %s\nFROM %s",
		view, strings.Join(sel, ", "), partitionColumns, groupScan(groups)), nil
}

// schemaGroup is a set of files with the same columns.
type schemaGroup struct {
	columns []string
	files   []string
}

// groupScan reads each group of files with one read_parquet and unites
// the groups by column name. Within a group DuckDB binds with the first
// file's footer; union_by_name over all files would read every footer
// each time a query is bound (about 60 ms for 300 files, twice per query).
func groupScan(groups []schemaGroup) string {
	if len(groups) == 1 {
		return fmt.Sprintf("read_parquet(%s, hive_partitioning=true, %s)", listLiteral(groups[0].files), hiveTypes)
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("SELECT * FROM read_parquet(%s, hive_partitioning=true, %s)", listLiteral(g.files), hiveTypes)
	}
	return "(" + strings.Join(parts, "\nUNION ALL BY NAME\n") + ")"
}

// schemaGroups reads the files' column names, and the least start of
// each, from their footers, once when the engine opens, and groups the
// files by their columns. Within a group, files are in order of their
// earliest record: the lake's files each span well under an hour, so a
// query ordered by start under a LIMIT (every listing) fills its top-N
// from the first files and skips the rest on their statistics.
func (e *Engine) schemaGroups(ctx context.Context, files []string) ([]schemaGroup, error) {
	rows, err := e.conn.QueryContext(ctx, fmt.Sprintf(`SELECT file_name, list(DISTINCT path_in_schema ORDER BY path_in_schema),
  min(TRY_CAST(stats_min_value AS BIGINT)) FILTER (WHERE path_in_schema = 'start')
FROM parquet_metadata(%s) GROUP BY file_name`, listLiteral(files)))
	if err != nil {
		return nil, fmt.Errorf("cannot read the lake's file schemas: %w", err)
	}
	defer rows.Close()
	colsOf, first := map[string][]string{}, map[string]int64{}
	for rows.Next() {
		var name string
		var cols duckdb.Composite[[]string]
		var start sql.NullInt64
		if err := rows.Scan(&name, &cols, &start); err != nil {
			return nil, fmt.Errorf("cannot read the lake's file schemas: %w", err)
		}
		colsOf[name] = cols.Get()
		if start.Valid {
			first[name] = start.Int64
		} else {
			first[name] = math.MaxInt64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the lake's file schemas: %w", err)
	}
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	return groupFiles(files, colsOf)
}

func groupFiles(files []string, colsOf map[string][]string) ([]schemaGroup, error) {
	var out []schemaGroup
	index := map[string]int{}
	for _, f := range files {
		cols, ok := colsOf[f]
		if !ok {
			return nil, fmt.Errorf("cannot read the lake's file schemas: no columns for %s", f)
		}
		key := strings.Join(cols, "\x00")
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, schemaGroup{columns: cols})
		}
		out[i].files = append(out[i].files, f)
	}
	return out, nil
}

// sortedExtra lists the columns that are neither catalogue fields nor
// provenance nor the Parquet root: fields the catalogue did not know.
func (e *Engine) sortedExtra(present, known map[string]bool) []string {
	var out []string
	for c := range present {
		if known[c] || c == "source_id" || c == "source_line" {
			continue
		}
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

const emptyPartitions = `CAST(NULL AS VARCHAR) AS aws_account_id, CAST(NULL AS VARCHAR) AS aws_region, CAST(NULL AS INTEGER) AS year, CAST(NULL AS INTEGER) AS month, CAST(NULL AS INTEGER) AS day`

func (e *Engine) cloudTrailView() string {
	files, ok := e.fileList(lake.TableCloudTrail)
	if !ok {
		return `CREATE VIEW cloudtrail AS SELECT CAST(NULL AS TIMESTAMPTZ) AS event_time, CAST(NULL AS VARCHAR) AS event_source, CAST(NULL AS VARCHAR) AS event_name,
CAST(NULL AS VARCHAR) AS aws_region, CAST(NULL AS VARCHAR) AS recipient_account_id, CAST(NULL AS VARCHAR) AS event_id, CAST(NULL AS VARCHAR) AS event_type,
CAST(NULL AS BOOLEAN) AS read_only, CAST(NULL AS VARCHAR) AS principal_arn, CAST(NULL AS VARCHAR) AS principal_type, CAST(NULL AS VARCHAR) AS principal_account_id,
CAST(NULL AS VARCHAR) AS user_name, CAST(NULL AS VARCHAR) AS access_key_id, CAST(NULL AS VARCHAR) AS source_ip_address, CAST(NULL AS VARCHAR) AS user_agent,
CAST(NULL AS VARCHAR) AS error_code, CAST(NULL AS VARCHAR) AS error_message, CAST(NULL AS VARCHAR) AS request_parameters, CAST(NULL AS VARCHAR) AS response_elements,
CAST(NULL AS VARCHAR) AS resources, CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS BIGINT) AS source_id, CAST(NULL AS BIGINT) AS source_line, CAST(NULL AS VARCHAR) AS partition_account_id WHERE false`
	}
	return fmt.Sprintf(`CREATE VIEW cloudtrail AS SELECT event_time::TIMESTAMPTZ AS event_time, event_source, event_name, aws_region, recipient_account_id, event_id, event_type,
read_only, principal_arn, principal_type, principal_account_id, user_name, access_key_id, source_ip_address, user_agent, error_code, error_message,
request_parameters, response_elements, resources, raw, source_id, source_line, "aws-account-id" AS partition_account_id
FROM read_parquet(%s, hive_partitioning=true, union_by_name=true, %s)`, files, hiveTypes)
}

func (e *Engine) rejectsView() string {
	var files []string
	for _, s := range e.manifest.Sources {
		if s.Quarantine != "" {
			files = append(files, quote(filepath.Join(e.dir, filepath.FromSlash(s.Quarantine))))
		}
	}
	const cols = `source VARCHAR, source_id BIGINT, line BIGINT, reason VARCHAR, raw VARCHAR, raw_base64 VARCHAR, truncated BOOLEAN`
	if len(files) == 0 {
		return `CREATE VIEW rejects AS SELECT CAST(NULL AS VARCHAR) AS source, CAST(NULL AS BIGINT) AS source_id, CAST(NULL AS BIGINT) AS line,
CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS raw_base64, CAST(NULL AS BOOLEAN) AS truncated WHERE false`
	}
	return fmt.Sprintf(`CREATE VIEW rejects AS SELECT source, source_id, line, reason, raw, raw_base64, coalesce(truncated, false) AS truncated
FROM read_json([%s], format='newline_delimited', columns={%s})`, strings.Join(files, ", "), jsonColumns(cols))
}

// jsonColumns turns "a T, b U" into DuckDB's struct literal 'a': 'T', ….
func jsonColumns(cols string) string {
	var out []string
	for _, c := range strings.Split(cols, ", ") {
		name, typ, _ := strings.Cut(c, " ")
		out = append(out, fmt.Sprintf("'%s': '%s'", name, typ))
	}
	return strings.Join(out, ", ")
}

func sqlType(k flowlog.Kind) string {
	switch k {
	case flowlog.Int32:
		return "INTEGER"
	case flowlog.Int64:
		return "BIGINT"
	}
	return "VARCHAR"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
