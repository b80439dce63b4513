package lake

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// testRow is one row of the small table the tests write.
type testRow struct {
	SourceID   int64   `parquet:"source_id"`
	SourceLine int64   `parquet:"source_line"`
	Name       *string `parquet:"name,optional"`
}

// testBatch is a Batch of testRows; a nil Name is written as NULL.
type testBatch []testRow

func (b testBatch) Len() int { return len(b) }

func (b testBatch) Sort() {
	slices.SortFunc(b, func(x, y testRow) int {
		return cmp.Or(cmp.Compare(x.SourceID, y.SourceID), cmp.Compare(x.SourceLine, y.SourceLine))
	})
}

func (b testBatch) Row(i int, out []parquet.Value) {
	testSchema.Put(out, 0, I64(b[i].SourceID))
	testSchema.Put(out, 1, I64(b[i].SourceLine))
	if b[i].Name != nil {
		testSchema.Put(out, 2, Str(*b[i].Name))
	}
}

var testSchema = mustSchema(TableFlows, []Column{{SourceIDColumn, Int64}, {SourceLineColumn, Int64}, {"name", String}})

func mustSchema(table string, cols []Column) *Schema {
	s, err := NewSchema(table, cols)
	if err != nil {
		panic(err)
	}
	return s
}

// rowsOf makes n rows of source id, lines 1..n, named "<id>-<line>".
func rowsOf(id int64, n int) testBatch {
	var b testBatch
	for line := range int64(n) {
		name := string(rune('a'+id)) + "-" + string(rune('0'+line+1))
		b = append(b, testRow{SourceID: id, SourceLine: line + 1, Name: &name})
	}
	return b
}

var testPartition = Partition{Account: "123456789012", Region: "us-east-1", Day: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}

func openLake(t *testing.T, dir string) *Writer {
	t.Helper()
	w, err := Open(dir)
	if err != nil {
		t.Fatalf("cannot open lake: %v", err)
	}
	return w
}

// readRows reads a live file back with parquet-go.
func readRows(t *testing.T, dir string, f File) []testRow {
	t.Helper()
	rows, err := parquet.ReadFile[testRow](filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil {
		t.Fatalf("cannot read %s: %v", f.Path, err)
	}
	return rows
}

// sourceIDsIn lists the distinct source ids of rows, sorted.
func sourceIDsIn(rows []testRow) []int64 {
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.SourceID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// filesUnder lists the regular files under dir/top, relative to dir and
// slash-separated, sorted.
func filesUnder(t *testing.T, dir, top string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, top), func(p string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
