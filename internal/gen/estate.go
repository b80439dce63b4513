package gen

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// The estate is everything that exists: accounts, one VPC per account and
// region, subnets, workloads and the timeline of their instances. It is
// built up front (it is small) and then only read, by generators that run
// in parallel.

const (
	window      = 60               // seconds per aggregation window
	neverEnds   = int64(1) << 62   // terminate time of an instance still running
	bootSeconds = 180              // a new instance serves traffic this long after launch
	setupLead   = 90 * time.Minute // the estate is deployed this long before Start
	minLifetime = 45 * time.Minute // shortest instance life
	refreshLap  = 4 * time.Minute  // old instance outlives its replacement's launch by this
	adminCIDR   = "203.0.113.0/28" // the office egress allowed onto the bastions
	v5Brief     = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction traffic-path"
	v5Console   = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
	v5Reordered = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id flow-direction traffic-path"
)

type estate struct {
	cfg        Config
	seed       uint64
	start, end int64 // unix seconds; end is exclusive
	nWin       int
	setupAt    int64
	accounts   []*account
	vpcs       []*vpc
	tgw        *transitGateway // nil with fewer than two accounts
	edges      []*edge
	pools      pools
	rate       float64 // conversations per minute per unit of edge weight
	incident   *incident
	plans      []*plan         // injected attacks and look-alikes
	kinds      map[string]int  // plans drawn so far by detector/kind
	used       map[string]bool // addresses of the pools and of every attacker drawn
	indicators []string        // lines of indicators.txt
}

type account struct {
	idx     int
	id, env string
	format  flowlog.Format
	version int64 // the version field: the highest version among the format's fields
}

type vpc struct {
	idx       int
	acct      *account
	region    region
	id, cidr  string
	octet     int      // the second octet of 10.octet.0.0/16
	v6        [16]byte // the VPC's /56 (the first seven bytes)
	flowLogID string
	resolver  string
	subnets   []*subnet // public, private, data, tgw; two AZs each
	workloads []*workload
	nat, vpce *iface
	tgwENI    [2]*iface // transit-gateway attachment ENIs, per AZ
	attach    string    // transit-gateway attachment ID
	ifaces    []*iface  // every ENI of the VPC, by iface.idx
}

type tier int

const (
	tierPublic tier = iota
	tierPrivate
	tierData
	tierTGW
)

type subnet struct {
	id, cidr string
	azID     string
	third    int // the third octet of its /24
	az       int
	tier     tier
	v6       [16]byte // the subnet's /64 (the first eight bytes)
	hasV6    bool     // public subnets only
	next     int      // next host to hand out
}

type workload struct {
	spec  *workloadSpec
	name  string // the Name tag
	vpc   *vpc
	sg    string
	asg   string
	insts []*instance // in launch order
}

// iface is one ENI. Instances own one each; NAT gateways, interface
// endpoints and transit-gateway attachments own the others.
type iface struct {
	idx        int
	id         string
	account    string // "unknown" on an AWS-service-owned ENI
	vpc        *vpc
	subnet     *subnet
	instanceID string // "-" when no instance owns it
	ip, ip6    string
	mac        string
	dashFlags  bool      // writes tcp-flags as "-"
	inst       *instance // nil unless an instance owns it
}

type instance struct {
	id                     string
	wl                     *workload
	eni                    *iface
	launch, terminate      int64
	serveFrom              int64
	ami, attachID, reserve string
	windows                bool
	slot                   int // the place in the workload it fills; a replacement takes the same
}

type transitGateway struct {
	owner *account
	id    string
	flow  string // flow-log ID
	vpcs  []*vpc // attached VPCs, all in the first region
}

// region carries the naming AWS uses for one region.
type region struct {
	name   string
	code   string // AZ-ID prefix: use1
	v6     string // the first two groups of AWS's IPv6 pool there
	domain string // private DNS suffix
}

var regionTable = map[string][2]string{
	"us-east-1": {"use1", "2600:1f18"}, "us-east-2": {"use2", "2600:1f16"},
	"us-west-1": {"usw1", "2600:1f1c"}, "us-west-2": {"usw2", "2600:1f14"},
	"eu-west-1": {"euw1", "2a05:d018"}, "eu-west-2": {"euw2", "2a05:d01c"},
	"eu-central-1": {"euc1", "2a05:d014"}, "ap-southeast-1": {"apse1", "2406:da18"},
	"ap-southeast-2": {"apse2", "2406:da1c"}, "ap-northeast-1": {"apne1", "2406:da14"},
}

func newRegion(name string) region {
	r := region{name: name, code: regionCode(name), v6: "2600:1f10", domain: name + ".compute.internal"}
	if t, ok := regionTable[name]; ok {
		r.code, r.v6 = t[0], t[1]
	}
	if name == "us-east-1" {
		r.domain = "ec2.internal"
	}
	return r
}

// regionCode derives an AZ-ID prefix for a region the table lacks:
// ap-southeast-3 → apse3.
func regionCode(name string) string {
	parts := strings.Split(name, "-")
	if len(parts) < 3 {
		return name
	}
	dir := parts[1]
	for _, w := range []string{"north", "south", "east", "west", "central"} {
		dir = strings.ReplaceAll(dir, w, w[:1])
	}
	return parts[0] + dir + parts[len(parts)-1]
}

func (r region) azName(az int) string { return r.name + string(rune('a'+az)) }
func (r region) azID(az int) string   { return fmt.Sprintf("%s-az%d", r.code, az+1) }

var envNames = []string{"shared", "prod", "staging", "dev", "sandbox", "data", "audit", "qa"}

// accountFormats are the flow-log formats by account: the default format
// for the first, then custom version 5 formats, one of them reordered, so
// that readers must follow each object's header.
var accountFormats = []string{v5Brief, v5Console, v5Reordered}

func newEstate(cfg Config) (*estate, error) {
	e := &estate{cfg: cfg, seed: uint64(cfg.Seed)}
	e.start = cfg.Start.Unix()
	e.end = e.start + int64(cfg.Duration/time.Second)
	e.nWin = int((e.end - e.start + window - 1) / window)
	e.setupAt = e.start - int64(setupLead/time.Second)
	e.rate = cfg.Scale * rateUnit
	e.pools = newPools(e.seed)
	if err := e.buildAccounts(); err != nil {
		return nil, err
	}
	for _, a := range e.accounts {
		for ri, name := range cfg.Regions {
			e.buildVPC(a, ri, newRegion(name))
		}
	}
	e.buildTGW()
	e.buildEdges()
	e.incident = e.findIncident()
	e.planAll()
	return e, nil
}

func (e *estate) buildAccounts() error {
	r := newRNG(e.seed, hashString("accounts"))
	seen := map[string]bool{}
	for i := 0; i < e.cfg.Accounts; i++ {
		id := accountID(&r, i == 0)
		for seen[id] {
			id = accountID(&r, i == 0)
		}
		seen[id] = true
		a := &account{idx: i, id: id, env: envName(i), format: flowlog.DefaultV2}
		if i > 0 {
			f, err := flowlog.ParseFormat(accountFormats[(i-1)%len(accountFormats)])
			if err != nil {
				return fmt.Errorf("cannot build the flow-log format of account %d: %w", i+1, err)
			}
			a.format = f
		}
		a.version = formatVersion(a.format)
		e.accounts = append(e.accounts, a)
	}
	return nil
}

func envName(i int) string {
	if i < len(envNames) {
		return envNames[i]
	}
	return fmt.Sprintf("team%d", i)
}

// formatVersion is what AWS writes in the version field: the highest
// version among the fields the format carries.
func formatVersion(f flowlog.Format) int64 {
	v := 2
	for _, id := range f.Fields {
		if id >= 0 {
			v = max(v, flowlog.Catalogue[id].Version)
		}
	}
	return int64(v)
}

func (e *estate) buildVPC(a *account, ri int, reg region) {
	r := newRNG(e.seed, hashString("vpc"), uint64(a.idx), uint64(ri))
	v := &vpc{idx: len(e.vpcs), acct: a, region: reg}
	v.octet = 10 + v.idx
	v.id = hexID("vpc-", &r)
	v.cidr = fmt.Sprintf("10.%d.0.0/16", v.octet)
	v.v6 = netip.MustParseAddr(reg.v6 + "::").As16()
	for i := 4; i < 7; i++ {
		v.v6[i] = byte(r.intn(256))
	}
	v.flowLogID = hexID("fl-", &r)
	v.resolver = ipv4(10, v.octet, 0, 2)
	v.buildSubnets(&r)
	e.vpcs = append(e.vpcs, v)
	v.nat = v.newIface(&r, v.subnet(tierPublic, 0), a.id)
	v.vpce = v.newIface(&r, v.subnet(tierPrivate, 0), "unknown")
	v.vpce.dashFlags = true
	for _, spec := range workloadSpecs {
		e.buildWorkload(v, spec, &r)
	}
}

func (v *vpc) buildSubnets(r *rng) {
	for t, third := range []int{0, 10, 20, 30} {
		for az := 0; az < 2; az++ {
			s := &subnet{id: hexID("subnet-", r), third: third + az, az: az, tier: tier(t), next: 4, azID: v.region.azID(az)}
			s.cidr = fmt.Sprintf("10.%d.%d.0/24", v.octet, s.third)
			if s.tier == tierPublic {
				s.v6, s.hasV6 = v.v6, true
				s.v6[7] = byte(az)
			}
			v.subnets = append(v.subnets, s)
		}
	}
}

func (v *vpc) subnet(t tier, az int) *subnet { return v.subnets[int(t)*2+az] }

// newIface allocates an ENI with the next free address of the subnet.
// Addresses are never reused within a run, so a new instance always has
// a new private IP.
func (v *vpc) newIface(r *rng, s *subnet, owner string) *iface {
	host := s.next
	s.next++
	if s.next > 250 {
		s.next = 4
	}
	f := &iface{idx: len(v.ifaces), id: hexID("eni-", r), account: owner, vpc: v, subnet: s, instanceID: "-"}
	f.ip = ipv4(10, v.octet, s.third, host)
	f.mac = fmt.Sprintf("0e:%02x:%02x:%02x:%02x:%02x", r.intn(256), r.intn(256), r.intn(256), r.intn(256), r.intn(256))
	if s.hasV6 {
		f.ip6 = randomV6(s.v6, 8, r)
	}
	v.ifaces = append(v.ifaces, f)
	return f
}

func (e *estate) buildWorkload(v *vpc, spec *workloadSpec, r *rng) {
	w := &workload{spec: spec, vpc: v, name: v.acct.env + "-" + spec.kind}
	w.sg = hexID("sg-", r)
	w.asg = w.name + "-asg"
	slots := r.between(spec.minN, spec.maxN)
	for slot := 0; slot < slots; slot++ {
		e.buildSlot(w, slot, r)
	}
	v.workloads = append(v.workloads, w)
}

// buildSlot lays out the instances that fill one place in a workload over
// time: each is replaced (new instance, new ENI, new address, same Name)
// when its life ends, the replacement launched a few minutes before the
// old one terminates.
func (e *estate) buildSlot(w *workload, slot int, r *rng) {
	launch := e.setupAt + int64(r.between(5*60, 20*60))
	first := true
	for launch < e.end {
		life := int64(r.exp(w.spec.life.Seconds()))
		life = max(life, int64(minLifetime/time.Second))
		if first && slot == 0 && w.spec.forceChurn {
			life = e.start - launch + int64(float64(e.end-e.start)*(0.2+0.3*r.float()))
		}
		inst := e.newInstance(w, slot, launch, r)
		inst.terminate = launch + life
		next := inst.terminate - int64(refreshLap/time.Second)
		if inst.terminate >= e.end {
			inst.terminate = neverEnds
		}
		w.insts = append(w.insts, inst)
		launch, first = next, false
	}
}

func (e *estate) newInstance(w *workload, slot int, launch int64, r *rng) *instance {
	v := w.vpc
	s := v.subnet(w.spec.tier, slot%2)
	inst := &instance{id: hexID("i-", r), wl: w, launch: launch, serveFrom: launch + bootSeconds, slot: slot}
	inst.eni = v.newIface(r, s, v.acct.id)
	inst.eni.instanceID, inst.eni.inst = inst.id, inst
	if !w.spec.ipv6 {
		inst.eni.ip6 = ""
	}
	inst.ami = w.spec.ami(v)
	inst.attachID = hexID("eni-attach-", r)
	inst.reserve = hexID("r-", r)
	inst.windows = w.spec.windows
	return inst
}

// aliveAll reports whether the instance exists throughout [from, to].
func (i *instance) aliveAll(from, to int64) bool { return i.launch <= from && i.terminate > to }

// runningAt returns the longest-lived instance of the workload serving at
// t, or nil.
func (w *workload) runningAt(t int64) *instance {
	var best *instance
	for _, in := range w.insts {
		if in.serveFrom <= t && t < in.terminate && (best == nil || in.terminate > best.terminate) {
			best = in
		}
	}
	return best
}

// pick chooses an instance of the workload that serves traffic at t.
func (w *workload) pick(t int64, r *rng) *instance {
	n := 0
	for _, in := range w.insts {
		if in.serveFrom <= t && t < in.terminate {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	k := r.intn(n)
	for _, in := range w.insts {
		if in.serveFrom <= t && t < in.terminate {
			if k == 0 {
				return in
			}
			k--
		}
	}
	return nil
}

// buildTGW puts a transit gateway in the first account, in the first
// region, attached to every account's VPC there.
func (e *estate) buildTGW() {
	if len(e.accounts) < 2 {
		return
	}
	r := newRNG(e.seed, hashString("tgw"))
	t := &transitGateway{owner: e.accounts[0], id: hexID("tgw-", &r), flow: hexID("fl-", &r)}
	for _, v := range e.vpcs {
		if v.region.name != e.cfg.Regions[0] {
			continue
		}
		v.attach = hexID("tgw-attach-", &r)
		for az := 0; az < 2; az++ {
			v.tgwENI[az] = v.newIface(&r, v.subnet(tierTGW, az), v.acct.id)
		}
		t.vpcs = append(t.vpcs, v)
	}
	e.tgw = t
}
