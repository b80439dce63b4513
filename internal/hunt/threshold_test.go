package hunt

import (
	"fmt"
	"testing"
	"time"
)

const thresholdRulesYAML = `
rules:
  - name: nat-egress
    interface_ids: [eni-0a00018c]
    metric: bytes
    per: interface_id
    window: 15m
    min: 5000000
    severity: high
    mitre: T1048
  - name: rejects-per-source
    metric: records
    per: srcaddr
    action: REJECT
    window: 1m
    min: 20
`

func TestThreshold_RulesFromConfig(t *testing.T) {
	cfg := mustConfig(t, thresholdRulesYAML)
	if eniOf("10.0.1.140") != "eni-0a00018c" {
		t.Fatalf("the rule names the interface of 10.0.1.140, which is %s", eniOf("10.0.1.140"))
	}
	s := newScenario(t)
	// The watched interface sends 6.75 MB in each of two quarter hours,
	// then 4 MB in a later one; another interface sends more, unwatched.
	upload(s, at(3, 0, 0), 30*time.Minute, "10.0.1.140", "203.0.113.140", 443, 13_500_000)
	upload(s, at(5, 0, 0), 15*time.Minute, "10.0.1.140", "203.0.113.140", 443, 4_000_000)
	upload(s, at(3, 0, 0), 30*time.Minute, "10.0.1.141", "203.0.113.141", 443, 50_000_000)
	// One source is rejected 30 times in a minute, another 10 times.
	for i := range 30 {
		s.add(conn{at: at(4, 0, i), src: "198.51.100.150", dst: fmt.Sprintf("10.0.2.%d", i), dport: 22, out: vol{1, 60}, reject: true})
	}
	for i := range 10 {
		s.add(conn{at: at(4, 0, i), src: "198.51.100.151", dst: fmt.Sprintf("10.0.2.%d", i), dport: 22, out: vol{1, 60}, reject: true})
	}
	rep := s.hunt(Options{Detectors: []string{"threshold"}, Config: cfg})
	byRule := map[string][]Finding{}
	for _, f := range of(rep, "threshold") {
		byRule[asStr(f.Details["rule"])] = append(byRule[asStr(f.Details["rule"])], f)
	}
	if n := len(byRule["nat-egress"]); n != 1 {
		t.Fatalf("%d nat-egress findings, want one for two consecutive windows:\n%s", n, describe(rep.Findings))
	}
	nat := expectAs(t, byRule["nat-egress"][0], "threshold", want{severity: High, title: "Rule nat-egress: interface_id eni-0a00018c"})
	if nat.Src.Interface != "eni-0a00018c" || nat.MITRE != "T1048" || nat.Details["windows"] != 2 || detail(nat, "peak") < 6_750_000 {
		t.Errorf("nat-egress: interface %q mitre %q windows %v peak %v, want eni-0a00018c, T1048, 2, ≥ 6.75 MB", nat.Src.Interface, nat.MITRE, nat.Details["windows"], nat.Details["peak"])
	}
	if !nat.FirstSeen.Equal(at(3, 0, 0)) || !nat.LastSeen.Equal(at(3, 30, 0)) {
		t.Errorf("nat-egress from %v to %v, want 03:00 to 03:30", nat.FirstSeen, nat.LastSeen)
	}
	expectNone(t, rep, "threshold", "198.51.100.151")
	expectOne(t, rep, "threshold", "198.51.100.150", want{severity: Medium, src: "198.51.100.150", title: "Rule rejects-per-source: srcaddr 198.51.100.150",
		check: func(t *testing.T, f Finding) {
			if detail(f, "peak") != 30 || f.Records != 30 {
				t.Errorf("peak %v records %d, want 30 and 30", f.Details["peak"], f.Records)
			}
		}})
}

// TestThreshold_NeedsRules: with no rules the detector says why it did
// not run.
func TestThreshold_NeedsRules(t *testing.T) {
	s := newScenario(t)
	s.add(conn{at: at(1, 0, 0), src: "10.0.1.5", dst: "203.0.113.9", dport: 443, out: vol{10, 900}, back: vol{12, 8000}})
	rep := s.hunt(Options{Detectors: []string{"threshold"}})
	if len(rep.Detectors) != 1 || rep.Detectors[0].Skipped != "no rules in the config" {
		t.Errorf("detectors %+v: want threshold skipped for want of rules", rep.Detectors)
	}
}
