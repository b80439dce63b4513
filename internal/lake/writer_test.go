package lake

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/lz4"
)

func TestPartitionPath(t *testing.T) {
	day := time.Date(2026, 3, 7, 23, 59, 59, 0, time.UTC)
	f := func(p Partition, want string) {
		t.Helper()
		got := p.Path()
		if got != want {
			t.Fatalf("Partition%+v.Path() = %q, want %q", p, got, want)
		}
		for _, seg := range strings.Split(got, "/") {
			k, v, ok := strings.Cut(seg, "=")
			if !ok || k == "" || v == "" || v == "." || v == ".." {
				t.Fatalf("segment %q of %q is not key=value", seg, got)
			}
		}
		if filepath.IsAbs(got) || !filepath.IsLocal(got) {
			t.Fatalf("%q could leave the table directory", got)
		}
	}

	f(Partition{Account: "123456789012", Region: "us-east-1", Day: day},
		"aws-account-id=123456789012/aws-region=us-east-1/year=2026/month=03/day=07")
	f(Partition{Account: "A_b-9", Region: "eu_west-1", Day: day},
		"aws-account-id=A_b-9/aws-region=eu_west-1/year=2026/month=03/day=07")

	// hostile or odd values cannot escape or nest
	f(Partition{Account: "../x", Region: "..", Day: day},
		"aws-account-id=___x/aws-region=__/year=2026/month=03/day=07")
	f(Partition{Account: "a/b", Region: `a\b`, Day: day},
		"aws-account-id=a_b/aws-region=a_b/year=2026/month=03/day=07")
	f(Partition{Account: "a=b", Region: "x y\n", Day: day},
		"aws-account-id=a_b/aws-region=x_y_/year=2026/month=03/day=07")
	f(Partition{Account: "/etc/passwd", Region: "\x00", Day: day},
		"aws-account-id=_etc_passwd/aws-region=_/year=2026/month=03/day=07")

	// unicode: each byte outside the safe set becomes '_'
	f(Partition{Account: "ü", Region: "区域", Day: day},
		"aws-account-id=__/aws-region=______/year=2026/month=03/day=07")

	// unknown values and no date
	f(Partition{}, "aws-account-id=unknown/aws-region=unknown/year=0001/month=01/day=01")

	// only the UTC date counts, not the clock
	f(Partition{Account: "1", Region: "r", Day: time.Date(2026, 12, 31, 0, 0, 0, 1, time.UTC)},
		"aws-account-id=1/aws-region=r/year=2026/month=12/day=31")
}

func TestOpen_LockHeld(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lake")
	first := openLake(t, dir)

	_, err := Open(dir)
	if err == nil {
		t.Fatal("a second writer opened the lake while the first held it")
	}
	want := fmt.Sprintf("lake %s is being written by another process (pid %d): wait for it to finish", dir, os.Getpid())
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}

	// the refused writer leaves the holder's lock alone
	_, err = Open(dir)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Fatalf("the lock was lost after a refused Open: %v", err)
	}

	first.Close()
	second := openLake(t, dir)
	second.Close()
}

func TestOpen_RemovesOrphans(t *testing.T) {
	dir := t.TempDir()
	w := openLake(t, dir)
	id := w.NewSourceID()
	if err := w.WriteFile(TableFlows, testPartition, testSchema, rowsOf(id, 3), []int64{id}); err != nil {
		t.Fatal(err)
	}
	q := w.NewQuarantine(id, "file:///a.log")
	if err := q.Add(4, "bad", []byte("x")); err != nil {
		t.Fatal(err)
	}
	rel, err := q.Close()
	if err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: id, URI: "file:///a.log", Quarantine: rel})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	// An uncommitted file of this run: an orphan once the writer goes.
	if err := w.WriteFile(TableFlows, testPartition, testSchema, rowsOf(w.NewSourceID(), 2), []int64{2}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	live := w.Manifest().Files[0].Path
	part := filepath.Join(dir, TableFlows, filepath.FromSlash(testPartition.Path()))
	orphans := []string{
		filepath.Join(part, ".tmp-123.parquet"),
		filepath.Join(part, "0123456789abcdef0123456789abcdef.parquet"),
		filepath.Join(dir, TableTGWFlows, ".tmp-9"),
		filepath.Join(dir, TableCloudTrail, "x", "y.parquet"),
		filepath.Join(dir, quarantineDir, "99.jsonl"),
	}
	kept := []string{
		filepath.Join(dir, "notes.txt"),
		filepath.Join(dir, "mine.parquet"),
		filepath.Join(dir, TableFlows, "README.md"),
		filepath.Join(part, "notes.txt"),
		filepath.Join(dir, quarantineDir, "keep.txt"),
	}
	for _, p := range append(slices.Clone(orphans), kept...) {
		writeTestFile(t, p, "x")
	}

	w = openLake(t, dir)
	defer w.Close()
	for _, p := range orphans {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("orphan %s was not removed (%v)", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, which the lake did not write, was touched: %v", p, err)
		}
	}
	wantFlows := []string{live, TableFlows + "/README.md", TableFlows + "/" + testPartition.Path() + "/notes.txt"}
	slices.Sort(wantFlows)
	if diff := cmp.Diff(wantFlows, filesUnder(t, dir, TableFlows)); diff != "" {
		t.Errorf("files under flows/ (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{rel, quarantineDir + "/keep.txt"}, filesUnder(t, dir, quarantineDir)); diff != "" {
		t.Errorf("files under quarantine/ (-want +got):\n%s", diff)
	}
}

func TestCheckLakeDir_Success(t *testing.T) {
	f := func(setup func(dir string) string) {
		t.Helper()
		dir := setup(t.TempDir())
		if err := checkLakeDir(dir); err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		w, err := Open(dir)
		if err != nil {
			t.Fatalf("cannot open: %v", err)
		}
		w.Close()
	}

	// a lake to be
	f(func(dir string) string { return filepath.Join(dir, "new", "lake") })
	f(func(dir string) string { return dir })

	// a lake, with things a person added
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, ManifestName), `{"format":1}`)
		writeTestFile(t, filepath.Join(dir, "notes.txt"), "case notes")
		return dir
	})

	// a first run that died before its commit: only what the lake writes
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, lockFile), "123\n")
		writeTestFile(t, filepath.Join(dir, TableFlows, "a", ".tmp-1.parquet"), "x")
		writeTestFile(t, filepath.Join(dir, quarantineDir, "1.jsonl"), "{}\n")
		writeTestFile(t, filepath.Join(dir, ManifestName+".tmp"), "{")
		return dir
	})
}

func TestCheckLakeDir_Failure(t *testing.T) {
	f := func(setup func(dir string) string, wantErr string) {
		t.Helper()
		dir := setup(t.TempDir())
		before := filesUnder(t, dir, ".")
		want := strings.ReplaceAll(wantErr, "DIR", dir)
		err := checkLakeDir(dir)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("checkLakeDir: error %v, want %q", err, want)
		}
		_, err = Open(dir)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("Open: error %v, want %q", err, want)
		}
		if diff := cmp.Diff(before, filesUnder(t, dir, ".")); diff != "" {
			t.Fatalf("a refused Open wrote into %s (-before +after):\n%s", dir, diff)
		}
	}
	const notLake = "DIR is not empty and is not a flowtrail lake (no manifest.json): choose a new or empty directory"

	// someone's folder
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, "notes.txt"), "x")
		return dir
	}, notLake)
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, "photos", "cat.jpg"), "x")
		return dir
	}, notLake)

	// someone's folder that happens to hold a file named .lock
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, lockFile), "")
		writeTestFile(t, filepath.Join(dir, "src", "main.go"), "package main")
		return dir
	}, notLake)

	// a file, not a directory
	f(func(dir string) string {
		p := filepath.Join(dir, "file")
		writeTestFile(t, p, "x")
		return p
	}, "cannot read lake DIR: ")
}

func TestCommit_ReplacedSourceRewritesFiles(t *testing.T) {
	dir := t.TempDir()
	const uriA, uriB = "s3://bucket/a.log.gz", "s3://bucket/b.log.gz"

	// Run 1: sources A (id 1) and B (id 2) share one file; A has rejects.
	w := openLake(t, dir)
	a, b := w.NewSourceID(), w.NewSourceID()
	if err := w.WriteFile(TableFlows, testPartition, testSchema, append(rowsOf(a, 3), rowsOf(b, 2)...), []int64{a, b}); err != nil {
		t.Fatal(err)
	}
	q := w.NewQuarantine(a, uriA)
	if err := q.Add(9, "bad", []byte("junk")); err != nil {
		t.Fatal(err)
	}
	qa, err := q.Close()
	if err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: a, URI: uriA, ETag: `"1"`, Quarantine: qa})
	w.AddSource(&Source{ID: b, URI: uriB, ETag: `"1"`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m := mustRead(t, dir)
	if len(m.Files) != 1 || m.Files[0].Rows != 5 || !slices.Equal(m.Files[0].Sources, []int64{a, b}) {
		t.Fatalf("after run 1: files %+v", m.Files)
	}
	shared := m.Files[0]

	// Run 2: A changed; its new rows (id 3) replace the old ones.
	w = openLake(t, dir)
	a2 := w.NewSourceID()
	if err := w.WriteFile(TableFlows, testPartition, testSchema, rowsOf(a2, 2), []int64{a2}); err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: a2, URI: uriA, ETag: `"2"`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()

	m = mustRead(t, dir)
	if m.Generation != 2 || m.Sources[uriA].ID != a2 || m.Sources[uriB].ID != b || len(m.Sources) != 2 {
		t.Fatalf("after run 2: generation %d, sources %+v", m.Generation, m.Sources)
	}
	got := map[int64][]int64{} // file's listed sources → source ids of its rows
	var paths []string
	for _, f := range m.Files {
		rows := readRows(t, dir, f)
		if int64(len(rows)) != f.Rows {
			t.Errorf("%s: manifest says %d rows, file has %d", f.Path, f.Rows, len(rows))
		}
		if len(f.Sources) != 1 {
			t.Fatalf("%s lists sources %v", f.Path, f.Sources)
		}
		got[f.Sources[0]] = sourceIDsIn(rows)
		paths = append(paths, f.Path)
	}
	if diff := cmp.Diff(map[int64][]int64{b: {b}, a2: {a2}}, got); diff != "" {
		t.Fatalf("rows by file (-want +got):\n%s", diff)
	}
	slices.Sort(paths)
	if diff := cmp.Diff(paths, filesUnder(t, dir, TableFlows)); diff != "" {
		t.Fatalf("the superseded file is left on disk (-live +on disk):\n%s", diff)
	}
	if slices.Contains(paths, shared.Path) {
		t.Fatalf("the file holding A's old rows is still live")
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(qa))); !os.IsNotExist(err) {
		t.Fatalf("A's old quarantine %s is still there (%v)", qa, err)
	}

	// Run 3: B changed to nothing: its only file empties and goes.
	w = openLake(t, dir)
	w.AddSource(&Source{ID: w.NewSourceID(), URI: uriB, ETag: `"2"`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m = mustRead(t, dir)
	if len(m.Files) != 1 || !slices.Equal(m.Files[0].Sources, []int64{a2}) {
		t.Fatalf("after run 3: files %+v", m.Files)
	}
	if diff := cmp.Diff([]string{m.Files[0].Path}, filesUnder(t, dir, TableFlows)); diff != "" {
		t.Fatalf("after run 3 (-live +on disk):\n%s", diff)
	}
}

// A file whose ledger lists a replaced source that has no rows in it is
// rewritten to the same content, hence the same name: it must stay live.
func TestCommit_RewriteToSameContentKeepsFile(t *testing.T) {
	dir := t.TempDir()
	w := openLake(t, dir)
	a, b := w.NewSourceID(), w.NewSourceID()
	if err := w.WriteFile(TableFlows, testPartition, testSchema, rowsOf(b, 2), []int64{a, b}); err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: a, URI: "a"})
	w.AddSource(&Source{ID: b, URI: "b"})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: w.NewSourceID(), URI: "a"})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m := mustRead(t, dir)
	if len(m.Files) != 1 || !slices.Equal(m.Files[0].Sources, []int64{b}) {
		t.Fatalf("files %+v", m.Files)
	}
	if got := sourceIDsIn(readRows(t, dir, m.Files[0])); !slices.Equal(got, []int64{b}) {
		t.Fatalf("rows of sources %v, want [%d]", got, b)
	}
}

func TestDiscard(t *testing.T) {
	dir := t.TempDir()
	w := openLake(t, dir)
	ok, failed := w.NewSourceID(), w.NewSourceID()
	// files staged in this run, before the source fails part way
	if err := w.WriteFile(TableFlows, testPartition, testSchema, append(rowsOf(ok, 2), rowsOf(failed, 3)...), []int64{ok, failed}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFile(TableTGWFlows, testPartition, testSchema, rowsOf(failed, 1), []int64{failed}); err != nil {
		t.Fatal(err)
	}
	w.Discard(failed)
	w.AddSource(&Source{ID: ok, URI: "ok"})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()

	m := mustRead(t, dir)
	if m.SourceByID(failed) != nil || m.SourceByID(ok) == nil {
		t.Fatalf("ledger %+v", m.Sources)
	}
	if len(m.Files) != 1 || m.Files[0].Table != TableFlows || m.Files[0].Rows != 2 || !slices.Equal(m.Files[0].Sources, []int64{ok}) {
		t.Fatalf("files %+v", m.Files)
	}
	if got := sourceIDsIn(readRows(t, dir, m.Files[0])); !slices.Equal(got, []int64{ok}) {
		t.Fatalf("rows of sources %v, want [%d]", got, ok)
	}
	if got := filesUnder(t, dir, TableTGWFlows); len(got) != 0 {
		t.Fatalf("the discarded source's file is left: %v", got)
	}
	if diff := cmp.Diff([]string{m.Files[0].Path}, filesUnder(t, dir, TableFlows)); diff != "" {
		t.Fatalf("(-live +on disk):\n%s", diff)
	}
}

func TestWriteFile_NullsAndEmpty(t *testing.T) {
	dir := t.TempDir()
	w := openLake(t, dir)
	defer w.Close()
	if err := w.WriteFile(TableFlows, testPartition, testSchema, testBatch{}, nil); err != nil {
		t.Fatal(err)
	}
	if len(w.Manifest().Files) != 0 {
		t.Fatalf("an empty batch made a file: %+v", w.Manifest().Files)
	}
	name := "x"
	b := testBatch{{SourceID: 1, SourceLine: 2}, {SourceID: 1, SourceLine: 1, Name: &name}}
	if err := w.WriteFile(TableFlows, testPartition, testSchema, b, []int64{1}); err != nil {
		t.Fatal(err)
	}
	f := w.Manifest().Files[0]
	if want := TableFlows + "/" + testPartition.Path() + "/" + f.SHA256[:32] + ".parquet"; f.Path != want {
		t.Fatalf("path %q, want %q", f.Path, want)
	}
	got := readRows(t, dir, f)
	want := []testRow{{SourceID: 1, SourceLine: 1, Name: &name}, {SourceID: 1, SourceLine: 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows read back, sorted, NULL kept (-want +got):\n%s", diff)
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil || st.Size() != f.Bytes {
		t.Fatalf("size on disk %v (%v), manifest says %d", st.Size(), err, f.Bytes)
	}
}

func mustRead(t *testing.T, dir string) *Manifest {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCommit_ReplacedSourceLargeFile: a replaced source's rows leave a
// file of many pages, and every row of the other source stays, value
// for value. (parquet-go could not read back LZ4 pages: the rewrite
// then lost rows without a word.)
func TestCommit_ReplacedSourceLargeFile(t *testing.T) {
	dir := t.TempDir()
	w := openLake(t, dir)
	a, b := w.NewSourceID(), w.NewSourceID()
	kept := rowsOf(b, 50000)
	if err := w.WriteFile(TableFlows, testPartition, testSchema, append(rowsOf(a, 20000), kept...), []int64{a, b}); err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: a, URI: "a", ETag: `"1"`})
	w.AddSource(&Source{ID: b, URI: "b", ETag: `"1"`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.AddSource(&Source{ID: w.NewSourceID(), URI: "a", ETag: `"2"`})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m := mustRead(t, dir)
	if len(m.Files) != 1 || m.Files[0].Rows != int64(len(kept)) {
		t.Fatalf("files after the replacement: %+v", m.Files)
	}
	if diff := cmp.Diff([]testRow(kept), readRows(t, dir, m.Files[0])); diff != "" {
		t.Errorf("kept rows (-want +got):\n%s", diff)
	}
}

// TestRewrite_LZ4Refused: a file with LZ4 pages (as an earlier flowtrail
// wrote them) is not rewritten, and the error says what to do.
func TestRewrite_LZ4Refused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "old.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	pw := parquet.NewWriter(f, testSchema.node, parquet.Compression(&lz4.Codec{Level: lz4.Fastest}))
	row := make(parquet.Row, len(testSchema.Columns))
	copy(row, testSchema.nulls)
	rowsOf(1, 1).Row(0, row)
	if _, err := pw.WriteRows([]parquet.Row{row}); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, _, err = readRowsExcept(p, []int64{2})
	if err == nil || !strings.Contains(err.Error(), "LZ4") || !strings.Contains(err.Error(), "re-ingest") {
		t.Errorf("err = %v, want a refusal that names LZ4 and says to re-ingest", err)
	}
}
