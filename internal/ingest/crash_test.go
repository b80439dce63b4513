//go:build long

package ingest_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
)

// TestCrash kills real ingest processes with SIGKILL at random moments
// and checks, after each kill, that the lake is exactly as before the run
// or exactly as after it, and that a final run completes it with every
// count exact and no row twice.
func TestCrash(t *testing.T) {
	work := t.TempDir()
	bin := filepath.Join(work, "flowtrail")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/flowtrail").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	estate := filepath.Join(work, "estate")
	truth, err := gen.Generate(context.Background(), estate, gen.Config{Seed: 3, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := truth.Records["flows"]
	logs := filepath.Join(estate, "AWSLogs")
	timeRun(t, bin, filepath.Join(work, "warm"), logs) // warm the page cache
	full := timeRun(t, bin, filepath.Join(work, "scratch"), logs)
	t.Logf("an uninterrupted run takes %v", full)
	lakeDir := filepath.Join(work, "lake")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		cmd := exec.Command(bin, "ingest", "--no-progress", "--lake", lakeDir, logs)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill somewhere in the run, the commit at its end included.
		time.Sleep(time.Duration(rng.Float64() * 1.05 * float64(full)))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		got := flowCount(t, lakeDir)
		if got != 0 && got != want {
			t.Fatalf("after kill %d the lake holds %d flow rows: neither 0 nor %d", i, got, want)
		}
		t.Logf("kill %d: lake holds %d rows", i, got)
		if got == want {
			os.RemoveAll(lakeDir) // start over so the next kill lands mid-run
		}
	}
	out, err := exec.Command(bin, "ingest", "--no-progress", "--lake", lakeDir, filepath.Join(estate, "AWSLogs")).CombinedOutput()
	if err != nil {
		t.Fatalf("final ingest: %v\n%s", err, out)
	}
	if got := flowCount(t, lakeDir); got != want {
		t.Fatalf("after the final run: %d flow rows, want %d", got, want)
	}
	if d := distinctRows(t, lakeDir); d != want {
		t.Fatalf("%d distinct (source_id, source_line) among %d rows: duplicates", d, want)
	}
}

// timeRun measures one uninterrupted ingest.
func timeRun(t *testing.T, bin, lakeDir, logs string) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(bin, "ingest", "--no-progress", "--lake", lakeDir, logs).CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	return time.Since(start)
}

func flowCount(t *testing.T, lakeDir string) int64 {
	return scalar(t, lakeDir, "SELECT count(*) FROM flows")
}

func distinctRows(t *testing.T, lakeDir string) int64 {
	return scalar(t, lakeDir, "SELECT count(DISTINCT (source_id, source_line)) FROM flows")
}

func scalar(t *testing.T, lakeDir, q string) int64 {
	t.Helper()
	e, err := engine.Open(context.Background(), lakeDir, engine.Options{})
	if err != nil {
		return 0 // no commit yet
	}
	defer e.Close()
	res, err := e.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows[0][0].(int64)
}
