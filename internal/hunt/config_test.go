package hunt

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfig_Success(t *testing.T) {
	for _, c := range []struct {
		name  string
		yaml  string
		check func(t *testing.T, got Config)
	}{{
		name: "an empty file is the defaults",
		yaml: "",
		check: func(t *testing.T, got Config) {
			if !reflect.DeepEqual(got, DefaultConfig()) {
				t.Errorf("got %+v, want the defaults", got)
			}
		},
	}, {
		name: "a file overrides only what it names",
		yaml: "detectors:\n  port-scan: {min_targets: 20}\n  exfiltration:\n    baseline_factor: 4\n",
		check: func(t *testing.T, got Config) {
			d, p := DefaultConfig(), got.Detectors
			if p.PortScan.MinTargets != 20 || p.Exfiltration.Factor != 4 {
				t.Errorf("min_targets %d, baseline_factor %v: want 20 and 4", p.PortScan.MinTargets, p.Exfiltration.Factor)
			}
			if p.PortScan.Detection != d.Detectors.PortScan.Detection || p.Exfiltration.MinBytes != d.Detectors.Exfiltration.MinBytes ||
				got.Baseline != d.Baseline || !reflect.DeepEqual(got.AuthPorts, d.AuthPorts) {
				t.Errorf("settings the file did not name changed: %+v", got)
			}
		},
	}, {
		name: "durations in days and hours",
		yaml: "baseline: 3d\nrules:\n  - {name: r, metric: records, window: 90s, min: 5}\n",
		check: func(t *testing.T, got Config) {
			if time.Duration(got.Baseline) != 72*time.Hour || time.Duration(got.Rules[0].Window) != 90*time.Second {
				t.Errorf("baseline %v, window %v", time.Duration(got.Baseline), time.Duration(got.Rules[0].Window))
			}
			if got.Rules[0].severity != Medium {
				t.Errorf("a rule without severity is %s, want medium", got.Rules[0].severity)
			}
		},
	}, {
		name: "allowlists of addresses and ranges, for some detectors",
		yaml: "allowlist:\n  - {name: office, cidrs: [203.0.113.0/24, '2001:db8::/32']}\n  - {name: scanner, cidrs: [198.51.100.7], detectors: [port-scan]}\n",
		check: func(t *testing.T, got Config) {
			for _, c := range []struct{ addr, detector, want string }{
				{"203.0.113.9", "exposure", "office"}, {"2001:db8::1", "beaconing", "office"},
				{"198.51.100.7", "port-scan", "scanner"}, {"198.51.100.7", "brute-force", ""}, {"198.51.100.8", "port-scan", ""},
				{"::ffff:203.0.113.9", "exposure", "office"}, {"not an address", "exposure", ""},
			} {
				if n := got.allowed(c.addr, c.detector); n != c.want {
					t.Errorf("%s for %s: allowed by %q, want %q", c.addr, c.detector, n, c.want)
				}
			}
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, got)
		})
	}
}

// TestParseConfig_Failure lists bad configs with the error each must
// produce: it names what was wrong.
func TestParseConfig_Failure(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"bogus: 1\n", "field bogus not found"},
		{"detectors:\n  port-scan: {min_target: 5}\n", "line 2: field min_target not found"},
		{"detectors:\n  portscan: {min_targets: 5}\n", "field portscan not found"},
		{"detectors: [\n", "yaml:"},
		{"baseline: 7x\n", `line 1: "7x" is not a positive duration like 15m, 36h or 7d`},
		{"baseline: -1h\n", `"-1h" is not a positive duration`},
		{"baseline: 0d\n", `"0d" is not a positive duration`},
		{"allowlist:\n  - cidrs: [10.0.0.0/8]\n", "allowlist entry 1: a name is required"},
		{"allowlist:\n  - {name: office, cidrs: [10.0.0.0/33]}\n", `allowlist "office": "10.0.0.0/33" is neither an address nor a CIDR`},
		{"allowlist:\n  - {name: office, cidrs: [10.0.0.1], detectors: [nope]}\n", `allowlist "office": no detector "nope"`},
		{"trusted_destinations: [not-an-ip]\n", `trusted_destinations: "not-an-ip" is neither an address nor a CIDR`},
		{"rules:\n  - {metric: bytes, window: 1m, min: 1}\n", "rule 1 (): a name is required"},
		{"rules:\n  - {name: r, metric: volume, window: 1m, min: 1}\n", `rule 1 (r): metric "volume": want bytes, packets or records`},
		{"rules:\n  - {name: r, metric: bytes, per: dstport, window: 1m, min: 1}\n", `rule 1 (r): per "dstport": want srcaddr, dstaddr, interface_id or nothing`},
		{"rules:\n  - {name: r, metric: bytes, min: 1}\n", "rule 1 (r): window and min must be positive"},
		{"rules:\n  - {name: r, metric: bytes, window: 1m}\n", "rule 1 (r): window and min must be positive"},
		{"rules:\n  - {name: r, metric: bytes, window: 15q, min: 1}\n", `line 2: "15q" is not a positive duration`},
		{"rules:\n  - {name: r, metric: bytes, window: 1m, min: 1, action: DROP}\n", `rule 1 (r): action "DROP": want ACCEPT or REJECT`},
		{"rules:\n  - {name: r, metric: bytes, window: 1m, min: 1, src_cidrs: [300.0.0.0/8]}\n", `rule 1 (r): "300.0.0.0/8" is neither an address nor a CIDR`},
		{"rules:\n  - {name: ok, metric: bytes, window: 1m, min: 1}\n  - {name: r, metric: bytes, window: 1m, min: 1, severity: urgent}\n", `rule 2 (r): severity "urgent": want info, low, medium, high or critical`},
		{"detectors:\n  port-scan: {detection_probability: 0.01, false_alarm_probability: 0.5}\n", "port-scan: want 0 < false_alarm_probability < detection_probability < 1"},
	} {
		_, err := ParseConfig([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.yaml, err, c.want)
		}
	}
}

func TestLoadConfig_NamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hunt.yaml")
	if err := os.WriteFile(p, []byte("baseline: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("error %v, want it to start with the file's path and name the bad value", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "cannot read hunt config") {
		t.Errorf("missing file: error %v", err)
	}
}
