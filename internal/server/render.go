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
	"strings"

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
