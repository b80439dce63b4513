package gen

import (
	"context"
	"strconv"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// tgwGen writes the transit gateway's flow log, in the default TGW format,
// under the owner account's vpcflowlogs prefix as AWS delivers it. Each
// window of a cross-VPC conversation gives four records: the request
// entering at the client's attachment and leaving at the server's, and
// the reply the other way.
type tgwGen struct {
	est     *estate
	tg      *transitGateway
	fields  []int
	version int64
	edges   []*edge
	shots   *shotQueue
	active  []conv
	out     *flowObjects
	t       *tally
	line    []byte
}

func newTGWGen(e *estate, root string) *tgwGen {
	tg := e.tgw
	g := &tgwGen{est: e, tg: tg, fields: flowlog.DefaultTGW.Fields, version: formatVersion(flowlog.DefaultTGW), t: newTally()}
	g.out = newFlowObjects(e, root, tg.owner.id, e.cfg.Regions[0], tg.flow, flowlog.DefaultTGW.String())
	for _, ed := range e.edges {
		if ed.path == pathTGW {
			g.edges = append(g.edges, ed)
		}
	}
	g.shots = e.queue(func(s *shot) bool { return s.ed.path == pathTGW })
	return g
}

func (g *tgwGen) run(ctx context.Context) (*tally, error) {
	if err := runWindows(ctx, g.est.nWin, g.out, g.window); err != nil {
		return nil, err
	}
	g.t.objects = g.out.written
	g.t.byAccount[g.tg.owner.id] += g.t.tgw
	return g.t, nil
}

func (g *tgwGen) window(w int) error {
	if err := g.out.roll(w); err != nil {
		return err
	}
	g.active = g.est.spawn(g.active, g.edges, w, nil)
	g.active = g.est.inject(g.active, g.shots, w, nil)
	keep := g.active[:0]
	for i := range g.active {
		c := &g.active[i]
		if err := g.emit(c, c.values(w, g.est.start)); err != nil {
			return err
		}
		if w < c.w1 {
			keep = append(keep, *c)
		}
	}
	g.active = keep
	return nil
}

// tline is one transit-gateway record.
type tline struct {
	c            *conv
	rep, ingress bool
	src, dst     *iface // attachment ENIs on the source and destination side
	pk, by       int64
	start, end   int64
	flags        int
}

func (g *tgwGen) emit(c *conv, v winVals) error {
	cliT := c.cli.vpc.tgwENI[c.cli.subnet.az]
	srvT := c.srv.vpc.tgwENI[c.srv.subnet.az]
	req := tline{c: c, src: cliT, dst: srvT, pk: v.reqPk, by: v.reqBy, start: v.start, end: v.end, flags: v.reqFlags}
	rep := tline{c: c, rep: true, src: srvT, dst: cliT, pk: v.repPk, by: v.repBy, start: v.start, end: v.end, flags: v.repFlags}
	lines := [4]tline{req, req, rep, rep}
	lines[0].ingress, lines[2].ingress = true, true // into the gateway; the others leave it
	n := len(lines)
	if c.e.silent() {
		n = 2 // the request crosses; no reply comes back
	}
	for i := range lines[:n] {
		if err := g.write(&lines[i]); err != nil {
			return err
		}
	}
	return nil
}

func (g *tgwGen) write(l *tline) error {
	g.line = g.line[:0]
	for i, id := range g.fields {
		if i > 0 {
			g.line = append(g.line, ' ')
		}
		g.line = g.appendField(g.line, id, l)
	}
	g.line = append(g.line, '\n')
	g.t.tgw++
	if l.c.e.plan > 0 {
		g.t.countPlan(l.c, l.start, l.end)
	}
	return g.out.write(g.line)
}

// appendField renders one field. The attachment the record is about is
// the source side's on ingress and the destination side's on egress; the
// pair attachment is the other one.
func (g *tgwGen) appendField(b []byte, id int, l *tline) []byte {
	at, pair := l.src.vpc.attach, l.dst.vpc.attach
	if !l.ingress {
		at, pair = pair, at
	}
	switch id {
	case flowlog.FVersion:
		return strconv.AppendInt(b, g.version, 10)
	case flowlog.FResourceType:
		return append(b, "TransitGateway"...)
	case flowlog.FAccountID:
		return append(b, g.tg.owner.id...)
	case flowlog.FTGWID:
		return append(b, g.tg.id...)
	case flowlog.FTGWAttachmentID:
		return append(b, at...)
	case flowlog.FTGWPairAttachmentID:
		return append(b, pair...)
	case flowlog.FRegion:
		return append(b, g.est.cfg.Regions[0]...)
	case flowlog.FLogStatus:
		return append(b, "OK"...)
	case flowlog.FFlowDirection:
		if l.ingress {
			return append(b, "ingress"...)
		}
		return append(b, "egress"...)
	case flowlog.FPacketsLostNoRoute, flowlog.FPacketsLostBlackhole, flowlog.FPacketsLostMTUExceeded, flowlog.FPacketsLostTTLExpired:
		return append(b, '0')
	}
	if b, ok := appendTGWSides(b, id, l); ok {
		return b
	}
	return appendTGWPacket(b, id, l)
}

func appendTGWSides(b []byte, id int, l *tline) ([]byte, bool) {
	switch id {
	case flowlog.FTGWSrcVPCAccountID:
		return append(b, l.src.vpc.acct.id...), true
	case flowlog.FTGWDstVPCAccountID:
		return append(b, l.dst.vpc.acct.id...), true
	case flowlog.FTGWSrcVPCID:
		return append(b, l.src.vpc.id...), true
	case flowlog.FTGWDstVPCID:
		return append(b, l.dst.vpc.id...), true
	case flowlog.FTGWSrcSubnetID:
		return append(b, l.src.subnet.id...), true
	case flowlog.FTGWDstSubnetID:
		return append(b, l.dst.subnet.id...), true
	case flowlog.FTGWSrcENI:
		return append(b, l.src.id...), true
	case flowlog.FTGWDstENI:
		return append(b, l.dst.id...), true
	case flowlog.FTGWSrcAZID:
		return append(b, l.src.subnet.azID...), true
	case flowlog.FTGWDstAZID:
		return append(b, l.dst.subnet.azID...), true
	}
	return b, false
}

func appendTGWPacket(b []byte, id int, l *tline) []byte {
	c := l.c
	src, dst, sport, dport := c.cliIP, c.srvIP, c.cliPort, c.srvPort
	if l.rep {
		src, dst, sport, dport = dst, src, dport, sport
	}
	switch id {
	case flowlog.FSrcAddr:
		return append(b, src...)
	case flowlog.FDstAddr:
		return append(b, dst...)
	case flowlog.FSrcPort:
		return strconv.AppendInt(b, int64(sport), 10)
	case flowlog.FDstPort:
		return strconv.AppendInt(b, int64(dport), 10)
	case flowlog.FProtocol:
		return strconv.AppendInt(b, int64(c.proto), 10)
	case flowlog.FPackets:
		return strconv.AppendInt(b, l.pk, 10)
	case flowlog.FBytes:
		return strconv.AppendInt(b, l.by, 10)
	case flowlog.FStart:
		return strconv.AppendInt(b, l.start, 10)
	case flowlog.FEnd:
		return strconv.AppendInt(b, l.end, 10)
	case flowlog.FType:
		return append(b, "IPv4"...)
	case flowlog.FTCPFlags:
		return strconv.AppendInt(b, int64(l.flags), 10)
	}
	return append(b, '-')
}
