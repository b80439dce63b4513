package inventory

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

func (s *state) groupEvent(ev Event, req, resp node) {
	who := ev.Actor.ARN
	switch ev.Name {
	case "CreateSecurityGroup":
		id := resp.get("groupId").str()
		if id == "" {
			return
		}
		g := s.group(id, ev.Account, ev.Region)
		g.Name, g.Description, g.VPC = req.get("groupName").str(), req.get("groupDescription").str(), req.get("vpcId").str()
		g.Created, g.CreatedBy, g.Origin = ev.Time, who, fromCloudTrail
		// AWS gives every new VPC group an allow-all egress rule; CloudTrail
		// does not show it.
		s.addRule(Rule{GroupID: id, Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CIDR: "0.0.0.0/0", From: ev.Time, Origin: "default"})
		s.change(ev, Change{Action: "group_created", GroupID: id})
	case "DeleteSecurityGroup":
		id := s.groupID(req)
		if g := s.groups[id]; g != nil {
			g.Deleted = ev.Time
		}
		for k, r := range s.rules {
			if r.GroupID == id {
				s.removeRule(k, ev.Time, who)
			}
		}
		s.change(ev, Change{Action: "group_deleted", GroupID: id})
	case "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress":
		egress := ev.Name == "AuthorizeSecurityGroupEgress"
		rs := responseRules(resp)
		if len(rs) == 0 {
			rs = requestRules(req, s.groupID(req), egress)
		}
		for _, r := range rs {
			r.From, r.AddedBy, r.Origin = ev.Time, who, fromCloudTrail
			s.group(r.GroupID, ev.Account, ev.Region)
			s.addRule(r)
			s.change(ev, Change{Action: "rule_added", GroupID: r.GroupID, Rule: ptr(r)})
		}
	case "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress":
		egress := ev.Name == "RevokeSecurityGroupEgress"
		gid := s.groupID(req)
		// Each revoked rule as the request names it; the live rule it
		// matches, when known, replaces it. A rule the evidence never saw
		// added is still a change.
		var named []Rule
		for _, id := range texts(req.get("securityGroupRuleIds")) {
			named = append(named, Rule{ID: id, GroupID: gid, Egress: egress, FromPort: -1, ToPort: -1})
		}
		named = append(named, requestRules(req, gid, egress)...)
		for _, r := range named {
			k := r.key()
			if r.ID != "" {
				k = s.keyOfID(r.ID)
			}
			if live, ok := s.rules[k]; ok {
				r = *live
				s.removeRule(k, ev.Time, who)
			}
			r.To, r.RemovedBy = ev.Time, who
			s.change(ev, Change{Action: "rule_removed", GroupID: r.GroupID, Rule: ptr(r)})
		}
	case "ModifySecurityGroupRules":
		s.modifyRules(ev, req)
	}
}

func ptr[T any](v T) *T { return &v }

// modifyRules handles ModifySecurityGroupRules, whose parameters arrive
// in the XML-derived shape: ModifySecurityGroupRulesRequest.{GroupId,
// SecurityGroupRule: one or a list of {SecurityGroupRuleId,
// SecurityGroupRule: {IpProtocol, FromPort, …}}}.
func (s *state) modifyRules(ev Event, req node) {
	body := req.get("ModifySecurityGroupRulesRequest")
	if body.missing() {
		body = req
	}
	gid := body.get("GroupId").str()
	for _, upd := range body.get("SecurityGroupRule", "SecurityGroupRules").list() {
		id := upd.get("SecurityGroupRuleId").str()
		spec := upd.get("SecurityGroupRule")
		if id == "" || spec.missing() {
			continue
		}
		r := Rule{ID: id, GroupID: gid, FromPort: -1, ToPort: -1}
		if k := s.keyOfID(id); k != "" {
			if old, ok := s.rules[k]; ok {
				r.Egress = old.Egress
				s.removeRule(k, ev.Time, ev.Actor.ARN)
			}
		}
		fillRule(&r, spec)
		r.From, r.AddedBy, r.Origin = ev.Time, ev.Actor.ARN, fromCloudTrail
		s.group(gid, ev.Account, ev.Region)
		s.addRule(r)
		s.change(ev, Change{Action: "rule_modified", GroupID: gid, Rule: ptr(r)})
	}
}

// fillRule reads a rule's protocol, ports and peer from the
// SecurityGroupRule / SecurityGroupRuleRequest shapes, in either case.
func fillRule(r *Rule, n node) {
	if p := n.get("ipProtocol").str(); p != "" {
		r.Protocol = strings.ToLower(p)
	}
	if v, ok := n.get("fromPort").integer(); ok {
		r.FromPort = int(v)
	}
	if v, ok := n.get("toPort").integer(); ok {
		r.ToPort = int(v)
	}
	if c := cmp.Or(n.get("cidrIpv4", "cidrIp").str(), n.get("cidrIpv6").str()); c != "" {
		r.CIDR = c
	}
	if g := cmp.Or(n.path("referencedGroupInfo", "groupId").str(), n.get("referencedGroupId").str()); g != "" {
		r.RefGroup = g
	}
	if p := n.get("prefixListId").str(); p != "" {
		r.PrefixList = p
	}
	if d := n.get("description").str(); d != "" {
		r.Description = d
	}
	if e, ok := n.get("isEgress").boolean(); ok {
		r.Egress = e
	}
}

// responseRules reads securityGroupRuleSet: one rule per item, with IDs.
func responseRules(resp node) []Rule {
	var out []Rule
	for _, it := range resp.get("securityGroupRuleSet").list() {
		r := Rule{ID: it.get("securityGroupRuleId").str(), GroupID: it.get("groupId").str(), FromPort: -1, ToPort: -1}
		fillRule(&r, it)
		if r.GroupID != "" {
			out = append(out, r)
		}
	}
	return out
}

// requestRules expands IP permissions into one rule per peer. Both the
// ipPermissions shape and the flat legacy one (cidrIp, ipProtocol,
// fromPort, toPort at the top) are read; so are the API's own names
// (IpPermissions, IpRanges, UserIdGroupPairs) as snapshots write them.
func requestRules(req node, group string, egress bool) []Rule {
	perms := req.get("ipPermissions").list()
	if len(perms) == 0 && !req.get("ipProtocol").missing() {
		perms = []node{req}
	}
	return permissionRules(perms, group, egress)
}

func permissionRules(perms []node, group string, egress bool) []Rule {
	var out []Rule
	for _, p := range perms {
		base := Rule{GroupID: group, Egress: egress, Protocol: strings.ToLower(p.get("ipProtocol").str()), FromPort: -1, ToPort: -1}
		if v, ok := p.get("fromPort").integer(); ok {
			base.FromPort = int(v)
		}
		if v, ok := p.get("toPort").integer(); ok {
			base.ToPort = int(v)
		}
		add := func(mod func(*Rule), desc string) {
			r := base
			mod(&r)
			r.Description = desc
			out = append(out, r)
		}
		if c := p.get("cidrIp").str(); c != "" {
			add(func(r *Rule) { r.CIDR = c }, "")
		}
		for _, x := range p.get("ipRanges").list() {
			add(func(r *Rule) { r.CIDR = x.get("cidrIp").str() }, x.get("description").str())
		}
		for _, x := range p.get("ipv6Ranges").list() {
			add(func(r *Rule) { r.CIDR = x.get("cidrIpv6").str() }, x.get("description").str())
		}
		for _, x := range p.get("groups", "userIdGroupPairs").list() {
			add(func(r *Rule) { r.RefGroup = x.get("groupId").str() }, x.get("description").str())
		}
		for _, x := range p.get("prefixListIds").list() {
			add(func(r *Rule) { r.PrefixList = x.get("prefixListId").str() }, x.get("description").str())
		}
	}
	return slices.DeleteFunc(out, func(r Rule) bool { return r.Peer() == "" })
}

// key identifies a live rule by what it allows: CloudTrail's revocations
// by permission name the rule that way, not by ID.
func (r Rule) key() string {
	return fmt.Sprintf("%s|%t|%d|%d|%d|%s", r.GroupID, r.Egress, r.ProtocolNumber(), r.FromPort, r.ToPort, canonicalPeer(r.Peer()))
}

func canonicalPeer(p string) string {
	if pr, err := netip.ParsePrefix(p); err == nil {
		return pr.Masked().String()
	}
	return strings.ToLower(p)
}

func (s *state) keyOfID(id string) string {
	for k, r := range s.rules {
		if r.ID == id {
			return k
		}
	}
	return ""
}

func (s *state) addRule(r Rule) {
	k := r.key()
	if old, ok := s.rules[k]; ok {
		if old.ID == "" {
			old.ID = r.ID
		}
		return // the same permission again: AWS refuses duplicates, a snapshot repeats it
	}
	s.rules[k] = &r
}

func (s *state) removeRule(k string, t time.Time, who string) {
	r := s.rules[k]
	delete(s.rules, k)
	r.To, r.RemovedBy = t, who
	s.dead = append(s.dead, *r)
}

func (s *state) group(id, account, region string) *Group {
	g := s.groups[id]
	if g == nil {
		g = &Group{ID: id, Account: account, Region: region}
		s.groups[id] = g
	}
	if g.Account == "" {
		g.Account = account
	}
	if g.Region == "" {
		g.Region = region
	}
	return g
}

// groupID reads the target group: groupId, or groupName resolved among
// the groups known.
func (s *state) groupID(req node) string {
	if id := req.get("groupId").str(); id != "" {
		return id
	}
	name := req.get("groupName").str()
	for id, g := range s.groups {
		if name != "" && g.Name == name {
			return id
		}
	}
	return ""
}
