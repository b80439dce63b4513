package ingest

import (
	"fmt"
	"math/bits"

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
	rows    flowRows
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
		if b.rows.has&(1<<uint(id)) == 0 && !alwaysPresent(id) {
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

func (b *flowBatch) Len() int { return b.rows.Len() }

// Less orders by interface (or transit gateway attachment) and start time,
// the keys pivots filter on.
func (b *flowBatch) Less(i, j int) bool { return b.rows.less(i, j) }

func (b *flowBatch) Row(i int, out []parquet.Value) {
	d := &b.dec
	b.rows.decode(i, d)
	for m := d.has; m != 0; m &= m - 1 {
		id := bits.TrailingZeros64(m)
		c := b.colOf[id]
		if c < 0 {
			continue
		}
		switch flowlog.Catalogue[id].Kind {
		case flowlog.String:
			out[c] = parquet.ByteArrayValue(d.strs[id])
		case flowlog.Int32:
			out[c] = lake.I32(d.ints[id])
		default:
			out[c] = lake.I64(d.ints[id])
		}
	}
	n := len(out) - 2 - len(b.unknown)
	for k := range b.unknown {
		if k < len(d.extra) && string(d.extra[k]) != "-" {
			out[n+k] = parquet.ByteArrayValue(d.extra[k])
		}
	}
	out[len(out)-2] = lake.I64(d.source)
	out[len(out)-1] = lake.I64(d.line)
}
