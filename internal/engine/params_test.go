package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

func fiveRowLake(t *testing.T) *engine.Engine {
	t.Helper()
	log := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
	for _, l := range []string{
		"2 012345678901 eni-bbb 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750460 1793750520 ACCEPT OK",
		"2 012345678901 eni-aaa 10.0.0.3 10.0.0.2 22 49153 6 4 300 1793750400 1793750460 REJECT OK",
		"2 012345678901 eni-aaa 10.0.0.1 10.0.0.4 53 49154 17 1 90 1793750520 1793750580 ACCEPT OK",
		"2 012345678901 eni-bbb 10.0.0.5 10.0.0.2 80 49155 6 7 700 1793750400 1793750460 ACCEPT OK",
		"2 012345678901 eni-ccc 10.0.0.1 10.0.0.6 443 49156 6 2 120 1793750580 1793750640 ACCEPT OK",
	} {
		log += l + "\n"
	}
	e, err := engine.Open(context.Background(), testlake.Build(t, map[string]string{"a.log": log}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestQueryParams_FirstRows_Success: a capped result is the start of the
// full one, with the same columns, whatever shape the statement has.
func TestQueryParams_FirstRows_Success(t *testing.T) {
	e := fiveRowLake(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, q string
		args    []any
	}{
		{"ordered", "SELECT start, interface_id, srcaddr FROM flows ORDER BY start, interface_id, source_id, source_line", nil},
		{"parameters", "SELECT srcaddr, bytes FROM flows WHERE protocol = $1 ORDER BY bytes DESC", []any{6}},
		{"duplicate names", "SELECT srcaddr, srcaddr, srcaddr AS srcaddr_1 FROM flows ORDER BY source_line", nil},
		{"trailing comment", "SELECT srcaddr FROM flows ORDER BY source_line -- earliest first", nil},
		{"trailing semicolon", "SELECT srcaddr FROM flows ORDER BY source_line;", nil},
		{"with", "WITH x AS (SELECT srcaddr, bytes FROM flows) SELECT * FROM x ORDER BY bytes", nil},
		{"describe", "DESCRIBE flows", nil},
		{"explain", "EXPLAIN SELECT count(*) FROM flows", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			full, err := e.QueryParams(ctx, c.q, 0, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 2, 100} {
				got, err := e.QueryParams(ctx, c.q, n, c.args...)
				if err != nil {
					t.Fatal(err)
				}
				want := full.Rows[:min(n, len(full.Rows))]
				if diff := cmp.Diff(full.Columns, got.Columns); diff != "" {
					t.Errorf("max %d: columns (-full +capped):\n%s", n, diff)
				}
				if c.name != "explain" { // the plan names its own operators
					if diff := cmp.Diff(want, got.Rows); diff != "" {
						t.Errorf("max %d: rows (-want +got):\n%s", n, diff)
					}
				}
				if len(c.args) > 0 {
					continue
				}
				// The prompt's path: Query caps the same way.
				q, err := e.Query(ctx, c.q, n)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(got.Columns, q.Columns); diff != "" || (c.name != "explain" && !cmp.Equal(got.Rows, q.Rows)) {
					t.Errorf("max %d: Query differs from QueryParams: %s", n, diff)
				}
			}
		})
	}
}

func TestQueryParams_FirstRows_Failure(t *testing.T) {
	e := fiveRowLake(t)
	for _, q := range []string{
		"SELECT nope FROM flows",
		"SELECT 1) ; CREATE TABLE t AS (SELECT 1",
		"CREATE TABLE t AS SELECT 1",
	} {
		if _, err := e.QueryParams(context.Background(), q, 10); err == nil {
			t.Errorf("%s: ran", q)
		}
	}
}

func TestFirstRows(t *testing.T) {
	if got := engine.FirstRows("SELECT 1", 0); got != "SELECT 1" {
		t.Errorf("FirstRows(q, 0) = %q, want q unchanged", got)
	}
	if got, want := engine.FirstRows("SELECT 1 -- c", 10), "SELECT * FROM (\nSELECT 1 -- c\n) LIMIT 11"; got != want {
		t.Errorf("FirstRows = %q, want %q", got, want)
	}
}
