package hunt

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// A scenario is a story told in flows: the records AWS would have logged
// for a set of connections, plus the CloudTrail events that name the
// instances. Tests write the story — who connected to whom, when, how
// much went each way, whether the security group let it in — and the
// scenario writes the log lines as AWS does:
//
//   - every private address is an instance with one interface (eniOf),
//     and each connection is logged at the interface of each private end;
//     a public address logs nothing;
//   - an answered TCP connection is a record each way: the initiator's
//     with tcp-flags SYN|FIN (3) and the reply with SYN-ACK|FIN (19);
//   - an unanswered attempt is one record, SYN only (2), with no reply;
//   - a rejected attempt is logged REJECT, with no reply, at the
//     interface whose security group dropped it (the destination's, or
//     the source's for outbound traffic to the internet); the source's
//     own interface, if it has one, logs the SYN it let out;
//   - a long session is logged once per aggregation interval.
type scenario struct {
	t     testing.TB
	lines []string
	trail []map[string]any
	rng   *rand.Rand
	sport int             // the next ephemeral port
	mine  map[string]bool // public addresses that are the estate's own (IPv6)
	// v2 writes the default format (no vpc-id, no tcp-flags); noBytes a
	// custom format without bytes (as Block Public Access leaves them).
	v2, noBytes bool
}

const (
	account = "111122223333"
	vpcID   = "vpc-0a1b2c3d"
	region  = "us-east-1"
	// customHeader is a custom format with the fields the detectors use
	// most: the initiator is read from tcp-flags.
	customHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id tcp-flags"
)

// t0 is when every scenario's story starts: a Monday, midnight UTC.
var t0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func newScenario(t testing.TB) *scenario {
	return &scenario{t: t, rng: rand.New(rand.NewPCG(1, 2)), sport: 40000, mine: map[string]bool{}}
}

// vol is what one direction of a connection carried.
type vol struct{ pkts, bytes int64 }

// conn is one connection as the story tells it.
type conn struct {
	at       time.Time
	dur      time.Duration // 0: a few seconds
	src, dst string
	sport    int // 0: the next ephemeral port
	dport    int
	proto    int // 0: TCP
	out      vol // from the initiator
	back     vol // zero: nothing came back
	reject   bool
}

// at is t0 plus hours, minutes and seconds: the story's clock.
func at(h, m, s int) time.Time {
	return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// eniOf names the interface that holds a private address: eni- and the
// address in hex, so that a story never has to name interfaces.
func eniOf(addr string) string {
	a := netip.MustParseAddr(addr)
	b := a.As16()
	if a.Is4() {
		b4 := a.As4()
		return fmt.Sprintf("eni-%x", b4[:])
	}
	return fmt.Sprintf("eni-%x", b[8:])
}

func private(addr string) bool { return isPrivate(netip.MustParseAddr(addr)) }

// logged says whether an address is an interface of the estate, which
// logs what it sends and receives: every private address, and the public
// ones (IPv6) the story said are its own.
func (s *scenario) logged(addr string) bool { return private(addr) || s.mine[addr] }

// add logs one connection and returns the client port it used.
func (s *scenario) add(c conn) int {
	if c.proto == 0 {
		c.proto = 6
	}
	if c.sport == 0 {
		c.sport = s.nextPort()
	}
	if c.dur == 0 {
		c.dur = 3 * time.Second
	}
	answered := !c.reject && c.back.pkts > 0
	outFlags, backFlags := 3, 19
	if !answered {
		outFlags = 2
	}
	fwd := rec{src: c.src, dst: c.dst, sport: c.sport, dport: c.dport, proto: c.proto, v: c.out, from: c.at, to: c.at.Add(c.dur), flags: outFlags}
	rev := rec{src: c.dst, dst: c.src, sport: c.dport, dport: c.sport, proto: c.proto, v: c.back, from: c.at, to: c.at.Add(c.dur), flags: backFlags}
	switch {
	case c.reject:
		s.logReject(fwd)
	default:
		s.logBoth(fwd)
		if answered {
			s.logBoth(rev)
		}
	}
	return c.sport
}

// session logs one connection held open from c.at for c.dur, as AWS
// logs it: a record each way per interval, SYN in the first, FIN in the
// last. c.out and c.back are per interval, scaled by scale(i) when it is
// given.
func (s *scenario) session(c conn, interval time.Duration, scale func(i int) float64) {
	if c.proto == 0 {
		c.proto = 6
	}
	if c.sport == 0 {
		c.sport = s.nextPort()
	}
	n := int(c.dur / interval)
	for i := range n {
		from := c.at.Add(time.Duration(i) * interval)
		outFlags, backFlags := 0, 0
		if i == 0 {
			outFlags, backFlags = 2, 18
		}
		if i == n-1 {
			outFlags, backFlags = outFlags|1, backFlags|1
		}
		out, back := c.out, c.back
		if scale != nil {
			f := scale(i)
			out.bytes, back.bytes = int64(float64(out.bytes)*f), int64(float64(back.bytes)*f)
		}
		s.logBoth(rec{src: c.src, dst: c.dst, sport: c.sport, dport: c.dport, proto: c.proto, v: out, from: from, to: from.Add(interval), flags: outFlags})
		s.logBoth(rec{src: c.dst, dst: c.src, sport: c.dport, dport: c.sport, proto: c.proto, v: back, from: from, to: from.Add(interval), flags: backFlags})
	}
}

func (s *scenario) nextPort() int {
	p := s.sport
	s.sport++
	if s.sport > 60999 {
		s.sport = 32768
	}
	return p
}

// rec is one direction of a connection in one interval.
type rec struct {
	src, dst            string
	sport, dport, proto int
	v                   vol
	from, to            time.Time
	flags               int
}

// logBoth logs an accepted record at each private end's interface.
func (s *scenario) logBoth(r rec) {
	for _, a := range []string{r.src, r.dst} {
		if s.logged(a) && !(a == r.dst && r.src == r.dst) {
			s.line(eniOf(a), r, "ACCEPT")
		}
	}
}

// logReject logs a dropped attempt where the security group dropped it.
func (s *scenario) logReject(r rec) {
	switch {
	case s.logged(r.dst):
		if s.logged(r.src) {
			s.line(eniOf(r.src), r, "ACCEPT") // the SYN left the source
		}
		s.line(eniOf(r.dst), r, "REJECT")
	case s.logged(r.src):
		s.line(eniOf(r.src), r, "REJECT")
	}
}

func (s *scenario) line(eni string, r rec, action string) {
	flags := r.flags
	if r.proto != 6 {
		flags = 0
	}
	fields := []string{"3", account, eni, r.src, r.dst, fmt.Sprint(r.sport), fmt.Sprint(r.dport), fmt.Sprint(r.proto),
		fmt.Sprint(max(r.v.pkts, 1)), fmt.Sprint(max(r.v.bytes, 40)), fmt.Sprint(r.from.Unix()), fmt.Sprint(r.to.Unix()), action, "OK"}
	s.write(fields, vpcID, fmt.Sprint(flags))
}

// write adds a record in the story's format: fields are those of the
// default format, extra the custom format's vpc-id and tcp-flags.
func (s *scenario) write(fields []string, extra ...string) {
	switch {
	case s.v2:
		fields[0] = "2"
	case s.noBytes:
		fields = append(slices.Delete(fields, 9, 10), extra...)
	default:
		fields = append(fields, extra...)
	}
	s.lines = append(s.lines, strings.Join(fields, " "))
}

// status logs a NODATA or SKIPDATA record for an interface's interval.
func (s *scenario) status(eni string, from time.Time, status string) {
	fields := []string{"3", account, eni, "-", "-", "-", "-", "-", "-", "-", fmt.Sprint(from.Unix()), fmt.Sprint(from.Add(time.Minute).Unix()), "-", status}
	s.write(fields, "-", "-")
}

// every calls f at each step from from until to.
func every(from, to time.Time, step time.Duration, f func(time.Time)) {
	for t := from; t.Before(to); t = t.Add(step) {
		f(t)
	}
}

// jitter returns d varied uniformly by up to ±frac.
func (s *scenario) jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 + frac*(2*s.rng.Float64()-1)))
}

// background is traffic that keeps the lake's clock running from t0 for
// the given hours — one private host polling another once an hour — so
// that the first half of the data is a baseline. It uses addresses no
// story uses and a port no detector watches.
func (s *scenario) background(hours int) {
	for h := range hours {
		s.add(conn{at: at(h, 0, 0), src: "10.255.0.1", dst: "10.255.0.2", dport: 8125, out: vol{5, 600}, back: vol{4, 500}})
	}
}

// launch records a RunInstances event: instance id, one interface with
// the address, and its Name tag.
func (s *scenario) launch(when time.Time, id, addr, name string) {
	s.event(when, "RunInstances",
		map[string]any{"tagSpecificationSet": map[string]any{"items": []any{map[string]any{"resourceType": "instance",
			"tags": []any{map[string]any{"key": "Name", "value": name}}}}}},
		map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{
			"instanceId": id, "vpcId": vpcID, "subnetId": "subnet-1", "privateIpAddress": addr,
			"placement": map[string]any{"availabilityZone": region + "a"},
			"tagSet":    map[string]any{"items": []any{map[string]any{"key": "Name", "value": name}}},
			"networkInterfaceSet": map[string]any{"items": []any{map[string]any{
				"networkInterfaceId": eniOf(addr), "vpcId": vpcID, "subnetId": "subnet-1", "privateIpAddress": addr,
				"privateIpAddressesSet": map[string]any{"item": []any{map[string]any{"privateIpAddress": addr, "primary": true}}},
				"groupSet":              map[string]any{"items": []any{map[string]any{"groupId": "sg-" + name}}},
				"attachment":            map[string]any{"attachmentId": "eni-attach-" + id, "deviceIndex": 0},
			}}},
		}}}})
}

// terminate records a TerminateInstances event.
func (s *scenario) terminate(when time.Time, id string) {
	s.event(when, "TerminateInstances", map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id}}}},
		map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id,
			"currentState": map[string]any{"code": 32, "name": "shutting-down"}}}}})
}

func (s *scenario) event(when time.Time, name string, req, resp map[string]any) {
	n := len(s.trail)
	s.trail = append(s.trail, map[string]any{
		"eventVersion": "1.10", "eventTime": when.Format(time.RFC3339), "eventSource": "ec2.amazonaws.com", "eventName": name,
		"awsRegion": region, "sourceIPAddress": "203.0.113.250", "userAgent": "terraform",
		"userIdentity":      map[string]any{"type": "AssumedRole", "arn": "arn:aws:sts::" + account + ":assumed-role/deployer/ci", "accountId": account},
		"requestParameters": req, "responseElements": resp, "eventID": fmt.Sprintf("00000000-0000-0000-0000-%012d", n),
		"eventType": "AwsApiCall", "recipientAccountId": account, "managementEvent": true, "readOnly": false,
	})
}

// open ingests the story into a new lake and opens the engine on it. It
// fails the test if any line was not ingested: a story the lake does not
// hold would test nothing.
func (s *scenario) open() *engine.Engine {
	s.t.Helper()
	body := strings.Join(s.lines, "\n") + "\n"
	switch {
	case s.noBytes:
		body = strings.Replace(customHeader, " bytes ", " ", 1) + "\n" + body
	case !s.v2:
		body = customHeader + "\n" + body
	}
	files := map[string]string{"flows.log": body}
	if len(s.trail) > 0 {
		b, err := json.Marshal(map[string]any{"Records": s.trail})
		if err != nil {
			s.t.Fatal(err)
		}
		files["cloudtrail.json"] = string(b)
	}
	e := testlake.OpenDir(s.t, testlake.Build(s.t, files))
	res, err := e.Query(context.Background(), "SELECT (SELECT count(*) FROM flows), (SELECT count(*) FROM cloudtrail)", 0)
	if err != nil {
		s.t.Fatal(err)
	}
	if got := res.Rows[0]; asInt(got[0]) != int64(len(s.lines)) || asInt(got[1]) != int64(len(s.trail)) {
		s.t.Fatalf("the lake holds %v flow records and %v CloudTrail events, the story wrote %d and %d", got[0], got[1], len(s.lines), len(s.trail))
	}
	return e
}

// hunt runs the hunt on the story and checks the evidence of every
// finding it made (checkEvidence).
func (s *scenario) hunt(opt Options) *Report {
	s.t.Helper()
	e := s.open()
	rep, err := Run(context.Background(), e, opt)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, f := range rep.Findings {
		checkEvidence(s.t, e, f)
	}
	return rep
}

// checkEvidence runs a finding's evidence SQL as an analyst would —
// through the engine's read-only path — and checks that it returns
// records and that each involves the finding: its source or destination
// address, or one of the addresses it lists.
func checkEvidence(t testing.TB, e *engine.Engine, f Finding) {
	t.Helper()
	res, err := e.Query(context.Background(), f.EvidenceSQL, 0)
	if err != nil {
		t.Errorf("finding %q: evidence SQL fails: %v\n%s", f.Title, err, f.EvidenceSQL)
		return
	}
	if len(res.Rows) == 0 {
		t.Errorf("finding %q: evidence SQL returns no records\n%s", f.Title, f.EvidenceSQL)
		return
	}
	col := map[string]int{}
	for i, c := range res.Columns {
		col[c] = i
	}
	addrs := involved(f)
	for _, row := range res.Rows {
		src, dst, eni := asStr(row[col["srcaddr"]]), asStr(row[col["dstaddr"]]), asStr(row[col["interface_id"]])
		if !addrs[src] && !addrs[dst] && !(f.Src.Interface != "" && eni == f.Src.Interface) {
			t.Errorf("finding %q: evidence record %s → %s at %s involves none of %v", f.Title, src, dst, eni, slices.Sorted(mapKeys(addrs)))
			return
		}
	}
	if f.Records > 0 && int64(len(res.Rows)) < f.Records/2 {
		t.Errorf("finding %q counts %d records, its evidence returns %d", f.Title, f.Records, len(res.Rows))
	}
}

// involved is every address a finding names.
func involved(f Finding) map[string]bool {
	out := map[string]bool{}
	for _, a := range []string{f.Src.Address, f.Dst.Address} {
		if a != "" {
			out[a] = true
		}
	}
	for _, k := range []string{"sources", "src_addresses", "dst_addresses", "hosts"} {
		if l, ok := f.Details[k].([]string); ok {
			for _, a := range l {
				out[a] = true
			}
		}
	}
	return out
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// of returns the findings of one detector.
func of(rep *Report, detector string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Detector == detector {
			out = append(out, f)
		}
	}
	return out
}

// about returns the findings of a detector that name addr at either end
// or in their lists.
func about(rep *Report, detector, addr string) []Finding {
	var out []Finding
	for _, f := range of(rep, detector) {
		if involved(f)[addr] {
			out = append(out, f)
		}
	}
	return out
}

// want is what a test expects of a finding; zero fields are not checked.
type want struct {
	severity Severity
	src, dst string
	dstCount int64
	ports    []int
	title    string // a substring
	check    func(t *testing.T, f Finding)
}

// expectOne checks that exactly one finding of the detector is about
// addr, and that it is as wanted.
func expectOne(t *testing.T, rep *Report, detector, addr string, w want) Finding {
	t.Helper()
	fs := about(rep, detector, addr)
	if len(fs) != 1 {
		t.Fatalf("%d %s findings about %s, want 1; all findings:\n%s", len(fs), detector, addr, describe(rep.Findings))
	}
	return expectAs(t, fs[0], detector, w)
}

// expectAs checks a finding against what is wanted.
func expectAs(t *testing.T, f Finding, detector string, w want) Finding {
	t.Helper()
	if f.Severity != w.severity {
		t.Errorf("severity %s, want %s: %s", f.Severity, w.severity, f.Title)
	}
	if w.src != "" && f.Src.Address != w.src {
		t.Errorf("src %q, want %q: %s", f.Src.Address, w.src, f.Title)
	}
	if w.dst != "" && f.Dst.Address != w.dst {
		t.Errorf("dst %q, want %q: %s", f.Dst.Address, w.dst, f.Title)
	}
	if w.dstCount != 0 && f.Dst.Count != w.dstCount {
		t.Errorf("dst count %d, want %d: %s", f.Dst.Count, w.dstCount, f.Title)
	}
	if w.ports != nil && !slices.Equal(f.Ports, w.ports) {
		t.Errorf("ports %v, want %v: %s", f.Ports, w.ports, f.Title)
	}
	if !strings.Contains(f.Title, w.title) {
		t.Errorf("title %q, want it to contain %q", f.Title, w.title)
	}
	if f.Detector != detector || f.ID == "" || f.MITRE == "" && detector != "threshold" || f.Summary == "" || f.FirstSeen.IsZero() || f.LastSeen.Before(f.FirstSeen) {
		t.Errorf("incomplete finding: %+v", f)
	}
	if w.check != nil {
		w.check(t, f)
	}
	return f
}

// expectNone checks that no finding of the detector is about addr.
func expectNone(t *testing.T, rep *Report, detector, addr string) {
	t.Helper()
	if fs := about(rep, detector, addr); len(fs) > 0 {
		t.Errorf("%s reported the look-alike %s:\n%s", detector, addr, describe(fs))
	}
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s (%s → %s/%d) %v score %.0f\n", f.Severity, f.Detector, f.Title, f.Src.Address, f.Dst.Address, f.Dst.Count, f.Ports, f.Score)
	}
	return b.String()
}

// ran checks that a detector ran rather than being skipped: a negative
// test on a detector that never ran proves nothing.
func ran(t *testing.T, rep *Report, detector string) {
	t.Helper()
	for _, d := range rep.Detectors {
		if d.Name == detector {
			if d.Skipped != "" {
				t.Fatalf("%s did not run: %s", detector, d.Skipped)
			}
			return
		}
	}
	t.Fatalf("%s is not among the detectors run", detector)
}

func detail(f Finding, key string) int64 { return asInt(f.Details[key]) }

// mustConfig reads a hunt.yaml over the defaults.
func mustConfig(t testing.TB, yaml string) Config {
	t.Helper()
	c, err := ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// story is one test case: what happens, told to a scenario.
type story func(s *scenario)

// positive is a story with a finding about addr that must be as wanted.
type positive struct {
	name  string
	story story
	addr  string
	want  want
}

// negative is a story whose look-alike addr must not be reported.
type negative struct {
	name  string
	story story
	addr  string
}

// runPositives and runNegatives run a detector's table, one lake per case.
func runPositives(t *testing.T, detector string, opt Options, cases []positive) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t)
			c.story(s)
			o := opt
			o.Detectors = []string{detector}
			expectOne(t, s.hunt(o), detector, c.addr, c.want)
		})
	}
}

func runNegatives(t *testing.T, detector string, opt Options, cases []negative) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t)
			c.story(s)
			o := opt
			o.Detectors = []string{detector}
			rep := s.hunt(o)
			ran(t, rep, detector)
			expectNone(t, rep, detector, c.addr)
		})
	}
}
