package hunt

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/ioc"
)

// Options is one hunt.
type Options struct {
	Since, Until time.Time // zero ends are open
	Detectors    []string  // empty: all
	Indicators   []ioc.Indicator
	Config       Config
	// Progress, when set, is told as each step starts: "coverage",
	// "summary" (the flows summarised into pairs, most of a hunt's
	// time), then each detector by name.
	Progress func(step string)
}

// Report is what a hunt found, keyed as `flowtrail hunt --format json`
// prints it.
type Report struct {
	Window     Window         `json:"window"`
	Findings   []Finding      `json:"findings"`
	Suppressed map[string]int `json:"suppressed"` // by allowlist entry
	Coverage   *Coverage      `json:"coverage,omitempty"`
	Detectors  []DetectorRun  `json:"detectors"`
}

// Window is the period hunted and the baseline it was compared with.
type Window struct {
	Since         time.Time `json:"since,omitzero"`
	Until         time.Time `json:"until,omitzero"`
	BaselineSince time.Time `json:"baseline_since,omitzero"`
	BaselineUntil time.Time `json:"baseline_until,omitzero"`
}

// DetectorRun says what one detector did.
type DetectorRun struct {
	Name     string  `json:"name"`
	Findings int     `json:"findings"`
	Seconds  float64 `json:"seconds"`
	Skipped  string  `json:"skipped,omitempty"` // why it did not run
}

// Run hunts: it summarises the lake's flows once (base.go), runs each
// detector over the summary, then enriches, groups and orders the
// findings, most severe first.
func Run(ctx context.Context, e *engine.Engine, opt Options) (*Report, error) {
	dets, err := selectDetectors(opt.Detectors)
	if err != nil {
		return nil, err
	}
	r, err := newRun(ctx, e, opt)
	if err != nil {
		return nil, err
	}
	defer r.close()
	rep := &Report{Window: r.window(), Suppressed: map[string]int{}}
	var all []Finding
	for _, d := range dets {
		r.progress(d.Name)
		start := time.Now()
		dr := DetectorRun{Name: d.Name}
		if why := r.cannotRun(d); why != "" {
			dr.Skipped = why
		} else {
			fs, err := d.run(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("cannot run detector %s: %w", d.Name, err)
			}
			for i := range fs {
				fs[i].Detector, fs[i].MITRE = d.Name, cmp.Or(fs[i].MITRE, d.MITRE)
				fs[i].MITREName = cmp.Or(fs[i].MITREName, d.MITREName)
			}
			fs = r.suppress(fs, rep.Suppressed)
			dr.Findings = len(fs)
			all = append(all, fs...)
		}
		dr.Seconds = time.Since(start).Seconds()
		slog.Debug("detector done", "detector", d.Name, "findings", dr.Findings, "seconds", dr.Seconds)
		rep.Detectors = append(rep.Detectors, dr)
	}
	for name, n := range r.suppressed {
		rep.Suppressed[name] += n
	}
	rep.Coverage = r.coverage
	r.enrich(all)
	rep.Findings = group(all)
	return rep, nil
}

func selectDetectors(names []string) ([]*Detector, error) {
	if len(names) == 0 {
		return detectors, nil
	}
	if err := knownDetectors(names); err != nil {
		return nil, err
	}
	var out []*Detector
	for _, d := range detectors {
		if slices.Contains(names, d.Name) {
			out = append(out, d)
		}
	}
	return out, nil
}

func knownDetectors(names []string) error {
	for _, n := range names {
		if DetectorByName(n) == nil {
			return fmt.Errorf("no detector %q: the detectors are %s", n, strings.Join(DetectorNames(), ", "))
		}
	}
	return nil
}

// DetectorNames lists every detector, in the order they run.
func DetectorNames() []string {
	out := make([]string, len(detectors))
	for i, d := range detectors {
		out[i] = d.Name
	}
	return out
}

// DetectorByName finds a detector's description.
func DetectorByName(name string) *Detector {
	for _, d := range detectors {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// suppress drops the findings whose source an allowlist covers and
// counts them by entry.
func (r *run) suppress(fs []Finding, counts map[string]int) []Finding {
	return slices.DeleteFunc(fs, func(f Finding) bool {
		name := r.cfg.allowed(f.Src.Address, f.Detector)
		if name == "" && f.Detector == "exposure" {
			name = r.cfg.allowed(f.Dst.Address, f.Detector)
		}
		if name != "" {
			counts[name]++
		}
		return name != ""
	})
}
