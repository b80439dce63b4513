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
		Short: "Generate a synthetic estate, ingest it and print an investigation summary",
		Long: `Generates a three-account estate with churning workloads, a transit gateway,
CloudTrail and rejected noise; ingests it into the lake; and prints top
talkers, rejected sources, admin ports reached from outside, and the next
commands to try.`,
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
