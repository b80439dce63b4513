package gen

import (
	"context"
	"strconv"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// tally is what one generator wrote, counted as it wrote it.
type tally struct {
	flows, tgw, cloudtrail int64
	byAccount              map[string]int64
	nodata, skipdata       int64
	ipv6, rejected         int64
	malformed              int64
	objects                int
	bytes                  map[string]int64 // flows: bytes by srcaddr
	planted                Planted          // cloudtrail: what the audit must find
	plans                  map[int]*planTally
}

func newTally() *tally {
	return &tally{byAccount: map[string]int64{}, bytes: map[string]int64{}, plans: map[int]*planTally{}}
}

// flowGen writes one VPC's flow log, window by window. Memory is the
// conversations open at one moment, whatever the Scale.
type flowGen struct {
	est      *estate
	v        *vpc
	fields   []int
	version  int64
	edges    []*edge
	shots    *shotQueue
	active   []conv
	out      *flowObjects
	lastSeen []int // last window each ENI had a record in
	t        *tally
	line     []byte
}

func newFlowGen(e *estate, v *vpc, root string) *flowGen {
	g := &flowGen{est: e, v: v, fields: v.acct.format.Fields, version: v.acct.version, t: newTally()}
	g.out = newFlowObjects(e, root, v.acct.id, v.region.name, v.flowLogID, v.acct.format.String())
	for _, ed := range e.edges {
		if ed.cliVPC == v || ed.srvVPC == v {
			g.edges = append(g.edges, ed)
		}
	}
	g.shots = e.queue(func(s *shot) bool { return s.touches(v) })
	g.lastSeen = make([]int, len(v.ifaces))
	for i := range g.lastSeen {
		g.lastSeen[i] = -1
	}
	return g
}

func (g *flowGen) run(ctx context.Context) (*tally, error) {
	if err := runWindows(ctx, g.est.nWin, g.out, g.window); err != nil {
		return nil, err
	}
	g.t.objects = g.out.written
	g.t.byAccount[g.v.acct.id] += g.t.flows
	return g.t, nil
}

func (g *flowGen) window(w int) error {
	if err := g.out.roll(w); err != nil {
		return err
	}
	g.active = g.est.spawn(g.active, g.edges, w, g.v)
	g.active = g.est.inject(g.active, g.shots, w, g.v)
	if err := g.emit(w); err != nil {
		return err
	}
	if err := g.idle(w); err != nil {
		return err
	}
	return g.malformed(w)
}

// spawn appends the conversations of edges that start in window w. With a
// VPC it keeps only those that VPC records.
func (e *estate) spawn(active []conv, edges []*edge, w int, v *vpc) []conv {
	day := diurnal(e.start + int64(w)*window)
	for _, ed := range edges {
		lambda := e.rate * ed.weight
		if ed.human {
			lambda *= day
		}
		r := newRNG(e.seed, ed.id, uint64(w), 0x5eed)
		n := r.poisson(lambda)
		for k := 0; k < n; k++ {
			c, ok := e.newConv(ed, w, k)
			if !ok {
				continue
			}
			if v != nil {
				if c.observe(v); c.nobs == 0 {
					continue
				}
			}
			active = append(active, c)
		}
	}
	return active
}

// emit writes window w of every open conversation and drops those that
// end in it.
func (g *flowGen) emit(w int) error {
	keep := g.active[:0]
	for i := range g.active {
		c := &g.active[i]
		v := c.values(w, g.est.start)
		for j := 0; j < c.nobs; j++ {
			if err := g.record(w, c, &c.obs[j], &v); err != nil {
				return err
			}
		}
		if w < c.w1 {
			keep = append(keep, *c)
		}
	}
	g.active = keep
	return nil
}

func (g *flowGen) record(w int, c *conv, o *obs, v *winVals) error {
	l := vline{ifc: o.ifc, o: o, proto: c.proto, start: v.start, end: v.end, v6: c.v6, status: "OK"}
	l.pk, l.by, l.flags = v.reqPk, v.reqBy, v.reqFlags
	if o.rep {
		l.pk, l.by, l.flags = v.repPk, v.repBy, v.repFlags
	}
	if o.ifc.dashFlags {
		l.flags = -1
	}
	g.line = appendVPC(g.line[:0], g.fields, g.version, &l)
	if err := g.out.write(g.line); err != nil {
		return err
	}
	g.lastSeen[o.ifc.idx] = w
	g.t.flows++
	g.t.bytes[o.src] += l.by
	if c.v6 {
		g.t.ipv6++
	}
	if o.reject {
		g.t.rejected++
	}
	if c.e.plan > 0 {
		g.t.countPlan(c, l.start, l.end)
	}
	return nil
}

// idle writes NODATA for some ENIs that had no traffic in window w, as
// AWS does, and now and then SKIPDATA for a busy web server whose records
// the capture dropped.
func (g *flowGen) idle(w int) error {
	ws := g.est.start + int64(w)*window
	r := newRNG(g.est.seed, hashString("idle"), uint64(g.v.idx), uint64(w))
	for _, f := range g.v.ifaces {
		if g.lastSeen[f.idx] == w || f.inst != nil && !f.inst.aliveAll(ws, ws+window-1) || !r.chance(0.02) {
			continue
		}
		if err := g.status(f, ws, &r, "NODATA"); err != nil {
			return err
		}
		g.t.nodata++
	}
	if !r.chance(1.0 / 300) {
		return nil
	}
	in := g.v.wl("web").pick(ws, &r)
	if in == nil || !in.aliveAll(ws, ws+window-1) {
		return nil
	}
	g.t.skipdata++
	return g.status(in.eni, ws, &r, "SKIPDATA")
}

func (g *flowGen) status(f *iface, ws int64, r *rng, status string) error {
	end := min(ws+window-1-int64(r.intn(3)), g.est.end-1)
	l := vline{ifc: f, start: min(ws+int64(r.intn(3)), end), end: end, status: status}
	g.line = appendVPC(g.line[:0], g.fields, g.version, &l)
	g.t.flows++
	return g.out.write(g.line)
}

// malformed writes two broken lines (a record cut short after nine
// fields, and a record whose destination port is a word) in two windows
// of two flow logs: the first and second accounts' in the first region.
// A correct ingest quarantines each of them.
func (g *flowGen) malformed(w int) error {
	if !g.hasMalformed() || w != g.est.nWin/3 && w != 2*g.est.nWin/3 {
		return nil
	}
	ws := g.est.start + int64(w)*window
	o := obs{ifc: g.v.nat, src: g.v.nat.ip, dst: "52.94.0.10", pktSrc: g.v.nat.ip, pktDst: "52.94.0.10",
		sport: 40001 + w, dport: 443, tpath: 8, srcSvc: "-", dstSvc: "DYNAMODB"}
	l := vline{ifc: o.ifc, o: &o, proto: 6, pk: 10, by: 4400, start: ws + 3, end: ws + 50, flags: 3, status: "OK"}
	g.line = appendVPC(g.line[:0], g.fields, g.version, &l)
	if err := g.out.write(truncateFields(g.line, 9)); err != nil {
		return err
	}
	l.badPort = true
	g.line = appendVPC(g.line[:0], g.fields, g.version, &l)
	g.t.malformed += 2
	return g.out.write(g.line)
}

func (g *flowGen) hasMalformed() bool {
	return g.v.region.name == g.est.cfg.Regions[0] && g.v.acct.idx <= 1
}

// truncateFields keeps the first n space-separated fields of a line.
func truncateFields(line []byte, n int) []byte {
	for i, c := range line {
		if c == ' ' {
			if n--; n == 0 {
				return append(line[:i], '\n')
			}
		}
	}
	return line
}

// vline is one VPC flow-log line. With o nil it is a NODATA or SKIPDATA
// record: every field about packets is "-".
type vline struct {
	ifc        *iface
	o          *obs
	proto      int
	pk, by     int64
	start, end int64
	flags      int // -1 writes "-"
	v6         bool
	status     string
	badPort    bool // write the destination port as a word (malformed)
}

// appendVPC renders a line in the order of the format's fields.
func appendVPC(b []byte, fields []int, version int64, l *vline) []byte {
	for i, id := range fields {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendVPCField(b, id, version, l)
	}
	return append(b, '\n')
}

func appendVPCField(b []byte, id int, version int64, l *vline) []byte {
	f := l.ifc
	switch id {
	case flowlog.FVersion:
		return strconv.AppendInt(b, version, 10)
	case flowlog.FAccountID:
		return append(b, f.account...)
	case flowlog.FInterfaceID:
		return append(b, f.id...)
	case flowlog.FStart:
		return strconv.AppendInt(b, l.start, 10)
	case flowlog.FEnd:
		return strconv.AppendInt(b, l.end, 10)
	case flowlog.FLogStatus:
		return append(b, l.status...)
	case flowlog.FVPCID:
		return append(b, f.vpc.id...)
	case flowlog.FSubnetID:
		return append(b, f.subnet.id...)
	case flowlog.FInstanceID:
		return append(b, f.instanceID...)
	case flowlog.FRegion:
		return append(b, f.vpc.region.name...)
	case flowlog.FAZID:
		return append(b, f.subnet.azID...)
	}
	if l.o == nil {
		return append(b, '-')
	}
	return appendPacketField(b, id, l)
}

// appendPacketField renders the fields that describe the traffic itself.
func appendPacketField(b []byte, id int, l *vline) []byte {
	o := l.o
	switch id {
	case flowlog.FSrcAddr:
		return append(b, o.src...)
	case flowlog.FDstAddr:
		return append(b, o.dst...)
	case flowlog.FSrcPort:
		return strconv.AppendInt(b, int64(o.sport), 10)
	case flowlog.FDstPort:
		if l.badPort {
			return append(b, "https"...)
		}
		return strconv.AppendInt(b, int64(o.dport), 10)
	case flowlog.FProtocol:
		return strconv.AppendInt(b, int64(l.proto), 10)
	case flowlog.FPackets:
		return strconv.AppendInt(b, l.pk, 10)
	case flowlog.FBytes:
		return strconv.AppendInt(b, l.by, 10)
	case flowlog.FAction:
		if o.reject {
			return append(b, "REJECT"...)
		}
		return append(b, "ACCEPT"...)
	case flowlog.FTCPFlags:
		if l.flags < 0 {
			return append(b, '-')
		}
		return strconv.AppendInt(b, int64(l.flags), 10)
	case flowlog.FType:
		if l.v6 {
			return append(b, "IPv6"...)
		}
		return append(b, "IPv4"...)
	case flowlog.FPktSrcAddr:
		return append(b, o.pktSrc...)
	case flowlog.FPktDstAddr:
		return append(b, o.pktDst...)
	case flowlog.FPktSrcAWSService:
		return append(b, o.srcSvc...)
	case flowlog.FPktDstAWSService:
		return append(b, o.dstSvc...)
	case flowlog.FFlowDirection:
		if o.ingress {
			return append(b, "ingress"...)
		}
		return append(b, "egress"...)
	case flowlog.FTrafficPath:
		if o.tpath == 0 {
			return append(b, '-')
		}
		return strconv.AppendInt(b, int64(o.tpath), 10)
	}
	return append(b, '-')
}

// runWindows writes every aggregation window through window, then closes
// the objects; on cancellation or error the open object is closed too.
func runWindows(ctx context.Context, nWin int, out *flowObjects, window func(int) error) error {
	for w := 0; w < nWin; w++ {
		if w%32 == 0 && ctx.Err() != nil {
			out.close()
			return ctx.Err()
		}
		if err := window(w); err != nil {
			out.close()
			return err
		}
	}
	return out.close()
}
