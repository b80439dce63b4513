package hunt

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

var portScanDetector = &Detector{
	Name: "port-scan", MITRE: "T1046", MITREName: "Network Service Discovery",
	Finds: `A source trying many targets — ports on one host (vertical), one port across many hosts
(horizontal), or both — most of which never answer: from the internet, inside the estate, or an
instance sweeping public addresses (GuardDuty's outbound port sweep). A target is a distinct
(host, port); it fails when the attempt was rejected, or accepted but never answered (no
SYN-ACK where tcp-flags exist; no packets back where they do not). Targets are walked in the
order they were first tried, as in Threshold Random Walk (Jung et al., 2004): each failure
multiplies the odds of "scanner" by (1-θ1)/(1-θ0) = 4 and each success by θ1/θ0 = 1/4; the
source is a scanner once the odds reach detection/false-alarm (99 by default). A walk that
falls to the benign bound restarts, so a client that later starts scanning is still caught.`,
	Thresholds: `detectors.port-scan.min_targets (10): fewer distinct targets never make a finding;
detection_probability (0.99) and false_alarm_probability (0.01) set the walk's bounds.`,
	BlindSpots: `Slow scans spread over many sources; scans of ports that all answer; without tcp-flags a
closed port answering with RST counts as a success, so scans that only hit accepted-but-closed
ports are missed (rejected attempts still count). Internet scanners are many: they are
reported at low severity.`,
	run: portScans,
}

// contactsSQL groups the window's TCP and UDP pairs by source, target
// and port across hours — the contacts the walk steps through — once for
// both the scans and the crowd of internet sources they are judged
// against.
const contactsSQL = `SELECT ini, resp, port, min(first_seen) AS fs, max(last_seen) AS ls, bool_or(answered AND accepted) AS ok,
  sum(records) AS recs, sum(bytes_out) AS b, sum(packets_out) AS p, bool_or(ini_private) AS ini_private,
  bool_or(resp_private) AS resp_private, bool_or(resp_trusted) AS resp_trusted
FROM hunt_pairs WHERE in_win AND protocol IN (6, 17)
GROUP BY ini, resp, port`

const scanSQL = `WITH t AS (
  SELECT * FROM ` + contactsTable + ` WHERE NOT resp_trusted
), c AS (
  SELECT ini FROM t GROUP BY ini HAVING count(*) >= $1 AND count(*) FILTER (WHERE NOT ok) >= 4
), h AS (
  SELECT ini, arg_max(resp, n) AS top_host, max(n) AS top_host_ports
  FROM (SELECT ini, resp, count(*) AS n FROM t SEMI JOIN c USING (ini) GROUP BY ALL) GROUP BY ini
), q AS (
  SELECT ini, arg_max(port, n) AS top_port, max(n) AS top_port_hosts
  FROM (SELECT ini, port, count(*) AS n FROM t SEMI JOIN c USING (ini) GROUP BY ALL) GROUP BY ini
), act AS (
  SELECT ini, count(DISTINCT hr) AS hours FROM hunt_pairs SEMI JOIN c USING (ini) WHERE in_win AND protocol IN (6, 17) GROUP BY ini
)
SELECT t.ini, bool_or(t.ini_private), count(*) AS targets, count(*) FILTER (WHERE NOT ok) AS failed,
  count(DISTINCT resp), count(DISTINCT port), count(DISTINCT resp) FILTER (WHERE resp_private),
  list(NOT ok ORDER BY fs, resp, port), min(fs), max(ls), sum(recs)::BIGINT, sum(b)::BIGINT, sum(p)::BIGINT,
  any_value(h.top_host), any_value(h.top_host_ports), any_value(q.top_port), any_value(q.top_port_hosts),
  list(DISTINCT port ORDER BY port)[1:20], any_value(act.hours)
FROM t SEMI JOIN c USING (ini) JOIN h USING (ini) JOIN q USING (ini) JOIN act USING (ini)
GROUP BY t.ini ORDER BY t.ini`

const contactsTable = "hunt_contacts"

func portScans(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.PortScan
	if _, err := r.e.Materialize(ctx, contactsTable, contactsSQL); err != nil {
		return nil, err
	}
	defer r.e.DropTable(context.WithoutCancel(ctx), contactsTable)
	rows, err := r.query(ctx, scanSQL, p.MinTargets)
	if err != nil {
		return nil, err
	}
	up := math.Log(p.Detection / p.FalseAlarm)
	low := math.Log((1 - p.Detection) / (1 - p.FalseAlarm))
	var out []Finding
	for _, row := range rows {
		crossed, llr := walk(row[7], up, low)
		if crossed < 0 {
			continue
		}
		out = append(out, scanFinding(row, crossed, llr))
	}
	crowd, err := r.query(ctx, crowdSQL)
	if err != nil {
		return nil, err
	}
	return foldBackground(out, asInt(crowd[0][0]), asFloat(crowd[0][1]), asFloat(crowd[0][2])), nil
}

// crowdSQL measures the internet's background: how many sources failed
// at least once against the estate, and the median source's targets and
// targets per hour.
const crowdSQL = `WITH a AS (
  SELECT ini, count(DISTINCT hr) AS hours FROM hunt_pairs WHERE in_win AND protocol IN (6, 17) AND NOT ini_private GROUP BY ini
), s AS (
  SELECT ini, count(*) AS n, any_value(a.hours) AS hours
  FROM ` + contactsTable + ` JOIN a USING (ini) WHERE NOT ini_private GROUP BY ini HAVING count(*) FILTER (WHERE NOT ok) >= 1
)
SELECT count(*), coalesce(median(n), 0)::DOUBLE, coalesce(median(n / hours), 0)::DOUBLE FROM s`

// foldBackground keeps the internet scanners that stand out from the
// crowd of internet sources that failed against the estate — four times
// the median source's targets and four times its targets per hour — and
// folds the others into one informational finding. Every address on the
// internet is scanned all day; an analyst needs the scanner that
// hammered one host, not each of the hundreds that knocked. With fewer
// than five such sources there is no crowd, and each scan is reported.
func foldBackground(fs []Finding, crowd int64, medT, medR float64) []Finding {
	if crowd < 5 {
		return fs
	}
	var bg []Finding
	keep := fs[:0]
	for _, f := range fs {
		t, r := scanSize(&f)
		if f.Severity == Low && (t < 4*medT || r < 4*medR) {
			bg = append(bg, f)
			continue
		}
		keep = append(keep, f)
	}
	if len(bg) > 0 {
		keep = append(keep, background(bg))
	}
	return keep
}

// scanSize is a scan's targets and its targets per active hour.
func scanSize(f *Finding) (float64, float64) {
	t := float64(asInt(f.Details["targets"]))
	return t, t / math.Max(1, float64(asInt(f.Details["active_hours"])))
}

func background(bg []Finding) Finding {
	f := Finding{Severity: Info, Src: Endpoint{Count: int64(len(bg))}, FirstSeen: bg[0].FirstSeen, LastSeen: bg[0].LastSeen, Score: 10}
	ports := map[int]bool{}
	var srcs []string
	var hosts int64
	for _, b := range bg {
		f.FirstSeen, f.LastSeen = minTime(f.FirstSeen, b.FirstSeen), maxTime(f.LastSeen, b.LastSeen)
		f.Records += b.Records
		f.Bytes += b.Bytes
		f.Packets += b.Packets
		hosts = max(hosts, b.DistinctPeers)
		for _, p := range b.Ports {
			ports[p] = true
		}
		srcs = append(srcs, b.Src.Address)
	}
	f.Ports = slices.Sorted(maps.Keys(ports))
	f.DistinctPorts, f.DistinctPeers = int64(len(ports)), int64(len(srcs))
	f.Title = fmt.Sprintf("Background scanning: %d internet sources, none standing out", len(bg))
	f.Summary = fmt.Sprintf("%d internet addresses each tried at most %d hosts, none with four times the median scanner's targets and rate; their sources are in details.sources.", len(bg), hosts)
	f.Details = map[string]any{"sources": srcs}
	f.EvidenceSQL = evidence{from: f.FirstSeen.Unix(), to: f.LastSeen.Unix(), a: srcs[:min(len(srcs), 500)]}.sql()
	return f
}

// walk runs the sequential test over outcomes (true: the target failed)
// and returns the index of the target at which the odds crossed the
// upper bound, or -1, and the final log-likelihood ratio. θ0 = 0.8 is
// the chance that a benign source's first contact succeeds, θ1 = 0.2 a
// scanner's.
func walk(outcomes any, up, low float64) (int, float64) {
	const fail, succeed = 1.3862943611198906, -1.3862943611198906 // ln 4, ln 1/4
	l, _ := outcomes.([]any)
	s, crossed := 0.0, -1
	for i, o := range l {
		if asBool(o) {
			s += fail
		} else {
			s += succeed
		}
		if s <= low {
			s = 0 // benign so far; keep watching
		}
		if s >= up && crossed < 0 {
			crossed = i
		}
	}
	return crossed, s
}

func scanFinding(row []any, crossed int, llr float64) Finding {
	src, srcPrivate := asStr(row[0]), asBool(row[1])
	targets, failed, hosts, ports, privHosts := asInt(row[2]), asInt(row[3]), asInt(row[4]), asInt(row[5]), asInt(row[6])
	topHost, topHostPorts, topPort, topPortHosts := asStr(row[13]), asInt(row[14]), int(asInt(row[15])), asInt(row[16])
	f := Finding{
		FirstSeen: unixTime(row[8]), LastSeen: unixTime(row[9]),
		Src: Endpoint{Address: src}, Records: asInt(row[10]), Bytes: asInt(row[11]), Packets: asInt(row[12]),
		DistinctPeers: hosts, DistinctPorts: ports, Ports: asInts(row[17]),
		Score: math.Min(100, 50+50*float64(failed)/float64(targets)),
		Details: map[string]any{"targets": targets, "failed": failed, "crossed_at_target": crossed + 1,
			"log_likelihood_ratio": math.Round(llr*100) / 100, "top_host": topHost, "top_host_ports": topHostPorts,
			"top_port": topPort, "top_port_hosts": topPortHosts, "active_hours": asInt(row[18])},
	}
	ev := evidence{from: asInt(row[8]), to: asInt(row[9]), a: []string{src}}
	var shape []string
	vertical := topHostPorts >= int64(max(10, ports/2)) || hosts == 1
	horizontal := topPortHosts >= 10 || ports == 1
	if vertical {
		shape = append(shape, fmt.Sprintf("%d ports on %s", topHostPorts, topHost))
	}
	if horizontal {
		shape = append(shape, fmt.Sprintf("port %d on %d hosts", topPort, topPortHosts))
	}
	if !vertical && !horizontal {
		shape = append(shape, fmt.Sprintf("%d ports on %d hosts", ports, hosts))
	}
	switch {
	case vertical && hosts == 1:
		f.Dst = Endpoint{Address: topHost}
		ev.b = []string{topHost}
	case horizontal && ports == 1:
		f.Dst = Endpoint{Count: hosts}
		ev.ports = []int{topPort}
	default:
		f.Dst = Endpoint{Count: hosts}
	}
	kind := "Port scan"
	switch {
	case vertical && !horizontal:
		kind = "Vertical port scan"
	case horizontal && !vertical:
		kind = "Horizontal port scan"
	}
	switch {
	case !srcPrivate:
		f.Severity = Low
		f.Title = fmt.Sprintf("%s from the internet: %s", kind, src)
	case privHosts*2 < hosts:
		f.Severity = High
		f.Title = fmt.Sprintf("Outbound port sweep from %s across %s", src, plural(hosts-privHosts, "public address", "public addresses"))
	default:
		f.Severity = High
		f.Title = fmt.Sprintf("%s inside the estate from %s", kind, src)
	}
	f.Summary = fmt.Sprintf("%s tried %d targets (%s); %d never answered or were rejected. The random walk declared it a scanner at target %d.",
		src, targets, strings.Join(shape, "; "), failed, crossed+1)
	f.EvidenceSQL = ev.sql()
	return f
}
