package ingest

import (
	"fmt"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/parquet-go/parquet-go"
)

// flowRow is a parsed flow record with its provenance.
type flowRow struct {
	rec    flowlog.Record
	source int64
}

// flowBatch is the rows bound for one flows or tgw_flows file. Every
// catalogue column of the table is present (NULL where a source did not
// carry the field) so the table has one schema; fields unknown to the
// catalogue add text columns to the files whose sources had them.
type flowBatch struct {
	table   flowlog.Table
	fields  []int    // catalogue ids, in schema order
	unknown []string // extra text columns, after the catalogue ones
	rows    []flowRow
	schema  *lake.Schema
	sources map[int64]bool
}

func newFlowBatch(t flowlog.Table, unknown []string) (*flowBatch, error) {
	b := &flowBatch{table: t, fields: flowlog.Columns(t), unknown: unknown, sources: map[int64]bool{}}
	cols := make([]lake.Column, 0, len(b.fields)+len(unknown)+2)
	for _, id := range b.fields {
		f := flowlog.Catalogue[id]
		cols = append(cols, lake.Column{Name: f.Column, Kind: lakeKind(f.Kind)})
	}
	for _, u := range unknown {
		cols = append(cols, lake.Column{Name: flowlogColumn(u), Kind: lake.String})
	}
	cols = append(cols, lake.Column{Name: lake.SourceIDColumn, Kind: lake.Int64}, lake.Column{Name: lake.SourceLineColumn, Kind: lake.Int64})
	s, err := lake.NewSchema(tableName(t), cols)
	if err != nil {
		return nil, fmt.Errorf("cannot build flow schema: %w", err)
	}
	b.schema = s
	return b, nil
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

func (b *flowBatch) Len() int { return len(b.rows) }

// Less orders by interface (or transit gateway attachment) and start time,
// the keys pivots filter on.
func (b *flowBatch) Less(i, j int) bool {
	x, y := &b.rows[i].rec, &b.rows[j].rec
	kx, ky := sortKey(x), sortKey(y)
	if kx != ky {
		return kx < ky
	}
	sx, _ := x.I(flowlog.FStart)
	sy, _ := y.I(flowlog.FStart)
	return sx < sy
}

func sortKey(r *flowlog.Record) string {
	if s := r.S(flowlog.FInterfaceID); s != "" {
		return s
	}
	return r.S(flowlog.FTGWAttachmentID)
}

func (b *flowBatch) Row(i int, out []parquet.Value) {
	r := &b.rows[i]
	for c, id := range b.fields {
		if !r.rec.Set(id) {
			continue
		}
		f := &flowlog.Catalogue[id]
		switch f.Kind {
		case flowlog.String:
			out[c] = lake.Str(r.rec.Str[f.Slot])
		case flowlog.Int32:
			out[c] = lake.I32(r.rec.Int[f.Slot])
		default:
			out[c] = lake.I64(r.rec.Int[f.Slot])
		}
	}
	n := len(b.fields)
	for k := range b.unknown {
		if k < len(r.rec.Extra) && r.rec.Extra[k] != "-" {
			out[n+k] = lake.Str(r.rec.Extra[k])
		}
	}
	out[len(out)-2] = lake.I64(r.source)
	out[len(out)-1] = lake.I64(r.rec.Line)
}

func (b *flowBatch) add(r flowRow) {
	b.rows = append(b.rows, r)
	b.sources[r.source] = true
}
