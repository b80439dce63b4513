// Package lake owns the on-disk store: Hive-partitioned Parquet files, the
// manifest that lists the live ones, the ingest ledger, the quarantine and
// the writer lock.
package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// ManifestName is the file, at the lake's root, that lists what is live.
const ManifestName = "manifest.json"

// Manifest is the set of live files and the ledger of ingested sources.
// It is replaced whole, atomically, at each commit.
type Manifest struct {
	Format       int                `json:"format"`
	Generation   int64              `json:"generation"`
	UpdatedAt    time.Time          `json:"updated_at"`
	NextSourceID int64              `json:"next_source_id"`
	Files        []File             `json:"files"`
	Sources      map[string]*Source `json:"sources"` // by URI
}

// File is one live Parquet file.
type File struct {
	Path    string  `json:"path"` // relative to the lake root, slash-separated
	Table   string  `json:"table"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	SHA256  string  `json:"sha256"`
	Sources []int64 `json:"sources"` // ledger ids of the sources whose rows it holds
	// From lists, for a derived file (a rollup), the live files it was
	// computed from; when they change it is stale and is rebuilt.
	From []string `json:"from,omitempty"`
}

// Source is one ledger entry: an object or file that was ingested.
type Source struct {
	ID         int64            `json:"id"`
	URI        string           `json:"uri"`
	Size       int64            `json:"size"`
	ETag       string           `json:"etag,omitempty"`
	ModTime    time.Time        `json:"mtime,omitzero"`
	SHA256     string           `json:"sha256"`
	Kind       string           `json:"kind"`
	Format     string           `json:"format,omitempty"`
	Records    map[string]int64 `json:"records"` // per table
	Rejected   int64            `json:"rejected"`
	Quarantine string           `json:"quarantine,omitempty"` // relative path of its rejected lines
	Error      string           `json:"error,omitempty"`      // why the source could not be read to its end
	IngestedAt time.Time        `json:"ingested_at"`
}

// Same reports whether a listed object is the one this entry recorded:
// same size and, where the store gives one, same ETag or mtime.
func (s *Source) Same(size int64, etag string, mtime time.Time) bool {
	if s.Size != size {
		return false
	}
	if etag != "" || s.ETag != "" {
		return etag == s.ETag
	}
	return mtime.Equal(s.ModTime)
}

func newManifest() *Manifest {
	return &Manifest{Format: 1, NextSourceID: 1, Sources: map[string]*Source{}}
}

// ReadManifest loads the manifest of the lake at dir. A lake that does not
// exist yet reads as empty.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return newManifest(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read lake manifest: %w", err)
	}
	m := newManifest()
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("cannot parse lake manifest %s: %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Sources == nil {
		m.Sources = map[string]*Source{}
	}
	return m, nil
}

// FilesOf lists the relative paths of the live files of one table.
func (m *Manifest) FilesOf(table string) []string {
	var out []string
	for _, f := range m.Files {
		if f.Table == table {
			out = append(out, f.Path)
		}
	}
	sort.Strings(out)
	return out
}

// SourceByID finds a ledger entry by id.
func (m *Manifest) SourceByID(id int64) *Source {
	for _, s := range m.Sources {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// write replaces the manifest atomically: write a temporary file, fsync it,
// rename it over the old one, fsync the directory. A crash leaves either
// the old manifest or the new one.
func (m *Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("cannot encode manifest: %w", err)
	}
	return writeAtomic(filepath.Join(dir, ManifestName), b)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot replace %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("cannot sync %s: %w", dir, err)
	}
	return nil
}
