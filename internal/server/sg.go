package server

import (
	"context"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
)

// sgData is `flowtrail sg audit` for the page, with the changes split
// into the flagged ones and the rest.
type sgData struct {
	Audit   *sgaudit.Report  `json:"audit"`
	Flagged []sgaudit.Change `json:"-"`
	All     bool             `json:"-"` // show every change, not only the flagged
}

// sgPage runs the audit in the background: judging rule use needs every
// conversation in the window (tens of seconds on 10 M records).
func (s *Server) sgPage(r *request, v *view) error {
	v.Title = "Security groups"
	w := sgaudit.Window{Since: r.window.Since, Until: r.window.Until}
	j := s.slow(r.snap, "sg|"+r.window.key(), func(ctx context.Context, e *engine.Engine, _ func(string)) (any, error) {
		return sgaudit.Run(ctx, e, w)
	})
	out, err := await(v, "the security-group audit", j)
	if err != nil || out == nil {
		return err
	}
	rep := out.(*sgaudit.Report)
	d := &sgData{Audit: rep, All: r.URL.Query().Get("changes") == "all"}
	for _, c := range rep.Changes {
		if len(c.Flags) > 0 {
			d.Flagged = append(d.Flagged, c)
		}
	}
	v.Keep.Set("changes", r.URL.Query().Get("changes"))
	v.Data = d
	return nil
}
