package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/demo"
	"github.com/flowtrail/flowtrail/internal/server"
)

type demoFlags struct {
	scale  float64
	estate string
	serve  bool
	web    serveFlags
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
  flowtrail demo --lake /tmp/demo-lake --scale 5
  flowtrail demo --lake /tmp/demo-lake --serve
  flowtrail demo --serve --addr 127.0.0.1:9000`,
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
			if err := demo.Run(cmd.Context(), cfg); err != nil || !f.serve {
				return err
			}
			return serveDemo(cmd, g, f, estate)
		},
	}
	cmd.Flags().Float64Var(&f.scale, "scale", 1, "traffic volume; 1 is about 200k flow records")
	cmd.Flags().StringVar(&f.estate, "estate", "", "where to write the raw logs (default: beside the lake, <lake>-estate)")
	cmd.Flags().BoolVar(&f.serve, "serve", false, "after the summary, serve the web UI on the demo lake (as flowtrail serve; the flags below apply)")
	addServeFlags(cmd, &f.web)
	return cmd
}

// serveDemo opens the web UI on the demo's lake with the hunt config and
// indicator list the demo wrote beside the logs, so that the Findings
// page shows what the summary did.
func serveDemo(cmd *cobra.Command, g *globals, f *demoFlags, estate string) error {
	if f.web.huntConfig == "" {
		f.web.huntConfig = existing(filepath.Join(estate, "hunt.yaml"))
	}
	if len(f.web.iocFiles) == 0 {
		if p := existing(filepath.Join(estate, "indicators.txt")); p != "" {
			f.web.iocFiles = []string{p}
		}
	}
	cfg, err := f.web.config(g)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout)
	return server.Run(cmd.Context(), cfg)
}

// existing is path if a file is there, else "".
func existing(path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}
