// Command hunt evaluates and times the hunt.
//
// Evaluation: it generates synthetic estates with injected attacks and
// benign look-alikes (one per seed, different addresses, rates and
// timings), ingests each, runs every detector and prints precision and
// recall per detector, the attacks missed, the look-alikes that fired
// and the findings no attack explains.
//
//	go run ./bench/hunt -seeds 1,2,3 -scale 0.2
//
// Speed: with -speed, it times the whole detector pack on one larger
// estate against a baseline measured in the same process — DuckDB
// grouping the same records by source, destination and port once — and
// prints CPU-seconds, records per CPU-second, seconds per 100 M records
// and peak memory.
//
//	go run ./bench/hunt -speed -scale 500 -dir /tmp/hb   # about 100 M records
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/hunteval"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/source"
)

func main() {
	seeds := flag.String("seeds", "1,2,3", "estates to evaluate, one per seed")
	scale := flag.Float64("scale", 0.2, "estate scale (1 ≈ 200k flow records)")
	hours := flag.Int("hours", 24, "period of each estate, in hours")
	speed := flag.Bool("speed", false, "time the detector pack instead of scoring it")
	dir := flag.String("dir", "", "work directory, reused between runs (default: a new temporary one)")
	verbose := flag.Bool("v", false, "list every false finding; with -speed, log each step's time")
	flag.Parse()
	if *verbose {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	ctx := context.Background()
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "fthunt-*")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		work = d
	}
	if *speed {
		if err := timeHunt(ctx, work, *scale, *hours); err != nil {
			log.Fatal(err)
		}
		return
	}
	var total []hunteval.DetectorScore
	for _, s := range strings.Split(*seeds, ",") {
		seed, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			log.Fatalf("-seeds: %v", err)
		}
		sc, err := evaluate(ctx, filepath.Join(work, "seed-"+s), seed, *scale, *hours, *verbose)
		if err != nil {
			log.Fatal(err)
		}
		total = add(total, sc.Detectors)
	}
	fmt.Printf("\nall seeds\n")
	printScores(total)
}

// prepare generates and ingests one estate, once per directory.
func prepare(ctx context.Context, dir string, cfg gen.Config) (*gen.Truth, string, error) {
	estate, lakeDir := filepath.Join(dir, "estate"), filepath.Join(dir, "lake")
	truth, err := readTruth(estate)
	if err != nil {
		if truth, err = gen.Generate(ctx, estate, cfg); err != nil {
			return nil, "", err
		}
		os.RemoveAll(lakeDir)
	}
	if _, err := os.Stat(filepath.Join(lakeDir, "manifest.json")); err != nil {
		if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(estate, "AWSLogs")}}}); err != nil {
			return nil, "", err
		}
	}
	return truth, lakeDir, nil
}

func evaluate(ctx context.Context, dir string, seed int64, scale float64, hours int, verbose bool) (hunteval.Score, error) {
	truth, lakeDir, err := prepare(ctx, dir, gen.Config{Seed: seed, Scale: scale, Duration: time.Duration(hours) * time.Hour})
	if err != nil {
		return hunteval.Score{}, err
	}
	opt, err := options(dir, truth)
	if err != nil {
		return hunteval.Score{}, err
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		return hunteval.Score{}, err
	}
	defer e.Close()
	start := time.Now()
	rep, err := hunt.Run(ctx, e, opt)
	if err != nil {
		return hunteval.Score{}, err
	}
	sc := hunteval.Evaluate(truth.Attacks, rep.Findings)
	fmt.Printf("\nseed %d: %d records, %d findings in %.1fs\n", seed, truth.Records[gen.TableFlows], len(rep.Findings), time.Since(start).Seconds())
	printScores(sc.Detectors)
	for _, a := range sc.Missed {
		fmt.Printf("  missed    %-16s %-22s %s → %s %v %s–%s  %s\n", a.Detector, a.Kind, strings.Join(a.Src, ","), strings.Join(a.Dst, ","), a.Ports,
			a.Start.Format("15:04"), a.End.Format("15:04"), a.Notes)
	}
	for _, a := range sc.Fired {
		fmt.Printf("  fired on  %-16s %-22s %s → %s (a benign look-alike)\n", a.Detector, a.Kind, strings.Join(a.Src, ","), strings.Join(a.Dst, ","))
	}
	for i, f := range sc.False {
		if i == 5 && !verbose {
			fmt.Printf("  … %d more false findings (-v lists them)\n", len(sc.False)-i)
			break
		}
		fmt.Printf("  false     %-16s %s\n", f.Detector, f.Title)
	}
	return sc, nil
}

// options hunts with the config a team would write for this estate: its
// own scanner allowlisted, and the estate's indicator list.
func options(dir string, truth *gen.Truth) (hunt.Options, error) {
	opt := hunt.Options{Config: hunt.DefaultConfig()}
	for _, a := range truth.Attacks {
		if len(a.Allowlist) > 0 {
			opt.Config.Allowlist = append(opt.Config.Allowlist, hunt.Allow{Name: a.Kind, CIDRs: a.Allowlist})
		}
	}
	var err error
	if opt.Config, err = hunt.CheckConfig(opt.Config); err != nil {
		return opt, err
	}
	if truth.Indicators != "" {
		set, err := ioc.ReadFiles([]string{filepath.Join(dir, "estate", truth.Indicators)})
		if err != nil {
			return opt, err
		}
		opt.Indicators = set.Indicators()
	}
	return opt, nil
}

func readTruth(estate string) (*gen.Truth, error) {
	b, err := os.ReadFile(filepath.Join(estate, "truth.json"))
	if err != nil {
		return nil, err
	}
	var t gen.Truth
	return &t, json.Unmarshal(b, &t)
}

func add(total, more []hunteval.DetectorScore) []hunteval.DetectorScore {
	for _, m := range more {
		found := false
		for i := range total {
			if total[i].Detector == m.Detector {
				t := &total[i]
				t.Attacks, t.Found, t.Findings, t.True, t.LookAlikesFired = t.Attacks+m.Attacks, t.Found+m.Found, t.Findings+m.Findings, t.True+m.True, t.LookAlikesFired+m.LookAlikesFired
				found = true
			}
		}
		if !found {
			total = append(total, m)
		}
	}
	return total
}

func printScores(ds []hunteval.DetectorScore) {
	fmt.Printf("  %-18s %8s %6s %7s %9s %5s %10s %12s\n", "detector", "attacks", "found", "recall", "findings", "true", "precision", "look-alikes")
	for _, d := range ds {
		fmt.Printf("  %-18s %8d %6d %7.2f %9d %5d %10.2f %12d\n", d.Detector, d.Attacks, d.Found, d.Recall(), d.Findings, d.True, d.Precision(), d.LookAlikesFired)
	}
}

func timeHunt(ctx context.Context, work string, scale float64, hours int) error {
	lakeDir := filepath.Join(work, "lake")
	if _, err := os.Stat(filepath.Join(lakeDir, "manifest.json")); err != nil {
		if _, lakeDir, err = prepare(ctx, work, gen.Config{Seed: 1, Scale: scale, Duration: time.Duration(hours) * time.Hour}); err != nil {
			return err
		}
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{MemoryLimit: "2GB"}) // as flowtrail hunt
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := e.Query(ctx, "SELECT count(*) FROM flows", 0)
	if err != nil {
		return err
	}
	records := res.Rows[0][0].(int64)
	c0, w0 := cpu(), time.Now()
	if _, err := e.Query(ctx, `SELECT count(*) FROM (SELECT srcaddr, dstaddr, dstport, protocol, sum(bytes), sum(packets), count(*) FROM flows GROUP BY ALL)`, 0); err != nil {
		return err
	}
	c1, w1 := cpu(), time.Now()
	rep, err := hunt.Run(ctx, e, hunt.Options{Config: hunt.DefaultConfig()})
	if err != nil {
		return err
	}
	c2, w2 := cpu(), time.Now()
	base, pack := c1-c0, c2-c1
	per100M := func(d time.Duration) float64 { return d.Seconds() * 1e8 / float64(records) }
	fmt.Printf("records                  %d\n", records)
	fmt.Printf("baseline (one GROUP BY)  %.1f CPU-s, %.1f s wall, %.1f s wall per 100 M\n", base.Seconds(), w1.Sub(w0).Seconds(), per100M(w1.Sub(w0)))
	fmt.Printf("hunt, every detector     %.1f CPU-s, %.1f s wall, %.1f s wall per 100 M, %d findings\n", pack.Seconds(), w2.Sub(w1).Seconds(), per100M(w2.Sub(w1)), len(rep.Findings))
	fmt.Printf("ratio hunt / baseline    %.2f (CPU)\n", pack.Seconds()/base.Seconds())
	fmt.Printf("records per CPU-second   %.0f\n", float64(records)/pack.Seconds())
	fmt.Printf("peak memory (RSS)        %.2f GiB\n", float64(maxRSS())/(1<<30))
	for _, d := range rep.Detectors {
		fmt.Printf("  %-18s %6.2f s %s\n", d.Name, d.Seconds, d.Skipped)
	}
	return nil
}

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func maxRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024
}
