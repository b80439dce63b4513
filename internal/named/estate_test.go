package named_test

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/source"
)

// TestTopTalkers_Estate checks VpcFlowLogsTopTalkers on a generated
// estate against totals read from the raw gzip files here, without
// flowtrail's parser, and against the generator's own truth.
func TestTopTalkers_Estate(t *testing.T) {
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	truth, err := gen.Generate(ctx, dir, gen.Config{Seed: 1, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	raw := rawBytesBySrc(t, dir)
	if len(truth.Bytes) != 20 || len(raw) <= 50 {
		t.Fatalf("truth has %d top senders and the raw files %d senders: too few to check", len(truth.Bytes), len(raw))
	}
	for src, want := range truth.Bytes {
		if raw[src] != want {
			t.Errorf("raw files: %s sent %d bytes, truth.json says %d", src, raw[src], want)
		}
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ranked := rank(raw)
	for _, limit := range []int{50, len(ranked)} {
		got := topTalkers(t, e, limit)
		if len(got) != min(limit, len(ranked)) {
			t.Fatalf("limit %d: %d rows, want %d", limit, len(got), min(limit, len(ranked)))
		}
		for i, r := range got {
			if r != ranked[i] {
				t.Errorf("limit %d: row %d = %v, want %v", limit, i, r, ranked[i])
			}
		}
	}
}

type talker struct {
	src   string
	bytes int64
}

// rank orders totals as the query does: most bytes first, then address.
func rank(totals map[string]int64) []talker {
	var out []talker
	for s, b := range totals {
		out = append(out, talker{s, b})
	}
	slices.SortFunc(out, func(x, y talker) int { return cmp.Or(cmp.Compare(y.bytes, x.bytes), cmp.Compare(x.src, y.src)) })
	return out
}

func topTalkers(t *testing.T, e *engine.Engine, limit int) []talker {
	t.Helper()
	b, err := named.Prepare("VpcFlowLogsTopTalkers", []string{"limit=" + strconv.Itoa(limit)}, named.Window{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.QueryParams(context.Background(), b.SQL, 0, b.Args...)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]talker, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = talker{r[0].(string), r[1].(int64)}
	}
	return out
}

// rawBytesBySrc sums bytes by srcaddr over the VPC flow-log objects under
// dir: a header line names the fields; a line with another number of
// fields, or a word where a number belongs, is malformed and skipped, as
// are Transit Gateway logs (their header has tgw-id) and "-" values.
func rawBytesBySrc(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	totals := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".log.gz") || !strings.Contains(filepath.ToSlash(p), "/vpcflowlogs/") {
			return err
		}
		return addObject(p, totals)
	})
	if err != nil {
		t.Fatal(err)
	}
	return totals
}

var numeric = map[string]bool{"version": true, "srcport": true, "dstport": true, "protocol": true, "packets": true,
	"bytes": true, "start": true, "end": true, "tcp-flags": true, "traffic-path": true}

func addObject(path string, totals map[string]int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() {
		return sc.Err()
	}
	names := strings.Fields(sc.Text())
	if slices.Contains(names, "tgw-id") {
		return nil
	}
	src, by := slices.Index(names, "srcaddr"), slices.Index(names, "bytes")
	for sc.Scan() {
		v := strings.Fields(sc.Text())
		if len(v) != len(names) || !numbersOK(names, v) || v[src] == "-" || v[by] == "-" {
			continue
		}
		n, _ := strconv.ParseInt(v[by], 10, 64)
		totals[v[src]] += n
	}
	return sc.Err()
}

func numbersOK(names, v []string) bool {
	for i, n := range names {
		if _, err := strconv.ParseInt(v[i], 10, 64); numeric[n] && v[i] != "-" && err != nil {
			return false
		}
	}
	return true
}

// TestNamed_Rollup runs every named query on a generated estate of two
// days, on an engine that reads the lake's rollup and on one that
// aggregates the records, for an open window, whole hours and a window
// off the hour: the rows must be the same.
func TestNamed_Rollup(t *testing.T) {
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	if _, err := gen.Generate(ctx, dir, gen.Config{Seed: 5, Scale: 0.05, Duration: 26 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	fast, slow := openEngine(t, lakeDir, engine.Options{}), openEngine(t, lakeDir, engine.Options{NoRollup: true})
	addr := busiest(t, fast)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, w := range []named.Window{{}, {Since: t0.Add(2 * time.Hour), Until: t0.Add(20 * time.Hour)},
		{Since: t0.Add(90*time.Minute + 7*time.Second), Until: t0.Add(25*time.Hour + 30*time.Minute)}} {
		for _, q := range named.All() {
			b, err := named.Prepare(q.Name, paramsFor(q, addr), w)
			if err != nil {
				t.Fatal(err)
			}
			want, got := all(t, slow, b), all(t, fast, b)
			if len(want) == 0 {
				t.Errorf("%s %v: no rows, nothing compared", q.Name, w)
			}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("%s %v (-records +rollup):\n%s", q.Name, w, diff)
			}
		}
	}
}

func openEngine(t *testing.T, lakeDir string, opts engine.Options) *engine.Engine {
	t.Helper()
	e, err := engine.Open(context.Background(), lakeDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func busiest(t *testing.T, e *engine.Engine) string {
	t.Helper()
	res, err := e.Query(context.Background(), "SELECT srcaddr FROM flows WHERE srcaddr IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", 0)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows[0][0].(string)
}

// paramsFor gives every address parameter the address; the rest keep
// their defaults.
func paramsFor(q *named.Query, addr string) []string {
	var out []string
	for _, p := range q.Params {
		if p.Kind == named.KindAddr {
			out = append(out, p.Name+"="+addr)
		}
	}
	return out
}

func all(t *testing.T, e *engine.Engine, b *named.Bound) [][]any {
	t.Helper()
	res, err := e.QueryParams(context.Background(), b.SQL, 0, b.Args...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}
