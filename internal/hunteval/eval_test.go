package hunteval_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/hunteval"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/source"
)

// TestHunt_FindsTheInjectedAttacks is the done-when on one
// generated estate: every injected attack is found in its time window,
// no benign look-alike fires, and few findings match no attack.
// bench/hunt runs the same evaluation over many seeds.
func TestHunt_FindsTheInjectedAttacks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	estate, lakeDir := filepath.Join(dir, "estate"), filepath.Join(dir, "lake")
	truth, err := gen.Generate(ctx, estate, gen.Config{Seed: 2, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(estate, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cfg := hunt.DefaultConfig()
	for _, a := range truth.Attacks {
		if len(a.Allowlist) > 0 {
			cfg.Allowlist = append(cfg.Allowlist, hunt.Allow{Name: a.Kind, CIDRs: a.Allowlist})
		}
	}
	if cfg, err = hunt.CheckConfig(cfg); err != nil {
		t.Fatal(err)
	}
	set, err := ioc.ReadFiles([]string{filepath.Join(estate, truth.Indicators)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := hunt.Run(ctx, e, hunt.Options{Config: cfg, Indicators: set.Indicators()})
	if err != nil {
		t.Fatal(err)
	}
	sc := hunteval.Evaluate(truth.Attacks, rep.Findings)
	for _, a := range sc.Missed {
		t.Errorf("missed %s %s (%v → %v, %s–%s)", a.Detector, a.Kind, a.Src, a.Dst, a.Start.Format(time.TimeOnly), a.End.Format(time.TimeOnly))
	}
	for _, a := range sc.Fired {
		t.Errorf("a benign look-alike fired: %s %s", a.Detector, a.Kind)
	}
	if len(sc.False) > 3 {
		for _, f := range sc.False {
			t.Logf("false: %s %s", f.Detector, f.Title)
		}
		t.Errorf("%d findings match no attack; want at most 3", len(sc.False))
	}
	if len(rep.Suppressed) == 0 {
		t.Error("the company's scanner and the office were allowlisted, yet nothing was suppressed")
	}
}

func TestMatches(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	a := gen.Attack{Detector: "port-scan", Src: []string{"198.51.100.7"}, Dst: []string{"10.0.0.5"}, Start: t0, End: t0.Add(time.Hour)}
	f := func(name string, want bool, fnd hunt.Finding, atk gen.Attack) {
		t.Run(name, func(t *testing.T) {
			if got := hunteval.Matches(fnd, atk); got != want {
				t.Errorf("Matches = %v, want %v", got, want)
			}
		})
	}
	base := hunt.Finding{Detector: "port-scan", FirstSeen: t0.Add(10 * time.Minute), LastSeen: t0.Add(20 * time.Minute), Src: hunt.Endpoint{Address: "198.51.100.7"}}
	f("same source, same time", true, base, a)
	other := base
	other.Detector = "brute-force"
	f("another detector", false, other, a)
	late := base
	late.FirstSeen, late.LastSeen = t0.Add(3*time.Hour), t0.Add(4*time.Hour)
	f("after the attack", false, late, a)
	dst := base
	dst.Src = hunt.Endpoint{Count: 3}
	dst.Dst = hunt.Endpoint{Address: "10.0.0.5"}
	f("its destination", true, dst, a)
	bg := a
	bg.Background = true
	f("background is known by its sources only", false, dst, bg)
	rev := base
	rev.Src = hunt.Endpoint{Address: "10.0.0.5"}
	f("the attack's target as a source", false, rev, a)
	listed := base
	listed.Src = hunt.Endpoint{Address: "10.9.9.9"}
	listed.Details = map[string]any{"src_addresses": []string{"10.9.9.9", "198.51.100.7"}}
	f("a source in the detail's list", true, listed, a)
}
