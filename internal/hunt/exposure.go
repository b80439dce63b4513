package hunt

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

var exposureDetector = &Detector{
	Name: "exposure", MITRE: "T1133", MITREName: "External Remote Services",
	Finds: `Doors open to the internet:
  - admin ports (admin_ports: SSH, RDP, WinRM, databases, …) on internal hosts that accepted
    traffic from public addresses — answered is worse than merely admitted;
  - unprotected ports being probed (GuardDuty's Recon:EC2/PortProbeUnprotectedPort): a port that
    admitted several public sources and never answered any — the security group is open where
    nothing listens, and scanners have found it.`,
	Thresholds: `admin_ports; detectors.exposure.min_probers (3) public sources for an unanswered open port. Sources in
the allowlist (an office range) are left out before counting.`,
	BlindSpots: `Exposure nobody has touched yet is not in flow logs (sg audit lists rules open to the
world); a public address that reaches the host through a load balancer or NAT shows as the
balancer's private address.`,
	run: exposure,
}

func exposureSQL(admin []int) string {
	return `WITH p AS (
  SELECT * FROM hunt_pairs
  WHERE in_win AND NOT ini_private AND resp_private AND accepted AND protocol IN (6, 17) AND port BETWEEN 1 AND 32767
), c AS (
  SELECT resp, port, protocol FROM p GROUP BY ALL
  HAVING port IN ` + inList(admin) + ` OR (NOT bool_or(answered) AND count(DISTINCT ini) >= $1)
)
SELECT resp, port, protocol, port IN ` + inList(admin) + ` AS admin,
  count(DISTINCT ini), bool_or(answered), sum(sessions)::BIGINT, sum(records)::BIGINT, sum(bytes_out + bytes_back)::BIGINT,
  sum(packets_out + packets_back)::BIGINT, min(first_seen), max(last_seen), list(DISTINCT ini ORDER BY ini)[1:1000],
  count(DISTINCT ini) FILTER (WHERE answered)
FROM p SEMI JOIN c USING (resp, port, protocol)
GROUP BY resp, port, protocol
ORDER BY resp, port, protocol`
}

func exposure(ctx context.Context, r *run) ([]Finding, error) {
	rows, err := r.query(ctx, exposureSQL(r.cfg.AdminPort), r.cfg.Detectors.Exposure.MinProbers)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		all := asStrings(row[12])
		sources := slices.DeleteFunc(slices.Clone(all), func(a string) bool { return r.cfg.allowed(a, "exposure") != "" })
		if len(sources) == 0 {
			// Every source is known-good: the finding is suppressed.
			r.suppressed[r.cfg.allowed(all[0], "exposure")]++
			continue
		}
		admin := asBool(row[3])
		if !admin && int64(len(sources)) < r.cfg.Detectors.Exposure.MinProbers {
			continue
		}
		out = append(out, exposureFinding(row, sources, admin))
	}
	return mergeExposure(out), nil
}

// mergeExposure makes one finding of the hosts exposed the same way on
// the same port (every web server's forgotten rule), rather than one per
// host.
func mergeExposure(fs []Finding) []Finding {
	byKind := map[string]int{}
	var out []Finding
	for _, f := range fs {
		k := fmt.Sprintf("%s|%v|%d", f.Protocol, f.Ports, f.Severity)
		i, ok := byKind[k]
		if !ok {
			byKind[k] = len(out)
			f.Details["hosts"] = []string{f.Dst.Address}
			out = append(out, f)
			continue
		}
		m := &out[i]
		m.Details["hosts"] = append(m.Details["hosts"].([]string), f.Dst.Address)
		if srcs := append(m.Details["sources"].([]string), f.Details["sources"].([]string)...); len(srcs) <= 500 {
			m.Details["sources"] = srcs
		}
		m.FirstSeen, m.LastSeen = minTime(m.FirstSeen, f.FirstSeen), maxTime(m.LastSeen, f.LastSeen)
		m.Records += f.Records
		m.Bytes += f.Bytes
		m.Packets += f.Packets
		m.DistinctPeers += f.DistinctPeers
		m.Score = max(m.Score, f.Score)
		m.EvidenceSQL = mergeEvidence(m.EvidenceSQL, f.EvidenceSQL)
	}
	for i := range out {
		f := &out[i]
		hosts := f.Details["hosts"].([]string)
		if len(hosts) == 1 {
			continue
		}
		f.Dst = Endpoint{Count: int64(len(hosts))}
		f.Title = fmt.Sprintf("%s on %d hosts: %s", exposureKind(f), len(hosts), strings.Join(hosts[:min(3, len(hosts))], ", "))
		if len(hosts) > 3 {
			f.Title += ", …"
		}
		f.Summary = fmt.Sprintf("%d hosts admitted %s/%d from %d public sources in all. %s", len(hosts), f.Protocol, f.Ports[0], f.DistinctPeers, exposureAdvice(f))
	}
	return out
}

// mergeEvidence unites two evidence queries: either one's records.
func mergeEvidence(a, b string) string {
	const sel, order = "SELECT * FROM flows WHERE ", evidenceOrder
	wa := strings.TrimSuffix(strings.TrimPrefix(a, sel), order)
	wb := strings.TrimSuffix(strings.TrimPrefix(b, sel), order)
	return sel + "(" + wa + ") OR (" + wb + ")" + order
}

func exposureFinding(row []any, sources []string, admin bool) Finding {
	host, port, proto, answered := asStr(row[0]), int(asInt(row[1])), int(asInt(row[2])), asBool(row[5])
	n := int64(len(sources))
	f := Finding{
		FirstSeen: unixTime(row[10]), LastSeen: unixTime(row[11]), Dst: Endpoint{Address: host},
		Src: Endpoint{Count: n}, Ports: []int{port}, Protocol: inventory.ProtocolName(proto), Records: asInt(row[7]), Bytes: asInt(row[8]),
		Packets: asInt(row[9]), DistinctPeers: n, DistinctPorts: 1,
		EvidenceSQL: evidence{from: asInt(row[10]), to: asInt(row[11]), a: []string{host}, b: sources[:min(len(sources), 200)], ports: []int{port}, proto: proto}.sql(),
		Details: map[string]any{"public_sources": n, "answered_sources": asInt(row[13]), "sessions": asInt(row[6]),
			"sources": sources[:min(len(sources), 100)]},
	}
	if n == 1 {
		f.Src = Endpoint{Address: sources[0]}
	}
	f.Details["kind"] = exposureKindOf(admin, answered)
	svc := serviceName(port)
	switch {
	case admin && answered:
		f.Severity, f.Score = High, math.Min(100, 70+5*float64(n))
		f.Title = fmt.Sprintf("%s on %s answered %s from the internet", svc, host, plural(n, "public source", "public sources"))
	case admin:
		f.Severity, f.Score = Medium, 60
		f.Title = fmt.Sprintf("%s on %s admits the internet (%s, no answer)", svc, host, plural(n, "public source", "public sources"))
	default:
		f.Severity, f.Score = Medium, math.Min(100, 40+5*float64(n))
		f.Title = fmt.Sprintf("Unprotected port %d on %s probed by %s", port, host, plural(n, "public source", "public sources"))
	}
	f.Summary = fmt.Sprintf("The security group of %s admitted %s/%d from %s; the service answered: %v. %s", host, inventory.ProtocolName(proto), port,
		plural(n, "public address", "public addresses"), answered, exposureAdvice(&f))
	return f
}

func exposureKindOf(admin, answered bool) string {
	switch {
	case admin && answered:
		return "admin port answering the internet"
	case admin:
		return "admin port admitting the internet"
	}
	return "unprotected port probed"
}

func exposureKind(f *Finding) string {
	k, _ := f.Details["kind"].(string)
	return fmt.Sprintf("%s (%s)", strings.ToUpper(k[:1])+k[1:], portLabel(f.Ports[0]))
}

// portLabel is "SSH 22" for a known service, else "port 8081".
func portLabel(port int) string {
	if s, ok := serviceNames[port]; ok {
		return fmt.Sprintf("%s %d", s, port)
	}
	return fmt.Sprintf("port %d", port)
}

func exposureAdvice(f *Finding) string {
	if f.Details["kind"] == "unprotected port probed" {
		return "Nothing answers there: the rule that admits it is unused (see flowtrail sg audit)."
	}
	return "Restrict the rule to known sources (flowtrail sg recommend) or put the service behind a bastion or SSM."
}
