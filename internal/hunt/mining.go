package hunt

import (
	"context"
	"fmt"
	"math"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

var miningDetector = &Detector{
	Name: "crypto-mining", MITRE: "T1496", MITREName: "Resource Hijacking",
	Finds: `Instances mining cryptocurrency: accepted sessions to a public address on a mining-pool port
(stratum: pool_ports), and long-lived, steady sessions to one public address — a few
connections held open for hours with low variation in hourly volume, as a miner keeps its pool
connection (GuardDuty's CryptoCurrency findings look at pool domains; flow logs have no names).
Steady sessions are grouped by workload and port, so a miner that hops between pool servers or
survives an instance's replacement is one series.`,
	Thresholds: `pool_ports; detectors.crypto-mining.min_hours (4) of activity covering 80% of its span, at most two
connections an hour, max_hourly_cv (0.35) for the coefficient of variation of hourly bytes.`,
	BlindSpots: `Steady sessions on ports under 1024 and on 8080/8443 are not judged — too much legitimate
traffic is long-lived HTTPS, NTP or DNS — so a pool reached on them is seen only on a pool port; mining through a proxy; browser
mining inside legitimate web sessions. Any other steady long-lived session to the internet (a
VPN, a streaming agent) looks the same: add its destination to trusted_destinations.`,
	run: mining,
}

func poolSQL(ports []int) string {
	return `SELECT ini, resp, port, protocol, min(first_seen), max(last_seen), sum(records)::BIGINT, sum(bytes_out + bytes_back)::BIGINT,
  sum(packets_out + packets_back)::BIGINT, bool_or(answered), sum(sessions)::BIGINT, count(DISTINCT hr)
FROM hunt_pairs WHERE in_win AND ini_private AND NOT resp_private AND NOT resp_trusted AND accepted AND port IN ` + inList(ports) + `
GROUP BY ini, resp, port, protocol`
}

// steadySQL groups by workload and port, not by address: a miner's
// session moves between pool servers and survives instance replacement.
const steadySQL = `WITH h AS (
  SELECT ini_wl, port, protocol, hr, sum(bytes_out + bytes_back) AS b, sum(packets_out + packets_back) AS p,
    sum(sessions) AS s, sum(records) AS recs, min(first_seen) AS fs, max(last_seen) AS ls,
    list(DISTINCT ini) AS inis, list(DISTINCT resp) AS resps
  FROM hunt_pairs WHERE in_win AND ini_private AND NOT resp_private AND NOT resp_trusted AND accepted AND answered
    AND port BETWEEN 1024 AND 32767 AND port NOT IN (8080, 8443)
  GROUP BY ALL
)
SELECT list_distinct(flatten(list(inis)))[1], list_distinct(flatten(list(resps)))[1], port, protocol, min(fs), max(ls), sum(recs)::BIGINT,
  sum(b)::BIGINT, sum(p)::BIGINT, true, sum(s)::BIGINT, count(*), stddev_pop(b) / avg(b) AS cv,
  list_distinct(flatten(list(inis))), list_distinct(flatten(list(resps))), ini_wl
FROM h GROUP BY ini_wl, port, protocol
HAVING count(*) >= $1 AND count(*) >= 0.8 * ((max(hr) - min(hr)) / 3600 + 1) AND stddev_pop(b) / avg(b) <= $2`

// steadyTable holds the steady candidates while their connections are
// counted.
const steadyTable = "hunt_steady"

// connectionsSQL counts, per candidate, its connections (distinct client
// ports) and the hours they span: a miner holds a few connections for
// hours, a beacon opens one a minute.
const connectionsSQL = `SELECT c.key, count(DISTINCT f.srcport), count(DISTINCT f.start - f.start % 3600)
FROM flows f JOIN ` + steadyTable + ` c ON f.srcaddr = c.ini AND f.dstaddr = c.resp AND f.dstport = c.port AND f.protocol = c.proto
WHERE f.start >= $1 AND f.start < $2
GROUP BY c.key`

func mining(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.Mining
	pools, err := r.query(ctx, poolSQL(r.cfg.PoolPorts))
	if err != nil {
		return nil, err
	}
	steady, err := r.query(ctx, steadySQL, p.MinHours, p.MaxCV)
	if err != nil {
		return nil, err
	}
	if steady, err = r.fewConnections(ctx, steady); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Finding
	for _, row := range pools {
		f := miningFinding(row)
		f.Severity, f.Score = High, 80
		if !asBool(row[9]) {
			f.Severity, f.Score = Medium, 60
		}
		f.Title = fmt.Sprintf("%s connected to a mining-pool port: %s:%d", f.Src.Address, f.Dst.Address, f.Ports[0])
		seen[f.Src.Address+" "+f.Dst.Address] = true
		out = append(out, f)
	}
	for _, row := range steady {
		f := miningFinding(row)
		if seen[f.Src.Address+" "+f.Dst.Address] {
			continue
		}
		cv := asFloat(row[12])
		inis, resps := asStrings(row[13]), asStrings(row[14])
		f.Severity, f.Score = Medium, math.Round(100*(1-cv/2))
		f.Details["hourly_cv"] = round2(cv)
		f.Details["src_addresses"], f.Details["dst_addresses"] = inis, resps
		f.EvidenceSQL = evidence{from: asInt(row[4]), to: asInt(row[5]), a: inis, b: resps, ports: f.Ports, proto: int(asInt(row[3]))}.sql()
		f.Title = fmt.Sprintf("Steady long-lived sessions from %s to port %d of %s (%d hours)", asStr(row[15]), f.Ports[0],
			plural(int64(len(resps)), "public address", "public addresses"), asInt(row[11]))
		out = append(out, f)
	}
	return out, nil
}

func miningFinding(row []any) Finding {
	src, dst, port, proto := asStr(row[0]), asStr(row[1]), int(asInt(row[2])), int(asInt(row[3]))
	hours, sessions := asInt(row[11]), asInt(row[10])
	return Finding{
		FirstSeen: unixTime(row[4]), LastSeen: unixTime(row[5]), Src: Endpoint{Address: src}, Dst: Endpoint{Address: dst},
		Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[6]), Bytes: asInt(row[7]), Packets: asInt(row[8]),
		DistinctPeers: 1, DistinctPorts: 1,
		Summary: fmt.Sprintf("%s held %s to %s/%d over %d hours (%s), the pattern of a miner's pool connection.",
			src, plural(sessions, "connection", "connections"), inventory.ProtocolName(proto), port, hours, humanBytes(asInt(row[7]))),
		EvidenceSQL: evidence{from: asInt(row[4]), to: asInt(row[5]), a: []string{src}, b: []string{dst}, ports: []int{port}, proto: proto}.sql(),
		Details:     map[string]any{"hours": hours, "connections": sessions},
	}
}

// fewConnections keeps the steady candidates that held at most two
// connections an hour, counted on the records themselves.
func (r *run) fewConnections(ctx context.Context, cands [][]any) ([][]any, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	load := func(yield func([]any) bool) {
		for k, c := range cands {
			for _, ini := range asStrings(c[13]) {
				for _, resp := range asStrings(c[14]) {
					if !yield([]any{int64(k), ini, resp, asInt(c[2]), asInt(c[3])}) {
						return
					}
				}
			}
		}
	}
	cols := []engine.ColumnDef{{Name: "key", Type: "BIGINT"}, {Name: "ini", Type: "VARCHAR"}, {Name: "resp", Type: "VARCHAR"}, {Name: "port", Type: "BIGINT"}, {Name: "proto", Type: "BIGINT"}}
	if _, err := r.e.LoadTable(ctx, steadyTable, cols, load); err != nil {
		return nil, err
	}
	defer r.e.DropTable(context.WithoutCancel(ctx), steadyTable)
	rows, err := r.query(ctx, connectionsSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, err
	}
	var out [][]any
	for _, row := range rows {
		if conns, hours := asInt(row[1]), asInt(row[2]); conns <= 2*hours {
			out = append(out, cands[asInt(row[0])])
		}
	}
	return out, nil
}
