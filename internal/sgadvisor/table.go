package sgadvisor

import (
	"fmt"
	"io"
	"strings"

	"github.com/flowtrail/flowtrail/internal/render"
)

// writeTables prints each report as headed tables: the rules, what
// supports none, and the diff.
func writeTables(w io.Writer, reps []*Report) error {
	for i, rep := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := writeTable(w, rep); err != nil {
			return err
		}
	}
	return nil
}

type section struct {
	title string
	cols  []string
	rows  [][]any
}

func writeTable(w io.Writer, rep *Report) error {
	fmt.Fprintf(w, "== %s (%s %s): %d interfaces, groups %s; exports write to %s\n\n", rep.Workload, rep.Subject.Kind,
		cmpOr(rep.Subject.ID, rep.Workload), len(rep.Interfaces), groupList(rep.Groups), cmpOr(rep.TargetGroup, "(no group every interface held)"))
	ruleCols := []string{"protocol", "ports", "%s", "peer_workloads", "conversations", "bytes", "first_seen", "last_seen", "confidence"}
	seenCols := []string{"direction", "protocol", "port", "peers", "conversations", "first_seen", "last_seen", "reason"}
	sections := []section{
		{fmt.Sprintf("Ingress (%d rules)", len(rep.Ingress)), withPeerCol(ruleCols, "sources"), ruleRows(rep.Ingress)},
		{fmt.Sprintf("Egress (%d rules)", len(rep.Egress)), withPeerCol(ruleCols, "destinations"), ruleRows(rep.Egress)},
		{fmt.Sprintf("Exposure: admitted, never answered (%d)", len(rep.Exposure)), seenCols, seenRows(rep.Exposure)},
		{fmt.Sprintf("Seen but not recommended (%d)", len(rep.NotRecommended)), seenCols, seenRows(rep.NotRecommended)},
		{fmt.Sprintf("Diff with the current rules: keep %d, add %d, remove %d, narrow %d", len(rep.Diff.Keep), len(rep.Diff.Add), len(rep.Diff.Remove), len(rep.Diff.Narrow)),
			[]string{"action", "direction", "group", "rule", "protocol", "ports", "peer", "becomes / why"}, diffRows(rep.Diff)},
	}
	for _, s := range sections {
		fmt.Fprintln(w, s.title)
		if len(s.rows) == 0 {
			fmt.Fprintln(w, "  none")
		} else if err := render.Rows(w, "table", s.cols, s.rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	for _, d := range rep.Discounted {
		if d.Conversations > 0 {
			fmt.Fprintf(w, "no rule needed: %s (%d conversations): %s\n", d.What, d.Conversations, d.Why)
		}
	}
	return nil
}

func withPeerCol(cols []string, name string) []string {
	out := append([]string{}, cols...)
	out[2] = name
	return out
}

func ruleRows(rs []Rule) [][]any {
	var out [][]any
	for _, r := range rs {
		out = append(out, []any{r.Protocol, portText(r.FromPort, r.ToPort), strings.Join(r.PeersOf(), " "), strings.Join(r.PeerWorkloads, " "),
			r.Conversations, r.Bytes, r.FirstSeen, r.LastSeen, r.Confidence + " (" + r.Basis + ")"})
	}
	return out
}

func seenRows(ss []Seen) [][]any {
	var out [][]any
	for _, s := range ss {
		peers := strings.Join(s.Peers, " ")
		if s.PeerCount > len(s.Peers) {
			peers += fmt.Sprintf(" … (%d)", s.PeerCount)
		}
		out = append(out, []any{s.Direction, s.Protocol, s.Port, peers, s.Conversations, s.FirstSeen, s.LastSeen, s.Reason})
	}
	return out
}

func diffRows(d Diff) [][]any {
	var out [][]any
	add := func(action string, rs []DiffRule) {
		for _, r := range rs {
			why := r.Reason
			if len(r.To) > 0 {
				var to []string
				for _, p := range r.To {
					to = append(to, fmt.Sprintf("%s %s %s", p.Protocol, portText(p.FromPort, p.ToPort), p.Peer))
				}
				why = strings.Join(to, "; ")
			}
			if len(r.SharedWith) > 0 {
				why += " (group shared with " + strings.Join(r.SharedWith, ", ") + ")"
			}
			out = append(out, []any{action, r.Direction, r.GroupID, r.RuleID, r.Protocol, portText(r.FromPort, r.ToPort), r.Peer, why})
		}
	}
	add("keep", d.Keep)
	add("add", d.Add)
	add("remove", d.Remove)
	add("narrow", d.Narrow)
	return out
}
