package lake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestManifest_RoundTrip(t *testing.T) {
	f := func(m *Manifest) {
		t.Helper()
		dir := t.TempDir()
		if err := m.write(dir); err != nil {
			t.Fatalf("cannot write manifest: %v", err)
		}
		got, err := ReadManifest(dir)
		if err != nil {
			t.Fatalf("cannot read manifest back: %v", err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Fatalf("manifest changed in a round trip (-wrote +read):\n%s", diff)
		}
		if _, err := os.Stat(filepath.Join(dir, ManifestName+".tmp")); !os.IsNotExist(err) {
			t.Fatalf("the temporary manifest is left behind: %v", err)
		}
	}

	// empty, as a new lake starts
	f(newManifest())

	// files, sources with and without the optional fields
	at := time.Date(2026, 11, 1, 12, 30, 0, 0, time.UTC)
	f(&Manifest{
		Format: 1, Generation: 7, UpdatedAt: at, NextSourceID: 4,
		Files: []File{
			{Path: "flows/aws-account-id=123456789012/aws-region=us-east-1/year=2026/month=11/day=01/ab.parquet", Table: TableFlows, Rows: 10, Bytes: 900, SHA256: "ab", Sources: []int64{1, 2}},
			{Path: "cloudtrail/aws-account-id=unknown/aws-region=unknown/year=0001/month=01/day=01/cd.parquet", Table: TableCloudTrail, Rows: 1, Bytes: 100, SHA256: "cd", Sources: []int64{3}},
		},
		Sources: map[string]*Source{
			"s3://b/k1.log.gz": {ID: 1, URI: "s3://b/k1.log.gz", Size: 120, ETag: `"9b2cf535f27731c974343645a3985328"`, SHA256: "e3", Kind: "flowlog-text",
				Format: "version account-id", Records: map[string]int64{TableFlows: 10}, Rejected: 2, Quarantine: "quarantine/1.jsonl", IngestedAt: at},
			"file:///logs/a.log": {ID: 2, URI: "file:///logs/a.log", Size: 5, ModTime: at.Add(-time.Hour), SHA256: "f0", Kind: "flowlog-text", Records: map[string]int64{}, IngestedAt: at},
			"file:///logs/b.log": {ID: 3, URI: "file:///logs/b.log", Size: 0, SHA256: "00", Kind: "cloudtrail", Records: map[string]int64{TableCloudTrail: 1},
				Error: "unexpected EOF", IngestedAt: at},
		},
	})
}

func TestManifest_Write_ReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	// A temporary file from a write that died: overwritten, not appended to.
	writeTestFile(t, filepath.Join(dir, ManifestName+".tmp"), strings.Repeat("x", 10000))
	for gen := int64(1); gen <= 3; gen++ {
		m := newManifest()
		m.Generation = gen
		if err := m.write(dir); err != nil {
			t.Fatalf("cannot write generation %d: %v", gen, err)
		}
		got, err := ReadManifest(dir)
		if err != nil {
			t.Fatalf("cannot read generation %d: %v", gen, err)
		}
		if got.Generation != gen {
			t.Fatalf("read generation %d, want %d", got.Generation, gen)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != ManifestName {
		t.Fatalf("the lake root holds %v, want only %s", entries, ManifestName)
	}
}

func TestReadManifest_Success(t *testing.T) {
	f := func(setup func(dir string) string, want *Manifest) {
		t.Helper()
		got, err := ReadManifest(setup(t.TempDir()))
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("unexpected manifest (-want +got):\n%s", diff)
		}
		got.Sources["x"] = &Source{} // a usable map, never nil
	}

	// a lake that does not exist yet reads as empty
	f(func(dir string) string { return filepath.Join(dir, "missing", "lake") }, newManifest())

	// an empty directory
	f(func(dir string) string { return dir }, newManifest())

	// a manifest with no sources key still gets a map
	f(func(dir string) string {
		writeTestFile(t, filepath.Join(dir, ManifestName), `{"format":1,"generation":2,"next_source_id":1,"files":[]}`)
		return dir
	}, &Manifest{Format: 1, Generation: 2, NextSourceID: 1, Files: []File{}, Sources: map[string]*Source{}})
}

func TestReadManifest_Failure(t *testing.T) {
	f := func(content, wantPrefix string) {
		t.Helper()
		dir := t.TempDir()
		writeTestFile(t, filepath.Join(dir, ManifestName), content)
		_, err := ReadManifest(dir)
		if err == nil {
			t.Fatalf("expected an error for %q", content)
		}
		if want := wantPrefix + filepath.Join(dir, ManifestName) + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("error %q does not start with %q", err, want)
		}
	}

	f("", "cannot parse lake manifest ")
	f("{", "cannot parse lake manifest ")
	f(`{"generation":"two"}`, "cannot parse lake manifest ")
	f(`[]`, "cannot parse lake manifest ")
}

func TestSourceSame_Success(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := func(s Source, size int64, etag string, mtime time.Time) {
		t.Helper()
		if !s.Same(size, etag, mtime) {
			t.Fatalf("%+v should be the same object as size=%d etag=%q mtime=%v", s, size, etag, mtime)
		}
	}

	// S3: size and ETag decide; mtime does not matter
	f(Source{Size: 10, ETag: `"abc"`, ModTime: t0}, 10, `"abc"`, t0.Add(time.Hour))
	f(Source{Size: 10, ETag: `"abc"`}, 10, `"abc"`, time.Time{})

	// local files: size and mtime, compared as instants
	f(Source{Size: 10, ModTime: t0}, 10, "", t0)
	f(Source{Size: 10, ModTime: t0}, 10, "", t0.In(time.FixedZone("CET", 3600)))

	// nothing but the size known
	f(Source{Size: 0}, 0, "", time.Time{})
}

func TestSourceSame_Failure(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := func(s Source, size int64, etag string, mtime time.Time) {
		t.Helper()
		if s.Same(size, etag, mtime) {
			t.Fatalf("%+v should not be the same object as size=%d etag=%q mtime=%v", s, size, etag, mtime)
		}
	}

	// size differs, whatever else agrees
	f(Source{Size: 10, ETag: `"abc"`, ModTime: t0}, 11, `"abc"`, t0)
	f(Source{Size: 10, ModTime: t0}, 9, "", t0)

	// ETag differs, even when the mtime agrees
	f(Source{Size: 10, ETag: `"abc"`, ModTime: t0}, 10, `"abd"`, t0)

	// an ETag on one side only
	f(Source{Size: 10, ETag: `"abc"`, ModTime: t0}, 10, "", t0)
	f(Source{Size: 10, ModTime: t0}, 10, `"abc"`, t0)

	// local file touched
	f(Source{Size: 10, ModTime: t0}, 10, "", t0.Add(time.Nanosecond))
	f(Source{Size: 10, ModTime: t0}, 10, "", time.Time{})
}
