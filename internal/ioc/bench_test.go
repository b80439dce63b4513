package ioc_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/source"
)

// BenchmarkMatch matches 10,000 indicators — most random, some inside
// the estate — against a generated estate: "mixed" has CIDRs and IPv6
// among them, "ipv4-hosts" only IPv4 addresses (no resolve pass).
// FLOWTRAIL_BENCH_LAKE reuses a lake already ingested; else
// FLOWTRAIL_BENCH_SCALE (default 5, about a million records) sets the
// estate generated for the run.
//
//	go test ./internal/ioc -run '^$' -bench Match -benchtime 3x
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	e, err := engine.Open(ctx, benchLake(b), engine.Options{MemoryLimit: "8GB"})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	records := countRecords(b, e)
	for _, mix := range []struct {
		name  string
		hosts bool
	}{{"mixed", false}, {"ipv4-hosts", true}} {
		inds := benchIndicators(b, e, 10_000, mix.hosts)
		b.Run(mix.name, func(b *testing.B) { benchMatch(b, e, inds, records) })
	}
}

func benchMatch(b *testing.B, e *engine.Engine, inds []ioc.Indicator, records int64) {
	b.ReportAllocs()
	var res *ioc.Result
	var sum ioc.Timings
	var err error
	cpu0 := cpuTime()
	for b.Loop() {
		if res, err = ioc.Match(context.Background(), e, inds, ioc.Window{}); err != nil {
			b.Fatal(err)
		}
		sum.Load += res.Timings.Load
		sum.Resolve += res.Timings.Resolve
		sum.Collect += res.Timings.Collect
	}
	n := float64(b.N)
	b.ReportMetric(float64(records)*n/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/n, "cpu-s/op")
	b.ReportMetric(float64(sum.Load.Milliseconds())/n, "load-ms")
	b.ReportMetric(float64(sum.Resolve.Milliseconds())/n, "resolve-ms")
	b.ReportMetric(float64(sum.Collect.Milliseconds())/n, "collect-ms")
	b.Logf("%d indicators × %d records: %d result rows, %d remote addresses matched; last run load %v resolve %v collect %v",
		len(inds), records, len(res.Rows), res.Addresses, res.Timings.Load, res.Timings.Resolve, res.Timings.Collect)
}

// cpuTime is the CPU time of the process so far, DuckDB's threads
// included: on a shared machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchLake(b *testing.B) string {
	if dir := os.Getenv("FLOWTRAIL_BENCH_LAKE"); dir != "" {
		return dir
	}
	scale := 5.0
	if s := os.Getenv("FLOWTRAIL_BENCH_SCALE"); s != "" {
		var err error
		if scale, err = strconv.ParseFloat(s, 64); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	t0 := time.Now()
	if _, err := gen.Generate(context.Background(), filepath.Join(dir, "estate"), gen.Config{Seed: 1, Scale: scale}); err != nil {
		b.Fatal(err)
	}
	lake := filepath.Join(dir, "lake")
	cfg := ingest.Config{Lake: lake, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "estate", "AWSLogs")}}}
	if _, err := ingest.Run(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated and ingested scale %g in %v", scale, time.Since(t0).Round(time.Second))
	return lake
}

func countRecords(b *testing.B, e *engine.Engine) int64 {
	res, err := e.Query(context.Background(), "SELECT count(*) FROM flows", 0)
	if err != nil {
		b.Fatal(err)
	}
	return res.Rows[0][0].(int64)
}

// benchIndicators mixes n indicators: 100 addresses seen in the estate
// (unless hostsOnly, every tenth as the /24 or /64 around it), the rest
// random public addresses, unless hostsOnly one in ten of them a CIDR
// and one in twenty IPv6.
func benchIndicators(b *testing.B, e *engine.Engine, n int, hostsOnly bool) []ioc.Indicator {
	q := "SELECT addr FROM (SELECT DISTINCT srcaddr AS addr FROM flows WHERE srcaddr IS NOT NULL) ORDER BY hash(addr) LIMIT 100"
	if hostsOnly {
		q = "SELECT addr FROM (SELECT DISTINCT srcaddr AS addr FROM flows WHERE srcaddr LIKE '%.%') ORDER BY hash(addr) LIMIT 100"
	}
	res, err := e.Query(context.Background(), q, 0)
	if err != nil {
		b.Fatal(err)
	}
	var s ioc.Set
	add := func(p netip.Prefix) {
		if err := ioc.Parse("bench", stringsReader(p.String()+"\n"), &s); err != nil {
			b.Fatal(err)
		}
	}
	for i, row := range res.Rows {
		a := netip.MustParseAddr(row[0].(string))
		bits := a.BitLen()
		if i%10 == 0 && !hostsOnly {
			bits = map[bool]int{true: 24, false: 64}[a.Is4()]
		}
		add(netip.PrefixFrom(a, bits).Masked())
	}
	r := rand.New(rand.NewPCG(1, 2))
	for s.Len() < n {
		if p := randomPrefix(r); !hostsOnly || p.Addr().Is4() && p.IsSingleIP() {
			add(p)
		}
	}
	return s.Indicators()
}

func randomPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(20) == 0 {
		var a [16]byte
		a[0], a[1] = 0x2a, byte(r.IntN(256))
		for i := 2; i < 16; i++ {
			a[i] = byte(r.IntN(256))
		}
		bits := 128
		if r.IntN(10) == 0 {
			bits = 32 + r.IntN(33)
		}
		return netip.PrefixFrom(netip.AddrFrom16(a), bits).Masked()
	}
	a := [4]byte{byte(1 + r.IntN(222)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
	if a[0] == 10 || a[0] == 127 {
		a[0]++
	}
	bits := 32
	if r.IntN(10) == 0 {
		bits = 16 + r.IntN(15)
	}
	return netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked()
}
