package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/ledger"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

const header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

// Two sources: early.log covers 2026-11-04T00:00–00:01 with one bad line,
// late.log covers 2026-11-05T00:00–00:01 and is clean.
var files = map[string]string{
	"early.log": header +
		"2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40000 443 6 10 1000 1793750400 1793750460 ACCEPT OK\n" +
		"2 111111111111 eni-0a not-an-address\n",
	"late.log": header +
		"2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40000 443 6 10 1000 1793836800 1793836860 ACCEPT OK\n",
}

func open(t *testing.T) (*lake.Manifest, map[int64]ledger.Span, func(string) *lake.Source, *engine.Engine) {
	t.Helper()
	dir := testlake.Build(t, files)
	e := testlake.OpenDir(t, dir)
	spans, err := ledger.Spans(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Manifest()
	by := func(suffix string) *lake.Source {
		for uri, s := range m.Sources {
			if len(uri) >= len(suffix) && uri[len(uri)-len(suffix):] == suffix {
				return s
			}
		}
		t.Fatalf("no source %s", suffix)
		return nil
	}
	return m, spans, by, e
}

func TestList_Success(t *testing.T) {
	m, spans, by, _ := open(t)
	early, late := by("early.log"), by("late.log")
	if sp := spans[early.ID]; !sp.First.Equal(time.Unix(1793750400, 0)) || !sp.Last.Equal(time.Unix(1793750460, 0)) {
		t.Errorf("early.log spans %v", sp)
	}
	all := ledger.List(m, spans, ledger.Filter{})
	if len(all) != 2 || all[0].Records+all[1].Records != 2 {
		t.Fatalf("list: %+v", all)
	}
	for _, c := range []struct {
		name string
		f    ledger.Filter
		want []int64
	}{
		{"the 5th only", ledger.Filter{Since: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}, []int64{late.ID}},
		{"the 4th only", ledger.Filter{Until: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}, []int64{early.ID}},
		{"with rejects", ledger.Filter{Rejected: true}, []int64{early.ID}},
		{"by name, any case", ledger.Filter{Text: "LATE"}, []int64{late.ID}},
		{"by kind", ledger.Filter{Kind: "cloudtrail"}, nil},
	} {
		got := ledger.List(m, spans, c.f)
		var ids []int64
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if len(ids) != len(c.want) || (len(ids) == 1 && ids[0] != c.want[0]) {
			t.Errorf("%s: %v, want %v", c.name, ids, c.want)
		}
	}
	tot := ledger.Summarise(all)
	if len(tot) != 1 || tot[0].Sources != 2 || tot[0].Rejected != 1 || tot[0].Records["flows"] != 2 {
		t.Errorf("totals: %+v", tot)
	}
	if fs := ledger.Files(m, late.ID); len(fs) != 1 || fs[0].Table != "flows" {
		t.Errorf("files of late.log: %+v", fs)
	}
}

func TestRejects_Success(t *testing.T) {
	_, _, by, e := open(t)
	early := by("early.log")
	p, err := ledger.Rejects(context.Background(), e, early.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejects) != 1 || p.More || p.Rejects[0].Raw != "2 111111111111 eni-0a not-an-address" || p.Rejects[0].Line != 3 || p.Rejects[0].Reason == "" {
		t.Fatalf("rejects: %+v", p)
	}
	p, err = ledger.Rejects(context.Background(), e, by("late.log").ID, 0, 10)
	if err != nil || len(p.Rejects) != 0 {
		t.Errorf("late.log rejects: %+v, %v", p, err)
	}
	all, err := ledger.Rejects(context.Background(), e, 0, 0, 0)
	if err != nil || len(all.Rejects) != 0 || !all.More {
		t.Errorf("a page of none says more follow: %+v, %v", all, err)
	}
}
