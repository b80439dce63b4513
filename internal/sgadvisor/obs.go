package sgadvisor

import (
	"net/netip"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
)

// obs is one row of the observations query: the conversations between
// one local address and one peer on one service port, with one status
// and one way of having told the service side.
type obs struct {
	subject, vpc  string
	local, remote netip.Addr // invalid for the rejected summary rows
	side          string     // local (the subject serves), remote (it calls), unknown (port-less), rejected
	proto, port   int
	remoteName    string   // the peer's workload, when the inventory knows the address
	remoteGroups  []string // the peer interface's groups at the time
	remoteVPC     string
	status        string // ok, unanswered, rejected
	basis, conf   string
	conversations int64
	records       int64
	bytes         int64
	first, last   time.Time
	serviceFan    int64 // distinct peer endpoints of the service endpoint
	localFan      int64 // port-less only: distinct peers of each end on the protocol
	remoteFan     int64
}

// direction is the subject's view: ingress when the peer started the
// conversation, egress when the subject did.
func (o obs) direction() string {
	if o.side == "local" {
		return "ingress"
	}
	return "egress"
}

func groupObs(rows [][]any) map[scope][]obs {
	out := map[scope][]obs{}
	for _, r := range rows {
		o := obs{subject: engine.AsString(r[0]), vpc: engine.AsString(r[1]), side: engine.AsString(r[3]),
			proto: int(engine.AsInt(r[4])), port: int(engine.AsInt(r[5])), remoteName: engine.AsString(r[7]),
			remoteVPC: engine.AsString(r[9]), status: engine.AsString(r[10]), basis: engine.AsString(r[11]), conf: engine.AsString(r[12]),
			conversations: engine.AsInt(r[13]), records: engine.AsInt(r[14]), bytes: engine.AsInt(r[15]),
			first: engine.AsTime(r[16]), last: engine.AsTime(r[17]), serviceFan: engine.AsInt(r[18]),
			localFan: engine.AsInt(r[19]), remoteFan: engine.AsInt(r[20])}
		o.local, _ = netip.ParseAddr(engine.AsString(r[2]))
		o.remote, _ = netip.ParseAddr(engine.AsString(r[6]))
		o.local, o.remote = o.local.Unmap(), o.remote.Unmap()
		if g := engine.AsString(r[8]); g != "" {
			o.remoteGroups = strings.Split(g, ",")
		}
		sc := scope{o.subject, o.vpc}
		out[sc] = append(out[sc], o)
	}
	return out
}
