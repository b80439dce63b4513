package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", s.static())
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/overview?"+r.URL.RawQuery, http.StatusSeeOther)
	})
	s.page("/overview", "overview", s.overview)
	s.page("/findings", "findings", s.findingsPage)
	s.page("/findings/{id}", "finding", s.findingPage)
	m.HandleFunc("GET /graph", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "graph", s.graphPage, false) })
	s.page("/pivot", "pivot", s.pivotPage)
	s.page("/sg", "sg", s.sgPage)
	s.page("/console", "console", s.consolePage)
	s.page("/sources", "sources", s.sourcesPage)
	s.page("/sources/{id}", "source", s.sourcePage)
	m.Handle("GET /api/graph", s.apiOnly(s.graphData))
	m.HandleFunc("GET /overview/findings", s.findingsFragment)
	m.HandleFunc("GET /sg/export", s.sgExport)
	m.HandleFunc("POST /console/run", s.consoleRun)
	m.HandleFunc("POST /api/query", s.apiQuery)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusNotFound, "no such page: %s", r.URL.Path)
	})
}

// static serves the embedded files; the version in their URLs changes
// with their contents, so they may be cached.
func (s *Server) static() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(s.pages.static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			refuse(w, http.StatusNotFound, "no such file")
			return
		}
		if s.dev {
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=86400")
		}
		files.ServeHTTP(w, r)
	})
}

// request is what a page handler works with.
type request struct {
	*http.Request
	snap   *snapshot
	window window
	extent *traffic.Extent
}

// pageFunc fills a view's data (and may set its title or the
// parameters the time picker keeps).
type pageFunc func(r *request, v *view) error

// page registers a page at path and its JSON twin at /api/path: one
// handler, two faces.
func (s *Server) page(path, name string, fn pageFunc) {
	s.mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, name, fn, false) })
	s.mux.HandleFunc("GET /api"+path, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, name, fn, true) })
}

func (s *Server) serve(w http.ResponseWriter, hr *http.Request, name string, fn pageFunc, api bool) {
	snap, release := s.lake.acquire(hr.Context())
	defer release()
	v := &view{Page: name, Path: hr.URL.Path, Lake: snap.describe(), Keep: url.Values{}}
	r, err := s.request(hr, snap)
	if err == nil {
		v.Window, v.Extent, v.Presets = r.window, r.extent, presets(r.extent)
		err = fn(r, v)
	}
	if err != nil {
		v.Error, v.Status = err.Error(), statusOf(err)
	}
	if api {
		s.answer(w, v)
		return
	}
	if v.Extent == nil {
		v.Extent = &traffic.Extent{}
	}
	s.pages.render(w, v)
}

// answer writes a view's data as JSON: 202 while a long analysis runs.
func (s *Server) answer(w http.ResponseWriter, v *view) {
	if v.Error != "" {
		writeJSON(w, v.Status, map[string]string{"error": v.Error})
		return
	}
	if v.Running != nil {
		writeJSON(w, http.StatusAccepted, v.Running)
		return
	}
	writeJSON(w, cmpStatus(v.Status), v.Data)
}

func (s *Server) request(hr *http.Request, snap *snapshot) (*request, error) {
	w, err := parseWindow(hr)
	if err != nil {
		return nil, userError{err}
	}
	x, err := s.extent(hr.Context(), snap)
	if err != nil {
		return nil, err
	}
	return &request{Request: hr, snap: snap, window: w, extent: x}, nil
}

// extent is the span of the lake's records, once per snapshot (a
// failure, a busy engine say, is tried again by the next request).
func (s *Server) extent(ctx context.Context, snap *snapshot) (*traffic.Extent, error) {
	snap.extentMu.Lock()
	defer snap.extentMu.Unlock()
	if snap.extent != nil {
		return snap.extent, nil
	}
	err := snap.pages.do(ctx, func(e *engine.Engine) error {
		var err error
		snap.extent, err = traffic.FlowExtent(ctx, e)
		return err
	})
	return snap.extent, err
}

// quick computes key once per snapshot on the pages engine, within the
// request's time.
func (s *Server) quick(ctx context.Context, snap *snapshot, key string, fn func(context.Context, *engine.Engine) (any, error)) (any, error) {
	return snap.results.get(ctx, key, func(ctx context.Context) (any, error) {
		var out any
		err := snap.pages.do(ctx, func(e *engine.Engine) error {
			var err error
			out, err = fn(ctx, e)
			return err
		})
		return out, err
	})
}

// slow computes key once per snapshot on the batch engine, in the
// background: the page shows it running and asks again.
func (s *Server) slow(snap *snapshot, key string, fn func(context.Context, *engine.Engine, func(string)) (any, error)) job {
	return snap.results.background(snap.ctx, key, s.cfg.SlowTimeout, func(ctx context.Context, note func(string)) (any, error) {
		b, err := snap.batchDB(ctx)
		if err != nil {
			return nil, err
		}
		var out any
		err = b.do(ctx, func(e *engine.Engine) error {
			var err error
			out, err = fn(ctx, e, note)
			return err
		})
		return out, err
	})
}

// running is what a page shows while a long analysis runs; the page
// asks again every few seconds.
type running struct {
	Running bool      `json:"running"`
	What    string    `json:"what"`
	Now     string    `json:"now,omitempty"` // the step it is at
	Started time.Time `json:"started"`
	Elapsed string    `json:"elapsed"`
}

func newRunning(what string, j job) *running {
	return &running{Running: true, What: what, Now: j.note, Started: j.started, Elapsed: time.Since(j.started).Round(time.Second).String()}
}

// await turns a background job into the page's data: its value when
// ready, else the view shows it running.
func await(v *view, what string, j job) (any, error) {
	if !j.ready {
		v.Running = newRunning(what, j)
		return nil, nil
	}
	return j.val, j.err
}

// apiOnly serves JSON for data that has no page of its own (the graph's
// elements, fetched by the graph page).
func (s *Server) apiOnly(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) { s.serve(w, hr, "", fn, true) })
}
