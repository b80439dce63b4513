package gen

// A conversation is one connection (or one UDP/ICMP exchange) between a
// client and a server. It is a pure function of the seed, its edge, the
// minute it starts in and its rank in that minute, so every generator that
// sees it (the VPC at each end, the transit gateway) derives the same one.
type conv struct {
	e                *edge
	seed             uint64
	t0, t1           int64 // first and last packet, unix seconds
	w0, w1           int   // first and last window
	fin              bool  // closes before the period ends (FIN in the last window)
	rst              bool  // the client resets instead of closing
	proto            int
	cli, srv         *iface // nil when the end is not a monitored ENI
	cliIP, srvIP     string
	cliPort          int
	srvPort          int
	natPort          int
	svc              string // pkt-*-aws-service of an internet destination
	v6               bool
	obs              [6]obs // where this generator records the conversation
	nobs             int
	cliInst, srvInst *instance
}

// obs is one point where a conversation is recorded in one direction: one
// flow-log line per window.
type obs struct {
	ifc            *iface
	rep            bool // the reply direction (server → client)
	src, dst       string
	pktSrc, pktDst string
	sport, dport   int
	ingress        bool
	tpath          int // traffic-path; 0 writes "-"
	reject         bool
	srcSvc, dstSvc string
}

// newConv draws the k-th conversation of edge ed that starts in window w.
// ok is false when an end has no instance serving at that moment.
func (e *estate) newConv(ed *edge, w, k int) (c conv, ok bool) {
	r := newRNG(e.seed, ed.id, uint64(w), uint64(k))
	c.e, c.seed, c.proto = ed, r.next(), ed.tr.proto
	c.t0 = e.start + int64(w)*window + int64(r.intn(window))
	if c.t0 >= e.end {
		return c, false
	}
	cliWin, ok := c.pickClient(&r)
	if !ok || !c.pickServer(&r) {
		return c, false
	}
	c.ports(&r, cliWin)
	c.t1 = c.t0 + c.duration(&r)
	c.fin = !ed.silent()
	c.rst = c.fin && c.proto == 6 && r.chance(0.02)
	c.truncate(e.end, c.cliInst, c.srvInst)
	c.w0, c.w1 = w, int((c.t1-e.start)/window)
	return c, true
}

func (c *conv) pickClient(r *rng) (windows bool, ok bool) {
	ed := c.e
	switch ed.cli.kind {
	case peerWorkload:
		in := ed.cli.wl.pick(c.t0, r)
		if in == nil {
			return false, false
		}
		c.cliInst, c.cli, c.cliIP = in, in.eni, in.eni.ip
		return in.windows, true
	default:
		i := ed.cli.pool.pick(r)
		c.cliIP, c.v6 = ed.cli.pool.addrs[i], ed.cli.pool.v6
		return ed.cli.pool.windows[i], true
	}
}

func (c *conv) pickServer(r *rng) bool {
	ed := c.e
	switch ed.srv.kind {
	case peerWorkload:
		in := ed.srv.wl.pick(c.t0, r)
		if in == nil {
			return false
		}
		c.srvInst, c.srv, c.srvIP = in, in.eni, in.eni.ip
		if c.v6 {
			c.srvIP = in.eni.ip6
		}
	case peerIface:
		c.srv, c.srvIP = ed.srv.ifc, ed.srv.ifc.ip
	case peerAddr:
		c.srvIP = ed.srv.addr
	case peerPool:
		i := ed.srv.pool.pick(r)
		c.srvIP, c.svc = ed.srv.pool.addrs[i], ed.srv.pool.service(i)
	}
	return c.srvIP != ""
}

// ports draws the ephemeral client port (Linux 32768–60999, Windows
// 49152–65535), the NAT gateway's port, and on scans the protocol and the
// probed port. ICMP has no ports: both are 0.
func (c *conv) ports(r *rng, windows bool) {
	c.srvPort = c.e.tr.port
	if c.e.tr.scan {
		c.scanTarget(r)
	}
	if c.proto == 1 {
		c.srvPort = 0
		return
	}
	if windows {
		c.cliPort = r.between(49152, 65535)
	} else {
		c.cliPort = r.between(32768, 60999)
	}
	c.natPort = r.between(1024, 65535)
}

func (c *conv) scanTarget(r *rng) {
	switch x := r.float(); {
	case x < 0.8:
		c.proto, c.srvPort = 6, scanPorts[r.intn(len(scanPorts))]
		if r.chance(0.3) {
			c.srvPort = r.between(1, 65535)
		}
		if c.srvPort == 443 || c.srvPort == 80 {
			c.srvPort = 8081
		}
	case x < 0.92:
		c.proto, c.srvPort = 17, scanUDP[r.intn(len(scanUDP))]
	default:
		c.proto = 1
	}
}

func (c *conv) duration(r *rng) int64 {
	d := c.e.tr.dur
	if d[0] == 0 {
		return 0
	}
	return int64(min(r.exp(d[0]), d[1]))
}

// truncate ends the conversation at the end of the period or when either
// instance terminates; such a conversation never closes cleanly.
func (c *conv) truncate(end int64, insts ...*instance) {
	if c.t1 >= end {
		c.t1, c.fin = end-1, false
	}
	for _, in := range insts {
		if in != nil && c.t1 >= in.terminate {
			c.t1, c.fin = in.terminate-1, false
		}
	}
}

// winVals are a conversation's values in one window, the same at every
// point that records it.
type winVals struct {
	start, end         int64
	reqPk, reqBy       int64
	repPk, repBy       int64
	reqFlags, repFlags int
}

// values computes window w's packets, bytes, times and TCP flags. TCP
// flags are OR-ed over the window as AWS does, with a pure ACK written as
// 0: SYN (2) on the client's first window, SYN-ACK (18) on the server's,
// FIN (1) on the last window of a connection that closes.
func (c *conv) values(w int, base int64) winVals {
	r := newRNG(c.seed, uint64(w))
	ws := base + int64(w)*window
	v := winVals{start: max(c.t0, ws+int64(r.intn(3))), end: min(c.t1, ws+window-1-int64(r.intn(3)))}
	if w == c.w0 {
		v.start = c.t0
	}
	if w == c.w1 {
		v.end = c.t1
	}
	v.end = max(v.end, v.start)
	frac := float64(v.end-v.start+1) / window
	tr := c.e.tr
	v.reqPk = tr.packets(&r, tr.reqPPM*frac, tr.reqBase, w == c.w0)
	v.repPk = tr.packets(&r, tr.repPPM*frac, tr.repBase, w == c.w0)
	v.reqBy = c.bytes(&r, v.reqPk, tr.reqSize)
	v.repBy = c.bytes(&r, v.repPk, tr.repSize)
	v.reqFlags, v.repFlags = c.flags(w)
	return v
}

// packets draws a window's packets: the rate times a factor around 1
// (0.5–1.5 unless the traffic is steadier), plus the handshake in the
// first window.
func (tr *traffic) packets(r *rng, perWindow float64, base int, first bool) int64 {
	f := 0.5 + r.float()
	if tr.spread > 0 {
		f = 1 - tr.spread/2 + tr.spread*r.float()
	}
	n := int64(perWindow * f)
	if first {
		n += int64(base)
	}
	return max(n, 1)
}

func (c *conv) bytes(r *rng, pk int64, size int) int64 {
	floor := int64(40)
	if c.v6 {
		floor = 60
	}
	f := 0.75 + 0.5*r.float()
	if s := c.e.tr.sizeSpread; s > 0 {
		f = 1 - s/2 + s*r.float()
	}
	per := int64(float64(size) * f)
	return pk * max(per, floor)
}

func (c *conv) flags(w int) (req, rep int) {
	if c.proto != 6 {
		return 0, 0
	}
	if c.e.silent() {
		return 2, 0 // SYN and its retries, never answered
	}
	if w == c.w0 {
		req, rep = 2, 18
	}
	if w == c.w1 && c.fin {
		if c.rst {
			req |= 4
		} else {
			req |= 1
			rep |= 1
		}
	}
	return req, rep
}

// observe fills c.obs with the points where VPC v's flow log records the
// conversation: every monitored ENI it crosses, in each direction. A
// rejected conversation has no reply.
func (c *conv) observe(v *vpc) {
	c.nobs = 0
	switch c.e.path {
	case pathInbound:
		c.serverEnd(8)
	case pathLocal:
		c.clientEnd(1)
		if c.srv != nil { // nil: an address no interface holds (a sweep)
			c.serverEnd(1)
		}
	case pathVGW:
		c.serverEnd(3)
	case pathIGW:
		c.clientEnd(8)
	case pathResolver:
		c.clientEnd(1)
	case pathNAT:
		c.clientEnd(1)
		c.natLegs(v.nat)
	case pathTGW:
		c.tgwLegs(v)
	}
}

func (c *conv) add(o obs) {
	if o.pktSrc == "" {
		o.pktSrc = o.src
	}
	if o.pktDst == "" {
		o.pktDst = o.dst
	}
	if o.srcSvc == "" {
		o.srcSvc = "-"
	}
	if o.dstSvc == "" {
		o.dstSvc = "-"
	}
	c.obs[c.nobs] = o
	c.nobs++
}

// request and reply are the two directions as seen at the end points.
func (c *conv) request(ifc *iface, ingress bool, tpath int) obs {
	return obs{ifc: ifc, src: c.cliIP, dst: c.srvIP, sport: c.cliPort, dport: c.srvPort, ingress: ingress, tpath: tpath, dstSvc: c.svc, srcSvc: "-"}
}

func (c *conv) reply(ifc *iface, ingress bool, tpath int) obs {
	return obs{ifc: ifc, rep: true, src: c.srvIP, dst: c.cliIP, sport: c.srvPort, dport: c.cliPort, ingress: ingress, tpath: tpath, srcSvc: c.svc, dstSvc: "-"}
}

func (c *conv) clientEnd(tpath int) {
	c.add(c.request(c.cli, false, tpath))
	if !c.e.silent() {
		c.add(c.reply(c.cli, true, 0))
	}
}

func (c *conv) serverEnd(tpath int) {
	o := c.request(c.srv, true, 0)
	o.reject = c.e.reject
	c.add(o)
	if !c.e.silent() {
		c.add(c.reply(c.srv, false, tpath))
	}
}

// natLegs records the conversation on the NAT gateway's ENI: in from the
// instance, out to the internet from the gateway's own address and port,
// and the reply both ways. On the inside legs the packet addresses
// (pkt-srcaddr, pkt-dstaddr) differ from the ENI-level ones.
func (c *conv) natLegs(nat *iface) {
	in := c.request(nat, true, 0)
	in.dst, in.pktDst = nat.ip, c.srvIP
	out := c.request(nat, false, 8)
	out.src, out.sport = nat.ip, c.natPort
	back := c.reply(nat, true, 0)
	back.dst, back.dport = nat.ip, c.natPort
	home := c.reply(nat, false, 1)
	home.src, home.pktSrc = nat.ip, c.srvIP
	c.add(in)
	c.add(out)
	if !c.e.silent() {
		c.add(back)
		c.add(home)
	}
}

// tgwLegs records a cross-VPC conversation on v's side: the instance and
// the transit-gateway attachment ENI in its AZ, which shows its own
// address with the real end in pkt-srcaddr or pkt-dstaddr.
func (c *conv) tgwLegs(v *vpc) {
	if c.cli.vpc == v {
		t := v.tgwENI[c.cli.subnet.az]
		c.clientEnd(1)
		in := c.request(t, true, 0)
		in.dst, in.pktDst = t.ip, c.srvIP
		back := c.reply(t, false, 1)
		back.src, back.pktSrc = t.ip, c.srvIP
		c.add(in)
		if !c.e.silent() {
			c.add(back)
		}
	}
	if c.srv.vpc == v {
		t := v.tgwENI[c.srv.subnet.az]
		out := c.request(t, false, 1)
		out.src, out.pktSrc = t.ip, c.cliIP
		ret := c.reply(t, true, 0)
		ret.dst, ret.pktDst = t.ip, c.cliIP
		c.add(out)
		if !c.e.silent() {
			c.add(ret)
		}
		c.serverEnd(1)
	}
}
