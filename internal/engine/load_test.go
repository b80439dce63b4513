package engine_test

import (
	"context"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
)

func rows(r ...[]any) func(yield func([]any) bool) { return slices.Values(r) }

func TestLoadTable_Success(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open(ctx, smallLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cols := []engine.ColumnDef{{Name: "addr", Type: "VARCHAR"}, {Name: "n", Type: "UHUGEINT"}, {Name: "bits", Type: "UTINYINT"}}
	big1 := new(big.Int).Lsh(big.NewInt(1), 100)
	n, err := e.LoadTable(ctx, "ioc_test", cols, rows([]any{"10.0.0.2", big.NewInt(7), uint8(32)}, []any{"2001:db8::1", big1, uint8(128)}))
	if err != nil || n != 2 {
		t.Fatalf("LoadTable = %d, %v", n, err)
	}
	res, err := e.Query(ctx, "SELECT f.srcport, t.n::VARCHAR, t.bits FROM flows f JOIN ioc_test t ON f.dstaddr = t.addr", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0][0] != int32(443) || res.Rows[0][1] != "7" || res.Rows[0][2] != uint8(32) {
		t.Errorf("rows = %v", res.Rows)
	}
	// Loading again replaces the table.
	if n, err := e.LoadTable(ctx, "ioc_test", cols, rows()); err != nil || n != 0 {
		t.Fatalf("reload = %d, %v", n, err)
	}
	if res, err := e.Query(ctx, "SELECT count(*) FROM ioc_test", 0); err != nil || res.Rows[0][0] != int64(0) {
		t.Errorf("after reload: %v %v", res, err)
	}
	if err := e.DropTable(ctx, "ioc_test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(ctx, "SELECT count(*) FROM ioc_test", 0); err == nil {
		t.Error("table still there after DropTable")
	}
	if err := e.DropTable(ctx, "ioc_test"); err != nil {
		t.Errorf("dropping a missing table: %v", err)
	}
}

func TestLoadTable_Failure(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open(ctx, smallLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	one := []engine.ColumnDef{{Name: "a", Type: "VARCHAR"}}
	f := func(name string, cols []engine.ColumnDef, r func(func([]any) bool), want string) {
		t.Helper()
		_, err := e.LoadTable(ctx, name, cols, r)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadTable(%q, %v): err = %v, want %q", name, cols, err, want)
		}
	}
	f("flows; DROP VIEW flows", one, rows(), `cannot create table "flows; DROP VIEW flows": not a plain name`)
	f("Upper", one, rows(), `not a plain name`)
	f("t", nil, rows(), "cannot create table t: no columns")
	f("t", []engine.ColumnDef{{Name: "a b", Type: "VARCHAR"}}, rows(), `column "a b": not a plain name`)
	f("t", []engine.ColumnDef{{Name: "a", Type: "VARCHAR); DROP VIEW flows; --"}}, rows(), `type "VARCHAR); DROP VIEW flows; --" is not one LoadTable takes`)
	f("t", []engine.ColumnDef{{Name: "a", Type: "VARCHAR"}, {Name: "a", Type: "BIGINT"}}, rows(), "column a appears twice")
	f("t", one, rows([]any{"x", "y"}), "row 1 has 2 values, want 1")
	f("t", []engine.ColumnDef{{Name: "a", Type: "BIGINT"}}, rows([]any{"not a number"}), "cannot load table t: row 1")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.LoadTable(cancelled, "t", one, rows([]any{"x"})); err == nil {
		t.Error("LoadTable ran with a cancelled context")
	}
	// Analysts still cannot write: Query refuses statements other than queries.
	for _, q := range []string{"INSERT INTO t VALUES ('x')", "DROP TABLE t", "CREATE TEMP TABLE u AS SELECT 1"} {
		if _, err := e.Query(ctx, q, 0); err == nil {
			t.Errorf("Query ran %q", q)
		}
	}
	if res, err := e.Query(ctx, "SELECT count(*) FROM flows", 0); err != nil || res.Rows[0][0] != int64(1) {
		t.Errorf("views damaged: %v %v", res, err)
	}
}
