package traffic

import (
	"context"
	"fmt"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Evidence is the flow records a query selects: a hunt finding's
// evidence_sql, say. The query runs through the engine's read-only path
// like any other; it is wrapped, never edited.
type Evidence string

func (ev Evidence) relation() string { return "(\n" + string(ev) + "\n) AS evidence" }

// Timeline charts the evidence's records per bucket, accepted and
// rejected apart.
func (ev Evidence) Timeline(ctx context.Context, e *engine.Engine, bucket time.Duration) (*Series, error) {
	return seriesOf(ctx, e, ev.relation(), Window{}, bucket)
}

// recordColumns are the fields of a record a person reads first; the
// whole record is one query away in the console.
const recordColumns = `to_timestamp(start) AS start, to_timestamp("end") AS "end", interface_id, srcaddr, srcport, dstaddr, dstport, protocol,
  packets, bytes, action, tcp_flags, log_status, source_id, source_line`

// Page is one page of records and whether more follow.
type Page struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Offset  int      `json:"offset"`
	More    bool     `json:"more"`
}

// Records reads limit of the evidence's records from offset, in time
// order (ties by where they were ingested from, so pages do not overlap).
func (ev Evidence) Records(ctx context.Context, e *engine.Engine, offset, limit int) (*Page, error) {
	q := fmt.Sprintf("SELECT %s FROM %s ORDER BY evidence.start, source_id, source_line LIMIT $1::BIGINT OFFSET $2::BIGINT", recordColumns, ev.relation())
	res, err := e.QueryParams(ctx, q, 0, int64(limit+1), int64(offset))
	if err != nil {
		return nil, fmt.Errorf("cannot read the evidence's records: %w", err)
	}
	p := &Page{Columns: res.Columns, Rows: res.Rows, Offset: offset}
	if len(p.Rows) > limit {
		p.Rows, p.More = p.Rows[:limit], true
	}
	if p.Rows == nil {
		p.Rows = [][]any{}
	}
	return p, nil
}
