package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
)

func TestMaterialize(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open(ctx, smallLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	n, err := e.Materialize(ctx, "m_test", "SELECT srcaddr, count(*) AS n FROM flows WHERE srcport = $1 GROUP BY srcaddr", 443)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Query(ctx, "SELECT count(*), sum(n) FROM m_test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != n || n == 0 {
		t.Errorf("table holds %v rows, Materialize said %d", res.Rows[0][0], n)
	}
	// Again replaces the table rather than failing.
	if _, err := e.Materialize(ctx, "m_test", "SELECT 1 AS x"); err != nil {
		t.Errorf("replacing: %v", err)
	}
	for _, bad := range []struct{ name, q string }{
		{"m_test; DROP", "SELECT 1"},
		{"m_ok", "DELETE FROM m_test"},
		{"m_ok", "SELECT 1; SELECT 2"},
	} {
		if _, err := e.Materialize(ctx, bad.name, bad.q); err == nil {
			t.Errorf("Materialize(%q, %q) succeeded", bad.name, bad.q)
		}
	}
	if _, err := e.Materialize(ctx, "m_ok", "COPY (SELECT 1) TO 'x.csv'"); !errors.Is(err, engine.ErrNotReadOnly) && err == nil {
		t.Error("COPY accepted")
	}
}
