package hunt

import (
	"net/netip"
	"testing"

	"github.com/flowtrail/flowtrail/internal/ioc"
)

func indicators(cidrs ...string) []ioc.Indicator {
	var out []ioc.Indicator
	for _, c := range cidrs {
		out = append(out, ioc.Indicator{Prefix: netip.MustParsePrefix(c).Masked(), Comment: "listed " + c, Source: "test:1"})
	}
	return out
}

// withDirection returns the ioc findings about addr in one direction.
func withDirection(rep *Report, addr, dir string) []Finding {
	var out []Finding
	for _, f := range about(rep, "ioc", addr) {
		if f.Details["direction"] == dir {
			out = append(out, f)
		}
	}
	return out
}

func TestIOC_Positive(t *testing.T) {
	opt := Options{Detectors: []string{"ioc"}, Indicators: indicators("203.0.113.0/24", "198.51.100.7/32", "198.51.100.8/32", "2001:db8:bad::/48")}
	for _, c := range []struct {
		name      string
		story     story
		addr, dir string
		indicator string
		want      want
	}{{
		name: "OUTBOUND: an instance calls an address in a listed range",
		story: func(s *scenario) {
			s.add(conn{at: at(1, 0, 0), src: "10.0.1.5", dst: "203.0.113.9", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
			s.add(conn{at: at(1, 30, 0), src: "10.0.1.5", dst: "203.0.113.9", dport: 8443, out: vol{10, 900}, back: vol{12, 8000}})
		},
		addr: "10.0.1.5", dir: "OUTBOUND", indicator: "203.0.113.0/24",
		want: want{severity: High, src: "10.0.1.5", dst: "203.0.113.9", ports: []int{443, 8443}, title: "10.0.1.5 contacted indicator 203.0.113.9",
			check: func(t *testing.T, f Finding) {
				// Two connections, logged at the instance's interface
				// only: two requests and two replies.
				if f.Records != 4 || f.Details["comment"] != "listed 203.0.113.0/24" || f.Details["accepted"] != true {
					t.Errorf("%d records, comment %v, accepted %v: want 4, the indicator's comment, true", f.Records, f.Details["comment"], f.Details["accepted"])
				}
			}},
	}, {
		name: "INBOUND, rejected: a listed address knocks on SSH",
		story: func(s *scenario) {
			s.add(conn{at: at(1, 0, 0), src: "198.51.100.7", dst: "10.0.1.5", dport: 22, out: vol{1, 60}, reject: true})
		},
		addr: "198.51.100.7", dir: "INBOUND", indicator: "198.51.100.7",
		want: want{severity: Low, src: "198.51.100.7", dst: "10.0.1.5", ports: []int{22}, title: "Indicator 198.51.100.7 reached 10.0.1.5 (rejected)"},
	}, {
		name: "INBOUND, accepted and answered",
		story: func(s *scenario) {
			s.add(conn{at: at(1, 0, 0), src: "198.51.100.8", dst: "10.0.1.6", dport: 443, out: vol{8, 700}, back: vol{9, 9000}})
		},
		addr: "198.51.100.8", dir: "INBOUND", indicator: "198.51.100.8",
		want: want{severity: Medium, src: "198.51.100.8", dst: "10.0.1.6", ports: []int{443}, title: "Indicator 198.51.100.8 reached 10.0.1.6"},
	}, {
		name: "OUTBOUND over IPv6",
		story: func(s *scenario) {
			s.mine["2600:1f18:a::10"] = true
			s.add(conn{at: at(1, 0, 0), src: "2600:1f18:a::10", dst: "2001:db8:bad::1", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
		},
		addr: "2001:db8:bad::1", dir: "OUTBOUND", indicator: "2001:db8:bad::/48",
		want: want{severity: High, src: "2600:1f18:a::10", dst: "2001:db8:bad::1", ports: []int{443}, title: "2600:1f18:a::10 contacted indicator 2001:db8:bad::1"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t)
			c.story(s)
			rep := s.hunt(opt)
			fs := withDirection(rep, c.addr, c.dir)
			if len(fs) != 1 {
				t.Fatalf("%d %s ioc findings about %s, want 1:\n%s", len(fs), c.dir, c.addr, describe(rep.Findings))
			}
			f := expectAs(t, fs[0], "ioc", c.want)
			if f.Details["indicator"] != c.indicator {
				t.Errorf("indicator %v, want %s", f.Details["indicator"], c.indicator)
			}
		})
	}
}

// TestIOC_OneFindingPerConversation: an instance's answered connection to
// a listed address is one thing that happened, initiated by the instance:
// one OUTBOUND finding on the service's port, whose details say replies
// came back.
func TestIOC_OneFindingPerConversation(t *testing.T) {
	s := newScenario(t)
	s.add(conn{at: at(1, 0, 0), src: "10.0.1.5", dst: "203.0.113.9", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
	s.add(conn{at: at(1, 5, 0), src: "198.51.100.9", dst: "10.0.1.6", dport: 8080, out: vol{10, 900}, back: vol{12, 8000}})
	rep := s.hunt(Options{Detectors: []string{"ioc"}, Indicators: indicators("203.0.113.0/24", "198.51.100.9/32")})
	if n := len(rep.Findings); n != 2 {
		t.Fatalf("%d findings for two conversations:\n%s", n, describe(rep.Findings))
	}
	for _, c := range []struct {
		addr, dir string
		w         want
	}{
		{"10.0.1.5", "OUTBOUND", want{severity: High, src: "10.0.1.5", dst: "203.0.113.9", ports: []int{443}}},
		{"10.0.1.6", "INBOUND", want{severity: Medium, src: "198.51.100.9", dst: "10.0.1.6", ports: []int{8080}}},
	} {
		f := expectOne(t, rep, "ioc", c.addr, c.w)
		if seen, _ := f.Details["directions_seen"].([]string); f.Details["direction"] != c.dir || len(seen) != 2 {
			t.Errorf("%s: direction %v, seen %v; want %s, and both seen", c.addr, f.Details["direction"], f.Details["directions_seen"], c.dir)
		}
	}
}

func TestIOC_Negative(t *testing.T) {
	opt := Options{Indicators: indicators("203.0.113.0/24")}
	runNegatives(t, "ioc", opt, []negative{{
		name: "the ranges next to a listed one are not listed",
		story: func(s *scenario) {
			s.add(conn{at: at(1, 0, 0), src: "10.0.1.7", dst: "203.0.114.1", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
			s.add(conn{at: at(1, 0, 0), src: "203.0.112.255", dst: "10.0.1.7", dport: 22, out: vol{1, 60}, reject: true})
		},
		addr: "10.0.1.7",
	}})
}

// TestIOC_NeedsLists: without --ioc the detector says why it did not run.
func TestIOC_NeedsLists(t *testing.T) {
	s := newScenario(t)
	s.add(conn{at: at(1, 0, 0), src: "10.0.1.5", dst: "203.0.113.9", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
	rep := s.hunt(Options{Detectors: []string{"ioc"}})
	if len(rep.Detectors) != 1 || rep.Detectors[0].Skipped != "no --ioc lists given" || len(rep.Findings) != 0 {
		t.Errorf("detectors %+v, %d findings: want ioc skipped for want of lists", rep.Detectors, len(rep.Findings))
	}
}
