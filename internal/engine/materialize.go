package engine

import (
	"context"
	"fmt"
)

// Materialize keeps the result of q — the program's own query, with
// bound parameters — as the temporary table name, replacing one of that
// name, and returns its row count. Analyses that read one intermediate
// result many times (the hunt's per-pair summary) scan the lake once.
//
// q must pass the same read-only check as analyst SQL: only the CREATE
// around it is the program's. Analysts cannot reach this method.
func (e *Engine) Materialize(ctx context.Context, name, q string, args ...any) (int64, error) {
	if !plainName.MatchString(name) {
		return 0, fmt.Errorf("cannot create table %q: not a plain name", name)
	}
	if e.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
		defer cancel()
	}
	if err := e.checkReadOnly(ctx, q); err != nil {
		return 0, fmt.Errorf("cannot create table %s: %w", name, err)
	}
	if _, err := e.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+name+" AS "+q, args...); err != nil {
		return 0, fmt.Errorf("cannot create table %s: %w", name, err)
	}
	var n int64
	if err := e.conn.QueryRowContext(ctx, "SELECT count(*) FROM temp.main."+name).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count table %s: %w", name, err)
	}
	return n, nil
}
