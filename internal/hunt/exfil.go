package hunt

import (
	"context"
	"fmt"
	"math"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

var exfilDetector = &Detector{
	Name: "exfiltration", MITRE: "T1041", MITREName: "Exfiltration Over C2 Channel",
	Finds: `An internal host sending a public destination far more than it — and its workload's other
instances — sent to the internet in any hour of the baseline, to a destination the workload
never sent to in the baseline and that fewer than three workloads use (a destination many
workloads send to is a shared service, such as an S3 endpoint): including hosts that never talked to the internet at all and
suddenly send megabytes or gigabytes. The data ratio (out : back) is reported; exfiltration is
lopsided. GuardDuty's unusual outbound volume (Behavior:EC2/TrafficVolumeUnusual) is this test.`,
	Thresholds: `detectors.exfiltration.min_bytes (25 MiB) to one destination after the baseline; baseline_factor (10)
× the larger of the host's and its workload's busiest baseline hour to the internet.`,
	BlindSpots: `Slow exfiltration below the factor in every hour; exfiltration to a destination already used
in the baseline, or shared by three or more workloads (a cloud storage endpoint — an attacker's
own bucket in the same service looks the same); through an AWS service (S3, a
VPC endpoint) that flow logs show as private traffic; when bytes are not logged.`,
	needsBytes: true, needsBaseline: true,
	run: exfiltration,
}

const exfilSQL = `WITH n AS (
  SELECT ini, any_value(ini_wl) AS wl, resp, sum(bytes_out)::BIGINT AS b, sum(bytes_back)::BIGINT AS bb,
    sum(packets_out)::BIGINT AS p, sum(records)::BIGINT AS recs, min(first_seen) AS fs, max(last_seen) AS ls,
    list(DISTINCT port ORDER BY port)[1:10] AS ports, any_value(protocol) AS proto
  FROM hunt_pairs WHERE in_win AND NOT in_base AND ini_private AND NOT resp_private AND NOT resp_trusted AND accepted
  GROUP BY ini, resp HAVING sum(bytes_out) >= $1
), nh AS (
  SELECT ini, resp, max(b) AS peak FROM (
    SELECT ini, resp, hr, sum(bytes_out) AS b FROM hunt_pairs
    WHERE in_win AND NOT in_base AND ini_private AND NOT resp_private GROUP BY ALL) GROUP BY ALL
), hosts AS (
  SELECT ini, ini_wl, hr, sum(bytes_out) AS b FROM hunt_pairs WHERE in_base AND ini_private AND NOT resp_private GROUP BY ALL
), hb AS (SELECT ini, max(b) AS peak FROM hosts GROUP BY ini),
   wb AS (SELECT ini_wl AS wl, max(b) AS peak FROM hosts GROUP BY ini_wl),
   seen AS (SELECT DISTINCT ini_wl AS wl, resp FROM hunt_pairs WHERE in_base),
   shared AS (SELECT resp FROM hunt_pairs WHERE in_win AND ini_private GROUP BY resp HAVING count(DISTINCT ini_wl) >= 3)
SELECT n.ini, n.wl, n.resp, n.b, n.bb, n.p, n.recs, n.fs, n.ls, n.ports, n.proto, nh.peak,
  coalesce(hb.peak, 0), coalesce(wb.peak, 0)
FROM n JOIN nh USING (ini, resp) LEFT JOIN hb USING (ini) LEFT JOIN wb USING (wl) ANTI JOIN seen USING (wl, resp) ANTI JOIN shared USING (resp)
WHERE nh.peak >= $2 * greatest(coalesce(hb.peak, 0), coalesce(wb.peak, 0))`

func exfiltration(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.Exfiltration
	rows, err := r.query(ctx, exfilSQL, p.MinBytes, p.Factor)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		src, dst, b, back := asStr(row[0]), asStr(row[2]), asInt(row[3]), asInt(row[4])
		peak, hostPeak, wlPeak := asInt(row[11]), asInt(row[12]), asInt(row[13])
		ratio := float64(b) / math.Max(1, float64(back))
		f := Finding{
			Severity:  High,
			FirstSeen: unixTime(row[7]), LastSeen: unixTime(row[8]), Src: Endpoint{Address: src}, Dst: Endpoint{Address: dst},
			Ports: asInts(row[9]), Protocol: inventory.ProtocolName(int(asInt(row[10]))), Records: asInt(row[6]), Bytes: b + back, Packets: asInt(row[5]),
			DistinctPeers: 1, DistinctPorts: int64(len(asInts(row[9]))),
			Score: math.Min(100, 50+10*math.Log10(float64(peak)/math.Max(1, float64(max(hostPeak, wlPeak))))),
			Details: map[string]any{"bytes_out": b, "bytes_back": back, "ratio_out_to_back": math.Round(ratio*10) / 10,
				"peak_hour_bytes": peak, "baseline_peak_hour_bytes_host": hostPeak, "baseline_peak_hour_bytes_workload": wlPeak},
			EvidenceSQL: evidence{from: asInt(row[7]), to: asInt(row[8]), a: []string{src}, b: []string{dst}}.sql(),
		}
		if hostPeak == 0 && wlPeak == 0 {
			f.Title = fmt.Sprintf("%s, silent to the internet in the baseline, sent %s to %s", src, humanBytes(b), dst)
			f.Severity = Critical
		} else {
			f.Title = fmt.Sprintf("%s sent %s to a new destination %s", src, humanBytes(b), dst)
		}
		f.Summary = fmt.Sprintf("%s sent %s to %s (back: %s, ratio %.0f:1); its busiest hour, %s, is %.0f× the busiest baseline hour of the host (%s) or its workload (%s).",
			src, humanBytes(b), dst, humanBytes(back), ratio, humanBytes(peak), float64(peak)/math.Max(1, float64(max(hostPeak, wlPeak))), humanBytes(hostPeak), humanBytes(wlPeak))
		out = append(out, f)
	}
	return out, nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
