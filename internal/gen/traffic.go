package gen

import (
	"math"
	"time"
)

// rateUnit is the number of conversations a minute that one unit of edge
// weight starts at Scale 1. It is calibrated so that the default estate
// (3 accounts, 2 regions, 24 h) writes about 200,000 flow records at
// Scale 1.
const rateUnit = 0.72

type workloadSpec struct {
	kind       string
	tier       tier
	minN, maxN int
	life       time.Duration // mean instance lifetime
	itype      string
	ipv6       bool // has an IPv6 address
	windows    bool // Windows: ephemeral ports 49152–65535
	terraform  bool // launched by Terraform rather than an Auto Scaling group
	forceChurn bool // the first instance of the first slot always dies mid-period
}

var workloadSpecs = []*workloadSpec{
	{kind: "web", tier: tierPublic, minN: 2, maxN: 4, life: 6 * time.Hour, itype: "t3.medium", ipv6: true, forceChurn: true},
	{kind: "api", tier: tierPrivate, minN: 2, maxN: 3, life: 8 * time.Hour, itype: "m5.large"},
	{kind: "payment", tier: tierPrivate, minN: 1, maxN: 2, life: 10 * time.Hour, itype: "m5.large"},
	{kind: "db", tier: tierData, minN: 1, maxN: 2, life: 30 * time.Hour, itype: "r5.xlarge", terraform: true},
	{kind: "bastion", tier: tierPublic, minN: 1, maxN: 1, life: 12 * time.Hour, itype: "t3.micro", ipv6: true, terraform: true},
	{kind: "batch", tier: tierPrivate, minN: 1, maxN: 2, life: 5 * time.Hour, itype: "c5.2xlarge", windows: true},
}

func (s *workloadSpec) ami(v *vpc) string {
	b := []byte("ami-0")
	return string(appendHex(b, hash(uint64(v.idx), hashString(s.kind)), 16))
}

// traffic is the shape of one kind of conversation.
type traffic struct {
	proto            int
	port             int        // 0 on scans: a port is drawn per conversation
	dur              [2]float64 // mean and cap of the duration, seconds
	reqBase, repBase int        // packets in the first window (handshake, request)
	reqPPM, repPPM   float64    // packets a minute while the conversation is open
	reqSize, repSize int        // mean bytes a packet
	scan             bool       // protocol and port drawn per conversation
	// spread and sizeSpread narrow the packet and packet-size variation
	// (a factor in 1 ± spread/2) for steady traffic: beacons, miners.
	// Zero keeps the defaults, 1 and 0.5.
	spread, sizeSpread float64
}

var (
	trHTTPS   = &traffic{proto: 6, port: 443, dur: [2]float64{12, 900}, reqBase: 8, repBase: 10, reqPPM: 20, repPPM: 30, reqSize: 180, repSize: 1100}
	trHTTP    = &traffic{proto: 6, port: 80, dur: [2]float64{1, 10}, reqBase: 5, repBase: 4, reqSize: 120, repSize: 200}
	trAPI     = &traffic{proto: 6, port: 8080, dur: [2]float64{20, 600}, reqBase: 6, repBase: 6, reqPPM: 30, repPPM: 30, reqSize: 400, repSize: 900}
	trPG      = &traffic{proto: 6, port: 5432, dur: [2]float64{900, 3600}, reqBase: 6, repBase: 6, reqPPM: 60, repPPM: 60, reqSize: 250, repSize: 700}
	trPay     = &traffic{proto: 6, port: 8443, dur: [2]float64{5, 120}, reqBase: 8, repBase: 8, reqPPM: 15, repPPM: 15, reqSize: 500, repSize: 600}
	trVPCE    = &traffic{proto: 6, port: 443, dur: [2]float64{3, 60}, reqBase: 8, repBase: 8, reqPPM: 6, repPPM: 6, reqSize: 300, repSize: 800}
	trEgress  = &traffic{proto: 6, port: 443, dur: [2]float64{10, 900}, reqBase: 8, repBase: 10, reqPPM: 10, repPPM: 12, reqSize: 300, repSize: 1200}
	trUpload  = &traffic{proto: 6, port: 443, dur: [2]float64{600, 3600}, reqBase: 10, repBase: 8, reqPPM: 4000, repPPM: 300, reqSize: 1400, repSize: 80}
	trNTP     = &traffic{proto: 17, port: 123, reqBase: 1, repBase: 1, reqSize: 76, repSize: 76}
	trDNS     = &traffic{proto: 17, port: 53, reqBase: 1, repBase: 1, reqSize: 70, repSize: 130}
	trSSH     = &traffic{proto: 6, port: 22, dur: [2]float64{900, 7200}, reqBase: 12, repBase: 12, reqPPM: 40, repPPM: 60, reqSize: 100, repSize: 180}
	trPing    = &traffic{proto: 1, dur: [2]float64{4, 60}, reqBase: 1, repBase: 1, reqPPM: 4, repPPM: 4, reqSize: 84, repSize: 84}
	trScan    = &traffic{dur: [2]float64{1, 3}, reqBase: 1, reqSize: 44, scan: true}
	trProbe   = &traffic{proto: 6, port: legacyConsolePort, dur: [2]float64{1, 3}, reqBase: 1, reqSize: 44}
	trMySQL   = &traffic{proto: 6, port: 3306, dur: [2]float64{2, 4}, reqBase: 2, reqSize: 60}
	scanPorts = []int{22, 23, 25, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 11211, 27017}
	scanUDP   = []int{53, 123, 161, 1900, 5060, 11211}
)

type pathKind uint8

const (
	pathInbound  pathKind = iota // internet → instance; seen at the instance
	pathLocal                    // instance → ENI in the same VPC; seen at both
	pathIGW                      // public instance → internet
	pathNAT                      // private instance → NAT gateway → internet
	pathResolver                 // instance → the VPC resolver, which has no ENI
	pathTGW                      // instance → instance in another VPC through the transit gateway
	pathVGW                      // on-premises → instance through a virtual private gateway; seen at the instance
)

type peerKind uint8

const (
	peerWorkload peerKind = iota
	peerIface
	peerPool
	peerAddr
)

type peer struct {
	kind peerKind
	wl   *workload
	ifc  *iface
	pool *pool
	addr string
}

func wlPeer(w *workload) peer { return peer{kind: peerWorkload, wl: w} }
func poolPeer(p *pool) peer   { return peer{kind: peerPool, pool: p} }

// edge is one kind of conversation between two peers, with a rate.
type edge struct {
	id             uint64
	cli, srv       peer
	tr             *traffic
	weight         float64 // conversations a minute at Scale 1, in rateUnits
	human          bool    // follows the working day
	v6             bool
	reject         bool // the server's security group drops it
	unanswered     bool // accepted, but nothing answers (a host firewall drops it)
	path           pathKind
	cliVPC, srvVPC *vpc // nil outside the estate
	plan           int  // 1 + the index of the attack or look-alike it belongs to; 0 for none
}

// silent says the server never replies: rejected, or unanswered.
func (ed *edge) silent() bool { return ed.reject || ed.unanswered }

func (e *estate) addEdge(ed *edge) {
	ed.id = uint64(len(e.edges))
	switch {
	case ed.cli.kind == peerPool:
		ed.path = pathInbound
	case ed.srv.kind == peerAddr:
		ed.path = pathResolver
	case ed.srv.kind == peerPool && ed.cli.wl.spec.tier == tierPublic:
		ed.path = pathIGW
	case ed.srv.kind == peerPool:
		ed.path = pathNAT
	case ed.srv.vpc() != ed.cli.vpc():
		ed.path = pathTGW
	default:
		ed.path = pathLocal
	}
	ed.cliVPC, ed.srvVPC = ed.cli.vpc(), ed.srv.vpc()
	e.edges = append(e.edges, ed)
}

func (p peer) vpc() *vpc {
	switch p.kind {
	case peerWorkload:
		return p.wl.vpc
	case peerIface:
		return p.ifc.vpc
	}
	return nil
}

func (v *vpc) wl(kind string) *workload {
	for _, w := range v.workloads {
		if w.spec.kind == kind {
			return w
		}
	}
	panic("gen: no workload " + kind)
}

func (e *estate) buildEdges() {
	for _, v := range e.vpcs {
		e.inboundEdges(v)
		e.localEdges(v)
		e.egressEdges(v)
	}
	if e.tgw != nil {
		e.tgwEdges()
	}
}

func (e *estate) inboundEdges(v *vpc) {
	p := &e.pools
	web, bastion := v.wl("web"), v.wl("bastion")
	e.addEdge(&edge{cli: poolPeer(p.clients4), srv: wlPeer(web), tr: trHTTPS, weight: 3, human: true})
	e.addEdge(&edge{cli: poolPeer(p.clients4), srv: wlPeer(web), tr: trHTTP, weight: 0.3, human: true})
	e.addEdge(&edge{cli: poolPeer(p.clients6), srv: wlPeer(web), tr: trHTTPS, weight: 0.6, human: true, v6: true})
	e.addEdge(&edge{cli: poolPeer(p.monitors), srv: wlPeer(web), tr: trPing, weight: 0.1})
	e.addEdge(&edge{cli: poolPeer(p.office), srv: wlPeer(bastion), tr: trSSH, weight: 0.02, human: true})
	e.addEdge(&edge{cli: poolPeer(p.scanners), srv: wlPeer(web), tr: trScan, weight: 0.5, reject: true})
	e.addEdge(&edge{cli: poolPeer(p.scanners), srv: wlPeer(bastion), tr: trScan, weight: 0.3, reject: true})
	// The web group still admits the retired admin console's port from
	// anywhere; scanners find it open and get no answer.
	e.addEdge(&edge{cli: poolPeer(p.scanners), srv: wlPeer(web), tr: trProbe, weight: 0.05, unanswered: true})
}

func (e *estate) localEdges(v *vpc) {
	web, api, pay, db, bastion, batch := v.wl("web"), v.wl("api"), v.wl("payment"), v.wl("db"), v.wl("bastion"), v.wl("batch")
	vpce := peer{kind: peerIface, ifc: v.vpce}
	e.addEdge(&edge{cli: wlPeer(web), srv: wlPeer(api), tr: trAPI, weight: 1.2, human: true})
	e.addEdge(&edge{cli: wlPeer(api), srv: wlPeer(db), tr: trPG, weight: 0.05})
	e.addEdge(&edge{cli: wlPeer(api), srv: wlPeer(pay), tr: trPay, weight: 0.3, human: true})
	e.addEdge(&edge{cli: wlPeer(api), srv: vpce, tr: trVPCE, weight: 0.05})
	e.addEdge(&edge{cli: wlPeer(batch), srv: vpce, tr: trVPCE, weight: 0.02})
	e.addEdge(&edge{cli: wlPeer(batch), srv: wlPeer(db), tr: trPG, weight: 0.02})
	e.addEdge(&edge{cli: wlPeer(batch), srv: wlPeer(db), tr: trMySQL, weight: 0.01, reject: true})
	for _, t := range []*workload{web, api, pay, db, batch} {
		e.addEdge(&edge{cli: wlPeer(bastion), srv: wlPeer(t), tr: trSSH, weight: 0.004, human: true})
		e.addEdge(&edge{cli: wlPeer(bastion), srv: wlPeer(t), tr: trPing, weight: 0.004, human: true})
	}
}

func (e *estate) egressEdges(v *vpc) {
	p := &e.pools
	e.addEdge(&edge{cli: wlPeer(v.wl("web")), srv: poolPeer(p.web), tr: trEgress, weight: 0.1})
	e.addEdge(&edge{cli: wlPeer(v.wl("api")), srv: poolPeer(p.aws), tr: trEgress, weight: 0.2})
	e.addEdge(&edge{cli: wlPeer(v.wl("payment")), srv: poolPeer(p.payment), tr: trEgress, weight: 0.15, human: true})
	e.addEdge(&edge{cli: wlPeer(v.wl("batch")), srv: poolPeer(p.aws), tr: trUpload, weight: 0.02})
	for _, w := range v.workloads {
		e.addEdge(&edge{cli: wlPeer(w), srv: poolPeer(p.ntp), tr: trNTP, weight: 0.01})
		e.addEdge(&edge{cli: wlPeer(w), srv: peer{kind: peerAddr, addr: v.resolver}, tr: trDNS, weight: 0.1})
	}
}

// tgwEdges carries cross-account traffic: each account's API calls the
// next account's payment service, batch jobs read the shared database,
// and the shared bastion reaches into every other account.
func (e *estate) tgwEdges() {
	vs := e.tgw.vpcs
	for i, v := range vs {
		next := vs[(i+1)%len(vs)]
		e.addEdge(&edge{cli: wlPeer(v.wl("api")), srv: wlPeer(next.wl("payment")), tr: trPay, weight: 0.1, human: true})
		if i == 0 {
			continue
		}
		e.addEdge(&edge{cli: wlPeer(v.wl("batch")), srv: wlPeer(vs[0].wl("db")), tr: trPG, weight: 0.02})
		for _, k := range []string{"web", "api", "db"} {
			e.addEdge(&edge{cli: wlPeer(vs[0].wl("bastion")), srv: wlPeer(v.wl(k)), tr: trSSH, weight: 0.003, human: true})
		}
	}
}

// diurnal is the working-day swing of human traffic: 0.5 at 04:00 UTC,
// 1.5 at 16:00.
func diurnal(t int64) float64 {
	h := float64(t%86400) / 3600
	return 1 + 0.5*math.Sin(2*math.Pi*(h-10)/24)
}
