// Package gen builds a synthetic AWS estate and writes the evidence it
// leaves, exactly as AWS delivers it to S3: VPC flow logs (default and
// custom formats), a transit gateway's flow log, and CloudTrail. It is the
// data behind `flowtrail gen`, `flowtrail demo`, tests and benchmarks.
//
// The estate is deterministic for a seed, streams (memory does not grow
// with Scale), and comes with a Truth — exact counts taken while writing —
// that an ingest can be checked against.
package gen

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Config describes the estate to generate. Zero values take the defaults.
type Config struct {
	Seed     int64
	Start    time.Time     // UTC; default 2026-11-01T00:00:00Z
	Duration time.Duration // default 24h; at least one minute
	Accounts int           // default 3; the first account's ID has a leading zero
	Scale    float64       // traffic volume; 1.0 ≈ 200k flow records with the other defaults
	Regions  []string      // default us-east-1, eu-west-1
}

// Truth is what Generate wrote, counted as it was written. It is saved as
// truth.json at the root of the output.
type Truth struct {
	Seed     int64     `json:"seed"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Accounts []string  `json:"accounts"`
	Regions  []string  `json:"regions"`

	// Records per table: "flows" (VPC flow-log lines, NODATA and SKIPDATA
	// included), "tgw_flows" and "cloudtrail" (events). Header and
	// malformed lines are not records.
	Records map[string]int64 `json:"records"`
	// RecordsByAccount counts flows and tgw_flows by the account in the
	// object's S3 key (the TGW owner's for the transit gateway's records).
	RecordsByAccount map[string]int64 `json:"records_by_account"`
	NoData           int64            `json:"nodata"`
	SkipData         int64            `json:"skipdata"`
	IPv6             int64            `json:"ipv6"`          // flows whose srcaddr is IPv6
	Rejected         int64            `json:"reject_action"` // flows with action REJECT
	Malformed        int64            `json:"malformed"`     // lines an ingest must quarantine
	Objects          int              `json:"objects"`       // gzip objects, all kinds
	// Bytes is the top 20 of: SELECT srcaddr, sum(bytes) FROM flows GROUP BY srcaddr.
	Bytes     map[string]int64 `json:"bytes_by_src"`
	Instances []Instance       `json:"instances"`
	Planted   Planted          `json:"planted"`
	// Attacks are the injected attacks and the benign look-alikes beside
	// them, for the hunt's evaluation (bench/hunt).
	Attacks []Attack `json:"attacks"`
	// Indicators is the indicator list, relative to the output directory,
	// that the ioc attacks match: run the hunt with --ioc on it.
	Indicators string `json:"indicators,omitempty"`
	// Services is what each workload really serves and calls (services.go).
	Services []Service `json:"services"`
}

// Attack is one injected attack, or a benign look-alike (Benign) that no
// detector should report. A finding matches it when the detector is the
// same, its time overlaps [Start, End], and its source or destination is
// one of Src or Dst.
type Attack struct {
	Detector string    `json:"detector"` // the hunt detector that must find it: port-scan, brute-force, …
	Kind     string    `json:"kind"`     // what was injected: vertical-scan, ssh-brute-force, nightly-backup, …
	Benign   bool      `json:"benign"`
	Src      []string  `json:"src"`             // addresses; every attacker address when there are several
	Dst      []string  `json:"dst"`             // addresses; empty when it is "many" (a sweep)
	Ports    []int     `json:"ports,omitempty"` // destination ports; empty when more than 24 (a vertical scan)
	Start    time.Time `json:"start"`           // the first record's start
	End      time.Time `json:"end"`             // the last record's end
	Records  int64     `json:"records"`         // flow records written for it, VPC and transit gateway
	// Background marks the estate's own background traffic, recorded
	// because it resembles an attack (internet scanners, the office's SSH):
	// it spans the period and its volume follows Scale. Everything else is
	// injected, and the same at every Scale.
	Background bool   `json:"background,omitempty"`
	Notes      string `json:"notes,omitempty"` // the parameters drawn: rate, jitter, size
	// Allowlist is what a team would put in the hunt config's allowlist
	// for this look-alike (its own scanner, the office range).
	Allowlist []string `json:"allowlist,omitempty"`
}

// Planted is what the generator hid for the security-group audit: groups
// and rules nothing uses, and the changes an auditor must flag.
type Planted struct {
	UnusedGroups []string        `json:"unused_groups"`
	UnusedRules  []PlantedRule   `json:"unused_rules"`
	Changes      []PlantedChange `json:"changes"`
}

// PlantedRule is an ingress rule no accepted, answered flow uses.
type PlantedRule struct {
	Group string `json:"group"`
	Port  int    `json:"port"`
	Peer  string `json:"peer"`
	Why   string `json:"why"` // "no traffic" or "probes only"
}

// PlantedChange is a change the audit must flag, by whom.
type PlantedChange struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	User      string    `json:"user"`
	Group     string    `json:"group"`
	Interface string    `json:"interface,omitempty"`
	Flag      string    `json:"flag"` // open_to_world, admin_port_open_to_internet, unusual_actor
}

// Instance is one EC2 instance of the estate, running at Start or
// launched during the period. Terminate is zero while it still runs at
// the end.
type Instance struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"` // the Name tag
	ENI           string    `json:"eni"`
	PrivateIP     string    `json:"private_ip"`
	IPv6          string    `json:"ipv6,omitempty"`
	Account       string    `json:"account"`
	Region        string    `json:"region"`
	VPC           string    `json:"vpc"`
	Subnet        string    `json:"subnet"`
	AZ            string    `json:"az"`
	SecurityGroup string    `json:"security_group"`
	Launch        time.Time `json:"launch"`
	Terminate     time.Time `json:"terminate,omitzero"`
}

// Tables of the lake that Truth.Records counts.
const (
	TableFlows      = "flows"
	TableTGWFlows   = "tgw_flows"
	TableCloudTrail = "cloudtrail"
)

// DefaultStart is the start of the period when Config.Start is zero.
var DefaultStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() (Config, error) {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.Duration == 0 {
		c.Duration = 24 * time.Hour
	}
	if c.Accounts == 0 {
		c.Accounts = 3
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
	if len(c.Regions) == 0 {
		c.Regions = []string{"us-east-1", "eu-west-1"}
	}
	return c, c.validate()
}

func (c Config) validate() error {
	switch {
	case c.Duration < time.Minute:
		return fmt.Errorf("cannot generate an estate: duration %s is shorter than one minute", c.Duration)
	case c.Accounts < 0:
		return fmt.Errorf("cannot generate an estate: %d accounts", c.Accounts)
	case c.Scale < 0 || math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0):
		return fmt.Errorf("cannot generate an estate: scale %v is not a positive number", c.Scale)
	case c.Accounts*len(c.Regions) > 240:
		return fmt.Errorf("cannot generate an estate: %d accounts × %d regions is more than the 240 VPCs that 10.10-250.0.0/16 hold", c.Accounts, len(c.Regions))
	}
	seen := map[string]bool{}
	for _, r := range c.Regions {
		if !validRegion(r) || seen[r] {
			return fmt.Errorf("cannot generate an estate: region %q is not a region name like us-east-1, or is named twice", r)
		}
		seen[r] = true
	}
	return nil
}

func validRegion(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Generate writes the estate's evidence under dir (AWSLogs/…) and
// truth.json, and returns the truth. Generators run in parallel, one per
// flow log and per trail; ctx cancels them.
func Generate(ctx context.Context, dir string, cfg Config) (*Truth, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	est, err := newEstate(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory: %w", err)
	}
	tallies, err := runTasks(ctx, est.tasks(dir))
	if err != nil {
		return nil, err
	}
	truth := est.truth(tallies)
	if len(est.indicators) > 0 {
		truth.Indicators = IndicatorsFile
		if err := est.writeIndicators(filepath.Join(dir, IndicatorsFile)); err != nil {
			return nil, err
		}
	}
	if err := writeTruth(dir, truth); err != nil {
		return nil, err
	}
	return truth, nil
}

type task func(context.Context) (*tally, error)

// tasks lists the generators, heaviest first so that the pool ends evenly.
func (e *estate) tasks(dir string) []task {
	var ts []task
	for _, v := range e.vpcs {
		ts = append(ts, newFlowGen(e, v, dir).run)
	}
	if e.tgw != nil {
		ts = append(ts, newTGWGen(e, dir).run)
	}
	for _, v := range e.vpcs {
		ts = append(ts, newCTGen(e, v, dir).run)
	}
	return ts
}

// runTasks runs the tasks on GOMAXPROCS workers; the tallies come back in
// task order, so merging them is deterministic. The first failure cancels
// the rest.
func runTasks(parent context.Context, ts []task) ([]*tally, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	out := make([]*tally, len(ts))
	errs := make([]error, len(ts))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ts)) {
		wg.Go(func() {
			for i := range next {
				if out[i], errs[i] = ts[i](ctx); errs[i] != nil {
					cancel()
				}
			}
		})
	}
	for i := range ts {
		next <- i
	}
	close(next)
	wg.Wait()
	// A task's own failure explains the others' cancellation: report it.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *estate) truth(ts []*tally) *Truth {
	t := &Truth{
		Seed: e.cfg.Seed, Start: e.cfg.Start, End: time.Unix(e.end, 0).UTC(), Regions: e.cfg.Regions,
		Records:          map[string]int64{TableFlows: 0, TableTGWFlows: 0, TableCloudTrail: 0},
		RecordsByAccount: map[string]int64{},
	}
	bytes := map[string]int64{}
	for _, a := range e.accounts {
		t.Accounts = append(t.Accounts, a.id)
		t.RecordsByAccount[a.id] = 0
	}
	for _, x := range ts {
		t.add(x)
		for k, v := range x.bytes {
			bytes[k] += v
		}
	}
	t.Bytes = topTalkers(bytes, 20)
	t.Instances = e.instances()
	t.Attacks = e.attacks(ts)
	t.Services = e.services()
	return t
}

func (t *Truth) add(x *tally) {
	t.Records[TableFlows] += x.flows
	t.Records[TableTGWFlows] += x.tgw
	t.Records[TableCloudTrail] += x.cloudtrail
	for k, v := range x.byAccount {
		t.RecordsByAccount[k] += v
	}
	t.NoData += x.nodata
	t.SkipData += x.skipdata
	t.IPv6 += x.ipv6
	t.Rejected += x.rejected
	t.Malformed += x.malformed
	t.Objects += x.objects
	t.Planted.UnusedGroups = append(t.Planted.UnusedGroups, x.planted.UnusedGroups...)
	t.Planted.UnusedRules = append(t.Planted.UnusedRules, x.planted.UnusedRules...)
	t.Planted.Changes = append(t.Planted.Changes, x.planted.Changes...)
}

func topTalkers(bytes map[string]int64, n int) map[string]int64 {
	type kv struct {
		k string
		v int64
	}
	all := make([]kv, 0, len(bytes))
	for k, v := range bytes {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.k, b.k))
	})
	top := map[string]int64{}
	for _, x := range all[:min(n, len(all))] {
		top[x.k] = x.v
	}
	return top
}

func (e *estate) instances() []Instance {
	var out []Instance
	for _, v := range e.vpcs {
		for _, w := range v.workloads {
			for _, in := range w.insts {
				out = append(out, e.instance(in))
			}
		}
	}
	return out
}

func (e *estate) instance(in *instance) Instance {
	f, v := in.eni, in.wl.vpc
	x := Instance{
		ID: in.id, Name: in.wl.name, ENI: f.id, PrivateIP: f.ip, IPv6: f.ip6,
		Account: v.acct.id, Region: v.region.name, VPC: v.id, Subnet: f.subnet.id,
		AZ: v.region.azName(f.subnet.az), SecurityGroup: in.wl.sg,
		Launch: time.Unix(in.launch, 0).UTC(),
	}
	if in.terminate != neverEnds {
		x.Terminate = time.Unix(in.terminate, 0).UTC()
	}
	return x
}

// IndicatorsFile is the indicator list Generate writes beside truth.json.
const IndicatorsFile = "indicators.txt"

func (e *estate) writeIndicators(path string) error {
	b := []byte("# Indicators of compromise for the synthetic estate (flowtrail gen, seed " + strconv.FormatInt(e.cfg.Seed, 10) + ").\n" +
		"# Use: flowtrail hunt --ioc " + IndicatorsFile + "\n")
	for _, l := range e.indicators {
		b = append(b, l...)
		b = append(b, '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", IndicatorsFile, err)
	}
	return nil
}

func writeTruth(dir string, t *Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode truth.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write truth.json: %w", err)
	}
	return nil
}
