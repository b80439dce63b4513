package flowlog

// Sizes of a Record's value arrays; TestCatalogueSlots keeps them in step
// with the catalogue.
const (
	numStr = 45
	numInt = 15
)

// Record is one parsed flow-log line. Values live in fixed arrays indexed
// by each field's Slot so that parsing allocates nothing per record beyond
// the strings it keeps.
type Record struct {
	Str   [numStr]string
	Int   [numInt]int64
	Has   uint64   // bit i set: Catalogue[i] carried a value (not absent, not "-")
	Extra []string // values of header fields the catalogue does not know, by Format.Unknown order
	Line  int64    // 1-based line number in the source object
}

// Set reports whether field id carried a value.
func (r *Record) Set(id int) bool { return r.Has&(1<<uint(id)) != 0 }

// S returns a string field, "" when absent.
func (r *Record) S(id int) string { return r.Str[Catalogue[id].Slot] }

// I returns an integer field and whether it was present.
func (r *Record) I(id int) (int64, bool) {
	return r.Int[Catalogue[id].Slot], r.Set(id)
}

// SetS stores a string field.
func (r *Record) SetS(id int, v string) {
	r.Str[Catalogue[id].Slot] = v
	r.Has |= 1 << uint(id)
}

// SetI stores an integer field.
func (r *Record) SetI(id int, v int64) {
	r.Int[Catalogue[id].Slot] = v
	r.Has |= 1 << uint(id)
}

// Reset clears the record for reuse.
func (r *Record) Reset() { *r = Record{Extra: r.Extra[:0]} }
