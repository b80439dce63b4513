package sgadvisor

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// maxSeenPeers is how many peer addresses an exposure or a
// not-recommended entry lists; peer_count says how many there were.
const maxSeenPeers = 10

type seenKey struct {
	exposure    bool
	dir         string
	proto, port int
	reason      string
}

type seenAcc struct {
	Seen
	peers map[netip.Addr]bool
}

func (a *advice) addSeen(o obs, exposure bool, reason string) {
	k := seenKey{exposure, o.direction(), o.proto, o.port, reason}
	acc := a.seen[k]
	if acc == nil {
		acc = &seenAcc{Seen: Seen{Direction: k.dir, Protocol: inventory.ProtocolName(o.proto), Port: o.port, Reason: reason, FirstSeen: o.first, LastSeen: o.last},
			peers: map[netip.Addr]bool{}}
		a.seen[k] = acc
	}
	acc.peers[o.remote] = true
	acc.Conversations += o.conversations
	acc.Records += o.records
	acc.Bytes += o.bytes
	acc.FirstSeen, acc.LastSeen = earlier(acc.FirstSeen, o.first), later(acc.LastSeen, o.last)
}

// seenList lists the exposures or the not-recommended traffic, most
// conversations first.
func (a *advice) seenList(exposure bool) []Seen {
	out := []Seen{}
	for k, acc := range a.seen {
		if k.exposure != exposure {
			continue
		}
		s := acc.Seen
		addrs := make([]netip.Addr, 0, len(acc.peers))
		for p := range acc.peers {
			addrs = append(addrs, p)
		}
		slices.SortFunc(addrs, netip.Addr.Compare)
		s.PeerCount = len(addrs)
		s.Peers = []string{}
		for _, p := range addrs[:min(len(addrs), maxSeenPeers)] {
			s.Peers = append(s.Peers, p.String())
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y Seen) int {
		return cmp.Or(cmp.Compare(y.Conversations, x.Conversations), cmp.Compare(x.Direction, y.Direction),
			cmp.Compare(x.Protocol, y.Protocol), cmp.Compare(x.Port, y.Port), cmp.Compare(x.Reason, y.Reason))
	})
	return out
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
