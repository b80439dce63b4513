package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The CloudTrail trail of one account and region: the deployment of the
// estate (security groups, rules, the first instances) shortly before
// Start, every launch and termination as instances churn, AWS Config
// polling DescribeInstances, console logins, and in the last account a
// security group opened to the world at mid-period. The events are few
// (hundreds a day), so they are built in memory, sorted, and written in
// five-minute objects as CloudTrail delivers them.

type m = map[string]any

type ctEvent struct {
	EventVersion        string `json:"eventVersion"`
	UserIdentity        m      `json:"userIdentity"`
	EventTime           string `json:"eventTime"`
	EventSource         string `json:"eventSource"`
	EventName           string `json:"eventName"`
	AWSRegion           string `json:"awsRegion"`
	SourceIPAddress     string `json:"sourceIPAddress"`
	UserAgent           string `json:"userAgent"`
	RequestParameters   any    `json:"requestParameters"`
	ResponseElements    any    `json:"responseElements"`
	AdditionalEventData m      `json:"additionalEventData,omitempty"`
	RequestID           string `json:"requestID,omitempty"`
	EventID             string `json:"eventID"`
	ReadOnly            bool   `json:"readOnly"`
	EventType           string `json:"eventType"`
	ManagementEvent     bool   `json:"managementEvent"`
	RecipientAccountID  string `json:"recipientAccountId"`
	EventCategory       string `json:"eventCategory"`
	TLSDetails          m      `json:"tlsDetails,omitempty"`
	t                   int64
}

// actor is who makes a call: identity, source address and user agent.
type actor struct {
	identity  m
	sourceIP  string
	userAgent string
	service   bool // an AWS service acting on the account's behalf: no TLS details
}

type ctGen struct {
	est    *estate
	v      *vpc
	r      rng
	events []*ctEvent
	root   string
	t      *tally
	actors map[string]actor // one identity per principal, made on first use
}

func newCTGen(e *estate, v *vpc, root string) *ctGen {
	return &ctGen{est: e, v: v, r: newRNG(e.seed, hashString("cloudtrail"), uint64(v.idx)), root: root, t: newTally(), actors: map[string]actor{}}
}

func (g *ctGen) run(ctx context.Context) (*tally, error) {
	g.setup()
	g.instances()
	g.describes()
	g.logins()
	g.incident()
	g.events = slices.DeleteFunc(g.events, func(ev *ctEvent) bool { return ev.t >= g.est.end })
	slices.SortStableFunc(g.events, func(a, b *ctEvent) int { return int(a.t - b.t) })
	if err := g.write(ctx); err != nil {
		return nil, err
	}
	return g.t, nil
}

func (g *ctGen) acct() string { return g.v.acct.id }

func (g *ctGen) add(t int64, name string, who actor, req, resp any) *ctEvent {
	ev := &ctEvent{
		EventVersion: "1.10", UserIdentity: who.identity, EventTime: rfc3339(t),
		EventSource: "ec2.amazonaws.com", EventName: name, AWSRegion: g.v.region.name,
		SourceIPAddress: who.sourceIP, UserAgent: who.userAgent,
		RequestParameters: req, ResponseElements: resp,
		RequestID: uuid(&g.r), EventID: uuid(&g.r), EventType: "AwsApiCall",
		ManagementEvent: true, RecipientAccountID: g.acct(), EventCategory: "Management", t: t,
	}
	if !who.service {
		ev.TLSDetails = m{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
			"clientProvidedHostHeader": "ec2." + g.v.region.name + ".amazonaws.com"}
	}
	if rm, ok := resp.(m); ok {
		rm["requestId"] = ev.RequestID
	}
	g.events = append(g.events, ev)
	return ev
}

func rfc3339(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

func (g *ctGen) upper(n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.intn(len(set))]
	}
	return string(b)
}

func (g *ctGen) roleActor(role, session, sourceIP, agent string) actor {
	a := g.acct()
	roleID := "AROA" + g.upper(17)
	return actor{
		identity: m{
			"type": "AssumedRole", "principalId": roleID + ":" + session,
			"arn":       fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", a, role, session),
			"accountId": a, "accessKeyId": "ASIA" + g.upper(16),
			"sessionContext": m{
				"sessionIssuer": m{"type": "Role", "principalId": roleID, "arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", a, role), "accountId": a, "userName": role},
				"attributes":    m{"creationDate": rfc3339(g.est.setupAt - 600), "mfaAuthenticated": "false"},
			},
		},
		sourceIP: sourceIP, userAgent: agent,
	}
}

// actor returns the principal's identity, the same on every call.
func (g *ctGen) actor(key string, build func() actor) actor {
	a, ok := g.actors[key]
	if !ok {
		a = build()
		g.actors[key] = a
	}
	return a
}

func (g *ctGen) terraform() actor {
	return g.actor("terraform", func() actor {
		return g.roleActor("terraform-deployer", "terraform", "34.201.17."+fmt.Sprint(20+g.v.acct.idx),
			"APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.80.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.196.0")
	})
}

func (g *ctGen) autoscaling() actor {
	return g.actor("autoscaling", func() actor {
		a := g.roleActor("AWSServiceRoleForAutoScaling", "AutoScaling", "autoscaling.amazonaws.com", "autoscaling.amazonaws.com")
		a.identity["invokedBy"] = "autoscaling.amazonaws.com"
		a.service = true
		return a
	})
}

func (g *ctGen) config() actor {
	return g.actor("config", func() actor {
		a := g.roleActor("AWSServiceRoleForConfig", "AWSConfig-Describe", "config.amazonaws.com", "config.amazonaws.com")
		a.identity["invokedBy"] = "config.amazonaws.com"
		a.service = true
		return a
	})
}

func (g *ctGen) user(name string) actor {
	return g.actor("user/"+name, func() actor {
		a := g.acct()
		return actor{
			identity: m{"type": "IAMUser", "principalId": "AIDA" + g.upper(17), "arn": fmt.Sprintf("arn:aws:iam::%s:user/%s", a, name),
				"accountId": a, "accessKeyId": "AKIA" + g.upper(16), "userName": name},
			sourceIP:  "203.0.113.1" + fmt.Sprint(g.r.intn(3)),
			userAgent: "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off",
		}
	})
}

func items(xs ...any) m { return m{"items": xs} }

// ---- security groups ----

// rule is one security-group permission.
type rule struct {
	proto    string
	from, to int
	cidr     string // IPv4 range
	cidr6    string // IPv6 range
	group    string // referenced security group
	egress   bool
}

// rules lists the permissions of each workload; they admit exactly the
// accepted traffic that the flow logs carry.
func (g *ctGen) rules(w *workload) []rule {
	v := g.v
	bastion := v.wl("bastion").sg
	fromBastion := []rule{{proto: "tcp", from: 22, to: 22, group: bastion}, {proto: "icmp", from: -1, to: -1, group: bastion}}
	var rs []rule
	switch w.spec.kind {
	case "web":
		rs = []rule{{proto: "tcp", from: 443, to: 443, cidr: "0.0.0.0/0"}, {proto: "tcp", from: 443, to: 443, cidr6: "::/0"}, {proto: "tcp", from: 80, to: 80, cidr: "0.0.0.0/0"},
			{proto: "tcp", from: legacyConsolePort, to: legacyConsolePort, cidr: "0.0.0.0/0"}} // planted: only unanswered probes use it
		for _, a := range g.est.pools.monitors.addrs {
			rs = append(rs, rule{proto: "icmp", from: -1, to: -1, cidr: a + "/32"})
		}
	case "api":
		rs = []rule{{proto: "tcp", from: 8080, to: 8080, group: v.wl("web").sg}}
	case "payment":
		rs = []rule{{proto: "tcp", from: 8443, to: 8443, group: v.wl("api").sg}}
	case "db":
		rs = []rule{{proto: "tcp", from: 5432, to: 5432, group: v.wl("api").sg}, {proto: "tcp", from: 5432, to: 5432, group: v.wl("batch").sg},
			{proto: "tcp", from: 443, to: 443, cidr: "0.0.0.0/0", egress: true},
			{proto: "tcp", from: retiredCachePort, to: retiredCachePort, cidr: v.cidr}} // planted: nothing uses it
	case "bastion":
		return []rule{{proto: "tcp", from: 22, to: 22, cidr: adminCIDR}}
	}
	return append(append(rs, fromBastion...), g.crossAccountRules(w)...)
}

// crossAccountRules admit the transit-gateway traffic by the peer VPCs'
// CIDRs, since security groups cannot reference groups across a TGW.
func (g *ctGen) crossAccountRules(w *workload) []rule {
	if g.v.attach == "" {
		return nil
	}
	vs := g.est.tgw.vpcs
	i := slices.Index(vs, g.v)
	var rs []rule
	switch w.spec.kind {
	case "payment":
		prev := vs[(i+len(vs)-1)%len(vs)]
		rs = append(rs, rule{proto: "tcp", from: 8443, to: 8443, cidr: prev.cidr})
	case "db":
		for _, o := range vs[1:] {
			if i == 0 {
				rs = append(rs, rule{proto: "tcp", from: 5432, to: 5432, cidr: o.cidr})
			}
		}
	}
	if i > 0 && (w.spec.kind == "web" || w.spec.kind == "api" || w.spec.kind == "db") {
		rs = append(rs, rule{proto: "tcp", from: 22, to: 22, cidr: vs[0].cidr})
	}
	return rs
}

// Planted for the audit: a port only probes reach, a port nothing uses,
// and a group nothing is attached to.
const (
	legacyConsolePort = 8081
	retiredCachePort  = 6379
	unusedGroupName   = "legacy-ftp"
)

func (g *ctGen) setup() {
	t := g.est.setupAt
	tf := g.terraform()
	for _, w := range g.v.workloads {
		g.createSG(t, tf, w.name, w.name+" instances", w.sg)
		t += 2
		for _, r := range g.rules(w) {
			g.authorize(t, tf, w.sg, r)
			t++
			switch r.from {
			case legacyConsolePort:
				g.t.planted.UnusedRules = append(g.t.planted.UnusedRules, PlantedRule{Group: w.sg, Port: r.from, Peer: r.cidr, Why: "probes only"})
			case retiredCachePort:
				g.t.planted.UnusedRules = append(g.t.planted.UnusedRules, PlantedRule{Group: w.sg, Port: r.from, Peer: r.cidr, Why: "no traffic"})
			}
		}
	}
	ftp := hexID("sg-", &g.r)
	g.createSG(t, tf, unusedGroupName, "FTP drop box, retired", ftp)
	g.authorize(t+1, tf, ftp, rule{proto: "tcp", from: 21, to: 21, cidr: "10.0.0.0/8"})
	g.t.planted.UnusedGroups = append(g.t.planted.UnusedGroups, ftp)
}

func (g *ctGen) createSG(t int64, who actor, name, desc, id string) {
	g.add(t, "CreateSecurityGroup", who,
		m{"groupName": name, "groupDescription": desc, "vpcId": g.v.id},
		m{"_return": true, "groupId": id, "securityGroupArn": fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", g.v.region.name, g.acct(), id)})
}

// authorize adds a rule and returns its ID.
func (g *ctGen) authorize(t int64, who actor, sg string, r rule) string {
	perm := m{"ipProtocol": r.proto, "fromPort": r.from, "toPort": r.to, "groups": m{}, "ipRanges": m{}, "ipv6Ranges": m{}, "prefixListIds": m{}}
	out := m{"groupOwnerId": g.acct(), "groupId": sg, "securityGroupRuleId": hexID("sgr-", &g.r), "isEgress": r.egress,
		"ipProtocol": r.proto, "fromPort": r.from, "toPort": r.to}
	out["securityGroupRuleArn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", g.v.region.name, g.acct(), out["securityGroupRuleId"])
	switch {
	case r.cidr != "":
		perm["ipRanges"], out["cidrIpv4"] = items(m{"cidrIp": r.cidr}), r.cidr
	case r.cidr6 != "":
		perm["ipv6Ranges"], out["cidrIpv6"] = items(m{"cidrIpv6": r.cidr6}), r.cidr6
	default:
		perm["groups"], out["referencedGroupInfo"] = items(m{"groupId": r.group}), m{"groupId": r.group, "userId": g.acct()}
	}
	name := "AuthorizeSecurityGroupIngress"
	if r.egress {
		name = "AuthorizeSecurityGroupEgress"
	}
	g.add(t, name, who, m{"groupId": sg, "ipPermissions": items(perm)},
		m{"_return": true, "securityGroupRuleSet": items(out)})
	return out["securityGroupRuleId"].(string)
}

// ---- instances ----

func (g *ctGen) instances() {
	for _, w := range g.v.workloads {
		who := g.autoscaling()
		if w.spec.terraform {
			who = g.terraform()
		}
		for _, in := range w.insts {
			g.runInstances(in, who)
			if w.spec.terraform {
				g.createTags(in, who)
			}
			if in.terminate < g.est.end {
				g.terminate(in, who)
			}
		}
	}
}

func (g *ctGen) runInstances(in *instance, who actor) {
	w := in.wl
	tags := []any{m{"key": "Name", "value": w.name}}
	if !w.spec.terraform {
		tags = append(tags, m{"key": "aws:autoscaling:groupName", "value": w.asg})
	}
	token := uuid(&g.r)
	req := m{
		"instancesSet":       items(m{"imageId": in.ami, "minCount": 1, "maxCount": 1}),
		"instanceType":       w.spec.itype,
		"blockDeviceMapping": m{}, "monitoring": m{"enabled": false}, "disableApiTermination": false, "disableApiStop": false,
		"clientToken":         token,
		"subnetId":            in.eni.subnet.id,
		"groupSet":            items(m{"groupId": w.sg}),
		"tagSpecificationSet": items(m{"resourceType": "instance", "tags": tags}),
	}
	resp := m{
		"reservationId": in.reserve, "ownerId": g.acct(), "groupSet": m{},
		"instancesSet": items(g.instanceItem(in, tags, token)),
	}
	g.add(in.launch, "RunInstances", who, req, resp)
}

func (g *ctGen) instanceItem(in *instance, tags []any, token string) m {
	w, f := in.wl, in.eni
	dns := g.privateDNS(f.ip)
	groups := items(m{"groupId": w.sg, "groupName": w.name})
	item := m{
		"instanceId": in.id, "imageId": in.ami, "instanceState": m{"code": 0, "name": "pending"},
		"privateDnsName": dns, "amiLaunchIndex": 0, "productCodes": m{}, "instanceType": w.spec.itype,
		"launchTime": in.launch * 1000, "placement": m{"availabilityZone": g.v.region.azName(f.subnet.az), "tenancy": "default"},
		"monitoring": m{"state": "disabled"}, "subnetId": f.subnet.id, "vpcId": g.v.id, "privateIpAddress": f.ip,
		"stateReason": m{"code": "pending", "message": "pending"}, "architecture": "x86_64", "rootDeviceType": "ebs",
		"rootDeviceName": "/dev/xvda", "blockDeviceMapping": m{}, "virtualizationType": "hvm", "clientToken": token,
		"tagSet": m{"items": tags}, "groupSet": groups, "sourceDestCheck": true, "hypervisor": "xen",
		"networkInterfaceSet": items(g.eniItem(in, groups, dns)),
		"ebsOptimized":        false, "enaSupport": true, "cpuOptions": m{"coreCount": 1, "threadsPerCore": 2},
		"capacityReservationSpecification": m{"capacityReservationPreference": "open"},
		"enclaveOptions":                   m{"enabled": false}, "bootMode": "uefi-preferred", "currentInstanceBootMode": "legacy-bios",
		"metadataOptions":    m{"state": "pending", "httpTokens": "required", "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled", "httpProtocolIpv4": "enabled", "httpProtocolIpv6": "disabled", "instanceMetadataTags": "disabled"},
		"maintenanceOptions": m{"autoRecovery": "default"},
	}
	if in.windows {
		item["platform"] = "windows"
	}
	return item
}

func (g *ctGen) eniItem(in *instance, groups m, dns string) m {
	f := in.eni
	v6 := m{}
	if f.ip6 != "" {
		v6 = items(m{"ipv6Address": f.ip6})
	}
	return m{
		"networkInterfaceId": f.id, "subnetId": f.subnet.id, "vpcId": g.v.id, "description": "", "ownerId": g.acct(),
		"status": "in-use", "macAddress": f.mac, "privateIpAddress": f.ip, "privateDnsName": dns, "sourceDestCheck": true,
		"interfaceType": "interface", "groupSet": groups,
		"attachment":            m{"attachmentId": in.attachID, "deviceIndex": 0, "networkCardIndex": 0, "status": "attaching", "attachTime": in.launch * 1000, "deleteOnTermination": true},
		"privateIpAddressesSet": m{"item": []any{m{"privateIpAddress": f.ip, "privateDnsName": dns, "primary": true}}},
		"ipv6AddressesSet":      v6, "tagSet": m{},
	}
}

func (g *ctGen) privateDNS(ip string) string {
	return "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + g.v.region.domain
}

// createTags is Terraform's follow-up tagging of what it launched.
func (g *ctGen) createTags(in *instance, who actor) {
	tags := items(m{"key": "Name", "value": in.wl.name}, m{"key": "Environment", "value": g.v.acct.env}, m{"key": "Owner", "value": "platform-team"})
	g.add(in.launch+2, "CreateTags", who,
		m{"resourcesSet": items(m{"resourceId": in.id}), "tagSet": tags},
		m{"_return": true})
}

func (g *ctGen) terminate(in *instance, who actor) {
	g.add(in.terminate, "TerminateInstances", who,
		m{"instancesSet": items(m{"instanceId": in.id}), "force": false, "skipOsShutdown": false},
		m{"instancesSet": items(m{"instanceId": in.id, "currentState": m{"code": 32, "name": "shutting-down"}, "previousState": m{"code": 16, "name": "running"}})})
}

// ---- noise ----

// describes is AWS Config polling the instances every quarter hour.
func (g *ctGen) describes() {
	who := g.config()
	for t := g.est.setupAt + 600; t < g.est.end; t += int64(840 + g.r.intn(120)) {
		ev := g.add(t, "DescribeInstances", who, m{"instancesSet": m{}, "filterSet": m{}}, nil)
		ev.ReadOnly = true
	}
}

// logins are console sign-ins during working hours, recorded in the first
// region only as the global sign-in endpoint's events are.
func (g *ctGen) logins() {
	if g.v.region.name != g.est.cfg.Regions[0] {
		return
	}
	for day := g.est.start - g.est.start%86400; day < g.est.end; day += 86400 {
		for i, n := 0, g.r.between(2, 4); i < n; i++ {
			t := day + int64(8*3600+g.r.intn(10*3600))
			if t >= g.est.start {
				g.login(t, []string{"alice", "bob", "carol"}[g.r.intn(3)])
			}
		}
	}
}

func (g *ctGen) login(t int64, name string) {
	who := g.user(name)
	ev := g.add(t, "ConsoleLogin", who, nil, nil)
	ev.ResponseElements = m{"ConsoleLogin": "Success"}
	ev.EventSource, ev.EventType, ev.EventVersion, ev.ReadOnly = "signin.amazonaws.com", "AwsConsoleSignIn", "1.09", false
	ev.UserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	ev.RequestID, ev.TLSDetails = "", nil
	ev.AdditionalEventData = m{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes"}
}

// incident: in the last account, someone makes a debugging security
// group with SSH open to the world, attaches it to a web instance by hand
// (where automation attaches every other group), and a little later
// widens the rule to every port up to RDP — in ModifySecurityGroupRules'
// nested request shape.
func (g *ctGen) incident() {
	inc := g.est.incident
	if inc == nil || inc.v != g.v {
		return
	}
	t := inc.at
	who := g.user("bob")
	sg := hexID("sg-", &g.r)
	g.createSG(t, who, "debug-temp", "temporary debugging access", sg)
	id := g.authorize(t+40, who, sg, rule{proto: "tcp", from: 22, to: 22, cidr: "0.0.0.0/0"})
	plant := func(at int64, event, eni, flag string) {
		g.t.planted.Changes = append(g.t.planted.Changes, PlantedChange{Time: time.Unix(at, 0).UTC(), Event: event, User: "bob", Group: sg, Interface: eni, Flag: flag})
	}
	plant(t+40, "AuthorizeSecurityGroupIngress", "", "open_to_world")
	web := g.v.wl("web")
	if in := inc.inst; in != nil {
		g.add(t+120, "ModifyNetworkInterfaceAttribute", who,
			m{"networkInterfaceId": in.eni.id, "groupSet": items(m{"groupId": web.sg}, m{"groupId": sg})}, m{"_return": true})
		plant(t+120, "ModifyNetworkInterfaceAttribute", in.eni.id, "unusual_actor")
	}
	plant(t+300, "ModifySecurityGroupRules", "", "admin_port_open_to_internet")
	g.add(t+300, "ModifySecurityGroupRules", who,
		m{"ModifySecurityGroupRulesRequest": m{"GroupId": sg, "SecurityGroupRule": m{"SecurityGroupRuleId": id, "tag": 1,
			"SecurityGroupRule": m{"IpProtocol": "tcp", "FromPort": "22", "ToPort": "3389", "CidrIpv4": "0.0.0.0/0"}}}},
		m{"ModifySecurityGroupRulesResponse": m{"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": uuid(&g.r), "return": true}})
}

// ---- objects ----

func (g *ctGen) write(ctx context.Context) error {
	obj := newGzObject()
	for i := 0; i < len(g.events); {
		if err := ctx.Err(); err != nil {
			return err
		}
		bucket := g.events[i].t - g.events[i].t%300
		j := i
		for j < len(g.events) && g.events[j].t-g.events[j].t%300 == bucket {
			j++
		}
		if err := g.writeObject(obj, bucket, g.events[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func (g *ctGen) writeObject(obj *gzObject, bucket int64, evs []*ctEvent) error {
	b, err := json.Marshal(struct {
		Records []*ctEvent `json:"Records"`
	}{evs})
	if err != nil {
		return fmt.Errorf("cannot encode CloudTrail events: %w", err)
	}
	if err := obj.open(g.objectPath(bucket)); err != nil {
		return err
	}
	obj.write(b)
	if err := obj.close(); err != nil {
		return err
	}
	g.t.objects++
	g.t.cloudtrail += int64(len(evs))
	return nil
}

// objectPath names an object as CloudTrail does:
// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
// <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 characters>.json.gz.
func (g *ctGen) objectPath(bucket int64) string {
	t := time.Unix(bucket+300, 0).UTC()
	a, reg := g.acct(), g.v.region.name
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", a, reg, t.Format("20060102T1504Z"), alnum(&g.r, 16))
	return filepath.Join(g.root, "AWSLogs", a, "CloudTrail", reg, t.Format("2006"), t.Format("01"), t.Format("02"), name)
}
