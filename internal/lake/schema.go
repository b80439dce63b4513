package lake

import (
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// Kind is a column's type in the lake.
type Kind uint8

const (
	String Kind = iota
	Int32
	Int64
	Bool
	Timestamp // microseconds since the epoch, UTC
)

// Column is one column of a table.
type Column struct {
	Name string
	Kind Kind
}

// Provenance columns every table carries: the ledger id of the source
// object and the 1-based line (or record) number inside it.
const (
	SourceIDColumn   = "source_id"
	SourceLineColumn = "source_line"
)

// Schema is a table's columns in the order rows supply their values.
type Schema struct {
	Columns []Column
	node    *parquet.Schema
	leaf    []int           // leaf index in the Parquet schema per column
	def     []int           // definition level of a present value per column
	nulls   []parquet.Value // a row of NULLs (zero for required columns), levels set
}

// NewSchema builds the Parquet schema for cols. All columns are optional
// except the provenance ones.
func NewSchema(table string, cols []Column) (*Schema, error) {
	g := parquet.Group{}
	for _, c := range cols {
		if _, dup := g[c.Name]; dup {
			return nil, fmt.Errorf("cannot build schema of %s: column %q appears twice", table, c.Name)
		}
		g[c.Name] = node(c)
	}
	s := &Schema{Columns: cols, node: parquet.NewSchema(table, g)}
	index := map[string]int{}
	for i, path := range s.node.Columns() {
		index[path[0]] = i
	}
	s.leaf = make([]int, len(cols))
	s.def = make([]int, len(cols))
	s.nulls = make([]parquet.Value, len(cols))
	for i, c := range cols {
		leaf := index[c.Name]
		s.leaf[i] = leaf
		s.def[i] = 1
		if required(c) {
			s.def[i] = 0
		}
		s.nulls[leaf] = parquet.Value{}.Level(0, 0, leaf)
		if required(c) {
			s.nulls[leaf] = parquet.Int64Value(0).Level(0, 0, leaf)
		}
	}
	return s, nil
}

// node encodes integers as deltas, bit-packed (DELTA_BINARY_PACKED):
// times, ports, counters and line numbers shrink to a few bits, so
// there is little left to decompress. Plain 8-byte integers under zstd
// cost DuckDB 2–3× the CPU of DuckDB's own files (see docs/design.md,
// "Query speed").
func node(c Column) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case Int32:
		n = parquet.Encoded(parquet.Int(32), &parquet.DeltaBinaryPacked)
	case Int64:
		n = parquet.Encoded(parquet.Int(64), &parquet.DeltaBinaryPacked)
	case Bool:
		n = parquet.Leaf(parquet.BooleanType)
	case Timestamp:
		n = parquet.Encoded(parquet.Timestamp(parquet.Microsecond), &parquet.DeltaBinaryPacked)
	default:
		// Dictionary pages: flow-log strings repeat (accounts, interfaces,
		// verdicts, addresses), and DuckDB filters and groups on
		// dictionary codes much faster than on plain byte arrays. Zstd
		// (the only compressed columns; see newParquetWriter) keeps
		// address dictionaries and CloudTrail's JSON small.
		n = parquet.Compressed(parquet.Encoded(parquet.String(), &parquet.RLEDictionary), &parquet.Zstd)
	}
	if required(c) {
		return n
	}
	return parquet.Optional(n)
}

func required(c Column) bool { return c.Name == SourceIDColumn || c.Name == SourceLineColumn }

// Put stores v as column col of a row being built by Batch.Row. A NULL
// v leaves the column NULL.
func (s *Schema) Put(row []parquet.Value, col int, v parquet.Value) {
	if v.IsNull() {
		return
	}
	leaf := s.leaf[col]
	row[leaf] = v.Level(0, s.def[col], leaf)
}
