package sgadvisor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The aws-cli export is a shell script: per report and direction, one
// `aws ec2 authorize-security-group-ingress|egress --ip-permissions '…'`
// with every recommended permission that no current rule already is,
// then — commented out, to run once the new rules are in place and
// checked — the revocations of the rules the diff would remove or narrow.

// IPPermission is one element of --ip-permissions, as the EC2 API names it.
type IPPermission struct {
	IPProtocol       string         `json:"IpProtocol"`
	FromPort         *int           `json:"FromPort,omitempty"`
	ToPort           *int           `json:"ToPort,omitempty"`
	IPRanges         []IPRange      `json:"IpRanges,omitempty"`
	IPv6Ranges       []IPv6Range    `json:"Ipv6Ranges,omitempty"`
	UserIDGroupPairs []UserIDGroup  `json:"UserIdGroupPairs,omitempty"`
	PrefixListIDs    []PrefixListID `json:"PrefixListIds,omitempty"`
}

// IPRange is an IPv4 peer.
type IPRange struct {
	CidrIP      string `json:"CidrIp"`
	Description string `json:"Description,omitempty"`
}

// IPv6Range is an IPv6 peer.
type IPv6Range struct {
	CidrIPv6    string `json:"CidrIpv6"`
	Description string `json:"Description,omitempty"`
}

// UserIDGroup is a security-group peer.
type UserIDGroup struct {
	GroupID     string `json:"GroupId"`
	Description string `json:"Description,omitempty"`
}

// PrefixListID is a prefix-list peer (never written; read back in tests).
type PrefixListID struct {
	PrefixListID string `json:"PrefixListId"`
	Description  string `json:"Description,omitempty"`
}

func writeAWSCLI(w io.Writer, reps []*Report) error {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Review before running. Rules that no current rule already is are authorized;\n" +
		"# the revocations of what the diff removes or narrows follow, commented out.\nset -eu\n")
	for _, rep := range reps {
		b.WriteString("\n")
		for _, l := range header(rep) {
			b.WriteString("# " + comment(l) + "\n")
		}
		group := shellGroup(rep, &b)
		perms := permissions(rep)
		for _, dir := range []string{"ingress", "egress"} {
			if err := authorize(&b, group, dir, perms); err != nil {
				return err
			}
		}
		revocations(&b, rep)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shellGroup is the --group-id argument: the report's target group, or
// a variable the user must set when it is unknown.
func shellGroup(rep *Report, b *strings.Builder) string {
	if groupID.MatchString(rep.TargetGroup) {
		return rep.TargetGroup
	}
	b.WriteString(`: "${GROUP_ID:?set GROUP_ID to the security group to change: no group was held by every interface}"` + "\n")
	return `"$GROUP_ID"`
}

func authorize(b *strings.Builder, group, dir string, perms []exportPerm) error {
	var ps []IPPermission
	for _, p := range perms {
		if p.Direction != dir || p.kept {
			continue
		}
		if !addPermission(&ps, p.DiffRule) {
			fmt.Fprintf(b, "# skipped: peer %s is neither a CIDR nor a security-group ID\n", comment(p.Peer))
		}
	}
	if len(ps) == 0 {
		fmt.Fprintf(b, "# %s: nothing to add\n", dir)
		return nil
	}
	js, err := json.Marshal(ps)
	if err != nil {
		return fmt.Errorf("cannot encode %s permissions: %w", dir, err)
	}
	fmt.Fprintf(b, "aws ec2 authorize-security-group-%s --group-id %s --ip-permissions %s\n", dir, group, shellQuote(string(js)))
	return nil
}

// addPermission adds one peer to the permission for its protocol and
// ports, making it when needed.
func addPermission(ps *[]IPPermission, r DiffRule) bool {
	kind := peerKind(r.Peer)
	if kind == "" {
		return false
	}
	i := -1
	for k, x := range *ps {
		if x.IPProtocol == r.Protocol && intOr(x.FromPort) == r.FromPort && intOr(x.ToPort) == r.ToPort {
			i = k
		}
	}
	if i < 0 {
		x := IPPermission{IPProtocol: r.Protocol}
		if withPorts(r.Protocol) {
			x.FromPort, x.ToPort = &r.FromPort, &r.ToPort
		}
		*ps = append(*ps, x)
		i = len(*ps) - 1
	}
	x, d := &(*ps)[i], awsText(r.Description, 255)
	switch kind {
	case "cidr4":
		x.IPRanges = append(x.IPRanges, IPRange{r.Peer, d})
	case "cidr6":
		x.IPv6Ranges = append(x.IPv6Ranges, IPv6Range{r.Peer, d})
	default:
		x.UserIDGroupPairs = append(x.UserIDGroupPairs, UserIDGroup{r.Peer, d})
	}
	return true
}

// withPorts says whether the API takes ports for a protocol: TCP and UDP
// take port ranges, ICMP type and code.
func withPorts(proto string) bool {
	return proto == "tcp" || proto == "udp" || proto == "icmp" || proto == "icmpv6"
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func revocations(b *strings.Builder, rep *Report) {
	for _, dr := range append(append([]DiffRule{}, rep.Diff.Narrow...), rep.Diff.Remove...) {
		if !groupID.MatchString(dr.GroupID) {
			continue
		}
		why := "narrow"
		if len(dr.To) == 0 {
			why = "remove"
		}
		if len(dr.SharedWith) > 0 {
			why += ", shared with " + strings.Join(dr.SharedWith, ",")
		}
		fmt.Fprintf(b, "# %s %s %s/%s %s (%s)\n", dr.Direction, comment(dr.Protocol), portText(dr.FromPort, dr.ToPort), comment(dr.Peer), comment(dr.RuleID), comment(why))
		if isRuleID(dr.RuleID) {
			fmt.Fprintf(b, "# aws ec2 revoke-security-group-%s --group-id %s --security-group-rule-ids %s\n", dr.Direction, dr.GroupID, dr.RuleID)
			continue
		}
		var ps []IPPermission
		if addPermission(&ps, dr) {
			js, _ := json.Marshal(revokeShape(ps))
			fmt.Fprintf(b, "# aws ec2 revoke-security-group-%s --group-id %s --ip-permissions %s\n", dr.Direction, dr.GroupID, shellQuote(string(js)))
		}
	}
}

// revokeShape drops descriptions, which revocations do not match on.
func revokeShape(ps []IPPermission) []IPPermission {
	for i := range ps {
		for j := range ps[i].IPRanges {
			ps[i].IPRanges[j].Description = ""
		}
		for j := range ps[i].IPv6Ranges {
			ps[i].IPv6Ranges[j].Description = ""
		}
		for j := range ps[i].UserIDGroupPairs {
			ps[i].UserIDGroupPairs[j].Description = ""
		}
	}
	return ps
}

func isRuleID(s string) bool {
	if !strings.HasPrefix(s, "sgr-") || len(s) < 12 || len(s) > 21 {
		return false
	}
	for _, c := range s[4:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// portText writes a port range: 443, 8000-8080, all; an ICMP type and
// code as 8:-1.
func portText(from, to int) string {
	switch {
	case from == -1:
		return "all"
	case from == to:
		return fmt.Sprint(from)
	case to < from:
		return fmt.Sprintf("%d:%d", from, to)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// shellQuote quotes for sh: single quotes, a quote inside as '\”.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
