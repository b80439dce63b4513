package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRun_BaselineWindow(t *testing.T) {
	s := newScenario(t)
	s.background(days2)
	e := s.open()
	for _, c := range []struct {
		name     string
		opt      Options
		from, to time.Time
	}{
		// 47 hours and a second of records: half is 23h30m, cut to 23h.
		{"no --since: the first half of the data, whole hours", Options{}, at(0, 0, 0), at(23, 0, 0)},
		{"--since: the 7 days before it", Options{Since: at(30, 0, 0)}, at(30, 0, 0).Add(-7 * 24 * time.Hour), at(30, 0, 0)},
		{"--since and a 1-day baseline", Options{Since: at(30, 0, 0), Config: mustConfig(t, "baseline: 1d")}, at(6, 0, 0), at(30, 0, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(context.Background(), e, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if w := rep.Window; !w.BaselineSince.Equal(c.from) || !w.BaselineUntil.Equal(c.to) {
				t.Errorf("baseline %v – %v, want %v – %v", w.BaselineSince, w.BaselineUntil, c.from, c.to)
			}
		})
	}
}

// Progress names the long steps before the detectors, so a hunt over
// 100 M records does not sit silent through its summary.
func TestRun_ProgressSteps(t *testing.T) {
	s := newScenario(t)
	s.background(days2)
	var steps []string
	if _, err := Run(context.Background(), s.open(), Options{Detectors: []string{"exposure", "port-scan"}, Progress: func(step string) { steps = append(steps, step) }}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"coverage", "summary", "port-scan", "exposure"}; !slices.Equal(steps, want) {
		t.Errorf("progress %q, want %q", steps, want)
	}
}

func TestRun_UnknownDetector(t *testing.T) {
	s := newScenario(t)
	s.background(2)
	_, err := Run(context.Background(), s.open(), Options{Detectors: []string{"port-scan", "nope"}})
	if err == nil || !strings.Contains(err.Error(), `no detector "nope"`) || !strings.Contains(err.Error(), "beaconing") {
		t.Errorf("error %v, want one naming nope and listing the detectors", err)
	}
}

// TestRun_OrderAndGrouping: one attacker scans a host and then guesses
// SSH on it; an insider scans. Findings come most severe first, each
// with its own id, and the attacker's two are linked.
func TestRun_OrderAndGrouping(t *testing.T) {
	s := newScenario(t)
	for p := 1; p <= 100; p++ {
		s.add(conn{at: at(1, 0, p), src: "198.51.100.66", dst: "10.0.1.10", dport: p, out: vol{1, 44}, reject: p != 22})
	}
	for i := range 300 {
		s.add(conn{at: at(1, 5, 12*i), src: "198.51.100.66", dst: "10.0.1.10", dport: 22, out: vol{14, 2600}, back: vol{12, 3100}})
	}
	for h := 1; h <= 40; h++ {
		s.add(conn{at: at(2, 0, 3*h), src: "10.0.1.20", dst: fmt.Sprintf("10.0.2.%d", h), dport: 445, out: vol{2, 120}})
	}
	rep := s.hunt(Options{})
	if len(rep.Findings) < 3 {
		t.Fatalf("want at least the scan, the brute force and the inside scan:\n%s", describe(rep.Findings))
	}
	ids := map[string]bool{}
	for i, f := range rep.Findings {
		if ids[f.ID] || !strings.HasPrefix(f.ID, "f-") {
			t.Errorf("id %q repeated or malformed", f.ID)
		}
		ids[f.ID] = true
		if i > 0 {
			p := rep.Findings[i-1]
			if p.Severity < f.Severity || p.Severity == f.Severity && p.Score < f.Score {
				t.Errorf("finding %d (%s, %.0f) comes after a less severe one (%s, %.0f)", i, f.Severity, f.Score, p.Severity, p.Score)
			}
		}
	}
	scan := expectOne(t, rep, "port-scan", "198.51.100.66", want{severity: Low, src: "198.51.100.66", dst: "10.0.1.10", title: "port scan from the internet"})
	brute := expectOne(t, rep, "brute-force", "198.51.100.66", want{severity: High, src: "198.51.100.66", dst: "10.0.1.10", ports: []int{22}, title: "SSH brute force"})
	if !slices.Contains(scan.Related, brute.ID) || !slices.Contains(brute.Related, scan.ID) {
		t.Errorf("scan related %v, brute force related %v: want each to name the other", scan.Related, brute.Related)
	}
}

// TestRun_AllowlistSuppressesAndCounts: our own scanner, allowlisted for
// port-scan, is left out and counted; another scanner is not.
func TestRun_AllowlistSuppressesAndCounts(t *testing.T) {
	cfg := mustConfig(t, "allowlist:\n  - {name: our-scanner, cidrs: [198.51.100.0/28], detectors: [port-scan]}\n")
	s := newScenario(t)
	for p := 1; p <= 50; p++ {
		s.add(conn{at: at(1, 0, p), src: "198.51.100.7", dst: "10.0.1.10", dport: p, out: vol{1, 44}, reject: true})
		s.add(conn{at: at(1, 0, p), src: "198.51.100.17", dst: "10.0.1.10", dport: p, out: vol{1, 44}, reject: true})
	}
	rep := s.hunt(Options{Detectors: []string{"port-scan"}, Config: cfg})
	expectNone(t, rep, "port-scan", "198.51.100.7")
	expectOne(t, rep, "port-scan", "198.51.100.17", want{severity: Low, src: "198.51.100.17", dst: "10.0.1.10", title: "Vertical port scan"})
	if rep.Suppressed["our-scanner"] != 1 || len(rep.Suppressed) != 1 {
		t.Errorf("suppressed %v, want our-scanner: 1", rep.Suppressed)
	}
}

// TestRun_FindingJSON: a finding has the keys the issue names.
func TestRun_FindingJSON(t *testing.T) {
	s := newScenario(t)
	for p := 1; p <= 50; p++ {
		s.add(conn{at: at(1, 0, p), src: "203.0.113.50", dst: "10.0.1.10", dport: p, out: vol{1, 44}, reject: true})
	}
	rep := s.hunt(Options{Detectors: []string{"port-scan"}})
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings, want 1", len(rep.Findings))
	}
	b, err := json.Marshal(rep.Findings[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "detector", "severity", "title", "summary", "first_seen", "last_seen", "src", "dst", "ports",
		"protocol", "records", "bytes", "packets", "distinct_peers", "distinct_ports", "score", "mitre", "evidence_sql"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if m["severity"] != "low" || m["first_seen"] != "2026-11-02T01:00:01Z" || m["src"].(map[string]any)["address"] != "203.0.113.50" {
		t.Errorf("severity %v, first_seen %v, src %v: want low, RFC 3339 UTC, the scanner", m["severity"], m["first_seen"], m["src"])
	}
}

// TestRun_BenignEstate: two days of the look-alikes together — nightly
// backups, cron jobs every five minutes, monitoring that fans out, health
// checks, a mail server, a jump host, replaced instances — and every
// detector run on them. None may report anything above info.
func TestRun_BenignEstate(t *testing.T) {
	s := newScenario(t)
	threeTier(s, true)
	internalLife(s, "10.0.1.70")
	for night := range 2 {
		upload(s, at(24*night+2, 0, 0), 40*time.Minute, "10.0.1.70", "198.51.100.200", 443, 2_000_000_000)
	}
	every(at(0, 0, 0), at(days2, 0, 0), 5*time.Minute, func(tm time.Time) {
		s.add(conn{at: tm.Add(7 * time.Second), src: "10.0.1.86", dst: "52.94.1.1", dport: 443, out: vol{6, 800}, back: vol{5, 900}})
		s.add(conn{at: tm.Add(9 * time.Second), src: "10.0.1.87", dst: "10.0.9.9", dport: 443, out: vol{6, 800}, back: vol{5, 900}})
		for h := 1; h <= 6; h++ {
			s.add(conn{at: tm.Add(time.Duration(h) * time.Second), src: "10.0.0.5", dst: fmt.Sprintf("10.0.8.%d", h), dport: 22, out: vol{16, 3000}, back: vol{14, 4000}})
			s.add(conn{at: tm.Add(time.Duration(h) * time.Second), src: "10.0.0.5", dst: fmt.Sprintf("10.0.8.%d", h), dport: 9100, out: vol{6, 500}, back: vol{6, 9000}})
		}
	})
	every(at(0, 0, 0), at(days2, 0, 0), time.Minute, func(tm time.Time) {
		for h := 1; h <= 3; h++ {
			s.add(conn{at: tm, src: "10.0.0.6", dst: fmt.Sprintf("10.0.7.%d", h), dport: 8080, out: vol{5, 400}, back: vol{5, 700}})
		}
	})
	for i := 1; i <= 96; i++ {
		smtp(s, at(0, 30*i, 0), "10.0.1.121", fmt.Sprintf("198.51.100.%d", 1+i%30))
	}
	for h := 1; h <= 12; h++ {
		s.add(conn{at: at(16+2*h, 0, 0), dur: 20 * time.Minute, src: "10.0.0.9", dst: fmt.Sprintf("10.0.9.%d", h), dport: 22, out: vol{400, 50000}, back: vol{500, 400000}})
	}
	rep := s.hunt(Options{Config: mustConfig(t, "trusted_destinations: [52.94.0.0/16]")})
	for _, d := range rep.Detectors {
		if d.Skipped != "" && d.Name != "ioc" && d.Name != "threshold" {
			t.Errorf("%s did not run: %s", d.Name, d.Skipped)
		}
	}
	var loud []Finding
	for _, f := range rep.Findings {
		if f.Severity > Info {
			loud = append(loud, f)
		}
	}
	if len(loud) > 0 {
		t.Errorf("%d findings on a benign estate:\n%s", len(loud), describe(loud))
	}
}
