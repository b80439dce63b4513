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
		hit := slices.ContainsFunc(findings, func(f hunt.Finding) bool { return Matches(f, a) })
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

// Matches says whether finding f is about attack a.
func Matches(f hunt.Finding, a gen.Attack) bool {
	if f.Detector != a.Detector {
		return false
	}
	if f.FirstSeen.After(a.End.Add(slack)) || f.LastSeen.Before(a.Start.Add(-slack)) {
		return false
	}
	for _, addr := range Addresses(f) {
		if slices.Contains(a.Src, addr) || slices.Contains(a.Dst, addr) {
			return true
		}
	}
	return false
}

// Addresses lists every address a finding names: its two ends and the
// address lists detectors put in details.
func Addresses(f hunt.Finding) []string {
	var out []string
	for _, a := range []string{f.Src.Address, f.Dst.Address} {
		if a != "" {
			out = append(out, a)
		}
	}
	for _, k := range []string{"src_addresses", "dst_addresses", "hosts", "sources"} {
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
