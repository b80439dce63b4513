package hunt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/ioc"
)

var iocDetector = &Detector{
	Name: "ioc", MITRE: "T1071", MITREName: "Application Layer Protocol",
	Finds: `Traffic to or from any address or CIDR in the --ioc lists (plain, CSV with a comment column,
STIX 2.1), with its direction as the AWS playbook defines it: OUTBOUND when the indicator is the
destination, INBOUND when it is the source. One finding per local address, remote address and
indicator; its direction is the initiator's (the side whose destination port is the service's),
and the directions seen are listed (a request and its reply are one of each).`,
	Thresholds: `none: every match is reported. Accepted outbound traffic is high severity, accepted inbound
medium, rejected traffic low.`,
	BlindSpots: `Indicators by domain name or URL (flow logs carry addresses only); traffic through a NAT
gateway or proxy appears with the gateway's address as the local end.`,
	needsIndicators: true,
	run:             indicatorMatches,
}

// iocKey is one conversation with a listed address: both directions of
// it (a request and its reply are INBOUND and OUTBOUND records) make one
// finding, whose direction is the initiator's: the direction whose
// destination port is the service's (the lower one), as the
// conversations view decides without tcp-flags.
type iocKey struct{ local, remote, indicator string }

type iocAgg struct {
	dir                  string
	dirs                 []string
	svcPort              int // the lowest destination port seen, whose direction is dir
	recs, packets, bytes int64
	first, last          time.Time
	ports                map[string][]int // destination ports, by direction
	accepted             bool
	comment              string
}

func indicatorMatches(ctx context.Context, r *run) ([]Finding, error) {
	w := ioc.Window{}
	if r.win.from != openFrom {
		w.Since = time.Unix(r.win.from, 0)
	}
	if r.win.to != openTo {
		w.Until = time.Unix(r.win.to, 0)
	}
	res, err := ioc.Match(ctx, r.e, r.opt.Indicators, w)
	if err != nil {
		return nil, err
	}
	aggs := map[iocKey]*iocAgg{}
	var order []iocKey
	for _, row := range res.Rows {
		dir := asStr(row[0])
		k := iocKey{asStr(row[1]), asStr(row[3]), asStr(row[13])}
		a := aggs[k]
		if a == nil {
			a = &iocAgg{dir: dir, svcPort: 1 << 20, first: asTime(row[11]), last: asTime(row[12]), comment: asStr(row[14]), ports: map[string][]int{}}
			aggs[k] = a
			order = append(order, k)
		}
		if p := iocDstPort(dir, row); p < a.svcPort {
			a.dir, a.svcPort = dir, p
		}
		if !slices.Contains(a.dirs, dir) {
			a.dirs = append(a.dirs, dir)
		}
		a.recs += asInt(row[8])
		a.packets += asInt(row[9])
		a.bytes += asInt(row[10])
		a.first, a.last = minTime(a.first, asTime(row[11])), maxTime(a.last, asTime(row[12]))
		a.accepted = a.accepted || asStr(row[6]) == "ACCEPT"
		if dir == "OUTBOUND" {
			a.ports[dir] = appendUnique(a.ports[dir], int(asInt(row[4])))
		} else {
			for _, p := range strings.Split(asStr(row[2]), ",") {
				if n, err := strconv.Atoi(p); err == nil {
					a.ports[dir] = appendUnique(a.ports[dir], n)
				}
			}
		}
	}
	var out []Finding
	for _, k := range order {
		out = append(out, iocFinding(k, aggs[k]))
	}
	return out, nil
}

func iocFinding(k iocKey, a *iocAgg) Finding {
	// The initiator's destination ports are the services; the other
	// direction's are the client's ephemeral ports.
	ports := slices.Sorted(slices.Values(a.ports[a.dir]))
	f := Finding{
		FirstSeen: a.first, LastSeen: a.last, Ports: ports, Records: a.recs, Bytes: a.bytes, Packets: a.packets,
		DistinctPeers: 1, DistinctPorts: int64(len(ports)), Score: 90,
		Details: map[string]any{"direction": a.dir, "directions_seen": a.dirs, "indicator": k.indicator, "comment": a.comment, "accepted": a.accepted},
	}
	local, remote := Endpoint{Address: k.local}, Endpoint{Address: k.remote}
	if a.dir == "OUTBOUND" {
		f.Src, f.Dst = local, remote
		f.Severity = High
		f.Title = fmt.Sprintf("%s contacted indicator %s", k.local, k.remote)
	} else {
		f.Src, f.Dst = remote, local
		f.Severity = Medium
		f.Title = fmt.Sprintf("Indicator %s reached %s", k.remote, k.local)
	}
	if !a.accepted {
		f.Severity, f.Score = Low, 50
		f.Title += " (rejected)"
	}
	note := ""
	if a.comment != "" {
		note = " — " + a.comment
	}
	f.Summary = fmt.Sprintf("%s traffic between %s and %s (first records %s), which matches indicator %s%s.",
		strings.Join(a.dirs, " and "), k.local, k.remote, a.dir, k.indicator, note)
	f.EvidenceSQL = evidence{from: a.first.Unix(), to: a.last.Unix(), a: []string{k.local}, b: []string{k.remote}}.sql()
	return f
}

// iocDstPort is a match row's destination port: the remote's for
// OUTBOUND, the lowest local one for INBOUND.
func iocDstPort(dir string, row []any) int {
	if dir == "OUTBOUND" {
		return int(asInt(row[4]))
	}
	lowest := 1 << 20
	for _, p := range strings.Split(asStr(row[2]), ",") {
		if n, err := strconv.Atoi(p); err == nil {
			lowest = min(lowest, n)
		}
	}
	return lowest
}

func appendUnique(xs []int, x int) []int {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
