package hunt

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"time"
)

// relatedSlack is how far apart in time two findings about one source
// may be and still be about the same activity.
const relatedSlack = time.Hour

// generic detectors report what a specific one explains better; their
// findings fold into a specific finding about the same source and time.
var generic = map[string]bool{"unusual-traffic": true}

// group gives every finding its ID, folds generic findings into specific
// ones, links findings about the same source and time, and orders them
// most severe first.
func group(fs []Finding) []Finding {
	// A canonical order first, so that which of two merged findings
	// survives — and so every ID — does not depend on the order the
	// queries returned rows in.
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Detector, b.Detector), cmp.Compare(a.Src.Address, b.Src.Address),
			cmp.Compare(a.Dst.Address, b.Dst.Address), a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.Title, b.Title))
	})
	for i := range fs {
		fs[i].ID = findingID(&fs[i])
		fs[i].Score = clampScore(fs[i].Score)
	}
	fs = arbitrate(mergeEchoes(fold(fs)))
	relate(fs)
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Score, a.Score),
			a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.ID, b.ID))
	})
	if fs == nil {
		fs = []Finding{}
	}
	return fs
}

func findingID(f *Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%d|%s|%d|%v|%d|%s", f.Detector, f.Src.Address, f.Dst.Address, f.Dst.Count, f.Src.Interface,
		f.FirstSeen.Unix(), f.Ports, f.Src.Count, f.Title)
	return "f-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// near says whether two findings are about one source at about the same
// time; a finding about a workload stands for each of its addresses.
func near(a, b *Finding) bool {
	if a.FirstSeen.After(b.LastSeen.Add(relatedSlack)) || b.FirstSeen.After(a.LastSeen.Add(relatedSlack)) {
		return false
	}
	as := sources(a)
	for _, x := range sources(b) {
		if slices.Contains(as, x) {
			return true
		}
	}
	return false
}

// sameTraffic says whether two findings may be about the same traffic:
// they share a port, or one names no ports.
func sameTraffic(a, b *Finding) bool {
	if len(a.Ports) == 0 || len(b.Ports) == 0 {
		return true
	}
	return slices.ContainsFunc(a.Ports, func(p int) bool { return slices.Contains(b.Ports, p) })
}

// sharedDestination says whether two findings name a destination in
// common; one that names none (a sweep, a spam run) may be about anyone.
func sharedDestination(a, b *Finding) bool {
	da, db := destinations(a), destinations(b)
	if len(da) == 0 || len(db) == 0 {
		return true
	}
	return slices.ContainsFunc(da, func(x string) bool { return slices.Contains(db, x) })
}

func destinations(f *Finding) []string {
	var out []string
	if f.Dst.Address != "" {
		out = append(out, f.Dst.Address)
	}
	for _, k := range []string{"dst_addresses", "hosts"} {
		if l, ok := f.Details[k].([]string); ok {
			out = append(out, l...)
		}
	}
	return out
}

// sameTarget says whether two findings are about one destination at
// about the same time: the same traffic seen from a NAT gateway's side.
func sameTarget(a, b *Finding) bool {
	return a.Dst.Address != "" && a.Dst.Address == b.Dst.Address &&
		!a.FirstSeen.After(b.LastSeen.Add(relatedSlack)) && !b.FirstSeen.After(a.LastSeen.Add(relatedSlack))
}

func sources(f *Finding) []string {
	out := []string{}
	if f.Src.Address != "" {
		out = append(out, f.Src.Address)
	}
	if l, ok := f.Details["src_addresses"].([]string); ok {
		out = append(out, l...)
	}
	return out
}

// fold drops each generic finding that a specific finding about the same
// source and time explains, and lists it under that finding's Related.
func fold(fs []Finding) []Finding {
	keep := fs[:0:0]
	for i := range fs {
		if !generic[fs[i].Detector] {
			continue
		}
		for j := range fs {
			if !generic[fs[j].Detector] && sameTraffic(&fs[i], &fs[j]) && (near(&fs[i], &fs[j]) || sameTarget(&fs[i], &fs[j])) &&
				sharedDestination(&fs[i], &fs[j]) {
				fs[j].Related = append(fs[j].Related, fs[i].ID)
				fs[i].Detector = "" // folded
				break
			}
		}
	}
	for _, f := range fs {
		if f.Detector != "" {
			keep = append(keep, f)
		}
	}
	return keep
}

// mergeEchoes merges findings of one detector about the same activity
// seen from two sources: an instance and the NAT gateway that carried
// its traffic (whose records carry the gateway's address) report the same
// destination, ports and time. The finding about the named instance is
// kept; the other's source joins its src_addresses.
func mergeEchoes(fs []Finding) []Finding {
	for i := range fs {
		for j := range fs {
			a, b := &fs[i], &fs[j]
			if i == j || a.Detector == "" || b.Detector == "" || a.Detector != b.Detector || a.Src.Address == b.Src.Address ||
				a.Src.Address == "" || b.Src.Address == "" || !echo(a, b) || (a.Src.Name == "" && b.Src.Name != "") {
				continue
			}
			srcs, _ := a.Details["src_addresses"].([]string)
			if a.Details == nil {
				a.Details = map[string]any{}
			}
			// b may have merged others before: its sources and span come
			// along, so that the survivor covers them whatever the order
			// (a miner that followed its workload through replacements
			// and pool servers outlasts any one of its findings)
			more, _ := b.Details["src_addresses"].([]string)
			a.Details["src_addresses"] = append(append(append(srcs, a.Src.Address), b.Src.Address), more...)
			a.FirstSeen, a.LastSeen = minTime(a.FirstSeen, b.FirstSeen), maxTime(a.LastSeen, b.LastSeen)
			a.Related = append(a.Related, b.ID)
			b.Detector = ""
		}
	}
	return slices.DeleteFunc(fs, func(f Finding) bool { return f.Detector == "" })
}

// echo says whether two findings describe the same traffic: overlapping
// time, the same ports, and the same destination or as many of them.
func echo(a, b *Finding) bool {
	if a.FirstSeen.After(b.LastSeen.Add(relatedSlack)) || b.FirstSeen.After(a.LastSeen.Add(relatedSlack)) {
		return false
	}
	if a.Dst.Address != "" {
		return a.Dst.Address == b.Dst.Address && slices.Equal(a.Ports, b.Ports)
	}
	if ta, tb := a.Details["top_port"], b.Details["top_port"]; ta != nil && ta != tb {
		return false
	}
	lo, hi := min(a.Dst.Count, b.Dst.Count), max(a.Dst.Count, b.Dst.Count)
	return lo > 0 && float64(lo) >= 0.8*float64(hi)
}

// specific lists, for a detector, the detectors whose finding about the
// same source and time explains its own better.
var specific = map[string][]string{
	"port-scan":    {"spam-bot"},     // a spam run to many mail servers fails like a sweep
	"exfiltration": {"outbound-dos"}, // a flood is volume, not data
}

// arbitrate decides between a port scan and an admin-port fan-out by one
// source at one time: reaching hosts that are alive (they talk, or the
// inventory knows them) is lateral movement; sweeping addresses that are
// mostly empty is discovery. The loser is listed under the winner.
func arbitrate(fs []Finding) []Finding {
	for i := range fs {
		for j := range fs {
			if fs[i].Detector != "" && slices.Contains(specific[fs[i].Detector], fs[j].Detector) && near(&fs[i], &fs[j]) &&
				(fs[i].Dst.Address == fs[j].Dst.Address) {
				fs[j].Related = append(fs[j].Related, fs[i].ID)
				fs[i].Detector = ""
			}
		}
	}
	for i := range fs {
		fan := &fs[i]
		if fan.Detector != "lateral-movement" {
			continue
		}
		ratio, ok := fan.Details["live_ratio"].(float64)
		if !ok {
			// A new edge nobody answered, made while the source was
			// scanning, is one of the scan's probes.
			if answered, known := fan.Details["answered"].(bool); !known || answered {
				continue
			}
			ratio = 0
		}
		for j := range fs {
			scan := &fs[j]
			if scan.Detector != "port-scan" || !near(fan, scan) {
				continue
			}
			if ratio >= 0.5 {
				fan.Related = append(fan.Related, scan.ID)
				scan.Detector = ""
			} else {
				scan.Related = append(scan.Related, fan.ID)
				fan.Detector = ""
				break
			}
		}
	}
	return slices.DeleteFunc(fs, func(f Finding) bool { return f.Detector == "" })
}

// relate links findings of different detectors about the same source
// and time, so that a reader sees one actor's activity together.
func relate(fs []Finding) {
	bySrc := map[string][]int{}
	for i := range fs {
		if a := fs[i].Src.Address; a != "" {
			bySrc[a] = append(bySrc[a], i)
		}
	}
	for _, idx := range bySrc {
		if len(idx) < 2 || len(idx) > 50 {
			continue
		}
		for _, i := range idx {
			for _, j := range idx {
				if i != j && fs[i].Detector != fs[j].Detector && near(&fs[i], &fs[j]) && !slices.Contains(fs[i].Related, fs[j].ID) {
					fs[i].Related = append(fs[i].Related, fs[j].ID)
				}
			}
		}
	}
}

// clampScore keeps a score in 0–100; a ratio over an empty baseline must
// not print as Inf or NaN (which JSON cannot carry).
func clampScore(s float64) float64 {
	switch {
	case math.IsNaN(s) || s < 0:
		return 0
	case s > 100:
		return 100
	}
	return math.Round(s*10) / 10
}
