package engine

import (
	"math/big"
	"time"
)

// Typed readers for the values in Result.Rows, for the analyses that read
// their own queries' results: a NULL, or a value of another type than
// asked, reads as the zero value.

// AsString reads a VARCHAR.
func AsString(v any) string {
	if x, ok := v.(string); ok {
		return x
	}
	return ""
}

// AsInt reads any integer column (or a Go int) as int64.
func AsInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	case float64:
		return int64(x)
	case *big.Int:
		return x.Int64() // sum() of a BIGINT is a HUGEINT
	}
	return 0
}

// AsTime reads a TIMESTAMP or TIMESTAMPTZ, in UTC.
func AsTime(v any) time.Time {
	if x, ok := v.(time.Time); ok {
		return x.UTC()
	}
	return time.Time{}
}

// AsBool reads a BOOLEAN.
func AsBool(v any) bool {
	x, ok := v.(bool)
	return ok && x
}
