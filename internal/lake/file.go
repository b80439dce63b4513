package lake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// rowsPerWrite is how many rows go to the Parquet writer at a time.
const rowsPerWrite = 1024

// writeParquet writes batch b, sorted, to a new file in dir and returns
// its final name (the content hash) and size. The file is fsynced under a
// temporary name and renamed, so a crash never leaves a partial file under
// a live name.
func writeParquet(dir string, s *Schema, b Batch) (name string, size int64, sum string, err error) {
	return writeWith(dir, func(w io.Writer) error { return encode(w, s, b) })
}

// writeRows writes already-built rows (a rewrite of an existing file).
func writeRows(dir string, schema *parquet.Schema, rows []parquet.Row) (string, int64, string, error) {
	return writeWith(dir, func(w io.Writer) error {
		pw := newParquetWriter(w, schema)
		if _, err := pw.WriteRows(rows); err != nil {
			return fmt.Errorf("cannot write rows: %w", err)
		}
		return pw.Close()
	})
}

// newParquetWriter leaves integer pages uncompressed: delta-packed, they
// do not shrink further, and DuckDB reads them fastest that way. String
// columns are zstd (see node). Not LZ4: parquet-go cannot read LZ4 pages
// back (see checkReadable, and docs/design.md, "Query speed").
func newParquetWriter(w io.Writer, schema *parquet.Schema) *parquet.Writer {
	return parquet.NewWriter(w, schema,
		parquet.Compression(&parquet.Uncompressed),
		parquet.PageBufferSize(1<<20),
		parquet.MaxRowsPerRowGroup(1<<20))
}

func writeWith(dir string, enc func(io.Writer) error) (name string, size int64, sum string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*.parquet")
	if err != nil {
		return "", 0, "", fmt.Errorf("cannot create file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err = enc(cw); err != nil {
		return "", 0, "", err
	}
	if err = tmp.Sync(); err != nil {
		return "", 0, "", fmt.Errorf("cannot sync %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, "", fmt.Errorf("cannot close %s: %w", tmp.Name(), err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	name = sum[:32] + ".parquet"
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return "", 0, "", fmt.Errorf("cannot name %s: %w", name, err)
	}
	return name, cw.n, sum, nil
}

func encode(w io.Writer, s *Schema, b Batch) error {
	pw := newParquetWriter(w, s.node)
	b.Sort()
	width := len(s.Columns)
	rows := make([]parquet.Row, 0, rowsPerWrite)
	buf := make([]parquet.Value, rowsPerWrite*width)
	for i := range b.Len() {
		n := len(rows) * width
		row := buf[n : n+width : n+width]
		copy(row, s.nulls)
		b.Row(i, row)
		rows = append(rows, row)
		if len(rows) == rowsPerWrite {
			if _, err := pw.WriteRows(rows); err != nil {
				return fmt.Errorf("cannot write rows: %w", err)
			}
			rows = rows[:0]
		}
	}
	if _, err := pw.WriteRows(rows); err != nil {
		return fmt.Errorf("cannot write rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("cannot finish parquet file: %w", err)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
