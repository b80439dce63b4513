package hunt

import (
	"testing"
	"time"
)

// upload is one connection sending total bytes over dur, logged per
// minute, with acknowledgements coming back.
func upload(s *scenario, start time.Time, dur time.Duration, src, dst string, dport int, total int64) {
	n := int64(dur / time.Minute)
	per := total / n
	s.session(conn{at: start, dur: dur, src: src, dst: dst, dport: dport, out: vol{per / 1400, per}, back: vol{per / 14000, per / 14000 * 52}}, time.Minute, nil)
}

// internalLife keeps a host busy inside the estate all period, so that
// it is known in the baseline without talking to the internet.
func internalLife(s *scenario, host string) {
	every(at(0, 0, 0), at(days2, 0, 0), time.Hour, func(tm time.Time) {
		s.add(conn{at: tm.Add(7 * time.Minute), src: "10.0.3.10", dst: host, dport: 5432, out: vol{10, 1200}, back: vol{10, 5000}})
	})
}

func TestExfiltration_Positive(t *testing.T) {
	runPositives(t, "exfiltration", Options{}, []positive{{
		name: "a database silent to the internet sends 500 MB in an hour",
		story: func(s *scenario) {
			s.background(days2)
			internalLife(s, "10.0.1.60")
			upload(s, at(30, 0, 0), time.Hour, "10.0.1.60", "203.0.113.99", 443, 500_000_000)
		},
		addr: "10.0.1.60",
		want: want{severity: Critical, src: "10.0.1.60", dst: "203.0.113.99", ports: []int{443},
			title: "10.0.1.60, silent to the internet in the baseline, sent 476.8 MiB to 203.0.113.99",
			check: func(t *testing.T, f Finding) {
				if out := detail(f, "bytes_out"); out < 499_000_000 || out > 500_000_000 {
					t.Errorf("bytes_out %d, want about 500 MB", out)
				}
				if detail(f, "peak_hour_bytes") < 400_000_000 || detail(f, "baseline_peak_hour_bytes_host") != 0 {
					t.Errorf("peak hour %d, baseline peak %d: want most of 500 MB in one hour against nothing", detail(f, "peak_hour_bytes"), detail(f, "baseline_peak_hour_bytes_host"))
				}
				if f.MITRE != "T1041" || f.Protocol != "tcp" {
					t.Errorf("mitre %s protocol %s", f.MITRE, f.Protocol)
				}
			}},
	}, {
		name: "a host with a small steady upload sends 300 MB to a new destination",
		story: func(s *scenario) {
			s.background(days2)
			every(at(0, 0, 0), at(days2, 0, 0), time.Hour, func(tm time.Time) {
				s.add(conn{at: tm.Add(3 * time.Minute), src: "10.0.1.61", dst: "198.51.100.5", dport: 443, out: vol{1500, 2_000_000}, back: vol{300, 20000}})
			})
			upload(s, at(35, 0, 0), 30*time.Minute, "10.0.1.61", "203.0.113.98", 443, 300_000_000)
		},
		addr: "203.0.113.98",
		want: want{severity: High, src: "10.0.1.61", dst: "203.0.113.98", title: "10.0.1.61 sent 286.1 MiB to a new destination 203.0.113.98",
			check: func(t *testing.T, f Finding) {
				if b := detail(f, "baseline_peak_hour_bytes_host"); b != 2_000_000 {
					t.Errorf("baseline peak hour %d, want the steady upload's 2 MB", b)
				}
			}},
	}})
}

func TestExfiltration_Negative(t *testing.T) {
	trusted := Options{Config: mustConfig(t, "trusted_destinations: [52.94.0.0/16]")}
	runNegatives(t, "exfiltration", trusted, []negative{{
		name: "a nightly backup sending 2 GB, present in the baseline",
		story: func(s *scenario) {
			s.background(days2)
			internalLife(s, "10.0.1.70")
			for night := range 2 {
				upload(s, at(24*night+2, 0, 0), 40*time.Minute, "10.0.1.70", "198.51.100.200", 443, 2_000_000_000)
			}
		},
		addr: "10.0.1.70",
	}, {
		name: "a host downloading 2 GB: the bytes come back, they do not go out",
		story: func(s *scenario) {
			s.background(days2)
			internalLife(s, "10.0.1.71")
			s.session(conn{at: at(30, 0, 0), dur: time.Hour, src: "10.0.1.71", dst: "203.0.113.97", dport: 443, out: vol{1200, 70000}, back: vol{24000, 33_000_000}}, time.Minute, nil)
		},
		addr: "10.0.1.71",
	}, {
		name: "an upload to a trusted destination",
		story: func(s *scenario) {
			s.background(days2)
			internalLife(s, "10.0.1.72")
			upload(s, at(30, 0, 0), time.Hour, "10.0.1.72", "52.94.10.10", 443, 500_000_000)
		},
		addr: "10.0.1.72",
	}})
}
