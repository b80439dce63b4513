package named

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// SpecError is a query file that does not say what it must.
type SpecError struct {
	File   string
	Line   int
	Field  string
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Reason)
}

// load reads every queries/*.sql file of fsys, sorted by source, then
// name: AWS's Athena queries before the playbook's.
func load(fsys fs.FS) ([]*Query, error) {
	paths, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, fmt.Errorf("cannot list named queries: %w", err)
	}
	var out []*Query
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", p, err)
		}
		q, err := parse(p, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b *Query) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// spec is a query file being read.
type spec struct {
	file   string
	q      *Query
	fields map[string]*string
	last   *string // the field a continuation line extends
}

var (
	fieldRE = regexp.MustCompile(`^-- ([a-z]+): (.*)$`)
	identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// parse reads one query file: the header of "-- field: value" lines, then
// the SQL.
func parse(file, text string) (*Query, error) {
	s := &spec{file: file, q: &Query{}}
	s.fields = map[string]*string{"name": &s.q.Name, "source": &s.q.Source, "description": &s.q.Description}
	lines := strings.Split(text, "\n")
	n := 0
	for ; n < len(lines) && strings.HasPrefix(lines[n], "--"); n++ {
		if err := s.headerLine(n+1, lines[n]); err != nil {
			return nil, err
		}
	}
	if err := s.complete(); err != nil {
		return nil, err
	}
	s.q.SQL = strings.TrimSpace(strings.Join(lines[n:], "\n"))
	if s.q.SQL == "" {
		return nil, s.errorf(n+1, "sql", "empty")
	}
	return s.q, s.checkRefs(n + 1)
}

func (s *spec) errorf(line int, field, format string, a ...any) error {
	return &SpecError{File: s.file, Line: line, Field: field, Reason: fmt.Sprintf(format, a...)}
}

func (s *spec) headerLine(n int, line string) error {
	if rest, ok := strings.CutPrefix(line, "--  "); ok {
		if s.last == nil {
			return s.errorf(n, "header", "a continuation line with no field before it")
		}
		*s.last += " " + strings.TrimSpace(rest)
		return nil
	}
	m := fieldRE.FindStringSubmatch(line)
	if m == nil {
		return s.errorf(n, "header", `want "-- field: value" or an indented continuation`)
	}
	if m[1] == "param" {
		s.last = nil
		return s.param(n, m[2])
	}
	dst, ok := s.fields[m[1]]
	switch {
	case !ok:
		return s.errorf(n, m[1], "unknown field (name, source, description, param)")
	case *dst != "":
		return s.errorf(n, m[1], "given twice")
	}
	*dst, s.last = strings.TrimSpace(m[2]), dst
	return nil
}

// param reads "NAME KIND DEFAULT HELP".
func (s *spec) param(n int, v string) error {
	f := strings.Fields(v)
	if len(f) < 4 {
		return s.errorf(n, "param", "want NAME KIND DEFAULT HELP, got %q", v)
	}
	p := Param{Name: f[0], Help: strings.Join(f[3:], " ")}
	kind, ok := kindNames[f[1]]
	switch {
	case !identRE.MatchString(p.Name):
		return s.errorf(n, "param", "%q is not a lower-case identifier", p.Name)
	case p.Name == "since" || p.Name == "until":
		return s.errorf(n, "param", "%s is the time window, not a parameter", p.Name)
	case slices.ContainsFunc(s.q.Params, func(o Param) bool { return o.Name == p.Name }):
		return s.errorf(n, "param", "%s declared twice", p.Name)
	case !ok:
		return s.errorf(n, "param", "%s: unknown kind %q (addr, port, int)", p.Name, f[1])
	}
	p.Kind = kind
	if err := p.setDefault(f[2]); err != nil {
		return s.errorf(n, "param", "%s: default %q: %v", p.Name, f[2], err)
	}
	s.q.Params = append(s.q.Params, p)
	return nil
}

func (p *Param) setDefault(d string) error {
	switch d {
	case "required":
		p.Required = true
	case "optional":
	default:
		if _, err := p.Kind.parse(d); err != nil {
			return err
		}
		p.Default = d
	}
	return nil
}

func (s *spec) complete() error {
	for _, f := range []string{"name", "source", "description"} {
		if *s.fields[f] == "" {
			return s.errorf(1, f, "missing")
		}
	}
	if want := strings.TrimSuffix(path.Base(s.file), ".sql"); s.q.Name != want {
		return s.errorf(1, "name", "%q does not match the file name %s.sql", s.q.Name, want)
	}
	return nil
}

// checkRefs makes the SQL and the parameters agree: every $name is a
// parameter or the window, every parameter is used, and the window is.
func (s *spec) checkRefs(firstLine int) error {
	used := map[string]bool{}
	for _, r := range refs(s.q.SQL) {
		declared := slices.ContainsFunc(s.q.Params, func(p Param) bool { return p.Name == r.name })
		if !declared && r.name != "since" && r.name != "until" {
			return s.errorf(firstLine+r.line, "sql", "$%s is not a declared parameter", r.name)
		}
		used[r.name] = true
	}
	for _, name := range []string{"since", "until"} {
		if !used[name] {
			return s.errorf(firstLine, "sql", "never uses $%s: every named query honours the time window", name)
		}
	}
	for _, p := range s.q.Params {
		if !used[p.Name] {
			return s.errorf(firstLine, "param", "%s is declared but the SQL never uses $%s", p.Name, p.Name)
		}
	}
	return nil
}

// ref is a $name in SQL, on a line counted from 0.
type ref struct {
	name string
	line int
}

// refs finds the $name placeholders of sql outside string literals,
// quoted identifiers and -- comments.
func refs(sql string) []ref {
	var out []ref
	line, quote, comment := 0, byte(0), false
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\n':
			line, comment = line+1, false
		case comment:
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case strings.HasPrefix(sql[i:], "--"):
			comment = true
		case c == '$':
			name := placeholder(sql[i+1:])
			if name != "" {
				out = append(out, ref{name: name, line: line})
			}
			i += len(name)
		}
	}
	return out
}

// placeholder is the identifier s starts with, if any.
func placeholder(s string) string {
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n]
}
