package sgadvisor_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/source"
)

// estate generates the default three-account estate (the first account's
// flow logs are in the default format, without tcp-flags), with churn,
// injected attacks and benign look-alikes, ingests it and opens it. It
// returns the generator's indicator list too.
func estate(t *testing.T) (*gen.Truth, *engine.Engine, []ioc.Indicator) {
	t.Helper()
	ctx := context.Background()
	dir, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	truth, err := gen.Generate(ctx, dir, gen.Config{Seed: 11, Scale: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: filepath.Join(dir, "AWSLogs")}}}); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(ctx, lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	set, err := ioc.ReadFiles([]string{filepath.Join(dir, truth.Indicators)})
	if err != nil {
		t.Fatal(err)
	}
	return truth, e, set.Indicators()
}

// service is a protocol and port as the truth and the rules name them:
// port 0 for port-less protocols.
type service struct{ proto, port int }

func (s service) String() string { return fmt.Sprintf("%d/%d", s.proto, s.port) }

func setString(m map[service]bool) string {
	var out []string
	for s := range m {
		out = append(out, s.String())
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestRecommend_EqualsWhatTheEstateServesAndCalls is the check:
// every workload's recommended ingress is what its service really
// listens on, its egress what it really calls (as far as the period's
// traffic exercised them), no rule opens an ephemeral port, and attack
// and scanner traffic is excluded and listed. The attacks are marked
// twice: from the generator's truth, as a hunt that found every one would
// mark them, and by the hunt itself with the estate's indicator list, as
// `sg recommend --ioc indicators.txt` does.
func TestRecommend_EqualsWhatTheEstateServesAndCalls(t *testing.T) {
	truth, e, inds := estate(t)
	ctx := context.Background()
	ips := addressesByWorkload(truth)
	all := sgadvisor.Subject{Kind: sgadvisor.KindAll}
	t.Run("attacks from the truth", func(t *testing.T) {
		bad := busiestClient(t, e, ips)
		attacks := attackExclusions(t, truth)
		excl := append(sgadvisor.FromIndicators([]ioc.Indicator{{Prefix: netip.PrefixFrom(bad, 32), Comment: "test: marked malicious"}}), attacks...)
		reps, err := sgadvisor.Run(ctx, e, sgadvisor.Options{Subject: all, Exclude: excl})
		if err != nil {
			t.Fatal(err)
		}
		checkEstate(t, e, truth, ips, reps)
		checkAttacksListed(t, e, truth, reps, func(i int, reason string) bool {
			return strings.HasPrefix(reason, fmt.Sprintf("hunt finding attack-%d (", i))
		})
		checkExcluded(t, e, reps, bad, attacks)
	})
	t.Run("attacks from the hunt", func(t *testing.T) {
		found, err := hunt.Run(ctx, e, hunt.Options{Indicators: inds, Config: hunt.DefaultConfig()})
		if err != nil {
			t.Fatal(err)
		}
		excl := append(sgadvisor.FromIndicators(inds), sgadvisor.FromFindings(found.Findings)...)
		reps, err := sgadvisor.Run(ctx, e, sgadvisor.Options{Subject: all, Exclude: excl})
		if err != nil {
			t.Fatal(err)
		}
		checkEstate(t, e, truth, ips, reps)
		checkAttacksListed(t, e, truth, reps, func(_ int, reason string) bool {
			return strings.HasPrefix(reason, "hunt finding ") || strings.HasPrefix(reason, "indicator ")
		})
	})
}

// checkEstate compares the reports' rules with what the truth says each
// workload serves and calls, checks every rule, and that the scanners'
// probes are exposure.
func checkEstate(t *testing.T, e *engine.Engine, truth *gen.Truth, ips map[string][]string, reps []*sgadvisor.Report) {
	t.Helper()
	if len(reps) != len(ips)*2 {
		t.Fatalf("%d reports for %d workloads in two regions each", len(reps), len(ips))
	}
	got := map[string]map[string]map[service]bool{"ingress": {}, "egress": {}}
	byPorts := 0
	for _, r := range reps {
		for dir, rules := range map[string][]sgadvisor.Rule{"ingress": r.Ingress, "egress": r.Egress} {
			for _, rule := range rules {
				checkRule(t, r, dir, rule)
				if got[dir][r.Workload] == nil {
					got[dir][r.Workload] = map[service]bool{}
				}
				for _, s := range ruleServices(rule) {
					got[dir][r.Workload][s] = true
				}
				if rule.Basis == "ports" {
					byPorts++
				}
			}
		}
	}
	if byPorts == 0 {
		t.Error("no rule was derived from ports: the part of the estate without tcp-flags was not exercised")
	}
	for name, addrs := range ips {
		for _, dir := range []string{"ingress", "egress"} {
			want := exercised(t, e, truth, name, addrs, dir)
			if setString(got[dir][name]) != setString(want) {
				t.Errorf("%s %s: recommended %q, the estate %s %q", name, dir, setString(got[dir][name]), map[string]string{"ingress": "serves", "egress": "calls"}[dir], setString(want))
			}
		}
	}
	checkScannersListed(t, truth, reps)
}

// addressesByWorkload maps each workload to every address its instances
// had.
func addressesByWorkload(truth *gen.Truth) map[string][]string {
	out := map[string][]string{}
	for _, in := range truth.Instances {
		out[in.Name] = append(out[in.Name], in.PrivateIP)
		if in.IPv6 != "" {
			out[in.Name] = append(out[in.Name], in.IPv6)
		}
	}
	return out
}

// ruleServices expands a rule's ports.
func ruleServices(r sgadvisor.Rule) []service {
	proto := map[string]int{"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}[r.Protocol]
	if r.FromPort == -1 {
		return []service{{proto, 0}}
	}
	var out []service
	for p := r.FromPort; p <= r.ToPort; p++ {
		out = append(out, service{proto, p})
	}
	return out
}

// checkRule checks what every rule must be: no ephemeral port, peers
// that are CIDRs or groups, counts and times.
func checkRule(t *testing.T, r *sgadvisor.Report, dir string, rule sgadvisor.Rule) {
	t.Helper()
	if rule.ToPort >= 32768 || (rule.FromPort == 0 && rule.ToPort == 65535) {
		t.Errorf("%s %s: a rule opens ephemeral ports: %+v", r.Workload, dir, rule)
	}
	if rule.Conversations == 0 || rule.Records == 0 || rule.FirstSeen.IsZero() || rule.LastSeen.Before(rule.FirstSeen) || len(rule.PeersOf()) == 0 {
		t.Errorf("%s %s: incomplete rule %+v", r.Workload, dir, rule)
	}
	if (dir == "ingress") != (len(rule.Sources) > 0) || (dir == "egress") != (len(rule.Destinations) > 0) {
		t.Errorf("%s %s: peers under the wrong key: %+v", r.Workload, dir, rule)
	}
	for _, p := range rule.PeersOf() {
		if _, err := netip.ParsePrefix(p); err != nil && !strings.HasPrefix(p, "sg-") {
			t.Errorf("%s %s: peer %q is neither a CIDR nor a group", r.Workload, dir, p)
		}
	}
}

// exercised is what the truth says the workload serves (ingress) or
// calls (egress) — the estate's edges and its benign look-alikes (a
// database's backups to S3, health checks), not the attacks —
// security-group-filtered, accepted and answered, kept to
// what the period's traffic actually carried: at least one accepted
// request with a reply at the workload's addresses. The lake is read
// with the truth's knowledge of who serves, not the advisor's inference.
func exercised(t *testing.T, e *engine.Engine, truth *gen.Truth, name string, addrs []string, dir string) map[service]bool {
	t.Helper()
	want := map[service]bool{}
	for _, s := range truth.Services {
		mine := (dir == "ingress" && s.Server == name) || (dir == "egress" && s.Client == name)
		if !mine || s.Rejected || s.Unanswered || s.Scan || s.Server == "vpc-resolver" {
			continue
		}
		sv := service{s.Protocol, s.Port}
		if want[sv] || !carried(t, e, addrs, dir, sv) {
			continue
		}
		want[sv] = true
	}
	return want
}

func carried(t *testing.T, e *engine.Engine, addrs []string, dir string, s service) bool {
	t.Helper()
	q := `SELECT count(*) FROM flows r WHERE r.action = 'ACCEPT' AND r.protocol = $2 AND list_contains($1, r.dstaddr) AND (r.protocol NOT IN (6, 17) OR r.dstport = $3)
  AND EXISTS (SELECT 1 FROM flows b WHERE b.srcaddr = r.dstaddr AND b.dstaddr = r.srcaddr AND b.protocol = r.protocol AND b.srcport = r.dstport AND b.dstport = r.srcport)`
	if dir == "egress" {
		q = strings.Replace(q, "list_contains($1, r.dstaddr)", "list_contains($1, r.srcaddr)", 1)
	}
	res, err := e.QueryParams(context.Background(), q, 0, addrs, int32(s.proto), int32(s.port))
	if err != nil {
		t.Fatal(err)
	}
	return engine.AsInt(res.Rows[0][0]) > 0
}

// busiestClient is the internet address with the most accepted
// conversations to a web workload's 443: marked malicious, it must leave
// the rules and appear under not_recommended.
func busiestClient(t *testing.T, e *engine.Engine, ips map[string][]string) netip.Addr {
	t.Helper()
	var web []string
	for name, a := range ips {
		if strings.HasSuffix(name, "-web") {
			web = append(web, a...)
		}
	}
	res, err := e.QueryParams(context.Background(), `SELECT srcaddr FROM flows WHERE dstport = 443 AND action = 'ACCEPT' AND list_contains($1, dstaddr)
  AND NOT coalesce(is_private(srcaddr), true) GROUP BY srcaddr ORDER BY count(*) DESC, srcaddr LIMIT 1`, 0, web)
	if err != nil || len(res.Rows) == 0 {
		t.Fatalf("no client of the web workloads: %v", err)
	}
	return netip.MustParseAddr(engine.AsString(res.Rows[0][0]))
}

// excluded says whether the advisor takes the hunt's finding of an
// attack: one of sgadvisor.MaliciousDetectors, and not a lateral-movement
// fan-out (its finding names no destinations; FromFindings leaves it).
// The others — exposure, fan-outs — stay in: their traffic must support
// no port that the workloads do not really serve or call, and unanswered
// probes must be exposure.
func excluded(a gen.Attack) bool {
	return !a.Benign && slices.Contains(sgadvisor.MaliciousDetectors, a.Detector) && a.Kind != "admin-fan-out"
}

// attackExclusions marks the generator's injected attacks as a hunt that
// found every one would: those the advisor takes, with their sources,
// destinations (anyone for a sweep), ports and time span.
func attackExclusions(t *testing.T, truth *gen.Truth) []sgadvisor.Exclusion {
	var out []sgadvisor.Exclusion
	for i, a := range truth.Attacks {
		if !excluded(a) {
			continue
		}
		x, err := sgadvisor.FindingExclusion(a.Detector, fmt.Sprint("attack-", i), a.Src, a.Dst, a.Ports, a.Start, a.End)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// checkAttacksListed: every attack the advisor takes the findings of,
// wherever a workload's interface accepted its traffic, is listed in that
// workload's not_recommended — on one of its ports, in its time, for a
// reason that names an exclusion (listed says which).
func checkAttacksListed(t *testing.T, e *engine.Engine, truth *gen.Truth, reps []*sgadvisor.Report, listed func(i int, reason string) bool) {
	t.Helper()
	workloadOf := map[string]string{}
	for _, in := range truth.Instances {
		workloadOf[in.ENI] = in.Name
	}
	checked := 0
	for i, a := range truth.Attacks {
		if !excluded(a) {
			continue
		}
		for _, eni := range acceptedAt(t, e, a) {
			name := workloadOf[eni]
			if name == "" {
				continue // a NAT gateway, a transit-gateway attachment
			}
			checked++
			if !slices.ContainsFunc(reps, func(r *sgadvisor.Report) bool {
				return r.Workload == name && slices.ContainsFunc(r.NotRecommended, func(s sgadvisor.Seen) bool {
					return (len(a.Ports) == 0 || slices.Contains(a.Ports, s.Port)) && !s.FirstSeen.After(a.End) && !s.LastSeen.Before(a.Start) && listed(i, s.Reason)
				})
			}) {
				t.Errorf("%s: attack %d (%s %s, ports %v) reached it and is not listed as not recommended", name, i, a.Detector, a.Kind, a.Ports)
			}
		}
	}
	if checked == 0 {
		t.Error("no attack reached a workload: nothing was checked")
	}
}

// acceptedAt lists the interfaces that accepted the requests of an
// attack: from its sources, to its destinations (anyone when it has
// none), on its ports (any when it lists none), in its time.
func acceptedAt(t *testing.T, e *engine.Engine, a gen.Attack) []string {
	t.Helper()
	ports := make([]int32, 0, len(a.Ports))
	for _, p := range a.Ports {
		ports = append(ports, int32(p))
	}
	res, err := e.QueryParams(context.Background(), `SELECT DISTINCT interface_id FROM flows
  WHERE action = 'ACCEPT' AND list_contains($1, srcaddr) AND (len($2) = 0 OR list_contains($2, dstaddr))
    AND (len($3) = 0 OR list_contains($3, dstport)) AND start BETWEEN $4 AND $5 ORDER BY 1`,
		0, a.Src, a.Dst, ports, a.Start.Unix(), a.End.Unix())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, engine.AsString(r[0]))
	}
	return out
}

// checkScannersListed: the port scanners find open but unserved is
// listed as exposure where it was reached, and never becomes a rule.
func checkScannersListed(t *testing.T, truth *gen.Truth, reps []*sgadvisor.Report) {
	t.Helper()
	listed := 0
	for _, s := range truth.Services {
		if !s.Unanswered {
			continue
		}
		for _, r := range reps {
			if r.Workload != s.Server {
				continue
			}
			if slices.ContainsFunc(r.Exposure, func(x sgadvisor.Seen) bool { return x.Port == s.Port && x.Direction == "ingress" && x.PeerCount > 0 }) {
				listed++
			}
		}
	}
	if listed == 0 {
		t.Error("the unanswered probes of the estate's scanners are listed as exposure nowhere")
	}
}

// checkExcluded: traffic from the address marked malicious supports no
// rule, and is listed with its reason, conversation for conversation:
// the rules of a run with the attacks alone excluded lose exactly what is
// listed.
func checkExcluded(t *testing.T, e *engine.Engine, reps []*sgadvisor.Report, bad netip.Addr, attacks []sgadvisor.Exclusion) {
	t.Helper()
	plain, err := sgadvisor.Run(context.Background(), e, sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindAll}, Exclude: attacks})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, r := range reps {
		var listed int64
		for _, s := range r.NotRecommended {
			if strings.Contains(s.Reason, bad.String()) && strings.Contains(s.Reason, "test: marked malicious") {
				if !slices.Contains(s.Peers, bad.String()) {
					t.Errorf("%s: excluded traffic listed without its peer: %+v", r.Workload, s)
				}
				listed += s.Conversations
			}
		}
		if listed == 0 {
			continue
		}
		found = true
		if d := conversations(plain[i].Ingress) - conversations(r.Ingress); d != listed {
			t.Errorf("%s: excluding %s removed %d conversations from the rules, %d listed", r.Workload, bad, d, listed)
		}
	}
	if !found {
		t.Errorf("traffic from %s, marked malicious, is listed under not_recommended nowhere", bad)
	}
}

func conversations(rs []sgadvisor.Rule) int64 {
	var n int64
	for _, r := range rs {
		n += r.Conversations
	}
	return n
}
