package hunt

import (
	"context"
	"fmt"
	"math"

	"github.com/flowtrail/flowtrail/internal/engine"
)

var bruteForceDetector = &Detector{
	Name: "brute-force", MITRE: "T1110", MITREName: "Brute Force",
	Finds: `Many short, small sessions from one source to an authentication service — SSH, RDP, VNC,
FTP, telnet, SMB, WinRM and databases (auth_ports) — accepted or rejected: password guessing
against one host, or spraying across many. Attempts the security group rejected are reported at
lower severity: they never reached a login prompt, but show intent. A session is a distinct client port in an hour.
Traffic that the baseline shows at a similar rate in both periods (monitoring that logs in
every few minutes) is routine and not reported.`,
	Thresholds: `detectors.brute-force.min_sessions (30) in the period, and five per host on average (one or two
tries per host across many hosts is a scan); min_sessions_per_target_hour (20) at the busiest
host-hour — five times that when nothing answered, since an application retrying a blocked
connection looks the same; max_packets_per_session (60) from the client on average.`,
	BlindSpots: `Low-and-slow guessing under the hourly rate; attempts multiplexed in one long session
(one SSH connection trying many passwords counts as one session); whether a login succeeded
is not in flow logs.`,
	run: bruteForce,
}

func bruteForceSQL(ports []int) string {
	return `WITH w AS (
  SELECT ini, port, count(DISTINCT resp) AS hosts, sum(sessions)::BIGINT AS sessions, sum(records)::BIGINT AS recs,
    sum(bytes_out)::BIGINT AS b, sum(packets_out)::BIGINT AS p, max(sessions) AS peak,
    bool_or(answered AND accepted) AS reached, min(first_seen) AS fs, max(last_seen) AS ls,
    bool_or(ini_private) AS ini_private, arg_max(resp, sessions) AS top,
    sum(sessions) FILTER (WHERE in_win AND NOT in_base) AS new_sessions, count(DISTINCT hr) FILTER (WHERE NOT in_base) AS new_hours
  FROM hunt_pairs WHERE in_win AND protocol = 6 AND port IN ` + inList(ports) + ` AND NOT resp_trusted
  GROUP BY ini, port
), b AS (
  SELECT ini, port, sum(sessions)::BIGINT AS sessions, count(DISTINCT hr) AS hours
  FROM hunt_pairs WHERE in_base AND protocol = 6 AND port IN ` + inList(ports) + ` GROUP BY ini, port
)
SELECT w.ini, w.port, w.hosts, w.sessions, w.recs, w.b, w.p, w.peak, w.reached, w.fs, w.ls, w.ini_private, w.top,
  coalesce(w.new_sessions, 0), w.new_hours, coalesce(b.sessions, 0), coalesce(b.hours, 0)
FROM w LEFT JOIN b USING (ini, port)
WHERE w.sessions >= $1 AND w.p <= $3 * w.sessions AND w.sessions >= 5 * w.hosts
  AND w.peak >= CASE WHEN w.reached THEN $2 ELSE 5 * $2 END`
}

func bruteForce(ctx context.Context, r *run) ([]Finding, error) {
	p := r.cfg.Detectors.BruteForce
	rows, err := r.query(ctx, bruteForceSQL(r.cfg.AuthPorts), p.MinSessions, p.MinPerTargetHour, p.MaxPacketsPerLogin)
	if err != nil {
		return nil, err
	}
	if rows, err = r.recount(ctx, rows); err != nil {
		return nil, err
	}
	var out []Finding
	for _, row := range rows {
		newSessions, newHours, baseSessions, baseHours := asInt(row[13]), asInt(row[14]), asInt(row[15]), asInt(row[16])
		sessions, peak, packets, hosts := asInt(row[3]), asInt(row[7]), asInt(row[6]), asInt(row[2])
		floor := p.MinPerTargetHour
		if !asBool(row[8]) {
			floor *= 5
		}
		if sessions < p.MinSessions || sessions < 5*hosts || peak < floor || float64(packets) > p.MaxPacketsPerLogin*float64(sessions) ||
			routine(newSessions, newHours, baseSessions, baseHours) {
			continue
		}
		out = append(out, bruteFinding(row))
	}
	return out, nil
}

const bruteTable = "hunt_brute"

// recountSQL counts each candidate's connections on the records: distinct
// client ports per target and hour, the busiest target-hour, and the
// packets the client sent. The summary's session counts are the client's
// records where tcp-flags are missing, which a long session inflates.
const recountSQL = `WITH x AS (
  SELECT c.key, f.dstaddr, f.start - f.start % 3600 AS hr, count(DISTINCT f.srcport) AS n, sum(coalesce(f.packets, 0)) AS p
  FROM flows f JOIN ` + bruteTable + ` c ON f.srcaddr = c.ini AND f.dstport = c.port AND f.protocol = 6
  WHERE f.start >= $1 AND f.start < $2
  GROUP BY ALL
)
SELECT key, sum(n)::BIGINT, max(n), sum(p)::BIGINT FROM x GROUP BY key`

// recount replaces the candidates' sessions, busiest target-hour and
// packets (columns 3, 7 and 6) with counts from the records. Packets are
// halved where both ends logged the client's packets; the ratio test
// tolerates that.
func (r *run) recount(ctx context.Context, rows [][]any) ([][]any, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	load := func(yield func([]any) bool) {
		for k, row := range rows {
			if !yield([]any{int64(k), asStr(row[0]), asInt(row[1])}) {
				return
			}
		}
	}
	cols := []engine.ColumnDef{{Name: "key", Type: "BIGINT"}, {Name: "ini", Type: "VARCHAR"}, {Name: "port", Type: "BIGINT"}}
	if _, err := r.e.LoadTable(ctx, bruteTable, cols, load); err != nil {
		return nil, err
	}
	defer r.e.DropTable(context.WithoutCancel(ctx), bruteTable)
	counts, err := r.query(ctx, recountSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, err
	}
	out := make([][]any, 0, len(counts))
	for _, c := range counts {
		row := rows[asInt(c[0])]
		row[3], row[7], row[6] = asInt(c[1]), asInt(c[2]), asInt(c[3])
		out = append(out, row)
	}
	return out, nil
}

// routine says whether activity runs at a similar rate in the baseline
// and after it: at least two hours in each, and the baseline's hourly
// rate at least half the new one.
func routine(newN, newHours, baseN, baseHours int64) bool {
	if newHours < 2 || baseHours < 2 {
		return false
	}
	return float64(baseN)/float64(baseHours) >= 0.5*float64(newN)/float64(newHours)
}

func bruteFinding(row []any) Finding {
	src, port, hosts, sessions := asStr(row[0]), int(asInt(row[1])), asInt(row[2]), asInt(row[3])
	reached, srcPrivate, top := asBool(row[8]), asBool(row[11]), asStr(row[12])
	f := Finding{
		FirstSeen: unixTime(row[9]), LastSeen: unixTime(row[10]), Src: Endpoint{Address: src},
		Ports: []int{port}, Protocol: "tcp", Records: asInt(row[4]), Bytes: asInt(row[5]), Packets: asInt(row[6]),
		DistinctPeers: hosts, DistinctPorts: 1,
		Score:   math.Min(100, 40+20*math.Log10(float64(sessions))),
		Details: map[string]any{"sessions": sessions, "peak_sessions_per_host_hour": asInt(row[7]), "answered": reached},
	}
	ev := evidence{from: asInt(row[9]), to: asInt(row[10]), a: []string{src}, ports: []int{port}, proto: 6}
	target := fmt.Sprintf("%d hosts", hosts)
	if hosts == 1 {
		f.Dst = Endpoint{Address: top}
		ev.b = []string{top}
		target = top
	} else {
		f.Dst = Endpoint{Count: hosts}
	}
	svc := serviceName(port)
	switch {
	case !reached && srcPrivate:
		f.Severity = Medium
		f.Title = fmt.Sprintf("Blocked %s brute force inside the estate: %s against %s", svc, src, target)
	case !reached:
		f.Severity = Low
		f.Title = fmt.Sprintf("Blocked %s brute force from the internet: %s against %s", svc, src, target)
	case srcPrivate:
		f.Severity = Critical
		f.Title = fmt.Sprintf("%s brute force inside the estate: %s against %s", svc, src, target)
	default:
		f.Severity = High
		f.Title = fmt.Sprintf("%s brute force from the internet: %s against %s", svc, src, target)
	}
	f.Summary = fmt.Sprintf("%d short sessions to %s (port %d) on %s, up to %d in one host-hour; the service answered: %v.",
		sessions, svc, port, target, asInt(row[7]), reached)
	f.EvidenceSQL = ev.sql()
	return f
}

var serviceNames = map[int]string{21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 135: "RPC", 139: "NetBIOS", 445: "SMB",
	1433: "MSSQL", 1521: "Oracle", 3306: "MySQL", 3389: "RDP", 5432: "PostgreSQL", 5900: "VNC", 5985: "WinRM", 5986: "WinRM",
	6379: "Redis", 9200: "Elasticsearch", 27017: "MongoDB"}

func serviceName(port int) string {
	if s, ok := serviceNames[port]; ok {
		return s
	}
	return fmt.Sprintf("port %d", port)
}
