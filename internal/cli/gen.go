package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/gen"
)

type genFlags struct {
	out      string
	seed     int64
	scale    float64
	accounts int
	duration time.Duration
	start    string
}

func newGen(g *globals) *cobra.Command {
	f := &genFlags{}
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Write a synthetic multi-account estate (flow logs, TGW logs, CloudTrail) in the S3 layout",
		Long: `Writes a realistic synthetic estate: several accounts whose workloads churn,
internet clients, east-west traffic, rejected noise, a transit gateway, and
CloudTrail for launches, terminations and security-group changes, laid out as
AWS delivers to S3, with truth.json holding the exact counts.

Attacks for every hunt detector (scans, brute force, lateral movement,
exfiltration, beaconing, mining, indicator hits, exposure, floods, spam,
unusual traffic) and benign look-alikes (backups, cron jobs, monitoring,
health checks, your own scanner) are injected with parameters drawn from the
seed; truth.json's "attacks" lists them, and indicators.txt is the list to
pass to the hunt's --ioc.`,
		Example: `  flowtrail gen --out ./estate
  flowtrail gen --out ./big --scale 50 --seed 7
  flowtrail gen --out ./week --duration 168h --seed 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGen(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "output directory (required)")
	fl.Int64Var(&f.seed, "seed", 1, "random seed: the same seed writes the same estate")
	fl.Float64Var(&f.scale, "scale", 1, "traffic volume; 1 is about 200k flow records")
	fl.IntVar(&f.accounts, "accounts", 3, "number of AWS accounts")
	fl.DurationVar(&f.duration, "duration", 24*time.Hour, "period covered")
	fl.StringVar(&f.start, "start", "2026-11-01T00:00:00Z", "start of the period, RFC 3339")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func runGen(cmd *cobra.Command, g *globals, f *genFlags) error {
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return usagef("--start %q: %v", f.start, err)
	}
	truth, err := gen.Generate(cmd.Context(), f.out, gen.Config{Seed: f.seed, Start: start.UTC(), Duration: f.duration, Accounts: f.accounts, Scale: f.scale})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "wrote %d objects to %s: %d flow records, %d transit-gateway records, %d CloudTrail events (truth in %s/truth.json)\n",
		truth.Objects, f.out, truth.Records["flows"], truth.Records["tgw_flows"], truth.Records["cloudtrail"], f.out)
	return nil
}
