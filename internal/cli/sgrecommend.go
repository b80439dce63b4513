package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
)

type sgRecommendFlags struct {
	workload, eni, instance, group string
	all                            bool
	window                         windowFlags
	format                         string
	out                            string
	iocs                           []string
	hunt                           bool
	huntConfig                     string
	internetPeers                  int
	timeout                        time.Duration
	memory                         string
	indicators                     []ioc.Indicator
}

func newSGRecommend(g *globals) *cobra.Command {
	f := &sgRecommendFlags{}
	cmd := &cobra.Command{
		Use:   "recommend (--workload NAME | --eni ID | --instance ID | --group sg-ID | --all) [flags]",
		Short: "Recommend least-privilege security-group rules from the traffic actually seen",
		Long: `Derives the ingress and egress rules a workload needs from what its interfaces'
flow logs show, compares them with the rules its groups hold (from CloudTrail and
describe-* snapshots), and writes them ready to apply.

How rules are derived:
  - only accepted conversations at the subject's own interfaces count, from the side
    that started them: security groups are stateful, so replies need no rule;
  - the initiator comes from tcp-flags (SYN from the initiator, SYN-ACK from the
    responder) where the log has them, else from ports: the service port is the one
    that stays fixed across many peers and connections, and well-known and registered
    ports face ephemeral ones (Linux 32768-60999, Windows 49152-65535; NAT gateways use
    1024-65535); every rule says how sure it is (confidence high, medium, low). A port
    on the client side is never a rule's port: traffic whose only candidate is an
    ephemeral port that served few connections is listed, not recommended;
  - port-less protocols (ICMP) follow the direction the same peer's other traffic
    takes, else the side that talks the protocol with more peers;
  - TCP conversations admitted but never answered (scanners on a port nothing serves)
    support no rule: they are listed as exposure;
  - traffic to or from addresses in --ioc lists, and traffic that the hunt's findings
    name (port-scan, brute-force, ioc, beaconing, exfiltration, crypto-mining,
    outbound-dos, spam-bot, unusual-traffic, and lateral-movement's new paths, not
    its fan-outs; --hunt=false skips the hunt, --hunt-config takes its allowlists and
    thresholds), supports no rule: it is listed under not_recommended with the
    indicator or finding. A finding about one source and many destinations (a sweep,
    spam) excludes what that source began;
  - peers: more than --internet-peers internet addresses become 0.0.0.0/0 (::/0);
    a peer the inventory knows in the same VPC becomes its workload's security group;
    any other address joins the tightest covering CIDRs; adjacent ports with the same
    peers merge into ranges;
  - the Amazon DNS resolver, link-local addresses and rejected traffic need no rule.

The diff compares with the rules the subject's groups hold at the end of the period:
keep, add, remove (unused) and narrow (wider than used).

Formats:
  table           the rules, exposure, not recommended and the diff, per report
  json            {"workload", "ingress": [{"protocol", "from_port", "to_port", "sources",
                  "records", "bytes", "first_seen", "last_seen", "confidence", …}],
                  "egress": [{…, "destinations"}], "exposure", "not_recommended", "diff"}
  aws-cli         a shell script: aws ec2 authorize-security-group-ingress/egress
                  --ip-permissions '<JSON>' for each rule no current rule already is,
                  then the revocations of what the diff removes or narrows, commented out
  terraform       aws_vpc_security_group_ingress_rule / _egress_rule resources for the
                  whole recommended set, import blocks adopting the rules that exist
  cloudformation  a JSON template of AWS::EC2::SecurityGroupIngress / Egress resources
                  for the rules to add, on a parameter holding the group

A report covers one VPC (group references do not reach beyond it): a workload in two
regions has two. JSON is an object for one report and an array for several. --all
writes one report per workload and VPC: to standard output, or with --out DIR one file
each, named WORKLOAD-VPC.EXT.`,
		Example: `  flowtrail sg recommend --lake ./case42 --workload prod-web
  flowtrail sg recommend --lake ./case42 --workload prod-web --since 30d --format json
  flowtrail sg recommend --lake ./case42 --instance i-0123456789abcdef0 --ioc threat_ips.csv
  flowtrail sg recommend --lake ./case42 --group sg-0a1b2c3d4e5f67890 --format terraform > rules.tf
  flowtrail sg recommend --lake ./case42 --workload prod-db --format aws-cli > apply.sh
  flowtrail sg recommend --lake ./case42 --all --format json --out ./pci-review`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSGRecommend(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.workload, "workload", "", "the interfaces that carried this Name tag, while they did")
	fl.StringVar(&f.eni, "eni", "", "one network interface")
	fl.StringVar(&f.instance, "instance", "", "the interfaces of one instance")
	fl.StringVar(&f.group, "group", "", "the interfaces while they held this security group")
	fl.BoolVar(&f.all, "all", false, "one report for every workload")
	fl.StringVar(&f.window.since, "since", "", "traffic from this time: RFC 3339, a date (UTC), Unix seconds or a duration ago (24h, 7d)")
	fl.StringVar(&f.window.until, "until", "", "traffic up to this time, as --since; the diff compares with the rules standing then")
	fl.StringVar(&f.format, "format", "table", "output: "+strings.Join(sgadvisor.Formats, ", "))
	fl.StringVar(&f.out, "out", "", "write one file per report into this directory instead of standard output")
	fl.StringArrayVar(&f.iocs, "ioc", nil, "indicator list (text, CSV or STIX 2.1): traffic with these addresses supports no rule (repeat for several)")
	fl.BoolVar(&f.hunt, "hunt", true, "run the hunt first: traffic its findings of attack (port-scan, brute-force, ioc, beaconing, exfiltration, …) name supports no rule")
	fl.StringVar(&f.huntConfig, "hunt-config", "", "hunt.yaml for those detectors: allowlists, thresholds (as flowtrail hunt --config)")
	fl.IntVar(&f.internetPeers, "internet-peers", sgadvisor.DefaultInternetPeers, "more internet addresses than this on one rule become 0.0.0.0/0 (::/0)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "stop a query that runs longer")
	fl.StringVar(&f.memory, "memory-limit", "4GB", "DuckDB memory limit")
	return cmd
}

// subject checks that exactly one subject flag was given.
func (f *sgRecommendFlags) subject() (sgadvisor.Subject, error) {
	var given []sgadvisor.Subject
	for _, s := range []sgadvisor.Subject{{Kind: sgadvisor.KindWorkload, ID: f.workload}, {Kind: sgadvisor.KindENI, ID: f.eni},
		{Kind: sgadvisor.KindInstance, ID: f.instance}, {Kind: sgadvisor.KindGroup, ID: f.group}} {
		if s.ID != "" {
			given = append(given, s)
		}
	}
	if f.all {
		given = append(given, sgadvisor.Subject{Kind: sgadvisor.KindAll})
	}
	if len(given) != 1 {
		return sgadvisor.Subject{}, usagef("give exactly one of --workload, --eni, --instance, --group or --all (got %d)", len(given))
	}
	return given[0], nil
}

func (f *sgRecommendFlags) options() (sgadvisor.Options, error) {
	if !slices.Contains(sgadvisor.Formats, f.format) {
		return sgadvisor.Options{}, usagef("--format %q: want one of %s", f.format, strings.Join(sgadvisor.Formats, ", "))
	}
	if f.internetPeers < 1 {
		return sgadvisor.Options{}, usagef("--internet-peers %d: want 1 or more", f.internetPeers)
	}
	s, err := f.subject()
	if err != nil {
		return sgadvisor.Options{}, err
	}
	since, until, err := f.window.bounds(time.Now())
	if err != nil {
		return sgadvisor.Options{}, err
	}
	opts := sgadvisor.Options{Subject: s, Since: since, Until: until, InternetPeers: f.internetPeers}
	if len(f.iocs) > 0 {
		set, err := ioc.ReadFiles(f.iocs)
		if err != nil {
			return sgadvisor.Options{}, err
		}
		slog.Info("indicators read", "distinct", set.Len(), "duplicates", set.Dups)
		f.indicators = set.Indicators()
		opts.Exclude = sgadvisor.FromIndicators(f.indicators)
	}
	return opts, nil
}

// huntExclusions runs the hunt over the same period and turns its
// findings into exclusions.
func (f *sgRecommendFlags) huntExclusions(ctx context.Context, e *engine.Engine, opts sgadvisor.Options) ([]sgadvisor.Exclusion, error) {
	if !f.hunt {
		return nil, nil
	}
	cfg := hunt.DefaultConfig()
	if f.huntConfig != "" {
		var err error
		if cfg, err = hunt.LoadConfig(f.huntConfig); err != nil {
			return nil, err
		}
	}
	rep, err := hunt.Run(ctx, e, hunt.Options{Since: opts.Since, Until: opts.Until, Indicators: f.indicators, Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("cannot hunt for traffic to exclude: %w", err)
	}
	xs := sgadvisor.FromFindings(rep.Findings)
	slog.Info("hunt findings excluded", "findings", len(rep.Findings), "exclusions", len(xs))
	return xs, nil
}

func runSGRecommend(cmd *cobra.Command, g *globals, f *sgRecommendFlags) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout})
	if err != nil {
		return err
	}
	defer e.Close()
	xs, err := f.huntExclusions(cmd.Context(), e, opts)
	if err != nil {
		return err
	}
	opts.Exclude = append(opts.Exclude, xs...)
	reps, err := sgadvisor.Run(cmd.Context(), e, opts)
	if err != nil {
		return err
	}
	if f.out == "" {
		return sgadvisor.Write(g.stdout, f.format, reps)
	}
	return writeReports(f.out, f.format, reps)
}

// writeReports writes one file per report, named after its workload and
// VPC.
func writeReports(dir, format string, reps []*sgadvisor.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create output directory %s: %w", dir, err)
	}
	used := map[string]int{}
	for _, rep := range reps {
		name := fileName(rep.Workload)
		if rep.VPC != "" {
			name += "-" + fileName(rep.VPC)
		}
		if used[name]++; used[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, used[name])
		}
		path := filepath.Join(dir, name+"."+sgadvisor.Extensions[format])
		fh, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("cannot create report file: %w", err)
		}
		err = sgadvisor.Write(fh, format, []*sgadvisor.Report{rep})
		if cerr := fh.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cannot write %s: %w", path, cerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fileName keeps a workload's name to characters safe in a file name:
// Name tags are free text and must not reach outside the directory.
func fileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "workload"
	}
	return name[:min(len(name), 120)]
}
