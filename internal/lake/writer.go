package lake

import (
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Partition is the Hive-style location of a file inside its table, named
// as AWS's own Hive-compatible Parquet delivery names its prefixes.
type Partition struct {
	Account string
	Region  string
	Day     time.Time // UTC; only the date is used
}

// Path renders the partition as a relative, slash-separated directory.
func (p Partition) Path() string {
	return fmt.Sprintf("aws-account-id=%s/aws-region=%s/year=%04d/month=%02d/day=%02d",
		safeValue(p.Account), safeValue(p.Region), p.Day.Year(), int(p.Day.Month()), p.Day.Day())
}

// safeValue keeps partition values to a character set that can never
// escape the lake or confuse a Hive reader.
func safeValue(s string) string {
	if s == "" {
		return "unknown"
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Writer is the single writer of a lake. It stages files and ledger
// entries and makes them visible all at once with Commit.
type Writer struct {
	dir      string
	lock     *lock
	base     *Manifest // as found at Open
	next     *Manifest // what Commit will publish
	replaced []int64   // source ids whose rows Commit must drop
	obsolete []string  // files to delete once the new manifest is live
}

// Open takes the writer lock of the lake at dir (creating it), loads the
// manifest and removes what a crashed run left behind.
func Open(dir string) (*Writer, error) {
	if err := checkLakeDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create lake %s: %w", dir, err)
	}
	l, err := acquire(dir)
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		l.release()
		return nil, err
	}
	w := &Writer{dir: dir, lock: l, base: m, next: clone(m)}
	if err := w.removeOrphans(); err != nil {
		l.release()
		return nil, err
	}
	return w, nil
}

// Dir is the lake's root.
func (w *Writer) Dir() string { return w.dir }

// Manifest is what Commit will publish so far.
func (w *Writer) Manifest() *Manifest { return w.next }

// Close releases the lock; anything not committed is discarded (and
// removed by the next Open).
func (w *Writer) Close() { w.lock.release() }

// Lookup returns the ledger entry for a URI, if any.
func (w *Writer) Lookup(uri string) *Source { return w.next.Sources[uri] }

// NewSourceID reserves a ledger id.
func (w *Writer) NewSourceID() int64 {
	id := w.next.NextSourceID
	w.next.NextSourceID++
	return id
}

// WriteFile writes one batch as a file of table in partition p.
func (w *Writer) WriteFile(table string, p Partition, s *Schema, b Batch, sources []int64) error {
	if b.Len() == 0 {
		return nil
	}
	rel := path.Join(table, p.Path())
	name, size, sum, err := writeParquet(filepath.Join(w.dir, filepath.FromSlash(rel)), s, b)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", rel, err)
	}
	w.next.Files = append(w.next.Files, File{Path: path.Join(rel, name), Table: table, Rows: int64(b.Len()), Bytes: size, SHA256: sum, Sources: sources})
	return nil
}

// AddSource stages a ledger entry. An entry for the same URI is replaced,
// and Commit drops the rows the old one brought.
func (w *Writer) AddSource(s *Source) {
	if old := w.next.Sources[s.URI]; old != nil && old.ID != s.ID {
		w.replaced = append(w.replaced, old.ID)
		if old.Quarantine != "" {
			w.obsolete = append(w.obsolete, old.Quarantine)
		}
	}
	w.next.Sources[s.URI] = s
}

// Commit publishes everything staged since Open or the last Commit.
func (w *Writer) Commit() error {
	if err := w.DropReplaced(); err != nil {
		return err
	}
	w.next.Generation++
	w.next.UpdatedAt = time.Now().UTC()
	if err := w.next.write(w.dir); err != nil {
		return err
	}
	for _, rel := range w.obsolete {
		if err := os.Remove(filepath.Join(w.dir, filepath.FromSlash(rel))); err != nil && !os.IsNotExist(err) {
			slog.Warn("cannot remove superseded file", "path", rel, "err", err)
		}
	}
	w.base, w.next, w.replaced, w.obsolete = w.next, clone(w.next), nil, nil
	return nil
}

func clone(m *Manifest) *Manifest {
	c := *m
	c.Files = append([]File(nil), m.Files...)
	c.Sources = make(map[string]*Source, len(m.Sources))
	for k, v := range m.Sources {
		c.Sources[k] = v
	}
	return &c
}

// removeOrphans deletes files under the table directories and the
// quarantine that the manifest does not list: leftovers of a run that
// died before its commit.
func (w *Writer) removeOrphans() error {
	live := map[string]bool{}
	for _, f := range w.base.Files {
		live[f.Path] = true
	}
	for _, s := range w.base.Sources {
		if s.Quarantine != "" {
			live[s.Quarantine] = true
		}
	}
	for _, top := range append(Tables(), quarantineDir) {
		if err := w.removeOrphansUnder(top, live); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) removeOrphansUnder(top string, live map[string]bool) error {
	root := filepath.Join(w.dir, top)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || live[rel] || !ours(d.Name()) {
			return nil
		}
		slog.Debug("removing file no manifest lists", "path", rel)
		return os.Remove(p)
	})
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// ours matches the names the lake gives files, so that cleaning up never
// touches anything a person put there.
func ours(name string) bool {
	return strings.HasPrefix(name, ".tmp-") || strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".jsonl")
}

// checkLakeDir refuses to turn a directory holding other things into a
// lake: a mistyped --lake must not scatter files into someone's folder.
func checkLakeDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read lake %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
		return nil
	}
	for _, e := range entries {
		if !lakeEntry(e.Name()) {
			return fmt.Errorf("%s is not empty and is not a flowtrail lake (no %s): choose a new or empty directory", dir, ManifestName)
		}
	}
	return nil // a first run that stopped before its commit
}

// lakeEntry reports whether name is one the lake creates at its root.
func lakeEntry(name string) bool {
	switch name {
	case lockFile, ManifestName + ".tmp", quarantineDir:
		return true
	}
	return slices.Contains(Tables(), name)
}

// Discard drops, at Commit, the rows a source brought into files already
// staged in this run: used when a source fails part way.
func (w *Writer) Discard(id int64) { w.replaced = append(w.replaced, id) }
