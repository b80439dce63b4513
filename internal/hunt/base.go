package hunt

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// run is one hunt in progress: the engine, the settings and the periods.
type run struct {
	e   *engine.Engine
	opt Options
	cfg Config
	// win is the period hunted, base the baseline; unix seconds, with
	// math.MinInt64/MaxInt64 for open ends of win.
	win, base  span
	dataFrom   int64 // first record's start in the lake (0: no records)
	lastRecord int64 // last record's start in the period
	hasFlags   bool  // some records carry tcp-flags
	hasBytes   bool  // some records carry bytes
	hasTGW     bool
	coverage   *Coverage // measured before the summary
	inv        *addrIndex
	// suppressed counts, by allowlist entry, what detectors left out
	// themselves (exposure drops allowlisted sources before counting).
	suppressed map[string]int
}

type span struct{ from, to int64 }

func (s span) empty() bool { return s.from >= s.to }

const (
	openFrom = int64(-1 << 62)
	openTo   = int64(1 << 62)
)

// Tables a hunt makes; dropped when it ends.
const (
	pairsTable = "hunt_pairs"
	rawTable   = "hunt_raw"
	addrTable  = "hunt_addr"
	whoTable   = "hunt_who"
)

func newRun(ctx context.Context, e *engine.Engine, opt Options) (*run, error) {
	r := &run{e: e, opt: opt, cfg: opt.Config, win: span{openFrom, openTo}, suppressed: map[string]int{}}
	if r.cfg.Detectors.PortScan.Detection == 0 {
		r.cfg = DefaultConfig()
	}
	if !opt.Since.IsZero() {
		r.win.from = opt.Since.Unix()
	}
	if !opt.Until.IsZero() {
		r.win.to = opt.Until.Unix()
	}
	if err := r.periods(ctx); err != nil {
		return nil, err
	}
	r.inv = newAddrIndex(e.Inventory())
	r.hasTGW = len(e.Manifest().FilesOf(lake.TableTGWFlows)) > 0
	// Coverage reads the lake before the summary takes its memory: after
	// it, the same scan ran at less than half the speed (100 M records).
	r.progress("coverage")
	t := time.Now()
	var err error
	if r.coverage, err = r.measureCoverage(ctx); err != nil {
		return nil, err
	}
	slog.Debug("coverage measured", "seconds", time.Since(t).Seconds())
	r.progress("summary")
	if err := r.summarise(ctx); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *run) progress(step string) {
	if r.opt.Progress != nil {
		r.opt.Progress(step)
	}
}

// periods finds the data's span and sets the baseline: the configured
// history before --since, or the first half of the records hunted.
func (r *run) periods(ctx context.Context) error {
	res, err := r.e.QueryParams(ctx, `SELECT min(start), max(start), bool_or(tcp_flags IS NOT NULL), bool_or(bytes IS NOT NULL)
FROM flows WHERE start < $1`, 0, r.win.to)
	if err != nil {
		return fmt.Errorf("cannot read the lake's period: %w", err)
	}
	row := res.Rows[0]
	if row[0] == nil {
		return nil
	}
	first, last := asInt(row[0]), asInt(row[1])
	r.dataFrom, r.lastRecord, r.hasFlags, r.hasBytes = first, last, asBool(row[2]), asBool(row[3])
	if r.win.from != openFrom {
		r.base = span{r.win.from - int64(time.Duration(r.cfg.Baseline)/time.Second), r.win.from}
		return nil
	}
	end := min(last+1, r.win.to)
	half := (end - first) / 2
	half -= half % 3600 // whole hours keep hourly baselines comparable
	r.base = span{first, first + half}
	return nil
}

func (r *run) window() Window {
	w := Window{}
	if r.win.from != openFrom {
		w.Since = time.Unix(r.win.from, 0).UTC()
	}
	if r.win.to != openTo {
		w.Until = time.Unix(r.win.to, 0).UTC()
	}
	if !r.base.empty() {
		w.BaselineSince, w.BaselineUntil = time.Unix(r.base.from, 0).UTC(), time.Unix(r.base.to, 0).UTC()
	}
	return w
}

// summarise builds hunt_pairs: one row per initiator, responder, service
// port, protocol and hour, split by whether the records fall in the hunt
// window and in the baseline. Every detector but the indicator match,
// beaconing's timestamps and coverage reads this table instead of the
// records, so the lake is scanned once.
//
// The initiator is decided per record — SYN without ACK marks the
// initiator's direction and SYN-ACK the responder's; a rejected record's
// source is taken as the initiator (security groups drop the first
// packet); else the ports decide, as in the conversations view. Volumes
// each way are the largest any one interface saw (the two ends of a
// conversation log the same packets), records are summed, and sessions
// are the distinct initiator ports at the interface that saw most.
func (r *run) summarise(ctx context.Context) error {
	from := min(r.win.from, r.base.from)
	if r.base.empty() {
		from = r.win.from
	}
	args := []any{from, r.win.to, r.win.from, r.base.from, r.base.to}
	t0 := time.Now()
	n, err := r.e.Materialize(ctx, rawTable, rawSQL, args...)
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := r.addresses(ctx); err != nil {
		return err
	}
	if _, err := r.e.Materialize(ctx, whoTable, whoSQL); err != nil {
		return err
	}
	t2 := time.Now()
	if _, err := r.e.Materialize(ctx, pairsTable, pairsSQL); err != nil {
		return err
	}
	slog.Debug("hunt summary built", "pairs", n, "scan", t1.Sub(t0), "addresses", t2.Sub(t1), "enrich", time.Since(t2))
	for _, t := range []string{rawTable, whoTable} {
		if err := r.e.DropTable(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

const rawSQL = `WITH r AS (
  SELECT srcaddr, dstaddr, coalesce(srcport, 0) AS sp, coalesce(dstport, 0) AS dp, protocol,
    coalesce(packets, 0) AS packets, coalesce(bytes, 0) AS bytes, start, "end", action, interface_id, tcp_flags, vpc_id,
    start >= $3 AND start < $2 AS in_win, start >= $4 AND start < $5 AS in_base,
    CASE WHEN protocol = 6 AND tcp_flags & 18 = 18 THEN false
         WHEN protocol = 6 AND tcp_flags & 2 = 2 THEN true
         WHEN action = 'REJECT' THEN true
         WHEN coalesce(dstport, 0) < 1024 AND coalesce(srcport, 0) >= 1024 THEN true
         WHEN coalesce(srcport, 0) < 1024 AND coalesce(dstport, 0) >= 1024 THEN false
         WHEN coalesce(srcport, 0) >= 32768 AND coalesce(dstport, 0) < 32768 THEN true
         WHEN coalesce(dstport, 0) >= 32768 AND coalesce(srcport, 0) < 32768 THEN false
         ELSE coalesce(srcport, 0) >= coalesce(dstport, 0) END AS fwd
  FROM flows
  WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND start >= $1 AND start < $2
    AND log_status IS DISTINCT FROM 'NODATA' AND log_status IS DISTINCT FROM 'SKIPDATA'
), per_if AS (
  SELECT CASE WHEN fwd THEN srcaddr ELSE dstaddr END AS ini, CASE WHEN fwd THEN dstaddr ELSE srcaddr END AS resp,
    CASE WHEN protocol IN (6, 17, 132) THEN CASE WHEN fwd THEN dp ELSE sp END ELSE 0 END AS port,
    protocol, start - start % 3600 AS hr, in_win, in_base, interface_id,
    count(*) FILTER (WHERE fwd AND (tcp_flags IS NULL OR protocol <> 6 OR tcp_flags & 2 = 2)) AS sessions,
    sum(bytes) FILTER (WHERE fwd) AS b_out, sum(packets) FILTER (WHERE fwd) AS p_out,
    sum(bytes) FILTER (WHERE NOT fwd) AS b_back, sum(packets) FILTER (WHERE NOT fwd) AS p_back,
    count(*) AS recs, count(*) FILTER (WHERE action = 'REJECT') AS rej,
    count(*) FILTER (WHERE fwd AND protocol = 6 AND tcp_flags = 2) AS syn_only,
    bool_or(NOT fwd AND protocol = 6 AND tcp_flags & 18 = 18) AS synack,
    bool_or(tcp_flags IS NOT NULL) AS flagged,
    min(start) AS fs, max("end") AS ls, any_value(vpc_id) AS vpc
  FROM r GROUP BY ALL
)
SELECT ini, resp, port, protocol, hr, in_win, in_base,
  max(sessions) AS sessions, sum(recs)::BIGINT AS records, sum(rej)::BIGINT AS rejected,
  coalesce(max(b_out), 0)::BIGINT AS bytes_out, coalesce(max(p_out), 0)::BIGINT AS packets_out,
  coalesce(max(b_back), 0)::BIGINT AS bytes_back, coalesce(max(p_back), 0)::BIGINT AS packets_back,
  max(syn_only) AS syn_only, bool_or(synack) AS synack, bool_or(flagged) AS flagged,
  min(fs) AS first_seen, max(ls) AS last_seen, any_value(vpc) AS vpc
FROM per_if GROUP BY ALL`

// whoSQL resolves each private address of the summary, per VPC and
// hour, to the interface that held it then (inv_addresses, rebuilt from
// CloudTrail and snapshots): its Name tag, interface and VPC. Resolving
// the distinct (address, VPC, hour) triples — not every pair — keeps the
// range join small.
const whoSQL = `WITH k AS (
  SELECT ini AS addr, vpc, hr FROM ` + rawTable + `
  UNION SELECT resp, vpc, hr FROM ` + rawTable + `
)
SELECT k.addr, k.vpc, k.hr, any_value(x.instance_name) AS name, any_value(x.interface_id) AS interface_id, any_value(x.vpc_id) AS vpc_id
FROM k SEMI JOIN ` + addrTable + ` a ON a.addr = k.addr AND a.private
JOIN inv_addresses x ON x.ip = k.addr AND k.hr >= x.match_from AND k.hr < x.match_to AND (x.unique_vpc OR x.vpc_id = k.vpc)
GROUP BY ALL`

// pairsSQL adds what the detectors test on every row: whether each end
// is private, who it was (whoSQL), whether the responder answered, and
// whether an end is a trusted destination.
const pairsSQL = `SELECT p.*,
  a.private AS ini_private, b.private AS resp_private,
  coalesce(wi.name, wi.interface_id, p.ini) AS ini_wl, coalesce(wr.name, wr.interface_id, p.resp) AS resp_wl,
  wi.name IS NOT NULL AS ini_named, wr.name IS NOT NULL AS resp_named,
  wi.vpc_id AS ini_vpc, wr.vpc_id AS resp_vpc,
  CASE WHEN protocol = 6 AND flagged THEN synack OR bytes_back > 4 * packets_back * 64
       ELSE packets_back > 0 END AS answered,
  rejected < records AS accepted,
  a.trusted AS ini_trusted, b.trusted AS resp_trusted
FROM ` + rawTable + ` p
JOIN ` + addrTable + ` a ON a.addr = p.ini
JOIN ` + addrTable + ` b ON b.addr = p.resp
LEFT JOIN ` + whoTable + ` wi ON wi.addr = p.ini AND wi.vpc IS NOT DISTINCT FROM p.vpc AND wi.hr = p.hr
LEFT JOIN ` + whoTable + ` wr ON wr.addr = p.resp AND wr.vpc IS NOT DISTINCT FROM p.vpc AND wr.hr = p.hr`

// addresses loads hunt_addr: every address of the summary, whether it is
// private, and whether it is a trusted destination. It is done in Go on
// the distinct addresses — tens of thousands, not millions of rows.
func (r *run) addresses(ctx context.Context) error {
	res, err := r.e.QueryParams(ctx, `SELECT DISTINCT ini FROM `+rawTable+` UNION SELECT DISTINCT resp FROM `+rawTable, 0)
	if err != nil {
		return fmt.Errorf("cannot list addresses: %w", err)
	}
	var trusted []netip.Prefix
	for _, s := range r.cfg.Trusted {
		p, _ := parsePrefix(s)
		trusted = append(trusted, p)
	}
	estate := r.inv.ranges()
	rows := func(yield func([]any) bool) {
		for _, row := range res.Rows {
			s, _ := row[0].(string)
			a, err := netip.ParseAddr(s)
			priv, trust, own := false, false, false
			if err == nil {
				a = a.Unmap()
				// Internal: private, or an address the estate's own
				// interfaces hold (an instance's public IPv6 address is
				// inside, not the internet).
				priv = isPrivate(a) || r.inv.byIP[s] != nil || (a.Is6() && estate[rangeOf(a)])
				for _, p := range trusted {
					trust = trust || p.Contains(a)
				}
				own = estate[rangeOf(a)]
			}
			if !yield([]any{s, priv, trust, own}) {
				return
			}
		}
	}
	_, err = r.e.LoadTable(ctx, addrTable, []engine.ColumnDef{{Name: "addr", Type: "VARCHAR"}, {Name: "private", Type: "BOOLEAN"}, {Name: "trusted", Type: "BOOLEAN"}, {Name: "estate", Type: "BOOLEAN"}}, rows)
	return err
}

func (r *run) close() {
	ctx := context.Background()
	for _, t := range []string{rawTable, pairsTable, addrTable, whoTable} {
		_ = r.e.DropTable(ctx, t)
	}
}

// cannotRun says why a detector cannot run on this lake, or "".
func (r *run) cannotRun(d *Detector) string {
	switch {
	case r.dataFrom == 0 && d.Name != "ioc":
		return "no flow records in the period"
	case d.needsBytes && !r.hasBytes:
		return "no record carries bytes (Block Public Access, or a custom format without the field)"
	case d.needsIndicators && len(r.opt.Indicators) == 0:
		return "no --ioc lists given"
	case d.needsBaseline && r.base.empty():
		return "no baseline period: give --since later than the first records, or hunt a longer period"
	case d.needsRules && len(r.cfg.Rules) == 0:
		return "no rules in the config"
	}
	return ""
}
