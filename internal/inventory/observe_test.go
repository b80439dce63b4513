package inventory

import (
	"slices"
	"testing"
)

// A snapshot names an interface CloudTrail never showed: one stretch,
// from its attachment, with what the snapshot says. A later snapshot
// that differs starts a new stretch; one that agrees changes nothing.
func TestObserve_SnapshotsMakeStretches(t *testing.T) {
	inst := func(sg string) string {
		return `{"InstanceId":"i-1","OwnerId":"111122223333","Placement":{"AvailabilityZone":"us-east-1a"},"Tags":[{"Key":"Name","Value":"web-1"}],
		"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","VpcId":"vpc-1","SubnetId":"subnet-1","Attachment":{"AttachTime":"2026-10-31T23:00:00+00:00","AttachmentId":"eni-attach-1"},
		"PrivateIpAddresses":[{"PrivateIpAddress":"10.0.1.10","Primary":true}],"Groups":[{"GroupId":"` + sg + `","GroupName":"web"}]}]}`
	}
	obs := []Observation{
		{Time: at(0), Kind: "instance", Region: "us-east-1", Document: inst("sg-a")},
		{Time: at(60), Kind: "instance", Region: "us-east-1", Document: inst("sg-a")},
		{Time: at(120), Kind: "instance", Region: "us-east-1", Document: inst("sg-b")},
	}
	s := stretches(Build(nil, obs), "eni-1")
	if len(s) != 2 {
		t.Fatalf("stretches: %+v", s)
	}
	if s[0].InstanceID != "i-1" || s[0].Name != "web-1" || !slices.Equal(s[0].Groups, []string{"sg-a"}) || !s[0].From.Equal(at(-60)) || !s[0].OpenStart() {
		t.Errorf("first stretch: %+v", s[0])
	}
	if !slices.Equal(s[1].Groups, []string{"sg-b"}) || !s[1].From.Equal(at(120)) || s[1].Origin != "snapshot" || s[1].Account != "111122223333" {
		t.Errorf("second stretch: %+v", s[1])
	}
}

// A security group's snapshot lists all its rules: one CloudTrail added
// that the snapshot lacks was removed unseen.
func TestObserve_GroupSnapshotEndsMissingRules(t *testing.T) {
	inv := Build([]Event{
		ev(0, "AuthorizeSecurityGroupIngress", `{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}`, `{"_return":true}`),
	}, []Observation{{Time: at(30), Kind: "security_group", Document: `{"GroupId":"sg-1","GroupName":"db","VpcId":"vpc-1","OwnerId":"111122223333",
		"IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[],"UserIdGroupPairs":[{"GroupId":"sg-app","UserId":"111122223333"}]}],
		"IpPermissionsEgress":[]}`}})
	var got []string
	for _, r := range inv.Rules {
		got = append(got, r.Ports()+" "+r.Peer()+" ended:"+itoa(int(r.To.Sub(t0).Minutes())*btoi(!r.To.IsZero())))
	}
	if !slices.Equal(got, []string{"5432 sg-app ended:0", "22 10.0.0.0/8 ended:30"}) {
		t.Errorf("rules: %q", got)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
