package docgen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// SchemaDoc is docs/schema.md and what keeps it honest.
type SchemaDoc struct {
	Page []byte
	// Problems lists columns the engine has that columns.go does not
	// describe, and descriptions of columns that no longer exist.
	Problems []string
}

// viewOrder is the order views are documented in; views the engine has
// beyond these follow, by name.
var viewOrder = []string{"flows", "tgw_flows", "cloudtrail", "snapshots", "rejects", "conversations", "vpcflow",
	"enis", "security_groups", "sg_rules", "sg_changes", "flows_enriched"}

// view is one view's columns as the engine reports them.
type view struct {
	name string
	cols []column
}

type column struct{ name, typ string }

// Schema renders docs/schema.md from the lake at lakeDir: the views'
// columns and types as the engine reports them, the Parquet schemas of
// the lake's files, the flow-log field catalogue and the engine's SQL
// functions. Every table of the lake should hold rows (an empty table has
// no file to read a Parquet schema from), and its flow logs should carry
// every field, so that the widest file shows every column.
func Schema(ctx context.Context, lakeDir string) (SchemaDoc, error) {
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		return SchemaDoc{}, err
	}
	defer e.Close()
	views, err := viewColumns(ctx, e)
	if err != nil {
		return SchemaDoc{}, err
	}
	funcs, err := macros(ctx, e)
	if err != nil {
		return SchemaDoc{}, err
	}
	files, err := parquetSchemas(lakeDir, e.Manifest())
	if err != nil {
		return SchemaDoc{}, err
	}
	var b bytes.Buffer
	b.WriteString(generatedBy("the engine's views, the lake's Parquet files, internal/flowlog's catalogue and internal/docgen/columns.go"))
	b.WriteString(strings.Replace(schemaIntro, "{{views}}", viewLinks(views), 1))
	writeCatalogue(&b)
	var problems []string
	for _, v := range views {
		problems = append(problems, writeView(&b, v)...)
	}
	writeParquet(&b, files)
	writeFunctions(&b, funcs)
	problems = append(problems, staleDescriptions(views, funcs)...)
	return SchemaDoc{Page: b.Bytes(), Problems: problems}, nil
}

const schemaIntro = `# Lake schema

A lake is a directory:

` + "```" + `
<lake>/
  manifest.json     the live files and the ingest ledger (see evidence.md)
  flows/aws-account-id=…/aws-region=…/year=YYYY/month=MM/day=DD/<content-hash>.parquet
  tgw_flows/…       same layout
  cloudtrail/…      same layout
  snapshots/…       same layout
  quarantine/<source-id>.jsonl   rejected lines
` + "```" + `

The partition directories follow AWS's own Hive-compatible layout for Parquet flow logs, so a
table directory can be copied to S3 and read by Athena, Trino or Spark with
` + "``PARTITIONED BY (`aws-account-id` string, `aws-region` string, year int, month int, day int)``" + `.
Column names and types follow AWS's Parquet flow-log schema (field names with ` + "`-`" + ` turned into ` + "`_`" + `). A field a
source did not carry, or wrote as ` + "`-`" + `, is NULL. Times in flow logs are Unix seconds; every other
time is UTC.

` + "`flowtrail query`" + ` reads the lake through the views below, which add the partition columns, give
every flow view every catalogue column, and rebuild the inventory. Every row of every table keeps
its provenance — ` + "`source_id`" + ` and ` + "`source_line`" + ` — see [evidence.md](evidence.md).

Contents: [flow-log fields](#flow-log-fields) · views: ` + "{{views}}" + ` · [Parquet files](#parquet-files) · [SQL functions](#sql-functions)
`

func viewLinks(views []view) string {
	links := make([]string, len(views))
	for i, v := range views {
		links[i] = fmt.Sprintf("[%s](#%s)", v.name, v.name)
	}
	return strings.Join(links, ", ")
}

// viewColumns lists the engine's views and their columns.
func viewColumns(ctx context.Context, e *engine.Engine) ([]view, error) {
	res, err := e.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
WHERE t.table_type = 'VIEW' ORDER BY c.table_name, c.ordinal_position`, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot list the engine's views: %w", err)
	}
	byName := map[string]*view{}
	var names []string
	for _, r := range res.Rows {
		name := r[0].(string)
		if byName[name] == nil {
			byName[name] = &view{name: name}
			names = append(names, name)
		}
		byName[name].cols = append(byName[name].cols, column{r[1].(string), r[2].(string)})
	}
	slices.SortStableFunc(names, func(a, b string) int { return orderOf(a) - orderOf(b) })
	out := make([]view, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out, nil
}

// orderOf places documented views first, in viewOrder, the rest after.
func orderOf(name string) int {
	if i := slices.Index(viewOrder, name); i >= 0 {
		return i
	}
	return len(viewOrder)
}

func writeCatalogue(b *bytes.Buffer) {
	b.WriteString(`
## Flow-log fields

Every field of AWS's VPC and Transit Gateway flow-log tables, as ` + "`flows`" + ` and ` + "`tgw_flows`" + ` store
it: the column, the field's name in a header line or format string, the flow-log version that
introduced it, its Parquet type, and which tables carry it. Fields a header names that are not
listed here are kept too, as text columns after these.

| column | field | version | Parquet type | flows | tgw_flows | meaning |
|---|---|---|---|---|---|---|
`)
	for _, f := range flowlog.Catalogue {
		fmt.Fprintf(b, "| `%s` | `%s` | %d | %s | %s | %s | %s |\n", f.Column, f.Name, f.Version, f.Kind,
			mark(f.Tables&flowlog.VPC != 0), mark(f.Tables&flowlog.TGW != 0), cell(fieldMeaning[f.Name]))
	}
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return ""
}

// writeView writes one view's columns and returns the ones it could
// not describe. In the flow views the catalogue's fields are one row,
// pointing to the catalogue, so that 42 meanings are not repeated thrice.
func writeView(b *bytes.Buffer, v view) []string {
	fmt.Fprintf(b, "\n## %s\n\n", v.name)
	var problems []string
	if intro, ok := viewIntro[v.name]; ok {
		b.WriteString(intro + "\n\n")
	} else {
		problems = append(problems, fmt.Sprintf("view %s: no introduction in viewIntro", v.name))
	}
	b.WriteString("| column | type | from | meaning |\n|---|---|---|---|\n")
	var fields []string
	for _, c := range v.cols {
		if f, ok := catalogueField(v.name, c.name); ok {
			if want := sqlType(f.Kind); c.typ != want {
				problems = append(problems, fmt.Sprintf("view %s: column %s is %s, not %s as its field's %s", v.name, c.name, c.typ, want, f.Kind))
			}
			fields = append(fields, "`"+c.name+"`")
			continue
		}
		writeFieldRow(b, fields)
		fields = nil
		d, ok := describe(v.name, c.name)
		if !ok {
			problems = append(problems, fmt.Sprintf("view %s: column %s is not described", v.name, c.name))
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", c.name, c.typ, cell(d.from), cell(d.meaning))
	}
	writeFieldRow(b, fields)
	return problems
}

// catalogueField finds the flow-log field a column of a flow view is.
func catalogueField(view, name string) (flowlog.Field, bool) {
	if view != "flows" && view != "tgw_flows" && view != "flows_enriched" {
		return flowlog.Field{}, false
	}
	id, ok := flowlog.Lookup(name)
	if !ok || flowlog.Catalogue[id].Column != name {
		return flowlog.Field{}, false
	}
	return flowlog.Catalogue[id], true
}

func writeFieldRow(b *bytes.Buffer, cols []string) {
	if len(cols) == 0 {
		return
	}
	fmt.Fprintf(b, "| %s | INTEGER, BIGINT or VARCHAR for INT32, INT64 or STRING | the %d flow-log fields, in catalogue order | see [Flow-log fields](#flow-log-fields) |\n",
		strings.Join(cols, ", "), len(cols))
}

// sqlType is the type DuckDB reads a field's Parquet type as.
func sqlType(k flowlog.Kind) string {
	switch k {
	case flowlog.Int32:
		return "INTEGER"
	case flowlog.Int64:
		return "BIGINT"
	}
	return "VARCHAR"
}

// describe finds a column's description: the view's own, then a flow-log
// field's (for the views that carry them), then provenance and partitions.
func describe(view, name string) (col, bool) {
	if d, ok := viewCols[view][name]; ok {
		return d, true
	}
	if view == "vpcflow" {
		return describeVPCFlow(name)
	}
	if d, ok := provenanceCols[name]; ok {
		return d, true
	}
	if d, ok := partitionCols[name]; ok {
		return d, true
	}
	return col{}, false
}

func describeField(name string) (col, bool) {
	id, ok := flowlog.Lookup(name)
	if !ok || flowlog.Catalogue[id].Column != name {
		return col{}, false
	}
	f := flowlog.Catalogue[id]
	m, ok := fieldMeaning[f.Name]
	return col{fmt.Sprintf("`%s` (v%d)", f.Name, f.Version), m}, ok
}

func describeVPCFlow(name string) (col, bool) {
	if d, ok := vpcflowPartitions[name]; ok {
		return d, true
	}
	src, ok := vpcflowFrom[name]
	if !ok {
		return col{}, false
	}
	d, ok := describeField(src)
	if !ok {
		return col{}, false
	}
	return col{"`flows." + src + "`", d.meaning}, true
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// tableFile is the Parquet schema of one of a table's files.
type tableFile struct {
	table, schema string
}

// parquetSchemas reads, for each table, the schema of its widest file.
func parquetSchemas(dir string, m *lake.Manifest) ([]tableFile, error) {
	var out []tableFile
	for _, t := range lake.Tables() {
		best := ""
		for _, rel := range m.FilesOf(t) {
			s, err := fileSchema(filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return nil, err
			}
			if strings.Count(s, "\n") > strings.Count(best, "\n") {
				best = s
			}
		}
		out = append(out, tableFile{t, best})
	}
	return out, nil
}

func fileSchema(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot open lake file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot open lake file: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return "", fmt.Errorf("cannot read the Parquet footer of %s: %w", path, err)
	}
	return pf.Schema().String(), nil
}

func writeParquet(b *bytes.Buffer, files []tableFile) {
	b.WriteString(`
## Parquet files

What Athena, Trino or Spark see: each table's files as written (columns are matched by name, so
their order is immaterial). Strings are dictionary-encoded, integers delta-packed, pages LZ4.
A flow-log file carries only the columns its rows have — the v2 fields always, then any other
field some row set, then header fields the catalogue does not know, as text — so readers must map
columns by name and read a missing one as NULL (DuckDB's ` + "`union_by_name`" + `; Athena does by
default for Parquet). Shown here is a file whose source carried every field. ` + "`source_id`" + ` and
` + "`source_line`" + ` are the only required columns. Partition values are in the directory names, not
in the files.
`)
	for _, f := range files {
		fmt.Fprintf(b, "\n### %s\n\n", f.table)
		if f.schema == "" {
			b.WriteString("(no file in the lake the docs were generated from)\n")
			continue
		}
		b.WriteString("```\n" + strings.TrimRight(f.schema, "\n") + "\n```\n")
	}
}

// function is one SQL macro and its parameter lists.
type function struct {
	name  string
	forms []string
}

// macros lists the engine's own SQL functions (DuckDB macros), leaving
// out its internal helpers (named _…).
func macros(ctx context.Context, e *engine.Engine) ([]function, error) {
	res, err := e.Query(ctx, `SELECT function_name, parameters::VARCHAR FROM duckdb_functions()
WHERE NOT internal AND function_type = 'macro' AND NOT starts_with(function_name, '_')
ORDER BY function_name, len(parameters), parameters::VARCHAR`, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot list the engine's functions: %w", err)
	}
	var out []function
	for _, r := range res.Rows {
		name := r[0].(string)
		form := name + "(" + strings.Trim(r[1].(string), "[]") + ")"
		if n := len(out); n > 0 && out[n-1].name == name {
			out[n-1].forms = append(out[n-1].forms, form)
			continue
		}
		out = append(out, function{name, []string{form}})
	}
	return out, nil
}

func writeFunctions(b *bytes.Buffer, funcs []function) {
	b.WriteString(`
## SQL functions

Besides DuckDB's own functions, queries may call these. flowtrail's IP helpers first; the rest are
Presto/Athena functions that DuckDB lacks or has with other semantics, defined so that Athena
queries run with at most a table name changed (where one differs from Presto,
` + "`internal/engine/macros.go`" + ` says so).

| function | meaning |
|---|---|
`)
	for _, own := range []bool{true, false} {
		for _, f := range funcs {
			meaning, ok := helperFunctions[f.name]
			if ok != own {
				continue
			}
			if !ok {
				meaning = "as in Presto/Athena"
			}
			forms := make([]string, len(f.forms))
			for i, s := range f.forms {
				forms[i] = "`" + s + "`"
			}
			fmt.Fprintf(b, "| %s | %s |\n", strings.Join(forms, "<br>"), cell(meaning))
		}
	}
}

// staleDescriptions lists descriptions of things the code no longer has.
func staleDescriptions(views []view, funcs []function) []string {
	has := map[string]map[string]bool{}
	for _, v := range views {
		has[v.name] = map[string]bool{}
		for _, c := range v.cols {
			has[v.name][c.name] = true
		}
	}
	var out []string
	for name := range viewIntro {
		if has[name] == nil {
			out = append(out, fmt.Sprintf("viewIntro describes view %s, which the engine does not have", name))
		}
	}
	for name, cols := range viewCols {
		for c := range cols {
			if !has[name][c] {
				out = append(out, fmt.Sprintf("viewCols describes %s.%s, which the engine does not have", name, c))
			}
		}
	}
	for c := range vpcflowFrom {
		if !has["vpcflow"][c] {
			out = append(out, fmt.Sprintf("vpcflowFrom describes vpcflow.%s, which the engine does not have", c))
		}
	}
	for name := range fieldMeaning {
		if _, ok := flowlog.Lookup(name); !ok {
			out = append(out, fmt.Sprintf("fieldMeaning describes field %s, which the catalogue does not have", name))
		}
	}
	for _, f := range flowlog.Catalogue {
		if fieldMeaning[f.Name] == "" {
			out = append(out, fmt.Sprintf("flow-log field %s is not described in fieldMeaning", f.Name))
		}
	}
	for name := range helperFunctions {
		if !slices.ContainsFunc(funcs, func(f function) bool { return f.name == name }) {
			out = append(out, fmt.Sprintf("helperFunctions describes %s, which the engine does not have", name))
		}
	}
	slices.Sort(out)
	return out
}
