// Package traffic draws the lake's flow records as pictures an analyst
// can take in at a glance: volume over time accepted and rejected, who
// talks to whom, and where the logs have holes. Every figure counts flow
// records, as the named queries and pivots do: a conversation between
// two monitored interfaces is logged at both ends and counts twice.
package traffic

import (
	"context"
	"fmt"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Counting says what the figures count.
const Counting = "flow records: a conversation seen at two monitored interfaces is counted at both"

// Window bounds the records considered on their start time,
// Since ≤ start < Until; a zero end is open.
type Window struct {
	Since, Until time.Time
}

// args are the window's bounds in Unix seconds for $1 and $2, NULL when
// open.
func (w Window) args() []any { return []any{unixOrNil(w.Since), unixOrNil(w.Until)} }

// inWindow is the filter on start for a query whose window is $1, $2.
const inWindow = `($1::BIGINT IS NULL OR start >= $1::BIGINT) AND ($2::BIGINT IS NULL OR start < $2::BIGINT)`

func unixOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// run runs one of this package's statements with the window's bounds
// as $1 and $2 and any further arguments after them.
func run(ctx context.Context, e *engine.Engine, what, q string, w Window, args ...any) (*engine.Result, error) {
	res, err := e.QueryParams(ctx, q, 0, append(w.args(), args...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot %s: %w", what, err)
	}
	return res, nil
}
