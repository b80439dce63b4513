package lake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// dropReplaced rewrites every live file that holds rows of a replaced
// source, keeping only the other sources' rows, so that a changed object
// re-ingested replaces its rows instead of adding to them.
func (w *Writer) dropReplaced() error {
	if len(w.replaced) == 0 {
		return nil
	}
	var keep []File
	for _, f := range w.next.Files {
		if !sharesAny(f.Sources, w.replaced) {
			keep = append(keep, f)
			continue
		}
		nf, err := w.rewriteWithout(f, w.replaced)
		if err != nil {
			return err
		}
		// A rewrite to the same content has the same name: that file
		// stays live and must not be deleted after the commit.
		if nf == nil || nf.Path != f.Path {
			w.obsolete = append(w.obsolete, f.Path)
		}
		if nf != nil {
			keep = append(keep, *nf)
		}
	}
	w.next.Files = keep
	return nil
}

func sharesAny(a, b []int64) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// rewriteWithout copies file f without the rows of the dropped sources.
// It returns nil when no row is left.
func (w *Writer) rewriteWithout(f File, dropped []int64) (*File, error) {
	src := filepath.Join(w.dir, filepath.FromSlash(f.Path))
	rows, schema, err := readRowsExcept(src, dropped)
	if err != nil {
		return nil, err
	}
	var srcs []int64
	for _, id := range f.Sources {
		if !slices.Contains(dropped, id) {
			srcs = append(srcs, id)
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if int64(len(rows)) == f.Rows { // the file lists a source it has no rows of
		kept := f
		kept.Sources = srcs
		return &kept, nil
	}
	dir := path.Dir(f.Path)
	name, size, sum, err := writeRows(filepath.Join(w.dir, filepath.FromSlash(dir)), schema, rows)
	if err != nil {
		return nil, fmt.Errorf("cannot rewrite %s: %w", f.Path, err)
	}
	return &File{Path: path.Join(dir, name), Table: f.Table, Rows: int64(len(rows)), Bytes: size, SHA256: sum, Sources: srcs}, nil
}

func readRowsExcept(p string, dropped []int64) ([]parquet.Row, *parquet.Schema, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open %s: %w", p, err)
	}
	defer fh.Close()
	if err := checkReadable(fh, p); err != nil {
		return nil, nil, err
	}
	r := parquet.NewReader(fh)
	defer r.Close()
	schema := r.Schema()
	col, ok := schema.Lookup(SourceIDColumn)
	if !ok {
		return nil, nil, fmt.Errorf("%s has no %s column", p, SourceIDColumn)
	}
	var out []parquet.Row
	buf := make([]parquet.Row, 256)
	var seen int64
	for {
		n, err := r.ReadRows(buf)
		seen += int64(n)
		for _, row := range buf[:n] {
			if !slices.Contains(dropped, row[col.ColumnIndex].Int64()) {
				out = append(out, row.Clone())
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read %s back to drop a replaced source's rows: %w", p, err)
		}
	}
	if seen != r.NumRows() {
		// A short read would drop the other sources' rows from the lake.
		return nil, nil, fmt.Errorf("cannot read %s back to drop a replaced source's rows: read %d of its %d rows", p, seen, r.NumRows())
	}
	return out, schema, nil
}

// checkReadable refuses files with LZ4 pages, which flowtrail wrote for a
// while: parquet-go decodes an LZ4 page whose output outgrows its
// estimate into a buffer it then drops, and reads the stale one instead
// (parquet-go issue #608), so rows would come back with other rows'
// values. DuckDB and Athena read those files correctly; only rewriting
// them here is unsafe.
func checkReadable(fh *os.File, p string) error {
	info, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("cannot stat %s: %w", p, err)
	}
	pf, err := parquet.OpenFile(fh, info.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", p, err)
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec == format.Lz4Raw || c.MetaData.Codec == format.Lz4 {
				return fmt.Errorf("cannot drop a replaced source's rows from %s: its pages are LZ4-compressed, which an earlier flowtrail wrote and which cannot be rewritten safely; re-ingest the sources into a new lake", p)
			}
		}
	}
	return nil
}
