package ingest

import (
	"cmp"
	"fmt"
	"maps"
	"math/bits"
	"slices"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/parquet-go/parquet-go"
)

// flowBatch is the rows bound for one flows or tgw_flows file. A file
// has the columns its rows carry — the catalogue fields present in any of
// them, the unknown fields of their header, and provenance — so a v2
// source makes a narrow file; readers (DuckDB's union_by_name, Athena's
// by-name Parquet mapping) see NULL for the rest.
type flowBatch struct {
	table   flowlog.Table
	unknown []string // extra text columns, after the catalogue ones
	chunks  []*flowRows
	refs    []rowRef // every row: chunk and index, in write order once sorted
	has     uint64   // union of the rows' field bitmasks
	schema  *lake.Schema
	colOf   [flowlog.NumFields]int // schema column per field id, -1 absent
	sources map[int64]bool
	dec     decoded
}

func newFlowBatch(t flowlog.Table, unknown []string) (*flowBatch, error) {
	return &flowBatch{table: t, unknown: unknown, sources: map[int64]bool{}}, nil
}

// buildSchema fixes the file's columns from the fields its rows carry.
func (b *flowBatch) buildSchema() error {
	var cols []lake.Column
	for id := range b.colOf {
		b.colOf[id] = -1
	}
	for _, id := range flowlog.Columns(b.table) {
		if b.has&(1<<uint(id)) == 0 && !alwaysPresent(id) {
			continue
		}
		f := flowlog.Catalogue[id]
		b.colOf[id] = len(cols)
		cols = append(cols, lake.Column{Name: f.Column, Kind: lakeKind(f.Kind)})
	}
	for _, u := range b.unknown {
		cols = append(cols, lake.Column{Name: flowlogColumn(u), Kind: lake.String})
	}
	cols = append(cols, lake.Column{Name: lake.SourceIDColumn, Kind: lake.Int64}, lake.Column{Name: lake.SourceLineColumn, Kind: lake.Int64})
	s, err := lake.NewSchema(tableName(b.table), cols)
	if err != nil {
		return fmt.Errorf("cannot build flow schema: %w", err)
	}
	b.schema = s
	return nil
}

// alwaysPresent fields are written even when every row lacks them, so
// that every file has the columns queries filter on most.
func alwaysPresent(id int) bool {
	return id <= flowlog.FLogStatus
}

func flowlogColumn(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

func lakeKind(k flowlog.Kind) lake.Kind {
	switch k {
	case flowlog.Int32:
		return lake.Int32
	case flowlog.Int64:
		return lake.Int64
	}
	return lake.String
}

func tableName(t flowlog.Table) string {
	if t == flowlog.TGW {
		return lake.TableTGWFlows
	}
	return lake.TableFlows
}

// rowRef locates one row and carries its sort key: the rank of its
// interface (or TGW attachment) among the batch's, then start time.
type rowRef struct {
	chunk, row uint32
	rank       uint32
	start      int64
}

func (b *flowBatch) Len() int { return len(b.refs) }

// add takes a worker's chunk as it is: no copy of its arena.
func (b *flowBatch) add(c *flowRows) {
	ci := uint32(len(b.chunks))
	b.chunks = append(b.chunks, c)
	for i := range c.offs {
		b.refs = append(b.refs, rowRef{chunk: ci, row: uint32(i), start: c.keys[i].start})
	}
	b.has |= c.has
}

// Sort orders rows by interface and start time, the keys pivots filter
// on. Interfaces are ranked once, so the sort compares integers.
func (b *flowBatch) Sort() {
	names := map[string]uint32{}
	for i := range b.refs {
		r := &b.refs[i]
		k := b.chunks[r.chunk].keyOf(int(r.row))
		id, ok := names[string(k)]
		if !ok {
			id = uint32(len(names))
			names[string(k)] = id
		}
		r.rank = id
	}
	rank := rankNames(names)
	for i := range b.refs {
		b.refs[i].rank = rank[b.refs[i].rank]
	}
	slices.SortFunc(b.refs, func(x, y rowRef) int {
		if x.rank != y.rank {
			return cmp.Compare(x.rank, y.rank)
		}
		return cmp.Compare(x.start, y.start)
	})
}

// rankNames maps each name's id to its position in sorted order.
func rankNames(names map[string]uint32) []uint32 {
	sorted := slices.Sorted(maps.Keys(names))
	rank := make([]uint32, len(names))
	for pos, n := range sorted {
		rank[names[n]] = uint32(pos)
	}
	return rank
}

func (b *flowBatch) Row(i int, out []parquet.Value) {
	d := &b.dec
	r := b.refs[i]
	b.chunks[r.chunk].decode(int(r.row), d)
	s := b.schema
	for m := d.has; m != 0; m &= m - 1 {
		id := bits.TrailingZeros64(m)
		c := b.colOf[id]
		if c < 0 {
			continue
		}
		switch flowlog.Catalogue[id].Kind {
		case flowlog.String:
			s.Put(out, c, parquet.ByteArrayValue(d.strs[id]))
		case flowlog.Int32:
			s.Put(out, c, lake.I32(d.ints[id]))
		default:
			s.Put(out, c, lake.I64(d.ints[id]))
		}
	}
	n := len(s.Columns) - 2 - len(b.unknown)
	for k := range b.unknown {
		if k < len(d.extra) && string(d.extra[k]) != "-" {
			s.Put(out, n+k, parquet.ByteArrayValue(d.extra[k]))
		}
	}
	s.Put(out, len(s.Columns)-2, lake.I64(d.source))
	s.Put(out, len(s.Columns)-1, lake.I64(d.line))
}
