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
		{ID: "f-2", Detector: "lateral-movement", Severity: hunt.Critical, Src: hunt.Endpoint{Address: "10.0.0.7"}, Dst: hunt.Endpoint{Count: 7}, Ports: []int{22}},
		{ID: "f-3", Detector: "exposure", Severity: hunt.High, Src: hunt.Endpoint{Address: "192.0.2.10"}},
		{ID: "f-4", Detector: "port-scan", Severity: hunt.Info, Src: hunt.Endpoint{Address: "192.0.2.11"}},
		{ID: "f-5", Detector: "port-scan", Severity: hunt.Medium, Src: hunt.Endpoint{Count: 14}},
		// a spam bot: one source, many destinations, and the NAT gateway
		// that carried it
		{ID: "f-6", Detector: "spam-bot", Severity: hunt.High, Src: hunt.Endpoint{Address: "10.0.1.7"}, Dst: hunt.Endpoint{Count: 278},
			Ports: []int{25}, DistinctPorts: 1, FirstSeen: t0, LastSeen: t0.Add(time.Hour), Details: map[string]any{"src_addresses": []string{"10.0.1.7", "10.0.0.4"}}},
		// a beacon that followed its workload to a new instance, read back
		// from JSON
		{ID: "f-7", Detector: "beaconing", Severity: hunt.High, Src: hunt.Endpoint{Address: "10.0.2.4"}, Dst: hunt.Endpoint{Address: "203.0.113.80"},
			Ports: []int{80}, DistinctPorts: 1, Details: map[string]any{"src_addresses": []any{"10.0.2.4", "10.0.2.5"}}},
		// a vertical scan whose port list was cut at 3
		{ID: "f-8", Detector: "port-scan", Severity: hunt.Low, Src: hunt.Endpoint{Address: "192.0.2.12"}, Dst: hunt.Endpoint{Address: "10.0.0.5"},
			Ports: []int{21, 22, 23}, DistinctPorts: 300},
		{ID: "f-10", Detector: "lateral-movement", Severity: hunt.Medium, Title: "New connection web → db", Src: hunt.Endpoint{Address: "10.0.4.7"},
			Dst: hunt.Endpoint{Address: "10.0.5.4"}, Ports: []int{5432}, DistinctPorts: 1, Details: map[string]any{"dst_addresses": []string{"10.0.5.4", "10.0.5.5"}}},
		{ID: "f-9", Detector: "unusual-traffic", Severity: hunt.Medium, Src: hunt.Endpoint{Address: "10.0.3.7"}, Dst: hunt.Endpoint{Address: "198.18.0.9"},
			Ports: []int{4145}, DistinctPorts: 1},
	})...))
	o := func(remote, local string, port int, at time.Time) obs {
		return obs{remote: netip.MustParseAddr(remote), local: netip.MustParseAddr(local), port: port, first: at, last: at.Add(time.Minute)}
	}
	// began says who started the conversation: the local end (egress)
	// or the remote one (ingress).
	began := func(who string, x obs) obs {
		x.side = map[string]string{"local": "remote", "remote": "local"}[who]
		return x
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
		{o("10.0.0.5", "192.0.2.9", 22, t0.Add(30*time.Minute)), "hunt finding f-1"},                  // seen from the other end
		{o("192.0.2.9", "10.0.0.5", 80, t0), ""},                                                      // another port
		{o("192.0.2.9", "10.0.0.6", 22, t0), ""},                                                      // another host
		{o("192.0.2.9", "10.0.0.5", 22, t0.Add(3*time.Hour)), ""},                                     // after the finding
		{o("10.0.0.7", "10.0.0.5", 22, t0), ""},                                                       // a fan-out names no destinations: a bastion's logins look the same
		{o("192.0.2.10", "10.0.0.5", 22, t0), ""},                                                     // exposure is the host's own door
		{o("192.0.2.11", "10.0.0.5", 22, t0), ""},                                                     // info
		{began("local", o("198.18.5.5", "10.0.1.7", 25, t0)), "hunt finding f-6 (spam-bot)"},          // the bot's own mail, to anyone
		{began("remote", o("198.18.5.5", "10.0.1.7", 25, t0)), ""},                                    // mail to the bot is not its spam
		{began("local", o("198.18.5.5", "10.0.1.7", 443, t0)), ""},                                    // its other calls
		{began("remote", o("10.0.1.7", "10.0.1.9", 25, t0)), "hunt finding f-6"},                      // seen at the other end
		{began("local", o("10.0.1.7", "10.0.1.9", 25, t0)), ""},                                       // a neighbour mailing the bot
		{began("local", o("203.0.113.80", "10.0.2.5", 80, t0)), "hunt finding f-7 (beaconing)"},       // the replacement instance
		{began("remote", o("192.0.2.12", "10.0.0.5", 8443, t0)), "hunt finding f-8 (port-scan)"},      // a port past the cut list
		{began("local", o("198.18.0.9", "10.0.3.7", 4145, t0)), "hunt finding f-9 (unusual-traffic)"}, // a port the workload never used
		{began("local", o("10.0.5.5", "10.0.4.7", 5432, t0)), "hunt finding f-10 (lateral-movement)"}, // a new edge, to the db's other instance
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
