package gen

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// detectors are the hunt's detectors that every estate must exercise.
var detectors = []string{"port-scan", "brute-force", "lateral-movement", "exfiltration", "beaconing", "crypto-mining",
	"ioc", "exposure", "outbound-dos", "spam-bot", "unusual-traffic"}

// historyKinds are attacks seen only against a baseline: they must start
// in the second half of the period.
var historyKinds = []string{"new-east-west-edge", "cross-vpc-transit-gateway", "on-premises-access", "admin-fan-out",
	"exfiltration-above-baseline", "exfiltration-new-talker", "spam-bot", "unusual-port", "unusual-volume"}

// injectedRecords sums the records of the injected entries, each plan
// once (a look-alike listed for two detectors shares its records).
func injectedRecords(tr *Truth) int64 {
	seen := map[string]bool{}
	var n int64
	for _, a := range tr.Attacks {
		k := a.Kind + a.Start.String() + a.Notes
		if !a.Background && !seen[k] {
			seen[k] = true
			n += a.Records
		}
	}
	return n
}

func find(tr *Truth, kind string) (Attack, bool) {
	i := slices.IndexFunc(tr.Attacks, func(a Attack) bool { return a.Kind == kind })
	if i < 0 {
		return Attack{}, false
	}
	return tr.Attacks[i], true
}

// checkCoverage: every detector has an attack with records, within the
// period, and the attacks that need a baseline start in its second half.
func checkCoverage(t *testing.T, tr *Truth) {
	t.Helper()
	found := map[string]bool{}
	mid := tr.Start.Add(tr.End.Sub(tr.Start) / 2)
	for _, a := range tr.Attacks {
		if a.Records == 0 || a.Start.After(a.End) || a.Start.Before(tr.Start) || !a.End.Before(tr.End) || len(a.Src) == 0 {
			t.Errorf("%s/%s: %d records from %s to %s, src %v: not a well-formed entry", a.Detector, a.Kind, a.Records, a.Start, a.End, a.Src)
		}
		if !a.Benign {
			found[a.Detector] = true
		}
		if slices.Contains(historyKinds, a.Kind) && a.Start.Before(mid) {
			t.Errorf("%s starts at %s, before the middle of the period %s", a.Kind, a.Start, mid)
		}
	}
	for _, d := range detectors {
		if !found[d] {
			t.Errorf("no %s attack in the truth", d)
		}
	}
}

func TestAttacks_EveryDetector(t *testing.T) {
	_, tr := generate(t)
	checkCoverage(t, tr)
	benign := map[string]bool{}
	for _, a := range tr.Attacks {
		if a.Benign {
			benign[a.Detector] = true
		}
	}
	for _, d := range []string{"exfiltration", "beaconing", "lateral-movement", "port-scan", "exposure"} {
		if !benign[d] {
			t.Errorf("no benign look-alike of %s", d)
		}
	}
	if a, ok := find(tr, "authorised-vulnerability-scanner"); !ok || !strings.Contains(a.Notes, "allowlist "+a.Src[0]+"/32") {
		t.Errorf("the company's scanner is missing or its notes do not say what to allowlist: %+v", a)
	}
}

// matching returns the records in an entry's window that touch its
// addresses on its ports.
func matching(a Attack, recs []flowRec) []flowRec {
	addrs := map[string]bool{}
	for _, x := range slices.Concat(a.Src, a.Dst) {
		addrs[x] = true
	}
	var out []flowRec
	for _, r := range recs {
		inWindow := r.start >= a.Start.Unix() && r.end <= a.End.Unix()
		onPort := len(a.Ports) == 0 || slices.Contains(a.Ports, int(r.dport)) || slices.Contains(a.Ports, int(r.sport))
		if inWindow && onPort && (addrs[r.src] || addrs[r.dst]) {
			out = append(out, r)
		}
	}
	return out
}

// TestAttacks_RecordsInWindow: the records behind every entry are in the
// output, inside its window, with its addresses and ports: at least the
// third of them recorded at the instance (the rest are NAT gateway legs,
// which carry the gateway's address).
func TestAttacks_RecordsInWindow(t *testing.T) {
	dir, tr := generate(t)
	rc := readAll(t, dir, tr)
	all := slices.Concat(rc.flowRecs, rc.tgwRecs)
	for _, a := range tr.Attacks {
		if n := int64(len(matching(a, all))); n == 0 || 3*n < a.Records {
			t.Errorf("%s/%s: %d records match its addresses and ports in [%s, %s], truth says it wrote %d", a.Detector, a.Kind, n, a.Start, a.End, a.Records)
		}
	}
	if a, ok := find(tr, "cross-vpc-transit-gateway"); ok && len(matching(a, rc.tgwRecs)) == 0 {
		t.Errorf("%s: not in the transit gateway's log", a.Kind)
	}
}

func distinct(recs []flowRec, key func(flowRec) string) int {
	set := map[string]bool{}
	for _, r := range recs {
		set[key(r)] = true
	}
	return len(set)
}

// TestAttacks_Shapes checks, in the records read back, what makes each
// attack what it is.
func TestAttacks_Shapes(t *testing.T) {
	dir, tr := generate(t)
	rc := readAll(t, dir, tr)
	from := func(a Attack) []flowRec {
		return slices.DeleteFunc(matching(a, rc.flowRecs), func(r flowRec) bool { return !slices.Contains(a.Src, r.src) })
	}
	dport := func(r flowRec) string { return itoa(r.dport) }
	dst := func(r flowRec) string { return r.dst }
	conn := func(r flowRec) string { return r.src + itoa(r.sport) }
	checks := []struct {
		kind string
		key  func(flowRec) string
		min  int
	}{
		{"vertical-scan", dport, 150},
		{"horizontal-scan", dst, 50},
		{"outbound-sweep", dst, 150},
		{"internet-brute-force", conn, 100},
		{"internal-brute-force", conn, 100},
		{"admin-fan-out", dst, 5},
		{"spam-bot", dst, 80},
		{"monitoring-fan-out", dst, 5},
	}
	for _, c := range checks {
		a, ok := find(tr, c.kind)
		if !ok {
			t.Errorf("no %s", c.kind)
			continue
		}
		if n := distinct(from(a), c.key); n < c.min {
			t.Errorf("%s: %d distinct, want at least %d", c.kind, n, c.min)
		}
	}
	for _, kind := range []string{"exfiltration-above-baseline", "exfiltration-new-talker", "nightly-backup"} {
		a, _ := find(tr, kind)
		var out int64
		for _, r := range from(a) {
			out += r.bytes
		}
		if out < 4e8 {
			t.Errorf("%s: %d bytes out, want gigabytes", kind, out)
		}
	}
	a, _ := find(tr, "beacon-across-replacement")
	names := map[string]bool{}
	for _, in := range tr.Instances {
		if slices.Contains(a.Src, in.PrivateIP) {
			names[in.Account+in.Region+in.Name] = true
		}
	}
	if len(a.Src) < 2 || len(names) != 1 {
		t.Errorf("beacon across a replacement: sources %v, workloads %v; want several instances of one workload", a.Src, names)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAttacks_Formats: some attacks land in the default format (no
// tcp-flags), some in a custom one with them.
func TestAttacks_Formats(t *testing.T) {
	dir, tr := generate(t)
	rc := readAll(t, dir, tr)
	var with, without int
	for _, a := range tr.Attacks {
		if a.Benign {
			continue
		}
		recs := matching(a, rc.flowRecs)
		switch {
		case slices.ContainsFunc(recs, func(r flowRec) bool { return r.flags >= 0 }) && strings.Contains(a.Notes, "with tcp-flags"):
			with++
		case slices.ContainsFunc(recs, func(r flowRec) bool { return r.flags < 0 }) && strings.Contains(a.Notes, "no tcp-flags"):
			without++
		}
	}
	if with < 3 || without < 3 {
		t.Errorf("%d attacks with tcp-flags, %d without; want several of each", with, without)
	}
}

// TestAttacks_SeedsDiffer: another seed draws other hosts, times, rates
// and addresses for every kind.
func TestAttacks_SeedsDiffer(t *testing.T) {
	plans := func(seed int64) map[string]*plan {
		cfg, _ := Config{Seed: seed, Scale: 0.05}.withDefaults()
		e, err := newEstate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*plan{}
		for _, p := range e.plans {
			if len(p.shots) > 0 && out[p.truth.Kind] == nil {
				out[p.truth.Kind] = p
			}
		}
		return out
	}
	a, b := plans(11), plans(12)
	if len(a) < 25 {
		t.Fatalf("only %d kinds planned", len(a))
	}
	for kind, p := range a {
		q, ok := b[kind]
		if !ok {
			continue
		}
		if p.truth.Notes == q.truth.Notes || p.shots[0].t0 == q.shots[0].t0 {
			t.Errorf("%s: the same notes or start under two seeds: %s", kind, p.truth.Notes)
		}
	}
	// Attackers come from all over the address space.
	nets := map[string]bool{}
	for _, p := range a {
		for _, s := range p.shots {
			for _, ip := range []string{s.cli.ip, s.srv.ip} {
				if addr, err := netip.ParseAddr(ip); err == nil && addr.Is4() && !addr.IsPrivate() {
					nets[netip.PrefixFrom(addr, 8).Masked().String()] = true
				}
			}
		}
	}
	if len(nets) < 20 {
		t.Errorf("external addresses from only %d /8s", len(nets))
	}
}

// TestAttacks_ScaleIndependent: the injected attacks are the same at every
// Scale.
func TestAttacks_ScaleIndependent(t *testing.T) {
	injected := func(scale float64) []Attack {
		tr, err := Generate(context.Background(), t.TempDir(), Config{Seed: 5, Duration: 6 * time.Hour, Scale: scale})
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(tr.Attacks, func(a Attack) bool { return a.Background })
	}
	small, big := injected(0.02), injected(0.5)
	if len(small) == 0 || !reflect.DeepEqual(small, big) {
		t.Errorf("the injected attacks differ between Scale 0.02 and 0.5")
	}
}

// TestAttacks_Periods: a short and a long period have every attack, the
// history attacks after a baseline, backups before and after the middle,
// and the cron jobs all along.
func TestAttacks_Periods(t *testing.T) {
	for _, d := range []time.Duration{6 * time.Hour, 72 * time.Hour} {
		t.Run(d.String(), func(t *testing.T) {
			tr, err := Generate(context.Background(), t.TempDir(), Config{Seed: 9, Duration: d, Scale: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			checkCoverage(t, tr)
			mid := tr.Start.Add(d / 2)
			var before, after int
			for _, a := range tr.Attacks {
				switch {
				case a.Kind == "nightly-backup" && a.End.Before(mid):
					before++
				case a.Kind == "nightly-backup":
					after++
				case strings.HasPrefix(a.Kind, "cron-") && (a.Start.After(tr.Start.Add(10*time.Minute)) || a.End.Before(tr.End.Add(-10*time.Minute))):
					t.Errorf("%s runs from %s to %s, not all period", a.Kind, a.Start, a.End)
				}
			}
			if before == 0 || after == 0 {
				t.Errorf("%d backups before the middle, %d after; want some of each", before, after)
			}
		})
	}
}

// TestAttacks_ShortPeriod: a period too short for a baseline has no
// attacks, and still generates.
func TestAttacks_ShortPeriod(t *testing.T) {
	tr, err := Generate(context.Background(), t.TempDir(), Config{Seed: 1, Duration: 30 * time.Minute, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Attacks) != 0 || tr.Indicators != "" {
		t.Errorf("%d attacks in half an hour", len(tr.Attacks))
	}
}

// TestAttacks_Indicators: indicators.txt lists the ioc attacks' remote
// addresses, and no other attack's.
func TestAttacks_Indicators(t *testing.T) {
	dir, tr := generate(t)
	f, err := os.Open(filepath.Join(dir, tr.Indicators))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var list []netip.Prefix
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, _, _ := strings.Cut(sc.Text(), "#")
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			v += "/32"
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		list = append(list, p)
	}
	listed := func(ip string) bool {
		a, err := netip.ParseAddr(ip)
		return err == nil && slices.ContainsFunc(list, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	for _, a := range tr.Attacks {
		hit := slices.ContainsFunc(slices.Concat(a.Src, a.Dst), listed)
		if hit != (a.Detector == "ioc") {
			t.Errorf("%s/%s: addresses %v %v, listed %v", a.Detector, a.Kind, a.Src, a.Dst, hit)
		}
	}
}

// TestAttacks_IPv6Variants: across seeds, the scans, floods and spam come
// over IPv4 and over IPv6 (which GuardDuty's flow findings ignore).
func TestAttacks_IPv6Variants(t *testing.T) {
	families := map[string]map[bool]bool{}
	for seed := range int64(16) {
		cfg, _ := Config{Seed: seed, Scale: 0.05}.withDefaults()
		e, err := newEstate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range e.plans {
			if len(p.shots) == 0 {
				continue
			}
			if families[p.truth.Kind] == nil {
				families[p.truth.Kind] = map[bool]bool{}
			}
			families[p.truth.Kind][p.shots[0].v6] = true
		}
	}
	for _, kind := range []string{"vertical-scan", "outbound-sweep", "outbound-flood", "spam-bot"} {
		if !families[kind][true] || !families[kind][false] {
			t.Errorf("%s: IPv6 %v, IPv4 %v over 16 seeds; want both", kind, families[kind][true], families[kind][false])
		}
	}
}

// TestAttacks_BothEnds: the fan-out's accepted SSH sessions are logged at
// the bastion's and the target's interfaces, both ways, every minute; its
// rejected tries only as the request, ACCEPTed leaving the bastion and
// REJECTed arriving.
func TestAttacks_BothEnds(t *testing.T) {
	dir, tr := generate(t)
	rc := readAll(t, dir, tr)
	a, ok := find(tr, "admin-fan-out")
	if !ok {
		t.Fatal("no admin fan-out")
	}
	start := tr.Start.Unix()
	checked := 0
	for _, port := range a.Ports {
		for k, e := range conversations(matching(a, rc.flowRecs), int64(port), start) {
			if k.cli != a.Src[0] {
				continue
			}
			at := start + k.windowIdx*60
			cli, srv := eniAt(tr, k.cli, at), eniAt(tr, k.srv, at)
			want := ends{cli: 3, srv: 3}
			if port != 22 {
				want = ends{cli: 1, srv: 1}
			}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("%+v: recorded at %v, want %v", k, e, want)
			}
			checked++
		}
	}
	for _, r := range matching(a, rc.flowRecs) {
		if r.src != a.Src[0] || r.dport == 22 {
			continue
		}
		want := "REJECT" // arriving at the target
		if r.eni == eniAt(tr, r.src, r.start) {
			want = "ACCEPT" // leaving the bastion
		}
		if r.action != want {
			t.Errorf("%+v: a rejected try logged as %s, want %s", r, r.action, want)
		}
	}
	if checked < 5 {
		t.Errorf("only %d fan-out conversation windows", checked)
	}
}
