package hunt

import (
	"context"
	"fmt"
	"strings"
	"time"
)

var thresholdDetector = &Detector{
	Name: "threshold",
	Finds: `The config's rules: a metric (bytes, packets or records) over the records matching a rule's
filters, per source, destination or interface and per fixed window, at or over a minimum —
the CloudWatch alarms of AWS's incident-response playbook (bytes out of a NAT gateway's
interface ≥ 5,000,000 in 15 minutes; rejected flows per source per minute), applied to
history. Consecutive windows over the minimum make one finding.`,
	Thresholds: `each rule's min and window (rules: in the config).`,
	BlindSpots: `Only what the rules say; windows are aligned to the epoch, so a burst split across two
windows may stay under the minimum in both.`,
	needsRules: true,
	run:        thresholdRules,
}

func thresholdRules(ctx context.Context, r *run) ([]Finding, error) {
	var out []Finding
	for _, rule := range r.cfg.Rules {
		q, args := rule.sql(r.win)
		rows, err := r.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", rule.Name, err)
		}
		out = append(out, rule.findings(rows)...)
	}
	return out, nil
}

// sql renders the rule with its values bound; column names come from the
// validated enumerations, numbers are ints.
func (rule Rule) sql(win span) (string, []any) {
	args := []any{win.from, win.to}
	bind := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"start >= $1", "start < $2"}
	if len(rule.Interface) > 0 {
		var ids []string
		for _, id := range rule.Interface {
			ids = append(ids, bind(id))
		}
		where = append(where, "interface_id IN ("+strings.Join(ids, ", ")+")")
	}
	for _, c := range []struct {
		col   string
		cidrs []string
	}{{"srcaddr", rule.SrcCIDRs}, {"dstaddr", rule.DstCIDRs}} {
		if len(c.cidrs) == 0 {
			continue
		}
		var ors []string
		for _, cidr := range c.cidrs {
			ors = append(ors, fmt.Sprintf("ip_in_cidr(%s, %s)", c.col, bind(cidr)))
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if len(rule.DstPorts) > 0 {
		where = append(where, "dstport IN "+inList(rule.DstPorts))
	}
	if rule.Protocol > 0 {
		where = append(where, fmt.Sprintf("protocol = %d", rule.Protocol))
	}
	if rule.Action != "" {
		where = append(where, "action = "+bind(rule.Action))
	}
	metric := map[string]string{"bytes": "sum(bytes)", "packets": "sum(packets)", "records": "count(*)"}[rule.Metric]
	key := "'all records'"
	if rule.Per != "" {
		key = rule.Per
	}
	w := int64(time.Duration(rule.Window) / time.Second)
	q := fmt.Sprintf(`SELECT %s AS k, start - start %% %d AS w, %s::BIGINT AS m, count(*), sum(bytes)::BIGINT, sum(packets)::BIGINT, min(start), max("end")
FROM flows WHERE %s GROUP BY ALL HAVING %s >= %s ORDER BY k, w`, key, w, metric, strings.Join(where, " AND "), metric, bind(rule.Min))
	return q, args
}

// findings merges consecutive windows of one key.
func (rule Rule) findings(rows [][]any) []Finding {
	w := int64(time.Duration(rule.Window) / time.Second)
	var out []Finding
	var last *Finding
	var lastW int64
	for _, row := range rows {
		k, win, m := asStr(row[0]), asInt(row[1]), asInt(row[2])
		if last != nil && last.Details["key"] == k && win == lastW+w {
			last.LastSeen = unixTime(row[7])
			last.Records += asInt(row[3])
			last.Bytes += asInt(row[4])
			last.Packets += asInt(row[5])
			last.Details["windows"] = last.Details["windows"].(int) + 1
			last.Details["peak"] = max(last.Details["peak"].(int64), m)
			lastW = win
			continue
		}
		out = append(out, Finding{
			Severity: rule.severity, MITRE: rule.MITRE, Title: fmt.Sprintf("Rule %s: %s %s", rule.Name, rule.Per, k),
			FirstSeen: unixTime(row[6]), LastSeen: unixTime(row[7]), Records: asInt(row[3]), Bytes: asInt(row[4]), Packets: asInt(row[5]),
			Score:   100,
			Details: map[string]any{"rule": rule.Name, "key": k, "metric": rule.Metric, "min": rule.Min, "peak": m, "windows": 1},
		})
		last, lastW = &out[len(out)-1], win
		switch rule.Per {
		case "srcaddr":
			last.Src.Address = k
		case "dstaddr":
			last.Dst.Address = k
		case "interface_id":
			last.Src.Interface = k
		}
	}
	for i := range out {
		f := &out[i]
		f.Summary = fmt.Sprintf("%s reached %d (minimum %d) in %d consecutive %s windows.", rule.Metric, f.Details["peak"], rule.Min,
			f.Details["windows"], time.Duration(rule.Window))
		q, args := rule.sql(span{f.FirstSeen.Unix(), f.LastSeen.Unix() + 1})
		f.EvidenceSQL = evidenceOfRule(q, args, rule.Per, asStr(f.Details["key"]))
	}
	return out
}

// evidenceOfRule turns the rule's query into one that lists the records
// of one key, with the bound values written in as literals.
func evidenceOfRule(q string, args []any, per, key string) string {
	where := q[strings.Index(q, "WHERE ")+6 : strings.Index(q, " GROUP BY")]
	for i := len(args); i >= 1; i-- {
		where = strings.ReplaceAll(where, fmt.Sprintf("$%d", i), literal(args[i-1]))
	}
	if per != "" {
		where += " AND " + per + " = " + literal(key)
	}
	return "SELECT * FROM flows WHERE " + where + evidenceOrder
}

func literal(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	default:
		return fmt.Sprint(x)
	}
}
