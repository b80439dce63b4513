package lake

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
)

// TestPlaceDerived: a derived file gets its content name, lists what it
// came from, replaces the partition's earlier one at Commit (which is
// then deleted), and a temporary file never placed is removed by the
// next Open.
func TestPlaceDerived(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFile(TableFlows, testPartition, testSchema, rowsOf(1, 3), []int64{1}); err != nil {
		t.Fatal(err)
	}
	part := testPartition.Path()
	from := w.Manifest().Partitions(TableFlows)[part]
	place := func(content string) string {
		tmp, err := w.TempFile(TableFlowsRollup, part)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := w.PlaceDerived(TableFlowsRollup, part, tmp, 1, from); err != nil {
			t.Fatal(err)
		}
		return w.Manifest().Partitions(TableFlowsRollup)[part][0]
	}
	first := place("one")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	second := place("two")
	leftover, _ := w.TempFile(TableFlowsRollup, part)
	os.WriteFile(leftover, []byte("crashed"), 0o644)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Partitions(TableFlowsRollup)[part]
	if !slices.Equal(got, []string{second}) || path.Base(second) == path.Base(first) {
		t.Fatalf("rollup files %v, want only %s", got, second)
	}
	f := m.Files[slices.IndexFunc(m.Files, func(f File) bool { return f.Path == second })]
	if !f.Fresh(from) || f.Fresh(nil) {
		t.Errorf("Fresh: the file lists %v, made from %v", f.From, from)
	}
	if _, err := os.Stat(filepath.Join(dir, first)); !os.IsNotExist(err) {
		t.Errorf("the replaced rollup %s is still there", first)
	}
	w, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("the unplaced temporary file %s was not removed", leftover)
	}
}
