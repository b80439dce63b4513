package sgadvisor

import (
	"fmt"
	"io"
	"strings"
)

// The Terraform export is the whole recommended rule set of each report
// as aws_vpc_security_group_ingress_rule / _egress_rule resources (one
// peer each, as those resources take), on a variable holding the target
// group. Rules a current rule already is are adopted with import blocks
// (Terraform 1.5+) where the evidence had their IDs, so that applying
// creates only what is missing; the rules the diff removes or narrows are
// left to the reviewer, listed in comments.

func writeTerraform(w io.Writer, reps []*Report) error {
	var b strings.Builder
	names := unique{}
	for i, rep := range reps {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, l := range header(rep) {
			b.WriteString("# " + comment(l) + "\n")
		}
		v := names.name(identifier(rep.Workload, "security_group_id"))
		writeVariable(&b, v, rep)
		for _, p := range permissions(rep) {
			writeResource(&b, names, v, rep, p)
		}
		for _, dr := range append(append([]DiffRule{}, rep.Diff.Narrow...), rep.Diff.Remove...) {
			fmt.Fprintf(&b, "\n# to revoke once these rules are in place: %s %s %s/%s %s %s\n", comment(dr.GroupID), dr.Direction,
				comment(dr.Protocol), portText(dr.FromPort, dr.ToPort), comment(dr.Peer), comment(dr.RuleID))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeVariable(b *strings.Builder, name string, rep *Report) {
	attrs := [][2]string{{"description", hclString("The security group that gets the rules recommended for " + rep.Workload)}, {"type", "string"}}
	if groupID.MatchString(rep.TargetGroup) {
		attrs = append(attrs, [2]string{"default", hclString(rep.TargetGroup)})
	}
	fmt.Fprintf(b, "\nvariable %q {\n", name)
	writeAttrs(b, attrs)
	b.WriteString("}\n")
}

func writeResource(b *strings.Builder, names unique, variable string, rep *Report, p exportPerm) {
	kind := peerKind(p.Peer)
	if kind == "" || (p.kept && !groupID.MatchString(p.GroupID)) {
		fmt.Fprintf(b, "\n# skipped: peer %s or group %s is not a CIDR or security-group ID\n", comment(p.Peer), comment(p.GroupID))
		return
	}
	typ := "aws_vpc_security_group_" + p.Direction + "_rule"
	name := names.name(identifier(rep.Workload, p.Direction, p.Protocol, portLabel(p.FromPort, p.ToPort)))
	group := "var." + variable
	b.WriteString("\n")
	if p.kept {
		group = hclString(p.GroupID)
		if isRuleID(p.RuleID) {
			fmt.Fprintf(b, "import {\n  to = %s.%s\n  id = %s\n}\n\n", typ, name, hclString(p.RuleID))
		} else {
			b.WriteString("# kept: this rule exists, but the evidence has no rule ID to import it by\n")
		}
	}
	attrs := [][2]string{{"security_group_id", group}}
	if d := awsText(p.Description, 255); d != "" {
		attrs = append(attrs, [2]string{"description", hclString(d)})
	}
	attrs = append(attrs, [2]string{"ip_protocol", hclString(p.Protocol)})
	if withPorts(p.Protocol) {
		attrs = append(attrs, [2]string{"from_port", fmt.Sprint(p.FromPort)}, [2]string{"to_port", fmt.Sprint(p.ToPort)})
	}
	peerAttr := map[string]string{"cidr4": "cidr_ipv4", "cidr6": "cidr_ipv6", "group": "referenced_security_group_id"}[kind]
	attrs = append(attrs, [2]string{peerAttr, hclString(p.Peer)})
	fmt.Fprintf(b, "resource %q %q {\n", typ, name)
	writeAttrs(b, attrs)
	b.WriteString("}\n")
}

// writeAttrs writes attributes with their = aligned, as terraform fmt
// does.
func writeAttrs(b *strings.Builder, attrs [][2]string) {
	width := 0
	for _, a := range attrs {
		width = max(width, len(a[0]))
	}
	for _, a := range attrs {
		fmt.Fprintf(b, "  %-*s = %s\n", width, a[0], a[1])
	}
}

// hclString quotes text as an HCL string literal: escapes, and ${ and %{
// doubled so that nothing is read as a template.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, c := range s {
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, c)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteRune(c)
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
