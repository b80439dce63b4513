package hunt

import (
	"testing"
	"time"
)

// held logs one session held open for dur, with steady volumes each ten
// minutes (±5%).
func held(s *scenario, src, dst string, dport int, start time.Time, dur time.Duration, out, back vol) {
	c := conn{at: start, dur: dur, src: src, dst: dst, dport: dport, out: out, back: back}
	s.session(c, 10*time.Minute, func(int) float64 { return 1 + 0.05*(2*s.rng.Float64()-1) })
}

func TestMining_Positive(t *testing.T) {
	runPositives(t, "crypto-mining", Options{}, []positive{{
		name: "a session to a pool's stratum port 3333",
		story: func(s *scenario) {
			held(s, "10.0.1.100", "198.51.100.33", 3333, at(1, 0, 0), 3*time.Hour, vol{60, 12000}, vol{90, 36000})
		},
		addr: "10.0.1.100",
		want: want{severity: High, src: "10.0.1.100", dst: "198.51.100.33", ports: []int{3333}, title: "10.0.1.100 connected to a mining-pool port: 198.51.100.33:3333",
			check: func(t *testing.T, f Finding) {
				if f.MITRE != "T1496" || f.Records != 36 || f.Protocol != "tcp" {
					t.Errorf("mitre %s, %d records, protocol %s: want T1496, 36 (18 intervals each way), tcp", f.MITRE, f.Records, f.Protocol)
				}
			}},
	}, {
		name: "a pool port admitted but never answered",
		story: func(s *scenario) {
			for i := range 5 {
				s.add(conn{at: at(1, i, 0), src: "10.0.1.103", dst: "203.0.113.33", dport: 14444, out: vol{2, 120}})
			}
		},
		addr: "10.0.1.103",
		want: want{severity: Medium, src: "10.0.1.103", dst: "203.0.113.33", ports: []int{14444}, title: "mining-pool port"},
	}, {
		name: "one steady session on a non-web port held for 8 hours",
		story: func(s *scenario) {
			held(s, "10.0.1.101", "203.0.113.44", 9000, at(1, 0, 0), 8*time.Hour, vol{60, 12000}, vol{90, 36000})
		},
		addr: "10.0.1.101",
		want: want{severity: Medium, src: "10.0.1.101", dst: "203.0.113.44", ports: []int{9000}, title: "Steady long-lived sessions from 10.0.1.101 to port 9000 of 1 public address (8 hours)",
			check: func(t *testing.T, f Finding) {
				if cv, _ := f.Details["hourly_cv"].(float64); cv > 0.1 {
					t.Errorf("hourly cv %.2f, want the steady session's few percent", cv)
				}
			}},
	}})
}

func TestMining_Negative(t *testing.T) {
	runNegatives(t, "crypto-mining", Options{}, []negative{{
		name: "a long steady HTTPS download",
		story: func(s *scenario) {
			held(s, "10.0.1.102", "203.0.113.45", 443, at(1, 0, 0), 8*time.Hour, vol{3000, 160000}, vol{6000, 8_000_000})
		},
		addr: "10.0.1.102",
	}, {
		name: "a long session whose volume swings hour to hour",
		story: func(s *scenario) {
			// Odd hours carry 250 times the bytes of even ones.
			c := conn{at: at(1, 0, 0), dur: 8 * time.Hour, src: "10.0.1.104", dst: "203.0.113.46", dport: 9000, out: vol{60, 12000}, back: vol{90, 36000}}
			s.session(c, 10*time.Minute, func(i int) float64 { return float64(1 + 249*(i/6%2)) })
		},
		addr: "10.0.1.104",
	}, {
		name: "a steady session inside the estate",
		story: func(s *scenario) {
			held(s, "10.0.1.105", "10.0.9.5", 9000, at(1, 0, 0), 8*time.Hour, vol{60, 12000}, vol{90, 36000})
		},
		addr: "10.0.1.105",
	}})
}
