package hunt

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

var lateralDetector = &Detector{
	Name: "lateral-movement", MITRE: "T1021", MITREName: "Remote Services",
	Finds: `Movement inside the estate that the baseline never saw:
  - fan-out: an internal host reaching many internal hosts on admin ports (admin_ports) within an
    hour on one port, three times or more what its workload reached on that port in any hour of
    the baseline (monitoring that logs in everywhere on SSH does not hide a sweep on SMB);
  - new edges between workloads: a conversation — answered, or only attempted — between two named workloads
    (Name tags from CloudTrail or snapshots) on a service port that the baseline never carried,
    e.g. web → database directly; flagged cross-VPC or cross-account when the two ends are in
    different VPCs (through a Transit Gateway or peering);
  - on-premises sources: transit gateway records whose source attachment is not a VPC (VPN,
    Direct Connect) reaching a cloud address they never reached in the baseline.
Workloads are compared by name, so replacing instances makes no new edges. A new port between
two workloads that already talked in the baseline, answered, inside one VPC, is low severity;
a pair that never talked, an attempt the groups rejected, and a new path across VPCs or
accounts are not.`,
	Thresholds: `detectors.lateral-movement.min_fanout (6) internal admin-port peers in an hour; baseline (7d before --since,
else the first half of the data).`,
	BlindSpots: `Edges that already existed in the baseline (an attacker reusing a path admins use); a jump
host's new admin-port edges unless they come in a burst (fan-out); new edges
where an end has no Name tag are judged only on admin ports; a workload that first appears
after the baseline is a deployment, not movement, and its edges are not reported.`,
	needsBaseline: true,
	run:           lateral,
}

func lateral(ctx context.Context, r *run) ([]Finding, error) {
	fan, err := fanOut(ctx, r)
	if err != nil {
		return nil, err
	}
	edges, err := newEdges(ctx, r)
	if err != nil {
		return nil, err
	}
	onprem, err := onPremises(ctx, r)
	if err != nil {
		return nil, err
	}
	return append(append(fan, edges...), onprem...), nil
}

// fanOutSQL finds internal hosts that reached, within one hour, at least
// $1 internal hosts on admin ports, and at least three times as many as
// any instance of their workload reached in an hour of the baseline. The
// hour matters: a jump host reaches hosts all day long, a worm or an
// operator's sweep reaches them at once; monitoring that checks every
// host every few minutes did so in the baseline too.
func fanOutSQL(admin []int) string {
	return `WITH n AS (
  SELECT ini, ini_wl, resp, port, hr, min(first_seen) AS fs, max(last_seen) AS ls, sum(records) AS recs,
    sum(bytes_out) AS b, sum(packets_out) AS p, bool_or(answered AND accepted) AS ok
  FROM hunt_pairs WHERE in_win AND NOT in_base AND ini_private AND resp_private AND protocol = 6 AND port IN ` + inList(admin) + `
  GROUP BY ALL
), base AS (
  SELECT ini_wl, port, max(c) AS peak FROM (
    SELECT ini_wl, ini, port, hr, count(DISTINCT resp) AS c FROM hunt_pairs
    WHERE in_base AND ini_private AND resp_private AND protocol = 6 AND port IN ` + inList(admin) + ` GROUP BY ALL)
  GROUP BY ini_wl, port
), hot AS (
  SELECT h.ini, h.port, h.hr, h.c FROM (SELECT ini, any_value(ini_wl) AS ini_wl, port, hr, count(DISTINCT resp) AS c FROM n GROUP BY ini, port, hr) h
  LEFT JOIN base USING (ini_wl, port)
  WHERE h.c >= $1 AND h.c >= 3 * coalesce(base.peak, 0)
), x AS (SELECT n.* FROM n SEMI JOIN hot USING (ini, port, hr)),
live AS (
  SELECT ini AS resp FROM hunt_pairs WHERE in_win AND ini_private
  UNION SELECT resp FROM hunt_pairs WHERE in_win AND resp_private AND (answered OR resp_named)
)
SELECT ini, count(DISTINCT resp), count(DISTINCT resp) FILTER (WHERE ok), list(DISTINCT port ORDER BY port),
  min(fs), max(ls), sum(recs)::BIGINT, sum(b)::BIGINT, sum(p)::BIGINT, list(DISTINCT resp ORDER BY resp)[1:200],
  (SELECT max(c) FROM hot WHERE hot.ini = x.ini),
  count(DISTINCT resp) FILTER (WHERE resp IN (SELECT resp FROM live))
FROM x GROUP BY ini`
}

func fanOut(ctx context.Context, r *run) ([]Finding, error) {
	rows, err := r.query(ctx, fanOutSQL(r.cfg.AdminPort), r.cfg.Detectors.Lateral.MinFanout)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		src, hosts, reached, ports := asStr(row[0]), asInt(row[1]), asInt(row[2]), asInts(row[3])
		sev := High
		if reached == 0 {
			sev = Medium
		}
		out = append(out, Finding{
			Severity: sev, Title: fmt.Sprintf("Admin-port fan-out from %s to %s", src, plural(hosts, "internal host", "internal hosts")),
			Summary: fmt.Sprintf("%s reached %d internal hosts on %s in its busiest hours, up to %d in one hour — three times or more what its workload reached in any baseline hour; %d answered.",
				src, hosts, portNames(ports), asInt(row[10]), reached),
			FirstSeen: unixTime(row[4]), LastSeen: unixTime(row[5]), Src: Endpoint{Address: src}, Dst: Endpoint{Count: hosts},
			Ports: ports, Protocol: "tcp", Records: asInt(row[6]), Bytes: asInt(row[7]), Packets: asInt(row[8]),
			DistinctPeers: hosts, DistinctPorts: int64(len(ports)), Score: math.Min(100, 50+5*float64(hosts)),
			EvidenceSQL: evidence{from: asInt(row[4]), to: asInt(row[5]), a: []string{src}, b: asStrings(row[9]), ports: ports, proto: 6}.sql(),
			Details: map[string]any{"new_hosts": hosts, "answered_hosts": reached, "peak_new_hosts_per_hour": asInt(row[10]),
				"live_ratio": round2(float64(asInt(row[11])) / float64(hosts))},
		})
	}
	return out, nil
}

// newEdgesSQL finds workload-to-workload service edges absent from the
// baseline, between workloads both active in it. A jump host — a
// workload that reached two or more other workloads on admin ports in
// the baseline — makes new admin-port edges as a matter of course; those
// are left to the fan-out test.
func newEdgesSQL(admin []int) string {
	return `WITH n AS (
  SELECT ini_wl, resp_wl, port, protocol, min(first_seen) AS fs, max(last_seen) AS ls, sum(records)::BIGINT AS recs,
    sum(bytes_out)::BIGINT AS b, sum(packets_out)::BIGINT AS p, sum(sessions)::BIGINT AS s,
    list(DISTINCT ini ORDER BY ini)[1:50] AS inis, list(DISTINCT resp ORDER BY resp)[1:50] AS resps,
    bool_or(ini_vpc <> resp_vpc) AS cross_vpc, any_value(ini_vpc) AS ivpc, any_value(resp_vpc) AS rvpc,
    bool_or(accepted AND answered) AS ok
  FROM hunt_pairs
  WHERE in_win AND NOT in_base AND ini_private AND resp_private AND ini_named AND resp_named
    AND ini_wl <> resp_wl AND port BETWEEN 1 AND 32767 AND protocol IN (6, 17)
  GROUP BY ini_wl, resp_wl, port, protocol
), o AS (
  SELECT DISTINCT ini_wl, resp_wl, port, protocol FROM hunt_pairs WHERE in_base
), active AS (
  SELECT DISTINCT ini_wl FROM hunt_pairs WHERE in_base AND ini_named
), jump AS (
  SELECT DISTINCT ini_wl FROM hunt_pairs WHERE in_base AND resp_private AND protocol = 6 AND port IN ` + inList(interactivePorts) + `
)
SELECT n.*, (n.ini_wl, n.resp_wl) IN (SELECT (ini_wl, resp_wl) FROM o) AS related
FROM n ANTI JOIN o USING (ini_wl, resp_wl, port, protocol) SEMI JOIN active USING (ini_wl)
WHERE NOT (n.port IN ` + inList(interactivePorts) + ` AND n.ini_wl IN (SELECT ini_wl FROM jump))`
}

func newEdges(ctx context.Context, r *run) ([]Finding, error) {
	rows, err := r.query(ctx, newEdgesSQL(r.cfg.AdminPort))
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		from, to, port, proto := asStr(row[0]), asStr(row[1]), int(asInt(row[2])), int(asInt(row[3]))
		inis, resps, cross, ok := asStrings(row[10]), asStrings(row[11]), asBool(row[12]), asBool(row[15])
		sev, where, outcome := Medium, "", "answered"
		if isAdmin(r.cfg.AdminPort, port) {
			sev = High
		}
		related := asBool(row[16])
		switch {
		case !ok:
			outcome = "never answered or rejected"
		case related && !cross:
			// The two already talked in the baseline, on another port:
			// a new port on an existing relationship, permitted and
			// answered, is weak evidence on its own.
			sev, outcome = Low, "answered; the two workloads already talked on other ports"
		}
		if cross {
			where = fmt.Sprintf(" across VPCs (%s → %s)", asStr(row[13]), asStr(row[14]))
			sev = min(sev+1, Critical)
		}
		out = append(out, Finding{
			Severity: sev, Title: fmt.Sprintf("New connection %s → %s on %s%s", from, to, serviceName(port), where),
			Summary: fmt.Sprintf("Workload %s opened %d sessions to workload %s on %s/%d (%s), which the baseline never saw between them.",
				from, asInt(row[9]), to, inventory.ProtocolName(proto), port, outcome),
			FirstSeen: unixTime(row[4]), LastSeen: unixTime(row[5]),
			Src: Endpoint{Address: inis[0], Name: from}, Dst: Endpoint{Address: resps[0], Name: to},
			Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[6]), Bytes: asInt(row[7]), Packets: asInt(row[8]),
			DistinctPeers: int64(len(resps)), DistinctPorts: 1, Score: 70,
			EvidenceSQL: evidence{from: asInt(row[4]), to: asInt(row[5]), a: inis, b: resps, ports: []int{port}, proto: proto}.sql(),
			Details:     map[string]any{"src_addresses": inis, "dst_addresses": resps, "cross_vpc": cross, "answered": ok},
		})
	}
	return out, nil
}

// onPremSQL reads the transit gateway's log: a record whose source
// attachment is not a VPC came from a VPN or Direct Connect.
const onPremSQL = `WITH t AS (
  SELECT srcaddr AS ini, dstaddr AS resp, coalesce(dstport, 0) AS port, protocol, start, packets, bytes,
    start >= $1 AND start < $2 AS in_win, start >= $3 AND start < $4 AS in_base
  FROM tgw_flows
  WHERE coalesce(tgw_src_vpc_id, '') = '' AND coalesce(tgw_dst_vpc_id, '') <> '' AND srcaddr IS NOT NULL
    AND (protocol <> 6 OR tcp_flags IS NULL OR tcp_flags & 18 <> 18)
), n AS (
  SELECT ini, resp, port, protocol, min(start) AS fs, max(start) AS ls, count(*) AS recs, sum(bytes)::BIGINT AS b, sum(packets)::BIGINT AS p
  FROM t WHERE in_win AND NOT in_base AND port BETWEEN 1 AND 32767 GROUP BY ALL
), o AS (SELECT DISTINCT resp, port, protocol FROM t WHERE in_base)
SELECT * FROM n ANTI JOIN o USING (resp, port, protocol)`

// onPremVPCSQL finds, in the VPC flow logs, private sources outside the
// estate's address space (a VPN or Direct Connect through a virtual
// private gateway) reaching a named workload that no such source
// reached in the baseline.
const onPremVPCSQL = `WITH n AS (
  SELECT ini, resp, resp_wl, port, protocol, min(first_seen) AS fs, max(last_seen) AS ls, sum(records)::BIGINT AS recs,
    sum(bytes_out + bytes_back)::BIGINT AS b, sum(packets_out + packets_back)::BIGINT AS p, bool_or(accepted AND answered) AS ok
  FROM hunt_pairs h JOIN ` + addrTable + ` a ON a.addr = h.ini
  WHERE in_win AND NOT in_base AND ini_private AND NOT a.estate AND resp_named AND port BETWEEN 1 AND 32767
    AND NOT ip_in_cidr(ini, '169.254.0.0/16')
  GROUP BY ALL
), o AS (SELECT DISTINCT ini, resp_wl FROM hunt_pairs WHERE in_base)
SELECT n.* FROM n ANTI JOIN o USING (ini, resp_wl)`

func onPremises(ctx context.Context, r *run) ([]Finding, error) {
	var out []Finding
	if len(r.inv.byIP) > 0 {
		rows, err := r.query(ctx, onPremVPCSQL)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			src, dst, wl, port, proto := asStr(row[0]), asStr(row[1]), asStr(row[2]), int(asInt(row[3])), int(asInt(row[4]))
			sev := Medium
			if isAdmin(r.cfg.AdminPort, port) {
				sev = High
			}
			out = append(out, Finding{
				Severity: sev, Title: fmt.Sprintf("Outside private address %s reached %s (%s) on %s for the first time", src, wl, dst, serviceName(port)),
				Summary: fmt.Sprintf("%s, a private address outside every range the estate's interfaces use (on premises, through a VPN or Direct Connect), reached workload %s at %s on %s/%d; answered: %v. No such source reached it in the baseline.",
					src, wl, dst, inventory.ProtocolName(proto), port, asBool(row[10])),
				FirstSeen: unixTime(row[5]), LastSeen: unixTime(row[6]), Src: Endpoint{Address: src}, Dst: Endpoint{Address: dst, Name: wl},
				Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[7]), Bytes: asInt(row[8]), Packets: asInt(row[9]),
				DistinctPeers: 1, DistinctPorts: 1, Score: 60,
				EvidenceSQL: evidence{from: asInt(row[5]), to: asInt(row[6]), a: []string{src}, b: []string{dst}, ports: []int{port}, proto: proto}.sql(),
			})
		}
	}
	if !r.hasTGW {
		return out, nil
	}
	rows, err := r.query(ctx, onPremSQL, r.win.from, r.win.to, r.base.from, r.base.to)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		src, dst, port, proto := asStr(row[0]), asStr(row[1]), int(asInt(row[2])), int(asInt(row[3]))
		sev := Medium
		if isAdmin(r.cfg.AdminPort, port) {
			sev = High
		}
		out = append(out, Finding{
			Severity: sev, Title: fmt.Sprintf("On-premises %s reached %s on %s for the first time", src, dst, serviceName(port)),
			Summary:   fmt.Sprintf("The transit gateway carried %s/%d from %s (not a VPC attachment) to %s; no on-premises source reached it there in the baseline.", inventory.ProtocolName(proto), port, src, dst),
			FirstSeen: unixTime(row[4]), LastSeen: unixTime(row[5]), Src: Endpoint{Address: src}, Dst: Endpoint{Address: dst},
			Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[6]), Bytes: asInt(row[7]), Packets: asInt(row[8]),
			DistinctPeers: 1, DistinctPorts: 1, Score: 60,
			EvidenceSQL: strings.Replace(evidence{from: asInt(row[4]), to: asInt(row[5]), a: []string{src}, b: []string{dst}, ports: []int{port}}.sql(), "FROM flows", "FROM tgw_flows", 1),
		})
	}
	return out, nil
}

// interactivePorts are the admin ports people log in on.
var interactivePorts = []int{22, 23, 3389, 5900, 5985, 5986}

func isAdmin(admin []int, port int) bool {
	for _, p := range admin {
		if p == port {
			return true
		}
	}
	return false
}

func portNames(ports []int) string {
	names := make([]string, 0, len(ports))
	for _, p := range ports {
		names = append(names, fmt.Sprintf("%s (%d)", serviceName(p), p))
	}
	return strings.Join(names, ", ")
}
