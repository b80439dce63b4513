// Package ioc reads network indicator lists — plain text, CSV (the AWS
// incident-response playbook's threat_ip,threat_comment and the like) and
// STIX 2.1 bundles — and matches them against the lake's flow records.
package ioc

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what an indicator list may hold: lists come from outside and
// are treated as hostile.
const (
	MaxLineBytes    = 64 << 10  // a line of a text or CSV list
	MaxFileBytes    = 256 << 20 // a STIX bundle, read whole
	MaxIndicators   = 5_000_000 // across all lists of one Set
	MaxCommentBytes = 1024      // longer comments are cut
	maxErrors       = 20        // errors reported per list before giving up
)

// Shortest prefixes accepted: wider ones match a large part of the
// address space and are almost certainly a mistake in the list.
const (
	minBits4 = 8
	minBits6 = 16
)

// Indicator is one network indicator: a prefix and what its list said
// about it.
type Indicator struct {
	Prefix  netip.Prefix // masked; a single address is a /32 or /128
	Comment string
	Source  string // file:line where it was first listed
}

// String is the indicator as listed: the address for a single host, the
// CIDR otherwise.
func (i Indicator) String() string {
	if i.Prefix.IsSingleIP() {
		return i.Prefix.Addr().String()
	}
	return i.Prefix.String()
}

// Set collects indicators from any number of lists without duplicates:
// a prefix listed again keeps its first place and gains the new comment.
type Set struct {
	list    []Indicator
	index   map[netip.Prefix]int
	Dups    int // entries that repeated a prefix already in the set
	Skipped int // STIX indicators that are not about IP addresses
}

// Indicators returns the set in the order first listed.
func (s *Set) Indicators() []Indicator { return s.list }

// Len is the number of distinct indicators.
func (s *Set) Len() int { return len(s.list) }

func (s *Set) add(in Indicator) error {
	if s.index == nil {
		s.index = map[netip.Prefix]int{}
	}
	if i, ok := s.index[in.Prefix]; ok {
		s.Dups++
		s.list[i].Comment = mergeComment(s.list[i].Comment, in.Comment)
		return nil
	}
	if len(s.list) >= MaxIndicators {
		return fmt.Errorf("more than %d indicators", MaxIndicators)
	}
	s.index[in.Prefix] = len(s.list)
	s.list = append(s.list, in)
	return nil
}

func mergeComment(old, add string) string {
	if add == "" {
		return old
	}
	if old == "" {
		return add
	}
	for _, c := range strings.Split(old, "; ") {
		if c == add {
			return old
		}
	}
	return cleanComment(old + "; " + add)
}

// ParsePrefix reads one indicator value: an IPv4 or IPv6 address or
// CIDR. IPv4-mapped IPv6 values become IPv4.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, fmt.Errorf("%q: zoned addresses are not indicators", s)
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR: %q", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR: %q", s)
	}
	return checkPrefix(s, unmapPrefix(p))
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
}

func checkPrefix(s string, p netip.Prefix) (netip.Prefix, error) {
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (the network is %s)", s, m)
	}
	min := minBits4
	if p.Addr().Is6() {
		min = minBits6
	}
	if p.Bits() < min {
		return netip.Prefix{}, fmt.Errorf("%q is wider than /%d: it would match too much to be meant", s, min)
	}
	return p, nil
}

// cleanComment makes list text safe to print: valid UTF-8, no control
// characters (a hostile list could carry terminal escapes), one line,
// at most MaxCommentBytes.
func cleanComment(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= MaxCommentBytes {
		return s
	}
	cut := MaxCommentBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
