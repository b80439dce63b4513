package hunt

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// The network findings GuardDuty derives from flow logs, applied to
// history and to IPv6 as well.

var dosDetector = &Detector{
	Name: "outbound-dos", MITRE: "T1498", MITREName: "Network Denial of Service",
	Finds: `An instance flooding one public address (GuardDuty's Backdoor:EC2/DenialOfService.Tcp/Udp),
in one hour, far above what it sent that address in the baseline:
  - a connection flood: very many connections of at most three packets each (a SYN flood gets a
    SYN-ACK or RST per connection, so replies do not clear it);
  - a packet flood: very many packets with almost nothing back (under 1%) — a bulk upload is
    acknowledged, roughly one packet back for every ten or twenty sent, a flood is not.`,
	Thresholds: `detectors.outbound-dos.min_sessions_per_hour (2000) for connection floods, min_packets_per_hour
(200000) for packet floods; baseline_factor (10) × the baseline's busiest hour to that address
(hours inside the baseline are judged without it).`,
	BlindSpots: `Floods spread thin over many targets or many instances (each under the thresholds);
reflection attacks, whose packets carry the victim's spoofed address and are dropped or logged
as the victim's traffic.`,
	run: outboundDoS,
}

const dosSQL = `WITH h AS (
  SELECT ini, resp, protocol, hr, sum(packets_out)::BIGINT AS p, sum(packets_back)::BIGINT AS pb, sum(sessions)::BIGINT AS s,
    sum(bytes_out)::BIGINT AS b, sum(records)::BIGINT AS recs, min(first_seen) AS fs, max(last_seen) AS ls,
    list(DISTINCT port ORDER BY port)[1:10] AS ports, bool_or(in_base) AS in_base
  FROM hunt_pairs WHERE in_win AND ini_private AND NOT resp_private GROUP BY ini, resp, protocol, hr
), base AS (
  SELECT ini, resp, max(p) AS peak FROM (
    SELECT ini, resp, hr, sum(packets_out) AS p FROM hunt_pairs WHERE in_base AND ini_private AND NOT resp_private GROUP BY ALL)
  GROUP BY ALL
)
SELECT h.ini, h.resp, h.protocol, sum(h.p)::BIGINT, sum(h.pb)::BIGINT, sum(h.s)::BIGINT, sum(h.b)::BIGINT, sum(h.recs)::BIGINT,
  min(h.fs), max(h.ls), max(h.p), count(*), flatten(list(h.ports))[1:10]
FROM h LEFT JOIN base USING (ini, resp)
WHERE ((h.s >= $2 AND h.p <= 3 * h.s) OR (h.p >= $1 AND h.pb * 100 <= h.p))
  AND (h.in_base OR h.p >= $3 * coalesce(base.peak, 0))
GROUP BY h.ini, h.resp, h.protocol`

func outboundDoS(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.DoS
	rows, err := r.query(ctx, dosSQL, p.MinPackets, p.MinSessions, p.Factor)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		src, dst, proto := asStr(row[0]), asStr(row[1]), int(asInt(row[2]))
		pk, sessions, hours := asInt(row[3]), asInt(row[5]), asInt(row[11])
		ports := slices.Compact(slices.Sorted(slices.Values(asInts(row[12]))))
		out = append(out, Finding{
			Severity: High, Title: fmt.Sprintf("Outbound %s flood from %s to %s", inventory.ProtocolName(proto), src, dst),
			Summary: fmt.Sprintf("%s sent %d packets in %s to %s over %s (peak %d packets in an hour); %d came back.",
				src, pk, plural(sessions, "connection", "connections"), dst, plural(hours, "hour", "hours"), asInt(row[10]), asInt(row[4])),
			FirstSeen: unixTime(row[8]), LastSeen: unixTime(row[9]), Src: Endpoint{Address: src}, Dst: Endpoint{Address: dst},
			Ports: ports, Protocol: inventory.ProtocolName(proto), Records: asInt(row[7]), Bytes: asInt(row[6]), Packets: pk,
			DistinctPeers: 1, DistinctPorts: int64(len(ports)), Score: math.Min(100, 40+10*math.Log10(float64(pk))),
			EvidenceSQL: evidence{from: asInt(row[8]), to: asInt(row[9]), a: []string{src}, b: []string{dst}, proto: proto}.sql(),
			Details:     map[string]any{"packets_back": asInt(row[4]), "peak_packets_per_hour": asInt(row[10]), "connections": sessions},
		})
	}
	return out, nil
}

var spamDetector = &Detector{
	Name: "spam-bot", MITRE: "T1496", MITREName: "Resource Hijacking",
	Finds: `An instance sending SMTP (port 25) to many public mail servers when neither it nor its workload
sent any mail in the baseline (GuardDuty's Backdoor:EC2/Spambot).`,
	Thresholds: `detectors.spam-bot.min_recipients (10) distinct public addresses after the baseline.`,
	BlindSpots: `Spam relayed through a legitimate mail service (SES, an internal relay); submission ports
587/465 are not watched; mail servers whose history predates the baseline but who were quiet
in it will be reported.`,
	needsBaseline: true,
	run:           spamBots,
}

const spamSQL = `WITH n AS (
  SELECT ini, any_value(ini_wl) AS wl, count(DISTINCT resp) AS rcpts, sum(sessions)::BIGINT AS s, sum(records)::BIGINT AS recs,
    sum(bytes_out)::BIGINT AS b, sum(packets_out)::BIGINT AS p, min(first_seen) AS fs, max(last_seen) AS ls,
    list(DISTINCT resp ORDER BY resp)[1:200] AS resps, bool_or(accepted) AS acc
  FROM hunt_pairs WHERE in_win AND NOT in_base AND ini_private AND NOT resp_private AND port = 25 AND protocol = 6
  GROUP BY ini HAVING count(DISTINCT resp) >= $1
), mail AS (SELECT DISTINCT ini_wl AS wl FROM hunt_pairs WHERE in_base AND port = 25 AND protocol = 6 AND ini_private)
SELECT n.* FROM n ANTI JOIN mail USING (wl)`

func spamBots(ctx context.Context, r *run) ([]Finding, error) {
	rows, err := r.query(ctx, spamSQL, r.cfg.Detectors.Spam.MinRecipients)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		src, rcpts := asStr(row[0]), asInt(row[2])
		sev := High
		if !asBool(row[10]) {
			sev = Low
		}
		out = append(out, Finding{
			Severity: sev, Title: fmt.Sprintf("Spam bot: %s sent SMTP to %s", src, plural(rcpts, "mail server", "mail servers")),
			Summary:   fmt.Sprintf("%s, with no mail in the baseline, opened %d SMTP sessions to %d public addresses.", src, asInt(row[3]), rcpts),
			FirstSeen: unixTime(row[7]), LastSeen: unixTime(row[8]), Src: Endpoint{Address: src}, Dst: Endpoint{Count: rcpts},
			Ports: []int{25}, Protocol: "tcp", Records: asInt(row[4]), Bytes: asInt(row[5]), Packets: asInt(row[6]),
			DistinctPeers: rcpts, DistinctPorts: 1, Score: math.Min(100, 50+float64(rcpts)),
			EvidenceSQL: evidence{from: asInt(row[7]), to: asInt(row[8]), a: []string{src}, ports: []int{25}, proto: 6}.sql(),
		})
	}
	return out, nil
}

var unusualDetector = &Detector{
	Name: "unusual-traffic", MITRE: "T1571", MITREName: "Non-Standard Port",
	Finds: `An instance using a port to the internet that neither it nor any other instance of its
workload used in the baseline (GuardDuty's Behavior:EC2/NetworkPortUnusual), with enough traffic
to matter. A finding folds into a more specific one about the same source and time (a miner's
pool port, a spam bot's port 25) rather than repeating it.`,
	Thresholds: `detectors.unusual-traffic.min_bytes (1 MiB) or min_sessions (10) on the new port; the workload must
have been active for at least two hours of the baseline.`,
	BlindSpots:    `Attackers using the ports the workload already uses (443); workloads new since the baseline.`,
	needsBaseline: true,
	run:           unusualPorts,
}

const unusualSQL = `WITH n AS (
  SELECT ini, ini_wl, port, protocol, count(DISTINCT resp) AS peers, sum(sessions)::BIGINT AS s, sum(records)::BIGINT AS recs,
    sum(bytes_out + bytes_back)::BIGINT AS b, sum(packets_out + packets_back)::BIGINT AS p, min(first_seen) AS fs, max(last_seen) AS ls,
    list(DISTINCT resp ORDER BY resp)[1:50] AS resps
  FROM hunt_pairs WHERE in_win AND NOT in_base AND ini_private AND NOT resp_private AND NOT resp_trusted AND accepted AND answered
    AND port BETWEEN 1 AND 32767 AND protocol IN (6, 17)
  GROUP BY ini, ini_wl, port, protocol HAVING sum(bytes_out + bytes_back) >= $1 OR sum(sessions) >= $2
), o AS (SELECT DISTINCT ini_wl, port, protocol FROM hunt_pairs WHERE in_base AND ini_private AND NOT resp_private),
   active AS (SELECT ini_wl FROM hunt_pairs WHERE in_base AND ini_private GROUP BY ini_wl HAVING count(DISTINCT hr) >= 2)
SELECT * FROM n ANTI JOIN o USING (ini_wl, port, protocol) SEMI JOIN active USING (ini_wl)`

func unusualPorts(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.Unusual
	rows, err := r.query(ctx, unusualSQL, p.MinBytes, p.MinSessions)
	if err != nil {
		return nil, err
	}
	vol, err := unusualVolume(ctx, r)
	if err != nil {
		return nil, err
	}
	out := vol
	for _, row := range rows {
		src, wl, port, proto, peers := asStr(row[0]), asStr(row[1]), int(asInt(row[2])), int(asInt(row[3])), asInt(row[4])
		out = append(out, Finding{
			Severity: Medium, Title: fmt.Sprintf("Unusual port: %s used %s/%d to the internet", src, inventory.ProtocolName(proto), port),
			Summary: fmt.Sprintf("%s (workload %s) exchanged %s with %s on %s/%d, a port its workload never used to the internet in the baseline.",
				src, wl, humanBytes(asInt(row[7])), plural(peers, "public address", "public addresses"), inventory.ProtocolName(proto), port),
			FirstSeen: unixTime(row[9]), LastSeen: unixTime(row[10]), Src: Endpoint{Address: src}, Dst: endpointOf(asStrings(row[11]), peers),
			Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[6]), Bytes: asInt(row[7]), Packets: asInt(row[8]),
			DistinctPeers: peers, DistinctPorts: 1, Score: 50,
			EvidenceSQL: evidence{from: asInt(row[9]), to: asInt(row[10]), a: []string{src}, b: asStrings(row[11]), ports: []int{port}, proto: proto}.sql(),
		})
	}
	return out, nil
}

func endpointOf(addrs []string, n int64) Endpoint {
	if n == 1 && len(addrs) == 1 {
		return Endpoint{Address: addrs[0]}
	}
	return Endpoint{Count: n}
}

// unusualVolumeSQL finds hours in which an edge between a workload and a
// peer (another workload, or an internet address) carried far more than
// in any hour of the baseline.
const unusualVolumeSQL = `WITH h AS (
  SELECT ini_wl, resp_wl, port, protocol, hr, in_base AS base, in_win AND NOT in_base AS new,
    sum(bytes_out + bytes_back)::BIGINT AS b, sum(records)::BIGINT AS recs, sum(packets_out + packets_back)::BIGINT AS p,
    min(first_seen) AS fs, max(last_seen) AS ls, arg_max(ini, bytes_out + bytes_back) AS ini, arg_max(resp, bytes_out + bytes_back) AS resp
  FROM hunt_pairs WHERE ini_private AND accepted AND port BETWEEN 1 AND 32767 AND NOT resp_trusted
  GROUP BY ini_wl, resp_wl, port, protocol, hr, in_base, in_win
), bp AS (
  SELECT ini_wl, resp_wl, port, protocol, max(b) AS peak FROM h WHERE base GROUP BY ALL HAVING count(*) >= 2
)
SELECT h.ini_wl, h.resp_wl, h.port, h.protocol, sum(h.b)::BIGINT, max(h.b), any_value(bp.peak), min(h.fs), max(h.ls),
  sum(h.recs)::BIGINT, sum(h.p)::BIGINT, list(DISTINCT h.ini), list(DISTINCT h.resp), count(*)
FROM h JOIN bp USING (ini_wl, resp_wl, port, protocol)
WHERE h.new AND h.b >= $1 AND h.b >= $2 * bp.peak
GROUP BY ALL`

func unusualVolume(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.Unusual
	rows, err := r.query(ctx, unusualVolumeSQL, p.MinVolume, p.VolumeFactor)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		from, to, port, proto := asStr(row[0]), asStr(row[1]), int(asInt(row[2])), int(asInt(row[3]))
		total, peak, basePeak := asInt(row[4]), asInt(row[5]), asInt(row[6])
		inis, resps := asStrings(row[11]), asStrings(row[12])
		out = append(out, Finding{
			Severity: Medium, Title: fmt.Sprintf("Unusual volume: %s ↔ %s on %s/%d, %s in an hour", from, to, inventory.ProtocolName(proto), port, humanBytes(peak)),
			Summary: fmt.Sprintf("The edge %s → %s on %s/%d carried %s in %s, up to %s in an hour: %.0f× its busiest baseline hour (%s).",
				from, to, inventory.ProtocolName(proto), port, humanBytes(total), plural(asInt(row[13]), "hour", "hours"), humanBytes(peak),
				float64(peak)/float64(max(1, basePeak)), humanBytes(basePeak)),
			FirstSeen: unixTime(row[7]), LastSeen: unixTime(row[8]), Src: Endpoint{Address: inis[0]}, Dst: Endpoint{Address: resps[0]},
			Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[9]), Bytes: total, Packets: asInt(row[10]),
			DistinctPeers: int64(len(resps)), DistinctPorts: 1, Score: math.Min(100, 40+10*math.Log10(float64(peak)/float64(max(1, basePeak)))),
			EvidenceSQL: evidence{from: asInt(row[7]), to: asInt(row[8]), a: inis, b: resps, ports: []int{port}, proto: proto}.sql(),
			Details: map[string]any{"src_addresses": inis, "dst_addresses": resps, "peak_hour_bytes": peak, "baseline_peak_hour_bytes": basePeak,
				"kind": "volume"},
		})
	}
	return out, nil
}
