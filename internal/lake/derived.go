package lake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// TableFlowsRollup holds, per partition of flows, the volumes of each
// hour, interface and address pair: a summary the named queries that
// group by address pairs read instead of every record. It is derived
// from the flows files and rebuilt whenever they change.
const TableFlowsRollup = "flows_rollup"

// Partitions lists the live files of table by partition directory (the
// file's directory relative to the table), each list sorted.
func (m *Manifest) Partitions(table string) map[string][]string {
	out := map[string][]string{}
	for _, f := range m.Files {
		if f.Table != table {
			continue
		}
		dir := strings.TrimPrefix(path.Dir(f.Path), table+"/")
		out[dir] = append(out[dir], f.Path)
	}
	for _, files := range out {
		slices.Sort(files)
	}
	return out
}

// Fresh reports whether a derived file was computed from exactly the
// given live files.
func (f File) Fresh(from []string) bool {
	got := slices.Clone(f.From)
	slices.Sort(got)
	return slices.Equal(got, from)
}

// DropReplaced rewrites, now rather than at Commit, the files holding
// rows of replaced or discarded sources, so that what is derived from
// the files sees them as they will be published.
func (w *Writer) DropReplaced() error {
	err := w.dropReplaced()
	w.replaced = nil
	return err
}

// TempFile names a new temporary file in table's partition dir for a
// derived file that another program (DuckDB) writes. Until PlaceDerived
// renames it, the next Open removes it as a leftover.
func (w *Writer) TempFile(table, dir string) (string, error) {
	d := filepath.Join(w.dir, table, filepath.FromSlash(dir))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", d, err)
	}
	f, err := os.CreateTemp(d, ".tmp-*.parquet")
	if err != nil {
		return "", fmt.Errorf("cannot create a file in %s: %w", d, err)
	}
	name := f.Name()
	f.Close()
	return name, os.Remove(name) // the writer creates it afresh
}

// PlaceDerived gives the finished file tmp its content name in table's
// partition dir and makes it that partition's only live file of table
// from the next Commit; from lists the live files it was computed from.
func (w *Writer) PlaceDerived(table, dir, tmp string, rows int64, from []string) error {
	sum, size, err := syncAndHash(tmp)
	if err != nil {
		return err
	}
	rel := path.Join(table, dir, sum[:32]+".parquet")
	if err := os.Rename(tmp, filepath.Join(w.dir, filepath.FromSlash(rel))); err != nil {
		return fmt.Errorf("cannot name %s: %w", rel, err)
	}
	w.DropDerived(table, dir, rel)
	w.next.Files = append(w.next.Files, File{Path: rel, Table: table, Rows: rows, Bytes: size, SHA256: sum, From: slices.Clone(from)})
	return nil
}

// DropDerived unlists table's files in partition dir, except keep, and
// deletes them once the next Commit is published.
func (w *Writer) DropDerived(table, dir, keep string) {
	w.next.Files = slices.DeleteFunc(w.next.Files, func(f File) bool {
		if f.Table != table || path.Dir(f.Path) != path.Join(table, dir) || f.Path == keep {
			return false
		}
		w.obsolete = append(w.obsolete, f.Path)
		return true
	})
}

func syncAndHash(p string) (sum string, size int64, err error) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return "", 0, fmt.Errorf("cannot open %s: %w", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return "", 0, fmt.Errorf("cannot read %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("cannot sync %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}
