// Package ledger answers "what was ingested": the lake's ledger of
// sources with the time their records cover, and the lines each source
// had rejected, with their raw text.
package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// Entry is one ingested source: its ledger record and the span of time
// its records cover (zero when it holds none).
type Entry struct {
	*lake.Source
	Records int64     `json:"total_records"`
	First   time.Time `json:"first_record,omitzero"`
	Last    time.Time `json:"last_record,omitzero"`
}

// Span is the time a source's records cover.
type Span struct{ First, Last time.Time }

// spansSQL finds each source's first and last record time, over every
// table: flow records by start and end, events and snapshot items by
// their time.
const spansSQL = `SELECT source_id, min(f), max(l) FROM (
  SELECT source_id, min(start) AS f, max("end") AS l FROM flows GROUP BY source_id
  UNION ALL SELECT source_id, min(start), max("end") FROM tgw_flows GROUP BY source_id
  UNION ALL SELECT source_id, min(epoch(event_time))::BIGINT, max(epoch(event_time))::BIGINT FROM cloudtrail GROUP BY source_id
  UNION ALL SELECT source_id, min(epoch(observed_at))::BIGINT, max(epoch(observed_at))::BIGINT FROM snapshots GROUP BY source_id
) WHERE source_id IS NOT NULL GROUP BY source_id`

// Spans reads, in one pass over the lake, the time each source's records
// cover.
func Spans(ctx context.Context, e *engine.Engine) (map[int64]Span, error) {
	res, err := e.QueryParams(ctx, spansSQL, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot find the time each source covers: %w", err)
	}
	out := make(map[int64]Span, len(res.Rows))
	for _, r := range res.Rows {
		if r[1] == nil {
			continue
		}
		out[toInt(r[0])] = Span{time.Unix(toInt(r[1]), 0).UTC(), time.Unix(toInt(r[2]), 0).UTC()}
	}
	return out, nil
}

// Filter selects ledger entries. Zero values select everything.
type Filter struct {
	Since, Until time.Time // records overlapping [Since, Until); sources without records always pass
	Text         string    // a substring of the URI, ignoring case
	Kind         string    // the source's kind, exactly
	Rejected     bool      // only sources with rejected lines or an error
}

// List is the ledger's entries that pass f, most recently ingested
// first, with their spans.
func List(m *lake.Manifest, spans map[int64]Span, f Filter) []Entry {
	out := []Entry{}
	for _, s := range m.Sources {
		e := Entry{Source: s}
		for _, n := range s.Records {
			e.Records += n
		}
		if sp, ok := spans[s.ID]; ok {
			e.First, e.Last = sp.First, sp.Last
		}
		if f.pass(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(b.IngestedAt.Compare(a.IngestedAt), cmp.Compare(a.URI, b.URI))
	})
	return out
}

func (f Filter) pass(e Entry) bool {
	switch {
	case f.Kind != "" && e.Kind != f.Kind,
		f.Rejected && e.Rejected == 0 && e.Error == "",
		f.Text != "" && !strings.Contains(strings.ToLower(e.URI), strings.ToLower(f.Text)):
		return false
	case e.First.IsZero():
		return true
	}
	return (f.Until.IsZero() || e.First.Before(f.Until)) && (f.Since.IsZero() || !e.Last.Before(f.Since))
}

// Totals sums entries by kind.
type Totals struct {
	Kind     string           `json:"kind"`
	Sources  int              `json:"sources"`
	Bytes    int64            `json:"bytes"`
	Records  map[string]int64 `json:"records"`
	Rejected int64            `json:"rejected"`
	Failed   int              `json:"failed"`
	Last     time.Time        `json:"last_ingested"`
}

// Summarise totals the entries per kind, kinds in name order.
func Summarise(entries []Entry) []Totals {
	by := map[string]*Totals{}
	for _, e := range entries {
		t := by[e.Kind]
		if t == nil {
			t = &Totals{Kind: e.Kind, Records: map[string]int64{}}
			by[e.Kind] = t
		}
		t.Sources++
		t.Bytes += e.Size
		t.Rejected += e.Rejected
		for table, n := range e.Source.Records {
			t.Records[table] += n
		}
		if e.Error != "" {
			t.Failed++
		}
		if e.IngestedAt.After(t.Last) {
			t.Last = e.IngestedAt
		}
	}
	out := make([]Totals, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Totals) int { return cmp.Compare(a.Kind, b.Kind) })
	return out
}

// Files lists the live files holding a source's rows.
func Files(m *lake.Manifest, id int64) []lake.File {
	out := []lake.File{}
	for _, f := range m.Files {
		if slices.Contains(f.Sources, id) {
			out = append(out, f)
		}
	}
	return out
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}
