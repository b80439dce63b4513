package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/demo"
)

type demoFlags struct {
	scale  float64
	estate string
}

func newDemo(g *globals) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo [--lake DIR]",
		Short: "Generate an estate with attacks, ingest it, hunt and audit, and print an incident summary",
		Long: `Generates a three-account estate with churning workloads, a transit gateway,
CloudTrail, rejected noise, injected attacks of every kind the hunt looks for
and benign look-alikes; ingests it into the lake; runs the hunt (with the
estate's indicator list and a hunt.yaml allowlisting its own scanner and
office) and the security-group audit; and prints the most severe findings, top
talkers, rejected sources, admin ports reached from outside, unused rules, and
the next commands to try.`,
		Example: `  flowtrail demo
  flowtrail demo --lake /tmp/demo-lake --scale 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			estate := f.estate
			if estate == "" {
				estate = filepath.Join(filepath.Dir(filepath.Clean(g.lake)), filepath.Base(g.lake)+"-estate")
			}
			cfg := demo.Config{Lake: g.lake, Estate: estate, Scale: f.scale, Out: g.stdout}
			if isTerminal(g.stderr) {
				cfg.Progress = &bar{w: g.stderr}
			}
			return demo.Run(cmd.Context(), cfg)
		},
	}
	cmd.Flags().Float64Var(&f.scale, "scale", 1, "traffic volume; 1 is about 200k flow records")
	cmd.Flags().StringVar(&f.estate, "estate", "", "where to write the raw logs (default: beside the lake, <lake>-estate)")
	return cmd
}
