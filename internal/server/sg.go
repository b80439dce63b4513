package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
)

// sgData is the security-group page: `flowtrail sg recommend` for the
// workload picked and `flowtrail sg audit`, each computed in the
// background and shown as soon as it is done.
type sgData struct {
	Workload        string              `json:"workload,omitempty"`
	Workloads       []string            `json:"-"`
	Recommendations []*sgadvisor.Report `json:"recommendations,omitempty"`
	Audit           *sgaudit.Report     `json:"audit,omitempty"`
	Running         []*running          `json:"running,omitempty"`
	Flagged         []sgaudit.Change    `json:"-"`
	All             bool                `json:"-"` // show every change, not only the flagged
	Exports         []string            `json:"-"`
}

func (s *Server) sgPage(r *request, v *view) error {
	v.Title = "Security groups"
	q := r.URL.Query()
	d := &sgData{Workload: q.Get("workload"), Workloads: r.snap.workloads(), All: q.Get("changes") == "all", Exports: exportFormats}
	v.Keep.Set("workload", d.Workload)
	v.Keep.Set("changes", q.Get("changes"))
	if d.Workload != "" && !slices.Contains(d.Workloads, d.Workload) {
		return badRequest("no workload %q: no interface carried that Name tag in the lake's CloudTrail or snapshots", d.Workload)
	}
	v.Data = d
	if d.Workload != "" {
		j := s.recommendJob(r.snap, r.window, d.Workload)
		if !j.ready {
			d.Running = append(d.Running, newRunning("the recommendation for "+d.Workload, j))
		} else if j.err != nil {
			return j.err
		} else {
			d.Recommendations = j.val.([]*sgadvisor.Report)
		}
	}
	j := s.auditJob(r.snap, r.window)
	switch {
	case !j.ready:
		d.Running = append(d.Running, newRunning("the security-group audit", j))
	case j.err != nil:
		return j.err
	default:
		d.Audit = j.val.(*sgaudit.Report)
		for _, c := range d.Audit.Changes {
			if len(c.Flags) > 0 {
				d.Flagged = append(d.Flagged, c)
			}
		}
	}
	if len(d.Running) > 0 {
		v.Status = http.StatusAccepted
	}
	return nil
}

// auditJob is `flowtrail sg audit` over the window: judging rule use
// needs every conversation in it (tens of seconds on 10 M records).
func (s *Server) auditJob(snap *snapshot, w window) job {
	sw := sgaudit.Window{Since: w.Since, Until: w.Until}
	return s.slow(snap, "sg|"+w.key(), func(ctx context.Context, e *engine.Engine, _ func(string)) (any, error) {
		return sgaudit.Run(ctx, e, sw)
	})
}

// recommendJob is `flowtrail sg recommend --workload NAME` over the
// window: like the command, it leaves out the traffic the indicator
// lists and the window's hunt findings name, so it waits for that hunt
// first (outside the batch engine's turn, which the hunt needs).
func (s *Server) recommendJob(snap *snapshot, w window, workload string) job {
	opts := sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindWorkload, ID: workload}, Since: w.Since, Until: w.Until}
	return snap.results.background(snap.ctx, "recommend|"+workload+"|"+w.key(), s.cfg.SlowTimeout, func(ctx context.Context, note func(string)) (any, error) {
		s.huntJob(snap, w)
		note("waiting for the hunt, whose findings it leaves out")
		rep, err := snap.results.wait(ctx, "hunt|"+w.key())
		if err != nil {
			return nil, fmt.Errorf("cannot hunt for traffic to exclude: %w", err)
		}
		opts.Exclude = append(sgadvisor.FromIndicators(s.cfg.Hunt.Indicators), sgadvisor.FromFindings(rep.(*hunt.Report).Findings)...)
		note("deriving the rules")
		b, err := snap.batchDB(ctx)
		if err != nil {
			return nil, err
		}
		var out []*sgadvisor.Report
		err = b.do(ctx, func(e *engine.Engine) error {
			var err error
			out, err = sgadvisor.Run(ctx, e, opts)
			return err
		})
		return out, err
	})
}

// exportFormats are the downloads the page offers.
var exportFormats = []string{"aws-cli", "terraform", "cloudformation", "json"}

// sgExport downloads the recommendation as `flowtrail sg recommend
// --format F` writes it, once it is computed.
func (s *Server) sgExport(w http.ResponseWriter, hr *http.Request) {
	snap, release := s.lake.acquire(hr.Context())
	defer release()
	win, err := parseWindow(hr)
	if err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	q := hr.URL.Query()
	name, format := q.Get("workload"), q.Get("format")
	if !slices.Contains(exportFormats, format) || !slices.Contains(snap.workloads(), name) {
		refuse(w, http.StatusBadRequest, "give a known workload and a format: %v", exportFormats)
		return
	}
	j := s.recommendJob(snap, win, name)
	if !j.ready {
		refuse(w, http.StatusServiceUnavailable, "the recommendation for %s is still being computed: try again shortly", name)
		return
	}
	if j.err != nil {
		refuse(w, http.StatusInternalServerError, "%v", j.err)
		return
	}
	types := map[string]string{"json": "application/json", "cloudformation": "application/json"}
	w.Header().Set("Content-Type", cmpOr(types[format], "text/plain; charset=utf-8"))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, safeName(name), sgadvisor.Extensions[format]))
	w.Header().Set("Cache-Control", "no-store")
	if err := sgadvisor.Write(w, format, j.val.([]*sgadvisor.Report)); err != nil {
		refuse(w, http.StatusInternalServerError, "%v", err)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// safeName keeps a workload's name to letters, digits, - and _ for a
// file name.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
