package hunt

import (
	"fmt"
	"strings"
)

// TableColumns and TableRows are the findings as the CLI's and the
// demo's tables show them: most severe first, one line each.
var TableColumns = []string{"severity", "detector", "first_seen", "last_seen", "src", "dst", "ports", "title", "id"}

// TableRows projects findings onto TableColumns.
func TableRows(fs []Finding) [][]any {
	rows := make([][]any, 0, len(fs))
	for _, f := range fs {
		rows = append(rows, []any{f.Severity.String(), f.Detector, f.FirstSeen, f.LastSeen, f.Src.Text(), f.Dst.Text(),
			portsText(f.Ports), f.Title, f.ID})
	}
	return rows
}

// Text is an endpoint in one cell: "10.0.0.5 (web)", "42 addresses".
func (ep Endpoint) Text() string {
	switch {
	case ep.Address != "" && ep.Name != "":
		return ep.Address + " (" + ep.Name + ")"
	case ep.Address != "":
		return ep.Address
	case ep.Count > 0:
		return fmt.Sprintf("%d addresses", ep.Count)
	}
	return ep.Interface
}

func portsText(ps []int) string {
	var b strings.Builder
	for i, p := range ps {
		if i == 8 {
			fmt.Fprintf(&b, ",… +%d", len(ps)-i)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, p)
	}
	return b.String()
}
