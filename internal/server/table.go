package server

import (
	"context"
	"fmt"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/named"
)

// table is a result to show: its columns, rows, and which columns hold
// something to pivot on (column → ip, eni or instance).
type table struct {
	Title   string            `json:"title,omitempty"`
	Note    string            `json:"note,omitempty"`
	Columns []string          `json:"columns"`
	Rows    [][]any           `json:"rows"`
	Links   map[string]string `json:"-"`
}

func newTable(title string, res *engine.Result, links map[string]string) *table {
	rows := res.Rows
	if rows == nil {
		rows = [][]any{}
	}
	return &table{Title: title, Columns: res.Columns, Rows: rows, Links: links}
}

// namedTable runs a named query in the window, as `flowtrail query
// --named NAME --param …` does.
func namedTable(ctx context.Context, e *engine.Engine, w window, title, name string, params []string, links map[string]string) (*table, error) {
	b, err := named.Prepare(name, params, named.Window{Since: w.Since, Until: w.Until})
	if err != nil {
		return nil, err
	}
	res, err := e.QueryParams(ctx, b.SQL, 0, b.Args...)
	if err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", name, err)
	}
	t := newTable(title, res, links)
	if q, err := named.Lookup(name); err == nil {
		t.Note = q.Description
	}
	return t, nil
}
