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
	leaf    []int // leaf index in the Parquet schema per column
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
	for i, c := range cols {
		s.leaf[i] = index[c.Name]
	}
	return s, nil
}

func node(c Column) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case Int32:
		n = parquet.Int(32)
	case Int64:
		n = parquet.Int(64)
	case Bool:
		n = parquet.Leaf(parquet.BooleanType)
	case Timestamp:
		n = parquet.Timestamp(parquet.Microsecond)
	default:
		n = parquet.String()
	}
	if c.Name == SourceIDColumn || c.Name == SourceLineColumn {
		return n
	}
	return parquet.Optional(n)
}
