package ioc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// stixObject is what matters of a STIX object.
type stixObject struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
	Revoked     bool   `json:"revoked"`
}

// stixReader walks a STIX 2.1 bundle: {"type": "bundle", "objects": [...]}.
// Indicators whose pattern is about IP addresses are added; other
// indicators are counted as skipped; other objects are ignored.
type stixReader struct {
	name string
	data []byte
	dec  *json.Decoder
	set  *Set
	errs *errorList
	// lines counts newlines incrementally: line is the line at offset off.
	off, line int
}

func parseSTIX(name string, r io.Reader, s *Set) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return readError(name, err)
	}
	sr := &stixReader{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data)), set: s,
		errs: &errorList{file: name}, line: 1}
	if err := sr.bundle(); err != nil {
		sr.errs.errs = append(sr.errs.errs, err)
	}
	return sr.errs.err()
}

// lineAt returns the line of byte offset off; offsets only grow.
func (r *stixReader) lineAt(off int) int {
	off = min(off, len(r.data))
	if off > r.off {
		r.line += bytes.Count(r.data[r.off:off], []byte("\n"))
		r.off = off
	}
	return r.line
}

func (r *stixReader) fail(off int, field, reason string) error {
	return &Error{File: r.name, Line: r.lineAt(off), Field: field, Reason: reason}
}

func (r *stixReader) jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return r.fail(int(se.Offset), "", "invalid JSON: "+se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.fail(len(r.data), "", "invalid JSON: unexpected end of file")
	}
	return r.fail(int(r.dec.InputOffset()), "", "invalid JSON: "+err.Error())
}

func (r *stixReader) bundle() error {
	if err := r.delim('{', "not a STIX bundle: want a JSON object"); err != nil {
		return err
	}
	typ := ""
	for r.dec.More() {
		key, err := r.dec.Token()
		if err != nil {
			return r.jsonError(err)
		}
		switch key {
		case "type":
			err = r.dec.Decode(&typ)
		case "objects":
			err = r.objects()
		default:
			err = r.dec.Decode(&json.RawMessage{})
		}
		if err != nil {
			return err
		}
	}
	if typ != "bundle" {
		return r.fail(0, "type", fmt.Sprintf("not a STIX bundle: type is %q, want \"bundle\"", typ))
	}
	return nil
}

func (r *stixReader) delim(want json.Delim, reason string) error {
	tok, err := r.dec.Token()
	if err != nil {
		return r.jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return r.fail(int(r.dec.InputOffset()), "", reason)
	}
	return nil
}

func (r *stixReader) objects() error {
	if err := r.delim('[', "objects: want a JSON array"); err != nil {
		return err
	}
	for r.dec.More() {
		start := r.objectStart()
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			return r.jsonError(err)
		}
		if !r.object(start, raw) {
			return nil
		}
	}
	_, err := r.dec.Token()
	if err != nil {
		return r.jsonError(err)
	}
	return nil
}

// objectStart is the offset of the next array element: past the
// separator and white space that follow the decoder's offset.
func (r *stixReader) objectStart() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) && strings.IndexByte(" \t\r\n,", r.data[off]) >= 0 {
		off++
	}
	return off
}

// object handles one element of objects; it reports false once there are
// too many errors to go on.
func (r *stixReader) object(start int, raw json.RawMessage) bool {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &head) != nil || head.Type != "indicator" {
		return true
	}
	var o stixObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return r.errs.add(r.lineAt(start), o.ID, "invalid indicator: "+err.Error())
	}
	values, reason := r.values(o)
	if reason != "" {
		return r.errs.add(r.lineAt(start+patternOffset(raw)), o.ID, reason)
	}
	for _, v := range values {
		in := Indicator{Prefix: v, Comment: stixComment(o), Source: fmt.Sprintf("%s:%d", r.name, r.lineAt(start))}
		if err := r.set.add(in); err != nil {
			return r.errs.add(r.lineAt(start), o.ID, err.Error())
		}
	}
	return true
}

// values reads an indicator's pattern; a pattern about something other
// than IP addresses is skipped, one about IP addresses that cannot be
// matched faithfully is an error.
func (r *stixReader) values(o stixObject) ([]netip.Prefix, string) {
	if o.Revoked || (o.PatternType != "" && o.PatternType != "stix") {
		r.set.Skipped++
		return nil, ""
	}
	if o.Pattern == "" {
		return nil, "pattern: missing"
	}
	if len(o.Pattern) > MaxLineBytes {
		return nil, fmt.Sprintf("pattern: longer than %d bytes", MaxLineBytes)
	}
	values, err := parsePattern(o.Pattern)
	if err != nil && !mentionsIP(o.Pattern) {
		r.set.Skipped++
		return nil, ""
	}
	var ve valueError
	switch {
	case errors.As(err, &ve):
		return nil, "pattern: " + err.Error()
	case err != nil:
		return nil, "pattern: " + err.Error() + "; only ipv4-addr:value and ipv6-addr:value compared with = or ISSUBSET and joined by OR can be matched"
	}
	return values, ""
}

func mentionsIP(pattern string) bool {
	return strings.Contains(pattern, "ipv4-addr:value") || strings.Contains(pattern, "ipv6-addr:value")
}

// patternOffset is where the "pattern" key sits in an object, so that an
// error points at its line; 0 if not found. Inside JSON strings quotes
// are escaped, so "pattern" followed by a colon is the key.
func patternOffset(raw []byte) int {
	for off := 0; ; {
		i := bytes.Index(raw[off:], []byte(`"pattern"`))
		if i < 0 {
			return 0
		}
		off += i + len(`"pattern"`)
		if rest := bytes.TrimLeft(raw[off:], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
			return off - len(`"pattern"`)
		}
	}
}

func stixComment(o stixObject) string {
	switch {
	case o.Name != "" && o.Description != "" && o.Name != o.Description:
		return cleanComment(o.Name + ": " + o.Description)
	case o.Name != "":
		return cleanComment(o.Name)
	}
	return cleanComment(o.Description)
}
