package engine

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// QueryParams runs a read-only query with bound parameters ($1, $2, …):
// the path for flowtrail's own analyses, which never paste user input
// into SQL.
func (e *Engine) QueryParams(ctx context.Context, q string, maxRows int, args ...any) (*Result, error) {
	if e.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
		defer cancel()
	}
	if err := e.checkReadOnly(ctx, q); err != nil {
		return nil, err
	}
	if maxRows > 0 {
		if res, ok, err := e.queryFirst(ctx, q, maxRows, args); ok {
			return res, err
		}
	}
	rows, err := e.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	return collect(rows, maxRows)
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

// queryFirst runs q under FirstRows. ok is false when the wrapper does
// not apply — q is not a subquery DuckDB accepts (EXPLAIN, a trailing
// semicolon), or the wrapper had to rename duplicate column names — and
// the caller then runs q as it is. q has passed checkReadOnly; the
// wrapped text is counted again so that it, too, is one statement.
func (e *Engine) queryFirst(ctx context.Context, q string, maxRows int, args []any) (res *Result, ok bool, err error) {
	w := FirstRows(q, maxRows)
	if e.split.single(w) != nil {
		return nil, false, nil
	}
	st, err := e.conn.PrepareContext(ctx, w)
	if err != nil {
		return nil, false, nil
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, true, fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || renamed(cols) {
		return nil, false, nil
	}
	res, err = collect(rows, maxRows)
	return res, true, err
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
