package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/docgen"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

var update = flag.Bool("update", false, "rewrite the generated pages under docs/ from the code")

// docsDir is the repository's docs directory, from this package.
var docsDir = filepath.Join("..", "..", "docs")

const regenerate = "run `go test ./internal/cli -run TestDocs -update` and commit the result"

// TestDocs keeps the generated reference pages equal to what the code
// says: one page per command (docs/cli), the detectors and the schema.
func TestDocs(t *testing.T) {
	t.Setenv("FLOWTRAIL_LAKE", "") // the --lake default is part of every page
	t.Run("cli", func(t *testing.T) {
		pages, err := docgen.CLIPages(newRoot(&globals{stdout: io.Discard, stderr: io.Discard}))
		if err != nil {
			t.Fatal(err)
		}
		checkDir(t, "cli", pages)
	})
	t.Run("detectors", func(t *testing.T) {
		page, err := docgen.Detectors()
		if err != nil {
			t.Fatal(err)
		}
		checkPage(t, "detectors.md", page)
	})
	t.Run("schema", func(t *testing.T) {
		doc, err := docgen.Schema(context.Background(), testlake.Build(t, docgen.Samples()))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range doc.Problems {
			t.Errorf("docs/schema.md: %s: describe it in internal/docgen/columns.go, then %s", p, regenerate)
		}
		checkPage(t, "schema.md", doc.Page)
	})
}

// checkPage compares (or, with -update, writes) one page under docs/.
func checkPage(t *testing.T, rel string, want []byte) {
	t.Helper()
	path := filepath.Join(docsDir, rel)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("docs/%s: %v: %s", rel, err, regenerate)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/%s differs from what the code generates (%s): %s", rel, firstDifference(got, want), regenerate)
	}
}

// checkDir compares a directory of generated pages, page by page, and
// fails for a page no command generates any more.
func checkDir(t *testing.T, dir string, pages map[string][]byte) {
	t.Helper()
	full := filepath.Join(docsDir, dir)
	if *update {
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old, err := filepath.Glob(filepath.Join(full, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; ok {
			continue
		}
		if *update {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("docs/%s/%s documents a command that no longer exists: %s", dir, filepath.Base(p), regenerate)
	}
	names := make([]string, 0, len(pages))
	for name := range pages {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		checkPage(t, filepath.Join(dir, name), pages[name])
	}
}

// firstDifference names the first line where the committed page and the
// generated one part.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d is %q, the code says %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("the committed page has %d lines, the code says %d", len(g), len(w))
}
