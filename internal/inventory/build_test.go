package inventory

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ev(min int, name, req, resp string) Event {
	return Event{Time: at(min), ID: name + "-" + at(min).Format("1504"), Name: name, Account: "111122223333", Region: "us-east-1",
		Actor: Actor{ARN: "arn:aws:sts::111122223333:assumed-role/deployer/ci", Type: "AssumedRole"}, Request: req, Response: resp}
}

// runInstance is a RunInstances response for one instance with one ENI.
func runInstance(min int, inst, eni, ip, name, sg string) Event {
	return ev(min, "RunInstances",
		`{"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"Name","value":"`+name+`"}]}]}}`,
		`{"instancesSet":{"items":[{"instanceId":"`+inst+`","vpcId":"vpc-1","subnetId":"subnet-1","placement":{"availabilityZone":"us-east-1a"},
		  "networkInterfaceSet":{"items":[{"networkInterfaceId":"`+eni+`","privateIpAddress":"`+ip+`",
		    "privateIpAddressesSet":{"item":[{"privateIpAddress":"`+ip+`","primary":true}]},
		    "groupSet":{"items":[{"groupId":"`+sg+`"}]},"attachment":{"attachmentId":"eni-attach-`+eni+`"}}]}}]}}`)
}

func stretches(inv *Inventory, eni string) []Interface {
	var out []Interface
	for _, i := range inv.Interfaces {
		if i.ID == eni {
			out = append(out, i)
		}
	}
	return out
}

// at finds the stretch of eni that claims a record logged at t.
func claim(inv *Inventory, eni string, t time.Time) *Interface {
	for _, i := range stretches(inv, eni) {
		from, to := i.MatchFrom(), i.MatchTo()
		if (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to)) {
			return &i
		}
	}
	return nil
}

func TestBuild_ReplacedInstanceKeepsItsName(t *testing.T) {
	inv := Build([]Event{
		runInstance(0, "i-old", "eni-old", "10.0.1.10", "payment", "sg-pay"),
		runInstance(60, "i-new", "eni-new", "10.0.1.11", "payment", "sg-pay"),
		ev(64, "TerminateInstances", `{"instancesSet":{"items":[{"instanceId":"i-old"}]}}`, ""),
	}, nil)
	for _, c := range []struct {
		eni  string
		min  int
		inst string
	}{
		{"eni-old", -5, "i-old"}, // logged before the evidence: IDs are never reused
		{"eni-old", 30, "i-old"},
		{"eni-old", 66, "i-old"}, // shutting down after TerminateInstances
		{"eni-new", 61, "i-new"},
	} {
		got := claim(inv, c.eni, at(c.min))
		if got == nil || got.InstanceID != c.inst || got.Name != "payment" || !slices.Equal(got.Groups, []string{"sg-pay"}) {
			t.Errorf("%s at +%dm: got %+v, want %s named payment in sg-pay", c.eni, c.min, got, c.inst)
		}
	}
	old := stretches(inv, "eni-old")
	if len(old) != 1 || !old[0].Deleted.Equal(at(64)) || !old[0].Created.Equal(at(0)) {
		t.Errorf("eni-old: %+v, want one stretch created +0m, deleted +64m", old)
	}
}

func TestBuild_TagsAndGroupsStartNewStretches(t *testing.T) {
	inv := Build([]Event{
		runInstance(0, "i-1", "eni-1", "10.0.1.10", "web", "sg-web"),
		// CreateTags with the legacy "tagsSet" key and a bare list of resources.
		ev(10, "CreateTags", `{"resourcesSet":{"items":[{"resourceId":"i-1"}]},"tagsSet":{"items":[{"key":"Name","value":"web-canary"}]}}`, `{"_return":true}`),
		// A single object where a list is expected (XML-derived shape).
		ev(20, "ModifyNetworkInterfaceAttribute", `{"networkInterfaceId":"eni-1","groupSet":{"items":{"groupId":"sg-debug"}}}`, `{"_return":true}`),
		ev(30, "DeleteTags", `{"resourcesSet":{"items":[{"resourceId":"i-1"}]},"tagSet":{"items":[{"key":"Name"}]}}`, `{"_return":true}`),
		ev(40, "AssignPrivateIpAddresses", `{"networkInterfaceId":"eni-1","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.1.99"}]}}`, `{"_return":true}`),
	}, nil)
	s := stretches(inv, "eni-1")
	want := []struct {
		name   string
		groups []string
		ips    []string
	}{
		{"web", []string{"sg-web"}, []string{"10.0.1.10"}},
		{"web-canary", []string{"sg-web"}, []string{"10.0.1.10"}},
		{"web-canary", []string{"sg-debug"}, []string{"10.0.1.10"}},
		{"", []string{"sg-debug"}, []string{"10.0.1.10"}},
		{"", []string{"sg-debug"}, []string{"10.0.1.10", "10.0.1.99"}},
	}
	if len(s) != len(want) {
		t.Fatalf("got %d stretches, want %d: %+v", len(s), len(want), s)
	}
	for i, w := range want {
		if s[i].Name != w.name || !slices.Equal(s[i].Groups, w.groups) || !slices.Equal(s[i].PrivateIPs, w.ips) {
			t.Errorf("stretch %d: name %q groups %v ips %v, want %q %v %v", i, s[i].Name, s[i].Groups, s[i].PrivateIPs, w.name, w.groups, w.ips)
		}
		if i > 0 && !s[i].From.Equal(s[i-1].To) {
			t.Errorf("stretch %d starts %v, the previous ended %v", i, s[i].From, s[i-1].To)
		}
	}
	var attach []Change
	for _, c := range inv.Changes {
		if c.Action == "groups_changed" {
			attach = append(attach, c)
		}
	}
	if len(attach) != 2 || !slices.Equal(attach[1].Added, []string{"sg-debug"}) || attach[1].InstanceID != "i-1" {
		t.Errorf("attachment changes: %+v", attach)
	}
}

func TestBuild_AttachDetachMovesAnInterface(t *testing.T) {
	inv := Build([]Event{
		runInstance(0, "i-a", "eni-a", "10.0.1.10", "alpha", "sg-1"),
		runInstance(0, "i-b", "eni-b", "10.0.1.20", "beta", "sg-1"),
		ev(1, "CreateNetworkInterface", `{"subnetId":"subnet-1"}`,
			`{"networkInterface":{"networkInterfaceId":"eni-float","subnetId":"subnet-1","vpcId":"vpc-1","privateIpAddress":"10.0.1.50","groupSet":{"items":[{"groupId":"sg-1"}]},"tagSet":{}}}`),
		ev(5, "AttachNetworkInterface", `{"networkInterfaceId":"eni-float","instanceId":"i-a","deviceIndex":1}`, `{"attachmentId":"eni-attach-f1"}`),
		ev(10, "DetachNetworkInterface", `{"attachmentId":"eni-attach-f1","force":"false"}`, `{"_return":true}`),
		ev(15, "AttachNetworkInterface", `{"networkInterfaceId":"eni-float","instanceId":"i-b","deviceIndex":"1"}`, `{"attachmentId":"eni-attach-f2"}`),
	}, nil)
	for _, c := range []struct {
		min        int
		inst, name string
	}{{3, "", ""}, {7, "i-a", "alpha"}, {12, "", ""}, {20, "i-b", "beta"}} {
		got := claim(inv, "eni-float", at(c.min))
		if got == nil || got.InstanceID != c.inst || got.Name != c.name {
			t.Errorf("eni-float at +%dm: %+v, want instance %q name %q", c.min, got, c.inst, c.name)
		}
	}
}

func TestBuild_RulesInEveryShape(t *testing.T) {
	inv := Build([]Event{
		ev(0, "CreateSecurityGroup", `{"groupName":"db","groupDescription":"db","vpcId":"vpc-1"}`, `{"_return":true,"groupId":"sg-db"}`),
		// Response with rule IDs.
		ev(1, "AuthorizeSecurityGroupIngress", `{"groupId":"sg-db"}`,
			`{"_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-db","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":5432,"toPort":5432,"referencedGroupInfo":{"groupId":"sg-app"}}]}}`),
		// Request only, permissions as a bare list, ranges as lists.
		ev(2, "AuthorizeSecurityGroupIngress", `{"groupId":"sg-db","ipPermissions":[{"ipProtocol":"tcp","fromPort":"3306","toPort":"3306","ipRanges":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"172.16.0.0/12"}]}]}`, `{"return":true}`),
		// The flat legacy shape, with a /0 written through a host address.
		ev(3, "AuthorizeSecurityGroupIngress", `{"groupId":"sg-db","ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIp":"208.236.235.254/0","ipPermissions":{}}`, `{"_return":true}`),
		// The nested XML-derived shape; one rule as an object.
		ev(4, "ModifySecurityGroupRules", `{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-db","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":"5432","ToPort":"5433","ReferencedGroupId":"sg-app"},"tag":1}}}`, `{"_return":true}`),
		ev(5, "RevokeSecurityGroupIngress", `{"groupId":"sg-db","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":3306,"toPort":3306,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}`, `{"_return":true}`),
		ev(6, "RevokeSecurityGroupIngress", `{"groupId":"sg-db","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"sgr-none"}]}}`, `{"_return":true}`),
	}, nil)
	type r struct {
		id, ports, peer string
		from, to        int // minutes; -1 none
	}
	var got []r
	for _, x := range inv.Rules {
		if x.Egress {
			continue
		}
		to := -1
		if !x.To.IsZero() {
			to = int(x.To.Sub(t0).Minutes())
		}
		got = append(got, r{x.ID, x.Ports(), x.Peer(), int(x.From.Sub(t0).Minutes()), to})
	}
	want := []r{
		{"sgr-1", "5432", "sg-app", 1, 4},
		{"", "3306", "10.0.0.0/8", 2, 5},
		{"", "3306", "172.16.0.0/12", 2, -1},
		{"", "22", "208.236.235.254/0", 3, -1},
		{"sgr-1", "5432-5433", "sg-app", 4, -1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ingress rules:\n got %v\nwant %v", got, want)
	}
	var world []string
	for _, c := range inv.Changes {
		if slices.Contains(c.Flags, FlagOpenToWorld) && slices.Contains(c.Flags, FlagAdminToNet) {
			world = append(world, c.Rule.Peer())
		}
	}
	if !slices.Equal(world, []string{"208.236.235.254/0"}) {
		t.Errorf("world-open admin changes: %v", world)
	}
}

func TestBuild_UnusualActorFlagged(t *testing.T) {
	var evs []Event
	for i := range 3 {
		evs = append(evs, runInstance(i, "i-"+itoa(i), "eni-"+itoa(i), "10.0.1."+itoa(10+i), "web", "sg-web"))
	}
	// The deployer changing groups later is usual.
	evs = append(evs, ev(20, "ModifyNetworkInterfaceAttribute", `{"networkInterfaceId":"eni-1","groupSet":{"items":[{"groupId":"sg-web2"}]}}`, `{"_return":true}`))
	odd := ev(30, "ModifyNetworkInterfaceAttribute", `{"networkInterfaceId":"eni-2","groupSet":{"items":[{"groupId":"sg-web"},{"groupId":"sg-debug"}]}}`, `{"_return":true}`)
	odd.Actor = Actor{ARN: "arn:aws:iam::111122223333:user/bob", UserName: "bob", Type: "IAMUser"}
	inv := Build(append(evs, odd), nil)
	var flagged []string
	for _, c := range inv.Changes {
		if slices.Contains(c.Flags, FlagUnusualActor) {
			flagged = append(flagged, c.Actor.UserName+":"+c.InterfaceID)
		}
	}
	if !slices.Equal(flagged, []string{"bob:eni-2"}) {
		t.Errorf("unusual actors: %v, want bob's attachment only", flagged)
	}
}

func TestActor_PrincipalOfAssumedRole(t *testing.T) {
	a := Actor{ARN: "arn:aws:sts::111122223333:assumed-role/deployer/session-1"}
	if got := a.Principal(); got != "arn:aws:iam::111122223333:role/deployer" {
		t.Errorf("Principal = %s", got)
	}
}
