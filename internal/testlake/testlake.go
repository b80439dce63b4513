// Package testlake builds small lakes from hand-written log files, for
// the tests of the packages that read lakes.
package testlake

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
)

// Build writes files (relative path → content) into a temporary folder,
// ingests it into a new lake and returns the lake's directory.
func Build(t testing.TB, files map[string]string) string {
	t.Helper()
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	for rel, content := range files {
		p := filepath.Join(in, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ingest.Run(context.Background(), ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: in}}}); err != nil {
		t.Fatal(err)
	}
	return lakeDir
}

// Open builds a lake from one flow-log file and opens the engine on it;
// the engine closes when the test ends.
func Open(t testing.TB, flowLog string) *engine.Engine {
	t.Helper()
	return OpenDir(t, Build(t, map[string]string{"flows.log": flowLog}))
}

// OpenDir opens the engine on an existing lake for the test's duration.
func OpenDir(t testing.TB, lakeDir string) *engine.Engine {
	t.Helper()
	e, err := engine.Open(context.Background(), lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
