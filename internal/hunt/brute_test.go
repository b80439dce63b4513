package hunt

import (
	"fmt"
	"testing"
	"time"
)

func TestBruteForce_Positive(t *testing.T) {
	runPositives(t, "brute-force", Options{}, []positive{{
		name: "SSH from the internet: 300 short sessions in an hour",
		story: func(s *scenario) {
			for i := range 300 {
				s.add(conn{at: at(5, 0, 12*i), src: "198.51.100.66", dst: "10.0.1.10", dport: 22, out: vol{14, 2600}, back: vol{12, 3100}})
			}
		},
		addr: "198.51.100.66",
		want: want{severity: High, src: "198.51.100.66", dst: "10.0.1.10", ports: []int{22}, title: "SSH brute force from the internet: 198.51.100.66 against 10.0.1.10",
			check: func(t *testing.T, f Finding) {
				if detail(f, "sessions") != 300 || f.Records != 600 || f.Protocol != "tcp" || f.MITRE != "T1110" {
					t.Errorf("sessions %d records %d protocol %s mitre %s, want 300, 600, tcp, T1110", detail(f, "sessions"), f.Records, f.Protocol, f.MITRE)
				}
			}},
	}, {
		name: "RDP spraying inside the estate: 5 hosts, 40 sessions each in an hour",
		story: func(s *scenario) {
			for i := range 40 {
				for h := 1; h <= 5; h++ {
					s.add(conn{at: at(7, 0, 90*i+h), src: "10.0.1.50", dst: fmt.Sprintf("10.0.2.%d", h), dport: 3389, out: vol{20, 4000}, back: vol{18, 6000}})
				}
			}
		},
		addr: "10.0.1.50",
		want: want{severity: Critical, src: "10.0.1.50", dstCount: 5, ports: []int{3389}, title: "RDP brute force inside the estate: 10.0.1.50 against 5 hosts",
			check: func(t *testing.T, f Finding) {
				if detail(f, "sessions") != 200 || f.DistinctPeers != 5 {
					t.Errorf("sessions %d peers %d, want 200 and 5", detail(f, "sessions"), f.DistinctPeers)
				}
			}},
	}, {
		name: "guessing the security group rejected, 300 tries in an hour: intent, at low severity",
		story: func(s *scenario) {
			for i := range 300 {
				s.add(conn{at: at(5, 0, 12*i), src: "198.51.100.67", dst: "10.0.1.11", dport: 22, out: vol{1, 60}, reject: true})
			}
		},
		addr: "198.51.100.67",
		want: want{severity: Low, src: "198.51.100.67", dst: "10.0.1.11", ports: []int{22}, title: "Blocked SSH brute force from the internet: 198.51.100.67 against 10.0.1.11"},
	}, {
		name: "MySQL guessing that starts after a baseline of normal use",
		story: func(s *scenario) {
			s.background(24)
			every(at(0, 0, 0), at(8, 0, 0), 30*time.Minute, func(tm time.Time) {
				s.add(conn{at: tm, src: "203.0.113.70", dst: "10.0.1.12", dport: 3306, out: vol{30, 5000}, back: vol{30, 40000}})
			})
			for i := range 120 {
				s.add(conn{at: at(20, 0, 25*i), src: "203.0.113.70", dst: "10.0.1.12", dport: 3306, out: vol{9, 900}, back: vol{8, 1100}})
			}
		},
		addr: "203.0.113.70",
		want: want{severity: High, src: "203.0.113.70", dst: "10.0.1.12", ports: []int{3306}, title: "MySQL brute force from the internet"},
	}})
}

func TestBruteForce_Negative(t *testing.T) {
	runNegatives(t, "brute-force", Options{}, []negative{{
		name: "monitoring that logs in to every host every five minutes, all period",
		story: func(s *scenario) {
			every(at(0, 0, 0), at(48, 0, 0), 5*time.Minute, func(tm time.Time) {
				for h := 1; h <= 6; h++ {
					s.add(conn{at: tm.Add(time.Duration(h) * time.Second), src: "10.0.0.5", dst: fmt.Sprintf("10.0.8.%d", h), dport: 22, out: vol{16, 3000}, back: vol{14, 4000}})
				}
			})
		},
		addr: "10.0.0.5",
	}, {
		name: "a database poller every two minutes, as busy in the baseline as after it",
		story: func(s *scenario) {
			every(at(0, 0, 0), at(48, 0, 0), 2*time.Minute, func(tm time.Time) {
				s.add(conn{at: tm, src: "10.0.0.7", dst: "10.0.8.10", dport: 5432, out: vol{10, 1200}, back: vol{10, 2400}})
			})
		},
		addr: "10.0.0.7",
	}, {
		name: "a deploy tool opening 40 SSH sessions an hour, each carrying files",
		story: func(s *scenario) {
			for i := range 40 {
				s.add(conn{at: at(3, 0, 90*i), dur: time.Minute, src: "10.0.0.8", dst: "10.0.8.20", dport: 22, out: vol{900, 1200000}, back: vol{300, 20000}})
			}
		},
		addr: "10.0.0.8",
	}, {
		name: "an application retrying a blocked database connection every minute",
		story: func(s *scenario) {
			every(at(0, 0, 0), at(6, 0, 0), time.Minute, func(tm time.Time) {
				s.add(conn{at: tm, src: "10.0.0.11", dst: "10.0.8.30", dport: 5432, out: vol{1, 60}, reject: true})
			})
		},
		addr: "10.0.0.11",
	}, {
		name: "one try on SSH at each of 60 hosts: a sweep, not guessing",
		story: func(s *scenario) {
			for h := 1; h <= 60; h++ {
				s.add(conn{at: at(2, 0, 20*h), src: "10.0.0.12", dst: fmt.Sprintf("10.0.8.%d", h), dport: 22, out: vol{12, 2000}, back: vol{10, 3000}})
			}
		},
		addr: "10.0.0.12",
	}})
}
