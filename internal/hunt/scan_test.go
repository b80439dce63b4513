package hunt

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestPortScan_Positive(t *testing.T) {
	runPositives(t, "port-scan", Options{}, []positive{{
		name: "vertical from the internet: 200 ports of one host, all rejected",
		story: func(s *scenario) {
			for p := 1; p <= 200; p++ {
				s.add(conn{at: at(1, 0, p), src: "203.0.113.50", dst: "10.0.1.10", dport: p, out: vol{1, 44}, reject: true})
			}
		},
		addr: "203.0.113.50",
		want: want{severity: Low, src: "203.0.113.50", dst: "10.0.1.10", title: "Vertical port scan from the internet: 203.0.113.50",
			check: func(t *testing.T, f Finding) {
				if f.DistinctPorts != 200 || f.DistinctPeers != 1 || f.Records != 200 || detail(f, "targets") != 200 || detail(f, "failed") != 200 {
					t.Errorf("ports %d peers %d records %d targets %d failed %d, want 200, 1, 200, 200, 200",
						f.DistinctPorts, f.DistinctPeers, f.Records, detail(f, "targets"), detail(f, "failed"))
				}
				if len(f.Ports) != 20 || f.Ports[0] != 1 {
					t.Errorf("ports %v: want the first 20", f.Ports)
				}
			}},
	}, {
		name: "vertical from the internet in default-format logs: no tcp-flags, rejections still count",
		story: func(s *scenario) {
			s.v2 = true
			for p := 1; p <= 50; p++ {
				s.add(conn{at: at(1, 0, p), src: "203.0.113.51", dst: "10.0.1.10", dport: 1000 + p, out: vol{1, 44}, reject: true})
			}
		},
		addr: "203.0.113.51",
		want: want{severity: Low, src: "203.0.113.51", dst: "10.0.1.10", title: "Vertical port scan from the internet: 203.0.113.51"},
	}, {
		name: "horizontal inside: port 445 on 40 hosts, SYNs never answered",
		story: func(s *scenario) {
			for h := 1; h <= 40; h++ {
				s.add(conn{at: at(2, 0, 3*h), src: "10.0.1.20", dst: fmt.Sprintf("10.0.2.%d", h), dport: 445, out: vol{2, 120}})
			}
		},
		addr: "10.0.1.20",
		want: want{severity: High, src: "10.0.1.20", dstCount: 40, ports: []int{445}, title: "Horizontal port scan inside the estate from 10.0.1.20",
			check: func(t *testing.T, f Finding) {
				// Each attempt is logged at both ends: 80 records.
				if f.DistinctPeers != 40 || f.DistinctPorts != 1 || f.Records != 80 || detail(f, "failed") != 40 {
					t.Errorf("peers %d ports %d records %d failed %d, want 40, 1, 80, 40", f.DistinctPeers, f.DistinctPorts, f.Records, detail(f, "failed"))
				}
				if f.MITRE != "T1046" {
					t.Errorf("mitre %q", f.MITRE)
				}
			}},
	}, {
		name: "horizontal inside, rejected by the targets' security groups",
		story: func(s *scenario) {
			for h := 1; h <= 25; h++ {
				s.add(conn{at: at(2, 0, 3*h), src: "10.0.1.21", dst: fmt.Sprintf("10.0.2.%d", h), dport: 3389, out: vol{1, 60}, reject: true})
			}
		},
		addr: "10.0.1.21",
		want: want{severity: High, src: "10.0.1.21", dstCount: 25, ports: []int{3389}, title: "Horizontal port scan inside the estate"},
	}, {
		name: "outbound sweep: telnet to 50 public addresses",
		story: func(s *scenario) {
			for h := 1; h <= 50; h++ {
				s.add(conn{at: at(3, 0, 2*h), src: "10.0.1.30", dst: fmt.Sprintf("198.51.100.%d", h), dport: 23, out: vol{1, 60}})
			}
		},
		addr: "10.0.1.30",
		want: want{severity: High, src: "10.0.1.30", dstCount: 50, ports: []int{23}, title: "Outbound port sweep from 10.0.1.30 across 50 public addresses"},
	}, {
		name: "a client that turns scanner after hours of normal work",
		story: func(s *scenario) {
			for i := range 60 {
				s.add(conn{at: at(0, i, 0), src: "10.0.1.31", dst: fmt.Sprintf("10.0.4.%d", 1+i%5), dport: 8080, out: vol{8, 900}, back: vol{6, 4000}})
			}
			for p := 1; p <= 30; p++ {
				s.add(conn{at: at(2, 0, p), src: "10.0.1.31", dst: "10.0.4.9", dport: 1000 + p, out: vol{1, 60}, reject: true})
			}
		},
		addr: "10.0.1.31",
		want: want{severity: High, src: "10.0.1.31", title: "inside the estate from 10.0.1.31",
			check: func(t *testing.T, f Finding) {
				if detail(f, "failed") != 30 || detail(f, "targets") != 35 {
					t.Errorf("failed %d of %d targets, want 30 of 35", detail(f, "failed"), detail(f, "targets"))
				}
			}},
	}})
}

// TestPortScan_BackgroundFolds: the internet's background scanners fold
// into one informational finding; the one that hammered a host stands out.
func TestPortScan_BackgroundFolds(t *testing.T) {
	s := newScenario(t)
	var crowd []string
	for k := range 8 {
		src := fmt.Sprintf("192.0.2.%d", 10+k)
		crowd = append(crowd, src)
		for h := 1; h <= 12; h++ {
			s.add(conn{at: at(k%6, 7*h, k), src: src, dst: fmt.Sprintf("10.0.3.%d", h), dport: []int{22, 23, 3389}[k%3], out: vol{1, 44}, reject: true})
		}
	}
	for p := 1; p <= 300; p++ {
		s.add(conn{at: at(3, 0, p), src: "192.0.2.99", dst: "10.0.3.1", dport: p, out: vol{1, 44}, reject: true})
	}
	rep := s.hunt(Options{Detectors: []string{"port-scan"}})
	if n := len(of(rep, "port-scan")); n != 2 {
		t.Fatalf("%d findings, want the heavy scanner and the folded crowd:\n%s", n, describe(rep.Findings))
	}
	expectOne(t, rep, "port-scan", "192.0.2.99", want{severity: Low, src: "192.0.2.99", dst: "10.0.3.1", title: "Vertical port scan"})
	bg := rep.Findings[1]
	if bg.Severity != Info || bg.Src.Count != 8 || bg.Src.Address != "" || !containsAll(bg.Details["sources"].([]string), crowd) {
		t.Errorf("background finding: severity %s, %d sources %v, want info with %v", bg.Severity, bg.Src.Count, bg.Details["sources"], crowd)
	}
	if bg.Records != 8*12 || !slices.Equal(bg.Ports, []int{22, 23, 3389}) {
		t.Errorf("background finding: %d records, ports %v; want 96 and [22 23 3389]", bg.Records, bg.Ports)
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return len(got) == len(want)
}

func TestPortScan_Negative(t *testing.T) {
	runNegatives(t, "port-scan", Options{}, []negative{{
		name: "a busy client: 60 services answered, a failure now and then",
		story: func(s *scenario) {
			for i := range 60 {
				c := conn{at: at(1, i, 0), src: "10.0.1.40", dst: fmt.Sprintf("203.0.113.%d", 1+i), dport: 443, out: vol{12, 1500}, back: vol{20, 30000}}
				if i%12 == 5 {
					c.back = vol{}
				}
				s.add(c)
			}
		},
		addr: "10.0.1.40",
	}, {
		name: "a few failures among a handful of targets",
		story: func(s *scenario) {
			for i := range 12 {
				c := conn{at: at(1, i, 0), src: "10.0.1.41", dst: fmt.Sprintf("10.0.5.%d", 1+i), dport: 5432, out: vol{10, 1500}, back: vol{10, 6000}}
				if i < 3 {
					c.reject = true
				}
				s.add(c)
			}
		},
		addr: "10.0.1.41",
	}, {
		name: "monitoring that fans out to 50 hosts every five minutes, all answering",
		story: func(s *scenario) {
			every(at(0, 0, 0), at(6, 0, 0), 5*time.Minute, func(tm time.Time) {
				for h := 1; h <= 50; h++ {
					s.add(conn{at: tm.Add(time.Duration(h) * time.Second), src: "10.0.0.5", dst: fmt.Sprintf("10.0.6.%d", h), dport: 9100, out: vol{6, 500}, back: vol{6, 9000}})
				}
			})
		},
		addr: "10.0.0.5",
	}, {
		name: "a load balancer's health checks, one backend down for an hour",
		story: func(s *scenario) {
			every(at(0, 0, 0), at(4, 0, 0), 30*time.Second, func(tm time.Time) {
				for h := 1; h <= 12; h++ {
					c := conn{at: tm, src: "10.0.0.6", dst: fmt.Sprintf("10.0.7.%d", h), dport: 8080, out: vol{5, 400}, back: vol{5, 700}}
					if h == 7 && tm.After(at(1, 0, 0)) && tm.Before(at(2, 0, 0)) {
						c.back = vol{}
					}
					s.add(c)
				}
			})
		},
		addr: "10.0.0.6",
	}})
}
