// Package render prints tabular results as an aligned table, JSON, JSON
// lines or CSV.
package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// Formats lists the accepted --format values.
var Formats = []string{"table", "json", "jsonl", "csv"}

// Check validates a --format value.
func Check(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("unknown --format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// Rows writes rows under columns in format.
func Rows(w io.Writer, format string, columns []string, rows [][]any) error {
	switch format {
	case "json":
		return writeJSON(w, columns, rows)
	case "jsonl":
		return writeJSONL(w, columns, rows)
	case "csv":
		return writeCSV(w, columns, rows)
	}
	return writeTable(w, columns, rows)
}

func objects(columns []string, rows [][]any) []orderedRow {
	out := make([]orderedRow, len(rows))
	for i, r := range rows {
		out[i] = orderedRow{cols: columns, vals: r}
	}
	return out
}

// orderedRow marshals as a JSON object with keys in column order.
type orderedRow struct {
	cols []string
	vals []any
}

func (o orderedRow) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range o.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshal(c)
		v, err := marshal(jsonValue(o.vals[i]))
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// marshal is json.Marshal without HTML escaping: the output is read by
// people and tools, never embedded in a page, so & < > stay as they are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w io.Writer, columns []string, rows [][]any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(objects(columns, rows))
}

func writeJSONL(w io.Writer, columns []string, rows [][]any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range objects(columns, rows) {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, columns []string, rows [][]any) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	rec := make([]string, len(columns))
	for _, r := range rows {
		for i, v := range r {
			rec[i] = Text(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, columns []string, rows [][]any) error {
	t := table.NewWriter()
	t.SetOutputMirror(w)
	t.SetStyle(table.StyleLight)
	t.Style().Format.Header = text.FormatDefault
	hdr := make(table.Row, len(columns))
	for i, c := range columns {
		hdr[i] = c
	}
	t.AppendHeader(hdr)
	for _, r := range rows {
		row := make(table.Row, len(r))
		for i, v := range r {
			row[i] = Text(v)
		}
		t.AppendRow(row)
	}
	t.Render()
	return nil
}

// Text renders one value for humans and CSV: NULL as empty, times as
// RFC 3339 UTC.
func Text(v any) string {
	switch x := jsonValue(v).(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, err := marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		var str string
		if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &str) == nil {
			return str // a type that marshals as a JSON string
		}
		return string(b)
	}
}

// jsonValue normalises driver values to what encoding/json writes
// faithfully: times to UTC RFC 3339 (fractions kept), DECIMALs and big
// integers to numbers, NaN and infinities to strings, bytes to text,
// lists, structs and maps element by element.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *big.Int:
		return json.Number(x.String())
	case duckdb.Decimal:
		return json.Number(x.String())
	case float64:
		return float(x)
	case float32:
		return float(float64(x))
	case []byte:
		return bytesText(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[Text(k)] = jsonValue(e)
		}
		return out
	}
	return v
}

// float keeps finite numbers and spells the rest, which JSON cannot
// hold, as strconv parses them back.
func float(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

// bytesText returns UTF-8 bytes as they are and others escaped as
// DuckDB prints a BLOB (\xAB), so that no byte is lost or garbled.
func bytesText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&sb, `\x%02X`, b[0])
		} else {
			sb.Write(b[:n])
		}
		b = b[max(n, 1):]
	}
	return sb.String()
}
