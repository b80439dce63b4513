package hunt

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	for i := range fs {
		fs[i].ID = findingID(&fs[i])
	}
	fs = fold(fs)
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

func near(a, b *Finding) bool {
	return a.Src.Address != "" && a.Src.Address == b.Src.Address &&
		!a.FirstSeen.After(b.LastSeen.Add(relatedSlack)) && !b.FirstSeen.After(a.LastSeen.Add(relatedSlack))
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
			if !generic[fs[j].Detector] && near(&fs[i], &fs[j]) {
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
