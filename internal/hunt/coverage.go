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

// coverageSQL reads the window once for both halves of the coverage:
// records per interface and hour (gaps), and per account, VPC and log
// format version (which fields the sources carry). The format counts
// leave NODATA and SKIPDATA records out: they carry no fields.
const coverageSQL = `SELECT grouping(interface_id, hr), interface_id, hr, acct, vpc, version, count(*),
  count(*) FILTER (WHERE log_status = 'NODATA'), count(*) FILTER (WHERE log_status = 'SKIPDATA'),
  count(*) FILTER (WHERE ok), count(tcp_flags) FILTER (WHERE ok), count(bytes) FILTER (WHERE ok),
  count(pkt_srcaddr) FILTER (WHERE ok), count(flow_direction) FILTER (WHERE ok)
FROM (SELECT interface_id, start - start % 3600 AS hr, coalesce(account_id, aws_account_id, '') AS acct, coalesce(vpc_id, '') AS vpc,
    version, log_status, coalesce(log_status, 'OK') NOT IN ('NODATA', 'SKIPDATA') AS ok, tcp_flags, bytes, pkt_srcaddr, flow_direction
  FROM flows WHERE start >= $1 AND start < $2)
GROUP BY GROUPING SETS ((interface_id, hr), (acct, vpc, version))`

// logged is what coverageSQL saw of one interface.
type logged struct {
	hours           []int
	records, nd, sd int64
	sdHours         int
}

func (r *run) measureCoverage(ctx context.Context) (*Coverage, error) {
	c := &Coverage{Gaps: []Gap{}, Formats: []SourceFormat{}, Limits: []Limit{}}
	rows, err := r.query(ctx, coverageSQL, r.win.from, r.win.to)
	if err != nil {
		return nil, fmt.Errorf("cannot measure coverage: %w", err)
	}
	ifaces := map[string]*logged{}
	sources := map[[2]string]*source{}
	for _, row := range rows {
		if asInt(row[0]) != 0 {
			addFormat(sources, row)
			continue
		}
		if row[1] == nil {
			continue // records no interface logged (a custom format without interface-id)
		}
		id := asStr(row[1])
		l := ifaces[id]
		if l == nil {
			l = &logged{}
			ifaces[id] = l
		}
		l.hours = append(l.hours, int(asInt(row[2])))
		l.records += asInt(row[6])
		l.nd += asInt(row[7])
		l.sd += asInt(row[8])
		if asInt(row[8]) > 0 {
			l.sdHours++
		}
	}
	var gaps []Gap
	for id, l := range ifaces {
		c.Interfaces++
		c.Records += l.records
		c.NoDataRecords += l.nd
		c.SkipDataRecords += l.sd
		if g := gapOf(id, l); g.MissingHours > 0 || g.SkipDataHours > 0 {
			gaps = append(gaps, g)
		}
	}
	c.GapInterfaces = len(gaps)
	slices.SortFunc(gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.MissingHours+b.SkipDataHours, a.MissingHours+a.SkipDataHours), cmp.Compare(a.Interface, b.Interface))
	})
	c.Gaps = append(c.Gaps, gaps[:min(len(gaps), maxGaps)]...)
	c.Formats = formatsOf(sources)
	c.Limits = r.limits(c)
	return c, nil
}

func gapOf(id string, l *logged) Gap {
	slices.Sort(l.hours)
	g := Gap{Interface: id, LoggedHours: len(l.hours), SkipDataHours: l.sdHours}
	for i := 1; i < len(l.hours); i++ {
		if missing := (l.hours[i] - l.hours[i-1]) / 3600; missing > 1 {
			if g.MissingHours == 0 {
				g.FirstMissing = time.Unix(int64(l.hours[i-1]+3600), 0).UTC()
			}
			g.MissingHours += missing - 1
		}
	}
	return g
}

// source is one source's format as coverageSQL rows add up: its
// records with fields, and how many of those carry each field.
type source struct {
	SourceFormat
	with [4]int64 // tcp-flags, bytes, pkt-srcaddr, flow-direction
}

// addFormat folds one (account, VPC, version) row of coverageSQL into
// its source.
func addFormat(sources map[[2]string]*source, row []any) {
	withFields := asInt(row[9])
	if withFields == 0 {
		return // only NODATA or SKIPDATA: says nothing of the format
	}
	k := [2]string{asStr(row[3]), asStr(row[4])}
	s := sources[k]
	if s == nil {
		s = &source{SourceFormat: SourceFormat{Account: k[0], VPC: k[1], Versions: []int{}}}
		sources[k] = s
	}
	if row[5] != nil {
		s.Versions = append(s.Versions, int(asInt(row[5])))
	}
	s.Records += withFields
	for i := range s.with {
		s.with[i] += asInt(row[10+i])
	}
}

// formatsOf returns the sources' formats by account and VPC, with the
// share of records carrying each field.
func formatsOf(sources map[[2]string]*source) []SourceFormat {
	out := []SourceFormat{}
	for _, s := range sources {
		share := func(v int64) float64 { return round2(float64(v) / float64(max(1, s.Records))) }
		f := s.SourceFormat
		f.TCPFlags, f.Bytes, f.PacketAddress, f.FlowDirection = share(s.with[0]), share(s.with[1]), share(s.with[2]), share(s.with[3])
		slices.Sort(f.Versions)
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b SourceFormat) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.VPC, b.VPC))
	})
	return out
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
