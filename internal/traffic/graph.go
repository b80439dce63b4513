package traffic

import (
	"cmp"
	"context"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

// GraphOptions bound a graph's size. Zero values take the defaults.
type GraphOptions struct {
	MaxNodes int // at most this many nodes (default and ceiling 2000)
	MaxEdges int // at most this many edges, largest first (default 4000)
	External int // public addresses drawn on their own, largest first (default 100)
	Private  int // private addresses no workload held, drawn on their own (default 300)
}

func (o GraphOptions) withDefaults() GraphOptions {
	o.MaxNodes = min(cmp.Or(o.MaxNodes, 2000), 2000)
	o.MaxEdges = cmp.Or(o.MaxEdges, 4000)
	o.External = cmp.Or(o.External, 100)
	o.Private = cmp.Or(o.Private, 300)
	return o
}

// Graph is who talks to whom: workloads (instances by Name tag, while
// they carried it), private addresses no workload held, and public
// addresses, the smaller ones folded into one node per side of the
// private/public divide so the drawing stays readable.
type Graph struct {
	Counting  string `json:"counting"`
	Nodes     []Node `json:"nodes"`
	Edges     []Edge `json:"edges"`
	Addresses int    `json:"addresses"`        // distinct addresses in the window
	Folded    int    `json:"folded_addresses"` // addresses drawn inside an "other" node
	Dropped   int    `json:"dropped_edges"`    // edges beyond MaxEdges, smallest first

	spans map[string][]span // for NodeOf
	ids   []string          // every node's ID, drawn or not, by index
}

// NodeOf is the ID of the node addr stood for at t, "" when the graph
// never saw the address.
func (g *Graph) NodeOf(addr string, t time.Time) string {
	for _, s := range g.spans[addr] {
		if at := t.Unix(); at >= s.from && at < s.to {
			return g.ids[s.node]
		}
	}
	return ""
}

// Node is one vertex. Pivot says how to look at it more closely.
type Node struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Kind      string `json:"kind"` // workload, address, external or other
	VPC       string `json:"vpc_id,omitempty"`
	Account   string `json:"account_id,omitempty"`
	Bytes     int64  `json:"bytes"`   // sent and received
	Records   int64  `json:"records"` // sent and received
	Addresses int    `json:"addresses"`
	Pivot     *Pivot `json:"pivot,omitempty"`
}

// Pivot names the flowtrail pivot for a node: ip ADDR or instance NAME.
type Pivot struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Edge is traffic from Source to Target with one action.
type Edge struct {
	Source  string `json:"source"`
	Target  string `json:"target"`
	Action  string `json:"action"`
	Bytes   int64  `json:"bytes"`
	Records int64  `json:"records"`
}

// span is a stretch of time [from, to) in Unix seconds during which an
// address stands for node.
type span struct {
	from, to int64
	node     int
}

const (
	openFrom = math.MinInt64 / 2
	openTo   = math.MaxInt64 / 2
)

const graphAddressesSQL = `SELECT a, coalesce(sum(b), 0)::BIGINT AS bytes, count(*) AS records FROM (
  SELECT srcaddr AS a, bytes AS b FROM flows WHERE ` + inWindow + `
  UNION ALL SELECT dstaddr, bytes FROM flows WHERE ` + inWindow + `) WHERE a IS NOT NULL GROUP BY a`

const graphMapTable = "traffic_graph_map"

// graphEdgesSQL maps both ends through the address table: an address
// has one node at a time, so no record is counted twice.
const graphEdgesSQL = `SELECT s.node, d.node, f.action, coalesce(sum(f.bytes), 0)::BIGINT, count(*)
FROM flows f
JOIN ` + graphMapTable + ` s ON s.addr = f.srcaddr AND f.start >= s.valid_from AND f.start < s.valid_to
JOIN ` + graphMapTable + ` d ON d.addr = f.dstaddr AND f.start >= d.valid_from AND f.start < d.valid_to
WHERE ` + inWindow + ` AND f.action IS NOT NULL GROUP BY ALL`

var graphMapColumns = []engine.ColumnDef{{Name: "addr", Type: "VARCHAR"}, {Name: "valid_from", Type: "BIGINT"}, {Name: "valid_to", Type: "BIGINT"}, {Name: "node", Type: "INTEGER"}}

// TalkGraph builds the graph of the window's traffic; inv tells which
// workload held which address when.
func TalkGraph(ctx context.Context, e *engine.Engine, w Window, inv *inventory.Inventory, o GraphOptions) (*Graph, error) {
	o = o.withDefaults()
	addrs, err := run(ctx, e, "list the addresses for the graph", graphAddressesSQL, w)
	if err != nil {
		return nil, err
	}
	b := newGraphBuilder(o, inv, w)
	b.place(addrs.Rows)
	if _, err := e.LoadTable(ctx, graphMapTable, graphMapColumns, b.mapRows()); err != nil {
		return nil, err
	}
	defer func() { _ = e.DropTable(context.WithoutCancel(ctx), graphMapTable) }()
	edges, err := run(ctx, e, "draw the traffic graph", graphEdgesSQL, w)
	if err != nil {
		return nil, err
	}
	return b.finish(edges.Rows), nil
}

// graphBuilder assigns addresses to nodes.
type graphBuilder struct {
	o      GraphOptions
	nodes  []Node
	index  map[string]int // node ID → index
	held   map[string][]span
	spans  map[string][]span // address → its nodes over time
	folded int
	total  int
}

func newGraphBuilder(o GraphOptions, inv *inventory.Inventory, w Window) *graphBuilder {
	b := &graphBuilder{o: o, index: map[string]int{}, spans: map[string][]span{}}
	b.held = b.workloadSpans(inv, w)
	return b
}

// node finds or adds a node.
func (b *graphBuilder) node(n Node) int {
	if i, ok := b.index[n.ID]; ok {
		return i
	}
	b.index[n.ID] = len(b.nodes)
	b.nodes = append(b.nodes, n)
	return len(b.nodes) - 1
}

// workloadSpans lists, per private address, the stretches during which
// an interface carrying a Name tag held it. Stretches of one address are
// cut to end where the next begins: an address has one holder at a time
// (where two VPCs reuse an address at once, the later holder wins).
func (b *graphBuilder) workloadSpans(inv *inventory.Inventory, w Window) map[string][]span {
	out := map[string][]span{}
	if inv == nil {
		return out
	}
	for _, i := range inv.Interfaces {
		if i.Name == "" || !overlaps(i.From, i.To, w) {
			continue
		}
		n := b.node(Node{ID: "w:" + i.Name, Label: i.Name, Kind: "workload", VPC: i.VPC, Account: i.Account, Pivot: &Pivot{Kind: "instance", Value: i.Name}})
		from, to := unixOr(i.MatchFrom(), openFrom), unixOr(i.MatchTo(), openTo)
		for _, ip := range append(slices.Clone(i.PrivateIPs), i.IPv6...) {
			out[ip] = append(out[ip], span{from, to, n})
		}
	}
	for ip, ss := range out {
		slices.SortStableFunc(ss, func(a, b span) int { return cmp.Compare(a.from, b.from) })
		for k := range ss[:len(ss)-1] {
			ss[k].to = min(ss[k].to, ss[k+1].from)
		}
		out[ip] = slices.DeleteFunc(ss, func(s span) bool { return s.from >= s.to })
	}
	return out
}

func unixOr(t time.Time, zero int64) int64 {
	if t.IsZero() {
		return zero
	}
	return t.Unix()
}

type addrVolume struct {
	addr           string
	bytes, records int64
	public         bool
}

// place gives every address its node: the workloads that held it while
// they did, else itself, or an "other" node beyond the largest ones.
func (b *graphBuilder) place(rows [][]any) {
	vols := make([]addrVolume, 0, len(rows))
	for _, r := range rows {
		a := engine.AsString(r[0])
		vols = append(vols, addrVolume{addr: a, bytes: engine.AsInt(r[1]), records: engine.AsInt(r[2]), public: isPublic(a)})
	}
	b.total = len(vols)
	slices.SortFunc(vols, func(x, y addrVolume) int { return cmp.Or(cmp.Compare(y.bytes, x.bytes), cmp.Compare(x.addr, y.addr)) })
	room := max(b.o.MaxNodes-len(b.nodes)-2, 0)
	keepPrivate := min(b.o.Private, room)
	keepPublic := min(b.o.External, room-keepPrivate)
	var kept [2]int
	for _, v := range vols {
		held := b.held[v.addr]
		own := b.ownNode(v, &kept, keepPrivate, keepPublic, len(held) > 0)
		b.spans[v.addr] = fill(held, own)
		b.count(b.spans[v.addr])
	}
}

// ownNode is the node an address stands for when no workload holds it.
func (b *graphBuilder) ownNode(v addrVolume, kept *[2]int, keepPrivate, keepPublic int, held bool) int {
	side, limit, kind, prefix, other := 0, keepPrivate, "address", "a:", "private (other)"
	if v.public {
		side, limit, kind, prefix, other = 1, keepPublic, "external", "x:", "internet (other)"
	}
	if held || kept[side] < limit {
		if !held {
			kept[side]++
		}
		return b.node(Node{ID: prefix + v.addr, Label: v.addr, Kind: kind, Pivot: &Pivot{Kind: "ip", Value: v.addr}})
	}
	b.folded++
	return b.node(Node{ID: "other:" + kind, Label: other, Kind: "other"})
}

// fill covers all time: the held spans, and own in the gaps between them.
func fill(held []span, own int) []span {
	out := make([]span, 0, 2*len(held)+1)
	at := int64(openFrom)
	for _, s := range held {
		if s.from > at {
			out = append(out, span{at, s.from, own})
		}
		out = append(out, s)
		at = s.to
	}
	if at < openTo {
		out = append(out, span{at, openTo, own})
	}
	return out
}

// count counts an address once for each node it stands for.
func (b *graphBuilder) count(ss []span) {
	seen := map[int]bool{}
	for _, s := range ss {
		if !seen[s.node] {
			seen[s.node] = true
			b.nodes[s.node].Addresses++
		}
	}
}

func (b *graphBuilder) mapRows() func(func([]any) bool) {
	return func(yield func([]any) bool) {
		for a, ss := range b.spans {
			for _, s := range ss {
				if !yield([]any{a, s.from, s.to, int32(s.node)}) {
					return
				}
			}
		}
	}
}

// finish keeps the largest edges and the nodes they touch.
func (b *graphBuilder) finish(rows [][]any) *Graph {
	g := &Graph{Counting: Counting, Addresses: b.total, Folded: b.folded, Nodes: []Node{}, Edges: []Edge{}, spans: b.spans}
	for _, n := range b.nodes {
		g.ids = append(g.ids, n.ID)
	}
	type edge struct {
		s, d           int
		action         string
		bytes, records int64
	}
	es := make([]edge, 0, len(rows))
	for _, r := range rows {
		es = append(es, edge{int(engine.AsInt(r[0])), int(engine.AsInt(r[1])), engine.AsString(r[2]), engine.AsInt(r[3]), engine.AsInt(r[4])})
	}
	slices.SortFunc(es, func(x, y edge) int {
		return cmp.Or(cmp.Compare(y.bytes, x.bytes), cmp.Compare(y.records, x.records), cmp.Compare(x.s, y.s), cmp.Compare(x.d, y.d), cmp.Compare(x.action, y.action))
	})
	for _, x := range es {
		b.nodes[x.s].Bytes += x.bytes
		b.nodes[x.s].Records += x.records
		if x.d != x.s {
			b.nodes[x.d].Bytes += x.bytes
			b.nodes[x.d].Records += x.records
		}
	}
	if len(es) > b.o.MaxEdges {
		g.Dropped, es = len(es)-b.o.MaxEdges, es[:b.o.MaxEdges]
	}
	used := map[int]bool{}
	for _, x := range es {
		used[x.s], used[x.d] = true, true
		g.Edges = append(g.Edges, Edge{Source: b.nodes[x.s].ID, Target: b.nodes[x.d].ID, Action: x.action, Bytes: x.bytes, Records: x.records})
	}
	for i, n := range b.nodes {
		if used[i] {
			g.Nodes = append(g.Nodes, n)
		}
	}
	return g
}

// privateRanges are what is_private accepts in the engine: RFC 1918,
// carrier-grade NAT, loopback, link-local, IPv6 unique-local.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"),
}

// isPublic: a parseable address outside the private ranges. Text that is
// no address counts as private, never drawn as the internet.
func isPublic(a string) bool {
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range privateRanges {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
