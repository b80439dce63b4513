package sgadvisor

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ioc"
)

func TestExcluder_Success(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	ex := newExcluder(append(FromIndicators([]ioc.Indicator{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Comment: "botnet"},
		{Prefix: netip.MustParsePrefix("2001:db8::/32")},
		{Prefix: netip.MustParsePrefix("::ffff:203.0.113.7/128")},
	}), FromFindings([]hunt.Finding{
		{ID: "f-1", Detector: "brute-force", Severity: hunt.High, Title: "SSH brute force", Src: hunt.Endpoint{Address: "192.0.2.9"}, Dst: hunt.Endpoint{Address: "10.0.0.5"},
			Ports: []int{22}, FirstSeen: t0, LastSeen: t0.Add(time.Hour)},
		{ID: "f-2", Detector: "lateral-movement", Severity: hunt.Critical, Src: hunt.Endpoint{Address: "10.0.0.7"}},
		{ID: "f-3", Detector: "exposure", Severity: hunt.High, Src: hunt.Endpoint{Address: "192.0.2.10"}},
		{ID: "f-4", Detector: "port-scan", Severity: hunt.Info, Src: hunt.Endpoint{Address: "192.0.2.11"}},
		{ID: "f-5", Detector: "port-scan", Severity: hunt.Medium, Src: hunt.Endpoint{Count: 14}},
	})...))
	o := func(remote, local string, port int, at time.Time) obs {
		return obs{remote: netip.MustParseAddr(remote), local: netip.MustParseAddr(local), port: port, first: at, last: at.Add(time.Minute)}
	}
	cases := []struct {
		o    obs
		want string // a part of the reason; "" for none
	}{
		{o("198.51.100.77", "10.0.0.5", 443, t0), "indicator 198.51.100.0/24 (botnet)"},
		{o("198.51.101.1", "10.0.0.5", 443, t0), ""},
		{o("2001:db8::1", "10.0.0.5", 443, t0), "indicator 2001:db8::/32"},
		{o("203.0.113.7", "10.0.0.5", 443, t0), "indicator ::ffff:203.0.113.7"}, // a mapped address in the list still matches
		{o("192.0.2.9", "10.0.0.5", 22, t0.Add(30*time.Minute)), "hunt finding f-1 (brute-force): SSH brute force"},
		{o("10.0.0.5", "192.0.2.9", 22, t0.Add(30*time.Minute)), "hunt finding f-1"}, // seen from the other end
		{o("192.0.2.9", "10.0.0.5", 80, t0), ""},                                     // another port
		{o("192.0.2.9", "10.0.0.6", 22, t0), ""},                                     // another host
		{o("192.0.2.9", "10.0.0.5", 22, t0.Add(3*time.Hour)), ""},                    // after the finding
		{o("10.0.0.7", "10.0.0.5", 22, t0), ""},                                      // lateral movement is not malice
		{o("192.0.2.10", "10.0.0.5", 22, t0), ""},                                    // exposure is the host's own door
		{o("192.0.2.11", "10.0.0.5", 22, t0), ""},                                    // info
	}
	for _, c := range cases {
		got := ex.match(c.o)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s → %s:%d: excluded for %q, want %q", c.o.remote, c.o.local, c.o.port, got, c.want)
		}
	}
}

func TestFindingExclusion_Failure(t *testing.T) {
	for _, c := range []struct {
		src, dst []string
		want     string
	}{
		{nil, nil, "cannot exclude finding f: it names no source address"},
		{[]string{"nope"}, nil, `cannot exclude finding f: source: cannot read address "nope"`},
		{[]string{"192.0.2.1"}, []string{"10.0.0.999"}, `cannot exclude finding f: destination: cannot read address "10.0.0.999"`},
	} {
		_, err := FindingExclusion("d", "f", c.src, c.dst, nil, time.Time{}, time.Time{})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want %q", c.src, c.dst, err, c.want)
		}
	}
}
