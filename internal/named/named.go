// Package named holds flowtrail's named queries: every predefined query
// that AWS's Athena integration for VPC flow logs creates, under AWS's
// names, and the investigations of AWS's incident-response playbook for
// flow logs, all re-expressed in DuckDB SQL over the flows view.
//
// Each query is one file under queries/, NAME.sql, whose leading comment
// block says what it is:
//
//	-- name: VpcFlowLogsTrafficFrmSrcAddr
//	-- source: where the query comes from
//	-- description: what it answers, and whether it counts records or
//	--   bytes (indented "--" lines continue a field)
//	-- param: srcaddr addr required the source address
//
// A param line is NAME KIND DEFAULT HELP: KIND is addr (an IP address),
// port (0-65535) or int (a positive integer); DEFAULT is "required",
// "optional" (NULL when not given) or a value. The SQL refers to a
// parameter as $NAME, and to the time window as $since and $until (Unix
// seconds, NULL when open). Values are always bound, never pasted into the
// SQL; an address is bound as the list of its textual forms, so the SQL
// matches it with list_contains($addr::VARCHAR[], srcaddr).
//
// AWS's queries filter on partition columns and a date parameter; here
// the window bounds the records' start time instead.
package named

import (
	"database/sql"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"
)

//go:embed queries/*.sql
var files embed.FS

// Query is one named query.
type Query struct {
	Name        string
	Source      string
	Description string
	Params      []Param
	SQL         string
}

// Window bounds the records a query reads, on their start time:
// Since ≤ start < Until. A zero end is open.
type Window struct {
	Since, Until time.Time
}

// Bound is a query ready to run: its SQL and the values for its
// placeholders, as sql.NamedArg.
type Bound struct {
	SQL  string
	Args []any
}

// registry holds every query, AWS's first, each group by name.
var registry = mustLoad()

func mustLoad() []*Query {
	qs, err := load(files)
	if err != nil {
		panic(err) // the files are embedded: TestLoad fails first
	}
	return qs
}

// All lists every named query in --list order.
func All() []*Query { return registry }

// Lookup finds a query by name, ignoring case. An unknown name's error
// suggests close matches.
func Lookup(name string) (*Query, error) {
	for _, q := range registry {
		if strings.EqualFold(q.Name, name) {
			return q, nil
		}
	}
	if close := suggest(name); len(close) > 0 {
		return nil, fmt.Errorf("no named query %q: did you mean %s? (flowtrail query --list shows them all)", name, strings.Join(close, ", "))
	}
	return nil, fmt.Errorf("no named query %q (flowtrail query --list shows them all)", name)
}

// Prepare looks a query up and binds its parameters, given as NAME=VALUE,
// and the window. Every error is the caller's input.
func Prepare(name string, params []string, w Window) (*Bound, error) {
	q, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	kv, err := ParseParams(params)
	if err != nil {
		return nil, err
	}
	if err := q.checkNames(kv); err != nil {
		return nil, err
	}
	sql, args, err := q.Bind(kv, w.Since, w.Until)
	if err != nil {
		return nil, err
	}
	return &Bound{SQL: sql, Args: args}, nil
}

// ParseParams reads NAME=VALUE pairs.
func ParseParams(params []string) (map[string]string, error) {
	kv := make(map[string]string, len(params))
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want NAME=VALUE", p)
		}
		if _, dup := kv[k]; dup {
			return nil, fmt.Errorf("--param %s given twice", k)
		}
		kv[k] = v
	}
	return kv, nil
}

// Bind returns the query's SQL and its arguments, as sql.NamedArg: each
// declared parameter, checked, from values or its default, then the
// window [since, until) (a zero time leaves that end open). Values for
// parameters the query does not declare are ignored; Prepare refuses
// them.
func (q *Query) Bind(values map[string]string, since, until time.Time) (string, []any, error) {
	var args []any
	for _, p := range q.Params {
		v, err := p.bind(values)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		args = append(args, sql.Named(p.Name, v))
	}
	args = append(args, sql.Named("since", unixCeil(since)), sql.Named("until", unixCeil(until)))
	return q.SQL, args, nil
}

func (q *Query) checkNames(values map[string]string) error {
	for k := range values {
		if !slices.ContainsFunc(q.Params, func(p Param) bool { return p.Name == k }) {
			return fmt.Errorf("%s has no parameter %q (%s)", q.Name, k, q.paramList())
		}
	}
	return nil
}

func (q *Query) paramList() string {
	if len(q.Params) == 0 {
		return "it takes none"
	}
	names := make([]string, len(q.Params))
	for i, p := range q.Params {
		names[i] = p.Name
	}
	return "it takes " + strings.Join(names, ", ")
}

// unixCeil is t in Unix seconds, rounded up so that start ≥ since and
// start < until keep their meaning for whole-second starts; nil when t is
// zero (an open end).
func unixCeil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// List is the --list table: each query's name, parameters and description.
func List() (columns []string, rows [][]any) {
	for _, q := range registry {
		ps := make([]string, len(q.Params))
		for i, p := range q.Params {
			ps[i] = p.String()
		}
		rows = append(rows, []any{q.Name, strings.Join(ps, ", "), q.Description})
	}
	return []string{"name", "params", "description"}, rows
}
