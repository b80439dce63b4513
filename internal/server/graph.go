package server

import (
	"context"
	"strconv"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// graphPage is the drawing's frame; its elements come from /api/graph
// with the same window.
func (s *Server) graphPage(r *request, v *view) error {
	v.Title = "Traffic graph"
	v.Data = map[string]string{"src": href("/api/graph", r.window, "nodes", r.URL.Query().Get("nodes"))}
	v.Keep.Set("nodes", r.URL.Query().Get("nodes"))
	return nil
}

// graphAnswer is the graph with the window's findings marked on it,
// once the hunt is done.
type graphAnswer struct {
	*traffic.Graph
	Hunt string `json:"hunt"` // running, done or failed
	// Flagged maps "source>target" edges and node IDs that findings are
	// about to the worst severity among them.
	FlaggedEdges map[string]string `json:"flagged_edges"`
	FlaggedNodes map[string]string `json:"flagged_nodes"`
}

func (s *Server) graphData(r *request, v *view) error {
	o := traffic.GraphOptions{}
	if n := r.URL.Query().Get("nodes"); n != "" {
		k, err := strconv.Atoi(n)
		if err != nil || k < 10 || k > 2000 {
			return badRequest("nodes %q: give a number from 10 to 2000", n)
		}
		o.MaxNodes = k
		o.External, o.Private = k/4, k/4
	}
	d, err := s.quick(r.Context(), r.snap, "graph|"+r.window.key()+"|"+strconv.Itoa(o.MaxNodes), func(ctx context.Context, e *engine.Engine) (any, error) {
		return traffic.TalkGraph(ctx, e, r.window.traffic(), e.Inventory(), o)
	})
	if err != nil {
		return err
	}
	a := &graphAnswer{Graph: d.(*traffic.Graph), Hunt: "running", FlaggedEdges: map[string]string{}, FlaggedNodes: map[string]string{}}
	rep, j := s.huntReport(r.snap, r.window)
	switch {
	case rep != nil:
		a.Hunt = "done"
		a.flag(rep.Findings)
	case j.err != nil:
		a.Hunt = "failed"
	}
	v.Data = a
	return nil
}

// flag marks the nodes each finding's ends stood for when it began,
// and the edges between them.
func (a *graphAnswer) flag(fs []hunt.Finding) {
	worse := func(m map[string]string, k string, s hunt.Severity) {
		if k != "" && severityOf(m[k]) < s {
			m[k] = s.String()
		}
	}
	for _, f := range fs {
		src, dst := a.NodeOf(f.Src.Address, f.FirstSeen), a.NodeOf(f.Dst.Address, f.FirstSeen)
		worse(a.FlaggedNodes, src, f.Severity)
		worse(a.FlaggedNodes, dst, f.Severity)
		if src == "" || dst == "" {
			continue
		}
		worse(a.FlaggedEdges, src+">"+dst, f.Severity)
		worse(a.FlaggedEdges, dst+">"+src, f.Severity)
	}
}
