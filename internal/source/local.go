package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Local lists a file, or every regular file under a folder, recursively.
// Symbolic links inside the folder are not followed, so it cannot lead
// the walk outside itself; the path named may itself be a link. Hidden
// files and folders (".name") inside it are skipped.
type Local struct{ Path string }

// List emits the files in lexical order, so runs are repeatable.
func (l Local) List(ctx context.Context, emit func(Object) error) error {
	root, err := filepath.Abs(l.Path)
	if err != nil {
		return fmt.Errorf("cannot resolve %s: %w", l.Path, err)
	}
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", l.Path, err)
	}
	if !info.IsDir() {
		return emit(localObject(root, info))
	}
	paths, err := walk(ctx, root)
	if err != nil {
		return err
	}
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", p, err)
		}
		if err := emit(localObject(p, info)); err != nil {
			return err
		}
	}
	return nil
}

// walk returns the regular files under root, sorted, named under root
// even when root is a link.
func walk(ctx context.Context, root string) ([]string, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %w", root, err)
	}
	var paths []string
	err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot walk %s: %w", p, err)
		}
		if p != real && hidden(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			paths = append(paths, filepath.Join(root, strings.TrimPrefix(p, real)))
		}
		return ctx.Err()
	})
	sort.Strings(paths)
	return paths, err
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

func localObject(p string, info fs.FileInfo) Object {
	return Object{
		URI:     "file://" + filepath.ToSlash(p),
		Key:     filepath.ToSlash(p),
		Size:    info.Size(),
		ModTime: info.ModTime().UTC(),
		open: func(context.Context) (io.ReadCloser, error) {
			f, err := os.Open(p)
			if err != nil {
				return nil, fmt.Errorf("cannot open %s: %w", p, err)
			}
			return f, nil
		},
	}
}
