package sgadvisor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The CloudFormation export is a JSON template of standalone
// AWS::EC2::SecurityGroupIngress / SecurityGroupEgress resources, one per
// recommended permission that no current rule already is, on a
// parameter holding the target group.
//
// Standalone rule resources rather than an AWS::EC2::SecurityGroup with
// its rules inline: the rules go to a group that already exists, that
// interfaces hold and that another stack or the console may own; a
// SecurityGroup resource would make a new group (every interface would
// have to be moved to it) and take over its whole rule set, while rule
// resources add to the group by ID and can be reviewed, and deleted, one
// at a time. JSON rather than YAML: CloudFormation reads both, and JSON
// has no implicit typing to trip over (ports, "on", "no"). Rules to
// revoke are named in the template's description.

type cfnTemplate struct {
	Version     string                  `json:"AWSTemplateFormatVersion"`
	Description string                  `json:"Description"`
	Parameters  map[string]cfnParameter `json:"Parameters"`
	Resources   map[string]cfnResource  `json:"Resources"`
}

type cfnParameter struct {
	Type        string `json:"Type"`
	Description string `json:"Description"`
	Default     string `json:"Default,omitempty"`
}

type cfnResource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties,omitempty"`
}

func writeCloudFormation(w io.Writer, reps []*Report) error {
	t := cfnTemplate{Version: "2010-09-09", Parameters: map[string]cfnParameter{}, Resources: map[string]cfnResource{}}
	var desc []string
	names := unique{}
	for _, rep := range reps {
		param := names.numbered(cfnName(rep.Workload, "GroupId"), "No")
		p := cfnParameter{Type: "AWS::EC2::SecurityGroup::Id", Description: awsText("The security group that gets the rules recommended for "+rep.Workload, 400)}
		if groupID.MatchString(rep.TargetGroup) {
			p.Default = rep.TargetGroup
		}
		t.Parameters[param] = p
		desc = append(desc, cfnDescription(rep))
		for _, perm := range permissions(rep) {
			if perm.kept || peerKind(perm.Peer) == "" {
				continue
			}
			name := names.numbered(cfnName(rep.Workload, perm.Direction, perm.Protocol, strings.ReplaceAll(portLabel(perm.FromPort, perm.ToPort), "_", "to")), "No")
			t.Resources[name] = cfnRule(param, perm)
		}
	}
	if len(t.Resources) == 0 {
		// A template must have a resource; this one does nothing.
		t.Resources["NothingToAdd"] = cfnResource{Type: "AWS::CloudFormation::WaitConditionHandle"}
	}
	t.Description = awsText("flowtrail sg recommend: rules to add. "+strings.Join(desc, " "), 1024)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("cannot encode the CloudFormation template: %w", err)
	}
	return nil
}

func cfnRule(param string, p exportPerm) cfnResource {
	props := map[string]any{"GroupId": map[string]string{"Ref": param}, "IpProtocol": p.Protocol}
	if d := awsText(p.Description, 255); d != "" {
		props["Description"] = d
	}
	if withPorts(p.Protocol) {
		props["FromPort"], props["ToPort"] = p.FromPort, p.ToPort
	}
	typ := "AWS::EC2::SecurityGroupIngress"
	group := "SourceSecurityGroupId"
	if p.Direction == "egress" {
		typ, group = "AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId"
	}
	switch peerKind(p.Peer) {
	case "cidr4":
		props["CidrIp"] = p.Peer
	case "cidr6":
		props["CidrIpv6"] = p.Peer
	default:
		props[group] = p.Peer
	}
	return cfnResource{Type: typ, Properties: props}
}

// cfnDescription says, per report, what the template leaves to a person:
// the rules to revoke.
func cfnDescription(rep *Report) string {
	var revoke []string
	for _, dr := range append(append([]DiffRule{}, rep.Diff.Narrow...), rep.Diff.Remove...) {
		revoke = append(revoke, cmpOr(dr.RuleID, fmt.Sprintf("%s %s %s/%s %s", dr.GroupID, dr.Direction, dr.Protocol, portText(dr.FromPort, dr.ToPort), dr.Peer)))
	}
	s := rep.Workload + ":"
	if len(revoke) > 0 {
		s += " then revoke " + strings.Join(revoke, ", ") + "."
	} else {
		s += " nothing to revoke."
	}
	return s
}

// cfnName makes a logical ID: letters and digits only, each part
// capitalised.
func cfnName(parts ...string) string {
	var b strings.Builder
	for _, part := range parts {
		up := true
		for _, c := range part {
			switch {
			case c >= 'a' && c <= 'z':
				if up {
					c -= 'a' - 'A'
				}
				b.WriteRune(c)
				up = false
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b.WriteRune(c)
				up = false
			default:
				up = true
			}
		}
	}
	s := b.String()
	if s == "" || s[0] < 'A' {
		s = "R" + s
	}
	return s[:min(len(s), 200)]
}
