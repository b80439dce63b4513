package hunt

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The stories that need a baseline run for two days: the baseline is the
// first 23 hours (half the data, whole hours), and what they test happens
// from hour 24 on.
const days2 = 48

// threeTier is a web → app → db estate with Name tags, busy all period:
// web calls app on 8080, app calls db on 5432. With replace, the app
// instance is replaced at hour 24 by one with a new address.
func threeTier(s *scenario, replace bool) {
	s.background(days2)
	s.launch(at(0, 0, 0).Add(-time.Hour), "i-web1", "10.0.1.10", "web")
	s.launch(at(0, 0, 0).Add(-time.Hour), "i-app1", "10.0.3.10", "app")
	s.launch(at(0, 0, 0).Add(-time.Hour), "i-db1", "10.0.2.10", "db")
	app := func(tm time.Time) string { return "10.0.3.10" }
	if replace {
		s.launch(at(23, 50, 0), "i-app2", "10.0.3.11", "app")
		s.terminate(at(24, 0, 0), "i-app1")
		app = func(tm time.Time) string {
			if tm.Before(at(24, 0, 0)) {
				return "10.0.3.10"
			}
			return "10.0.3.11"
		}
	}
	every(at(0, 0, 0), at(days2, 0, 0), 20*time.Minute, func(tm time.Time) {
		s.add(conn{at: tm, src: "10.0.1.10", dst: app(tm), dport: 8080, out: vol{10, 1500}, back: vol{12, 9000}})
		s.add(conn{at: tm.Add(time.Second), src: app(tm), dst: "10.0.2.10", dport: 5432, out: vol{10, 1200}, back: vol{10, 5000}})
	})
}

func TestLateral_Positive(t *testing.T) {
	runPositives(t, "lateral-movement", Options{}, []positive{{
		name: "burst fan-out on SSH and SMB to 10 hosts in ten minutes",
		story: func(s *scenario) {
			s.background(days2)
			for h := 1; h <= 10; h++ {
				dst := fmt.Sprintf("10.0.9.%d", h)
				s.add(conn{at: at(30, h, 0), src: "10.0.1.50", dst: dst, dport: 22, out: vol{20, 3000}, back: vol{18, 4000}})
				s.add(conn{at: at(30, h, 30), src: "10.0.1.50", dst: dst, dport: 445, out: vol{20, 3000}, back: vol{18, 4000}})
			}
		},
		addr: "10.0.1.50",
		want: want{severity: High, src: "10.0.1.50", dstCount: 10, ports: []int{22, 445}, title: "Admin-port fan-out from 10.0.1.50 to 10 internal hosts",
			check: func(t *testing.T, f Finding) {
				if f.DistinctPeers != 10 || f.MITRE != "T1021" || detail(f, "answered_hosts") != 10 {
					t.Errorf("peers %d mitre %s answered %d, want 10, T1021, 10", f.DistinctPeers, f.MITRE, detail(f, "answered_hosts"))
				}
			}},
	}, {
		name: "a new edge: web talks to the database directly",
		story: func(s *scenario) {
			threeTier(s, false)
			for i := range 5 {
				s.add(conn{at: at(36, i, 0), src: "10.0.1.10", dst: "10.0.2.10", dport: 5432, out: vol{15, 2000}, back: vol{40, 90000}})
			}
		},
		addr: "10.0.1.10",
		want: want{severity: High, src: "10.0.1.10", dst: "10.0.2.10", ports: []int{5432}, title: "New connection web → db on PostgreSQL",
			check: func(t *testing.T, f Finding) {
				if f.Src.Name != "web" || f.Dst.Name != "db" || f.Src.InstanceID != "i-web1" || f.Dst.Interface != eniOf("10.0.2.10") {
					t.Errorf("src %+v dst %+v: want web (i-web1) and db at %s", f.Src, f.Dst, eniOf("10.0.2.10"))
				}
				if detail(f, "cross_vpc") != 0 && f.Details["cross_vpc"] != false {
					t.Errorf("cross_vpc %v in one VPC", f.Details["cross_vpc"])
				}
			}},
	}, {
		name: "a new edge the groups reject: web tries the database directly",
		story: func(s *scenario) {
			threeTier(s, false)
			for i := range 5 {
				s.add(conn{at: at(36, i, 0), src: "10.0.1.10", dst: "10.0.2.10", dport: 5432, out: vol{1, 60}, reject: true})
			}
		},
		addr: "10.0.1.10",
		want: want{severity: High, src: "10.0.1.10", dst: "10.0.2.10", ports: []int{5432}, title: "New connection web → db on PostgreSQL",
			check: func(t *testing.T, f Finding) {
				if f.Details["answered"] != false || !strings.Contains(f.Summary, "never answered or rejected") {
					t.Errorf("answered %v, summary %q: want the rejection said", f.Details["answered"], f.Summary)
				}
			}},
	}, {
		name: "a workload that never administered anything opens SSH to another",
		story: func(s *scenario) {
			threeTier(s, false)
			s.add(conn{at: at(40, 0, 0), dur: 10 * time.Minute, src: "10.0.3.10", dst: "10.0.1.10", dport: 22, out: vol{300, 40000}, back: vol{400, 300000}})
		},
		addr: "10.0.3.10",
		want: want{severity: High, src: "10.0.3.10", dst: "10.0.1.10", ports: []int{22}, title: "New connection app → web on SSH"},
	}, {
		name: "a new port between workloads that already talk: web calls app on 9090",
		story: func(s *scenario) {
			threeTier(s, false)
			for i := range 5 {
				s.add(conn{at: at(36, i, 0), src: "10.0.1.10", dst: "10.0.3.10", dport: 9090, out: vol{10, 1500}, back: vol{12, 9000}})
			}
		},
		addr: "10.0.1.10",
		want: want{severity: Low, src: "10.0.1.10", dst: "10.0.3.10", ports: []int{9090}, title: "New connection web → app on port 9090"},
	}})
}

// TestLateral_ReplacementKeepsEdges: after the app instance is replaced,
// its old edges under a new address are not new, while a really new edge
// in the same lake is reported — so the names were resolved.
func TestLateral_ReplacementKeepsEdges(t *testing.T) {
	s := newScenario(t)
	threeTier(s, true)
	s.add(conn{at: at(36, 0, 0), src: "10.0.1.10", dst: "10.0.2.10", dport: 5432, out: vol{15, 2000}, back: vol{40, 90000}})
	rep := s.hunt(Options{Detectors: []string{"lateral-movement"}})
	if fs := of(rep, "lateral-movement"); len(fs) != 1 {
		t.Fatalf("%d findings, want only web → db:\n%s", len(fs), describe(fs))
	}
	expectOne(t, rep, "lateral-movement", "10.0.2.10", want{severity: High, src: "10.0.1.10", dst: "10.0.2.10", title: "web → db"})
}

func TestLateral_Negative(t *testing.T) {
	runNegatives(t, "lateral-movement", Options{}, []negative{{
		name: "a jump host reaching a new host every two hours",
		story: func(s *scenario) {
			s.background(days2)
			for h := 1; h <= 12; h++ {
				s.add(conn{at: at(16+2*h, 0, 0), dur: 20 * time.Minute, src: "10.0.0.9", dst: fmt.Sprintf("10.0.9.%d", h), dport: 22, out: vol{400, 50000}, back: vol{500, 400000}})
			}
		},
		addr: "10.0.0.9",
	}, {
		name: "a named bastion, which reached several workloads in the baseline, reaching new ones",
		story: func(s *scenario) {
			s.background(days2)
			s.launch(at(0, 0, 0).Add(-time.Hour), "i-bastion", "10.0.0.10", "bastion")
			for h := 1; h <= 8; h++ {
				s.launch(at(0, 0, 0).Add(-time.Hour), fmt.Sprintf("i-svc%d", h), fmt.Sprintf("10.0.9.%d", h), fmt.Sprintf("svc-%c", 'a'+h-1))
			}
			s.add(conn{at: at(2, 0, 0), src: "10.0.0.10", dst: "10.0.9.1", dport: 22, out: vol{40, 5000}, back: vol{50, 40000}})
			s.add(conn{at: at(5, 0, 0), src: "10.0.0.10", dst: "10.0.9.2", dport: 22, out: vol{40, 5000}, back: vol{50, 40000}})
			for h := 3; h <= 8; h++ {
				s.add(conn{at: at(14+3*h, 0, 0), src: "10.0.0.10", dst: fmt.Sprintf("10.0.9.%d", h), dport: 22, out: vol{40, 5000}, back: vol{50, 40000}})
			}
		},
		addr: "10.0.0.10",
	}, {
		name: "the app instance replaced mid-period: same Name tag, new address",
		story: func(s *scenario) {
			threeTier(s, true)
		},
		addr: "10.0.3.11",
	}})
}
