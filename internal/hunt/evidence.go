package hunt

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// evidence describes the flow records behind a finding; sql renders it
// as a query for `flowtrail query`. Addresses are checked before they are
// written into the text: they come from the lake, which is hostile input.
type evidence struct {
	from, to int64    // record start times, inclusive
	a, b     []string // one side's addresses, the other's; b empty: a at either end
	ports    []int
	proto    int
}

func (ev evidence) sql() string {
	var w []string
	w = append(w, fmt.Sprintf("start BETWEEN %d AND %d", ev.from, ev.to))
	a := addrSet(ev.a)
	if len(ev.b) == 0 {
		w = append(w, fmt.Sprintf("(srcaddr %s OR dstaddr %s)", a, a))
	} else {
		b := addrSet(ev.b)
		w = append(w, fmt.Sprintf("((srcaddr %s AND dstaddr %s) OR (srcaddr %s AND dstaddr %s))", a, b, b, a))
	}
	if len(ev.ports) > 0 {
		ps := make([]string, len(ev.ports))
		for i, p := range ev.ports {
			ps[i] = strconv.Itoa(p)
		}
		list := strings.Join(ps, ", ")
		w = append(w, fmt.Sprintf("(dstport IN (%s) OR srcport IN (%s))", list, list))
	}
	if ev.proto > 0 {
		w = append(w, fmt.Sprintf("protocol = %d", ev.proto))
	}
	return "SELECT * FROM flows WHERE " + strings.Join(w, " AND ") + evidenceOrder
}

// addrSet renders "= 'a'" or "IN ('a', 'b')".
func addrSet(addrs []string) string {
	if len(addrs) == 1 {
		return "= " + sqlAddr(addrs[0])
	}
	qs := make([]string, len(addrs))
	for i, a := range addrs {
		qs[i] = sqlAddr(a)
	}
	return "IN (" + strings.Join(qs, ", ") + ")"
}

// evidenceOrder is a total order, so the same lake lists the same
// records in the same order every time.
const evidenceOrder = " ORDER BY start, source_id, source_line"

// sqlAddr writes an address as a SQL string literal. Anything that does
// not parse as an address matches nothing.
func sqlAddr(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "NULL"
	}
	if s != a.String() {
		// The lake keeps the text AWS wrote; if that is not canonical,
		// keep it, escaped.
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "'" + a.String() + "'"
}
