package server

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/flowtrail/flowtrail/internal/traffic"
)

// window is the time range every page honours, from the since and until
// parameters: records with since ≤ start < until; an empty end is open.
type window struct {
	Since, Until time.Time
}

// timeLayouts are what the picker sends (datetime-local, in UTC) and
// what people type.
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-01T14:00:00Z) or a date (2026-11-01), in UTC", s)
}

func parseWindow(r *http.Request) (window, error) {
	var w window
	var err error
	q := r.URL.Query()
	if s := q.Get("since"); s != "" {
		if w.Since, err = parseTime(s); err != nil {
			return w, fmt.Errorf("since: %w", err)
		}
	}
	if s := q.Get("until"); s != "" {
		if w.Until, err = parseTime(s); err != nil {
			return w, fmt.Errorf("until: %w", err)
		}
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
		return w, fmt.Errorf("since %s is not before until %s", w.Since.Format(time.RFC3339), w.Until.Format(time.RFC3339))
	}
	return w, nil
}

// values are the window as query parameters.
func (w window) values() url.Values {
	v := url.Values{}
	if !w.Since.IsZero() {
		v.Set("since", w.Since.Format(time.RFC3339))
	}
	if !w.Until.IsZero() {
		v.Set("until", w.Until.Format(time.RFC3339))
	}
	return v
}

// key identifies the window in cache keys.
func (w window) key() string { return w.values().Encode() }

func (w window) traffic() traffic.Window { return traffic.Window{Since: w.Since, Until: w.Until} }

func (w window) open() bool { return w.Since.IsZero() && w.Until.IsZero() }

// span is how long the window lasts, taking open ends from the records'
// extent.
func (w window) span(x *traffic.Extent) time.Duration {
	from, to := w.Since, w.Until
	if from.IsZero() {
		from = x.First
	}
	if to.IsZero() {
		to = x.Last
	}
	return max(to.Sub(from), time.Minute)
}

// preset is a quick choice in the picker.
type preset struct {
	Label  string
	Window window
}

// presets are the last hour, six hours and day of the records (not of
// the clock: a lake is evidence from the past), and everything.
func presets(x *traffic.Extent) []preset {
	out := []preset{{Label: "all", Window: window{}}}
	if x.Last.IsZero() {
		return out
	}
	end := x.Last.Truncate(time.Minute).Add(time.Minute)
	for _, p := range []struct {
		label string
		d     time.Duration
	}{{"last hour", time.Hour}, {"last 6 h", 6 * time.Hour}, {"last 24 h", 24 * time.Hour}, {"last 7 d", 7 * 24 * time.Hour}} {
		if p.d < x.Last.Sub(x.First) {
			out = append(out, preset{Label: p.label, Window: window{Since: end.Add(-p.d), Until: end}})
		}
	}
	return out
}
