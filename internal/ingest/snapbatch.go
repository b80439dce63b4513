package ingest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/parquet-go/parquet-go"
)

// snapColumns is the snapshots table: one row per item of an `aws ec2
// describe-*` output, the item whole as JSON text, observed when the
// source object was last modified.
var snapColumns = []lake.Column{
	{Name: "observed_at", Kind: lake.Timestamp},
	{Name: "kind", Kind: lake.String},
	{Name: "account_id", Kind: lake.String},
	{Name: "region", Kind: lake.String},
	{Name: "resource_id", Kind: lake.String},
	{Name: "document", Kind: lake.String},
	{Name: lake.SourceIDColumn, Kind: lake.Int64},
	{Name: lake.SourceLineColumn, Kind: lake.Int64},
}

// snapRowBytes is how many document bytes count as one row against the
// collector's row budget. Writing a batch holds its documents about three
// times over (the rows, parquet-go's dictionary and its index), so the
// default budget of 300k rows keeps ~19 MB of documents per batch: a
// 270 MB describe-instances output ingests with ~125 MB of live heap
// (~430 MB at 256 bytes a row).
const snapRowBytes = 64

type snapRow struct {
	observed int64 // microseconds since the epoch, UTC
	kind     string
	account  string
	region   string
	resource string
	doc      string
	source   int64
	line     int64
}

func (r *snapRow) weight() int { return 1 + len(r.doc)/snapRowBytes }

// snapRows is one chunk's snapshot rows, with their document bytes and
// weight.
type snapRows struct {
	rows   []snapRow
	bytes  int
	weight int
}

func (s *snapRows) add(r snapRow) {
	s.rows = append(s.rows, r)
	s.bytes += len(r.doc)
	s.weight += r.weight()
}

type snapBatch struct {
	rows    []snapRow
	w       int
	schema  *lake.Schema
	sources map[int64]bool
}

func newSnapBatch() (*snapBatch, error) {
	s, err := lake.NewSchema(lake.TableSnapshots, snapColumns)
	if err != nil {
		return nil, fmt.Errorf("cannot build snapshots schema: %w", err)
	}
	return &snapBatch{schema: s, sources: map[int64]bool{}}, nil
}

func (b *snapBatch) addAll(c *snapRows) {
	for _, r := range c.rows {
		b.sources[r.source] = true
	}
	b.rows = append(b.rows, c.rows...)
	b.w += c.weight
}

func (b *snapBatch) Len() int               { return len(b.rows) }
func (b *snapBatch) weight() int            { return b.w }
func (b *snapBatch) schemaOf() *lake.Schema { return b.schema }
func (b *snapBatch) sourceIDs() []int64     { return slices.Sorted(maps.Keys(b.sources)) }

// Sort orders rows by resource, then time: a resource's history is read
// by its ID.
func (b *snapBatch) Sort() {
	slices.SortStableFunc(b.rows, func(x, y snapRow) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.resource, y.resource),
			cmp.Compare(x.observed, y.observed), cmp.Compare(x.source, y.source), cmp.Compare(x.line, y.line))
	})
}

func (b *snapBatch) Row(i int, out []parquet.Value) {
	r := &b.rows[i]
	s := b.schema
	s.Put(out, 0, lake.TS(r.observed))
	for k, v := range []string{r.kind, r.account, r.region, r.resource, r.doc} {
		s.Put(out, 1+k, optStr(v))
	}
	s.Put(out, 6, lake.I64(r.source))
	s.Put(out, 7, lake.I64(r.line))
}

func (b *snapBatch) drop(id int64) {
	b.rows = slices.DeleteFunc(b.rows, func(r snapRow) bool { return r.source == id })
	b.w = 0
	for i := range b.rows {
		b.w += b.rows[i].weight()
	}
	delete(b.sources, id)
}
