package hunt

import (
	"fmt"
	"testing"
	"time"
)

// perMinute logs one flow (one client port) for an hour, a record each
// way per minute: out and back are per minute.
func perMinute(s *scenario, start time.Time, src, dst string, dport, proto int, out, back vol) {
	c := conn{at: start, dur: time.Hour, src: src, dst: dst, dport: dport, proto: proto, out: out, back: back}
	if back.pkts == 0 {
		sport := s.nextPort()
		for i := range 60 {
			s.logBoth(rec{src: src, dst: dst, sport: sport, dport: dport, proto: proto, v: out, from: start.Add(time.Duration(i) * time.Minute), to: start.Add(time.Duration(i+1) * time.Minute)})
		}
		return
	}
	s.session(c, time.Minute, nil)
}

func TestOutboundDoS_Positive(t *testing.T) {
	runPositives(t, "outbound-dos", Options{}, []positive{{
		name: "a UDP flood: 300,000 packets in an hour, nothing back",
		story: func(s *scenario) {
			perMinute(s, at(2, 0, 0), "10.0.1.110", "203.0.113.120", 80, 17, vol{5000, 5000 * 512}, vol{})
		},
		addr: "10.0.1.110",
		want: want{severity: High, src: "10.0.1.110", dst: "203.0.113.120", ports: []int{80}, title: "Outbound udp flood from 10.0.1.110 to 203.0.113.120",
			check: func(t *testing.T, f Finding) {
				if f.Packets != 300_000 || f.Protocol != "udp" || detail(f, "packets_back") != 0 || f.MITRE != "T1498" {
					t.Errorf("packets %d protocol %s back %d mitre %s, want 300000 udp 0 T1498", f.Packets, f.Protocol, detail(f, "packets_back"), f.MITRE)
				}
			}},
	}, {
		name: "a SYN flood: 3,000 connection attempts in an hour",
		story: func(s *scenario) {
			for i := range 3000 {
				s.add(conn{at: at(2, 0, 0).Add(time.Duration(i) * 1100 * time.Millisecond), src: "10.0.1.113", dst: "203.0.113.123", dport: 443, out: vol{1, 60}})
			}
		},
		addr: "10.0.1.113",
		want: want{severity: High, src: "10.0.1.113", dst: "203.0.113.123", ports: []int{443}, title: "Outbound tcp flood from 10.0.1.113 to 203.0.113.123"},
	}})
}

func TestOutboundDoS_Negative(t *testing.T) {
	runNegatives(t, "outbound-dos", Options{}, []negative{{
		name: "a big download: many packets out, but they acknowledge twice as many coming back",
		story: func(s *scenario) {
			perMinute(s, at(2, 0, 0), "10.0.1.111", "203.0.113.121", 443, 6, vol{4200, 4200 * 52}, vol{8400, 8400 * 1448})
		},
		addr: "10.0.1.111",
	}, {
		name: "a big upload, acknowledged one packet for fifteen",
		story: func(s *scenario) {
			perMinute(s, at(2, 0, 0), "10.0.1.112", "203.0.113.122", 443, 6, vol{5000, 5000 * 1448}, vol{333, 333 * 52})
		},
		addr: "10.0.1.112",
	}, {
		name: "many short API calls, each answered with data",
		story: func(s *scenario) {
			for i := range 2500 {
				s.add(conn{at: at(2, 0, 0).Add(time.Duration(i) * 1400 * time.Millisecond), src: "10.0.1.114", dst: "203.0.113.124", dport: 443, out: vol{8, 1400}, back: vol{8, 6000}})
			}
		},
		addr: "10.0.1.114",
	}})
}

// smtp logs one mail delivery.
func smtp(s *scenario, tm time.Time, src, dst string) {
	s.add(conn{at: tm, src: src, dst: dst, dport: 25, out: vol{20, 9000}, back: vol{15, 1500}})
}

func TestSpamBot_Positive(t *testing.T) {
	runPositives(t, "spam-bot", Options{}, []positive{{
		name: "SMTP to 30 public addresses from a host that never sent mail",
		story: func(s *scenario) {
			s.background(days2)
			for i := 1; i <= 30; i++ {
				smtp(s, at(30, i, 0), "10.0.1.120", fmt.Sprintf("198.51.100.%d", i))
			}
		},
		addr: "10.0.1.120",
		want: want{severity: High, src: "10.0.1.120", dstCount: 30, ports: []int{25}, title: "Spam bot: 10.0.1.120 sent SMTP to 30 mail servers",
			check: func(t *testing.T, f Finding) {
				if f.DistinctPeers != 30 || f.Records != 60 {
					t.Errorf("peers %d records %d, want 30 and 60", f.DistinctPeers, f.Records)
				}
			}},
	}})
}

func TestSpamBot_Negative(t *testing.T) {
	runNegatives(t, "spam-bot", Options{}, []negative{{
		name: "a mail server with history in the baseline",
		story: func(s *scenario) {
			s.background(days2)
			for i := 1; i <= 60; i++ {
				smtp(s, at(i*days2/60, 0, 0).Add(time.Duration(i)*time.Minute), "10.0.1.121", fmt.Sprintf("198.51.100.%d", 1+i%30))
			}
		},
		addr: "10.0.1.121",
	}, {
		name: "a host relaying through one smarthost",
		story: func(s *scenario) {
			s.background(days2)
			for i := 1; i <= 30; i++ {
				smtp(s, at(30, i, 0), "10.0.1.122", "198.51.100.200")
			}
		},
		addr: "10.0.1.122",
	}})
}

// webClient keeps a host calling an API on 443 through the baseline.
func webClient(s *scenario, host string) {
	every(at(0, 0, 0), at(days2, 0, 0), time.Hour, func(tm time.Time) {
		s.add(conn{at: tm.Add(5 * time.Minute), src: host, dst: "198.51.100.250", dport: 443, out: vol{10, 1500}, back: vol{12, 9000}})
	})
}

func TestUnusualTraffic_Positive(t *testing.T) {
	runPositives(t, "unusual-traffic", Options{}, []positive{{
		name: "a web client starts talking IRC",
		story: func(s *scenario) {
			s.background(days2)
			webClient(s, "10.0.1.130")
			held(s, "10.0.1.130", "203.0.113.66", 6667, at(30, 0, 0), 2*time.Hour, vol{20, 3000}, vol{40, 200000})
		},
		addr: "10.0.1.130",
		want: want{severity: Medium, src: "10.0.1.130", dst: "203.0.113.66", ports: []int{6667}, title: "Unusual port: 10.0.1.130 used tcp/6667 to the internet",
			check: func(t *testing.T, f Finding) {
				if f.MITRE != "T1571" || f.Bytes < 2_000_000 {
					t.Errorf("mitre %s bytes %d, want T1571 and the 2 MB exchanged", f.MITRE, f.Bytes)
				}
			}},
	}})
}

func TestUnusualTraffic_Negative(t *testing.T) {
	runNegatives(t, "unusual-traffic", Options{}, []negative{{
		name: "a port the host already used in the baseline",
		story: func(s *scenario) {
			s.background(days2)
			webClient(s, "10.0.1.132")
			held(s, "10.0.1.132", "203.0.113.67", 443, at(30, 0, 0), 2*time.Hour, vol{20, 3000}, vol{40, 200000})
		},
		addr: "10.0.1.132",
	}, {
		name: "a host that first appears after the baseline",
		story: func(s *scenario) {
			s.background(days2)
			held(s, "10.0.1.133", "203.0.113.68", 6667, at(30, 0, 0), 2*time.Hour, vol{20, 3000}, vol{40, 200000})
		},
		addr: "10.0.1.133",
	}})
}

// TestUnusualTraffic_FoldsIntoSpecific: a host that starts mining uses a
// new port; the unusual-port finding folds into the mining finding.
func TestUnusualTraffic_FoldsIntoSpecific(t *testing.T) {
	s := newScenario(t)
	s.background(days2)
	webClient(s, "10.0.1.131")
	held(s, "10.0.1.131", "198.51.100.33", 3333, at(30, 0, 0), 3*time.Hour, vol{60, 30000}, vol{90, 60000})
	rep := s.hunt(Options{Detectors: []string{"crypto-mining", "unusual-traffic"}})
	ran(t, rep, "unusual-traffic")
	expectNone(t, rep, "unusual-traffic", "10.0.1.131")
	f := expectOne(t, rep, "crypto-mining", "10.0.1.131", want{severity: High, src: "10.0.1.131", dst: "198.51.100.33", ports: []int{3333}, title: "mining-pool port"})
	if len(f.Related) != 1 {
		t.Fatalf("related %v, want the folded unusual-port finding", f.Related)
	}
	for _, g := range rep.Findings {
		if g.ID == f.Related[0] {
			t.Errorf("related %s is still reported: %s", g.ID, g.Title)
		}
	}
	// The unusual-port finding was made before it was folded: the
	// detector's own count says so.
	for _, d := range rep.Detectors {
		if d.Name == "unusual-traffic" && d.Findings != 1 {
			t.Errorf("unusual-traffic made %d findings, want the one folded", d.Findings)
		}
	}
}
