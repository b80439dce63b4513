package docgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/flowtrail/flowtrail/internal/hunt"
)

// The default configuration the page shows must read back, as a
// hunt.yaml, to the defaults themselves.
func TestDefaultConfigRoundTrip(t *testing.T) {
	text, err := defaultConfigYAML()
	if err != nil {
		t.Fatal(err)
	}
	got, err := hunt.ParseConfig([]byte(text))
	if err != nil {
		t.Fatalf("the page's default config does not parse: %v\n%s", err, text)
	}
	a, _ := yaml.Marshal(got)
	b, _ := yaml.Marshal(hunt.DefaultConfig())
	if d := cmp.Diff(string(b), string(a)); d != "" {
		t.Errorf("default config read back differently (-want +got):\n%s", d)
	}
	if !strings.Contains(text, "baseline: 7d\n") || !strings.Contains(text, "admin_ports: [22, ") {
		t.Errorf("durations and port lists should read as a person writes them:\n%s", text)
	}
}

func TestAttackLink(t *testing.T) {
	for in, want := range map[string]string{
		"T1046":     "[T1046](https://attack.mitre.org/techniques/T1046/)",
		"T1110.001": "[T1110.001](https://attack.mitre.org/techniques/T1110/001/)",
		"":          "—",
	} {
		if got := attackLink(in); got != want {
			t.Errorf("attackLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFenceIndented(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Views:\n  flows  records\n  rejects  bad lines\nEvery row…", "Views:\n```\n  flows  records\n  rejects  bad lines\n```\nEvery row…"},
		{"A config:\n\n  baseline: 7d\n  rules:\n    - name: x\n\nMore.", "A config:\n\n```\n  baseline: 7d\n  rules:\n    - name: x\n```\n\nMore."},
		{"one line\n  continued, not a block", "one line\n  continued, not a block"},
		{"ends in a block:\n  a", "ends in a block:\n```\n  a\n```"},
	}
	for _, c := range cases {
		if got := fenceIndented(c.in); got != c.want {
			t.Errorf("fenceIndented(%q):\n%s\nwant:\n%s", c.in, got, c.want)
		}
	}
}

func TestDescribe_Success(t *testing.T) {
	for _, c := range []struct{ view, col, from string }{
		{"flows", "source_line", "the reader"},
		{"tgw_flows", "aws_region", "directory `aws-region=`"},
		{"vpcflow", "sourceaddress", "`flows.srcaddr`"},
		{"vpcflow", "dt", "partitions"},
		{"cloudtrail", "principal_arn", "`userIdentity.arn`, else `userIdentity.sessionContext.sessionIssuer.arn`"},
	} {
		d, ok := describe(c.view, c.col)
		if !ok || d.from != c.from || d.meaning == "" {
			t.Errorf("describe(%s, %s) = %+v, %v; want from %q", c.view, c.col, d, ok, c.from)
		}
	}
	if f, ok := catalogueField("flows_enriched", "tcp_flags"); !ok || f.Name != "tcp-flags" {
		t.Errorf("flows_enriched.tcp_flags should be the tcp-flags field, got %+v", f)
	}
}

func TestDescribe_Failure(t *testing.T) {
	for _, c := range []struct{ view, col string }{
		{"flows", "no_such_column"},
		{"vpcflow", "srcaddr"},       // vpcflow renames it
		{"rejects", "account_id"},    // not a column of rejects
		{"new_view", "whatever_col"}, // a view nobody described
	} {
		if d, ok := describe(c.view, c.col); ok {
			t.Errorf("describe(%s, %s) = %+v: want no description", c.view, c.col, d)
		}
	}
	if _, ok := catalogueField("cloudtrail", "region"); ok {
		t.Error("cloudtrail's columns are not flow-log fields")
	}
}

// A described column the engine no longer has, and a view it no longer
// has, are reported.
func TestStaleDescriptions(t *testing.T) {
	views := []view{{name: "rejects", cols: []column{{"source", "VARCHAR"}}}}
	got := strings.Join(staleDescriptions(views, nil), "\n")
	for _, want := range []string{
		"viewCols describes rejects.reason, which the engine does not have",
		"viewIntro describes view flows, which the engine does not have",
		"helperFunctions describes ip_in_cidr, which the engine does not have",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// A flow column whose type is not its field's, and a column nobody
// described, are reported.
func TestWriteView_Failure(t *testing.T) {
	var b bytes.Buffer
	v := view{name: "flows", cols: []column{{"srcaddr", "INTEGER"}, {"mystery", "VARCHAR"}}}
	problems := writeView(&b, v)
	want := []string{
		"view flows: column srcaddr is INTEGER, not VARCHAR as its field's STRING",
		"view flows: column mystery is not described",
	}
	if d := cmp.Diff(want, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}
