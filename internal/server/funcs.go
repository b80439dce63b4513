package server

import (
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ledger"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
)

// The templates' functions and the small views they pass to the parts
// (tables, endpoints, recommendations, rejected lines).

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
		"portsInt": func(from, to int) string { return sgaudit.PortRange(int64(from), int64(to)) },
		"list":     asList,
		"ports":    sgaudit.PortRange,
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
	n := float64(engine.AsInt(v))
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
	s := fmt.Sprint(engine.AsInt(v))
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
// times at whole seconds, lists as their elements joined.
func cell(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.Nanosecond() == 0 {
			return fmtTime(x)
		}
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e)
		}
		return strings.Join(parts, ", ")
	}
	return render.Text(v)
}

func itoa(n int) string { return fmt.Sprint(n) }
