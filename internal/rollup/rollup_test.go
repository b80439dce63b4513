package rollup_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/rollup"
	"github.com/flowtrail/flowtrail/internal/source"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// estate generates 26 hours (two days, so two partitions per account and
// region) of a small estate and returns its AWSLogs directory.
func estate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), dir, gen.Config{Seed: 2, Scale: 0.05, Duration: 26 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "AWSLogs")
}

func ingestDir(t *testing.T, lakeDir, dir string) {
	t.Helper()
	if _, err := ingest.Run(context.Background(), ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: dir}}}); err != nil {
		t.Fatal(err)
	}
}

func manifest(t *testing.T, lakeDir string) *lake.Manifest {
	t.Helper()
	m, err := lake.ReadManifest(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rollupFiles maps partitions to their rollup file.
func rollupFiles(m *lake.Manifest) map[string][]string {
	return m.Partitions(lake.TableFlowsRollup)
}

// TestRollup_Incremental: a first run ingests one account, the second
// the rest. Every partition then has a current rollup, and the first
// account's were not rebuilt.
func TestRollup_Incremental(t *testing.T) {
	logs := estate(t)
	accounts, err := os.ReadDir(logs)
	if err != nil || len(accounts) < 2 {
		t.Fatalf("estate has %d accounts: %v", len(accounts), err)
	}
	lakeDir := filepath.Join(t.TempDir(), "lake")
	ingestDir(t, lakeDir, filepath.Join(logs, accounts[0].Name()))
	first := rollupFiles(manifest(t, lakeDir))
	if _, ok := rollup.Current(manifest(t, lakeDir)); !ok || len(first) == 0 {
		t.Fatalf("after the first run: rollups %v, current %v", first, ok)
	}
	ingestDir(t, lakeDir, logs)
	m := manifest(t, lakeDir)
	if _, ok := rollup.Current(m); !ok {
		t.Fatal("after the second run the rollup is not current")
	}
	all := rollupFiles(m)
	if len(all) != len(m.Partitions(lake.TableFlows)) || len(all) <= len(first) {
		t.Fatalf("%d rollup partitions for %d flows partitions (first run %d)", len(all), len(m.Partitions(lake.TableFlows)), len(first))
	}
	for dir, files := range first {
		if !slices.Equal(all[dir], files) {
			t.Errorf("%s: rollup rebuilt though its flows did not change: %v → %v", dir, files, all[dir])
		}
	}
	compareWindows(t, lakeDir)
}

// TestRollup_ReplacedSource: a source that changes is re-ingested; its
// old rows leave the flows files and the rollup follows.
func TestRollup_ReplacedSource(t *testing.T) {
	logs := estate(t)
	lakeDir := filepath.Join(t.TempDir(), "lake")
	ingestDir(t, lakeDir, logs)
	before := rollupFiles(manifest(t, lakeDir))
	truncateOne(t, logs)
	ingestDir(t, lakeDir, logs)
	m := manifest(t, lakeDir)
	if _, ok := rollup.Current(m); !ok {
		t.Fatal("after the replacement the rollup is not current")
	}
	changed := 0
	for dir, files := range rollupFiles(m) {
		if !slices.Equal(before[dir], files) {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d partitions' rollups rebuilt, want the 1 holding the changed source", changed)
	}
	compareWindows(t, lakeDir)
}

// TestRollup_OldLake: a lake written before rollups existed opens and
// answers from the records; its next ingest, with nothing new, builds
// the rollups.
func TestRollup_OldLake(t *testing.T) {
	lakeDir := filepath.Join(t.TempDir(), "lake")
	ingestDir(t, lakeDir, estate(t))
	forgetRollups(t, lakeDir)
	if _, ok := rollup.Current(manifest(t, lakeDir)); ok {
		t.Fatal("a lake without rollups reads as current")
	}
	compareWindows(t, lakeDir)
	ingestDir(t, lakeDir, t.TempDir())
	if _, ok := rollup.Current(manifest(t, lakeDir)); !ok {
		t.Fatal("the next ingest did not build the rollups")
	}
	compareWindows(t, lakeDir)
}

// forgetRollups rewrites the manifest as a flowtrail without rollups
// wrote it, and removes the files.
func forgetRollups(t *testing.T, lakeDir string) {
	t.Helper()
	p := filepath.Join(lakeDir, lake.ManifestName)
	var raw map[string]any
	b, err := os.ReadFile(p)
	if err == nil {
		err = json.Unmarshal(b, &raw)
	}
	if err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, f := range raw["files"].([]any) {
		if f.(map[string]any)["table"] != lake.TableFlowsRollup {
			kept = append(kept, f)
		}
	}
	raw["files"] = kept
	if b, err = json.Marshal(raw); err == nil {
		err = os.WriteFile(p, b, 0o644)
	}
	if err == nil {
		err = os.RemoveAll(filepath.Join(lakeDir, lake.TableFlowsRollup))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// truncateOne drops the last lines of the largest VPC flow-log file, so
// that the next ingest sees a changed object.
func truncateOne(t *testing.T, logs string) {
	t.Helper()
	var target string
	var largest int64
	filepath.WalkDir(logs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.Contains(p, "vpcflowlogs") || !strings.HasSuffix(p, ".log.gz") {
			return err
		}
		if info, err := d.Info(); err == nil && info.Size() > largest {
			target, largest = p, info.Size()
		}
		return nil
	})
	if target == "" {
		t.Fatal("no VPC flow-log file in the estate")
	}
	lines := readGzipLines(t, target)
	if len(lines) < 20 {
		t.Fatalf("%s has %d lines", target, len(lines))
	}
	f, err := os.Create(target)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	io.WriteString(zw, strings.Join(lines[:len(lines)-10], "\n")+"\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	later := time.Now().Add(time.Hour)
	os.Chtimes(target, later, later)
}

func readGzipLines(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// compareWindows checks flows_rollup(since, until) against the same
// aggregate over the records, for windows on and off the hour, within
// one hour, open at either end, and past the data.
func compareWindows(t *testing.T, lakeDir string) {
	t.Helper()
	ctx := context.Background()
	fast, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	slow, err := engine.Open(ctx, lakeDir, engine.Options{NoRollup: true})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	t0 := firstHour(t, fast)
	h := func(d time.Duration) any { return t0.Add(d).Unix() }
	for _, w := range [][2]any{
		{nil, nil},
		{h(time.Hour), h(5 * time.Hour)},
		{h(time.Hour + 17*time.Second), h(25*time.Hour + 1234*time.Second)},
		{h(30 * time.Minute), h(50 * time.Minute)},
		{h(59*time.Minute + 59*time.Second), h(61 * time.Minute)},
		{h(3*time.Hour + time.Second), nil},
		{nil, h(20*time.Hour + 59*time.Second)},
		{h(100 * time.Hour), nil},
		{nil, h(-time.Hour)},
	} {
		// A key may have a row in each partition whose records reach
		// into its hour (a file delivered for 23:55 holds records from
		// after midnight): the totals per key must agree.
		q := `SELECT hour, interface_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, sum(bytes)::VARCHAR, sum(packets)::VARCHAR,
  sum(records)::BIGINT AS n, min(first_start), max(last_end) FROM flows_rollup($1::BIGINT, $2::BIGINT) GROUP BY ALL ORDER BY ALL`
		want := rows(t, slow, q, w[0], w[1])
		got := rows(t, fast, q, w[0], w[1])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("window %v (-records +rollup):\n%s", w, diff)
		}
		if w[0] == nil && w[1] == nil && len(want) < 1000 {
			t.Errorf("only %d rollup rows: the estate is too small to check much", len(want))
		}
	}
}

func rows(t *testing.T, e *engine.Engine, q string, args ...any) [][]any {
	t.Helper()
	res, err := e.QueryParams(context.Background(), q, 0, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func firstHour(t *testing.T, e *engine.Engine) time.Time {
	t.Helper()
	r := rows(t, e, "SELECT min(start) FROM flows")
	v, ok := r[0][0].(int64)
	if !ok {
		t.Fatal(fmt.Sprintf("min(start) = %v", r[0][0]))
	}
	return time.Unix(v, 0).UTC().Truncate(time.Hour)
}

// TestRollup_Overflow: hourly totals that do not fit 64 bits (hostile
// values) leave the partition without a rollup; ingest succeeds and the
// macro reads the records.
func TestRollup_Overflow(t *testing.T) {
	const big = "4611686018427387904" // 2^62: two in one hour and pair overflow
	lakeDir := testlake.Build(t, map[string]string{"f.log": "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
		"2 111111111111 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 " + big + " 1793750400 1793750460 ACCEPT OK\n" +
		"2 111111111111 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 " + big + " 1793750401 1793750460 ACCEPT OK\n" +
		"2 111111111111 eni-a 10.0.0.3 10.0.0.4 1 2 6 1 500 1793754000 1793754060 ACCEPT OK\n"})
	m := manifest(t, lakeDir)
	if _, ok := rollup.Current(m); ok || len(rollupFiles(m)) != 0 {
		t.Fatalf("rollup files %v despite the overflow", rollupFiles(m))
	}
	e := testlake.OpenDir(t, lakeDir)
	got := rows(t, e, "SELECT srcaddr, bytes FROM flows_rollup(1793754000, NULL)")
	if diff := cmp.Diff([][]any{{"10.0.0.3", int64(500)}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
