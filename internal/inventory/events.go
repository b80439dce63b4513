package inventory

import (
	"cmp"
	"strings"
	"time"
)

const fromCloudTrail = "cloudtrail"

// EventNames are the CloudTrail events the inventory replays; everything
// else is ignored. Readers may filter on them.
var EventNames = []string{
	"RunInstances", "TerminateInstances", "CreateNetworkInterface", "DeleteNetworkInterface",
	"AttachNetworkInterface", "DetachNetworkInterface", "ModifyNetworkInterfaceAttribute", "ModifyInstanceAttribute",
	"AssignPrivateIpAddresses", "UnassignPrivateIpAddresses", "AssignIpv6Addresses", "UnassignIpv6Addresses",
	"CreateTags", "DeleteTags", "CreateSecurityGroup", "DeleteSecurityGroup",
	"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
	"ModifySecurityGroupRules",
}

func (s *state) apply(ev Event) {
	req, resp := parse(ev.Request), parse(ev.Response)
	switch ev.Name {
	case "RunInstances":
		s.runInstances(ev, req, resp)
	case "TerminateInstances":
		for _, id := range req.get("instancesSet").strs("instanceId") {
			s.terminate(id, ev.Time)
		}
	case "CreateNetworkInterface":
		s.createInterface(ev, req, resp.get("networkInterface"))
	case "DeleteNetworkInterface":
		if e := s.enis[req.get("networkInterfaceId").str()]; e != nil {
			e.cur.Deleted = ev.Time
		}
	case "AttachNetworkInterface":
		eni := req.get("networkInterfaceId").str()
		if id := resp.get("attachmentId").str(); id != "" {
			s.attach[id] = eni
		}
		s.attachTo(eni, req.get("instanceId").str(), ev.Time, fromCloudTrail)
	case "DetachNetworkInterface":
		s.detach(s.attach[req.get("attachmentId").str()], ev.Time, fromCloudTrail)
	case "ModifyNetworkInterfaceAttribute":
		s.setGroups(ev, req.get("networkInterfaceId").str(), "", req.get("groupSet").strs("groupId"))
	case "ModifyInstanceAttribute":
		if in := s.insts[req.get("instanceId").str()]; in != nil && len(in.enis) > 0 {
			s.setGroups(ev, in.enis[0], in.id, req.get("groupSet").strs("groupId"))
		}
	case "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses":
		ips := req.get("privateIpAddressesSet").strs("privateIpAddress")
		ips = append(ips, resp.path("assignedPrivateIpAddressesSet", "assignedPrivateIpAddressSet").strs("privateIpAddress")...)
		s.changeIPs(req.get("networkInterfaceId").str(), ev.Time, ips, ev.Name == "AssignPrivateIpAddresses", false)
	case "AssignIpv6Addresses", "UnassignIpv6Addresses":
		ips := req.get("ipv6Addresses").strs("ipv6Address")
		ips = append(ips, texts(resp.get("assignedIpv6Addresses"))...)
		s.changeIPs(req.get("networkInterfaceId").str(), ev.Time, ips, ev.Name == "AssignIpv6Addresses", true)
	case "CreateTags", "DeleteTags":
		s.tagEvent(ev, req)
	default:
		s.groupEvent(ev, req, resp)
	}
}

// texts reads a collection of bare strings or {"item": "…"} shapes.
func texts(n node) []string {
	var out []string
	for _, e := range n.list() {
		if s := e.str(); s != "" {
			out = append(out, s)
		} else if s := e.get("item", "value").str(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *state) runInstances(ev Event, req, resp node) {
	launchTags := map[string]string{}
	eniTags := map[string]string{}
	for _, spec := range req.get("tagSpecificationSet").list() {
		switch spec.get("resourceType").str() {
		case "instance":
			mergeTags(launchTags, spec.get("tags", "tagSet").tags())
		case "network-interface":
			mergeTags(eniTags, spec.get("tags", "tagSet").tags())
		}
	}
	for _, it := range resp.get("instancesSet").list() {
		id := it.get("instanceId").str()
		if id == "" {
			continue
		}
		in := s.inst(id)
		in.account, in.region = ev.Account, ev.Region
		mergeTags(in.tags, launchTags)
		mergeTags(in.tags, it.get("tagSet").tags())
		az := it.path("placement", "availabilityZone").str()
		for _, ni := range it.get("networkInterfaceSet").list() {
			eni := ni.get("networkInterfaceId").str()
			if eni == "" {
				continue
			}
			e := s.eni(eni, ev.Time, true)
			mergeTags(e.ownTags, eniTags)
			if a := ni.path("attachment", "attachmentId").str(); a != "" {
				s.attach[a] = eni
			}
			groups := ni.get("groupSet").strs("groupId")
			s.update(eni, ev.Time, fromCloudTrail, func(i *Interface) {
				i.Account, i.Region, i.AZ = ev.Account, ev.Region, az
				i.VPC, i.Subnet = cmp.Or(ni.get("vpcId").str(), it.get("vpcId").str()), cmp.Or(ni.get("subnetId").str(), it.get("subnetId").str())
				i.PrivateIPs = sortedUnique(append(ni.get("privateIpAddressesSet").strs("privateIpAddress"), ni.get("privateIpAddress").str()))
				i.IPv6 = sortedUnique(ni.get("ipv6AddressesSet").strs("ipv6Address"))
				i.Groups = sortedUnique(groups)
				i.Type = cmp.Or(ni.get("interfaceType").str(), "interface")
			})
			s.attachTo(eni, id, ev.Time, fromCloudTrail)
			s.recordGroups(ev, eni, id, nil, groups)
		}
	}
}

func (s *state) terminate(instID string, t time.Time) {
	in := s.insts[instID]
	if in == nil {
		return
	}
	// The interfaces go with the instance (delete-on-termination); an
	// interface kept would be detached by a later event.
	for _, id := range in.enis {
		if e := s.enis[id]; e != nil && e.cur.Deleted.IsZero() {
			e.cur.Deleted = t
		}
	}
}

func (s *state) createInterface(ev Event, req, ni node) {
	id := ni.get("networkInterfaceId").str()
	if id == "" {
		return
	}
	e := s.eni(id, ev.Time, true)
	mergeTags(e.ownTags, ni.get("tagSet").tags())
	for _, spec := range req.get("tagSpecificationSet").list() {
		mergeTags(e.ownTags, spec.get("tags", "tagSet").tags())
	}
	groups := ni.get("groupSet").strs("groupId")
	s.update(id, ev.Time, fromCloudTrail, func(i *Interface) {
		i.Account, i.Region = ev.Account, ev.Region
		i.VPC, i.Subnet, i.AZ = ni.get("vpcId").str(), ni.get("subnetId").str(), ni.get("availabilityZone").str()
		i.PrivateIPs = sortedUnique(append(ni.get("privateIpAddressesSet").strs("privateIpAddress"), ni.get("privateIpAddress").str()))
		i.IPv6 = sortedUnique(ni.get("ipv6AddressesSet").strs("ipv6Address"))
		i.Groups = sortedUnique(groups)
		i.Description = ni.get("description").str()
		i.Type = cmp.Or(ni.get("interfaceType").str(), "interface")
	})
	s.recordGroups(ev, id, "", nil, groups)
}

// setGroups replaces an interface's security groups.
func (s *state) setGroups(ev Event, eni, inst string, groups []string) {
	if eni == "" || len(groups) == 0 {
		return
	}
	var before []string
	if e := s.enis[eni]; e != nil {
		before = e.cur.Groups
		if inst == "" {
			inst = e.cur.InstanceID
		}
	}
	s.update(eni, ev.Time, fromCloudTrail, func(i *Interface) { i.Groups = sortedUnique(groups) })
	s.recordGroups(ev, eni, inst, before, groups)
}

func (s *state) changeIPs(eni string, t time.Time, ips []string, add, v6 bool) {
	if eni == "" || len(ips) == 0 {
		return
	}
	s.update(eni, t, fromCloudTrail, func(i *Interface) {
		set := &i.PrivateIPs
		if v6 {
			set = &i.IPv6
		}
		if add {
			*set = sortedUnique(append(*set, ips...))
			return
		}
		drop := map[string]bool{}
		for _, ip := range ips {
			drop[ip] = true
		}
		var keep []string
		for _, ip := range *set {
			if !drop[ip] {
				keep = append(keep, ip)
			}
		}
		*set = keep
	})
}

// tagEvent applies CreateTags/DeleteTags to instances and interfaces. A
// DeleteTags entry without a value removes the key whatever its value.
func (s *state) tagEvent(ev Event, req node) {
	set := req.get("tagSet", "tagsSet", "tags")
	for _, id := range req.get("resourcesSet", "resources").strs("resourceId") {
		var tags map[string]string
		var in *instState
		switch {
		case strings.HasPrefix(id, "i-"):
			in = s.inst(id)
			tags = in.tags
		case strings.HasPrefix(id, "eni-"):
			tags = s.eni(id, ev.Time, false).ownTags
		default:
			continue
		}
		for _, t := range set.list() {
			k := t.get("key").str()
			if ev.Name == "CreateTags" {
				tags[k] = t.get("value").str()
				continue
			}
			if v := t.get("value"); v.missing() || v.str() == tags[k] {
				delete(tags, k)
			}
		}
		if in != nil {
			s.retag(in, ev.Time, fromCloudTrail)
		} else {
			s.update(id, ev.Time, fromCloudTrail, func(*Interface) {})
		}
	}
}

func mergeTags(dst, src map[string]string) {
	for k, v := range src {
		dst[k] = v
	}
}
