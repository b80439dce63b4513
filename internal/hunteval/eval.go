// Package hunteval scores the hunt against the attacks the synthetic
// estate injected: which attacks were found in their time window, which
// findings no attack explains, and which benign look-alikes fired.
package hunteval

import (
	"cmp"
	"slices"
	"time"

	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/hunt"
)

// slack widens an attack's window for matching: flow logs aggregate
// over up to ten minutes, so records start and end that far around it.
const slack = 10 * time.Minute

// Score is the evaluation of one hunt.
type Score struct {
	Detectors []DetectorScore
	Missed    []gen.Attack   // attacks no finding matched
	Fired     []gen.Attack   // look-alikes a finding matched
	False     []hunt.Finding // findings that match no attack (informational ones excluded)
}

// DetectorScore is one detector's precision and recall.
type DetectorScore struct {
	Detector        string
	Attacks, Found  int // injected attacks, and those a finding matched
	Findings, True  int // findings (informational excluded), and those matching an attack
	LookAlikesFired int
}

// Recall is found / attacks, 1 when there were none.
func (d DetectorScore) Recall() float64 { return ratio(d.Found, d.Attacks) }

// Precision is true / findings, 1 when there were none.
func (d DetectorScore) Precision() float64 { return ratio(d.True, d.Findings) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Evaluate matches findings with attacks. A finding matches an attack
// when the detector is the same, the times overlap, and an address the
// finding names is one of the attack's.
func Evaluate(attacks []gen.Attack, findings []hunt.Finding) Score {
	by := map[string]*DetectorScore{}
	get := func(d string) *DetectorScore {
		if by[d] == nil {
			by[d] = &DetectorScore{Detector: d}
		}
		return by[d]
	}
	var s Score
	for _, a := range attacks {
		hit := slices.ContainsFunc(findings, func(f hunt.Finding) bool {
			return Matches(f, a) && !(a.Benign && f.Severity == hunt.Info)
		})
		if a.Benign {
			if hit {
				get(a.Detector).LookAlikesFired++
				s.Fired = append(s.Fired, a)
			}
			continue
		}
		d := get(a.Detector)
		d.Attacks++
		if hit {
			d.Found++
		} else {
			s.Missed = append(s.Missed, a)
		}
	}
	for _, f := range findings {
		if f.Severity == hunt.Info {
			continue
		}
		d := get(f.Detector)
		d.Findings++
		if slices.ContainsFunc(attacks, func(a gen.Attack) bool { return !a.Benign && Matches(f, a) }) {
			d.True++
		} else {
			s.False = append(s.False, f)
		}
	}
	for _, d := range by {
		s.Detectors = append(s.Detectors, *d)
	}
	slices.SortFunc(s.Detectors, func(a, b DetectorScore) int { return cmp.Compare(a.Detector, b.Detector) })
	return s
}

// Matches says whether finding f is about attack a: same detector,
// overlapping time, and a source of the finding among the attack's
// sources or a destination among its destinations. The estate's own
// background (Background) spans every public host, so only its sources
// identify it.
func Matches(f hunt.Finding, a gen.Attack) bool {
	if f.Detector != a.Detector {
		return false
	}
	if f.FirstSeen.After(a.End.Add(slack)) || f.LastSeen.Before(a.Start.Add(-slack)) {
		return false
	}
	srcs, dsts := Addresses(f)
	if slices.ContainsFunc(srcs, func(s string) bool { return slices.Contains(a.Src, s) }) {
		return true
	}
	return !a.Background && slices.ContainsFunc(dsts, func(s string) bool { return slices.Contains(a.Dst, s) })
}

// Addresses lists the addresses a finding names on each side: its two
// ends and the address lists detectors put in details.
func Addresses(f hunt.Finding) (srcs, dsts []string) {
	if f.Src.Address != "" {
		srcs = append(srcs, f.Src.Address)
	}
	if f.Dst.Address != "" {
		dsts = append(dsts, f.Dst.Address)
	}
	srcs = append(srcs, detailList(f, "src_addresses", "sources")...)
	dsts = append(dsts, detailList(f, "dst_addresses", "hosts")...)
	return srcs, dsts
}

func detailList(f hunt.Finding, keys ...string) []string {
	var out []string
	for _, k := range keys {
		switch v := f.Details[k].(type) {
		case []string:
			out = append(out, v...)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
