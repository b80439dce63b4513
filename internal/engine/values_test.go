package engine_test

import (
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

func TestValues_ReadWhatDuckDBReturns(t *testing.T) {
	e := lakeOf(t, v5Header+"5 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 40 1700000000 1700000060 ACCEPT OK 2\n")
	res, err := e.Query(t.Context(), `SELECT 'x', 7::TINYINT, 8::INTEGER, 9::BIGINT, 10::UBIGINT, TIMESTAMPTZ '2026-11-01 10:00:00+02', true, NULL`, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	// sum() of a BIGINT is a HUGEINT, which the driver returns as *big.Int.
	if sum, err := e.Query(t.Context(), "SELECT sum(bytes) FROM flows", 0); err != nil || engine.AsInt(sum.Rows[0][0]) != 40 {
		t.Errorf("sum(bytes) read as %v (%v), want 40", sum, err)
	}
	if engine.AsString(r[0]) != "x" || engine.AsInt(r[1]) != 7 || engine.AsInt(r[2]) != 8 || engine.AsInt(r[3]) != 9 || engine.AsInt(r[4]) != 10 {
		t.Errorf("scalars read wrong: %v", r)
	}
	if got := engine.AsTime(r[5]); !got.Equal(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("time read as %v", got)
	}
	if !engine.AsBool(r[6]) || engine.AsBool(r[7]) || engine.AsString(r[7]) != "" || engine.AsInt(r[7]) != 0 || engine.AsInt(3) != 3 || !engine.AsTime(r[7]).IsZero() {
		t.Errorf("bool or NULL read wrong: %v", r)
	}
}
