package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
)

// benchServer opens a server on the lake named by $FLOWTRAIL_BENCH_LAKE
// (`flowtrail gen --scale 50` ingested is about 10 M records).
func benchServer(b *testing.B) *Server {
	dir := os.Getenv("FLOWTRAIL_BENCH_LAKE")
	if dir == "" {
		b.Skip("set FLOWTRAIL_BENCH_LAKE to a lake to measure on")
	}
	s, err := New(context.Background(), Config{Lake: dir, MemoryLimit: "4GB"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// cold forgets what the server computed, so that the next request
// computes its page from the lake as a first visit does, and stops the
// analyses the last one started, which would otherwise share the CPU
// with the next. The records' extent, computed once per lake, stays.
func (s *Server) cold() {
	s.lake.mu.Lock()
	defer s.lake.mu.Unlock()
	snap := s.lake.cur
	snap.cancel()
	for snap.results.busy() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	snap.ctx, snap.cancel = context.WithCancel(context.Background())
	snap.results = newCache()
}

// benchGet serves one request and fails on anything but want.
func benchGet(b *testing.B, h http.Handler, target string, want int) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, local("GET", target, ""))
	if w.Code != want {
		b.Fatalf("GET %s: %d, want %d: %.300s", target, w.Code, want, w.Body.String())
	}
}

// BenchmarkPages renders each page as a first visit does, its caches
// cold: the figure per page is what the one-second target is
// about. Pages whose analyses run in the background (findings, the
// security groups, a workload's pivot) are timed once the analysis is
// done; BenchmarkAnalyses times the analyses.
//
//	FLOWTRAIL_BENCH_LAKE=/tmp/lake50 go test -run '^$' -bench Pages -benchtime 3x ./internal/server
func BenchmarkPages(b *testing.B) {
	s := benchServer(b)
	h := s.Handler(loopback, "")
	e := s.lake.cur.pages.e
	ip, eni := topTalker(b, e), busiestInterface(b, e)
	w := window{Since: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 1, 18, 0, 0, 0, time.UTC)}
	pages := []struct{ name, target string }{
		{"overview", "/overview"},
		{"overview-6h", href("/overview", w)},
		{"graph", "/graph"}, {"graph-data", "/api/graph"},
		{"pivot-ip", "/pivot?kind=ip&value=" + url.QueryEscape(ip)},
		{"pivot-eni", "/pivot?kind=eni&value=" + eni},
		{"sources", "/sources"}, {"source", "/sources/1"},
		{"console", "/console?named=VpcFlowLogsTopTalkers"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s.cold()
				b.StartTimer()
				t0 := cpuTime()
				benchGet(b, h, p.target, http.StatusOK)
				cpu += cpuTime() - t0
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
	b.Run("console-run", func(b *testing.B) {
		form := url.Values{"named": {"VpcFlowLogsTopTalkers"}, "param.limit": {"50"}}.Encode()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, local("POST", "/console/run", form))
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
	// With the analyses done, their pages render from what was kept.
	for _, p := range []struct{ name, target, ready string }{
		{"findings", "/findings", "/api/findings"},
		{"security-groups", "/sg", "/api/sg"},
	} {
		b.Run(p.name, func(b *testing.B) {
			s.cold()
			waitReady(b, h, p.ready)
			for b.Loop() {
				benchGet(b, h, p.target, http.StatusOK)
			}
		})
	}
}

// waitReady polls a background analysis until it answers 200.
func waitReady(b *testing.B, h http.Handler, target string) {
	for {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, local("GET", target, ""))
		switch w.Code {
		case http.StatusOK:
			return
		case http.StatusAccepted:
			time.Sleep(200 * time.Millisecond)
		default:
			b.Fatalf("%s: %d %.300s", target, w.Code, w.Body.String())
		}
	}
}

// BenchmarkAnalyses times the long analyses the pages run in the
// background: the hunt, the audit, a workload's pivot, a recommendation
// (its hunt included), and the recommendation for every workload without
// a hunt (`sg recommend --all --hunt=false`). The baseline is one
// aggregation of the whole lake, measured in the same run, for ratios on a
// shared machine:
//
//	FLOWTRAIL_BENCH_LAKE=/tmp/lake50 go test -run '^$' -bench Analyses -benchtime 1x ./internal/server
func BenchmarkAnalyses(b *testing.B) {
	s := benchServer(b)
	h := s.Handler(loopback, "")
	name := s.lake.cur.workloads()[0]
	timed := func(b *testing.B, run func(b *testing.B)) {
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			s.cold()
			b.StartTimer()
			t0 := cpuTime()
			run(b)
			cpu += cpuTime() - t0
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
	b.Run("baseline", func(b *testing.B) {
		timed(b, func(b *testing.B) {
			firstValue(b, s.lake.cur.pages.e, "SELECT count(*)::VARCHAR FROM (SELECT srcaddr, dstaddr, dstport, protocol, sum(bytes), count(*) FROM flows GROUP BY ALL)")
		})
	})
	for _, a := range []struct{ name, target string }{
		{"hunt", "/api/findings"}, {"audit", "/api/sg"},
		{"workload-pivot", "/api/pivot?kind=instance&value=" + url.QueryEscape(name)},
		{"recommend", "/api/sg?workload=" + url.QueryEscape(name)},
	} {
		b.Run(a.name, func(b *testing.B) {
			timed(b, func(b *testing.B) { waitReady(b, h, a.target) })
		})
	}
	b.Run("recommend-all", func(b *testing.B) {
		timed(b, func(b *testing.B) {
			if _, err := sgadvisor.Run(context.Background(), s.lake.cur.pages.e, sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindAll}}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// cpuTime is the CPU time the process (DuckDB's threads included) has
// used: on a machine shared with other work, wall time says more about
// the neighbours than about the page.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// topTalker and busiestInterface pick the pivots' subjects from the lake.
func topTalker(b *testing.B, e *engine.Engine) string {
	return firstValue(b, e, "SELECT srcaddr FROM flows WHERE srcaddr IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
}

func busiestInterface(b *testing.B, e *engine.Engine) string {
	return firstValue(b, e, "SELECT interface_id FROM flows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
}

func firstValue(b *testing.B, e *engine.Engine, q string) string {
	res, err := e.QueryParams(context.Background(), q, 0)
	if err != nil || len(res.Rows) == 0 {
		b.Fatalf("%s: %v", q, err)
	}
	return res.Rows[0][0].(string)
}
