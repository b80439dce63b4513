package inventory

import (
	"cmp"
	"slices"
	"time"
)

const fromSnapshot = "snapshot"

// observe applies one describe-* item: what was true at its time. An
// interface first met here predates the evidence. A security group's
// item lists all its rules, so rules it lacks are gone.
func (s *state) observe(o Observation) {
	doc := parse(o.Document)
	switch o.Kind {
	case "instance":
		s.observeInstance(o, doc)
	case "network_interface":
		s.observeInterface(o, doc, "", nil)
	case "security_group":
		s.observeGroup(o, doc)
	case "security_group_rule":
		r := Rule{ID: doc.get("SecurityGroupRuleId").str(), GroupID: doc.get("GroupId").str(), FromPort: -1, ToPort: -1, Origin: fromSnapshot}
		fillRule(&r, doc)
		if r.GroupID == "" || r.Peer() == "" {
			return
		}
		s.group(r.GroupID, cmp.Or(doc.get("GroupOwnerId").str(), o.Account), o.Region)
		if k := s.keyOfID(r.ID); k == "" {
			s.addRule(r)
		}
	}
}

func (s *state) observeInstance(o Observation, doc node) {
	id := doc.get("InstanceId").str()
	if id == "" {
		return
	}
	in := s.inst(id)
	in.account, in.region = cmp.Or(doc.get("OwnerId").str(), o.Account), o.Region
	if tags := doc.get("Tags").tags(); len(tags) > 0 || !doc.get("Tags").missing() {
		in.tags = tags
	}
	az := doc.path("Placement", "AvailabilityZone").str()
	for _, ni := range doc.get("NetworkInterfaces").list() {
		s.observeInterface(o, ni, id, &instanceDefaults{az: az, vpc: doc.get("VpcId").str(), subnet: doc.get("SubnetId").str(), account: in.account})
	}
	if st := doc.path("State", "Name").str(); st == "terminated" {
		s.terminate(id, o.Time)
	}
}

type instanceDefaults struct{ az, vpc, subnet, account string }

// observeInterface applies a NetworkInterface item, standalone or nested
// in an instance (which then supplies what the nested item omits).
func (s *state) observeInterface(o Observation, ni node, inst string, d *instanceDefaults) {
	id := ni.get("NetworkInterfaceId").str()
	if id == "" {
		return
	}
	// A new interface's observed state reaches back to its attachment,
	// when the item says; a known one's state changes at the observation.
	when := o.Time
	e := s.enis[id]
	if e == nil {
		if at := attachTime(ni); !at.IsZero() && at.Before(when) {
			when = at
		}
		e = s.eni(id, when, false)
	}
	if tags := ni.get("TagSet", "Tags"); !tags.missing() {
		e.ownTags = tags.tags()
	}
	if inst == "" {
		inst = ni.path("Attachment", "InstanceId").str()
	}
	if a := ni.path("Attachment", "AttachmentId").str(); a != "" {
		s.attach[a] = id
	}
	if d == nil {
		d = &instanceDefaults{}
	}
	var ips, v6 []string
	for _, p := range ni.get("PrivateIpAddresses").list() {
		ips = append(ips, p.get("PrivateIpAddress").str())
	}
	ips = append(ips, ni.get("PrivateIpAddress").str())
	for _, p := range ni.get("Ipv6Addresses").list() {
		v6 = append(v6, p.get("Ipv6Address").str())
	}
	if inst != "" {
		in := s.inst(inst)
		if !slices.Contains(in.enis, id) {
			in.enis = append(in.enis, id)
		}
	}
	s.update(id, when, fromSnapshot, func(i *Interface) {
		i.Account = cmp.Or(ni.get("OwnerId").str(), d.account, o.Account, i.Account)
		i.Region = cmp.Or(o.Region, i.Region)
		i.VPC, i.Subnet = cmp.Or(ni.get("VpcId").str(), d.vpc, i.VPC), cmp.Or(ni.get("SubnetId").str(), d.subnet, i.Subnet)
		i.AZ = cmp.Or(ni.get("AvailabilityZone").str(), d.az, i.AZ)
		i.InstanceID = inst
		i.PrivateIPs, i.IPv6 = sortedUnique(ips), sortedUnique(v6)
		i.Groups = sortedUnique(ni.get("Groups").strs("GroupId"))
		i.Description = cmp.Or(ni.get("Description").str(), i.Description)
		i.Type = cmp.Or(ni.get("InterfaceType").str(), i.Type, "interface")
	})
}

func attachTime(ni node) time.Time {
	t, err := time.Parse(time.RFC3339, ni.path("Attachment", "AttachTime").str())
	if err != nil {
		return time.Time{}
	}
	return t
}

// observeGroup applies a SecurityGroup item: the group and every rule it
// holds now. Live rules of the group that the item lacks were removed at
// some point the evidence missed; they end here.
func (s *state) observeGroup(o Observation, doc node) {
	id := doc.get("GroupId").str()
	if id == "" {
		return
	}
	g := s.group(id, cmp.Or(doc.get("OwnerId").str(), o.Account), o.Region)
	g.Name = cmp.Or(doc.get("GroupName").str(), g.Name)
	g.Description = cmp.Or(doc.get("Description").str(), g.Description)
	g.VPC = cmp.Or(doc.get("VpcId").str(), g.VPC)
	if g.Origin == "" {
		g.Origin = fromSnapshot
	}
	seen := map[string]bool{}
	for _, egress := range []bool{false, true} {
		key := "IpPermissions"
		if egress {
			key = "IpPermissionsEgress"
		}
		for _, r := range permissionRules(doc.get(key).list(), id, egress) {
			r.From, r.Origin = o.Time, fromSnapshot
			if _, live := s.rules[r.key()]; !live {
				r.From = time.Time{} // it existed before this look; since when, the evidence does not say
			}
			seen[r.key()] = true
			s.addRule(r)
		}
	}
	for k, r := range s.rules {
		if r.GroupID == id && !seen[k] {
			s.removeRule(k, o.Time, "")
		}
	}
}
