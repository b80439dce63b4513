package ingest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowtrail/flowtrail/internal/gen"
)

// TestIngest_EstateCountsExact ingests a generated estate and checks every
// count against the generator's truth, then that a second run changes
// nothing.
func TestIngest_EstateCountsExact(t *testing.T) {
	dir := t.TempDir()
	truth, err := gen.Generate(context.Background(), filepath.Join(dir, "estate"), gen.Config{Seed: 7, Scale: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	sum := ingestDir(t, lakeDir, filepath.Join(dir, "estate", "AWSLogs"))
	for _, table := range []string{"flows", "tgw_flows", "cloudtrail"} {
		if sum.Records[table] != truth.Records[table] {
			t.Errorf("%s: ingested %d, truth %d", table, sum.Records[table], truth.Records[table])
		}
	}
	if sum.Rejected != truth.Malformed || len(sum.Failed) != 0 {
		t.Errorf("rejected %d (truth %d), failed %v", sum.Rejected, truth.Malformed, sum.Failed)
	}
	for acct, n := range truth.RecordsByAccount {
		q := "SELECT count(*) FROM (SELECT aws_account_id FROM flows UNION ALL SELECT aws_account_id FROM tgw_flows) WHERE aws_account_id = '" + acct + "'"
		if got := queryInt(t, lakeDir, q); got != n {
			t.Errorf("account %s: %d records, truth %d", acct, got, n)
		}
	}
	checks := map[string]int64{
		"SELECT count(*) FROM flows WHERE log_status = 'NODATA'":   truth.NoData,
		"SELECT count(*) FROM flows WHERE log_status = 'SKIPDATA'": truth.SkipData,
		"SELECT count(*) FROM flows WHERE srcaddr LIKE '%:%'":      truth.IPv6,
		"SELECT count(*) FROM flows WHERE action = 'REJECT'":       truth.Rejected,
		"SELECT count(*) FROM rejects":                             truth.Malformed,
	}
	for q, want := range checks {
		if got := queryInt(t, lakeDir, q); got != want {
			t.Errorf("%s = %d, truth %d", q, got, want)
		}
	}
	m := queryInt(t, lakeDir, "SELECT count(*) FROM flows")
	again := ingestDir(t, lakeDir, filepath.Join(dir, "estate", "AWSLogs"))
	if again.Ingested != 0 || again.Skipped != truth.Objects || queryInt(t, lakeDir, "SELECT count(*) FROM flows") != m {
		t.Errorf("second ingest changed something: %+v", again)
	}
}
