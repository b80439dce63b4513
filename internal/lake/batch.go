package lake

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// Batch is a set of rows bound for one file. The lake calls Sort before
// writing: rows sorted on the keys queries filter on make min/max
// statistics prune reads.
type Batch interface {
	Len() int
	Sort()
	// Row fills out with row i's values through Schema.Put. out arrives
	// holding NULL in every column.
	Row(i int, out []parquet.Value)
}

// Str returns a Value for s without copying it; the caller keeps s alive
// until the row is written.
func Str(s string) parquet.Value {
	return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// I32 and I64 return integer Values.
func I32(v int64) parquet.Value { return parquet.Int32Value(int32(v)) }
func I64(v int64) parquet.Value { return parquet.Int64Value(v) }

// B returns a boolean Value.
func B(v bool) parquet.Value { return parquet.BooleanValue(v) }

// TS returns a timestamp Value from microseconds since the epoch.
func TS(micros int64) parquet.Value { return parquet.Int64Value(micros) }
