package traffic

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

// Coverage is where the logs have holes. AWS writes a NODATA record for
// an interval in which a logged interface saw no traffic, so an hour
// with no record at all from an interface that logs before and after it
// is an hour of missing logs, not of silence; SKIPDATA records say
// records were skipped.
type Coverage struct {
	// EmptyHours are hours between the window's first and last logged
	// hour with no flow record from any interface.
	EmptyHours []time.Time `json:"empty_hours"`
	// Interfaces are the logged interfaces with silent hours between
	// their first and last record, or with SKIPDATA records; most silent
	// hours first.
	Interfaces []InterfaceGap `json:"interfaces"`
	// Unlogged are interfaces the inventory (CloudTrail, describe-*
	// snapshots) knows existed during the window but that logged nothing.
	Unlogged []Unlogged `json:"unlogged"`
	// Logged is how many interfaces logged at least one record.
	Logged int `json:"logged_interfaces"`
}

// InterfaceGap is one interface's holes.
type InterfaceGap struct {
	InterfaceID string    `json:"interface_id"`
	Workload    string    `json:"workload,omitempty"`
	First       time.Time `json:"first_hour"`
	Last        time.Time `json:"last_hour"`
	LoggedHours int64     `json:"logged_hours"`
	SilentHours int64     `json:"silent_hours"`
	SkipData    int64     `json:"skipdata_records"`
}

// Unlogged is an interface with no records in the window.
type Unlogged struct {
	InterfaceID string    `json:"interface_id"`
	Workload    string    `json:"workload,omitempty"`
	Account     string    `json:"account_id,omitempty"`
	VPC         string    `json:"vpc_id,omitempty"`
	Type        string    `json:"interface_type,omitempty"`
	From        time.Time `json:"from,omitzero"`
	To          time.Time `json:"to,omitzero"`
}

// perInterfaceSQL counts, per interface, the hours it logged in, its
// first and last hour and its SKIPDATA records. Grouping by (interface,
// hour) first is cheaper than count(DISTINCT hour).
const perInterfaceSQL = `WITH h AS (
  SELECT interface_id, start // 3600 AS h, count(*) FILTER (WHERE log_status = 'SKIPDATA') AS skip
  FROM flows WHERE ` + inWindow + ` AND start IS NOT NULL AND interface_id IS NOT NULL GROUP BY ALL)
SELECT interface_id, count(*) AS hours, min(h) AS first_h, max(h) AS last_h, sum(skip)::BIGINT AS skip FROM h GROUP BY interface_id`

const loggedHoursSQL = `SELECT DISTINCT start // 3600 AS h FROM flows WHERE ` + inWindow + ` AND start IS NOT NULL ORDER BY h`

// maxGaps bounds the interfaces listed.
const maxGaps = 100

// Gaps finds the holes in the window's flow logs; inv names the
// interfaces and tells which existed.
func Gaps(ctx context.Context, e *engine.Engine, w Window, inv *inventory.Inventory) (*Coverage, error) {
	res, err := run(ctx, e, "measure log coverage per interface", perInterfaceSQL, w)
	if err != nil {
		return nil, err
	}
	hours, err := run(ctx, e, "find the hours with logs", loggedHoursSQL, w)
	if err != nil {
		return nil, err
	}
	names := workloadNames(inv)
	c := &Coverage{Logged: len(res.Rows), EmptyHours: emptyHours(hours.Rows), Interfaces: []InterfaceGap{}}
	seen := map[string]bool{}
	for _, r := range res.Rows {
		g := InterfaceGap{InterfaceID: engine.AsString(r[0]), LoggedHours: engine.AsInt(r[1]), First: hourTime(r[2]), Last: hourTime(r[3]), SkipData: engine.AsInt(r[4])}
		seen[g.InterfaceID] = true
		g.SilentHours = (engine.AsInt(r[3]) - engine.AsInt(r[2]) + 1) - g.LoggedHours
		if g.SilentHours > 0 || g.SkipData > 0 {
			g.Workload = names[g.InterfaceID]
			c.Interfaces = append(c.Interfaces, g)
		}
	}
	slices.SortFunc(c.Interfaces, func(a, b InterfaceGap) int {
		return cmp.Or(cmp.Compare(b.SilentHours, a.SilentHours), cmp.Compare(b.SkipData, a.SkipData), cmp.Compare(a.InterfaceID, b.InterfaceID))
	})
	c.Interfaces = c.Interfaces[:min(len(c.Interfaces), maxGaps)]
	c.Unlogged = unlogged(inv, w, seen)
	return c, nil
}

func hourTime(v any) time.Time { return time.Unix(engine.AsInt(v)*3600, 0).UTC() }

// emptyHours lists the hours between the first and last logged hour
// that have no record.
func emptyHours(rows [][]any) []time.Time {
	out := []time.Time{}
	if len(rows) == 0 {
		return out
	}
	first, last := engine.AsInt(rows[0][0]), engine.AsInt(rows[len(rows)-1][0])
	have := make(map[int64]bool, len(rows))
	for _, r := range rows {
		have[engine.AsInt(r[0])] = true
	}
	for h := first; h <= last; h++ {
		if !have[h] {
			out = append(out, hourTime(h))
		}
	}
	return out
}

// workloadNames maps each interface to the Name tag it last carried.
func workloadNames(inv *inventory.Inventory) map[string]string {
	out := map[string]string{}
	if inv == nil {
		return out
	}
	for _, i := range inv.Interfaces {
		if i.Name != "" {
			out[i.ID] = i.Name
		}
	}
	return out
}

// unlogged lists the interfaces alive during w with no record in it.
func unlogged(inv *inventory.Inventory, w Window, seen map[string]bool) []Unlogged {
	out := []Unlogged{}
	if inv == nil {
		return out
	}
	listed := map[string]bool{}
	for _, i := range inv.Interfaces {
		if seen[i.ID] || listed[i.ID] || !overlaps(i.From, i.To, w) {
			continue
		}
		listed[i.ID] = true
		out = append(out, Unlogged{InterfaceID: i.ID, Workload: i.Name, Account: i.Account, VPC: i.VPC, Type: i.Type, From: i.From, To: i.To})
	}
	return out
}

// overlaps: [from, to) meets w; zero ends are open.
func overlaps(from, to time.Time, w Window) bool {
	if !w.Until.IsZero() && !from.IsZero() && !from.Before(w.Until) {
		return false
	}
	return w.Since.IsZero() || to.IsZero() || to.After(w.Since)
}
