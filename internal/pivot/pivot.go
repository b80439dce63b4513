// Package pivot answers "everything about one address, interface or
// instance": its peers in and out, volumes, ports, verdicts, first and
// last seen, the interfaces it touched and its hour-by-hour activity.
package pivot

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Window bounds the records considered, on their start time; a zero end
// is open.
type Window struct {
	Since, Until time.Time
}

// Subject is what a pivot is about.
type Subject struct {
	Kind  string // "ip", "eni" or "instance"
	Value string
}

// Report is a pivot's result. Volumes count flow records: a conversation
// between two monitored interfaces is logged at both ends, so its bytes
// appear twice here; the conversations view counts them once.
type Report struct {
	Subject  Subject        `json:"subject"`
	Counting string         `json:"counting"`
	Summary  map[string]any `json:"summary"`
	Peers    []Row          `json:"peers"`
	Hourly   []Row          `json:"hourly"`
	Columns  Columns        `json:"-"`
}

// Row is one result row as column → value.
type Row map[string]any

// Columns keeps the column order of each table for rendering.
type Columns struct {
	Summary, Peers, Hourly []string
}

var (
	eniRE      = regexp.MustCompile(`^eni-[0-9a-f]{1,32}$`)
	instanceRE = regexp.MustCompile(`^i-[0-9a-f]{1,32}$`)
)

// NewSubject validates what the user asked about.
func NewSubject(kind, value string) (Subject, error) {
	switch kind {
	case "ip":
		a, err := netip.ParseAddr(value)
		if err != nil {
			return Subject{}, fmt.Errorf("%q is not an IPv4 or IPv6 address", value)
		}
		return Subject{Kind: kind, Value: a.Unmap().String()}, nil
	case "eni":
		if !eniRE.MatchString(value) {
			return Subject{}, fmt.Errorf("%q is not a network interface id (eni-0123abcd…)", value)
		}
	case "instance":
		if !instanceRE.MatchString(value) {
			if strings.HasPrefix(value, "i-") || value == "" {
				return Subject{}, fmt.Errorf("%q is not an instance id (i-0123abcd…) nor a Name tag", value)
			}
			// A Name tag: every instance that carried it, while it did.
			// The engine must be opened narrowed to it (Options.Workload).
			return Subject{Kind: "workload", Value: value}, nil
		}
	default:
		return Subject{}, fmt.Errorf("unknown pivot %q", kind)
	}
	return Subject{Kind: kind, Value: value}, nil
}

// Run builds the report for s over the records in w: one statement, so
// the subject's records are read from the lake once.
func Run(ctx context.Context, e *engine.Engine, s Subject, w Window, maxPeers int) (*Report, error) {
	q := newQueries(s, w, maxPeers)
	res, err := e.QueryParams(ctx, q.report(), 0, q.args...)
	if err != nil {
		return nil, fmt.Errorf("cannot pivot on %s %s: %w", s.Kind, s.Value, err)
	}
	r := &Report{Subject: s, Counting: "flow records: a conversation seen at two monitored interfaces is counted at both",
		Summary: Row{}, Peers: []Row{}, Hourly: []Row{},
		Columns: Columns{Summary: names(summaryColumns), Peers: names(peerColumns), Hourly: names(hourlyColumns)}}
	idx := map[string]int{}
	for i, c := range res.Columns {
		idx[c] = i
	}
	for _, row := range res.Rows {
		switch row[idx["part"]] {
		case "summary":
			r.Summary = pick(row, idx, r.Columns.Summary)
		case "peer":
			r.Peers = append(r.Peers, pick(row, idx, r.Columns.Peers))
		case "hour":
			r.Hourly = append(r.Hourly, pick(row, idx, r.Columns.Hourly))
		}
	}
	return r, nil
}

// pick keeps one part's columns of a row of the united result.
func pick(row []any, idx map[string]int, cols []string) Row {
	out := Row{}
	for _, c := range cols {
		out[c] = row[idx[c]]
	}
	return out
}
