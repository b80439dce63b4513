package ioc

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Error is a problem at one place in an indicator list.
type Error struct {
	File   string
	Line   int    // 1-based; 0 when the problem is the whole file
	Field  string // the CSV column or STIX property, if any
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// errorList gathers a list's errors so that one run reports them all, up
// to maxErrors.
type errorList struct {
	file string
	errs []error
}

// add records an error; it reports false once there are too many to go on.
func (l *errorList) add(line int, field, reason string) bool {
	if len(l.errs) == maxErrors {
		l.errs = append(l.errs, &Error{File: l.file, Line: line, Reason: "too many errors, stopped reading"})
	}
	if len(l.errs) > maxErrors {
		return false
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Field: field, Reason: reason})
	return true
}

func (l *errorList) err() error { return errors.Join(l.errs...) }

// ReadFiles reads indicator lists into one Set. It fails on the first
// list with errors, and when the lists hold no IP indicator at all.
func ReadFiles(paths []string) (*Set, error) {
	s := &Set{}
	for _, p := range paths {
		if err := ReadFile(p, s); err != nil {
			return nil, err
		}
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("no IP indicators in %s", strings.Join(paths, ", "))
	}
	return s, nil
}

// ReadFile adds the indicators of the list at path to s. The format is
// told by the content (a JSON object is a STIX bundle; a first entry with
// a comma is CSV; else plain text), or by a .csv or .json extension.
func ReadFile(path string, s *Set) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read indicators: %w", err)
	}
	defer f.Close()
	return Parse(path, f, s)
}

// Parse adds the indicators read from r, named name in errors, to s. On
// error s may hold part of the list.
func Parse(name string, r io.Reader, s *Set) error {
	g := &guard{r: r, file: name}
	br := bufio.NewReaderSize(g, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	switch detect(name, br) {
	case formatSTIX:
		return parseSTIX(name, br, s)
	case formatCSV:
		g.lineLimit = true
		return parseCSV(name, br, s)
	}
	g.lineLimit = true
	return parseText(name, br, s)
}

type format int

const (
	formatText format = iota
	formatCSV
	formatSTIX
)

// detect peeks at the start of the list.
func detect(name string, br *bufio.Reader) format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return formatCSV
	case ".json":
		return formatSTIX
	}
	head, _ := br.Peek(br.Size())
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return formatSTIX
	}
	for _, line := range bytes.Split(head, []byte("\n")) {
		if i := bytes.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		if bytes.IndexByte(line, ',') >= 0 {
			return formatCSV
		}
		return formatText
	}
	return formatText
}

// guard bounds a list: its size, and (for line formats) each line's.
// Lines are counted from the start, before the format is known, since
// detect has already read ahead when lineLimit is set.
type guard struct {
	r         io.Reader
	file      string
	lineLimit bool
	line, run int
	total     int64
}

func (g *guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.total += int64(n)
	if g.total > MaxFileBytes {
		return 0, &Error{File: g.file, Reason: fmt.Sprintf("larger than %d MiB", MaxFileBytes>>20)}
	}
	for i, b := range p[:n] {
		if b == '\n' {
			g.line++
			g.run = 0
			continue
		}
		if g.run++; g.lineLimit && g.run > MaxLineBytes {
			return i, &Error{File: g.file, Line: g.line + 1, Reason: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
	}
	return n, err
}

// parseText reads one indicator per line, with an optional comment after
// # or ; (as Spamhaus DROP writes it).
func parseText(name string, r io.Reader, s *Set) error {
	br := bufio.NewReaderSize(r, 64<<10)
	el := &errorList{file: name}
	for line := 1; ; line++ {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			el.errs = append(el.errs, readError(name, err))
			break
		}
		value, comment := splitTextLine(text)
		if value != "" {
			if reason := addValue(s, value, comment, name, line); reason != "" && !el.add(line, "", reason) {
				break
			}
		}
		if err == io.EOF {
			break
		}
	}
	return el.err()
}

func splitTextLine(line string) (value, comment string) {
	if i := strings.IndexAny(line, "#;"); i >= 0 {
		line, comment = line[:i], line[i+1:]
	}
	return strings.TrimSpace(line), strings.TrimSpace(comment)
}

// addValue parses value and adds it to s; it returns the reason it could
// not.
func addValue(s *Set, value, comment, file string, line int) string {
	if strings.ContainsAny(value, " \t") {
		return fmt.Sprintf("unexpected text after the indicator: %q", value)
	}
	p, err := ParsePrefix(value)
	if err != nil {
		return err.Error()
	}
	in := Indicator{Prefix: p, Comment: cleanComment(comment), Source: fmt.Sprintf("%s:%d", file, line)}
	if err := s.add(in); err != nil {
		return err.Error()
	}
	return ""
}

func readError(name string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{File: name, Reason: "cannot read: " + err.Error()}
}

// CSV column names, compared lower-case with spaces and dashes as
// underscores. The first column that matches wins.
var (
	ipColumns = []string{"threat_ip", "ip", "ip_address", "ipaddress", "ip_addr", "ipaddr", "address", "addr",
		"indicator", "ioc", "value", "cidr", "network", "netblock", "ipv4", "ipv6", "observable"}
	commentColumns = []string{"threat_comment", "comment", "comments", "description", "desc", "note", "notes",
		"reason", "name", "title", "label", "details", "context", "threat", "tags"}
)

// csvColumns says where a CSV list keeps its values.
type csvColumns struct {
	ip, comment int    // comment -1: none
	ipName      string // for errors; "" without a header
}

// parseCSV reads a CSV list with or without a header.
func parseCSV(name string, r io.Reader, s *Set) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	el := &errorList{file: name}
	var cols *csvColumns
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			el.errs = append(el.errs, csvError(name, err))
			break
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if cols == nil {
			var header bool
			if cols, header, err = csvHeader(rec); err != nil {
				el.add(line, "", err.Error())
				break
			}
			if header {
				continue
			}
		}
		if reason := addCSVRecord(s, rec, cols, name, line); reason != "" && !el.add(line, cols.ipName, reason) {
			break
		}
	}
	return el.err()
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: pe.Line, Reason: pe.Err.Error()}
	}
	return readError(name, err)
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvHeader decides whether the first record is a header: it is unless
// one of its fields is an indicator.
func csvHeader(rec []string) (*csvColumns, bool, error) {
	for i, f := range rec {
		if _, err := ParsePrefix(strings.TrimSpace(f)); err == nil {
			return headerless(i, len(rec)), false, nil
		}
	}
	names := make([]string, len(rec))
	for i, f := range rec {
		names[i] = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(f)))
	}
	ip := findColumn(names, ipColumns)
	if ip < 0 {
		return nil, true, fmt.Errorf("the header names no indicator column (threat_ip, ip, indicator, cidr, …)")
	}
	return &csvColumns{ip: ip, comment: findColumn(names, commentColumns), ipName: names[ip]}, true, nil
}

// headerless takes the indicator from column ip and the comment from the
// first other column.
func headerless(ip, width int) *csvColumns {
	c := &csvColumns{ip: ip, comment: -1}
	switch {
	case ip > 0:
		c.comment = 0
	case width > 1:
		c.comment = 1
	}
	return c
}

func findColumn(names, want []string) int {
	for i, n := range names {
		for _, w := range want {
			if n == w {
				return i
			}
		}
	}
	return -1
}

func addCSVRecord(s *Set, rec []string, cols *csvColumns, file string, line int) string {
	if cols.ip >= len(rec) || strings.TrimSpace(rec[cols.ip]) == "" {
		return "no indicator"
	}
	comment := ""
	if cols.comment >= 0 && cols.comment < len(rec) {
		comment = rec[cols.comment]
	}
	return addValue(s, strings.TrimSpace(rec[cols.ip]), comment, file, line)
}
