package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// overviewData is the first page: volume over time, who sends most,
// who is rejected most, where the logs have holes.
type overviewData struct {
	Series      *traffic.Series   `json:"series"`
	Bucket      string            `json:"bucket"`
	Totals      totals            `json:"totals"`
	TopTalkers  *table            `json:"top_talkers"`
	TopRejected *table            `json:"top_rejected"`
	Coverage    *traffic.Coverage `json:"coverage"`
}

// totals sum the series.
type totals struct {
	Records         int64 `json:"records"`
	AcceptedRecords int64 `json:"accepted_records"`
	RejectedRecords int64 `json:"rejected_records"`
	AcceptedBytes   int64 `json:"accepted_bytes"`
	RejectedBytes   int64 `json:"rejected_bytes"`
}

// maxBuckets bounds the points of a chart.
const maxBuckets = 300

var addrLinks = map[string]string{"srcaddr": "ip", "dstaddr": "ip"}

func (s *Server) overview(r *request, v *view) error {
	v.Title = "Overview"
	bucket := traffic.BucketFor(r.window.span(r.extent), maxBuckets)
	d, err := s.quick(r.Context(), r.snap, "overview|"+r.window.key(), func(ctx context.Context, e *engine.Engine) (any, error) {
		return buildOverview(ctx, e, r.window, bucket)
	})
	if err != nil {
		return err
	}
	v.Data = overviewPage{overviewData: d.(*overviewData), Findings: s.findingsSummary(r.snap, r.window)}
	return nil
}

// overviewPage adds the window's findings, which come from a hunt that
// runs in the background and so are not kept with the rest.
type overviewPage struct {
	*overviewData
	Findings *findingsSummary `json:"findings"`
}

// findingsSummary counts the window's findings by severity, or says the
// hunt is running.
type findingsSummary struct {
	Window     window          `json:"-"`
	Running    *running        `json:"running,omitempty"`
	Error      string          `json:"error,omitempty"`
	BySeverity []severityCount `json:"by_severity,omitempty"`
	Total      int             `json:"total"`
}

func (s *Server) findingsSummary(snap *snapshot, w window) *findingsSummary {
	rep, j := s.huntReport(snap, w)
	fs := &findingsSummary{Window: w}
	switch {
	case rep != nil:
		fs.BySeverity, fs.Total = bySeverity(rep.Findings), len(rep.Findings)
	case j.err != nil:
		fs.Error = j.err.Error()
	default:
		fs.Running = newRunning("the hunt", j)
	}
	return fs
}

// findingsFragment is the overview's findings box on its own, which the
// overview asks for again while the hunt runs.
func (s *Server) findingsFragment(w http.ResponseWriter, hr *http.Request) {
	snap, release := s.lake.acquire(hr.Context())
	defer release()
	win, err := parseWindow(hr)
	if err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.pages.fragment(w, "overview", "findings-summary", s.findingsSummary(snap, win))
}

func buildOverview(ctx context.Context, e *engine.Engine, w window, bucket time.Duration) (*overviewData, error) {
	d := &overviewData{Bucket: humanDuration(bucket)}
	var err error
	if d.Series, err = traffic.VolumeOverTime(ctx, e, w.traffic(), bucket); err != nil {
		return nil, err
	}
	d.Totals = sum(d.Series)
	if d.TopTalkers, err = namedTable(ctx, e, w, "Top talkers", "VpcFlowLogsTopTalkers", []string{"limit=10"}, addrLinks); err != nil {
		return nil, err
	}
	if d.TopRejected, err = namedTable(ctx, e, w, "Top rejected sources", "RejectedTCPBySource", []string{"limit=10"}, addrLinks); err != nil {
		return nil, err
	}
	if d.Coverage, err = traffic.Gaps(ctx, e, w.traffic(), e.Inventory()); err != nil {
		return nil, err
	}
	return d, nil
}

func sum(s *traffic.Series) totals {
	var t totals
	for _, p := range s.Points {
		t.AcceptedRecords += p.AcceptedRecords
		t.RejectedRecords += p.RejectedRecords
		t.AcceptedBytes += p.AcceptedBytes
		t.RejectedBytes += p.RejectedBytes
		t.Records += p.AcceptedRecords + p.RejectedRecords + p.NoActionRecords
	}
	return t
}

// humanDuration writes a bucket size as people say it: 5 min, 1 h, 1 d.
func humanDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d d", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}
