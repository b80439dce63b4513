package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"
)

func render(t *testing.T, format string, columns []string, rows [][]any) string {
	t.Helper()
	var b bytes.Buffer
	if err := Rows(&b, format, columns, rows); err != nil {
		t.Fatalf("Rows(%s): %v", format, err)
	}
	return b.String()
}

var cet = time.FixedZone("CET", 3600)

func TestRows_JSON(t *testing.T) {
	f := func(columns []string, rows [][]any, want string) {
		t.Helper()
		got := render(t, "json", columns, rows)
		if got != want {
			t.Fatalf("unexpected JSON\n got: %s\nwant: %s", got, want)
		}
		// and it is JSON, one object per row, every column present
		var back []map[string]any
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
		if len(back) != len(rows) {
			t.Fatalf("%d objects for %d rows", len(back), len(rows))
		}
	}

	// keys in column order, not sorted
	f([]string{"z", "a", "m"}, [][]any{{int64(1), "x", true}},
		"[\n  {\n    \"z\": 1,\n    \"a\": \"x\",\n    \"m\": true\n  }\n]\n")

	// NULL is null
	f([]string{"srcaddr", "bytes"}, [][]any{{nil, nil}},
		"[\n  {\n    \"srcaddr\": null,\n    \"bytes\": null\n  }\n]\n")

	// times in UTC, RFC 3339, fractions kept
	f([]string{"t", "u"}, [][]any{{time.Date(2026, 11, 1, 11, 0, 0, 0, cet), time.Date(2026, 11, 1, 10, 0, 0, 123456000, time.UTC)}},
		"[\n  {\n    \"t\": \"2026-11-01T10:00:00Z\",\n    \"u\": \"2026-11-01T10:00:00.123456Z\"\n  }\n]\n")

	// no rows: an empty array
	f([]string{"a"}, nil, "[]\n")
}

func TestRows_JSONL(t *testing.T) {
	got := render(t, "jsonl", []string{"b", "a"}, [][]any{{int64(2), "x"}, {nil, "a&b<c>"}})
	want := `{"b":2,"a":"x"}` + "\n" + `{"b":null,"a":"a&b<c>"}` + "\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Values as the DuckDB driver hands them over.
func TestJSONValue(t *testing.T) {
	f := func(v any, want string) {
		t.Helper()
		got := render(t, "jsonl", []string{"v"}, [][]any{{v}})
		if want := `{"v":` + want + "}\n"; got != want {
			t.Fatalf("%#v: got %s, want %s", v, got, want)
		}
	}

	f(int32(-5), `-5`)
	f(uint64(math.MaxUint64), `18446744073709551615`)
	f(new(big.Int).Lsh(big.NewInt(1), 100), `1267650600228229401496703205376`) // HUGEINT
	f(1.5, `1.5`)
	f(float32(0.25), `0.25`)
	f(math.NaN(), `"NaN"`)
	f(math.Inf(1), `"+Inf"`)
	f(math.Inf(-1), `"-Inf"`)
	f(duckdb.Decimal{Width: 3, Scale: 2, Value: big.NewInt(150)}, `1.5`)
	f(duckdb.Decimal{Width: 3, Scale: 2, Value: big.NewInt(-5)}, `-0.05`)
	f(duckdb.Decimal{Width: 3, Scale: 0, Value: big.NewInt(0)}, `0`)
	f([]byte("text"), `"text"`)
	f([]byte{'a', 0xff, 'b'}, `"a\\xFFb"`) // a BLOB, escaped as DuckDB prints it
	f([]any{int64(1), nil, math.NaN(), duckdb.Decimal{Width: 2, Scale: 1, Value: big.NewInt(15)}}, `[1,null,"NaN",1.5]`)
	f([]any{time.Date(2026, 1, 1, 1, 0, 0, 500_000_000, cet)}, `["2026-01-01T00:00:00.5Z"]`)
	f(map[string]any{"d": duckdb.Decimal{Width: 2, Scale: 1, Value: big.NewInt(15)}}, `{"d":1.5}`)
	f(duckdb.Map{int32(1): "x"}, `{"1":"x"}`)
	f("quote \" and <tag> & amp", `"quote \" and <tag> & amp"`)
}

func TestRows_CSV(t *testing.T) {
	f := func(columns []string, rows [][]any, want string) {
		t.Helper()
		got := render(t, "csv", columns, rows)
		if got != want {
			t.Fatalf("unexpected CSV\n got: %q\nwant: %q", got, want)
		}
		recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
		if err != nil {
			t.Fatalf("output is not CSV: %v", err)
		}
		if diff := cmp.Diff(columns, recs[0]); diff != "" {
			t.Fatalf("header (-want +got):\n%s", diff)
		}
	}

	// a header even without rows
	f([]string{"n"}, nil, "n\n")

	// NULL is an empty field; times RFC 3339 UTC
	f([]string{"srcaddr", "bytes", "start"}, [][]any{
		{"10.0.0.1", int64(8400), time.Date(2026, 11, 1, 11, 0, 0, 0, cet)},
		{nil, nil, nil},
	}, "srcaddr,bytes,start\n10.0.0.1,8400,2026-11-01T10:00:00Z\n,,\n")

	// quoting, lists as JSON, decimals as numbers
	f([]string{"Mixed Case", "l"}, [][]any{{`a,"b"`, []any{"x", int64(2)}}, {duckdb.Decimal{Width: 2, Scale: 1, Value: big.NewInt(15)}, math.NaN()}},
		"Mixed Case,l\n\"a,\"\"b\"\"\",\"[\"\"x\"\",2]\"\n1.5,NaN\n")
}

func TestRows_Table(t *testing.T) {
	columns := []string{"aws_account_id", "srcAddr", "bytes"}
	got := render(t, "table", columns, [][]any{
		{"062928264102", "10.0.0.1", int64(4176)},
		{"1", nil, time.Date(2026, 11, 1, 11, 0, 0, 0, cet)},
		{"ü", "日本", int64(0)},
	})
	want := `┌────────────────┬──────────┬──────────────────────┐
│ aws_account_id │ srcAddr  │ bytes                │
├────────────────┼──────────┼──────────────────────┤
│ 062928264102   │ 10.0.0.1 │ 4176                 │
│ 1              │          │ 2026-11-01T10:00:00Z │
│ ü              │ 日本     │ 0                    │
└────────────────┴──────────┴──────────────────────┘
`
	if got != want {
		t.Fatalf("unexpected table\n got:\n%s\nwant:\n%s", got, want)
	}
	// every line as wide as the others on a terminal
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	for _, l := range lines {
		if w, w0 := width(l), width(lines[0]); w != w0 {
			t.Fatalf("line %q is %d wide, the first %d", l, w, w0)
		}
	}
}

// width counts terminal cells, two for the CJK characters used above.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x3000 && r <= 0x9fff {
			n++
		}
	}
	return n
}

func TestText(t *testing.T) {
	f := func(v any, want string) {
		t.Helper()
		if got := Text(v); got != want {
			t.Fatalf("Text(%#v) = %q, want %q", v, got, want)
		}
		if !utf8.ValidString(Text(v)) {
			t.Fatalf("Text(%#v) is not UTF-8", v)
		}
	}

	f(nil, "")
	f("", "")
	f("a \"quoted\" word", `a "quoted" word`)
	f(true, "true")
	f(int64(-1), "-1")
	f(1e21, "1e+21")
	f(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "2026-11-01T00:00:00Z")
	f(time.Date(2026, 11, 1, 0, 0, 0, 1000, time.UTC), "2026-11-01T00:00:00.000001Z")
	f(math.Inf(1), "+Inf")
	f([]byte{0xff, 0xfe, 0xc3}, `\xFF\xFE\xC3`)
	f(duckdb.Interval{Days: 3}, `{"days":3,"months":0,"micros":0}`)
	f(named("x"), "x") // a type that marshals as a JSON string
}

type named string

func TestCheck_Success(t *testing.T) {
	for _, f := range Formats {
		if err := Check(f); err != nil {
			t.Fatalf("Check(%q): %v", f, err)
		}
	}
}

func TestCheck_Failure(t *testing.T) {
	f := func(format string) {
		t.Helper()
		err := Check(format)
		want := `unknown --format "` + format + `": use one of table, json, jsonl, csv`
		if err == nil || err.Error() != want {
			t.Fatalf("Check(%q) = %v, want %q", format, err, want)
		}
	}
	f("")
	f("xml")
	f("JSON")
	f("tsv")
}
