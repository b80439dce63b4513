package flowlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// externalDir holds independent samples written by others (read-only,
// never copied into this repository; see its README.md).
const externalDir = "../../../shared/testdata/external"

// external returns the path of a sample, skipping the test when the
// samples are not present.
func external(t *testing.T, rel string) string {
	t.Helper()
	path := filepath.Join(externalDir, rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("external samples not present: %v", err)
	}
	return path
}

func readExternal(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(external(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fileLine is one record line of a file fed through feed.
type fileLine struct {
	N      int    // 1-based line number
	Offset int    // byte offset of the line in the file
	Text   string // the line without its newline
	Format Format // the format it was parsed with (zero when none applied)
	Rec    Record // valid when Err is nil; its strings alias the file's bytes
	Err    error
}

// feed reads a whole flow-log file the way ingest does: blank lines are
// skipped, a header line (IsHeader) sets the format from there on, and a
// file without one takes userFmt or else the well-known layout for the
// first record's field count (ForFieldCount). Header and blank lines give
// no fileLine; a record line whose layout cannot be known gets ErrNoFormat.
func feed(data []byte, userFmt *Format) []fileLine {
	var out []fileLine
	var p *Parser
	if userFmt != nil {
		p = NewParser(*userFmt)
	}
	off := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		fl := fileLine{N: i + 1, Offset: off, Text: string(line)}
		off += len(line) + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if IsHeader(line) {
			f, err := ParseFormat(string(line))
			if err != nil {
				fl.Err = err
				out = append(out, fl)
				continue
			}
			p = NewParser(f)
			continue
		}
		if p == nil {
			f, ok := ForFieldCount(Fields(line))
			if !ok {
				fl.Err = ErrNoFormat
				out = append(out, fl)
				continue
			}
			p = NewParser(f)
		}
		fl.Format = p.Format
		fl.Err = p.Parse(line, &fl.Rec)
		out = append(out, fl)
	}
	return out
}

// value renders field id of rec as text, "" when absent.
func value(rec *Record, id int) string {
	if !rec.Set(id) {
		return ""
	}
	if Catalogue[id].Kind == String {
		return rec.S(id)
	}
	v, _ := rec.I(id)
	return strconv.FormatInt(v, 10)
}

// fieldMap renders the fields of format f that rec carries, by name.
func fieldMap(rec *Record, f Format) map[string]string {
	m := map[string]string{}
	u := 0
	for _, id := range f.Fields {
		if id < 0 {
			if u < len(rec.Extra) {
				m[f.Unknown[u]] = rec.Extra[u]
			}
			u++
			continue
		}
		if v := value(rec, id); v != "" {
			m[Catalogue[id].Name] = v
		}
	}
	return m
}

// flatten turns a decoded JSON document (decoded with UseNumber) into
// dotted keys with text values. Arrays are left out.
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, v := range x {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(k, v, out)
		}
	case string:
		out[prefix] = x
	case json.Number:
		out[prefix] = x.String()
	case bool:
		out[prefix] = strconv.FormatBool(x)
	}
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatal(err)
	}
}

func flatDocs(docs []any) []map[string]string {
	out := make([]map[string]string, len(docs))
	for i, d := range docs {
		out[i] = map[string]string{}
		flatten("", d, out[i])
	}
	return out
}

// conv says how an oracle spells a value we hold.
type conv uint8

const (
	plain     conv = iota
	unixTime       // the oracle holds an RFC 3339 time, we hold Unix seconds
	unixNano       // the oracle holds Unix nanoseconds
	lower          // the oracle lower-cases the value
	protoName      // the oracle names the IANA protocol number
)

type okey struct {
	key  string
	conv conv
}

// oracle says where another parser's output puts each field. Fields it
// has no place for are not compared (and counted as skipped).
type oracle struct {
	name string
	keys map[int][]okey // first key present in the document wins
}

var protoNames = map[string]string{"1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp"}

// compare checks every field of format f that the oracle maps: present in
// rec exactly when present in doc, with the same value. It returns how
// many fields it compared.
func (o oracle) compare(t *testing.T, where string, f Format, rec *Record, doc map[string]string) int {
	t.Helper()
	n := 0
	for _, id := range f.Fields {
		keys, ok := o.keys[id]
		if id < 0 || !ok {
			continue
		}
		n++
		got := value(rec, id)
		want, c := lookup(doc, keys)
		if want != "" {
			got, want = normalise(got, c), normaliseOracle(want, c)
		}
		if got != want {
			t.Errorf("%s: %s: got %q, %s has %q", where, Catalogue[id].Name, got, o.name, want)
		}
	}
	return n
}

// lookup finds the first key present. "-" counts as absent: Elastic's
// integration keeps it for cloud.region and cloud.availability_zone,
// which we (and AWS's own docs) treat as "no value".
func lookup(doc map[string]string, keys []okey) (string, conv) {
	for _, k := range keys {
		if v, ok := doc[k.key]; ok {
			if v == "-" {
				return "", plain
			}
			return v, k.conv
		}
	}
	return "", plain
}

func normalise(got string, c conv) string {
	switch c {
	case lower:
		return strings.ToLower(got)
	case protoName:
		if n, ok := protoNames[got]; ok {
			return n
		}
	}
	return got
}

func normaliseOracle(want string, c conv) string {
	switch c {
	case unixTime:
		tm, err := time.Parse(time.RFC3339Nano, want)
		if err != nil {
			return "bad time " + want
		}
		return strconv.FormatInt(tm.Unix(), 10)
	case unixNano:
		ns, err := strconv.ParseInt(want, 10, 64)
		if err != nil {
			return "bad nanoseconds " + want
		}
		return strconv.FormatInt(ns/1e9, 10)
	}
	return want
}

// byColumn maps every catalogue field to prefix+column.
func byColumn(prefix string) map[int][]okey {
	m := map[int][]okey{}
	for id, f := range Catalogue {
		m[id] = []okey{{key: prefix + f.Column}}
	}
	return m
}

func with(m map[int][]okey, overrides map[int][]okey) map[int][]okey {
	for id, k := range overrides {
		m[id] = k
	}
	return m
}

func k(key string) []okey          { return []okey{{key: key}} }
func kc(key string, c conv) []okey { return []okey{{key: key, conv: c}} }

// stats counts what an external test compared, for the log.
type stats struct{ records, fields int }

func (s stats) String() string {
	return fmt.Sprintf("%d records, %d field values compared", s.records, s.fields)
}
