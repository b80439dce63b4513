package traffic_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// benchLake opens the lake named by $FLOWTRAIL_BENCH_LAKE (e.g. one built
// with `flowtrail gen --scale 50` and ingested: about 10 M records).
func benchLake(b *testing.B) *engine.Engine {
	dir := os.Getenv("FLOWTRAIL_BENCH_LAKE")
	if dir == "" {
		b.Skip("set FLOWTRAIL_BENCH_LAKE to a lake to measure on")
	}
	e, err := engine.Open(context.Background(), dir, engine.Options{MemoryLimit: "4GB"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

func BenchmarkTalkGraph(b *testing.B) {
	e := benchLake(b)
	ctx := context.Background()
	var g *traffic.Graph
	for b.Loop() {
		var err error
		if g, err = traffic.TalkGraph(ctx, e, traffic.Window{}, e.Inventory(), traffic.GraphOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(g.Nodes)), "nodes")
	b.ReportMetric(float64(len(g.Edges)), "edges")
}

func BenchmarkVolumeOverTime(b *testing.B) {
	e := benchLake(b)
	for b.Loop() {
		if _, err := traffic.VolumeOverTime(context.Background(), e, traffic.Window{}, 10*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGaps(b *testing.B) {
	e := benchLake(b)
	for b.Loop() {
		if _, err := traffic.Gaps(context.Background(), e, traffic.Window{}, e.Inventory()); err != nil {
			b.Fatal(err)
		}
	}
}
