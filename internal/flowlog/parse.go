package flowlog

import (
	"errors"
	"fmt"
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

// Parser turns lines of one format into Records. It interns repeated
// strings (account, interface, VPC, addresses) so that buffered records
// share their bytes. A Parser is not safe for concurrent use.
type Parser struct {
	Format Format
	intern map[string]string
	toks   [][]byte
}

// NewParser returns a parser for lines of format f.
func NewParser(f Format) *Parser {
	return &Parser{Format: f, intern: make(map[string]string, 1024)}
}

// Parse fills rec from one line (without its newline). On error rec is
// left in an unspecified state and must not be kept.
func (p *Parser) Parse(line []byte, rec *Record) error {
	p.toks = splitFields(line, p.toks[:0])
	if len(p.toks) != len(p.Format.Fields) {
		return &LineError{Reason: fmt.Sprintf("has %d fields, the format has %d", len(p.toks), len(p.Format.Fields))}
	}
	rec.Has = 0
	rec.Extra = rec.Extra[:0]
	for i, tok := range p.toks {
		id := p.Format.Fields[i]
		if id < 0 {
			rec.Extra = append(rec.Extra, p.str(tok))
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
		rec.Str[f.Slot] = p.str(tok)
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

func intName(k Kind) string {
	if k == Int32 {
		return "32-bit integer"
	}
	return "64-bit integer"
}

// str returns tok as a string, reusing an earlier copy when one exists.
// The table is dropped when it grows large so memory stays bounded on
// high-cardinality fields.
func (p *Parser) str(tok []byte) string {
	if s, ok := p.intern[string(tok)]; ok {
		return s
	}
	s := string(tok)
	if len(p.intern) >= 1<<16 {
		clear(p.intern)
	}
	p.intern[s] = s
	return s
}

// splitFields splits on runs of spaces and tabs, ignoring a trailing CR.
func splitFields(line []byte, out [][]byte) [][]byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	start := -1
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == ' ' || c == '\t' {
			if start >= 0 {
				out = append(out, line[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, line[start:])
	}
	return out
}

// parseInt parses a non-negative decimal that fits the kind. Flow-log
// integers are never negative.
func parseInt(b []byte, k Kind) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if v < 0 || k == Int32 && v > 1<<31-1 {
		return 0, false
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
func Fields(line []byte) int { return len(splitFields(line, nil)) }
