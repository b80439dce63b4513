package hunt

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Coverage says what the evidence covers, so that silence is never
// mistaken for safety: which interfaces and hours are logged, where logs
// are missing or skipped, which fields each source has, and which
// detections are weakened or impossible for lack of a field.
type Coverage struct {
	Interfaces      int            `json:"interfaces"`
	Records         int64          `json:"records"`
	NoDataRecords   int64          `json:"nodata_records"`
	SkipDataRecords int64          `json:"skipdata_records"`
	GapInterfaces   int            `json:"interfaces_with_gaps"`
	Gaps            []Gap          `json:"gaps"` // the interfaces missing most hours, at most maxGaps
	Formats         []SourceFormat `json:"formats"`
	Limits          []Limit        `json:"limits"`
}

// Gap is an interface whose logs stop and resume: hours inside its
// logged span with no record at all (an idle interface still logs
// NODATA), or with records skipped (SKIPDATA).
type Gap struct {
	Interface     string    `json:"interface"`
	MissingHours  int       `json:"missing_hours"`
	SkipDataHours int       `json:"skipdata_hours"`
	FirstMissing  time.Time `json:"first_missing,omitzero"`
	LoggedHours   int       `json:"logged_hours"`
}

// SourceFormat is what the records of one account and VPC carry.
type SourceFormat struct {
	Account       string  `json:"account"`
	VPC           string  `json:"vpc,omitempty"`
	Versions      []int   `json:"versions"`
	Records       int64   `json:"records"`
	TCPFlags      float64 `json:"tcp_flags"` // share of records with the field
	Bytes         float64 `json:"bytes"`
	PacketAddress float64 `json:"pkt_addresses"`
	FlowDirection float64 `json:"flow_direction"`
}

// Limit is a detection that is weakened or cannot run, and why.
type Limit struct {
	Detector string `json:"detector"`
	Reason   string `json:"reason"`
}

const maxGaps = 20

const coverageSQL = `WITH h AS (
  SELECT interface_id, start - start % 3600 AS hr, count(*) AS n,
    count(*) FILTER (WHERE log_status = 'NODATA') AS nd, count(*) FILTER (WHERE log_status = 'SKIPDATA') AS sd
  FROM flows WHERE start >= $1 AND start < $2 AND interface_id IS NOT NULL GROUP BY ALL
)
SELECT interface_id, count(*), sum(n)::BIGINT, sum(nd)::BIGINT, sum(sd)::BIGINT, count(*) FILTER (WHERE sd > 0),
  min(hr), max(hr), list(hr ORDER BY hr)
FROM h GROUP BY interface_id`

const formatsSQL = `SELECT coalesce(account_id, aws_account_id, ''), coalesce(vpc_id, ''), list(DISTINCT version ORDER BY version), count(*),
  count(tcp_flags), count(bytes), count(pkt_srcaddr), count(flow_direction)
FROM flows WHERE start >= $1 AND start < $2 AND coalesce(log_status, 'OK') NOT IN ('NODATA', 'SKIPDATA')
GROUP BY ALL ORDER BY 1, 2`

func (r *run) coverage(ctx context.Context) (*Coverage, error) {
	c := &Coverage{Gaps: []Gap{}, Formats: []SourceFormat{}, Limits: []Limit{}}
	rows, err := r.query(ctx, coverageSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, fmt.Errorf("cannot measure coverage: %w", err)
	}
	var gaps []Gap
	for _, row := range rows {
		c.Interfaces++
		c.Records += asInt(row[2])
		c.NoDataRecords += asInt(row[3])
		c.SkipDataRecords += asInt(row[4])
		g := gapOf(row)
		if g.MissingHours > 0 || g.SkipDataHours > 0 {
			gaps = append(gaps, g)
		}
	}
	c.GapInterfaces = len(gaps)
	slices.SortFunc(gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.MissingHours+b.SkipDataHours, a.MissingHours+a.SkipDataHours), cmp.Compare(a.Interface, b.Interface))
	})
	c.Gaps = append(c.Gaps, gaps[:min(len(gaps), maxGaps)]...)
	if c.Formats, err = r.formats(ctx); err != nil {
		return nil, err
	}
	c.Limits = r.limits(c)
	return c, nil
}

func gapOf(row []any) Gap {
	hours := asInts(row[8])
	g := Gap{Interface: asStr(row[0]), LoggedHours: int(asInt(row[1])), SkipDataHours: int(asInt(row[5]))}
	for i := 1; i < len(hours); i++ {
		if missing := (hours[i] - hours[i-1]) / 3600; missing > 1 {
			if g.MissingHours == 0 {
				g.FirstMissing = time.Unix(int64(hours[i-1]+3600), 0).UTC()
			}
			g.MissingHours += missing - 1
		}
	}
	return g
}

func (r *run) formats(ctx context.Context) ([]SourceFormat, error) {
	rows, err := r.query(ctx, formatsSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, fmt.Errorf("cannot read the sources' formats: %w", err)
	}
	out := []SourceFormat{}
	for _, row := range rows {
		n := float64(max(1, asInt(row[3])))
		share := func(v any) float64 { return round2(float64(asInt(v)) / n) }
		out = append(out, SourceFormat{Account: asStr(row[0]), VPC: asStr(row[1]), Versions: asInts(row[2]), Records: asInt(row[3]),
			TCPFlags: share(row[4]), Bytes: share(row[5]), PacketAddress: share(row[6]), FlowDirection: share(row[7])})
	}
	return out, nil
}

// limits lists the detections the evidence weakens.
func (r *run) limits(c *Coverage) []Limit {
	var noFlags, noBytes, noPkt int64
	var total int64
	for _, f := range c.Formats {
		total += f.Records
		noFlags += int64(float64(f.Records) * (1 - f.TCPFlags))
		noBytes += int64(float64(f.Records) * (1 - f.Bytes))
		noPkt += int64(float64(f.Records) * (1 - f.PacketAddress))
	}
	pct := func(n int64) float64 { return 100 * float64(n) / float64(max(1, total)) }
	var out []Limit
	if noFlags > 0 {
		out = append(out, Limit{"port-scan", fmt.Sprintf("%.0f%% of records have no tcp-flags (format v2 or a custom format without it): attempts that were accepted but never answered are judged by packets back, and a closed port's RST counts as an answer", pct(noFlags))})
		out = append(out, Limit{"conversations", fmt.Sprintf("%.0f%% of records have no tcp-flags: the initiator is inferred from ports, with less confidence", pct(noFlags))})
	}
	if noBytes > 0 {
		out = append(out, Limit{"exfiltration", fmt.Sprintf("%.0f%% of records carry no bytes: volume detections (exfiltration, outbound-dos, crypto-mining) cannot see them", pct(noBytes))})
	}
	if noPkt > 0 && total > 0 {
		out = append(out, Limit{"all", fmt.Sprintf("%.0f%% of records have no pkt-srcaddr/pkt-dstaddr: traffic through a NAT gateway or load balancer shows the gateway's address, not the instance behind it", pct(noPkt))})
	}
	if r.base.empty() {
		out = append(out, Limit{"baseline", "no baseline period: lateral-movement, exfiltration, spam-bot and unusual-traffic did not run"})
	}
	if len(r.inv.byIP) == 0 {
		out = append(out, Limit{"lateral-movement", "no CloudTrail or describe-* snapshots in the lake: workloads are unknown, so new edges between workloads are not judged and beaconing series break when instances are replaced"})
	}
	if !r.hasTGW {
		out = append(out, Limit{"lateral-movement", "no transit gateway flow logs: on-premises sources are not seen"})
	}
	if c.SkipDataRecords > 0 {
		out = append(out, Limit{"all", fmt.Sprintf("%d SKIPDATA records: AWS skipped records in those intervals, so counts there are low", c.SkipDataRecords)})
	}
	return out
}
