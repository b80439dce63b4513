package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/parquet-go/parquet-go"
)

// readParquet reads flow logs AWS delivered in Parquet. Parquet needs
// random access, so the object is spooled to a temporary file first (its
// size is bounded by the decompression limits).
func (r *run) readParquet(ctx context.Context, j *job, e *emitter, br *bufio.Reader) error {
	tmp, err := os.CreateTemp("", "flowtrail-*.parquet")
	if err != nil {
		return fmt.Errorf("cannot spool parquet: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, br)
	if err != nil {
		return fmt.Errorf("cannot spool parquet: %w", err)
	}
	pf, err := parquet.OpenFile(tmp, size)
	if err != nil {
		return fmt.Errorf("cannot open parquet: %w", err)
	}
	return readParquetRows(ctx, pf, j, e)
}

// pqColumn maps a Parquet leaf to a catalogue field.
type pqColumn struct {
	leaf int
	id   int // catalogue id, -1 unknown
}

func readParquetRows(ctx context.Context, pf *parquet.File, j *job, e *emitter) error {
	cols, f := mapParquetColumns(pf.Schema())
	j.format = f.String()
	rd := parquet.NewReader(pf)
	defer rd.Close()
	buf := make([]parquet.Row, 512)
	var n int64
	for {
		k, err := rd.ReadRows(buf)
		for _, row := range buf[:k] {
			n++
			if perr := parquetRecord(row, cols, f, n, e); perr != nil {
				return perr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read parquet row %d: %w", n+1, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func mapParquetColumns(s *parquet.Schema) ([]pqColumn, flowlog.Format) {
	var names []string
	var cols []pqColumn
	for leaf, path := range s.Columns() {
		name := path[len(path)-1]
		names = append(names, name)
		id, ok := flowlog.Lookup(name)
		if !ok {
			id = -1
		}
		cols = append(cols, pqColumn{leaf: leaf, id: id})
	}
	f, _ := flowlog.ParseFormat(strings.Join(sanitizeNames(names), " "))
	return cols, f
}

func sanitizeNames(ns []string) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strings.ToLower(n)
	}
	return out
}

// parquetRecord converts one row; values of the wrong type are converted
// where lossless ("443" in a string column), and NULL, "", "-" and "None"
// mean absent.
func parquetRecord(row parquet.Row, cols []pqColumn, f flowlog.Format, n int64, e *emitter) error {
	var rec flowlog.Record
	rec.Line = n
	for _, v := range row {
		c := cols[v.Column()]
		if v.IsNull() {
			if c.id < 0 {
				rec.Extra = append(rec.Extra, "-")
			}
			continue
		}
		text := valueText(v)
		if c.id < 0 {
			rec.Extra = append(rec.Extra, text)
			continue
		}
		if err := setFromText(&rec, c.id, text); err != nil {
			return e.reject(n, err.Error(), []byte(rowText(row)))
		}
	}
	return e.flow(f, &rec)
}

func valueText(v parquet.Value) string {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	}
	return v.String()
}

func setFromText(rec *flowlog.Record, id int, text string) error {
	if text == "" || text == "-" || text == "None" {
		return nil
	}
	fd := flowlog.Catalogue[id]
	if fd.Kind == flowlog.String {
		if id == flowlog.FAccountID && len(text) < 12 && isDigits(text) {
			text = strings.Repeat("0", 12-len(text)) + text // an INT64 account column lost its leading zeros
		}
		rec.SetS(id, text)
		return nil
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 || fd.Kind == flowlog.Int32 && v > 1<<31-1 {
		return fmt.Errorf("%s: %q is not a valid %s", fd.Name, text, fd.Kind)
	}
	rec.SetI(id, v)
	return nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// rowText renders a row for the quarantine.
func rowText(row parquet.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		if v.IsNull() {
			parts[i] = "-"
			continue
		}
		parts[i] = valueText(v)
	}
	return strings.Join(parts, " ")
}
