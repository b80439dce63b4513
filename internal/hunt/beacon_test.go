package hunt

import (
	"fmt"
	"testing"
	"time"
)

// checkIns logs a client calling dst from from until to, at intervals
// next() chooses, each sending about size bytes (±2%).
func checkIns(s *scenario, src, dst string, dport int, from, to time.Time, next func() time.Duration, size int64) {
	for tm := from; tm.Before(to); tm = tm.Add(next()) {
		b := int64(float64(size) * (1 + 0.02*(2*s.rng.Float64()-1)))
		s.add(conn{at: tm, src: src, dst: dst, dport: dport, out: vol{6, b}, back: vol{5, 900}})
	}
}

func TestBeaconing_Positive(t *testing.T) {
	runPositives(t, "beaconing", Options{}, []positive{{
		name: "every 60 s with ±20% jitter and steady sizes, for 12 hours",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.80", "203.0.113.7", 443, at(0, 0, 0), at(12, 0, 0), func() time.Duration { return s.jitter(time.Minute, 0.2) }, 1200)
		},
		addr: "10.0.1.80",
		want: want{severity: High, src: "10.0.1.80", dst: "203.0.113.7", ports: []int{443}, title: "Beaconing from 10.0.1.80 to 203.0.113.7:443 every ",
			check: func(t *testing.T, f Finding) {
				iv, _ := f.Details["median_interval_seconds"].(float64)
				if iv < 55 || iv > 65 || f.Score < 90 || f.MITRE != "T1071" {
					t.Errorf("median interval %.1f s, score %.0f, mitre %s: want about 60 s, at least 90, T1071", iv, f.Score, f.MITRE)
				}
				if n := detail(f, "connections"); n < 650 || n > 800 {
					t.Errorf("%d connections, want about 720", n)
				}
			}},
	}, {
		name: "every 10 minutes with ±40% jitter over 12 hours",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.83", "198.51.100.90", 8443, at(0, 0, 0), at(12, 0, 0), func() time.Duration { return s.jitter(10*time.Minute, 0.4) }, 3000)
		},
		addr: "10.0.1.83",
		want: want{severity: Medium, src: "10.0.1.83", dst: "198.51.100.90", ports: []int{8443}, title: "Beaconing from 10.0.1.83"},
	}, {
		// A control for the look-alikes below: what spares a cron job is
		// where it goes, not its rhythm.
		name: "a cron-like job every 5 minutes to an untrusted public address",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.84", "198.51.100.77", 443, at(0, 2, 0), at(12, 0, 0), func() time.Duration { return 5 * time.Minute }, 800)
		},
		addr: "10.0.1.84",
		want: want{severity: High, src: "10.0.1.84", dst: "198.51.100.77", title: "every 5.0m"},
	}})
}

func TestBeaconing_Negative(t *testing.T) {
	trusted := Options{Config: mustConfig(t, "trusted_destinations: [52.94.0.0/16]")}
	runNegatives(t, "beaconing", trusted, []negative{{
		name: "Poisson arrivals, mean 60 s, steady sizes",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.85", "203.0.113.8", 443, at(0, 0, 0), at(12, 0, 0), func() time.Duration {
				return time.Duration(s.rng.ExpFloat64() * float64(time.Minute))
			}, 1200)
		},
		addr: "10.0.1.85",
	}, {
		name: "cron every 5 minutes to a trusted destination",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.86", "52.94.1.1", 443, at(0, 2, 0), at(12, 0, 0), func() time.Duration { return 5 * time.Minute }, 800)
		},
		addr: "10.0.1.86",
	}, {
		name: "cron every 5 minutes to a private address",
		story: func(s *scenario) {
			s.background(12)
			checkIns(s, "10.0.1.87", "10.0.9.9", 443, at(0, 2, 0), at(12, 0, 0), func() time.Duration { return 5 * time.Minute }, 800)
		},
		addr: "10.0.1.87",
	}, {
		name: "a service every host polls every 5 minutes",
		story: func(s *scenario) {
			s.background(12)
			for h := 1; h <= 6; h++ {
				checkIns(s, fmt.Sprintf("10.0.1.%d", 100+h), "198.51.100.123", 443, at(0, h, 0), at(12, 0, 0), func() time.Duration { return 5 * time.Minute }, 800)
			}
		},
		addr: "198.51.100.123",
	}})
}

// TestBeaconing_SurvivesReplacement: the agent's instance is replaced at
// mid-period and the beacon goes on from the new address. The series is
// the workload's, so there is one finding naming both addresses.
func TestBeaconing_SurvivesReplacement(t *testing.T) {
	s := newScenario(t)
	s.background(12)
	s.launch(at(0, 0, 0).Add(-time.Hour), "i-agent1", "10.0.1.90", "agent")
	s.launch(at(5, 55, 0), "i-agent2", "10.0.1.91", "agent")
	s.terminate(at(6, 0, 0), "i-agent1")
	next := func() time.Duration { return s.jitter(time.Minute, 0.1) }
	checkIns(s, "10.0.1.90", "203.0.113.9", 8443, at(0, 0, 0), at(6, 0, 0), next, 1500)
	checkIns(s, "10.0.1.91", "203.0.113.9", 8443, at(6, 0, 30), at(12, 0, 0), next, 1500)
	rep := s.hunt(Options{Detectors: []string{"beaconing"}})
	if fs := of(rep, "beaconing"); len(fs) != 1 {
		t.Fatalf("%d beaconing findings, want one for the workload:\n%s", len(fs), describe(fs))
	}
	expectOne(t, rep, "beaconing", "203.0.113.9", want{severity: High, dst: "203.0.113.9", ports: []int{8443}, title: "Beaconing from agent to 203.0.113.9:8443",
		check: func(t *testing.T, f Finding) {
			if f.Details["workload"] != "agent" || !containsAll(f.Details["src_addresses"].([]string), []string{"10.0.1.90", "10.0.1.91"}) {
				t.Errorf("workload %v, addresses %v: want agent at 10.0.1.90 and 10.0.1.91", f.Details["workload"], f.Details["src_addresses"])
			}
			if n := detail(f, "connections"); n < 650 {
				t.Errorf("%d connections: the series should span both instances (about 720)", n)
			}
		}})
}
