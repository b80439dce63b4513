package flowlog

import (
	"errors"
	"fmt"
	"math/bits"
)

// LineError says why one line could not be parsed: which field, and why.
type LineError struct {
	Field  string // the field name, "" when the line as a whole is wrong
	Reason string
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// ErrNoFormat is returned for a headerless line whose field count matches
// no well-known layout when the user named no format.
var ErrNoFormat = errors.New("no header line and no --flow-format")

// MaxLineBytes bounds one record; longer lines are quarantined, never
// buffered whole.
const MaxLineBytes = 64 << 10

// Parser turns lines of one format into Records. A Parser is not safe
// for concurrent use.
type Parser struct {
	Format Format
	toks   [][]byte
}

// NewParser returns a parser for lines of format f.
func NewParser(f Format) *Parser {
	return &Parser{Format: f}
}

// Parse fills rec from one line (without its newline). Fields are
// separated by runs of spaces, tabs or carriage returns, so double spaces
// and a CRLF line ending are accepted; "-" means absent. Values of fields
// the line does not set are cleared, so a Record can be reused without
// Reset; rec.Line is left alone. On error rec is left in an unspecified
// state and must not be kept.
func (p *Parser) Parse(line []byte, rec *Record) error {
	p.toks = splitFields(line, p.toks[:0])
	if len(p.toks) != len(p.Format.Fields) {
		return &LineError{Reason: fmt.Sprintf("has %s, the format has %d", plural(len(p.toks), "field"), len(p.Format.Fields))}
	}
	rec.clear()
	rec.Extra = rec.Extra[:0]
	for i, tok := range p.toks {
		id := p.Format.Fields[i]
		if id < 0 {
			rec.Extra = append(rec.Extra, string(tok))
			continue
		}
		if len(tok) == 1 && tok[0] == '-' {
			continue
		}
		if err := p.setField(rec, id, tok); err != nil {
			return err
		}
	}
	return nil
}

func (p *Parser) setField(rec *Record, id int, tok []byte) error {
	f := &Catalogue[id]
	if f.Kind == String {
		rec.Str[f.Slot] = tok
		rec.Has |= 1 << uint(id)
		return nil
	}
	v, ok := parseInt(tok, f.Kind)
	if !ok {
		return &LineError{Field: f.Name, Reason: fmt.Sprintf("%q is not a %s", clip(tok), intName(f.Kind))}
	}
	rec.Int[f.Slot] = v
	rec.Has |= 1 << uint(id)
	return nil
}

// clear zeroes the values of the fields r has set, so that S and I of an
// absent field return the zero value after a reused Record is parsed again.
func (r *Record) clear() {
	for m := r.Has; m != 0; m &= m - 1 {
		f := &Catalogue[bits.TrailingZeros64(m)]
		if f.Kind == String {
			r.Str[f.Slot] = nil
		} else {
			r.Int[f.Slot] = 0
		}
	}
	r.Has = 0
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func intName(k Kind) string {
	if k == Int32 {
		return "32-bit integer"
	}
	return "64-bit integer"
}

// splitFields splits on runs of spaces, tabs and carriage returns. A CR
// is a separator, not part of a value, so a CRLF ending is accepted and a
// value can never end in CR (which keeps format-then-parse exact). Each
// field's capacity ends with it, so appending to one cannot overwrite the
// line.
func splitFields(line []byte, out [][]byte) [][]byte {
	i, n := 0, len(line)
	for {
		for i < n && separator[line[i]] {
			i++
		}
		if i == n {
			return out
		}
		j := i
		for j < n && !separator[line[j]] {
			j++
		}
		out = append(out, line[i:j:j])
		i = j
	}
}

// separator marks the bytes that separate fields: one table load per byte
// is cheaper than three comparisons in the loop above.
var separator = [256]bool{' ': true, '\t': true, '\r': true}

// parseInt parses a non-negative decimal that fits the kind: no sign, no
// spaces, leading zeros allowed. Flow-log integers are never negative.
func parseInt(b []byte, k Kind) (int64, bool) {
	limit := int64(1<<63 - 1)
	if k == Int32 {
		limit = 1<<31 - 1
	}
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		d := int64(c) - '0'
		if d < 0 || d > 9 || v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// Fields counts the fields of a line the way Parse splits it.
func Fields(line []byte) int {
	n, in := 0, false
	for _, c := range line {
		if !separator[c] && !in {
			n++
		}
		in = !separator[c]
	}
	return n
}
