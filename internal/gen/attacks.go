package gen

import (
	"fmt"
	"slices"
	"strings"
)

// The attacks injected into the estate, one function each. Every choice
// — which VPC and host, when, how fast, how much, which ports and
// addresses — is drawn from the plan's own random stream, and written in
// the truth's notes. Attacks that are only visible against a host's own
// history (new edges, volume above baseline, a new port, port 25 from a
// host that never sent mail) start in the second half of the period, so
// that the first half is a clean baseline.

// layout are the choices several plans must agree on, drawn first.
type layout struct {
	scanFlags   bool // the vertical scan lands in a format with tcp-flags; the horizontal one in the other
	monitorVPC  *vpc // where the bastion runs the monitoring fan-out (a look-alike)
	backupVPC   *vpc // whose database is backed up nightly (a look-alike)
	healthVPC   *vpc // where the load balancer checks the web servers
	cronVPC     *vpc
	internalVPC func(*vpc) bool // filter for the internal brute force: the other format than the internet one
}

func (e *estate) planAll() {
	e.kinds = map[string]int{}
	e.used = map[string]bool{}
	for _, p := range []*pool{e.pools.clients4, e.pools.clients6, e.pools.scanners, e.pools.office, e.pools.monitors, e.pools.web, e.pools.aws, e.pools.payment, e.pools.ntp} {
		for _, a := range p.addrs {
			e.used[a] = true
		}
	}
	if e.period() < minAttackPeriod {
		return
	}
	r := newRNG(e.seed, hashString("layout"))
	l := &layout{scanFlags: r.chance(0.5)}
	l.monitorVPC, l.backupVPC = pick(&r, e.vpcs), pick(&r, e.vpcs)
	l.healthVPC, l.cronVPC = pick(&r, e.vpcs), pick(&r, e.vpcs)
	l.internalVPC = e.flagged(e.incident == nil || !hasFlags(e.incident.v)) // the other format than the internet brute force
	for _, f := range []func(*layout){
		e.planVerticalScan, e.planHorizontalScan, e.planOutboundSweep,
		e.planBruteForceInternet, e.planBruteForceInternal,
		e.planFanOut, e.planNewEdge, e.planCrossVPC, e.planOnPrem,
		e.planExfilBaseline, e.planExfilSilentHost,
		e.planBeaconChurn, e.planBeacon,
		e.planMining, e.planIOC,
		e.planExposedAdmin, e.planUnprotectedProbes,
		e.planDoS, e.planSpam, e.planUnusualPort, e.planUnusualVolume,
		// Benign look-alikes.
		e.planBackups, e.planCronEndpoint, e.planCronAWS, e.planMonitoring, e.planHealthChecks,
		e.planVulnScanner, e.planBackground,
	} {
		f(l)
	}
}

// ---- port scans ----

// topPorts are ports scanners try first (after nmap's frequency list).
var topPorts = []int{21, 22, 23, 25, 53, 80, 81, 110, 111, 135, 139, 143, 161, 389, 443, 445, 465, 587, 631, 993, 995,
	1025, 1433, 1521, 1723, 2049, 2375, 3000, 3128, 3306, 3389, 5000, 5432, 5601, 5900, 5985, 6379, 6443, 7001, 8000,
	8008, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 9300, 10000, 11211, 27017, 50000}

// portList draws n distinct ports in one of the orders scanners use: the
// common ports first, a sequential range, or random.
func (pl *planner) portList(n int) ([]int, string) {
	r := &pl.r
	seen := map[int]bool{}
	var out []int
	push := func(p int) {
		if !seen[p] && len(out) < n {
			seen[p] = true
			out = append(out, p)
		}
	}
	mode := pick(r, []string{"common-first", "sequential", "random"})
	switch mode {
	case "common-first":
		for _, i := range permutation(r, len(topPorts)) {
			push(topPorts[i])
		}
	case "sequential":
		for p := r.between(1, 1024); len(out) < n && p <= 65535; p++ {
			push(p)
		}
	}
	for len(out) < n {
		push(r.between(1, 65535))
	}
	return out, mode
}

func permutation(r *rng, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// probe is the shape of one connection attempt: retries SYNs, and the
// SYN-ACK when something answers (the scanner then resets).
func probe(retries int) *traffic {
	return &traffic{proto: 6, reqBase: 1 + retries, repBase: 1, reqSize: 44, repSize: 44}
}

// planVerticalScan: one internet address tries hundreds of ports on one
// public instance, over IPv4 or IPv6.
func (e *estate) planVerticalScan(l *layout) {
	pl := e.planner("port-scan", "vertical-scan", false)
	r := &pl.r
	n := r.between(150, 1200)
	rate := pl.logUniform(0.3, 25)
	dur := int64(float64(n) / rate)
	if limit := e.period() / 12; dur > limit {
		dur, rate = limit, float64(n)/float64(limit)
	}
	target, t0 := pl.hostSpan([]string{"web", "bastion"}, e.flagged(l.scanFlags), dur+60, 0.05, 0.95)
	if target == nil {
		return
	}
	v6 := target.eni.ip6 != "" && r.chance(0.35)
	attacker, dst := e.publicAddr(r), instEnd(target)
	if v6 {
		attacker, dst.ip = e.publicAddr6(r), target.eni.ip6
	}
	ports, mode := pl.portList(n)
	retries := r.intn(2)
	tr := probe(retries)
	cport := r.between(33000, 65000)
	for i, port := range ports {
		t := t0 + int64(float64(i)/rate)
		out := e.outcome(target, addrEnd(attacker), port, t)
		if s := pl.add(pl.p.edge(tr, pathInbound, out), t, int64(r.intn(2)), addrEnd(attacker), dst, cport, port); s != nil {
			s.rst = out == answered
		}
	}
	pl.note("%d ports (%s order) of %s (%s) from %s at %.2f probes/s over %ds, %d SYN retries; %s",
		n, mode, target.wl.name, dst.ip, attacker, rate, dur, retries, logs(target.wl.vpc))
	pl.commit(false)
}

// planHorizontalScan: a compromised instance sweeps one port across the
// address ranges of its own VPC, most of which hold nothing.
func (e *estate) planHorizontalScan(l *layout) {
	pl := e.planner("port-scan", "horizontal-scan", false)
	r := &pl.r
	port := pick(r, []int{22, 23, 445, 3389, 5985, 5900, 2375, 9200, 27017, 1433, 3306, 139, 21})
	nSub, perSub := r.between(2, 8), r.between(30, 120)
	rate := pl.logUniform(0.5, 30)
	dur := int64(float64(nSub*perSub)/rate) + 1
	dur = min(dur, e.period()/20)
	rate = float64(nSub*perSub) / float64(dur)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch"}, e.flagged(!l.scanFlags), dur+60, 0.1, 0.95)
	if src == nil {
		return
	}
	v := src.wl.vpc
	retries := r.intn(2)
	tr := probe(retries)
	cp := pl.cport(src)
	i := 0
	for _, si := range permutation(r, len(v.subnets))[:nSub] {
		for host := 1; host <= perSub; host++ {
			ip := ipv4(10, v.octet, v.subnets[si].third, host)
			if ip == src.eni.ip {
				continue
			}
			t := t0 + int64(float64(i)/rate)
			dst := v.ifaceAt(ip, t)
			out := unanswered
			if dst.inst != nil {
				out = e.outcome(dst.inst, instEnd(src), port, t)
			}
			if s := pl.add(pl.p.edge(tr, pathLocal, out), t, 0, instEnd(src), dst, cp.port(i), port); s != nil {
				s.rst = out == answered
			}
			i++
		}
	}
	pl.p.manyDst = true
	pl.note("%s (%s) probes port %d on %d addresses of %d subnets of its VPC at %.1f/s, %d SYN retries; %s",
		src.wl.name, src.eni.ip, port, i, nSub, rate, retries, logs(v))
	pl.commit(false)
}

// planOutboundSweep: an instance sweeps one port across hundreds of
// internet addresses (GuardDuty's Recon:EC2/Portscan).
func (e *estate) planOutboundSweep(l *layout) {
	pl := e.planner("port-scan", "outbound-sweep", false)
	r := &pl.r
	port := pick(r, []int{22, 23, 80, 445, 3389, 6379, 2375, 8080, 5900, 1433, 3306, 9200, 5432})
	n := r.between(150, 700)
	rate := pl.logUniform(1, 80)
	dur := min(int64(float64(n)/rate)+1, e.period()/20)
	rate = float64(n) / float64(dur)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch"}, anyVPC, dur+60, 0.1, 0.95)
	if src == nil {
		return
	}
	ans := pl.uniform(0.02, 0.2)
	v6 := pl.v6From(src, 0.5)
	blocks := !v6 && r.chance(0.5)
	tr, cp, path, from := probe(r.intn(2)), pl.cport(src), egress(src), srcEnd(src, v6)
	var prefix string
	for i := range n {
		ip := ""
		if blocks {
			if i%254 == 0 {
				prefix = e.block24(r)
			}
			ip = fmt.Sprintf("%s.%d", prefix, i%254+1)
		} else {
			ip = e.remote(r, v6)
		}
		out := unanswered
		if r.chance(ans) {
			out = answered
		}
		if s := pl.add(pl.p.edge(tr, path, out), t0+int64(float64(i)/rate), 0, from, addrEnd(ip), cp.port(i), port); s != nil {
			s.rst = out == answered
		}
	}
	pl.p.manyDst = true
	order := "random addresses"
	if blocks {
		order = "consecutive /24s"
	}
	pl.note("%s (%s) probes port %d on %d internet addresses (%s) at %.1f/s, %.0f%% answer; %s; %s",
		src.wl.name, from.ip, port, n, order, rate, 100*ans, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// ---- brute force ----

// authTry is one authentication attempt that a service answers: a short
// session of a few kilobytes.
func (pl *planner) authTry() *traffic {
	r := &pl.r
	return &traffic{proto: 6, reqBase: r.between(8, 20), repBase: r.between(8, 18), reqSize: r.between(80, 200), repSize: r.between(100, 260)}
}

// series draws n times from t0 at a mean interval, each jittered by up to
// ±jitter/2 of it.
func (pl *planner) series(t0 int64, n int, interval, jitter float64) []int64 {
	out := make([]int64, 0, n)
	for i := range n {
		d := interval * (float64(i) + jitter*(pl.r.float()-0.5))
		out = append(out, t0+int64(max(d, 0)))
	}
	return out
}

// bruteForce sends attempts from each source to port on target, each
// source at its own pace, all starting near t0.
func (pl *planner) bruteForce(srcs []end, target *instance, port int, t0 int64, attempts int) string {
	r := &pl.r
	try, syn := pl.authTry(), probe(r.between(1, 2))
	interval, jitter := pl.logUniform(1.5, 15), pl.uniform(0.1, 0.8)
	for _, src := range srcs {
		cp := pl.ephemeral(r.chance(0.3))
		if src.inst != nil {
			cp = pl.cport(src.inst)
		}
		start := t0 + int64(r.intn(120))
		path := pathInbound
		if src.inst != nil {
			path = pathLocal
		}
		for i, t := range pl.series(start, attempts/len(srcs), interval*pl.uniform(0.8, 1.25), jitter) {
			out := pl.e.outcome(target, src, port, t)
			tr := try
			if out != answered {
				tr = syn
			}
			pl.add(pl.p.edge(tr, path, out), t, int64(r.between(1, 6)), src, instEnd(target), cp.port(i), port)
		}
	}
	return fmt.Sprintf("%d attempts from %d sources, one every %.1fs each (jitter %.0f%%)", attempts, len(srcs), interval, 100*jitter)
}

// planBruteForceInternet: password guessing from the internet. Once bob's
// debugging group opens SSH to the world, against that web instance, and
// accepted; without it, against a port the groups reject.
func (e *estate) planBruteForceInternet(l *layout) {
	pl := e.planner("brute-force", "internet-brute-force", false)
	r := &pl.r
	attempts := r.between(200, 1200)
	var target *instance
	var t0 int64
	port, svc := 22, "ssh"
	if inc := e.incident; inc != nil && inc.inst != nil {
		target, t0 = inc.inst, inc.at+120+int64(pl.uniform(5, 60)*60)
	} else {
		s := pick(r, []struct {
			port int
			name string
		}{{22, "ssh"}, {3389, "rdp"}, {5900, "vnc"}, {23, "telnet"}, {21, "ftp"}, {1433, "mssql"}, {3306, "mysql"}, {5985, "winrm"}})
		port, svc = s.port, s.name
		target, t0 = pl.hostSpan([]string{"web", "bastion"}, e.flagged(false), 3600, 0.1, 0.8)
	}
	if target == nil {
		return
	}
	var srcs []end
	for range r.between(1, 4) {
		srcs = append(srcs, addrEnd(e.publicAddr(r)))
	}
	how := pl.bruteForce(srcs, target, port, t0, attempts)
	pl.note("%s against %s (%s) port %d: %s; %s", svc, target.wl.name, target.eni.ip, port, how, logs(target.wl.vpc))
	pl.commit(false)
}

// planBruteForceInternal: a compromised instance guesses passwords of a
// database, SSH, RDP or WinRM on another instance of its VPC.
func (e *estate) planBruteForceInternal(l *layout) {
	pl := e.planner("brute-force", "internal-brute-force", false)
	r := &pl.r
	s := pick(r, []struct {
		kind, name string
		port       int
	}{{"db", "postgres", 5432}, {"db", "postgres", 5432}, {"db", "ssh", 22}, {"batch", "rdp", 3389}, {"batch", "winrm", 5985},
		{"api", "ssh", 22}, {"db", "mysql", 3306}, {"db", "mssql", 1433}, {"batch", "vnc", 5900}})
	srcKinds := slices.DeleteFunc([]string{"web", "api", "payment", "batch"}, func(k string) bool { return k == s.kind })
	src, t0 := pl.hostSpan(srcKinds, l.internalVPC, 3600, 0.1, 0.85)
	if src == nil {
		return
	}
	var target *instance
	for _, in := range src.wl.vpc.wl(s.kind).insts {
		if in.aliveAll(t0, t0+3600) {
			target = in
		}
	}
	if target == nil {
		return
	}
	how := pl.bruteForce([]end{instEnd(src)}, target, s.port, t0, r.between(150, 900))
	pl.note("%s (%s) against %s on %s (%s) port %d: %s; %s", src.wl.name, src.eni.ip, s.name, target.wl.name, target.eni.ip, s.port, how, logs(src.wl.vpc))
	pl.commit(false)
}

// ---- lateral movement ----

// session is a shell or database session: tens to hundreds of kilobytes.
func (pl *planner) session(proto int) *traffic {
	r := &pl.r
	return &traffic{proto: proto, reqBase: r.between(12, 24), repBase: r.between(12, 30), reqPPM: pl.uniform(10, 60), repPPM: pl.uniform(20, 120),
		reqSize: r.between(90, 300), repSize: r.between(200, 1200)}
}

// planFanOut: an attacker on a bastion (not the one that monitors) opens
// SSH to every instance of its VPC within minutes, and tries Windows
// admin ports on the way.
func (e *estate) planFanOut(l *layout) {
	pl := e.planner("lateral-movement", "admin-fan-out", false)
	r := &pl.r
	span := pl.span(2, 30, 0.05)
	src, t0 := pl.hostSpan([]string{"bastion"}, func(v *vpc) bool { return v != l.monitorVPC || len(e.vpcs) == 1 }, span+600, 0.5, 0.9)
	if src == nil {
		return
	}
	var targets []*instance
	for _, w := range src.wl.vpc.workloads {
		for _, in := range w.insts {
			if in != src && in.serveFrom <= t0 && in.terminate > t0+span {
				targets = append(targets, in)
			}
		}
	}
	extra := 0
	if r.chance(0.6) {
		extra = pick(r, []int{3389, 5985, 445})
	}
	ssh, syn, cp := pl.session(6), probe(1), pl.cport(src)
	k := 0
	for i, j := range permutation(r, len(targets)) {
		in := targets[j]
		t := t0 + span*int64(i)/int64(len(targets)) + int64(r.intn(20))
		for _, port := range []int{22, extra} {
			if port == 0 {
				continue
			}
			out, tr := e.outcome(in, instEnd(src), port, t), ssh
			if out != answered {
				tr = syn
			}
			pl.add(pl.p.edge(tr, pathLocal, out), t, int64(r.between(5, 180)), instEnd(src), instEnd(in), cp.port(k), port)
			k++
			t += int64(r.between(1, 5))
		}
	}
	also := ""
	if extra != 0 {
		also = fmt.Sprintf(" and port %d (rejected)", extra)
	}
	pl.note("%s (%s) reaches %d instances of its VPC in %ds on SSH%s; %s", src.wl.name, src.eni.ip, len(targets), span, also, logs(src.wl.vpc))
	pl.commit(false)
}

// planNewEdge: a workload talks to another that it never talked to, e.g.
// web straight to the database. The groups reject most such edges.
func (e *estate) planNewEdge(l *layout) {
	pl := e.planner("lateral-movement", "new-east-west-edge", false)
	r := &pl.r
	p := pick(r, []struct {
		cli, srv string
		port     int
	}{{"web", "db", 5432}, {"web", "payment", 8443}, {"payment", "db", 5432}, {"batch", "payment", 8443}, {"web", "batch", 445},
		{"api", "web", 443}, {"payment", "web", 443}, {"batch", "web", 443}, {"web", "db", 3306}})
	span := pl.span(1, 60, 0.1)
	src, t0 := pl.hostSpan([]string{p.cli}, anyVPC, span+600, 0.5, 0.92)
	if src == nil {
		return
	}
	dst := src.wl.vpc.wl(p.srv).runningAt(t0)
	if dst == nil {
		return
	}
	n := r.between(10, 60)
	sess, syn, cp := pl.session(6), probe(r.between(1, 2)), pl.cport(src)
	for i, t := range pl.series(t0, n, float64(span)/float64(n), 0.8) {
		out, tr := e.outcome(dst, instEnd(src), p.port, t), sess
		if out != answered {
			tr = syn
		}
		pl.add(pl.p.edge(tr, pathLocal, out), t, int64(r.between(1, 60)), instEnd(src), instEnd(dst), cp.port(i), p.port)
	}
	pl.note("%s (%s) → %s (%s) port %d, never seen before: %d connections over %ds (%s); %s", src.wl.name, src.eni.ip,
		dst.wl.name, dst.eni.ip, p.port, n, span, e.outcomeWord(dst, instEnd(src), p.port, t0), logs(src.wl.vpc))
	pl.commit(false)
}

func (e *estate) outcomeWord(dst *instance, src end, port int, t int64) string {
	return [...]string{"accepted", "rejected by the security group", "accepted, unanswered"}[e.outcome(dst, src, port, t)]
}

// planCrossVPC: an instance reaches a workload in another account through
// the transit gateway, on a path its CIDR rules admit but nothing used.
func (e *estate) planCrossVPC(l *layout) {
	if e.tgw == nil || len(e.tgw.vpcs) < 2 {
		return
	}
	pl := e.planner("lateral-movement", "cross-vpc-transit-gateway", false)
	r := &pl.r
	vs := e.tgw.vpcs
	span := pl.span(5, 120, 0.1)
	var src, dst *instance
	var t0 int64
	port := 5432
	if r.chance(0.5) {
		src, t0 = pl.hostSpan([]string{"web", "api", "payment"}, func(v *vpc) bool { return v != vs[0] && slices.Contains(vs, v) }, span+900, 0.5, 0.9)
		if src != nil {
			dst = vs[0].wl("db").runningAt(t0)
		}
	} else {
		port = 22
		src, t0 = pl.hostSpan([]string{"web", "api", "payment", "batch"}, func(v *vpc) bool { return v == vs[0] }, span+900, 0.5, 0.9)
		if src != nil {
			dst = pick(r, vs[1:]).wl(pick(r, []string{"web", "api", "db"})).runningAt(t0)
		}
	}
	if src == nil || dst == nil {
		return
	}
	n := r.between(3, 40)
	sess, cp := pl.session(6), pl.cport(src)
	for i, t := range pl.series(t0, n, float64(span)/float64(n), 0.6) {
		pl.add(pl.p.edge(sess, pathTGW, e.outcome(dst, instEnd(src), port, t)), t, int64(r.between(10, 600)), instEnd(src), instEnd(dst), cp.port(i), port)
	}
	pl.note("%s (%s, account %s) → %s (%s, account %s) port %d through %s: %d sessions over %ds (%s); %s and the transit gateway's log (tcp-flags)",
		src.wl.name, src.eni.ip, src.wl.vpc.acct.id, dst.wl.name, dst.eni.ip, dst.wl.vpc.acct.id, port, e.tgw.id, n, span,
		e.outcomeWord(dst, instEnd(src), port, t0), logs(src.wl.vpc, dst.wl.vpc))
	pl.commit(false)
}

// planOnPrem: addresses of the corporate network, over a VPN, reach cloud
// workloads; the groups admit only the web servers' public ports.
func (e *estate) planOnPrem(l *layout) {
	pl := e.planner("lateral-movement", "on-premises-access", false)
	r := &pl.r
	p := pick(r, []struct {
		kind string
		port int
	}{{"web", 443}, {"web", 443}, {"web", 22}, {"api", 8080}, {"db", 5432}, {"bastion", 22}, {"batch", 3389}})
	span := pl.span(5, 120, 0.1)
	dst, t0 := pl.hostSpan([]string{p.kind}, anyVPC, span+900, 0.5, 0.9)
	if dst == nil {
		return
	}
	var srcs []end
	for range r.between(1, 3) {
		srcs = append(srcs, addrEnd(onPremAddr(r)))
	}
	n := r.between(5, 80)
	sess, syn := pl.session(6), probe(r.between(1, 2))
	for i, t := range pl.series(t0, n, float64(span)/float64(n), 0.8) {
		src := srcs[i%len(srcs)]
		out, tr := e.outcome(dst, src, p.port, t), sess
		if out != answered {
			tr = syn
		}
		pl.add(pl.p.edge(tr, pathVGW, out), t, int64(r.between(2, 300)), src, instEnd(dst), r.between(49152, 65535), p.port)
	}
	pl.note("%d on-premises addresses → %s (%s) port %d through a virtual private gateway: %d connections over %ds (%s); %s",
		len(srcs), dst.wl.name, dst.eni.ip, p.port, n, span, e.outcomeWord(dst, srcs[0], p.port, t0), logs(dst.wl.vpc))
	pl.commit(false)
}

// ---- exfiltration ----

// bulk is a one-way transfer at bytesPerMin: full-size packets out, an
// ACK back for every two.
func bulk(bytesPerMin float64) *traffic {
	ppm := bytesPerMin / 1400
	return &traffic{proto: 6, reqBase: 10, repBase: 8, reqPPM: ppm, repPPM: ppm / 2, reqSize: 1400, repSize: 52, spread: 0.4}
}

// upload sends total bytes from src to dst:port in streams parallel
// sessions over dur seconds.
func (pl *planner) upload(src *instance, dst end, port int, t0, dur int64, total float64, streams int) {
	tr := bulk(total / float64(streams) / (float64(dur) / 60))
	cp := pl.cport(src)
	for i := range streams {
		pl.add(pl.p.edge(tr, egress(src), answered), t0+int64(pl.r.intn(60)), dur, instEnd(src), dst, cp.port(i), port)
	}
}

// planExfilBaseline: an instance that talks to the internet anyway sends
// gigabytes to an address it never used.
func (e *estate) planExfilBaseline(l *layout) {
	pl := e.planner("exfiltration", "exfiltration-above-baseline", false)
	r := &pl.r
	dur := pl.span(10, 120, 0.08)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment"}, anyVPC, dur+120, 0.5, 0.9)
	if src == nil {
		return
	}
	total := pl.logUniform(1, 10) * 1e9
	port := pick(r, []int{443, 443, 443, 22, 8443, 21})
	streams := r.between(1, 4)
	dst := e.publicAddr(r)
	pl.upload(src, addrEnd(dst), port, t0, dur, total, streams)
	pl.note("%s (%s) → %s port %d: about %.1f GB in %d streams over %ds; %s; %s", src.wl.name, src.eni.ip, dst, port, total/1e9, streams, dur, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// planExfilSilentHost: a database, which never talks to the internet
// (NTP aside), sends gigabytes out through the NAT gateway.
func (e *estate) planExfilSilentHost(l *layout) {
	pl := e.planner("exfiltration", "exfiltration-new-talker", false)
	r := &pl.r
	dur := pl.span(10, 90, 0.08)
	src, t0 := pl.hostSpan([]string{"db"}, func(v *vpc) bool { return v != l.backupVPC || len(e.vpcs) == 1 }, dur+120, 0.5, 0.9)
	if src == nil {
		return
	}
	total := pl.logUniform(0.5, 5) * 1e9
	port := pick(r, []int{443, 443, 80, 8080, 22})
	streams := r.between(1, 3)
	dst := e.publicAddr(r)
	pl.upload(src, addrEnd(dst), port, t0, dur, total, streams)
	pl.note("%s (%s) → %s port %d: about %.1f GB in %d streams over %ds; %s; %s", src.wl.name, src.eni.ip, dst, port, total/1e9, streams, dur, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// ---- beaconing ----

// beaconShape is one check-in: a small request and reply of steady size.
func (pl *planner) beaconShape(proto int) *traffic {
	r := &pl.r
	tr := &traffic{proto: proto, reqBase: r.between(4, 9), repBase: r.between(3, 9), reqSize: r.between(120, 600), repSize: r.between(90, 1500),
		spread: 0.2, sizeSpread: pl.uniform(0.02, 0.15)}
	if proto == 17 {
		tr.reqBase, tr.repBase = 1, 1
	}
	return tr
}

// slotAt is the newest instance filling slot of w that serves at t: the
// replacement, once it is up.
func (w *workload) slotAt(slot int, t int64) *instance {
	var best *instance
	for _, in := range w.insts {
		if in.slot == slot && in.serveFrom <= t && t < in.terminate && (best == nil || in.launch > best.launch) {
			best = in
		}
	}
	return best
}

// beacon sends n check-ins from the instance filling slot of w, over
// span seconds from t0.
func (pl *planner) beacon(w *workload, slot int, c2 string, port, proto int, t0, span int64, n int) string {
	r := &pl.r
	tr := pl.beaconShape(proto)
	interval, jitter, drop := float64(span)/float64(n), pl.uniform(0, 0.3), pl.uniform(0, 0.05)
	sent := 0
	for i, t := range pl.series(t0, n, interval, jitter) {
		in := w.slotAt(slot, t)
		if in == nil || r.chance(drop) {
			continue
		}
		if pl.add(pl.p.edge(tr, egress(in), answered), t, int64(r.intn(2)), instEnd(in), addrEnd(c2), pl.cport(in).port(i), port) != nil {
			sent++
		}
	}
	return fmt.Sprintf("%d check-ins to %s port %d/%s every %.0fs (jitter ±%.0f%%, %.1f%% missed), request %d×%dB and reply %d×%dB (sizes ±%.0f%%)",
		sent, c2, port, map[int]string{6: "tcp", 17: "udp"}[proto], interval, 50*jitter, 100*drop, tr.reqBase, tr.reqSize, tr.repBase, tr.repSize, 50*tr.sizeSpread)
}

// planBeaconChurn: a beacon in a workload's image outlives the instance:
// the replacement (same Name, new instance, ENI and address) carries on
// the series.
func (e *estate) planBeaconChurn(l *layout) {
	pl := e.planner("beaconing", "beacon-across-replacement", false)
	r := &pl.r
	var olds []*instance
	for _, v := range e.vpcs {
		for _, w := range v.workloads {
			for _, in := range w.insts {
				if in.terminate > e.at(0.25) && in.terminate < e.at(0.75) && w.slotAt(in.slot, in.terminate+60) != nil {
					olds = append(olds, in)
				}
			}
		}
	}
	if len(olds) == 0 {
		return
	}
	old := pick(r, olds)
	span := int64(pl.uniform(0.25, 0.6) * float64(e.period()))
	t0 := max(old.terminate-int64(pl.uniform(0.3, 0.7)*float64(span)), e.start+60)
	span = min(span, e.end-60-t0)
	n := min(r.between(60, 300), int(span/30))
	port := pick(r, []int{443, 443, 80, 8080, 8443})
	c2 := e.publicAddr(r)
	how := pl.beacon(old.wl, old.slot, c2, port, 6, t0, span, n)
	pl.note("%s: %s; from %s; %s; %s", old.wl.name, how, pl.instances(), via(old), logs(old.wl.vpc))
	pl.commit(false)
}

// instances lists the instances the plan's shots start from, each with
// its first shot: the series across replacements.
func (pl *planner) instances() string {
	var parts []string
	var last *instance
	for _, s := range pl.p.shots {
		if in := s.cli.inst; in != nil && in != last {
			parts = append(parts, fmt.Sprintf("%s (%s) from %s", in.id, in.eni.ip, rfc3339(s.t0)))
			last = in
		}
	}
	return strings.Join(parts, ", then ")
}

// planBeacon: a second beacon elsewhere, over TCP or UDP.
func (e *estate) planBeacon(l *layout) {
	pl := e.planner("beaconing", "beacon", false)
	r := &pl.r
	span := int64(pl.uniform(0.2, 0.5) * float64(e.period()))
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch", "db"}, anyVPC, span+60, 0.05, 0.95)
	if src == nil {
		return
	}
	proto, port := 6, pick(r, []int{443, 80, 8443, 8080, 4443})
	if r.chance(0.3) {
		proto, port = 17, pick(r, []int{53, 123, 443})
	}
	n := min(r.between(50, 250), int(span/30))
	c2 := e.publicAddr(r)
	how := pl.beacon(src.wl, src.slot, c2, port, proto, t0, span, n)
	pl.note("%s (%s): %s; %s; %s", src.wl.name, src.eni.ip, how, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// ---- crypto mining ----

var miningPorts = []int{3333, 4444, 5555, 7777, 14444, 45700, 3334, 9999, 14433, 5588}

// planMining: a miner in a workload's image keeps a long, steady stratum
// session to a pool, reconnecting now and then and after a replacement.
func (e *estate) planMining(l *layout) {
	pl := e.planner("crypto-mining", "mining-pool", false)
	r := &pl.r
	span := pl.span(120, 480, 0.35)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch"}, anyVPC, 600, 0.1, 0.6)
	if src == nil {
		return
	}
	pools := []string{e.publicAddr(r)}
	if r.chance(0.4) {
		pools = append(pools, e.publicAddr(r))
	}
	port := pick(r, miningPorts)
	tr := &traffic{proto: 6, reqBase: 6, repBase: 6, reqPPM: pl.uniform(2, 10), repPPM: pl.uniform(2, 8), reqSize: r.between(160, 320), repSize: r.between(250, 600),
		spread: pl.uniform(0.08, 0.2), sizeSpread: pl.uniform(0.04, 0.1)}
	reconnect := pl.uniform(30, 180) * 60
	w, slot := src.wl, src.slot
	sessions := 0
	for t, i := t0, 0; t < t0+span; i++ {
		in := w.slotAt(slot, t)
		if in == nil {
			t += 60
			continue
		}
		d := min(int64(reconnect*pl.uniform(0.5, 1.5)), t0+span-t, in.terminate-1-t)
		if s := pl.add(pl.p.edge(tr, egress(in), answered), t, d, instEnd(in), addrEnd(pools[i%len(pools)]), pl.cport(in).port(i), port); s != nil {
			sessions++
			t = s.t1 + int64(r.between(2, 30))
		} else {
			t += 60
		}
	}
	pl.note("%s: %d stratum sessions to %v port %d over %ds, reconnecting every ~%.0f min, %.1f/%.1f packets a minute (±%.0f%%), from %s; %s; %s",
		w.name, sessions, pools, port, span, reconnect/60, tr.reqPPM, tr.repPPM, 50*tr.spread, pl.instances(), via(src), logs(w.vpc))
	pl.commit(false)
}

// ---- indicators ----

// planIOC: addresses from a threat feed, written to indicators.txt, show
// up in the traffic: one connects in, and an instance downloads from an
// address inside a listed /24. The list also holds entries nothing
// matches, as real feeds do.
func (e *estate) planIOC(l *layout) {
	in := e.planner("ioc", "ioc-inbound", false)
	r := &in.r
	bad := e.publicAddr(r)
	span := in.span(2, 90, 0.05)
	web, t0 := in.hostSpan([]string{"web"}, anyVPC, span+60, 0.05, 0.95)
	if web == nil {
		return
	}
	sess := in.session(6)
	n := r.between(3, 25)
	for i, t := range in.series(t0, n, float64(span)/float64(n), 0.9) {
		in.add(in.p.edge(sess, pathInbound, answered), t, int64(r.between(1, 30)), addrEnd(bad), instEnd(web), r.between(32768, 60999)+i%7, 443)
	}
	in.note("listed address %s → %s (%s) port 443: %d sessions over %ds; %s", bad, web.wl.name, web.eni.ip, n, span, logs(web.wl.vpc))
	in.commit(false)

	out := e.planner("ioc", "ioc-outbound", false)
	r = &out.r
	block := e.block24(r)
	c2 := fmt.Sprintf("%s.%d", block, r.between(1, 254))
	e.used[c2] = true
	span = out.span(5, 120, 0.05)
	src, t1 := out.hostSpan([]string{"web", "api", "payment", "batch"}, anyVPC, span+60, 0.05, 0.95)
	if src == nil {
		return
	}
	port := pick(r, []int{443, 80, 8080})
	n = r.between(2, 10)
	dl, cp := out.session(6), out.cport(src)
	dl.repPPM *= 20
	for i, t := range out.series(t1, n, float64(span)/float64(n), 0.9) {
		out.add(out.p.edge(dl, egress(src), answered), t, int64(r.between(2, 120)), instEnd(src), addrEnd(c2), cp.port(i), port)
	}
	out.note("%s (%s) → %s (in the listed %s.0/24) port %d: %d downloads over %ds; %s; %s", src.wl.name, src.eni.ip, c2, block, port, n, span, via(src), logs(src.wl.vpc))
	out.commit(false)

	e.indicators = append(e.indicators,
		fmt.Sprintf("%s # scanner and exploit source (threat feed)", bad),
		fmt.Sprintf("%s.0/24 # malware distribution network", block))
	for range r.between(2, 5) {
		e.indicators = append(e.indicators, fmt.Sprintf("%s # botnet controller", e.publicAddr(r)))
	}
}

// ---- exposure ----

// planExposedAdmin: once bob's group is attached, internet hosts find
// SSH open on the web instance and connect (and later RDP's port, where
// nothing answers).
func (e *estate) planExposedAdmin(l *layout) {
	inc := e.incident
	if inc == nil || inc.inst == nil {
		return
	}
	pl := e.planner("exposure", "admin-port-open-to-internet", false)
	r := &pl.r
	span := pl.span(30, 240, 0.1)
	t0 := inc.at + 120 + int64(r.intn(600))
	n := r.between(5, 30)
	sess, syn := pl.authTry(), probe(1)
	for range n {
		src := addrEnd(e.publicAddr(r))
		for k := range r.between(1, 4) {
			t := t0 + int64(r.intn(int(span)))
			port := 22
			if k > 0 && r.chance(0.3) {
				port = 3389
			}
			out, tr := e.outcome(inc.inst, src, port, t), sess
			if out != answered {
				tr = syn
			}
			pl.add(pl.p.edge(tr, pathInbound, out), t, int64(r.between(1, 10)), src, instEnd(inc.inst), r.between(32768, 60999), port)
		}
	}
	pl.note("%d internet hosts reach SSH (and 3389, unanswered) on %s (%s) after bob opens 22–3389 to 0.0.0.0/0 at %s; %s",
		n, inc.inst.wl.name, inc.inst.eni.ip, rfc3339(inc.at+120), logs(inc.v))
	pl.commit(false)
}

// planUnprotectedProbes: the web group still admits the retired console
// port from anywhere and nothing listens. Scanners probe it all along
// (background traffic, its own entry), and once a burst of many sources
// probes one VPC's web servers.
func (e *estate) planUnprotectedProbes(l *layout) {
	pl := e.planner("exposure", "unprotected-port-probes", false)
	r := &pl.r
	span := pl.span(60, 360, 0.2)
	n := r.between(10, 50)
	t0 := e.at(pl.uniform(0.05, 0.9))
	tr := probe(r.intn(2))
	v := pick(r, e.vpcs)
	for range n {
		src := addrEnd(e.publicAddr(r))
		for range r.between(1, 3) {
			t := t0 + int64(r.intn(int(span)))
			if web := v.wl("web").pick(t, r); web != nil {
				pl.add(pl.p.edge(tr, pathInbound, e.outcome(web, src, legacyConsolePort, t)), t, 0, src, instEnd(web), r.between(32768, 60999), legacyConsolePort)
			}
		}
	}
	pl.note("port %d admitted from 0.0.0.0/0 on every web group, nothing listens: %d sources probe %s's web servers from %s for %ds; %s",
		legacyConsolePort, n, v.id, rfc3339(t0), span, logs(v))
	pl.commit(false)

	bg := e.planner("exposure", "unprotected-port-probes", false)
	bg.p.truth.Background = true
	for _, ed := range e.edges {
		if ed.tr == trProbe {
			ed.plan = bg.p.idx + 1
		}
	}
	bg.note("port %d admitted from 0.0.0.0/0 on every web group, nothing listens: internet scanners probe it all period", legacyConsolePort)
	bg.commit(true)
}

// ---- GuardDuty's flow findings ----

// planDoS: an instance floods one internet address over TCP (SYN) or UDP
// from a handful of source ports.
func (e *estate) planDoS(l *layout) {
	pl := e.planner("outbound-dos", "outbound-flood", false)
	r := &pl.r
	dur := pl.span(3, 30, 0.05)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch"}, anyVPC, dur+60, 0.1, 0.9)
	if src == nil {
		return
	}
	v6 := pl.v6From(src, 0.5)
	from, victim := srcEnd(src, v6), e.remote(r, v6)
	flows := r.between(4, 24)
	ppm := pl.logUniform(3000, 50000)
	proto, port, size := 6, pick(r, []int{80, 443}), r.between(40, 60)
	if r.chance(0.5) {
		proto, port, size = 17, pick(r, []int{53, 123, 80, 443, 27015, r.between(1024, 65535)}), r.between(60, 512)
	}
	tr := &traffic{proto: proto, reqBase: 1, reqPPM: ppm, reqSize: size, spread: 0.3, sizeSpread: 0.1}
	cp := pl.cport(src)
	for i := range flows {
		pl.add(pl.p.edge(tr, egress(src), unanswered), t0+int64(r.intn(10)), dur, from, addrEnd(victim), cp.port(i), port)
	}
	pl.note("%s (%s) floods %s port %d/%s: %d flows of ~%.0f packets a minute of %dB for %ds; %s; %s",
		src.wl.name, from.ip, victim, port, map[int]string{6: "tcp SYN", 17: "udp"}[proto], flows, ppm, size, dur, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// planSpam: a host that never sent mail connects to port 25 of hundreds
// of mail servers; AWS throttles port 25, so many go unanswered.
func (e *estate) planSpam(l *layout) {
	pl := e.planner("spam-bot", "spam-bot", false)
	r := &pl.r
	n := r.between(80, 300)
	interval := pl.logUniform(2, 40)
	dur := min(int64(float64(n)*interval), e.period()/10)
	interval = float64(dur) / float64(n)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch"}, anyVPC, dur+60, 0.5, 0.9)
	if src == nil {
		return
	}
	ans := pl.uniform(0.1, 0.7)
	v6 := pl.v6From(src, 0.5)
	from := srcEnd(src, v6)
	smtp := &traffic{proto: 6, reqBase: r.between(12, 30), repBase: r.between(8, 14), reqSize: r.between(300, 900), repSize: r.between(70, 120)}
	syn, cp := probe(r.between(1, 2)), pl.cport(src)
	for i, t := range pl.series(t0, n, interval, 0.9) {
		out, tr := unanswered, syn
		if r.chance(ans) {
			out, tr = answered, smtp
		}
		pl.add(pl.p.edge(tr, egress(src), out), t, int64(r.between(2, 12)), from, addrEnd(e.remote(r, v6)), cp.port(i), 25)
	}
	pl.p.manyDst = true
	pl.note("%s (%s) sends to port 25 of %d addresses, one every %.1fs, %.0f%% answered; %s; %s", src.wl.name, from.ip, n, interval, 100*ans, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// planUnusualPort: a host suddenly talks on a port it never used (IRC,
// Tor, a C2 framework's default).
func (e *estate) planUnusualPort(l *layout) {
	pl := e.planner("unusual-traffic", "unusual-port", false)
	r := &pl.r
	span := pl.span(5, 180, 0.1)
	src, t0 := pl.hostSpan([]string{"web", "api", "payment", "batch", "db"}, anyVPC, span+600, 0.5, 0.9)
	if src == nil {
		return
	}
	port := pick(r, []int{6667, 6697, 1337, 8888, 9001, 6881, 31337, 2222, 1080, 5222, 50050, 4145})
	dst := e.publicAddr(r)
	n := r.between(3, 30)
	sess, cp := pl.session(6), pl.cport(src)
	for i, t := range pl.series(t0, n, float64(span)/float64(n), 0.9) {
		pl.add(pl.p.edge(sess, egress(src), answered), t, int64(r.between(10, 900)), instEnd(src), addrEnd(dst), cp.port(i), port)
	}
	pl.note("%s (%s) → %s port %d, a port it never used: %d sessions over %ds; %s; %s", src.wl.name, src.eni.ip, dst, port, n, span, via(src), logs(src.wl.vpc))
	pl.commit(false)
}

// planUnusualVolume: on an edge it uses every day, a client pulls
// gigabytes instead of megabytes: a database dump.
func (e *estate) planUnusualVolume(l *layout) {
	pl := e.planner("unusual-traffic", "unusual-volume", false)
	r := &pl.r
	p := pick(r, []struct {
		cli, srv string
		port     int
	}{{"api", "db", 5432}, {"batch", "db", 5432}, {"web", "api", 8080}, {"api", "payment", 8443}})
	dur := pl.span(10, 90, 0.08)
	src, t0 := pl.hostSpan([]string{p.cli}, anyVPC, dur+120, 0.5, 0.9)
	if src == nil {
		return
	}
	dst := src.wl.vpc.wl(p.srv).runningAt(t0)
	if dst == nil || !dst.aliveAll(t0, t0+dur) {
		return
	}
	total := pl.logUniform(1, 8) * 1e9
	streams := r.between(1, 3)
	ppm := total / float64(streams) / (float64(dur) / 60) / 1400
	tr := &traffic{proto: 6, reqBase: 10, repBase: 10, reqPPM: ppm / 2, repPPM: ppm, reqSize: 52, repSize: 1400, spread: 0.4}
	cp := pl.cport(src)
	for i := range streams {
		pl.add(pl.p.edge(tr, pathLocal, answered), t0+int64(r.intn(60)), dur, instEnd(src), instEnd(dst), cp.port(i), p.port)
	}
	pl.note("%s (%s) pulls about %.1f GB from %s (%s) port %d, an edge it always uses, in %d sessions over %ds; %s",
		src.wl.name, src.eni.ip, total/1e9, dst.wl.name, dst.eni.ip, p.port, streams, dur, logs(src.wl.vpc))
	pl.commit(false)
}
