package gen

import (
	"fmt"
	"time"
)

// Benign look-alikes: traffic that resembles an attack and that no
// detector should report. Those that run throughout the period (cron
// jobs, monitoring, health checks) are in the baseline too, as a real
// estate's would be.

// cronInterval is the five minutes of the cron look-alikes.
const cronInterval = 300

// backupInterval is how often the nightly backup runs: every day when the
// period holds three of them, else three times in the period, so that
// the baseline always has runs before the second half.
func (e *estate) backupInterval() int64 {
	if e.period() >= 3*86400 {
		return 86400
	}
	return e.period() / 3
}

// planBackups: a database sends its dump to one S3 address every night, in
// a few parallel multipart streams, gigabytes each time. Each run is its
// own truth entry, so a finding about one night matches that night.
func (e *estate) planBackups(l *layout) {
	r := newRNG(e.seed, hashString("backup"))
	s3 := e.awsAddr(&r, "S3")
	base, streams := 2e9+10e9*r.float(), r.between(2, 4)
	every := e.backupInterval()
	off := int64((0.05 + 0.15*r.float()) * float64(every))
	w := l.backupVPC.wl("db")
	for k := int64(0); off+k*every < e.period(); k++ {
		pl := e.planner("exfiltration", "nightly-backup", true)
		t := e.start + off + k*every + int64(pl.r.between(-300, 300))
		src := w.runningAt(t)
		if src == nil {
			continue
		}
		dur := pl.span(20, 70, 0.05)
		total := base * pl.uniform(0.85, 1.15)
		pl.upload(src, addrEnd(s3), 443, t, dur, total, streams)
		for i := range pl.p.shots {
			pl.p.shots[i].svc = "S3"
		}
		pl.note("run %d: %s (%s) → S3 %s port 443, about %.1f GB in %d streams over %ds, every %s; %s; %s",
			k+1, w.name, src.eni.ip, s3, total/1e9, streams, dur, time.Duration(every)*time.Second, via(src), logs(w.vpc))
		pl.commit(false)
	}
}

// awsAddr picks an address of the AWS pool whose service is svc, or any
// AWS one when svc is empty.
func (e *estate) awsAddr(r *rng, svc string) string {
	p := e.pools.aws
	for {
		i := r.intn(len(p.addrs))
		if svc == "" || p.svc[i] == svc {
			return p.addrs[i]
		}
	}
}

// cron runs a short call every five minutes, all period, from the
// instance of w serving then.
func (pl *planner) cron(w *workload, dst end, port int, path pathKind, svc string) int {
	r := &pl.r
	tr := &traffic{proto: 6, reqBase: r.between(8, 14), repBase: r.between(8, 14), reqSize: r.between(200, 500), repSize: r.between(300, 1500), sizeSpread: 0.1}
	jitter := r.between(0, 3)
	n := 0
	for t := pl.e.start + int64(r.intn(cronInterval)); t < pl.e.end; t += cronInterval {
		at := t + int64(r.between(-jitter, jitter))
		in := w.runningAt(at)
		if in == nil {
			continue
		}
		if s := pl.add(pl.p.edge(tr, path, answered), at, int64(r.intn(3)), instEnd(in), dst, pl.cport(in).port(n), port); s != nil {
			s.svc = svc
			n++
		}
	}
	return jitter
}

// planCronEndpoint: a batch job calls the VPC's interface endpoint every
// five minutes.
func (e *estate) planCronEndpoint(l *layout) {
	pl := e.planner("beaconing", "cron-to-vpc-endpoint", true)
	w := l.cronVPC.wl("batch")
	jitter := pl.cron(w, ifcEnd(l.cronVPC.vpce), 443, pathLocal, "-")
	pl.note("%s → VPC endpoint %s port 443 every 5 minutes ±%ds, all period; %s", w.name, l.cronVPC.vpce.ip, jitter, logs(l.cronVPC))
	pl.commit(false)
}

// planCronAWS: an API server polls an AWS endpoint every five minutes
// through the NAT gateway.
func (e *estate) planCronAWS(l *layout) {
	pl := e.planner("beaconing", "cron-to-aws-endpoint", true)
	v := pick(&pl.r, e.vpcs)
	i := pl.r.intn(len(e.pools.aws.addrs))
	dst, svc := e.pools.aws.addrs[i], e.pools.aws.service(i)
	w := v.wl("api")
	jitter := pl.cron(w, addrEnd(dst), 443, pathNAT, svc)
	pl.note("%s → %s (%s) port 443 every 5 minutes ±%ds, all period, through NAT gateway %s; %s", w.name, dst, svc, jitter, v.nat.ip, logs(v))
	pl.commit(false)
}

// planMonitoring: one VPC's bastion checks every instance over SSH every
// few minutes, all period: a fan-out to every host on an admin port that
// is neither lateral movement nor a scan.
func (e *estate) planMonitoring(l *layout) {
	pl := e.planner("lateral-movement", "monitoring-fan-out", true)
	pl.p.also = []string{"port-scan"}
	r := &pl.r
	v := l.monitorVPC
	every := int64(r.between(10, 20) * 60)
	tr := &traffic{proto: 6, reqBase: r.between(14, 22), repBase: r.between(14, 24), reqSize: r.between(100, 200), repSize: r.between(150, 400)}
	bastion := v.wl("bastion")
	k := 0
	for t := e.start + int64(r.intn(int(every))); t < e.end; t += every {
		src := bastion.runningAt(t)
		if src == nil {
			continue
		}
		cp := pl.cport(src)
		for _, w := range v.workloads {
			for _, in := range w.insts {
				if in == src || in.serveFrom > t || t >= in.terminate {
					continue
				}
				at := t + int64(r.intn(20))
				pl.add(pl.p.edge(tr, pathLocal, e.outcome(in, instEnd(src), 22, at)), at, int64(r.between(1, 4)), instEnd(src), instEnd(in), cp.port(k), 22)
				k++
			}
		}
	}
	pl.p.manyDst = true
	pl.note("%s checks every instance of its VPC over SSH every %d minutes, all period; %s", bastion.name, every/60, logs(v))
	pl.commit(false)
}

// planHealthChecks: a network load balancer's node (one AZ enabled) opens
// a TCP connection to each web server every few minutes, all period.
func (e *estate) planHealthChecks(l *layout) {
	pl := e.planner("beaconing", "load-balancer-health-checks", true)
	r := &pl.r
	v := l.healthVPC
	nr := newRNG(e.seed, hashString("nlb"), uint64(v.idx))
	node := v.newIface(&nr, v.subnet(tierPublic, r.intn(2)), v.acct.id)
	node.ip6 = ""
	every := int64(r.between(240, 300))
	port := pick(r, []int{80, 443})
	tr := &traffic{proto: 6, reqBase: 3, repBase: 2, reqSize: 52, repSize: 60}
	web := v.wl("web")
	k := 0
	for t := e.start + int64(r.intn(int(every))); t < e.end; t += every {
		for _, in := range web.insts {
			if in.serveFrom <= t && t < in.terminate {
				pl.add(pl.p.edge(tr, pathLocal, answered), t+int64(r.intn(2)), 0, ifcEnd(node), instEnd(in), 1024+k%64000, port)
				k++
			}
		}
	}
	pl.p.manyDst = true
	pl.note("load balancer node %s (%s) checks every web server on port %d every %ds, all period; %s", node.id, node.ip, port, every, logs(v))
	pl.commit(false)
}

// planVulnScanner: the company's own scanner, from a fixed address, sweeps
// the public instances of some VPCs once. It belongs in the hunt
// config's allowlist of scanners you run.
func (e *estate) planVulnScanner(l *layout) {
	pl := e.planner("port-scan", "authorised-vulnerability-scanner", true)
	r := &pl.r
	scanner := e.publicAddr(r)
	t0 := e.at(pl.uniform(0.05, 0.85))
	n := r.between(150, 600)
	rate := pl.logUniform(20, 200)
	ports, mode := pl.portList(n)
	tr, cport := probe(0), r.between(40000, 60000)
	var hosts []*instance
	for _, vi := range permutation(r, len(e.vpcs))[:r.between(1, min(3, len(e.vpcs)))] {
		for _, k := range []string{"web", "bastion"} {
			if in := e.vpcs[vi].wl(k).runningAt(t0); in != nil && in.aliveAll(t0, t0+int64(float64(n)/rate)+60) {
				hosts = append(hosts, in)
			}
		}
	}
	i := 0
	for _, h := range hosts {
		for _, port := range ports {
			t := t0 + int64(float64(i)/rate)
			out := e.outcome(h, addrEnd(scanner), port, t)
			if s := pl.add(pl.p.edge(tr, pathInbound, out), t, 0, addrEnd(scanner), instEnd(h), cport, port); s != nil {
				s.rst = out == answered
			}
			i++
		}
	}
	pl.p.manyDst = true
	pl.p.truth.Allowlist = []string{scanner + "/32"}
	pl.note("the company's scanner %s (allowlist %s/32 in the hunt config) tries %d ports (%s order) on %d public instances at %.0f probes/s from %s",
		scanner, scanner, n, mode, len(hosts), rate, rfc3339(t0))
	pl.commit(false)
}

// planBackground records background traffic that looks like an attack:
// internet scanners' probes, the office's SSH to the bastions, and the
// batch jobs' uploads to S3. Their volume follows --scale; the truth
// lists them once any record was written.
func (e *estate) planBackground(l *layout) {
	for _, b := range []struct {
		detector, kind, note string
		manyDst              bool
		match                func(*edge) bool
	}{
		{"port-scan", "internet-background-scanning", "scanners of the whole IPv4 space probe the public instances all period, a few ports each, rejected", true,
			func(ed *edge) bool { return ed.tr == trScan }},
		{"exposure", "office-ssh-to-bastion", fmt.Sprintf("the office (%s) uses SSH on the bastions, which admit it: allowlist %s in the hunt config", adminCIDR, adminCIDR), true,
			func(ed *edge) bool { return ed.cli.kind == peerPool && ed.cli.pool == e.pools.office }},
		{"exfiltration", "batch-uploads-to-s3", "batch jobs upload hundreds of megabytes to S3 at random times, all period", false,
			func(ed *edge) bool { return ed.tr == trUpload }},
	} {
		pl := e.planner(b.detector, b.kind, true)
		pl.p.truth.Background = true
		pl.p.manyDst = b.manyDst
		if b.kind == "office-ssh-to-bastion" {
			pl.p.truth.Allowlist = []string{adminCIDR}
		}
		for _, ed := range e.edges {
			if b.match(ed) {
				ed.plan = pl.p.idx + 1
			}
		}
		pl.note("%s", b.note)
		pl.commit(true)
	}
}
