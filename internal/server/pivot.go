package server

import (
	"context"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/pivot"
)

// pivotData is `flowtrail ip|eni|instance` for the page.
type pivotData struct {
	Kind      string        `json:"kind"`
	Value     string        `json:"value"`
	Report    *pivot.Report `json:"report,omitempty"`
	Peers     *table        `json:"-"`
	Workloads []string      `json:"workloads,omitempty"`
}

// maxPeers is how many peers a pivot lists, largest first, as the CLI's
// default.
const maxPeers = 50

func (s *Server) pivotPage(r *request, v *view) error {
	q := r.URL.Query()
	kind, value := q.Get("kind"), q.Get("value")
	if kind == "" {
		kind = "ip"
	}
	d := &pivotData{Kind: kind, Value: value, Workloads: r.snap.workloads()}
	v.Title, v.Data = "Pivot", d
	v.Keep.Set("kind", kind)
	v.Keep.Set("value", value)
	if value == "" {
		return nil
	}
	subject, err := pivot.NewSubject(kind, value)
	if err != nil {
		return userError{err}
	}
	v.Title = "Pivot: " + subject.Value
	rep, err := s.runPivot(r, v, subject)
	if err != nil || rep == nil {
		return err
	}
	d.Report = rep
	d.Peers = &table{Columns: rep.Columns.Peers, Rows: peerRows(rep), Links: map[string]string{"peer": "ip"}}
	return nil
}

// runPivot runs the pivot on the pages engine, or, for a workload, on an
// engine narrowed to it in the background, as `flowtrail instance NAME`
// opens one.
func (s *Server) runPivot(r *request, v *view, subject pivot.Subject) (*pivot.Report, error) {
	key := "pivot|" + subject.Kind + "|" + subject.Value + "|" + r.window.key()
	w := pivot.Window{Since: r.window.Since, Until: r.window.Until}
	run := func(ctx context.Context, e *engine.Engine) (any, error) {
		return pivot.Run(ctx, e, subject, w, maxPeers)
	}
	var out any
	var err error
	if subject.Kind == "workload" {
		out, err = await(v, "the workload's pivot", s.slowWorkload(r.snap, key, subject.Value, run))
	} else {
		out, err = s.quick(r.Context(), r.snap, key, run)
	}
	if err != nil || out == nil {
		return nil, err
	}
	return out.(*pivot.Report), nil
}

// slowWorkload is slow() on the engine narrowed to a workload.
func (s *Server) slowWorkload(snap *snapshot, key, workload string, fn func(context.Context, *engine.Engine) (any, error)) job {
	return snap.results.background(snap.ctx, key, s.cfg.SlowTimeout, func(ctx context.Context, _ func(string)) (any, error) {
		b, err := snap.batchDB(ctx)
		if err != nil {
			return nil, err
		}
		var out any
		err = b.do(ctx, func(*engine.Engine) error {
			wdb, err := snap.workloadDB(ctx, workload)
			if err != nil {
				return err
			}
			return wdb.do(ctx, func(e *engine.Engine) error {
				var err error
				out, err = fn(ctx, e)
				return err
			})
		})
		return out, err
	})
}

func peerRows(rep *pivot.Report) [][]any {
	rows := make([][]any, len(rep.Peers))
	for i, p := range rep.Peers {
		rows[i] = make([]any, len(rep.Columns.Peers))
		for j, c := range rep.Columns.Peers {
			rows[i][j] = p[c]
		}
	}
	return rows
}
