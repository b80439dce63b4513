package sgadvisor_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/flowtrail/flowtrail/internal/sgadvisor"
)

var update = flag.Bool("update", false, "rewrite the golden files from the actual output")

// hostile is a Name tag and a description an attacker controls: quotes,
// a line break, shell and template syntax.
const hostile = "web'\"2\n${file(\"/etc/passwd\")}%{if true}x%{endif}$(reboot)`id`; rm -rf /"

// exportReports are the small lake's report for web-2, and the same with
// hostile text where the evidence is free text.
func exportReports(t *testing.T) map[string]*sgadvisor.Report {
	t.Helper()
	rep := recommend(t, smallLake(t), sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindWorkload, ID: "web-2"}, InternetPeers: 2})
	bad := *rep
	bad.Workload = hostile
	bad.Diff.Keep = slices.Clone(rep.Diff.Keep)
	for i := range bad.Diff.Keep {
		bad.Diff.Keep[i].Description = hostile
	}
	bad.Diff.Add = append(slices.Clone(rep.Diff.Add), sgadvisor.DiffRule{Direction: "ingress", Protocol: "tcp", FromPort: 1, ToPort: 1, Peer: "sg-1; reboot"})
	return map[string]*sgadvisor.Report{"web-2": rep, "hostile": &bad}
}

func TestExport_Golden(t *testing.T) {
	for name, rep := range exportReports(t) {
		for _, format := range sgadvisor.Formats {
			var b bytes.Buffer
			if err := sgadvisor.Write(&b, format, []*sgadvisor.Report{rep}); err != nil {
				t.Fatalf("%s %s: %v", name, format, err)
			}
			golden(t, filepath.Join("testdata", name+"."+format+".golden"), b.Bytes())
			switch format {
			case "terraform":
				checkTerraform(t, name, b.Bytes())
			case "cloudformation":
				checkCloudFormation(t, name, b.Bytes())
			case "aws-cli":
				checkAWSCLI(t, name, b.Bytes())
			case "json":
				var back sgadvisor.Report
				if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Workload != rep.Workload || len(back.Ingress) != len(rep.Ingress) {
					t.Errorf("%s: the JSON does not read back: %v", name, err)
				}
			}
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output (go test -update rewrites it):\n%s", path, got)
	}
}

// checkTerraform parses the module as Terraform would and checks every
// block: the resources' arguments, import targets, and that hostile text
// is a plain string, not a template.
func checkTerraform(t *testing.T, name string, src []byte) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, name+".tf", hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		t.Fatalf("%s: terraform does not parse: %s", name, diags.Error())
	}
	declared := map[string]bool{}
	resources := 0
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		attrs := blk.Body.Attributes
		switch blk.Type {
		case "variable":
			declared[blk.Labels[0]] = true
			if v, d := attrs["description"].Expr.Value(nil); d.HasErrors() || (name == "hostile" && v.AsString() != "The security group that gets the rules recommended for "+hostile) {
				t.Errorf("%s: the variable's description is not the plain text: %v %s", name, v, d.Error())
			}
		case "resource":
			resources++
			checkTFResource(t, name, blk, declared)
		case "import":
			if _, ok := attrs["to"]; !ok || attrs["id"] == nil {
				t.Errorf("%s: import block without to or id", name)
			}
		default:
			t.Errorf("%s: unexpected block %q", name, blk.Type)
		}
	}
	if resources == 0 {
		t.Errorf("%s: no resource", name)
	}
}

func checkTFResource(t *testing.T, name string, blk *hclsyntax.Block, declared map[string]bool) {
	t.Helper()
	if len(blk.Labels) != 2 || (blk.Labels[0] != "aws_vpc_security_group_ingress_rule" && blk.Labels[0] != "aws_vpc_security_group_egress_rule") {
		t.Errorf("%s: resource %v", name, blk.Labels)
		return
	}
	attrs := blk.Body.Attributes
	peers := 0
	for _, k := range []string{"cidr_ipv4", "cidr_ipv6", "referenced_security_group_id"} {
		if attrs[k] != nil {
			peers++
		}
	}
	if peers != 1 || attrs["ip_protocol"] == nil || attrs["security_group_id"] == nil {
		t.Errorf("%s: resource %s: %d peers, protocol %v", name, blk.Labels[1], peers, attrs["ip_protocol"] != nil)
	}
	if tr, ok := attrs["security_group_id"].Expr.(*hclsyntax.ScopeTraversalExpr); ok && !declared[tr.Traversal.SimpleSplit().Rel[0].(hcl.TraverseAttr).Name] {
		t.Errorf("%s: resource %s uses an undeclared variable", name, blk.Labels[1])
	}
	for k, a := range attrs {
		if k == "security_group_id" {
			continue
		}
		if _, d := a.Expr.Value(nil); d.HasErrors() {
			t.Errorf("%s: %s.%s is not a constant (a template or reference slipped in): %s", name, blk.Labels[1], k, d.Error())
		}
	}
}

// checkCloudFormation reads the template strictly and checks each
// resource's type and properties.
func checkCloudFormation(t *testing.T, name string, src []byte) {
	t.Helper()
	var tpl struct {
		AWSTemplateFormatVersion string
		Description              string
		Parameters               map[string]struct{ Type, Description, Default string }
		Resources                map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tpl); err != nil {
		t.Fatalf("%s: the template does not read: %v", name, err)
	}
	logical := regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)
	if tpl.AWSTemplateFormatVersion != "2010-09-09" || len(tpl.Resources) == 0 || len(tpl.Description) > 1024 {
		t.Errorf("%s: template header %q, %d resources, description %d long", name, tpl.AWSTemplateFormatVersion, len(tpl.Resources), len(tpl.Description))
	}
	for id, r := range tpl.Resources {
		if !logical.MatchString(id) {
			t.Errorf("%s: logical ID %q", name, id)
		}
		p := r.Properties
		switch r.Type {
		case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
		default:
			t.Errorf("%s: %s has type %s", name, id, r.Type)
			continue
		}
		ref, _ := p["GroupId"].(map[string]any)
		if _, ok := tpl.Parameters[ref["Ref"].(string)]; !ok {
			t.Errorf("%s: %s refers to no parameter: %v", name, id, p["GroupId"])
		}
		peers := 0
		for _, k := range []string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId"} {
			if _, ok := p[k]; ok {
				peers++
			}
		}
		if proto := p["IpProtocol"]; peers != 1 || (proto == "tcp" && (p["FromPort"] == nil || p["ToPort"] == nil)) {
			t.Errorf("%s: %s: %d peers, %v", name, id, peers, p)
		}
	}
}

// checkAWSCLI checks the script with sh -n, that every command line is
// an aws ec2 call (nothing from the evidence escapes a comment or a
// quote), and reads each --ip-permissions strictly as the EC2 shape.
func checkAWSCLI(t *testing.T, name string, src []byte) {
	t.Helper()
	if sh, err := exec.LookPath("sh"); err == nil {
		cmd := exec.Command(sh, "-n")
		cmd.Stdin = bytes.NewReader(src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: sh -n: %v %s", name, err, out)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	authorized := 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#") || line == "set -eu" || strings.HasPrefix(line, `: "${GROUP_ID:?`):
		case strings.HasPrefix(line, "aws ec2 authorize-security-group-"):
			authorized++
			_, arg, ok := strings.Cut(line, " --ip-permissions '")
			if !ok || !strings.HasSuffix(arg, "'") {
				t.Errorf("%s: %s", name, line)
				continue
			}
			arg = strings.ReplaceAll(strings.TrimSuffix(arg, "'"), `'\''`, "'")
			var ps []sgadvisor.IPPermission
			dec := json.NewDecoder(strings.NewReader(arg))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ps); err != nil || len(ps) == 0 {
				t.Errorf("%s: --ip-permissions does not read: %v", name, err)
			}
			for _, p := range ps {
				if len(p.IPRanges)+len(p.IPv6Ranges)+len(p.UserIDGroupPairs) == 0 || (p.IPProtocol == "tcp" && (p.FromPort == nil || *p.FromPort > *p.ToPort)) {
					t.Errorf("%s: permission %+v", name, p)
				}
			}
		default:
			t.Errorf("%s: a line that is neither a comment nor an aws call: %q", name, line)
		}
	}
	if authorized == 0 {
		t.Errorf("%s: nothing authorized", name)
	}
}
