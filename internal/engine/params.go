package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// QueryParams runs a read-only query with bound parameters ($1, $2, …):
// the path for flowtrail's own analyses, which never paste user input
// into SQL. The statement is prepared (bound against the views) once:
// DuckDB reports its type from the prepared statement, which is checked,
// then executed.
func (e *Engine) QueryParams(ctx context.Context, q string, maxRows int, args ...any) (*Result, error) {
	if e.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
		defer cancel()
	}
	if err := e.split.single(q); err != nil {
		return nil, err
	}
	var res *Result
	err := e.conn.Raw(func(dc any) error {
		var err error
		res, err = e.run(ctx, dc, q, maxRows, args)
		return err
	})
	return res, err
}

// run prepares q — under FirstRows when a cap applies and the wrapper
// takes it — and executes it.
func (e *Engine) run(ctx context.Context, dc any, q string, maxRows int, args []any) (*Result, error) {
	nargs, err := namedValues(dc, args)
	if err != nil {
		return nil, err
	}
	st := e.prepareFirst(ctx, dc, q, maxRows)
	if st == nil {
		if st, err = prepare(ctx, dc, q); err != nil {
			return nil, err
		}
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, nargs)
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	return collect(ctx, rows, maxRows)
}

// prepare binds q and refuses anything that is not a query: DuckDB
// tells the statement's type before it runs.
func prepare(ctx context.Context, dc any, q string) (*duckdb.Stmt, error) {
	s, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	st, ok := s.(*duckdb.Stmt)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("cannot inspect statement: the driver returned %T", s)
	}
	t, err := st.StatementType()
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("cannot inspect statement: %w", err)
	}
	switch t {
	case duckdb.STATEMENT_TYPE_SELECT:
		return st, nil
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		if err := explainsQuery(ctx, dc, q); err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	}
	st.Close()
	return nil, ErrNotReadOnly
}

// checkReadOnly refuses q, without running it, unless it is one
// read-only statement: for callers that run q themselves (Materialize).
func (e *Engine) checkReadOnly(ctx context.Context, q string) error {
	if err := e.split.single(q); err != nil {
		return err
	}
	return e.conn.Raw(func(dc any) error {
		st, err := prepare(ctx, dc, q)
		if err != nil {
			return err
		}
		return st.Close()
	})
}

// explainsQuery lets EXPLAIN through, which only plans, and EXPLAIN
// ANALYZE (or EXPLAIN (options …)) only of a query: those run the
// statement they explain, so "EXPLAIN ANALYZE COPY … TO" would write
// into the lake. Text it cannot read that way is refused.
func explainsQuery(ctx context.Context, dc any, q string) error {
	m := explainRE.FindStringSubmatchIndex(q)
	switch {
	case m == nil:
		return ErrNotReadOnly
	case m[2] < 0: // plain EXPLAIN
		return nil
	}
	inner := q[m[1]:]
	if q[m[2]] == '(' {
		end := strings.IndexByte(inner, ')')
		if end < 0 {
			return ErrNotReadOnly
		}
		inner = inner[end+1:]
	}
	st, err := prepare(ctx, dc, inner)
	if err != nil {
		return err
	}
	return st.Close()
}

// explainRE matches EXPLAIN after any leading blanks and comments, and
// captures ANALYZE (or ANALYSE) or the "(" of an option list after it.
var explainRE = regexp.MustCompile(`(?is)^(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*explain(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)+(?:(analy[sz]e\b|\()|[^\s(])`)

// namedValues turns arguments as database/sql would: sql.Named keeps
// its name, ordinals count from 1, and values DuckDB does not take as
// they are go through the standard conversions (int → int64, …).
func namedValues(dc any, args []any) ([]driver.NamedValue, error) {
	checker, _ := dc.(driver.NamedValueChecker)
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv := driver.NamedValue{Ordinal: i + 1, Value: a}
		if n, ok := a.(sql.NamedArg); ok {
			nv.Name, nv.Value = n.Name, n.Value
		}
		if checker == nil || checker.CheckNamedValue(&nv) != nil {
			v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
			if err != nil {
				return nil, fmt.Errorf("cannot bind parameter %d: %w", i+1, err)
			}
			nv.Value = v
		}
		out[i] = nv
	}
	return out, nil
}

// FirstRows wraps q so that DuckDB produces no more than the maxRows
// rows a caller reads (and one more, as collect reads one past the
// last): an ORDER BY under a LIMIT becomes a top-N, which keeps maxRows
// rows instead of sorting tens of millions. The rows are the first
// maxRows of q's result; with ties in q's ORDER BY, which of the tied
// rows come first was never defined. maxRows ≤ 0 leaves q as it is.
func FirstRows(q string, maxRows int) string {
	if maxRows <= 0 {
		return q
	}
	// The newline ends a trailing -- comment in q.
	return fmt.Sprintf("SELECT * FROM (\n%s\n) LIMIT %d", q, maxRows+1)
}

// prepareFirst prepares q under FirstRows. It returns nil when no cap
// applies or the wrapper does not: q is not a subquery DuckDB accepts
// (EXPLAIN, a trailing semicolon), or the wrapper would rename duplicate
// column names; the caller then prepares q as it is. q is one statement
// (checked by the caller); the wrapped text is counted again so that
// it, too, is one. A wrapped text that parses is a SELECT whatever q
// was, so it is as read-only as q itself.
func (e *Engine) prepareFirst(ctx context.Context, dc any, q string, maxRows int) *duckdb.Stmt {
	if maxRows <= 0 {
		return nil
	}
	w := FirstRows(q, maxRows)
	if e.split.single(w) != nil {
		return nil
	}
	st, err := prepare(ctx, dc, w)
	if err != nil {
		return nil
	}
	if renamed(columnNames(st)) {
		st.Close()
		return nil
	}
	return st
}

func columnNames(st *duckdb.Stmt) []string {
	n, err := st.ColumnCount()
	if err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := range n {
		c, err := st.ColumnName(i)
		if err != nil {
			return nil
		}
		out = append(out, c)
	}
	return out
}

var suffixed = regexp.MustCompile(`^(.*)_[0-9]+$`)

// renamed reports whether cols may hold a name DuckDB made up for a
// duplicate (a, a → a, a_1) when the wrapper selected * from q.
func renamed(cols []string) bool {
	seen := map[string]bool{}
	for _, c := range cols {
		seen[strings.ToLower(c)] = true
	}
	for _, c := range cols {
		if m := suffixed.FindStringSubmatch(strings.ToLower(c)); m != nil && seen[m[1]] {
			return true
		}
	}
	return false
}
