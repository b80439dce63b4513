package inventory

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/cloudtrail"
)

const external = "../../../shared/testdata/external"

// readTrail decodes an independent CloudTrail sample into inventory
// events, as the engine does from the lake: EC2 calls that succeeded.
func readTrail(t *testing.T, rel string) []Event {
	t.Helper()
	f, err := os.Open(filepath.Join(external, rel))
	if err != nil {
		t.Skipf("external samples not present: %v", err)
	}
	defer f.Close()
	var out []Event
	err = cloudtrail.Decode(f, func(e *cloudtrail.Event) error {
		if e.EventSource == "ec2.amazonaws.com" && e.ErrorCode == "" && slices.Contains(EventNames, e.EventName) {
			out = append(out, Event{Time: e.EventTime, ID: e.EventID, Name: e.EventName, Account: e.RecipientAccountID, Region: e.AWSRegion,
				Actor:   Actor{ARN: e.PrincipalARN, Type: e.PrincipalType, UserName: e.UserName, SourceIP: e.SourceIPAddress, UserAgent: e.UserAgent},
				Request: e.RequestParameters, Response: e.ResponseElements})
		}
		return nil
	}, func(cloudtrail.Reject) error { return nil })
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return out
}

func TestExternal_ElasticRunInstances(t *testing.T) {
	inv := Build(readTrail(t, "elastic-integrations-aws/cloudtrail/test-run-instances-json.log"), nil)
	s := stretches(inv, "eni-043138569d4a31e90")
	if len(s) != 1 {
		t.Fatalf("stretches: %+v", inv.Interfaces)
	}
	got := s[0]
	// The sample tags "name" in lower case; no "Name" exists.
	if got.InstanceID != "i-0f2f135de18b555e3" || got.Name != "cloudtrail-event-test" || !slices.Equal(got.PrivateIPs, []string{"172.31.35.48"}) ||
		!slices.Equal(got.Groups, []string{"sg-4e483165"}) || got.Tags["team"] != "cloud" {
		t.Errorf("interface: %+v", got)
	}
}

func TestExternal_ElasticAuthorizeIngress(t *testing.T) {
	inv := Build(readTrail(t, "elastic-integrations-aws/cloudtrail/test-authorize-security-group-ingress-json.log"), nil)
	if len(inv.Rules) != 1 || inv.Rules[0].ID != "sgr-027eb7c59241731e0" || inv.Rules[0].Ports() != "22" || inv.Rules[0].CIDR != "203.0.113.0/24" {
		t.Fatalf("rules: %+v", inv.Rules)
	}
	c := inv.Changes[0]
	if c.Actor.UserName != "test@elastic.co" || c.Actor.SourceIP != "216.160.83.56" || !slices.Contains(c.Flags, FlagAdminToNet) || slices.Contains(c.Flags, FlagOpenToWorld) {
		t.Errorf("change: %+v", c)
	}
}

func TestExternal_StratusOpenPort22(t *testing.T) {
	inv := Build(readTrail(t, "stratus-red-team/detonation-logs/aws.exfiltration.ec2-security-group-open-port-22-ingress.json"), nil)
	if len(inv.Changes) != 1 {
		t.Fatalf("changes: %+v", inv.Changes)
	}
	c := inv.Changes[0]
	if c.Action != "rule_added" || c.Rule.ID != "sgr-09b3e3d2ca1edf2a2" || !slices.Contains(c.Flags, FlagOpenToWorld) || !slices.Contains(c.Flags, FlagAdminToNet) {
		t.Errorf("change: %+v flags %v", c.Rule, c.Flags)
	}
}

// The Cribl pack's lifecycle sample: requests whose permissions are bare
// lists, tags under "tagsSet".
func TestExternal_CriblLifecycle(t *testing.T) {
	evs := readTrail(t, "criblpacks-cribl-aws-cloudtrail-logs/data/samples/BeVTW2.json")
	names := map[string]bool{}
	for _, e := range evs {
		names[e.Name] = true
	}
	for _, n := range []string{"RunInstances", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "CreateTags"} {
		if !names[n] {
			t.Errorf("%s not decoded from the sample (got %v)", n, names)
		}
	}
	// The sample's events are out of order (the revocation comes before
	// any authorisation, the authorisation after the group's deletion):
	// each is still recorded as the change it is.
	inv := Build(evs, nil)
	var got []string
	for _, c := range inv.Changes {
		d := c.Action
		if c.Rule != nil {
			d += " " + c.Rule.Ports() + " " + c.Rule.Peer() + " " + strings.Join(c.Flags, ",")
		}
		got = append(got, d)
	}
	want := []string{"group_created", "rule_removed 22 0.0.0.0/0 ", "group_deleted", "rule_added 80 0.0.0.0/0 open_to_world"}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}
}
