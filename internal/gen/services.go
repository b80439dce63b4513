package gen

import (
	"cmp"
	"slices"
)

// Service is one kind of conversation in the estate's traffic model: who
// calls whom, on which protocol and port, and whether the server's
// security group lets it in and the server answers. It is the ground
// truth of what each workload really serves and calls, against which the
// security-group advisor is checked.
type Service struct {
	Client     string `json:"client"`     // a workload's Name tag, load-balancer, or outside the estate: clients, office, monitors, scanners, internet
	Server     string `json:"server"`     // a workload's Name tag, vpc-endpoint, vpc-resolver, or a pool on the internet: websites, aws, payment-provider, ntp
	Protocol   int    `json:"protocol"`   // IANA number; 0 on scans, which draw it per conversation
	Port       int    `json:"port"`       // 0 for ICMP and on scans
	IPv6       bool   `json:"ipv6"`       // carried over IPv6
	Internet   bool   `json:"internet"`   // the client or the server is outside the estate
	CrossVPC   bool   `json:"cross_vpc"`  // through the transit gateway
	Rejected   bool   `json:"rejected"`   // the server's security group drops it
	Unanswered bool   `json:"unanswered"` // accepted, but nothing answers
	Scan       bool   `json:"scan"`       // a scanner probing ports
}

// services lists the estate's edges as services, and the conversations
// of the benign look-alikes (a database's nightly backup to S3, cron jobs,
// the bastion's monitoring, load-balancer health checks, the company's
// scanner), which are the workloads' real work too, without duplicates.
// Attacks are not listed: what a compromised host does is not what its
// workload serves or calls.
func (e *estate) services() []Service {
	var out []Service
	add := func(s Service) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, ed := range e.edges {
		add(Service{Client: e.peerName(ed.cli), Server: e.peerName(ed.srv), Protocol: ed.tr.proto, Port: ed.tr.port,
			IPv6: ed.v6, Internet: ed.cli.kind == peerPool || ed.srv.kind == peerPool, CrossVPC: ed.path == pathTGW,
			Rejected: ed.reject, Unanswered: ed.unanswered, Scan: ed.tr.scan})
	}
	for _, p := range e.plans {
		if !p.truth.Benign {
			continue
		}
		for i := range p.shots {
			add(e.shotService(&p.shots[i]))
		}
	}
	slices.SortFunc(out, func(a, b Service) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Client, b.Client), cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
	})
	return out
}

func (e *estate) peerName(p peer) string {
	switch p.kind {
	case peerWorkload:
		return p.wl.name
	case peerIface:
		return "vpc-endpoint"
	case peerAddr:
		return "vpc-resolver"
	}
	names := map[*pool]string{e.pools.clients4: "clients", e.pools.clients6: "clients", e.pools.scanners: "scanners",
		e.pools.office: "office", e.pools.monitors: "monitors", e.pools.web: "websites", e.pools.aws: "aws",
		e.pools.payment: "payment-provider", e.pools.ntp: "ntp"}
	return names[p.pool]
}

// shotService is the service an injected conversation uses.
func (e *estate) shotService(s *shot) Service {
	port := s.sport
	if s.proto != 6 && s.proto != 17 {
		port = 0
	}
	return Service{Client: e.endName(s.cli), Server: e.endName(s.srv), Protocol: s.proto, Port: port, IPv6: s.v6,
		Internet: s.cli.ifc == nil || s.srv.ifc == nil, CrossVPC: s.ed.path == pathTGW, Rejected: s.ed.reject, Unanswered: s.ed.unanswered}
}

// endName names a shot's end as peerName names an edge's: the instance's
// workload, vpc-endpoint, load-balancer for another interface without an
// instance, the AWS pool, else internet.
func (e *estate) endName(x end) string {
	switch {
	case x.inst != nil:
		return x.inst.wl.name
	case x.ifc != nil && x.ifc == x.ifc.vpc.vpce:
		return "vpc-endpoint"
	case x.ifc != nil:
		return "load-balancer"
	case slices.Contains(e.pools.aws.addrs, x.ip):
		return "aws"
	}
	return "internet"
}
