package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ledger"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// pages are the parsed templates, one set per page, and the static
// files with their version (a hash of their contents, for cache-busting
// URLs).
type pages struct {
	sets    map[string]*template.Template
	static  fs.FS
	version string
}

func parsePages(assets fs.FS) (*pages, error) {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("cannot open the web assets: %w", err)
	}
	version, err := hashTree(static)
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}, static: static, version: version}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("cannot find the page templates in the web assets: %v", err)
	}
	for _, n := range names {
		t, err := template.New("").Funcs(p.funcs()).ParseFS(assets, "templates/layout.html", "templates/parts/*.html", n)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", n, err)
		}
		p.sets[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return p, nil
}

// hashTree hashes every file under static: the version in asset URLs.
func hashTree(root fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("cannot read the web assets: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// view is what every page template gets.
type view struct {
	Title   string
	Page    string // the template, and the nav entry lit
	Path    string // the page's path, for the time picker's form
	Window  window
	Extent  *traffic.Extent
	Presets []preset
	Keep    url.Values // parameters the time picker keeps
	Lake    string
	Version string
	Data    any
	Running *running // a long analysis the page waits for
	Error   string
	Status  int
}

// render writes v with its page's template, buffered so that a template
// error becomes a clean 500.
func (p *pages) render(w http.ResponseWriter, v *view) {
	t, ok := p.sets[v.Page]
	if !ok {
		refuse(w, http.StatusInternalServerError, "no template for page %q", v.Page)
		return
	}
	v.Version = p.version
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.Error("cannot render page", "page", v.Page, "err", err)
		refuse(w, http.StatusInternalServerError, "cannot render the page: %v", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(cmpStatus(v.Status))
	w.Write(buf.Bytes())
}

// fragment writes one named template of a page's set: the part htmx
// swaps in.
func (p *pages) fragment(w http.ResponseWriter, page, name string, data any) {
	t, ok := p.sets[page]
	if !ok {
		refuse(w, http.StatusInternalServerError, "no template for page %q", page)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("cannot render fragment", "page", page, "fragment", name, "err", err)
		refuse(w, http.StatusInternalServerError, "cannot render: %v", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// writeJSON writes v as the API's answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "cannot encode the answer: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// refuse answers with a plain-text error.
func refuse(w http.ResponseWriter, status int, format string, a ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, format+"\n", a...)
}

// userError is a request the user can fix: 400, shown on the page.
type userError struct{ error }

func badRequest(format string, a ...any) error { return userError{fmt.Errorf(format, a...)} }

func statusOf(err error) int {
	var ue userError
	switch {
	case errors.As(err, &ue):
		return http.StatusBadRequest
	case errors.Is(err, errBusy), errors.Is(err, errTooMany):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (p *pages) funcs() template.FuncMap {
	return template.FuncMap{
		"href":            href,
		"asset":           func(name string) string { return "/static/" + name + "?v=" + p.version },
		"time":            fmtTime,
		"bytes":           fmtBytes,
		"num":             fmtNum,
		"cell":            cell,
		"datetime":        func(t time.Time) string { return inputTime(t) },
		"add":             func(a, b int) int { return a + b },
		"sub":             func(a, b int) int { return max(a-b, 0) },
		"join":            strings.Join,
		"navItems":        func() []navItem { return nav },
		"keep":            keepHref,
		"sameWindow":      func(a, b window) bool { return a.Since.Equal(b.Since) && a.Until.Equal(b.Until) },
		"tbl":             func(t *table, w window) tableView { return tableView{T: t, W: w} },
		"pivotHref":       func(kind string, v any, w window) string { return href("/pivot", w, "kind", kind, "value", cell(v)) },
		"cellClass":       cellClass,
		"navActive":       func(page, item string) bool { return page == item || page+"s" == item },
		"severityNames":   func() []string { return severities },
		"endpointOf":      func(e hunt.Endpoint, w window) endpointView { return endpointView{E: e, W: w} },
		"mitreURL":        mitreURL,
		"recOf":           func(r *sgadvisor.Report, w window, name string) recView { return recView{R: r, W: w, Name: name} },
		"exportFormatsOf": func() []string { return exportFormats },
		"rulesOf": func(r *sgadvisor.Report) []ruleSet {
			return []ruleSet{{"ingress", r.Ingress}, {"egress", r.Egress}}
		},
		"seenOf": func(r *sgadvisor.Report) []seenSet {
			return []seenSet{{"Exposure: admitted, never answered", r.Exposure}, {"Not recommended", r.NotRecommended}}
		},
		"diffRows": diffRows,
		"portsInt": func(from, to int) string { return portRange(int64(from), int64(to)) },
		"list":     asList,
		"ports":    portRange,
		"rejectsOf": func(p *ledger.Page, w window, path string, keep url.Values) rejectsView {
			return rejectsView{Page: p, W: w, Path: path, Keep: keep}
		},
	}
}

// navItem is one entry of the top navigation.
type navItem struct{ Path, Page, Label string }

var nav = []navItem{{"/overview", "overview", "Overview"}, {"/findings", "findings", "Findings"}, {"/graph", "graph", "Traffic graph"},
	{"/pivot", "pivot", "Pivot"}, {"/sg", "sg", "Security groups"}, {"/console", "console", "SQL console"}, {"/sources", "sources", "Sources"}}

type recView struct {
	R    *sgadvisor.Report
	W    window
	Name string
}

type ruleSet struct {
	Direction string
	Rules     []sgadvisor.Rule
}

type seenSet struct {
	Title string
	Seen  []sgadvisor.Seen
}

// diffRow is one line of a recommendation's diff.
type diffRow struct {
	Change string
	Rule   sgadvisor.DiffRule
}

// diffRows lists a diff's changes, the ones to act on first.
func diffRows(d sgadvisor.Diff) []diffRow {
	var out []diffRow
	for _, c := range []struct {
		change string
		rules  []sgadvisor.DiffRule
	}{{"add", d.Add}, {"remove", d.Remove}, {"narrow", d.Narrow}, {"keep", d.Keep}} {
		for _, r := range c.rules {
			out = append(out, diffRow{c.change, r})
		}
	}
	return out
}

type endpointView struct {
	E hunt.Endpoint
	W window
}

// mitreURL links an ATT&CK technique (T1046, T1110.001) to its page.
func mitreURL(id string) string {
	if !mitreID.MatchString(id) {
		return ""
	}
	return "https://attack.mitre.org/techniques/" + strings.Replace(id, ".", "/", 1) + "/"
}

var mitreID = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)

type tableView struct {
	T *table
	W window
}

type rejectsView struct {
	Page *ledger.Page
	W    window
	Path string
	Keep url.Values
}

// keepHref links to path in window w with the parameters keep (the
// page's own) and further key, value pairs replacing them.
func keepHref(path string, w window, keep url.Values, kv ...any) string {
	v := w.values()
	for k, vs := range keep {
		if len(vs) > 0 && vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func cellClass(v any) string {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return "num"
	}
	return ""
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}

// portRange writes a rule's ports as the audit prints them.
func portRange(from, to int64) string {
	switch {
	case from == -1:
		return "all"
	case from == to:
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// href builds a link to path within the window, with further
// parameters given as key, value pairs (empty values left out).
func href(path string, w window, kv ...any) string {
	v := w.values()
	for i := 0; i+1 < len(kv); i += 2 {
		if s := fmt.Sprint(kv[i+1]); s != "" {
			v.Set(fmt.Sprint(kv[i]), s)
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func fmtTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	case *time.Time:
		if t == nil {
			return ""
		}
		return fmtTime(*t)
	}
	return fmt.Sprint(v)
}

// inputTime is t as a datetime-local input shows it (UTC).
func inputTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

// fmtBytes is n in binary units, one decimal.
func fmtBytes(v any) string {
	n := float64(toInt64(v))
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

// fmtNum writes an integer with thin spaces between thousands.
func fmtNum(v any) string {
	s := fmt.Sprint(toInt64(v))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// cell formats one value of a query result as the CLI's tables do,
// times at whole seconds.
func cell(v any) string {
	if t, ok := v.(time.Time); ok && t.Nanosecond() == 0 {
		return fmtTime(t)
	}
	return render.Text(v)
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func itoa(n int) string { return fmt.Sprint(n) }
