package ioc_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/ioc"
)

// listed renders a set as "indicator # comment" lines.
func listed(s *ioc.Set) []string {
	var out []string
	for _, in := range s.Indicators() {
		line := in.String()
		if in.Comment != "" {
			line += " # " + in.Comment
		}
		out = append(out, line)
	}
	return out
}

func TestParse_Success(t *testing.T) {
	type list struct{ name, text string }
	f := func(t *testing.T, lists []list, want []string, dups, skipped int) {
		t.Helper()
		var s ioc.Set
		for _, l := range lists {
			if err := ioc.Parse(l.name, strings.NewReader(l.text), &s); err != nil {
				t.Fatalf("Parse(%s): %v", l.name, err)
			}
		}
		if got := listed(&s); !reflect.DeepEqual(got, want) {
			t.Errorf("indicators:\n got %q\nwant %q", got, want)
		}
		if s.Dups != dups || s.Skipped != skipped {
			t.Errorf("dups, skipped = %d, %d; want %d, %d", s.Dups, s.Skipped, dups, skipped)
		}
		// Round trip: the set written as a text list reads back the same.
		var again ioc.Set
		if err := ioc.Parse("again.txt", strings.NewReader(strings.Join(listed(&s), "\n")), &again); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if got := listed(&again); !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %q\nwant %q", got, want)
		}
	}
	file := func(name string) list {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return list{name, string(b)}
	}

	t.Run("text", func(t *testing.T) {
		f(t, []list{file("list.txt")}, []string{
			"198.51.100.7",
			"203.0.113.0/24 # C2 range",
			"2001:db8:bad::/48 # IPv6 block",
			"2001:db8:cafe::1",
			"192.0.2.9 # IPv4-mapped, read as IPv4",
		}, 0, 0)
	})
	t.Run("text with CRLF and a byte-order mark", func(t *testing.T) {
		f(t, []list{{"crlf.txt", "\ufeff198.51.100.7 # one\r\n\r\n2001:db8::/32\r\n"}},
			[]string{"198.51.100.7 # one", "2001:db8::/32"}, 0, 0)
	})
	t.Run("playbook CSV with quotes", func(t *testing.T) {
		f(t, []list{file("playbook.csv")}, []string{
			`198.51.100.7 # Known C2, reported by "partner" CERT; seen again in the feed`,
			"203.0.113.0/24 # scanner range",
			"2001:db8:bad::/48 # IPv6 block spanning two lines",
		}, 1, 0)
	})
	t.Run("CSV naming its columns otherwise", func(t *testing.T) {
		f(t, []list{{"feed.csv", "Description,Type,Indicator\n\"bad, very\",ipv4,198.51.100.7\nscanner,cidr,2001:db8::/32\n"}},
			[]string{"198.51.100.7 # bad, very", "2001:db8::/32 # scanner"}, 0, 0)
	})
	t.Run("CSV without a header", func(t *testing.T) {
		f(t, []list{{"feed.txt", "# exported\n198.51.100.7,c2\n203.0.113.9\n"}},
			[]string{"198.51.100.7 # c2", "203.0.113.9"}, 0, 0)
	})
	t.Run("one-column CSV told by its extension", func(t *testing.T) {
		f(t, []list{{"ips.csv", "ip\n198.51.100.7\n\n2001:db8::1\n"}}, []string{"198.51.100.7", "2001:db8::1"}, 0, 0)
	})
	t.Run("STIX bundle", func(t *testing.T) {
		f(t, []list{file("bundle.json")}, []string{
			"198.51.100.7 # C2 servers: Command and control for the 'Lantern' campaign",
			"198.51.100.8 # C2 servers: Command and control for the 'Lantern' campaign",
			"2001:db8:bad::/48 # Scanner network",
			"203.0.113.0/24 # Exfiltration endpoints, both families",
			"2001:db8:cafe::1 # Exfiltration endpoints, both families",
			"2001:db8:cafe::2 # Exfiltration endpoints, both families",
		}, 0, 3)
	})
	t.Run("duplicates across forms and lists", func(t *testing.T) {
		f(t, []list{
			{"a.txt", "198.51.100.7 # a\n198.51.100.7/32 # b\n::ffff:198.51.100.7 # a\n"},
			{"b.csv", "threat_ip,threat_comment\n198.51.100.7,c\n2001:db8::1/128,\n"},
			{"c.txt", "2001:0db8:0:0::1\n"},
		}, []string{"198.51.100.7 # a; b; c", "2001:db8::1"}, 4, 0)
	})
	t.Run("hostile comments are made printable", func(t *testing.T) {
		f(t, []list{{"x.txt", "198.51.100.7 # \x1b[31mred\x1b[0m \xff end\n"}},
			[]string{"198.51.100.7 # [31mred [0m \ufffd end"}, 0, 0)
	})
}

func TestParse_Source(t *testing.T) {
	s, err := ioc.ReadFiles([]string{"testdata/list.txt", "testdata/bundle.json"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range s.Indicators() {
		got = append(got, in.String()+" "+in.Source)
	}
	want := []string{
		"198.51.100.7 testdata/list.txt:4",
		"203.0.113.0/24 testdata/list.txt:5",
		"2001:db8:bad::/48 testdata/list.txt:6",
		"2001:db8:cafe::1 testdata/list.txt:7",
		"192.0.2.9 testdata/list.txt:8",
		"198.51.100.8 testdata/bundle.json:12",
		"2001:db8:cafe::2 testdata/bundle.json:34",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sources:\n got %q\nwant %q", got, want)
	}
}

// TestParse_Failure lists bad inputs with the exact errors each must
// produce.
func TestParse_Failure(t *testing.T) {
	f := func(t *testing.T, name string, want ...string) {
		t.Helper()
		var s ioc.Set
		err := ioc.ReadFile(filepath.Join("testdata", "bad", name), &s)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
		var e *ioc.Error
		if !errors.As(err, &e) || e.File == "" {
			t.Errorf("%s: error %T is not an *ioc.Error", name, err)
		}
	}
	const p = "testdata/bad/"
	const only = "; only ipv4-addr:value and ipv6-addr:value compared with = or ISSUBSET and joined by OR can be matched"
	f(t, "invalid-address.txt",
		p+`invalid-address.txt:2: not an IP address or CIDR: "300.1.1.1"`,
		p+`invalid-address.txt:3: "10.0.0.1/24" has host bits set (the network is 10.0.0.0/24)`,
		p+`invalid-address.txt:4: "0.0.0.0/0" is wider than /8: it would match too much to be meant`,
		p+`invalid-address.txt:5: "2000::/3" is wider than /16: it would match too much to be meant`,
		p+`invalid-address.txt:6: "fe80::1%eth0": zoned addresses are not indicators`,
		p+`invalid-address.txt:7: unexpected text after the indicator: "198.51.100.8 evil host"`)
	f(t, "bare-quote.csv", p+`bare-quote.csv:3: bare " in non-quoted-field`)
	f(t, "no-indicator-column.csv", p+`no-indicator-column.csv:1: the header names no indicator column (threat_ip, ip, indicator, cidr, …)`)
	f(t, "values.csv",
		p+`values.csv:2: threat_ip: not an IP address or CIDR: "999.1.1.1"`,
		p+`values.csv:3: threat_ip: no indicator`)
	f(t, "not-bundle.json", p+`not-bundle.json:1: type: not a STIX bundle: type is "indicator", want "bundle"`)
	f(t, "syntax.json", p+`syntax.json:4: invalid JSON: invalid character '}' looking for beginning of object key string`)
	f(t, "patterns.json",
		p+`patterns.json:8: indicator--and: pattern: expected ] but found "AND"`+only,
		p+`patterns.json:13: indicator--family: pattern: ipv4-addr:value holds "2001:db8::1", an address of the other family`,
		p+`patterns.json:18: indicator--address: pattern: not an IP address or CIDR: "198.51.100.999"`,
		p+`patterns.json:23: indicator--qualifier: pattern: unexpected "WITHIN"`+only,
		p+`patterns.json:28: indicator--mixed: pattern: cannot match a comparison of "domain-name:value"`+only,
		p+`patterns.json:33: indicator--unterminated: pattern: expected a quoted value but found "unterminated string"`+only,
		p+`patterns.json:35: indicator--nopattern: pattern: missing`)
}

func TestParse_Limits(t *testing.T) {
	f := func(t *testing.T, name, text string, want ...string) {
		t.Helper()
		var s ioc.Set
		err := ioc.Parse(name, strings.NewReader(text), &s)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	long := strings.Repeat("1", ioc.MaxLineBytes+1)
	f(t, "long.txt", "198.51.100.7\n"+long+"\n", "long.txt:2: line longer than 65536 bytes")
	f(t, "long.csv", "threat_ip,threat_comment\n198.51.100.7,"+long+"\n", "long.csv:2: line longer than 65536 bytes")
	var many []string
	want := []string{}
	for i := 1; i <= 25; i++ {
		many = append(many, fmt.Sprintf("bad%d", i))
		if i <= 20 {
			want = append(want, fmt.Sprintf(`many.txt:%d: not an IP address or CIDR: "bad%d"`, i, i))
		}
	}
	want = append(want, "many.txt:21: too many errors, stopped reading")
	f(t, "many.txt", strings.Join(many, "\n"), want...)
	if _, err := ioc.ReadFiles([]string{"testdata/bad/none.txt"}); err == nil || !strings.Contains(err.Error(), "cannot read indicators") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadFiles_NoIndicators(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "domains.json")
	bundle := `{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1", "pattern": "[domain-name:value = 'evil.example']"}]}`
	if err := os.WriteFile(path, []byte(bundle), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ioc.ReadFiles([]string{path})
	if err == nil || err.Error() != "no IP indicators in "+path {
		t.Errorf("err = %v", err)
	}
}
