package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/render"
)

// shownRows bounds the rows the console's page shows; downloads get up
// to MaxRows.
const shownRows = 1000

// consoleData is the console's form: what to run, and the named queries
// to pick from.
type consoleData struct {
	SQL     string            `json:"sql"`
	Named   string            `json:"named"`
	Params  map[string]string `json:"params"`
	Queries []namedQuery      `json:"queries"`
	MaxRows int               `json:"max_rows"`
	Timeout string            `json:"timeout"`
}

// namedQuery is a named query as the picker lists it.
type namedQuery struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Params      []namedParam `json:"params"`
	SQL         string       `json:"sql"`
}

type namedParam struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Required bool   `json:"required"`
	Default  string `json:"default"`
	Help     string `json:"help"`
}

func namedQueries() []namedQuery {
	var out []namedQuery
	for _, q := range named.All() {
		nq := namedQuery{Name: q.Name, Description: q.Description, Params: []namedParam{}, SQL: q.SQL}
		for _, p := range q.Params {
			nq.Params = append(nq.Params, namedParam{Name: p.Name, Kind: p.Kind.String(), Required: p.Required, Default: p.Default, Help: p.Help})
		}
		out = append(out, nq)
	}
	return out
}

// consolePage fills the form from the address: sql=…, or named=… with
// param.NAME=…; nothing runs until the analyst presses Run.
func (s *Server) consolePage(r *request, v *view) error {
	q := r.URL.Query()
	d := &consoleData{SQL: q.Get("sql"), Named: q.Get("named"), Params: paramsOf(q), Queries: namedQueries(),
		MaxRows: s.cfg.MaxRows, Timeout: s.cfg.QueryTimeout.String()}
	if d.Named != "" {
		if _, err := named.Lookup(d.Named); err != nil {
			return userError{err}
		}
	}
	v.Title, v.Data = "SQL console", d
	return nil
}

// paramsOf collects param.NAME=VALUE pairs.
func paramsOf(q url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range q {
		if name, ok := strings.CutPrefix(k, "param."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			out[name] = strings.TrimSpace(vs[0])
		}
	}
	return out
}

// queryRequest is one console query: SQL, or a named query with its
// parameters in a window.
type queryRequest struct {
	SQL    string            `json:"sql"`
	Named  string            `json:"named"`
	Params map[string]string `json:"params"`
	Since  string            `json:"since"`
	Until  string            `json:"until"`
	Format string            `json:"format"`
}

// readQuery reads a query from a form or a JSON body.
func readQuery(r *http.Request) (*queryRequest, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		q := &queryRequest{}
		if err := json.NewDecoder(r.Body).Decode(q); err != nil {
			return nil, badRequest("cannot read the query: %v", err)
		}
		return q, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, badRequest("cannot read the form: %v", err)
	}
	f := r.PostForm
	return &queryRequest{SQL: f.Get("sql"), Named: f.Get("named"), Params: paramsOf(f), Since: f.Get("since"), Until: f.Get("until"), Format: f.Get("format")}, nil
}

// bind turns the request into a statement, as `flowtrail query` does:
// the analyst's SQL as it is, or a named query bound to its parameters
// and the window.
func (q *queryRequest) bind() (*named.Bound, error) {
	if q.Named == "" {
		if strings.TrimSpace(q.SQL) == "" {
			return nil, badRequest("no SQL: write a query or pick a named one")
		}
		return &named.Bound{SQL: q.SQL}, nil
	}
	var w named.Window
	var err error
	if q.Since != "" {
		if w.Since, err = parseTime(q.Since); err != nil {
			return nil, badRequest("since: %v", err)
		}
	}
	if q.Until != "" {
		if w.Until, err = parseTime(q.Until); err != nil {
			return nil, badRequest("until: %v", err)
		}
	}
	var params []string
	for _, k := range slices.Sorted(maps.Keys(q.Params)) {
		params = append(params, k+"="+q.Params[k])
	}
	b, err := named.Prepare(q.Named, params, w)
	if err != nil {
		return nil, userError{err}
	}
	return b, nil
}

// queryResult is a console query's answer.
type queryResult struct {
	Columns   []string `json:"columns"`
	Types     []string `json:"types"`
	Rows      [][]any  `json:"rows"`
	Truncated bool     `json:"truncated"`
	Elapsed   string   `json:"elapsed"`
	Shown     int      `json:"-"`
	Error     string   `json:"error,omitempty"`
	SQL       string   `json:"-"`
}

// runQuery runs one analyst query on the pages engine, read-only, with
// the engine's timeout, returning at most limit rows and whether more
// existed.
func (s *Server) runQuery(ctx context.Context, q *queryRequest, limit int) (*queryResult, error) {
	b, err := q.bind()
	if err != nil {
		return nil, err
	}
	snap, release := s.lake.acquire(ctx)
	defer release()
	start := time.Now()
	var res *engine.Result
	err = snap.pages.do(ctx, func(e *engine.Engine) error {
		var err error
		res, err = e.QueryParams(ctx, b.SQL, limit+1, b.Args...)
		return err
	})
	if err != nil {
		if errors.Is(err, errBusy) {
			return nil, err
		}
		return nil, userError{err} // the analyst's SQL, or the analyst's limits
	}
	out := &queryResult{Columns: res.Columns, Types: res.Types, Rows: res.Rows, Elapsed: time.Since(start).Round(time.Millisecond).String(), SQL: b.SQL}
	if len(out.Rows) > limit {
		out.Rows, out.Truncated = out.Rows[:limit], true
	}
	if out.Rows == nil {
		out.Rows = [][]any{}
	}
	return out, nil
}

// consoleRun answers the console's Run button with the result's
// fragment.
func (s *Server) consoleRun(w http.ResponseWriter, r *http.Request) {
	res, err := s.consoleQuery(r)
	if err != nil {
		res = &queryResult{Error: err.Error()}
	}
	s.pages.fragment(w, "console", "result", res)
}

func (s *Server) consoleQuery(r *http.Request) (*queryResult, error) {
	q, err := readQuery(r)
	if err != nil {
		return nil, err
	}
	res, err := s.runQuery(r.Context(), q, s.cfg.MaxRows)
	if err != nil {
		return nil, err
	}
	res.Shown = min(len(res.Rows), shownRows)
	return res, nil
}

// apiQuery runs a query for programs and downloads: JSON (an array of
// objects, as `flowtrail query --format json` prints), JSON lines or
// CSV. Whether rows were cut at MaxRows is in X-Flowtrail-Truncated.
func (s *Server) apiQuery(w http.ResponseWriter, r *http.Request) {
	q, err := readQuery(r)
	if err != nil {
		writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
		return
	}
	format := q.Format
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "jsonl" && format != "csv" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("format %q: use json, jsonl or csv", format)})
		return
	}
	res, err := s.runQuery(r.Context(), q, s.cfg.MaxRows)
	if err != nil {
		writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
		return
	}
	types := map[string]string{"json": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
	w.Header().Set("Content-Type", types[format])
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Flowtrail-Truncated", fmt.Sprint(res.Truncated))
	if r.URL.Query().Get("download") != "" || r.PostForm.Get("download") != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="flowtrail-query.%s"`, format))
	}
	_ = render.Rows(w, format, res.Columns, res.Rows)
}
