package hunt

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is what `--config hunt.yaml` may set. Every field has a default
// (DefaultConfig); a file overrides only what it names, and a key the
// program does not know is an error, so a typo never silently disables a
// setting.
type Config struct {
	// Baseline is how much history before --since counts as normal for
	// the detectors that look for the new and the unusual. Without
	// --since, the first half of the data is the baseline.
	Baseline Duration `yaml:"baseline"`
	// Allowlist suppresses findings whose source (or, for exposure, the
	// remote peer) is a known-good address: office ranges, your own
	// scanners, health checkers. Suppressed findings are counted.
	Allowlist []Allow  `yaml:"allowlist"`
	Detectors Params   `yaml:"detectors"`
	Rules     []Rule   `yaml:"rules"`
	AuthPorts []int    `yaml:"auth_ports"`  // brute force targets
	AdminPort []int    `yaml:"admin_ports"` // lateral movement and exposure
	PoolPorts []int    `yaml:"pool_ports"`  // mining pools
	Trusted   []string `yaml:"trusted_destinations"`
}

// Allow is one allowlist entry.
type Allow struct {
	Name      string   `yaml:"name"`
	CIDRs     []string `yaml:"cidrs"`
	Detectors []string `yaml:"detectors"` // empty: every detector
	prefixes  []netip.Prefix
}

// Params are the detectors' thresholds. Each is documented where the
// detector is (detectors.go) and in docs/detectors.md.
type Params struct {
	PortScan struct {
		MinTargets int     `yaml:"min_targets"`
		Detection  float64 `yaml:"detection_probability"`
		FalseAlarm float64 `yaml:"false_alarm_probability"`
	} `yaml:"port-scan"`
	BruteForce struct {
		MinSessions        int64   `yaml:"min_sessions"`
		MinPerTargetHour   int64   `yaml:"min_sessions_per_target_hour"`
		MaxPacketsPerLogin float64 `yaml:"max_packets_per_session"`
	} `yaml:"brute-force"`
	Lateral struct {
		MinFanout int64 `yaml:"min_fanout"`
	} `yaml:"lateral-movement"`
	Exfiltration struct {
		MinBytes int64   `yaml:"min_bytes"`
		Factor   float64 `yaml:"baseline_factor"`
	} `yaml:"exfiltration"`
	Beaconing struct {
		MinConnections int     `yaml:"min_connections"`
		MinScore       float64 `yaml:"min_score"`
		MaxPrevalence  int64   `yaml:"max_prevalence"`
	} `yaml:"beaconing"`
	Mining struct {
		MinHours int64   `yaml:"min_hours"`
		MaxCV    float64 `yaml:"max_hourly_cv"`
	} `yaml:"crypto-mining"`
	Exposure struct {
		MinProbers int64 `yaml:"min_probers"`
	} `yaml:"exposure"`
	DoS struct {
		MinPackets  int64   `yaml:"min_packets_per_hour"`
		MinSessions int64   `yaml:"min_sessions_per_hour"`
		Factor      float64 `yaml:"baseline_factor"`
	} `yaml:"outbound-dos"`
	Spam struct {
		MinRecipients int64 `yaml:"min_recipients"`
	} `yaml:"spam-bot"`
	Unusual struct {
		MinBytes     int64   `yaml:"min_bytes"`
		MinSessions  int64   `yaml:"min_sessions"`
		MinVolume    int64   `yaml:"min_volume_bytes"`
		VolumeFactor float64 `yaml:"volume_factor"`
	} `yaml:"unusual-traffic"`
}

// Rule is a threshold rule: the CloudWatch alarms of AWS's playbook,
// applied to history. A rule counts Metric over the records that match
// every filter given, per Per and per Window, and fires at Min.
type Rule struct {
	Name      string   `yaml:"name"`
	Severity  string   `yaml:"severity"`
	MITRE     string   `yaml:"mitre"`
	Metric    string   `yaml:"metric"` // bytes, packets or records
	Per       string   `yaml:"per"`    // srcaddr, dstaddr, interface_id or "" for all records
	Window    Duration `yaml:"window"`
	Min       int64    `yaml:"min"`
	Interface []string `yaml:"interface_ids"`
	SrcCIDRs  []string `yaml:"src_cidrs"`
	DstCIDRs  []string `yaml:"dst_cidrs"`
	DstPorts  []int    `yaml:"dst_ports"`
	Protocol  int      `yaml:"protocol"`
	Action    string   `yaml:"action"` // ACCEPT, REJECT or "" for both
	severity  Severity
}

// Duration reads "15m", "36h" or "7d".
type Duration time.Duration

// UnmarshalYAML accepts Go durations and a whole number of days.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n > 0 && fmt.Sprint(n) == days {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration like 15m, 36h or 7d", s)
	}
	return v, nil
}

// DefaultConfig is the configuration without a file.
func DefaultConfig() Config {
	var c Config
	c.Baseline = Duration(7 * 24 * time.Hour)
	c.AuthPorts = []int{21, 22, 23, 445, 1433, 1521, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 27017}
	c.AdminPort = []int{22, 23, 135, 139, 445, 1433, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 27017}
	c.PoolPorts = []int{3333, 3334, 3357, 4444, 5555, 5556, 6666, 7777, 9999, 14433, 14444, 45560, 45700}
	p := &c.Detectors
	p.PortScan.MinTargets = 10
	p.PortScan.Detection, p.PortScan.FalseAlarm = 0.99, 0.01
	p.BruteForce.MinSessions, p.BruteForce.MinPerTargetHour, p.BruteForce.MaxPacketsPerLogin = 30, 20, 60
	p.Lateral.MinFanout = 6
	p.Exfiltration.MinBytes, p.Exfiltration.Factor = 25<<20, 10
	p.Beaconing.MinConnections, p.Beaconing.MinScore, p.Beaconing.MaxPrevalence = 24, 0.8, 3
	p.Mining.MinHours, p.Mining.MaxCV = 4, 0.35
	p.Exposure.MinProbers = 3
	p.DoS.MinPackets, p.DoS.MinSessions, p.DoS.Factor = 200_000, 2_000, 10
	p.Spam.MinRecipients = 10
	p.Unusual.MinBytes, p.Unusual.MinSessions = 1<<20, 10
	p.Unusual.MinVolume, p.Unusual.VolumeFactor = 256<<20, 10
	return c
}

// LoadConfig reads a hunt.yaml over the defaults.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("cannot read hunt config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads YAML over the defaults and checks it.
func ParseConfig(b []byte) (Config, error) {
	c := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	return c, c.check()
}

// CheckConfig validates a Config built in code, as ParseConfig does a
// file, and returns it ready to use.
func CheckConfig(c Config) (Config, error) {
	return c, c.check()
}

func (c *Config) check() error {
	for i := range c.Allowlist {
		a := &c.Allowlist[i]
		if a.Name == "" {
			return fmt.Errorf("allowlist entry %d: a name is required (it is how suppressed findings are counted)", i+1)
		}
		for _, s := range a.CIDRs {
			p, err := parsePrefix(s)
			if err != nil {
				return fmt.Errorf("allowlist %q: %w", a.Name, err)
			}
			a.prefixes = append(a.prefixes, p)
		}
		if err := knownDetectors(a.Detectors); err != nil {
			return fmt.Errorf("allowlist %q: %w", a.Name, err)
		}
	}
	for _, s := range c.Trusted {
		if _, err := parsePrefix(s); err != nil {
			return fmt.Errorf("trusted_destinations: %w", err)
		}
	}
	for i := range c.Rules {
		if err := c.Rules[i].check(); err != nil {
			return fmt.Errorf("rule %d (%s): %w", i+1, c.Rules[i].Name, err)
		}
	}
	d := c.Detectors.PortScan
	if !(d.Detection > d.FalseAlarm && d.FalseAlarm > 0 && d.Detection < 1) {
		return fmt.Errorf("port-scan: want 0 < false_alarm_probability < detection_probability < 1")
	}
	return nil
}

func (r *Rule) check() error {
	if r.Name == "" {
		return errors.New("a name is required")
	}
	if !slices.Contains([]string{"bytes", "packets", "records"}, r.Metric) {
		return fmt.Errorf("metric %q: want bytes, packets or records", r.Metric)
	}
	if !slices.Contains([]string{"", "srcaddr", "dstaddr", "interface_id"}, r.Per) {
		return fmt.Errorf("per %q: want srcaddr, dstaddr, interface_id or nothing", r.Per)
	}
	if r.Window <= 0 || r.Min <= 0 {
		return errors.New("window and min must be positive")
	}
	if r.Action != "" && r.Action != "ACCEPT" && r.Action != "REJECT" {
		return fmt.Errorf("action %q: want ACCEPT or REJECT", r.Action)
	}
	for _, s := range append(slices.Clone(r.SrcCIDRs), r.DstCIDRs...) {
		if _, err := parsePrefix(s); err != nil {
			return err
		}
	}
	sev, ok := parseSeverity(cmp.Or(r.Severity, "medium"))
	if !ok {
		return fmt.Errorf("severity %q: want info, low, medium, high or critical", r.Severity)
	}
	r.severity = sev
	return nil
}

func parseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// parsePrefix reads an address or a CIDR.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an address nor a CIDR", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// allowed names the allowlist entry that covers addr for detector, or "".
func (c *Config) allowed(addr, detector string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	for _, e := range c.Allowlist {
		if len(e.Detectors) > 0 && !slices.Contains(e.Detectors, detector) {
			continue
		}
		for _, p := range e.prefixes {
			if p.Contains(a) {
				return e.Name
			}
		}
	}
	return ""
}
