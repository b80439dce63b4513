package traffic_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
	"github.com/flowtrail/flowtrail/internal/testlake"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// Four hours from 2026-11-04T00:00Z. eni-0a logs in hours 0 and 3 (with
// a SKIPDATA record in hour 3) and nothing in hours 1 and 2; eni-0b logs
// in hour 0 only. So hours 1 and 2 are empty everywhere, and eni-0a has
// two silent hours.
const gappy = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40000 443 6 10 1000 1793750400 1793750460 ACCEPT OK
2 111111111111 eni-0a 203.0.113.9 10.0.1.5 50000 22 6 1 60 1793750500 1793750560 REJECT OK
2 111111111111 eni-0b 10.0.2.7 10.0.1.5 443 40000 6 8 5000 1793750400 1793750460 ACCEPT OK
2 111111111111 eni-0a 10.0.1.5 198.51.100.7 40010 443 6 4 400 1793761300 1793761360 ACCEPT OK
2 111111111111 eni-0a - - - - - - - 1793761400 1793761460 - SKIPDATA
`

func TestVolumeOverTime_Success(t *testing.T) {
	e := testlake.Open(t, gappy)
	s, err := traffic.VolumeOverTime(context.Background(), e, traffic.Window{}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 2 || s.Seconds != 3600 {
		t.Fatalf("want two hourly points, got %+v", s)
	}
	p := s.Points[0]
	if !p.Time.Equal(time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)) || p.AcceptedBytes != 6000 || p.RejectedBytes != 60 || p.AcceptedRecords != 2 || p.RejectedRecords != 1 {
		t.Errorf("hour 0 = %+v", p)
	}
	if q := s.Points[1]; q.AcceptedBytes != 400 || q.NoActionRecords != 1 || !q.Time.Equal(time.Date(2026, 11, 4, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("hour 3 = %+v", q)
	}
	w := traffic.Window{Since: time.Date(2026, 11, 4, 1, 0, 0, 0, time.UTC)}
	s, err = traffic.VolumeOverTime(context.Background(), e, w, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 1 || s.Points[0].AcceptedRecords != 1 {
		t.Errorf("the window did not cut hour 0 away: %+v", s.Points)
	}
}

func TestBucketFor_Success(t *testing.T) {
	for _, c := range []struct {
		span time.Duration
		want time.Duration
	}{{time.Hour, time.Minute}, {24 * time.Hour, 5 * time.Minute}, {7 * 24 * time.Hour, time.Hour}, {3 * 365 * 24 * time.Hour, 7 * 24 * time.Hour}} {
		if got := traffic.BucketFor(c.span, 300); got != c.want {
			t.Errorf("BucketFor(%s) = %s, want %s", c.span, got, c.want)
		}
	}
}

func TestGaps_Success(t *testing.T) {
	e := testlake.Open(t, gappy)
	c, err := traffic.Gaps(context.Background(), e, traffic.Window{}, e.Inventory())
	if err != nil {
		t.Fatal(err)
	}
	h := func(n int) time.Time { return time.Date(2026, 11, 4, n, 0, 0, 0, time.UTC) }
	if len(c.EmptyHours) != 2 || !c.EmptyHours[0].Equal(h(1)) || !c.EmptyHours[1].Equal(h(2)) {
		t.Errorf("empty hours = %v, want 01:00 and 02:00", c.EmptyHours)
	}
	if c.Logged != 2 || len(c.Interfaces) != 1 {
		t.Fatalf("want 2 interfaces logging and 1 with gaps, got %d and %+v", c.Logged, c.Interfaces)
	}
	g := c.Interfaces[0]
	if g.InterfaceID != "eni-0a" || g.SilentHours != 2 || g.LoggedHours != 2 || g.SkipData != 1 || !g.First.Equal(h(0)) || !g.Last.Equal(h(3)) {
		t.Errorf("eni-0a gaps = %+v", g)
	}
}

// estate is a generated estate with CloudTrail (so workloads are known),
// built once for the package's tests.
var estate = sync.OnceValues(func() (string, error) {
	ctx := context.Background()
	dir, err := tempDir()
	if err != nil {
		return "", err
	}
	if _, err := gen.Generate(ctx, filepath.Join(dir, "estate"), gen.Config{Seed: 5, Scale: 0.1}); err != nil {
		return "", err
	}
	lake := filepath.Join(dir, "lake")
	_, err = ingest.Run(ctx, ingest.Config{Lake: lake, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "estate", "AWSLogs")}}})
	return lake, err
})

func openEstate(t *testing.T) *engine.Engine {
	t.Helper()
	dir, err := estate()
	if err != nil {
		t.Fatal(err)
	}
	return testlake.OpenDir(t, dir)
}

// The graph accounts for every record with an action exactly once: each
// address has one node at a time, so the edges' volume is the records'.
func TestTalkGraph_CountsEveryRecordOnce(t *testing.T) {
	e := openEstate(t)
	ctx := context.Background()
	g, err := traffic.TalkGraph(ctx, e, traffic.Window{}, e.Inventory(), traffic.GraphOptions{MaxEdges: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Query(ctx, `SELECT coalesce(sum(bytes), 0)::BIGINT, count(*) FROM flows WHERE action IS NOT NULL AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL`, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bytes, records int64
	for _, x := range g.Edges {
		bytes += x.Bytes
		records += x.Records
	}
	if bytes != res.Rows[0][0].(int64) || records != res.Rows[0][1].(int64) {
		t.Errorf("edges hold %d bytes in %d records; the flows %v", bytes, records, res.Rows[0])
	}
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
	}
	// Every edge's ends are the nodes its addresses stood for.
	res, err = e.Query(ctx, `SELECT srcaddr, dstaddr, to_timestamp(start) FROM flows WHERE action IS NOT NULL LIMIT 50`, 0)
	if err != nil {
		t.Fatal(err)
	}
	edges := map[[2]string]bool{}
	for _, x := range g.Edges {
		edges[[2]string{x.Source, x.Target}] = true
	}
	for _, r := range res.Rows {
		at := r[2].(time.Time)
		s, d := g.NodeOf(r[0].(string), at), g.NodeOf(r[1].(string), at)
		if s == "" || d == "" || !edges[[2]string{s, d}] {
			t.Errorf("record %v → %v at %s: nodes %q → %q, no such edge", r[0], r[1], at, s, d)
		}
	}
	if kinds["workload"] == 0 || kinds["external"] == 0 {
		t.Errorf("want workloads and public addresses among the nodes, got %v", kinds)
	}
}

func TestTalkGraph_FoldsBeyondTheLimits(t *testing.T) {
	e := openEstate(t)
	g, err := traffic.TalkGraph(context.Background(), e, traffic.Window{}, e.Inventory(), traffic.GraphOptions{MaxNodes: 40, External: 5, Private: 5, MaxEdges: 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) > 40 || len(g.Edges) > 30 || g.Dropped == 0 || g.Folded == 0 {
		t.Fatalf("limits not kept: %d nodes, %d edges, %d dropped, %d folded", len(g.Nodes), len(g.Edges), g.Dropped, g.Folded)
	}
	ids := map[string]bool{}
	for _, n := range g.Nodes {
		ids[n.ID] = true
		if n.Kind == "external" && n.Pivot == nil {
			t.Errorf("node %s has nothing to pivot on", n.ID)
		}
	}
	for _, x := range g.Edges {
		if !ids[x.Source] || !ids[x.Target] {
			t.Errorf("edge %s → %s names a node not drawn", x.Source, x.Target)
		}
	}
	for i := 1; i < len(g.Edges); i++ {
		if g.Edges[i].Bytes > g.Edges[i-1].Bytes {
			t.Fatalf("edges not largest first at %d", i)
		}
	}
}
