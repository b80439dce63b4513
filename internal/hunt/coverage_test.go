package hunt

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// limit returns the coverage limits of a detector.
func limits(c *Coverage, detector string) []string {
	var out []string
	for _, l := range c.Limits {
		if l.Detector == detector {
			out = append(out, l.Reason)
		}
	}
	return out
}

func anyContains(xs []string, sub string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.Contains(x, sub) })
}

func skipped(rep *Report, detector string) string {
	for _, d := range rep.Detectors {
		if d.Name == detector {
			return d.Skipped
		}
	}
	return "(not run)"
}

// TestCoverage_GapsAndDefaultFormat: default-format logs (v2, no
// tcp-flags) from three interfaces: one stops for two hours, one has
// records skipped, one is idle and logs NODATA.
func TestCoverage_GapsAndDefaultFormat(t *testing.T) {
	s := newScenario(t)
	s.v2 = true
	for h := range 7 {
		if h != 3 && h != 4 {
			s.add(conn{at: at(h, 10, 0), src: "198.51.100.1", dst: "10.0.1.150", dport: 443, out: vol{10, 900}, back: vol{10, 9000}})
		}
		s.add(conn{at: at(h, 20, 0), src: "198.51.100.1", dst: "10.0.1.151", dport: 443, out: vol{10, 900}, back: vol{10, 9000}})
		s.status("eni-idle", at(h, 30, 0), "NODATA")
	}
	s.status(eniOf("10.0.1.151"), at(3, 40, 0), "SKIPDATA")
	rep := s.hunt(Options{})
	c := rep.Coverage
	if c.Interfaces != 3 || c.NoDataRecords != 7 || c.SkipDataRecords != 1 || c.GapInterfaces != 2 {
		t.Errorf("interfaces %d, NODATA %d, SKIPDATA %d, with gaps %d; want 3, 7, 1, 2", c.Interfaces, c.NoDataRecords, c.SkipDataRecords, c.GapInterfaces)
	}
	if len(c.Gaps) != 2 {
		t.Fatalf("gaps %+v, want two", c.Gaps)
	}
	stopped, skipping := c.Gaps[0], c.Gaps[1]
	if stopped.Interface != eniOf("10.0.1.150") || stopped.MissingHours != 2 || !stopped.FirstMissing.Equal(at(3, 0, 0)) || stopped.LoggedHours != 5 {
		t.Errorf("first gap %+v, want %s missing 2 hours from 03:00, 5 logged", stopped, eniOf("10.0.1.150"))
	}
	if skipping.Interface != eniOf("10.0.1.151") || skipping.SkipDataHours != 1 || skipping.MissingHours != 0 {
		t.Errorf("second gap %+v, want %s with one SKIPDATA hour", skipping, eniOf("10.0.1.151"))
	}
	if len(c.Formats) != 1 || !slices.Equal(c.Formats[0].Versions, []int{2}) || c.Formats[0].TCPFlags != 0 || c.Formats[0].Bytes != 1 || c.Formats[0].Account != account {
		t.Errorf("formats %+v, want one source, version 2, no tcp-flags, all bytes", c.Formats)
	}
	if !anyContains(limits(c, "port-scan"), "no tcp-flags") {
		t.Errorf("no port-scan limit for the missing tcp-flags: %+v", c.Limits)
	}
	if !anyContains(limits(c, "all"), "SKIPDATA") {
		t.Errorf("no limit for the skipped records: %+v", c.Limits)
	}
	if !anyContains(limits(c, "lateral-movement"), "no CloudTrail") {
		t.Errorf("no limit for the missing workloads: %+v", c.Limits)
	}
}

// TestCoverage_FullFormat: a custom format with tcp-flags and a lake
// with CloudTrail leave neither limit.
func TestCoverage_FullFormat(t *testing.T) {
	s := newScenario(t)
	s.launch(at(0, 0, 0), "i-web1", "10.0.1.10", "web")
	every(at(0, 0, 0), at(6, 0, 0), time.Hour, func(tm time.Time) {
		s.add(conn{at: tm, src: "198.51.100.1", dst: "10.0.1.10", dport: 443, out: vol{10, 900}, back: vol{10, 9000}})
	})
	rep := s.hunt(Options{})
	c := rep.Coverage
	if len(limits(c, "port-scan")) != 0 || anyContains(limits(c, "lateral-movement"), "no CloudTrail") || c.GapInterfaces != 0 {
		t.Errorf("limits %+v, gaps %+v: want no tcp-flags or CloudTrail limit and no gaps", c.Limits, c.Gaps)
	}
	if len(c.Formats) != 1 || c.Formats[0].TCPFlags != 1 || c.Formats[0].VPC != vpcID || !slices.Equal(c.Formats[0].Versions, []int{3}) {
		t.Errorf("formats %+v, want one source in %s, version 3, all with tcp-flags", c.Formats, vpcID)
	}
}

// TestCoverage_NoBytes: without bytes (Block Public Access, or a custom
// format without the field) the volume detectors say they cannot run.
func TestCoverage_NoBytes(t *testing.T) {
	s := newScenario(t)
	s.noBytes = true
	s.background(12)
	upload(s, at(8, 0, 0), time.Hour, "10.0.1.60", "203.0.113.99", 443, 500_000_000)
	rep := s.hunt(Options{})
	if why := skipped(rep, "exfiltration"); !strings.Contains(why, "bytes") {
		t.Errorf("exfiltration: skipped %q, want it not to run for want of bytes", why)
	}
	if !anyContains(limits(rep.Coverage, "exfiltration"), "carry no bytes") || rep.Coverage.Formats[0].Bytes != 0 {
		t.Errorf("limits %+v, formats %+v: want the missing bytes reported", rep.Coverage.Limits, rep.Coverage.Formats)
	}
}

// TestCoverage_NoBaseline: two hours of data leave no whole hour for a
// baseline; the detectors that need one say so.
func TestCoverage_NoBaseline(t *testing.T) {
	s := newScenario(t)
	s.background(2)
	rep := s.hunt(Options{})
	for _, d := range []string{"lateral-movement", "exfiltration", "spam-bot", "unusual-traffic"} {
		if why := skipped(rep, d); !strings.Contains(why, "no baseline") {
			t.Errorf("%s: skipped %q, want no baseline", d, why)
		}
	}
	if !anyContains(limits(rep.Coverage, "baseline"), "no baseline period") || !rep.Window.BaselineSince.IsZero() {
		t.Errorf("limits %+v, window %+v: want the missing baseline reported", rep.Coverage.Limits, rep.Window)
	}
}
