// Command ingest benchmarks `flowtrail ingest` against DuckDB's own
// read_csv(..., union_by_name=true) → COPY TO parquet on the same
// generated estate, side by side in one run, and prints records per
// CPU-second, the ratio between them, peak memory and lake size.
//
//	go run ./bench/ingest -scale 20
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/flowtrail/flowtrail/internal/gen"
)

func main() {
	scale := flag.Float64("scale", 20, "estate scale (1 ≈ 200k flow records)")
	work := flag.String("dir", "", "work directory (default: a new temporary one)")
	baseline := flag.String("baseline", "", "internal: run the DuckDB baseline over this estate")
	flag.Parse()
	if *baseline != "" {
		runBaseline(*baseline, flag.Arg(0))
		return
	}
	if err := run(*scale, *work); err != nil {
		log.Fatal(err)
	}
}

type measured struct {
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // bytes
	out    string
}

func run(scale float64, work string) error {
	if work == "" {
		d, err := os.MkdirTemp("", "ftbench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	estate := filepath.Join(work, "estate")
	truth, err := gen.Generate(context.Background(), estate, gen.Config{Seed: 1, Scale: scale})
	if err != nil {
		return fmt.Errorf("cannot generate estate: %w", err)
	}
	records := truth.Records["flows"] + truth.Records["tgw_flows"]
	bin := filepath.Join(work, "flowtrail")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/flowtrail").CombinedOutput(); err != nil {
		return fmt.Errorf("cannot build flowtrail: %v\n%s", err, out)
	}
	logs := filepath.Join(estate, "AWSLogs")
	ft, err := measure(bin, "ingest", "--no-progress", "--lake", filepath.Join(work, "lake"), logs)
	if err != nil {
		return err
	}
	self, _ := os.Executable()
	base, err := measure(self, "-baseline", logs, filepath.Join(work, "baseline.parquet"))
	if err != nil {
		return err
	}
	report(scale, records, truth.Objects, ft, base, dirSize(logs, ".gz"), dirSize(filepath.Join(work, "lake"), ".parquet"))
	return nil
}

// measure runs a child process and reads its CPU time and peak memory
// from the kernel's accounting.
func measure(name string, args ...string) (measured, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return measured{}, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return measured{wall: time.Since(start), cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSS: ru.Maxrss * 1024, out: string(out)}, nil
}

func report(scale float64, records int64, objects int, ft, base measured, gzBytes, lakeBytes int64) {
	rate := func(m measured) float64 { return float64(records) / m.cpu.Seconds() }
	fmt.Printf("estate: scale %.0f, %d flow records (VPC + TGW) in %d objects, %.1f MB gzip\n", scale, records, objects, float64(gzBytes)/1e6)
	fmt.Printf("%-34s %10s %10s %16s %12s\n", "", "wall", "CPU", "records/CPU-s", "peak RSS")
	fmt.Printf("%-34s %10.1fs %9.1fs %16.0f %9.0f MiB\n", "flowtrail ingest", ft.wall.Seconds(), ft.cpu.Seconds(), rate(ft), float64(ft.maxRSS)/(1<<20))
	fmt.Printf("%-34s %10.1fs %9.1fs %16.0f %9.0f MiB\n", "duckdb read_csv → COPY parquet", base.wall.Seconds(), base.cpu.Seconds(), rate(base), float64(base.maxRSS)/(1<<20))
	fmt.Printf("ratio (flowtrail / duckdb, records per CPU-second): %.2fx   (target ≥ 5x)\n", rate(ft)/rate(base))
	fmt.Printf("lake size / gzip input: %.2f (%.1f MB / %.1f MB)   (target ≤ 1)\n", float64(lakeBytes)/float64(gzBytes), float64(lakeBytes)/1e6, float64(gzBytes)/1e6)
	fmt.Printf("baseline rows: %s", base.out)
}

// runBaseline is the child that measures DuckDB alone.
func runBaseline(logs, out string) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	q := fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s/*/vpcflowlogs/**/*.log.gz', union_by_name=true, delim=' ', header=true, nullstr='-', ignore_errors=true))
TO '%s' (FORMAT parquet, COMPRESSION zstd)`, logs, out)
	if _, err := db.Exec(q); err != nil {
		log.Fatal(err)
	}
	var n int64
	if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM '%s'", out)).Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}

func dirSize(dir, suffix string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
