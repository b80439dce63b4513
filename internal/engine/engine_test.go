package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

func smallLake(t *testing.T) string {
	t.Helper()
	return testlake.Build(t, map[string]string{"a.log": "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
		"2 012345678901 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n"})
}

func TestQuery_Success(t *testing.T) {
	e, err := engine.Open(context.Background(), smallLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Query(context.Background(), "SELECT account_id, aws_account_id, srcport, bytes FROM flows", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rows[0]
	if got[0] != "012345678901" || got[1] != "012345678901" || got[2] != int32(443) || got[3] != int64(840) {
		t.Errorf("row = %#v", got)
	}
	for _, v := range []string{"tgw_flows", "cloudtrail", "rejects"} {
		if _, err := e.Query(context.Background(), "SELECT count(*) FROM "+v, 0); err != nil {
			t.Errorf("empty view %s: %v", v, err)
		}
	}
}

// TestQuery_Failure runs hostile SQL: each must fail, and nothing may be
// read or written outside the lake.
func TestQuery_Failure(t *testing.T) {
	lakeDir := smallLake(t)
	outside := filepath.Join(t.TempDir(), "stolen.csv")
	e, err := engine.Open(context.Background(), lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	hostile := []string{
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM '/etc/passwd'",
		"COPY (SELECT * FROM flows) TO '" + outside + "'",
		"SELECT 1; COPY (SELECT * FROM flows) TO '" + outside + "'",
		"ATTACH '" + outside + ".db' AS x",
		"SET enable_external_access=true",
		"SET allowed_directories=['/']",
		"RESET lock_configuration",
		"INSTALL httpfs",
		"LOAD httpfs",
		"CREATE TABLE t AS SELECT 1",
		"DROP VIEW flows",
		"PRAGMA enable_profiling",
		"EXPORT DATABASE '" + filepath.Dir(outside) + "'",
		"SELECT * FROM read_parquet('" + filepath.Join(lakeDir, "..", "*", "*.parquet") + "')",
		// EXPLAIN ANALYZE runs what it explains; the lake is readable, so
		// a COPY into it would otherwise be allowed.
		"EXPLAIN ANALYZE COPY (SELECT * FROM flows) TO '" + filepath.Join(lakeDir, "inside.csv") + "'",
		"explain /* x */ analyse COPY (SELECT 1) TO '" + filepath.Join(lakeDir, "inside.csv") + "'",
		"EXPLAIN (ANALYZE) COPY (SELECT 1) TO '" + filepath.Join(lakeDir, "inside.csv") + "'",
		"EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
		"EXPLAIN ANALYZE EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
	}
	for _, q := range hostile {
		// A cap takes the wrapped path (engine.FirstRows): it must fail
		// closed the same way.
		for _, maxRows := range []int{0, 10} {
			if _, err := e.Query(context.Background(), q, maxRows); err == nil {
				t.Errorf("hostile query ran (max rows %d): %s", maxRows, q)
			}
		}
	}
	for _, p := range []string{outside, filepath.Join(lakeDir, "inside.csv")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a query wrote %s", p)
		}
	}
	for _, q := range []string{"EXPLAIN SELECT count(*) FROM flows", "EXPLAIN ANALYZE SELECT count(*) FROM flows", "explain analyse /* c */ SELECT 1"} {
		if _, err := e.Query(context.Background(), q, 0); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	res, err := e.Query(context.Background(), "SELECT count(*) FROM flows", 0)
	if err != nil || res.Rows[0][0] != int64(1) {
		t.Errorf("views damaged after hostile queries: %v %v", res, err)
	}
}

func TestOpen_NoLake(t *testing.T) {
	_, err := engine.Open(context.Background(), t.TempDir(), engine.Options{})
	if err == nil || !strings.Contains(err.Error(), "flowtrail ingest") {
		t.Errorf("err = %v, want a hint to ingest first", err)
	}
}
