package traffic

import (
	"context"
	"fmt"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// Series is volume over time in equal buckets.
type Series struct {
	Bucket   time.Duration `json:"-"`
	Seconds  int64         `json:"bucket_seconds"`
	Counting string        `json:"counting"`
	Points   []Point       `json:"points"`
}

// Point is one bucket. Records without an action (NODATA, SKIPDATA)
// count in NoAction only.
type Point struct {
	Time            time.Time `json:"time"`
	AcceptedBytes   int64     `json:"accepted_bytes"`
	RejectedBytes   int64     `json:"rejected_bytes"`
	AcceptedRecords int64     `json:"accepted_records"`
	RejectedRecords int64     `json:"rejected_records"`
	NoActionRecords int64     `json:"no_action_records"`
}

// buckets are the sizes a series may use, smallest first.
var buckets = []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// BucketFor picks the smallest bucket that cuts span into at most max
// buckets (the largest one when none does).
func BucketFor(span time.Duration, max int) time.Duration {
	for _, b := range buckets {
		if span/b <= time.Duration(max) {
			return b
		}
	}
	return buckets[len(buckets)-1]
}

// seriesSQL sums a relation of flow records (%s) per bucket of $3
// seconds, in the window $1, $2.
const seriesSQL = `SELECT (start // $3::BIGINT) * $3::BIGINT AS t,
  coalesce(sum(bytes) FILTER (WHERE action = 'ACCEPT'), 0)::BIGINT AS accepted_bytes,
  coalesce(sum(bytes) FILTER (WHERE action = 'REJECT'), 0)::BIGINT AS rejected_bytes,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  count(*) FILTER (WHERE action IS NULL) AS no_action
FROM %s WHERE ` + inWindow + ` AND start IS NOT NULL
GROUP BY t ORDER BY t`

// VolumeOverTime sums bytes and counts records per bucket, accepted and
// rejected apart. Buckets with no records are absent.
func VolumeOverTime(ctx context.Context, e *engine.Engine, w Window, bucket time.Duration) (*Series, error) {
	return seriesOf(ctx, e, "flows", w, bucket)
}

// seriesOf charts the records of relation, a view or a parenthesised
// query over flows.
func seriesOf(ctx context.Context, e *engine.Engine, relation string, w Window, bucket time.Duration) (*Series, error) {
	secs := max(int64(bucket/time.Second), 1)
	res, err := run(ctx, e, "chart traffic over time", fmt.Sprintf(seriesSQL, relation), w, secs)
	if err != nil {
		return nil, err
	}
	s := &Series{Bucket: time.Duration(secs) * time.Second, Seconds: secs, Counting: Counting, Points: make([]Point, 0, len(res.Rows))}
	for _, r := range res.Rows {
		s.Points = append(s.Points, Point{Time: time.Unix(engine.AsInt(r[0]), 0).UTC(), AcceptedBytes: engine.AsInt(r[1]), RejectedBytes: engine.AsInt(r[2]),
			AcceptedRecords: engine.AsInt(r[3]), RejectedRecords: engine.AsInt(r[4]), NoActionRecords: engine.AsInt(r[5])})
	}
	return s, nil
}

// Extent is the span the lake's flow records cover.
type Extent struct {
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	Records int64     `json:"records"`
}

// FlowExtent finds the first start and last end of the flow records.
func FlowExtent(ctx context.Context, e *engine.Engine) (*Extent, error) {
	res, err := run(ctx, e, "find the records' time span", `SELECT min(start), max("end"), count(*) FROM flows WHERE `+inWindow, Window{})
	if err != nil {
		return nil, err
	}
	r := res.Rows[0]
	x := &Extent{Records: engine.AsInt(r[2])}
	if r[0] != nil {
		x.First, x.Last = time.Unix(engine.AsInt(r[0]), 0).UTC(), time.Unix(engine.AsInt(r[1]), 0).UTC()
	}
	return x, nil
}
