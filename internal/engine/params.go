package engine

import (
	"context"
	"fmt"
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
	rows, err := e.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	return collect(rows, maxRows)
}
