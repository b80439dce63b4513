package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// windowFlags are --since and --until, shared by every command that reads
// a time range.
type windowFlags struct {
	since, until string
}

// parseWhen reads a point in time: RFC 3339, a date (YYYY-MM-DD, UTC
// midnight), Unix seconds, or a duration before now ("90m", "24h", "7d").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e8 {
		return time.Unix(n, 0).UTC(), nil
	}
	if d, ok := parseAgo(s); ok {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-03T14:00:00Z), a date (2026-11-03), Unix seconds, or a duration ago (24h, 7d)", s)
}

func parseAgo(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n >= 0
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// bounds parses both flags; empty flags leave their end open.
func (w windowFlags) bounds(now time.Time) (since, until time.Time, err error) {
	if w.since != "" {
		if since, err = parseWhen(w.since, now); err != nil {
			return since, until, usagef("--since: %v", err)
		}
	}
	if w.until != "" {
		if until, err = parseWhen(w.until, now); err != nil {
			return since, until, usagef("--until: %v", err)
		}
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return since, until, usagef("--since %s is not before --until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	return since, until, nil
}
