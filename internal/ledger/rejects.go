package ledger

import (
	"context"
	"fmt"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Reject is one quarantined line as the rejects view holds it.
type Reject struct {
	SourceID  int64  `json:"source_id"`
	Source    string `json:"source"`
	Line      int64  `json:"line"`
	Reason    string `json:"reason"`
	Raw       string `json:"raw"`
	RawBase64 string `json:"raw_base64,omitempty"`
	Truncated bool   `json:"truncated"`
}

// Page is one page of rejected lines and whether more follow.
type Page struct {
	Rejects []Reject `json:"rejects"`
	Offset  int      `json:"offset"`
	More    bool     `json:"more"`
}

// rejectsSQL pages through the rejects view; $1 is a source id or NULL
// for every source.
const rejectsSQL = `SELECT source_id, source, line, reason, raw, raw_base64, truncated FROM rejects
WHERE $1::BIGINT IS NULL OR source_id = $1::BIGINT
ORDER BY source_id, line LIMIT $2::BIGINT OFFSET $3::BIGINT`

// Rejects reads limit rejected lines from offset, of one source (id > 0)
// or of all.
func Rejects(ctx context.Context, e *engine.Engine, id int64, offset, limit int) (*Page, error) {
	var src any
	if id > 0 {
		src = id
	}
	res, err := e.QueryParams(ctx, rejectsSQL, 0, src, int64(limit+1), int64(offset))
	if err != nil {
		return nil, fmt.Errorf("cannot read the rejected lines: %w", err)
	}
	p := &Page{Offset: offset, Rejects: []Reject{}}
	for i, r := range res.Rows {
		if i == limit {
			p.More = true
			break
		}
		rj := Reject{SourceID: toInt(r[0]), Line: toInt(r[2])}
		rj.Source, _ = r[1].(string)
		rj.Reason, _ = r[3].(string)
		rj.Raw, _ = r[4].(string)
		rj.RawBase64, _ = r[5].(string)
		rj.Truncated, _ = r[6].(bool)
		p.Rejects = append(p.Rejects, rj)
	}
	return p, nil
}
