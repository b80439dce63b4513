package named

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLoad_Success(t *testing.T) {
	qs, err := load(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(All()) || len(qs) < 19 {
		t.Fatalf("%d queries loaded, registry has %d", len(qs), len(All()))
	}
	for _, q := range qs {
		if !countingRE.MatchString(q.Description) {
			t.Errorf("%s: the description does not say whether it counts records or bytes", q.Name)
		}
	}
	q, err := parse("queries/Example.sql", `-- name: Example
-- source: a test
-- description: first line
--   second line
-- param: addr addr required the address
-- param: port port optional a port
-- param: limit int 5 how many
SELECT '$notaparam', "$nor_this" -- $nor_that
FROM flows WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND list_contains($addr::VARCHAR[], srcaddr) AND dstport = $port LIMIT $limit
`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Query{Name: "Example", Source: "a test", Description: "first line second line",
		Params: []Param{
			{Name: "addr", Kind: KindAddr, Required: true, Help: "the address"},
			{Name: "port", Kind: KindPort, Help: "a port"},
			{Name: "limit", Kind: KindInt, Default: "5", Help: "how many"},
		}}
	if d := cmp.Diff(want, q, cmpIgnoreSQL); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.HasPrefix(q.SQL, "SELECT '$notaparam'") {
		t.Errorf("SQL = %q", q.SQL)
	}
}

// countingRE is how a description says what it counts.
var countingRE = regexp.MustCompile(`(Lists records|Counts records|Sums bytes)`)

var cmpIgnoreSQL = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".SQL" }, cmp.Ignore())

// TestLoad_Failure lists broken query files with the exact error each
// must produce.
func TestLoad_Failure(t *testing.T) {
	const head = "-- name: Q\n-- source: s\n-- description: d\n"
	const window = "SELECT 1 FROM flows WHERE start >= $since AND start < $until"
	for _, c := range []struct{ text, want string }{
		{"-- source: s\n-- description: d\n" + window, "queries/Q.sql:1: name: missing"},
		{"-- name: Q\n-- description: d\n" + window, "queries/Q.sql:1: source: missing"},
		{"-- name: Q\n-- source: s\n" + window, "queries/Q.sql:1: description: missing"},
		{"-- name: P\n-- source: s\n-- description: d\n" + window, `queries/Q.sql:1: name: "P" does not match the file name Q.sql`},
		{head + "-- name: Q\n" + window, "queries/Q.sql:4: name: given twice"},
		{head + "-- author: me\n" + window, "queries/Q.sql:4: author: unknown field (name, source, description, param)"},
		{head + "--no space\n" + window, `queries/Q.sql:4: header: want "-- field: value" or an indented continuation`},
		{"--   orphan\n" + head + window, "queries/Q.sql:1: header: a continuation line with no field before it"},
		{head + "-- param: addr addr required\n" + window, `queries/Q.sql:4: param: want NAME KIND DEFAULT HELP, got "addr addr required"`},
		{head + "-- param: Addr addr required help\n" + window, `queries/Q.sql:4: param: "Addr" is not a lower-case identifier`},
		{head + "-- param: since int 1 help\n" + window, "queries/Q.sql:4: param: since is the time window, not a parameter"},
		{head + "-- param: n cidr required help\n" + window, `queries/Q.sql:4: param: n: unknown kind "cidr" (addr, port, int)`},
		{head + "-- param: n int 0 help\n" + window, `queries/Q.sql:4: param: n: default "0": not a positive integer`},
		{head + "-- param: p port 70000 help\n" + window, `queries/Q.sql:4: param: p: default "70000": not a port (0-65535)`},
		{head + "-- param: n int 1 help\n-- param: n int 2 help\n" + window, "queries/Q.sql:5: param: n declared twice"},
		{head, "queries/Q.sql:4: sql: empty"},
		{head + "SELECT 1 FROM flows WHERE start < $until", "queries/Q.sql:4: sql: never uses $since: every named query honours the time window"},
		{head + window + "\n AND srcaddr = $addr", "queries/Q.sql:5: sql: $addr is not a declared parameter"},
		{head + "-- param: n int 1 help\n" + window, "queries/Q.sql:5: param: n is declared but the SQL never uses $n"},
	} {
		_, err := load(fstest.MapFS{"queries/Q.sql": {Data: []byte(c.text)}})
		var se *SpecError
		if err == nil || !errors.As(err, &se) || err.Error() != c.want {
			t.Errorf("load(%q)\n got: %v\nwant: %s", c.text, err, c.want)
		}
	}
}

func TestRefs(t *testing.T) {
	got := refs("SELECT $a, '$b', \"$c\", 'it''s $d'\n-- $e\n, $f_2, $$, $1, $g")
	want := []ref{{"a", 0}, {"f_2", 2}, {"g", 2}}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(ref{})); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
