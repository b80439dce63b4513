package gen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/klauspost/compress/gzip"
)

var smallConfig = Config{Seed: 7, Scale: 0.05}

// generated caches one small estate for the tests that only read it.
var generated struct {
	dir   string
	truth *Truth
	read  *recount
}

func generate(t *testing.T) (string, *Truth) {
	t.Helper()
	if generated.truth == nil {
		dir, err := os.MkdirTemp("", "flowtrail-gen-")
		if err != nil {
			t.Fatal(err)
		}
		truth, err := Generate(context.Background(), dir, smallConfig)
		if err != nil {
			t.Fatal(err)
		}
		generated.dir, generated.truth = dir, truth
	}
	return generated.dir, generated.truth
}

func TestMain(m *testing.M) {
	code := m.Run()
	if generated.dir != "" {
		os.RemoveAll(generated.dir)
	}
	os.Exit(code)
}

var (
	flowKey = regexp.MustCompile(`^AWSLogs/(\d{12})/vpcflowlogs/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_vpcflowlogs_([a-z0-9-]+)_fl-[0-9a-f]{17}_(\d{8})T\d{4}Z_[0-9a-f]{8}\.log\.gz$`)
	ctKey   = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)
)

// recount re-reads every object independently of the generator: gunzip,
// split lines, parse with the ingest's parser, and count.
type recount struct {
	truth      Truth
	flowRecs   []flowRec // VPC records, for the conversation checks
	tgwRecs    []flowRec
	ctEvents   []map[string]any
	byEndpoint map[string]int64 // bytes by srcaddr
}

// flowRec keeps what the tests look at in one parsed line.
type flowRec struct {
	account, eni        string
	src, dst            string
	sport, dport, proto int64
	start, end          int64
	flags               int64 // -1 when absent
	bytes               int64
	action, direction   string
	tgwAttach           string
}

func readAll(t *testing.T, dir string, truth *Truth) *recount {
	t.Helper()
	if dir == generated.dir && generated.read != nil {
		return generated.read
	}
	rc := readTree(t, dir, truth)
	if dir == generated.dir {
		generated.read = rc
	}
	return rc
}

func readTree(t *testing.T, dir string, truth *Truth) *recount {
	t.Helper()
	rc := &recount{byEndpoint: map[string]int64{}}
	rc.truth.Records = map[string]int64{TableFlows: 0, TableTGWFlows: 0, TableCloudTrail: 0}
	rc.truth.RecordsByAccount = map[string]int64{}
	for _, a := range truth.Accounts {
		rc.truth.RecordsByAccount[a] = 0
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "truth.json" || d.Name() == truth.Indicators {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, dir+string(filepath.Separator)))
		rc.truth.Objects++
		switch {
		case flowKey.MatchString(rel):
			rc.readFlowObject(t, path, checkKey(t, flowKey, rel))
		case ctKey.MatchString(rel):
			checkKey(t, ctKey, rel)
			rc.readTrailObject(t, path)
		default:
			t.Errorf("%s: not an AWS S3 key for flow logs or CloudTrail", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// checkKey checks that the account, region and date in the prefix agree
// with the file name, and returns the account.
func checkKey(t *testing.T, re *regexp.Regexp, rel string) string {
	t.Helper()
	m := re.FindStringSubmatch(rel)
	if m[1] != m[6] || m[2] != m[7] || m[3]+m[4]+m[5] != m[8] {
		t.Errorf("%s: prefix and file name disagree", rel)
	}
	return m[1]
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

func (rc *recount) readFlowObject(t *testing.T, path, keyAccount string) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(gunzip(t, path)))
	if !sc.Scan() || !flowlog.IsHeader(sc.Bytes()) {
		t.Fatalf("%s: does not start with a header line", path)
	}
	format, err := flowlog.ParseFormat(sc.Text())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	p, rec := flowlog.NewParser(format), &flowlog.Record{}
	for sc.Scan() {
		if flowlog.IsHeader(sc.Bytes()) {
			t.Fatalf("%s: a second header line", path)
		}
		if err := p.Parse(sc.Bytes(), rec); err != nil {
			rc.truth.Malformed++
			continue
		}
		rc.truth.RecordsByAccount[keyAccount]++
		if format.Table == flowlog.TGW {
			rc.truth.Records[TableTGWFlows]++
			rc.tgwRecs = append(rc.tgwRecs, toFlowRec(rec))
			continue
		}
		rc.countVPC(rec)
	}
}

func (rc *recount) countVPC(rec *flowlog.Record) {
	rc.truth.Records[TableFlows]++
	switch rec.S(flowlog.FLogStatus) {
	case "NODATA":
		rc.truth.NoData++
	case "SKIPDATA":
		rc.truth.SkipData++
	}
	if rec.S(flowlog.FAction) == "REJECT" {
		rc.truth.Rejected++
	}
	if strings.Contains(rec.S(flowlog.FSrcAddr), ":") {
		rc.truth.IPv6++
	}
	if by, ok := rec.I(flowlog.FBytes); ok {
		rc.byEndpoint[rec.S(flowlog.FSrcAddr)] += by
	}
	rc.flowRecs = append(rc.flowRecs, toFlowRec(rec))
}

func toFlowRec(rec *flowlog.Record) flowRec {
	i := func(id int) int64 {
		v, ok := rec.I(id)
		if !ok {
			return -1
		}
		return v
	}
	return flowRec{
		account: rec.S(flowlog.FAccountID), eni: rec.S(flowlog.FInterfaceID),
		src: rec.S(flowlog.FSrcAddr), dst: rec.S(flowlog.FDstAddr),
		sport: i(flowlog.FSrcPort), dport: i(flowlog.FDstPort), proto: i(flowlog.FProtocol),
		start: i(flowlog.FStart), end: i(flowlog.FEnd), flags: i(flowlog.FTCPFlags), bytes: i(flowlog.FBytes),
		action: rec.S(flowlog.FAction), direction: rec.S(flowlog.FFlowDirection),
		tgwAttach: rec.S(flowlog.FTGWAttachmentID),
	}
}

func (rc *recount) readTrailObject(t *testing.T, path string) {
	t.Helper()
	var doc struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(gunzip(t, path), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rc.truth.Records[TableCloudTrail] += int64(len(doc.Records))
	rc.ctEvents = append(rc.ctEvents, doc.Records...)
}

func TestGenerate_CountsMatchTruth(t *testing.T) {
	dir, truth := generate(t)
	rc := readAll(t, dir, truth)
	got, want := rc.truth, *truth
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"records", got.Records, want.Records},
		{"records_by_account", got.RecordsByAccount, want.RecordsByAccount},
		{"nodata", got.NoData, want.NoData},
		{"skipdata", got.SkipData, want.SkipData},
		{"ipv6", got.IPv6, want.IPv6},
		{"reject_action", got.Rejected, want.Rejected},
		{"malformed", got.Malformed, want.Malformed},
		{"objects", got.Objects, want.Objects},
		{"bytes_by_src", topTalkers(rc.byEndpoint, 20), want.Bytes},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: re-read %v, truth says %v", c.name, c.got, c.want)
		}
	}
	for name, n := range map[string]int64{"flows": want.Records[TableFlows], "tgw_flows": want.Records[TableTGWFlows],
		"cloudtrail": want.Records[TableCloudTrail], "nodata": want.NoData, "skipdata": want.SkipData,
		"ipv6": want.IPv6, "reject": want.Rejected, "malformed": want.Malformed} {
		if n == 0 {
			t.Errorf("the estate has no %s records", name)
		}
	}
}

func TestGenerate_TruthFileMatchesResult(t *testing.T) {
	dir, truth := generate(t)
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk Truth
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&onDisk, truth) {
		t.Errorf("truth.json differs from the returned truth")
	}
}

func TestGenerate_Accounts(t *testing.T) {
	_, truth := generate(t)
	lead0 := false
	for _, a := range truth.Accounts {
		if !regexp.MustCompile(`^\d{12}$`).MatchString(a) {
			t.Errorf("account %q is not 12 digits", a)
		}
		lead0 = lead0 || a[0] == '0'
	}
	if !lead0 {
		t.Errorf("no account ID with a leading zero in %v", truth.Accounts)
	}
}

// TestGenerate_RecordsAreWellFormed checks the aggregation windows, the
// instance lifetimes and the AWS conventions of each record.
func TestGenerate_RecordsAreWellFormed(t *testing.T) {
	dir, truth := generate(t)
	rc := readAll(t, dir, truth)
	life := map[string]Instance{}
	for _, in := range truth.Instances {
		life[in.ENI] = in
	}
	start, end := truth.Start.Unix(), truth.End.Unix()
	for _, r := range slices.Concat(rc.flowRecs, rc.tgwRecs) {
		if r.end < r.start || r.start < start || r.end >= end || (r.start-start)/60 != (r.end-start)/60 {
			t.Fatalf("%+v: start and end are not inside one 60 s window of the period", r)
		}
		if in, ok := life[r.eni]; ok && (r.start < in.Launch.Unix() || !in.Terminate.IsZero() && r.end >= in.Terminate.Unix()) {
			t.Fatalf("%+v: record outside the life of %s (%s to %s)", r, in.ID, in.Launch, in.Terminate)
		}
		if r.action == "REJECT" && r.proto == 6 && r.flags >= 0 && r.flags != 2 {
			t.Fatalf("%+v: a rejected TCP record carries flags other than SYN", r)
		}
		if r.proto == 1 && (r.sport != 0 || r.dport != 0) {
			t.Fatalf("%+v: ICMP with ports", r)
		}
	}
}

// convKey names one window of one conversation.
type convKey struct {
	cli, srv         string
	cport, sport     int64
	proto, windowIdx int64
}

// ends maps each ENI that recorded a conversation window to the
// directions it saw: 1 the request, 2 the reply.
type ends map[string]int

func conversations(recs []flowRec, srvPort int64, start int64) map[convKey]ends {
	convs := map[convKey]ends{}
	for _, r := range recs {
		k, dir := convKey{cli: r.src, srv: r.dst, cport: r.sport, sport: r.dport, proto: r.proto}, 1
		if r.sport == srvPort {
			k, dir = convKey{cli: r.dst, srv: r.src, cport: r.dport, sport: r.sport, proto: r.proto}, 2
		} else if r.dport != srvPort {
			continue
		}
		k.windowIdx = (r.start - start) / 60
		if convs[k] == nil {
			convs[k] = ends{}
		}
		convs[k][r.eni] |= dir
	}
	return convs
}

// TestGenerate_BothEndsBothDirections: a conversation between two
// monitored ENIs (web → api on 8080) is recorded at both ENIs, each in
// both directions, in every window; each ENI is the one the truth gives
// for the address at that time.
func TestGenerate_BothEndsBothDirections(t *testing.T) {
	dir, truth := generate(t)
	rc := readAll(t, dir, truth)
	checked := 0
	for k, e := range conversations(rc.flowRecs, 8080, truth.Start.Unix()) {
		cli, srv := eniAt(truth, k.cli, truth.Start.Unix()+k.windowIdx*60), eniAt(truth, k.srv, truth.Start.Unix()+k.windowIdx*60)
		if cli == "" {
			continue // a scanner probing 8080
		}
		checked++
		want := ends{cli: 3, srv: 3}
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("%+v: recorded at %v, want both directions at the client's %s and the server's %s", k, e, cli, srv)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d web → api conversation windows", checked)
	}
}

// eniAt finds the ENI that holds a private address at time t.
func eniAt(truth *Truth, ip string, t int64) string {
	for _, in := range truth.Instances {
		if in.PrivateIP == ip && in.Launch.Unix() <= t && (in.Terminate.IsZero() || t < in.Terminate.Unix()) {
			return in.ENI
		}
	}
	return ""
}

// TestGenerate_TCPFlags: in the custom-format accounts, a connection's
// first window carries SYN (2; 3 with FIN, 6 with RST) on the request and
// SYN-ACK (18, or 19 with FIN) on the reply.
func TestGenerate_TCPFlags(t *testing.T) {
	dir, truth := generate(t)
	rc := readAll(t, dir, truth)
	first := map[convKey]int64{} // first window of each connection
	for _, r := range rc.flowRecs {
		if r.dport == 8080 && r.flags >= 0 {
			k := convKey{cli: r.src, srv: r.dst, cport: r.sport}
			if w, ok := first[k]; !ok || r.start < w {
				first[k] = r.start
			}
		}
	}
	checked := 0
	for _, r := range rc.flowRecs {
		if r.flags < 0 || r.proto != 6 {
			continue
		}
		if k := (convKey{cli: r.src, srv: r.dst, cport: r.sport}); r.dport == 8080 && first[k] == r.start {
			checked++
			if r.flags&2 == 0 || r.flags&16 != 0 {
				t.Fatalf("%+v: request's first window has flags %d", r, r.flags)
			}
		}
		if k := (convKey{cli: r.dst, srv: r.src, cport: r.dport}); r.sport == 8080 && first[k] == r.start && r.flags&18 != 18 {
			t.Fatalf("%+v: reply's first window has flags %d", r, r.flags)
		}
	}
	if checked == 0 {
		t.Fatal("no web → api connection in a format with tcp-flags")
	}
}

// TestGenerate_TransitGateway: a cross-account call is in the transit
// gateway's log (ingress at one attachment, egress at the other, both
// ways) and at both instances.
func TestGenerate_TransitGateway(t *testing.T) {
	dir, truth := generate(t)
	rc := readAll(t, dir, truth)
	start := truth.Start.Unix()
	tgw := conversations(rc.tgwRecs, 8443, start)
	vpcSide := conversations(rc.flowRecs, 8443, start)
	if len(tgw) == 0 {
		t.Fatal("no cross-account payment calls through the transit gateway")
	}
	for k := range tgw {
		atts := map[string]bool{}
		for _, r := range rc.tgwRecs {
			if r.sport == k.cport && r.src == k.cli || r.dport == k.cport && r.dst == k.cli {
				atts[r.tgwAttach+"/"+r.direction] = true
			}
		}
		if len(atts) != 4 {
			t.Fatalf("%+v: transit-gateway records at %v, want ingress and egress at two attachments", k, atts)
		}
		cli, srv := eniAt(truth, k.cli, start+k.windowIdx*60), eniAt(truth, k.srv, start+k.windowIdx*60)
		if e := vpcSide[k]; e[cli] != 3 || e[srv] != 3 {
			t.Fatalf("%+v: VPC records %v, want both directions at %s and %s", k, e, cli, srv)
		}
	}
}

// TestGenerate_Churn: workloads replace their instances during the
// period; a replacement keeps the Name tag and gets a new instance, ENI
// and address, and CloudTrail tells the story.
func TestGenerate_Churn(t *testing.T) {
	dir, truth := generate(t)
	groups := map[string][]Instance{}
	for _, in := range truth.Instances {
		k := in.Account + "/" + in.Region + "/" + in.Name
		groups[k] = append(groups[k], in)
	}
	churned := 0
	for k, g := range groups {
		ids, enis, ips := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, in := range g {
			ids[in.ID], enis[in.ENI], ips[in.PrivateIP] = true, true, true
		}
		if len(ids) != len(g) || len(enis) != len(g) || len(ips) != len(g) {
			t.Errorf("%s: instances share an ID, ENI or address", k)
		}
		if strings.HasSuffix(k, "-web") && len(g) >= 2 && slices.ContainsFunc(g, func(in Instance) bool {
			return !in.Terminate.IsZero() && in.Terminate.Before(truth.End)
		}) {
			churned++
		}
	}
	if want := len(truth.Accounts) * len(truth.Regions); churned != want {
		t.Errorf("%d web workloads churned, want all %d", churned, want)
	}
	rc := readAll(t, dir, truth)
	checkTrail(t, truth, rc.ctEvents)
}

// checkTrail finds each instance's RunInstances (ID, ENI, address, Name)
// and the TerminateInstances of those that ended in the period.
func checkTrail(t *testing.T, truth *Truth, events []map[string]any) {
	t.Helper()
	launched, terminated := map[string]string{}, map[string]bool{}
	names := map[string]int{}
	for _, ev := range events {
		names[ev["eventName"].(string)]++
		resp, _ := ev["responseElements"].(map[string]any)
		switch ev["eventName"] {
		case "RunInstances":
			item := dig(resp, "instancesSet", "items", 0).(map[string]any)
			eni := dig(item, "networkInterfaceSet", "items", 0).(map[string]any)
			launched[item["instanceId"].(string)] = fmt.Sprint(eni["networkInterfaceId"], " ", item["privateIpAddress"], " ", dig(item, "tagSet", "items", 0, "value"))
		case "TerminateInstances":
			terminated[dig(resp, "instancesSet", "items", 0, "instanceId").(string)] = true
		}
	}
	for _, in := range truth.Instances {
		if want := in.ENI + " " + in.PrivateIP + " " + in.Name; launched[in.ID] != want {
			t.Errorf("%s: RunInstances says %q, want %q", in.ID, launched[in.ID], want)
		}
		if !in.Terminate.IsZero() != terminated[in.ID] {
			t.Errorf("%s: terminated %v in the truth, TerminateInstances %v", in.ID, in.Terminate, terminated[in.ID])
		}
	}
	for _, n := range []string{"RunInstances", "TerminateInstances", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress",
		"AuthorizeSecurityGroupEgress", "CreateTags", "ConsoleLogin", "DescribeInstances"} {
		if names[n] == 0 {
			t.Errorf("no %s event", n)
		}
	}
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestGenerate_Deterministic(t *testing.T) {
	_, first := generate(t)
	dir := t.TempDir()
	again, err := Generate(context.Background(), dir, smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Fatal("the same seed gave a different truth")
	}
	if a, b := treeHash(t, generated.dir), treeHash(t, dir); a != b {
		t.Fatal("the same seed gave different objects")
	}
	other, _ := smallConfig.withDefaults()
	other.Seed++
	est, err := newEstate(other)
	if err != nil {
		t.Fatal(err)
	}
	if est.accounts[0].id == first.Accounts[0] || est.vpcs[0].id == first.Instances[0].VPC {
		t.Fatal("another seed gave the same estate")
	}
}

// treeHash digests every file's relative path and content.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestGenerate_ScalesLinearly: four times the Scale, four times the
// background traffic (NODATA aside, which fills idle windows; injected
// attacks aside, which do not scale). Long SSH sessions and database
// connections make small runs noisy, hence the tolerance.
func TestGenerate_ScalesLinearly(t *testing.T) {
	cfg := Config{Seed: 3, Duration: 4 * time.Hour, Accounts: 2, Regions: []string{"us-east-1"}}
	count := func(scale float64) int64 {
		cfg.Scale = scale
		tr, err := Generate(context.Background(), t.TempDir(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return tr.Records[TableFlows] + tr.Records[TableTGWFlows] - tr.NoData - injectedRecords(tr)
	}
	one, four := count(2), count(8)
	if ratio := float64(four) / float64(one); ratio < 3.2 || ratio > 4.8 {
		t.Errorf("Scale 8 wrote %d records, Scale 2 wrote %d: ratio %.2f, want about 4", four, one, ratio)
	}
}

func TestGenerate_Cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), smallConfig); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestConfig_Success(t *testing.T) {
	f := func(in Config, check func(Config) bool) {
		t.Helper()
		c, err := in.withDefaults()
		if err != nil || !check(c) {
			t.Errorf("%+v: got %+v, %v", in, c, err)
		}
	}
	f(Config{}, func(c Config) bool {
		return c.Start.Equal(DefaultStart) && c.Duration == 24*time.Hour && c.Accounts == 3 && c.Scale == 1 &&
			slices.Equal(c.Regions, []string{"us-east-1", "eu-west-1"})
	})
	f(Config{Start: time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))}, func(c Config) bool {
		return c.Start.Location() == time.UTC && c.Start.Nanosecond() == 0 && c.Start.Hour() == 2
	})
	f(Config{Accounts: 1, Regions: []string{"ap-southeast-3"}}, func(c Config) bool { return c.Accounts == 1 })
}

func TestConfig_Failure(t *testing.T) {
	f := func(in Config, want string) {
		t.Helper()
		_, err := in.withDefaults()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: got %v, want an error containing %q", in, err, want)
		}
	}
	f(Config{Duration: 30 * time.Second}, "shorter than one minute")
	f(Config{Accounts: -1}, "-1 accounts")
	f(Config{Scale: -2}, "scale -2")
	f(Config{Regions: []string{"../etc"}}, `region "../etc"`)
	f(Config{Regions: []string{"us-east-1", "us-east-1"}}, "named twice")
	f(Config{Accounts: 121}, "more than the 240 VPCs")
}

// TestGenerate_OneAccount: without a second account there is no transit
// gateway, and everything else still works.
func TestGenerate_OneAccount(t *testing.T) {
	cfg := Config{Seed: 1, Accounts: 1, Regions: []string{"ap-southeast-3"}, Duration: 3 * time.Hour, Scale: 0.2}
	tr, err := Generate(context.Background(), t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Records[TableTGWFlows] != 0 || tr.Records[TableFlows] == 0 || tr.Accounts[0][0] != '0' {
		t.Errorf("records %v, accounts %v", tr.Records, tr.Accounts)
	}
	checkCoverage(t, tr)
}

// BenchmarkGenerate writes the default estate (3 accounts, 2 regions,
// 24 h) at Scale 1 (about 200k flow records, mostly the cost of creating
// some 2,200 small objects) and at Scale 10, and reports flow records
// (VPC and TGW) a second.
func BenchmarkGenerate(b *testing.B) {
	for _, scale := range []float64{1, 10} {
		b.Run(fmt.Sprintf("Scale=%g", scale), func(b *testing.B) {
			var records int64
			for b.Loop() {
				dir, err := os.MkdirTemp(b.TempDir(), "estate")
				if err != nil {
					b.Fatal(err)
				}
				tr, err := Generate(context.Background(), dir, Config{Seed: 1, Scale: scale})
				if err != nil {
					b.Fatal(err)
				}
				records += tr.Records[TableFlows] + tr.Records[TableTGWFlows]
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
