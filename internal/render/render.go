// Package render prints tabular results as an aligned table, JSON, JSON
// lines or CSV.
package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

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
		k, _ := json.Marshal(c)
		v, err := json.Marshal(jsonValue(o.vals[i]))
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

func writeJSON(w io.Writer, columns []string, rows [][]any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(objects(columns, rows))
}

func writeJSONL(w io.Writer, columns []string, rows [][]any) error {
	enc := json.NewEncoder(w)
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
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return strings.Trim(string(b), `"`)
	}
}

// jsonValue normalises driver values: times to UTC RFC 3339, big
// integers to numbers, bytes to text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case *big.Int:
		return json.Number(x.String())
	case []byte:
		return string(x)
	}
	return v
}
