package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree creates files (path → content) under dir; a content of
// "->target" makes a symbolic link instead.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func keys(objs []Object) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return ks
}

func TestLocalList_Success(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.log": "outside\n", "d/deep.log": "outside\n"})
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"b.log":               "b\n",
		"a.log":               "a\n",
		"a/x.log":             "ax\n",
		"a.b/y.log":           "aby\n",
		"sub/deep/z.log.gz":   "\x1f\x8b not really\n",
		"sub/empty.log":       "",
		".hidden.log":         "hidden\n",
		"sub/.DS_Store":       "hidden\n",
		".git/config":         "hidden\n",
		"link-dir":            "->" + outside,
		"sub/link-file":       "->" + filepath.Join(outside, "secret.log"),
		"sub/link-inside.log": "->" + filepath.Join(root, "a.log"),
	})
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, Local{Path: root})
	want := []string{"a.b/y.log", "a.log", "a/x.log", "b.log", "sub/deep/z.log.gz", "sub/empty.log"}
	for i := range want {
		want[i] = filepath.Join(root, want[i])
	}
	if !slices.Equal(keys(got), want) {
		t.Fatalf("listed\n%q\nwant\n%q", keys(got), want)
	}
	for _, o := range got {
		checkLocalObject(t, o)
	}
}

// checkLocalObject compares o with the file it names.
func checkLocalObject(t *testing.T, o Object) {
	t.Helper()
	info, err := os.Stat(o.Key)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(o.Key)
	if err != nil {
		t.Fatal(err)
	}
	if o.URI != "file://"+o.Key || o.Size != int64(len(want)) || !o.ModTime.Equal(info.ModTime()) || o.ModTime.Location() != time.UTC {
		t.Errorf("object %+v, want size %d, ModTime %v in UTC", o, len(want), info.ModTime())
	}
	if got := readAll(t, o); string(got) != string(want) {
		t.Errorf("Open(%s) = %q, want %q", o.URI, got, want)
	}
}

func TestLocalList_Path(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"d/f.log":      "f\n",
		".only.log":    "named, so listed\n",
		"link.log":     "->" + filepath.Join(root, "d/f.log"),
		"link-dir":     "->" + filepath.Join(root, "d"),
		"d/.skipped":   "hidden\n",
		"d/sub/g.log":  "g\n",
		"other/h.log":  "h\n",
		"other/i.json": "{}\n",
	})
	f := func(path string, want ...string) {
		t.Helper()
		got := listAll(t, Local{Path: path})
		if !slices.Equal(keys(got), want) {
			t.Fatalf("Local{%q} listed %q, want %q", path, keys(got), want)
		}
		for _, o := range got {
			checkLocalObject(t, o)
		}
	}
	join := func(name string) string { return filepath.Join(root, name) }
	// A single file, a hidden one named outright, and a link to a file
	// (whose size is the target's).
	f(join("d/f.log"), join("d/f.log"))
	f(join(".only.log"), join(".only.log"))
	f(join("link.log"), join("link.log"))
	// A link named as the folder is followed; keys stay under its name.
	f(join("link-dir"), join("link-dir/f.log"), join("link-dir/sub/g.log"))
	f(join("other")+"/", join("other/h.log"), join("other/i.json"))
	// A relative path is made absolute.
	t.Chdir(join("other"))
	f("h.log", join("other/h.log"))
	f(".", join("other/h.log"), join("other/i.json"))
}

func TestLocalList_Failure(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.log": "a\n", "b.log": "b\n", "dangling": "->" + filepath.Join(root, "nowhere")})

	missing := filepath.Join(root, "missing")
	err := Local{Path: missing}.List(t.Context(), func(Object) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "cannot read "+missing+": ") {
		t.Errorf("List of a missing path: err = %v, want cannot read %s: … not exist", err, missing)
	}
	err = Local{Path: filepath.Join(root, "dangling")}.List(t.Context(), func(Object) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of a dangling link: err = %v, want not exist", err)
	}

	stop := errors.New("stop")
	calls := 0
	err = Local{Path: root}.List(t.Context(), func(Object) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with a failing emit: err = %v after %d calls, want stop after 1", err, calls)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = Local{Path: root}.List(ctx, func(Object) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: err = %v, want context.Canceled", err)
	}
}
