package server

import (
	"context"
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
	v.Data = d
	return err
}

func buildOverview(ctx context.Context, e *engine.Engine, w window, bucket time.Duration) (*overviewData, error) {
	d := &overviewData{Bucket: bucket.String()}
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
