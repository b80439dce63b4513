package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
)

// existsFilter is the workload filter as correlated subqueries, the
// plain reading of its rule: the oracle for the view's span lists.
const existsFilter = `SELECT f.* FROM flows_all f
WHERE EXISTS (SELECT 1 FROM inv_interfaces i, inv_workload w WHERE i.instance_name = w.name AND i.interface_id = f.interface_id
    AND f.start >= i.match_from AND f.start < i.match_to)
  OR EXISTS (SELECT 1 FROM inv_addresses a, inv_workload w WHERE a.instance_name = w.name AND (a.ip = f.srcaddr OR a.ip = f.dstaddr)
    AND f.start >= a.match_from AND f.start < a.match_to AND (a.unique_vpc OR a.vpc_id = f.vpc_id OR f.vpc_id IS NULL))`

// TestWorkload_EqualsTheCorrelatedFilter narrows a generated estate (its
// instances are replaced, so interfaces and addresses change hands) to
// each of several workloads and compares the records with the oracle's,
// as multisets of whole rows.
func TestWorkload_EqualsTheCorrelatedFilter(t *testing.T) {
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	if _, err := gen.Generate(ctx, dir, gen.Config{Seed: 3, Scale: 0.1}); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	all, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := all.QueryParams(ctx, "SELECT DISTINCT instance_name FROM enis WHERE instance_name IS NOT NULL ORDER BY 1", 0)
	all.Close()
	if err != nil || len(res.Rows) < 3 {
		t.Fatalf("workloads: %v %v", res, err)
	}
	for _, r := range res.Rows {
		name := r[0].(string)
		e, err := engine.Open(ctx, lakeDir, engine.Options{Workload: name})
		if err != nil {
			t.Fatal(err)
		}
		q := `WITH o AS (` + existsFilter + `)
SELECT (SELECT count(*) FROM flows), (SELECT count(*) FROM (SELECT * FROM flows EXCEPT ALL SELECT * FROM o)),
  (SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM flows))`
		got, err := e.QueryParams(ctx, q, 0)
		e.Close()
		if err != nil {
			t.Fatal(err)
		}
		n, extra, missing := got.Rows[0][0].(int64), got.Rows[0][1].(int64), got.Rows[0][2].(int64)
		if n == 0 || extra != 0 || missing != 0 {
			t.Errorf("%s: %d records, %d not in the oracle's, %d of the oracle's missing", name, n, extra, missing)
		}
	}
}
