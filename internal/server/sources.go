package server

import (
	"context"
	"strconv"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/ledger"
)

// pageSize is how many sources or rejected lines a page lists.
const pageSize = 100

// sourcesData is the ledger: what was ingested, when, with what counts,
// and the rejected lines.
type sourcesData struct {
	Totals  []ledger.Totals `json:"totals"`
	Sources []ledger.Entry  `json:"sources"`
	Matched int             `json:"matched"`
	Offset  int             `json:"offset"`
	Next    int             `json:"next,omitempty"` // offset of the next page; 0 when none
	Filter  ledger.Filter   `json:"-"`
	Kinds   []string        `json:"-"`
	Rejects *ledger.Page    `json:"rejects"`
}

// spans is the time each source covers, once per snapshot.
func (s *Server) spans(r *request) (map[int64]ledger.Span, error) {
	v, err := s.quick(r.Context(), r.snap, "spans", func(ctx context.Context, e *engine.Engine) (any, error) {
		return ledger.Spans(ctx, e)
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]ledger.Span), nil
}

func (s *Server) sourcesPage(r *request, v *view) error {
	v.Title = "Sources"
	q := r.URL.Query()
	f := ledger.Filter{Since: r.window.Since, Until: r.window.Until, Text: q.Get("q"), Kind: q.Get("kind"), Rejected: q.Get("rejected") != ""}
	offset, err := offsetOf(q.Get("offset"))
	if err != nil {
		return err
	}
	spans, err := s.spans(r)
	if err != nil {
		return err
	}
	all := ledger.List(r.snap.manifest, spans, ledger.Filter{Since: f.Since, Until: f.Until})
	list := ledger.List(r.snap.manifest, spans, f)
	d := &sourcesData{Totals: ledger.Summarise(all), Matched: len(list), Offset: offset, Filter: f, Kinds: kinds(all)}
	d.Sources = list[min(offset, len(list)):min(offset+pageSize, len(list))]
	if offset+pageSize < len(list) {
		d.Next = offset + pageSize
	}
	rj, err := offsetOf(q.Get("rejects"))
	if err != nil {
		return err
	}
	if d.Rejects, err = s.rejects(r, 0, rj); err != nil {
		return err
	}
	for _, k := range []string{"q", "kind", "rejected"} {
		v.Keep.Set(k, q.Get(k))
	}
	v.Data = d
	return nil
}

func kinds(entries []ledger.Entry) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.Kind] {
			seen[e.Kind] = true
			out = append(out, e.Kind)
		}
	}
	return out
}

func (s *Server) rejects(r *request, id int64, offset int) (*ledger.Page, error) {
	key := "rejects|" + strconv.FormatInt(id, 10) + "|" + strconv.Itoa(offset)
	v, err := s.quick(r.Context(), r.snap, key, func(ctx context.Context, e *engine.Engine) (any, error) {
		return ledger.Rejects(ctx, e, id, offset, pageSize)
	})
	if err != nil {
		return nil, err
	}
	return v.(*ledger.Page), nil
}

// offsetOf reads a paging offset: a number from 0 to a million.
func offsetOf(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, badRequest("offset %q: give a number from 0 to 1000000", s)
	}
	return n, nil
}

// sourceData is one ledger entry with its files and rejected lines.
type sourceData struct {
	Source  ledger.Entry `json:"source"`
	Files   []lake.File  `json:"files"`
	Rejects *ledger.Page `json:"rejects"`
}

func (s *Server) sourcePage(r *request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return badRequest("source %q: a source is named by its ledger id, a positive number", r.PathValue("id"))
	}
	src := r.snap.manifest.SourceByID(id)
	if src == nil {
		return badRequest("no source %d in the ledger", id)
	}
	spans, err := s.spans(r)
	if err != nil {
		return err
	}
	d := &sourceData{Source: ledger.Entry{Source: src}, Files: ledger.Files(r.snap.manifest, id)}
	for _, n := range src.Records {
		d.Source.Records += n
	}
	if sp, ok := spans[id]; ok {
		d.Source.First, d.Source.Last = sp.First, sp.Last
	}
	offset, err := offsetOf(r.URL.Query().Get("rejects"))
	if err != nil {
		return err
	}
	if d.Rejects, err = s.rejects(r, id, offset); err != nil {
		return err
	}
	v.Title, v.Data = "Source "+strconv.FormatInt(id, 10), d
	return nil
}
