package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"iter"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ColumnDef is one column of a table made by LoadTable: a plain
// lower-case name and a DuckDB type from loadTypes.
type ColumnDef struct {
	Name string
	Type string
}

// loadTypes are the column types LoadTable accepts.
var loadTypes = map[string]bool{
	"BOOLEAN": true, "TINYINT": true, "UTINYINT": true, "SMALLINT": true, "USMALLINT": true,
	"INTEGER": true, "UINTEGER": true, "BIGINT": true, "UBIGINT": true, "HUGEINT": true,
	"UHUGEINT": true, "DOUBLE": true, "VARCHAR": true, "TIMESTAMPTZ": true,
}

var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// appendCheckEvery is how many rows LoadTable appends between looks at
// the context.
const appendCheckEvery = 4096

// LoadTable creates the temporary table name with cols — replacing a
// table of that name — and appends rows to it with DuckDB's Appender.
// It returns the number of rows loaded; on error the table is dropped.
//
// It is for the program's own data (indicator lists and the like), not
// for analysts: Query still refuses every statement but a query, so no
// analyst SQL can create, fill or drop a table. The table lives in memory
// until DropTable or Close.
func (e *Engine) LoadTable(ctx context.Context, name string, cols []ColumnDef, rows iter.Seq[[]any]) (int64, error) {
	ddl, err := createTemp(name, cols)
	if err != nil {
		return 0, err
	}
	if _, err := e.conn.ExecContext(ctx, ddl); err != nil {
		return 0, fmt.Errorf("cannot create table %s: %w", name, err)
	}
	var n int64
	err = e.conn.Raw(func(dc any) error {
		var err error
		n, err = appendRows(ctx, dc.(driver.Conn), name, len(cols), rows)
		return err
	})
	if err != nil {
		_ = e.DropTable(context.WithoutCancel(ctx), name)
		return 0, fmt.Errorf("cannot load table %s: %w", name, err)
	}
	return n, nil
}

// DropTable removes a table LoadTable made; a missing table is no error.
func (e *Engine) DropTable(ctx context.Context, name string) error {
	if !plainName.MatchString(name) {
		return fmt.Errorf("cannot drop table %q: not a plain name", name)
	}
	if _, err := e.conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp.main."+name); err != nil {
		return fmt.Errorf("cannot drop table %s: %w", name, err)
	}
	return nil
}

// createTemp renders the CREATE statement after checking every name and
// type against the allow-lists: nothing from outside reaches the SQL.
func createTemp(name string, cols []ColumnDef) (string, error) {
	if !plainName.MatchString(name) {
		return "", fmt.Errorf("cannot create table %q: not a plain name", name)
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("cannot create table %s: no columns", name)
	}
	defs := make([]string, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		switch {
		case !plainName.MatchString(c.Name):
			return "", fmt.Errorf("cannot create table %s: column %q: not a plain name", name, c.Name)
		case seen[c.Name]:
			return "", fmt.Errorf("cannot create table %s: column %s appears twice", name, c.Name)
		case !loadTypes[c.Type]:
			return "", fmt.Errorf("cannot create table %s: column %s: type %q is not one LoadTable takes", name, c.Name, c.Type)
		}
		seen[c.Name] = true
		defs[i] = c.Name + " " + c.Type
	}
	return fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (%s)", name, strings.Join(defs, ", ")), nil
}

// appendRows feeds rows to an Appender on the engine's connection.
func appendRows(ctx context.Context, dc driver.Conn, name string, width int, rows iter.Seq[[]any]) (n int64, err error) {
	a, err := duckdb.NewAppender(dc, "temp", "main", name)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := a.Close(); err == nil {
			err = cerr
		}
	}()
	vals := make([]driver.Value, width)
	for row := range rows {
		if len(row) != width {
			return n, fmt.Errorf("row %d has %d values, want %d", n+1, len(row), width)
		}
		if n%appendCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		for i, v := range row {
			vals[i] = v
		}
		if err := a.AppendRow(vals...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, nil
}
