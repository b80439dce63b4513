package hunt

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

var beaconDetector = &Detector{
	Name: "beaconing", MITRE: "T1071", MITREName: "Application Layer Protocol",
	Finds: `Command-and-control check-ins: a workload connecting to the same public destination and port
again and again at regular intervals with regular sizes. Series are grouped by workload (the Name
tag), so a series survives the instance being replaced. Regularity is scored as RITA does, robust
to outliers: for the intervals between connections and for the bytes sent, the Bowley
(quartile) skew and the median absolute deviation relative to the median; plus how long the
series lasts (full credit at four hours, or half the period if shorter). Each part is 0–1; the
score is the mean of the timing parts and the size parts, and the intervals alone must score
0.7.`,
	Thresholds: `detectors.beaconing.min_connections (24); min_score (0.8); max_prevalence (3): destinations reached by more
workloads are shared services, not one implant's server.`,
	BlindSpots: `Beacons with heavy random jitter (over about half the interval) or sizes padded at random;
beacons through a proxy or to a cloud service shared with legitimate traffic; private or
trusted destinations (trusted_destinations) are not scored, so a periodic job to them is never
reported — nor is an implant calling back to an internal relay.`,
	run: beaconing,
}

const beaconTable = "hunt_beacon"

// minTimingScore is what the intervals alone must score: regular sizes
// and a long span must not make a beacon of random (Poisson) arrivals,
// whose intervals score about 0.57.
const minTimingScore = 0.7

// fullSpan is how long a series must last for full credit for its span:
// an implant checks in for hours; a short burst of regular requests is
// not yet a beacon. Half the period, when that is shorter.
const fullSpan = 4 * 3600

// dedupe is how close two records' starts must be to be one check-in.
// Flow logs aggregate over a minute at least, so a beacon faster than
// that cannot be told apart by start times anyway.
const dedupe = 5

const beaconCandidatesSQL = `WITH prev AS (
  SELECT resp, count(DISTINCT ini_wl) AS n FROM hunt_pairs WHERE in_win AND ini_private GROUP BY resp
)
SELECT ini_wl, resp, port, protocol, list(DISTINCT ini) AS inis, sum(sessions)::BIGINT AS s, count(DISTINCT hr) AS hours,
  min(first_seen), max(last_seen), sum(records)::BIGINT, sum(bytes_out + bytes_back)::BIGINT, sum(packets_out + packets_back)::BIGINT
FROM hunt_pairs p JOIN prev USING (resp)
WHERE in_win AND ini_private AND NOT resp_private AND NOT resp_trusted AND accepted AND protocol IN (6, 17)
  AND port BETWEEN 1 AND 32767 AND prev.n <= $2
GROUP BY ini_wl, resp, port, protocol
HAVING (sum(sessions) >= $1 OR sum(records) >= 2 * $1) AND count(DISTINCT hr) >= 3`

// beaconTimesSQL lists each candidate's check-ins: for TCP one per
// connection (client port) — a long-lived session logged every minute is
// one check-in, not sixty — and for UDP one per record and client port. The two ends
// of a connection (or a NAT gateway's leg) log it with nearly the same
// start; series merges those (dedupe). A client that always uses one
// source port (NTP, some DNS) still gives one record per check-in.
const beaconTimesSQL = `SELECT c.key, min(f.start) AS t, max(coalesce(f.bytes, 0)) AS b
FROM flows f JOIN ` + beaconTable + ` c ON f.srcaddr = c.ini AND f.dstaddr = c.resp AND f.dstport = c.port AND f.protocol = c.proto
WHERE f.start >= $1 AND f.start < $2
GROUP BY c.key, f.srcaddr, f.srcport, CASE WHEN f.protocol = 6 THEN 0 ELSE f.start END
ORDER BY c.key, t`

func beaconing(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.Beaconing
	cands, err := r.query(ctx, beaconCandidatesSQL, p.MinConnections, p.MaxPrevalence)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	load := func(yield func([]any) bool) {
		for k, c := range cands {
			for _, ini := range asStrings(c[4]) {
				if !yield([]any{int64(k), ini, asStr(c[1]), int64(asInt(c[2])), int64(asInt(c[3]))}) {
					return
				}
			}
		}
	}
	cols := []engine.ColumnDef{{Name: "key", Type: "BIGINT"}, {Name: "ini", Type: "VARCHAR"}, {Name: "resp", Type: "VARCHAR"}, {Name: "port", Type: "BIGINT"}, {Name: "proto", Type: "BIGINT"}}
	if _, err := r.e.LoadTable(ctx, beaconTable, cols, load); err != nil {
		return nil, err
	}
	defer r.e.DropTable(context.WithoutCancel(ctx), beaconTable)
	rows, err := r.query(ctx, beaconTimesSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, err
	}
	series := map[int64]*beaconSeries{}
	for _, row := range rows {
		k := asInt(row[0])
		s := series[k]
		if s == nil {
			s = &beaconSeries{}
			series[k] = s
		}
		t := asInt(row[1])
		if n := len(s.times); n > 0 && t-s.times[n-1] < dedupe {
			continue // the same check-in, logged at another interface
		}
		s.times = append(s.times, t)
		s.sizes = append(s.sizes, asInt(row[2]))
	}
	var out []Finding
	for k, c := range cands {
		s := series[int64(k)]
		if s == nil || len(s.times) < p.MinConnections {
			continue
		}
		sc := s.score(r.span())
		slog.Debug("beacon candidate", "workload", asStr(c[0]), "dst", asStr(c[1]), "port", asInt(c[2]), "checkins", len(s.times),
			"score", round2(sc.total), "interval_skew", round2(sc.tsSkew), "interval_mad", round2(sc.tsMAD), "span", round2(sc.coverage),
			"size_skew", round2(sc.dsSkew), "size_mad", round2(sc.dsMAD))
		if sc.total < p.MinScore || (sc.tsSkew+sc.tsMAD)/2 < minTimingScore {
			continue
		}
		out = append(out, beaconFinding(c, sc))
	}
	return out, nil
}

// span is the length of the hunted period that has records, in seconds.
func (r *run) span() float64 {
	from := max(r.win.from, r.dataFrom)
	return float64(r.lastRecord - from)
}

type beaconSeries struct{ times, sizes []int64 }

type beaconScore struct {
	total, tsSkew, tsMAD, coverage, dsSkew, dsMAD float64
	interval, size                                float64 // medians
}

// score rates the series' regularity, RITA-style: each part is 0–1.
func (s *beaconSeries) score(period float64) beaconScore {
	var deltas []float64
	for i := 1; i < len(s.times); i++ {
		if d := s.times[i] - s.times[i-1]; d > 0 {
			deltas = append(deltas, float64(d))
		}
	}
	sizes := make([]float64, len(s.sizes))
	for i, b := range s.sizes {
		sizes[i] = float64(b)
	}
	var sc beaconScore
	if len(deltas) < 3 {
		return sc
	}
	sc.tsSkew, sc.tsMAD, sc.interval = regularity(deltas)
	sc.dsSkew, sc.dsMAD, sc.size = regularity(sizes)
	if period > 0 {
		sc.coverage = math.Min(1, float64(s.times[len(s.times)-1]-s.times[0])/math.Min(period/2, fullSpan))
	}
	ts := (sc.tsSkew + sc.tsMAD + sc.coverage) / 3
	ds := (sc.dsSkew + sc.dsMAD) / 2
	sc.total = (ts + ds) / 2
	return sc
}

// regularity returns 1 − |Bowley skew|, 1 − MAD/median (both clamped to
// 0–1) and the median of xs.
func regularity(xs []float64) (skewScore, madScore, median float64) {
	v := slices.Clone(xs)
	slices.Sort(v)
	q1, q2, q3 := quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75)
	// An interquartile range within the data's resolution — flow-log
	// times are whole seconds, so intervals of 175 and 176 s — says the
	// series is regular; Bowley's ratio over it would say ±1.
	skew := 0.0
	if q3-q1 > math.Max(2, 0.02*q2) {
		skew = (q1 + q3 - 2*q2) / (q3 - q1)
	}
	dev := make([]float64, len(v))
	for i, x := range v {
		dev[i] = math.Abs(x - q2)
	}
	slices.Sort(dev)
	mad := quantile(dev, 0.5)
	madScore = 0
	if q2 > 0 {
		madScore = math.Max(0, 1-mad/q2)
	} else if mad == 0 {
		madScore = 1
	}
	return 1 - math.Min(1, math.Abs(skew)), madScore, q2
}

// quantile of sorted v, by linear interpolation.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	pos := q * float64(len(v)-1)
	lo := int(pos)
	if lo+1 >= len(v) {
		return v[lo]
	}
	return v[lo] + (pos-float64(lo))*(v[lo+1]-v[lo])
}

func beaconFinding(c []any, sc beaconScore) Finding {
	wl, dst, port, proto := asStr(c[0]), asStr(c[1]), int(asInt(c[2])), int(asInt(c[3]))
	inis := asStrings(c[4])
	sev := High
	if sc.total < 0.9 {
		sev = Medium
	}
	f := Finding{
		Severity: sev, Title: fmt.Sprintf("Beaconing from %s to %s:%d every %s", wl, dst, port, humanSeconds(sc.interval)),
		Summary: fmt.Sprintf("%d connections from %s to %s/%d at a median interval of %s and a median size of %s; regularity %.2f (interval skew %.2f, MAD %.2f; size skew %.2f, MAD %.2f; span %.2f).",
			asInt(c[5]), wl, inventory.ProtocolName(proto), port, humanSeconds(sc.interval), humanBytes(int64(sc.size)), sc.total, sc.tsSkew, sc.tsMAD, sc.dsSkew, sc.dsMAD, sc.coverage),
		FirstSeen: unixTime(c[7]), LastSeen: unixTime(c[8]), Src: Endpoint{Address: inis[0]}, Dst: Endpoint{Address: dst},
		Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(c[9]), Bytes: asInt(c[10]), Packets: asInt(c[11]),
		DistinctPeers: 1, DistinctPorts: 1, Score: math.Round(sc.total * 100),
		EvidenceSQL: evidence{from: asInt(c[7]), to: asInt(c[8]), a: inis, b: []string{dst}, ports: []int{port}, proto: proto}.sql(),
		Details: map[string]any{"connections": asInt(c[5]), "median_interval_seconds": sc.interval, "median_bytes": sc.size,
			"interval_skew_score": round2(sc.tsSkew), "interval_mad_score": round2(sc.tsMAD), "size_skew_score": round2(sc.dsSkew),
			"size_mad_score": round2(sc.dsMAD), "span_score": round2(sc.coverage), "src_addresses": inis, "workload": wl},
	}
	return f
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func humanSeconds(s float64) string {
	switch {
	case s >= 3600:
		return fmt.Sprintf("%.1fh", s/3600)
	case s >= 60:
		return fmt.Sprintf("%.1fm", s/60)
	}
	return fmt.Sprintf("%.0fs", s)
}
