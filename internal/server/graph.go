package server

import (
	"context"
	"strconv"

	"github.com/flowtrail/flowtrail/internal/engine"
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
	v.Data = d
	return err
}
