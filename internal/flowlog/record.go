package flowlog

import "strconv"

// Sizes of a Record's value arrays; TestCatalogueSlots keeps them in step
// with the catalogue.
const (
	numStr = 45
	numInt = 15
)

// Record is one parsed flow-log line. Values live in fixed arrays indexed
// by each field's Slot, and string values are slices of the parsed line,
// so that parsing allocates nothing per record. A Record filled by
// Parser.Parse is valid until the line's buffer is reused: copy what must
// be kept.
type Record struct {
	Str   [numStr][]byte
	Int   [numInt]int64
	Has   uint64   // bit i set: Catalogue[i] carried a value (not absent, not "-")
	Extra []string // values of header fields the catalogue does not know, by Format.Unknown order
	Line  int64    // 1-based line number in the source object
}

// Set reports whether field id carried a value.
func (r *Record) Set(id int) bool { return r.Has&(1<<uint(id)) != 0 }

// S returns a string field, "" when absent.
func (r *Record) S(id int) string {
	if !r.Set(id) {
		return ""
	}
	return string(r.Str[Catalogue[id].Slot])
}

// B returns a string field's bytes, nil when absent. They alias the line.
func (r *Record) B(id int) []byte {
	if !r.Set(id) {
		return nil
	}
	return r.Str[Catalogue[id].Slot]
}

// I returns an integer field and whether it was present.
func (r *Record) I(id int) (int64, bool) {
	return r.Int[Catalogue[id].Slot], r.Set(id)
}

// SetS stores a string field.
func (r *Record) SetS(id int, v string) {
	r.Str[Catalogue[id].Slot] = []byte(v)
	r.Has |= 1 << uint(id)
}

// SetI stores an integer field.
func (r *Record) SetI(id int, v int64) {
	r.Int[Catalogue[id].Slot] = v
	r.Has |= 1 << uint(id)
}

// Reset clears the record for reuse.
func (r *Record) Reset() { *r = Record{Extra: r.Extra[:0]} }

// AppendLine renders r as a line of format f (no newline) and appends it
// to dst: values in format order, separated by one space, "-" for an
// absent field, Extra values in order for the fields the catalogue does
// not know. For a Record that Parse filled from a line of format f,
// parsing the result gives an equal Record. A set string field holding ""
// renders as "-" and so does not survive the round trip.
func (r *Record) AppendLine(f Format, dst []byte) []byte {
	u := 0
	for i, id := range f.Fields {
		if i > 0 {
			dst = append(dst, ' ')
		}
		if id < 0 {
			dst = appendValue(dst, extraAt(r.Extra, u))
			u++
			continue
		}
		dst = r.appendField(dst, id)
	}
	return dst
}

func (r *Record) appendField(dst []byte, id int) []byte {
	if !r.Set(id) {
		return append(dst, '-')
	}
	fd := &Catalogue[id]
	if fd.Kind == String {
		return appendValue(dst, r.Str[fd.Slot])
	}
	return strconv.AppendInt(dst, r.Int[fd.Slot], 10)
}

func appendValue[T string | []byte](dst []byte, v T) []byte {
	if len(v) == 0 {
		return append(dst, '-')
	}
	return append(dst, v...)
}

func extraAt(extra []string, i int) string {
	if i < len(extra) {
		return extra[i]
	}
	return ""
}
