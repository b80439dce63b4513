package ioc

import (
	"fmt"
	"net/netip"
	"strings"
)

// parsePattern reads the subset of the STIX 2.1 patterning language that
// names IP addresses and nothing else:
//
//	pattern     = observation { "OR" observation }
//	observation = "[" comparisons "]" | "(" pattern ")"
//	comparisons = term { "OR" term }
//	term        = comparison | "(" comparisons ")"
//	comparison  = ("ipv4-addr:value" | "ipv6-addr:value") ("=" | "ISSUBSET") 'value'
//
// AND, other object paths and qualifiers would make the address only
// part of what is meant, so they are errors.
func parsePattern(s string) ([]netip.Prefix, error) {
	p := &patternParser{s: s}
	if err := p.observations(); err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %s", t)
	}
	return p.values, nil
}

// valueError is a pattern that parses but holds a bad address.
type valueError struct{ error }

type tokKind int

const (
	tokEOF tokKind = iota
	tokPunct
	tokWord
	tokOp
	tokString
	tokBad
)

type token struct {
	kind tokKind
	text string
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of pattern"
	case tokString:
		return "'" + t.text + "'"
	}
	return fmt.Sprintf("%q", t.text)
}

type patternParser struct {
	s      string
	pos    int
	values []netip.Prefix
}

func (p *patternParser) observations() error {
	for {
		if err := p.observation(); err != nil {
			return err
		}
		if !p.accept(tokWord, "OR") {
			return nil
		}
	}
}

func (p *patternParser) observation() error {
	switch t := p.next(); {
	case t.kind == tokPunct && t.text == "[":
		if err := p.comparisons(); err != nil {
			return err
		}
		return p.expect("]")
	case t.kind == tokPunct && t.text == "(":
		if err := p.observations(); err != nil {
			return err
		}
		return p.expect(")")
	default:
		return fmt.Errorf("expected [ but found %s", t)
	}
}

func (p *patternParser) comparisons() error {
	for {
		if err := p.term(); err != nil {
			return err
		}
		if !p.accept(tokWord, "OR") {
			return nil
		}
	}
}

func (p *patternParser) term() error {
	if !p.accept(tokPunct, "(") {
		return p.comparison()
	}
	if err := p.comparisons(); err != nil {
		return err
	}
	return p.expect(")")
}

func (p *patternParser) comparison() error {
	path := p.next()
	family := map[string]int{"ipv4-addr:value": 4, "ipv6-addr:value": 6}[path.text]
	if path.kind != tokWord || family == 0 {
		return fmt.Errorf("cannot match a comparison of %s", path)
	}
	if op := p.next(); op.text != "=" && op.text != "ISSUBSET" {
		return fmt.Errorf("cannot match the operator %s", op)
	}
	v := p.next()
	if v.kind != tokString {
		return fmt.Errorf("expected a quoted value but found %s", v)
	}
	pfx, err := ParsePrefix(strings.TrimSpace(v.text))
	if err != nil {
		return valueError{err}
	}
	if (family == 4) != pfx.Addr().Is4() {
		return valueError{fmt.Errorf("%s holds %q, an address of the other family", path.text, v.text)}
	}
	p.values = append(p.values, pfx)
	return nil
}

func (p *patternParser) expect(punct string) error {
	if t := p.next(); t.kind != tokPunct || t.text != punct {
		return fmt.Errorf("expected %s but found %s", punct, t)
	}
	return nil
}

// accept consumes the next token if it is kind and text.
func (p *patternParser) accept(kind tokKind, text string) bool {
	save := p.pos
	if t := p.next(); t.kind == kind && t.text == text {
		return true
	}
	p.pos = save
	return false
}

func (p *patternParser) next() token {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
	if p.pos == len(p.s) {
		return token{kind: tokEOF}
	}
	c := p.s[p.pos]
	switch {
	case strings.IndexByte("[]()", c) >= 0:
		p.pos++
		return token{kind: tokPunct, text: string(c)}
	case c == '\'':
		return p.quoted()
	case strings.IndexByte("=!<>", c) >= 0:
		return token{kind: tokOp, text: p.run(func(c byte) bool { return strings.IndexByte("=!<>", c) >= 0 })}
	case isWordByte(c):
		return token{kind: tokWord, text: p.run(isWordByte)}
	}
	p.pos++
	return token{kind: tokBad, text: string(c)}
}

func (p *patternParser) run(in func(byte) bool) string {
	start := p.pos
	for p.pos < len(p.s) && in(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_:.*", c) >= 0
}

// quoted reads a STIX string literal: backslash escapes \' and \\.
func (p *patternParser) quoted() token {
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '\\' && i+1 < len(p.s):
			i++
			b.WriteByte(p.s[i])
		case c == '\'':
			p.pos = i + 1
			return token{kind: tokString, text: b.String()}
		default:
			b.WriteByte(c)
		}
	}
	p.pos = len(p.s)
	return token{kind: tokBad, text: "unterminated string"}
}
