package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
)

type ingestFlags struct {
	flowFormat string
	region     string
	profile    string
	endpoint   string
	format     string
	maxRatio   int64
	noProgress bool
}

func newIngest(g *globals) *cobra.Command {
	f := &ingestFlags{}
	cmd := &cobra.Command{
		Use:   "ingest [flags] PATH|s3://BUCKET/PREFIX ...",
		Short: "Read flow logs and CloudTrail into the lake (idempotent, atomic)",
		Long: `Reads VPC flow logs (text, gzip or Parquet, any format version, custom formats by
their header line), Transit Gateway flow logs, CloudWatch Logs exports and
CloudTrail, and the JSON that aws ec2 describe-instances,
describe-network-interfaces, describe-security-groups and
describe-security-group-rules print (the snapshots view, observed at the
file's modification time), from files, folders (recursively) and s3://
prefixes, and adds them to the lake in one atomic commit. Sources already
ingested unchanged are skipped; a source whose object changed replaces its
old rows. Malformed lines go to the quarantine (the rejects view).`,
		Example: `  flowtrail ingest --lake ./case42 ~/Downloads/AWSLogs
  flowtrail ingest --lake ./case42 s3://corp-logs/AWSLogs/111111111111/ --profile audit --region us-east-1
  flowtrail ingest --lake ./case42 --flow-format '${version} ${interface-id} ${srcaddr} ${dstaddr}' ./cwl-export.json
  aws ec2 describe-flow-logs > fl.json && flowtrail ingest --lake ./case42 --flow-format @fl.json ./cwl-export.json
  aws ec2 describe-security-groups > sg.json && flowtrail ingest --lake ./case42 sg.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngest(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.flowFormat, "flow-format", "", "format of headerless flow logs (CloudWatch exports): AWS's LogFormat '${version} ${srcaddr} …', or @FILE with the JSON of 'aws ec2 describe-flow-logs'")
	fl.StringVar(&f.region, "region", "", "AWS region for s3:// sources")
	fl.StringVar(&f.profile, "profile", "", "AWS shared-config profile for s3:// sources")
	fl.StringVar(&f.endpoint, "endpoint-url", "", "S3-compatible endpoint URL (MinIO, LocalStack, …)")
	fl.StringVar(&f.format, "format", "table", "summary format: table or json")
	fl.Int64Var(&f.maxRatio, "max-inflate-ratio", source.DefaultLimits.MaxRatio, "stop a gzip object that inflates more than this many times its size")
	fl.BoolVar(&f.noProgress, "no-progress", false, "never show a progress bar")
	return cmd
}

func runIngest(cmd *cobra.Command, g *globals, f *ingestFlags, args []string) error {
	if f.format != "table" && f.format != "json" {
		return usagef("--format %q: use table or json", f.format)
	}
	listers, err := listersFor(cmd, f, args)
	if err != nil {
		return err
	}
	cfg := ingest.Config{Lake: g.lake, Listers: listers, FlowFormat: f.flowFormat,
		Limits: source.Limits{MaxRatio: f.maxRatio, Slack: source.DefaultLimits.Slack}}
	if !f.noProgress && isTerminal(g.stderr) {
		cfg.Progress = &bar{w: g.stderr}
	}
	sum, err := ingest.Run(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	if err := printSummary(g.stdout, f.format, sum); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("%d source(s) could not be ingested; the rest were committed", len(sum.Failed))
	}
	return nil
}

func listersFor(cmd *cobra.Command, f *ingestFlags, args []string) ([]source.Lister, error) {
	var out []source.Lister
	for _, a := range args {
		if strings.HasPrefix(a, "s3://") {
			l, err := source.NewS3(cmd.Context(), a, source.S3Options{Region: f.region, Profile: f.profile, Endpoint: f.endpoint})
			if err != nil {
				return nil, err
			}
			out = append(out, l)
			continue
		}
		if _, err := os.Stat(a); err != nil {
			return nil, usagef("cannot read %s: %v", a, err)
		}
		out = append(out, source.Local{Path: a})
	}
	return out, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar is the terminal progress bar, by sources and bytes.
type bar struct {
	w io.Writer
	b *progressbar.ProgressBar
}

func (p *bar) Start(total int) {
	p.b = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription("ingesting"),
		progressbar.OptionShowCount(), progressbar.OptionSetItsString("sources"), progressbar.OptionShowIts(), progressbar.OptionThrottle(100*time.Millisecond))
}
func (p *bar) Done(int64) { _ = p.b.Add(1) }
func (p *bar) Finish()    { _ = p.b.Finish(); fmt.Fprintln(p.w) }

func printSummary(w io.Writer, format string, s *ingest.Summary) error {
	if format == "json" {
		return writeJSON(w, s)
	}
	secs := s.Elapsed.Seconds()
	total := int64(0)
	for _, n := range s.Records {
		total += n
	}
	fmt.Fprintf(w, "lake:       %s\n", s.Lake)
	fmt.Fprintf(w, "sources:    %d found, %d ingested (%d replaced changed objects), %d skipped as already ingested, %d failed\n", s.Sources, s.Ingested, s.Replaced, s.Skipped, len(s.Failed))
	for _, t := range []string{"flows", "tgw_flows", "cloudtrail"} {
		fmt.Fprintf(w, "records:    %-10s %d\n", t, s.Records[t])
	}
	if n := s.Records["snapshots"]; n > 0 {
		fmt.Fprintf(w, "records:    %-10s %d\n", "snapshots", n)
	}
	fmt.Fprintf(w, "rejected:   %d lines", s.Rejected)
	if s.Rejected > 0 {
		fmt.Fprintf(w, " (see them: flowtrail query --lake %s \"SELECT * FROM rejects\")", s.Lake)
	}
	fmt.Fprintln(w)
	for _, fl := range s.Failed {
		fmt.Fprintf(w, "failed:     %s: %s\n", fl.URI, fl.Error)
	}
	if secs > 0 {
		fmt.Fprintf(w, "throughput: %d records in %.1fs (%.0f records/s, %.0f records per CPU-second), %.1f MB read\n",
			total, secs, float64(total)/secs, float64(total)/max(s.CPU.Seconds(), 1e-9), float64(s.Bytes)/1e6)
	}
	return nil
}
