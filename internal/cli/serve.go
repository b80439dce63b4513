package cli

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/server"
)

// serveFlags bind into server.Config.
type serveFlags struct {
	cfg        server.Config
	webDir     string
	huntConfig string
	iocFiles   []string
}

// config completes the server's configuration: the lake, where to print,
// and the files the flags name, read now so that a bad one fails before
// the server starts.
func (f *serveFlags) config(g *globals) (server.Config, error) {
	cfg := f.cfg
	cfg.Lake, cfg.Out = g.lake, g.stdout
	if f.webDir != "" {
		cfg.Assets = os.DirFS(f.webDir)
	}
	if f.huntConfig != "" {
		c, err := hunt.LoadConfig(f.huntConfig)
		if err != nil {
			return cfg, err
		}
		cfg.Hunt.Config = c
	}
	if len(f.iocFiles) > 0 {
		set, err := ioc.ReadFiles(f.iocFiles)
		if err != nil {
			return cfg, err
		}
		cfg.Hunt.Indicators = set.Indicators()
	}
	return cfg, nil
}

func newServe(g *globals) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Open a web UI over the lake: overview, traffic graph, pivots, security groups, SQL console, sources",
		Long: `Serves a web UI over the lake, built on the same analyses as the command line:
the overview (traffic over time accepted and rejected, top talkers, top rejected
sources, coverage gaps), a traffic graph, pivots on an address, interface or
workload, the security-group audit, a read-only SQL console with the named
queries, and what was ingested with its rejected lines. Every page honours the
time range picked at its top; /api/<page> answers the same data as JSON.

The server listens on loopback unless --addr says otherwise. Anywhere else it
requires a token: one is generated and printed once, or read from --token-file.
It answers only Host names that cannot be a rebound DNS name (IP addresses,
localhost, and when listening beyond loopback the machine's name and
--allow-host), refuses cross-origin writes, runs console SQL read-only with a
row limit and a timeout, and bounds every request in time. It follows the lake:
after an ingest, the next request sees the new data.`,
		Example: `  flowtrail serve --lake ./case42
  flowtrail serve --lake ./case42 --addr 127.0.0.1:9000
  flowtrail serve --lake ./case42 --addr 0.0.0.0:8080
  flowtrail serve --lake ./case42 --addr 10.0.0.5:8080 --token-file ~/.flowtrail-token --allow-host ir-laptop.corp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(g)
			if err != nil {
				return err
			}
			return server.Run(cmd.Context(), cfg)
		},
	}
	addServeFlags(cmd, f)
	return cmd
}

func addServeFlags(cmd *cobra.Command, f *serveFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.Addr, "addr", "127.0.0.1:8080", "listen on this IP address and port; beyond loopback a token is required")
	fl.StringVar(&f.cfg.TokenFile, "token-file", "", "read the access token from this file (at least 16 characters) instead of generating one")
	fl.StringArrayVar(&f.cfg.AllowHosts, "allow-host", nil, "also answer requests for this host name (a DNS name or proxy in front of the server; repeatable)")
	fl.StringVar(&f.cfg.MemoryLimit, "memory-limit", "2GB", "DuckDB memory limit of each engine (the server opens up to three)")
	fl.DurationVar(&f.cfg.QueryTimeout, "timeout", 30*time.Second, "stop a page's or console query that runs longer")
	fl.DurationVar(&f.cfg.SlowTimeout, "analysis-timeout", 30*time.Minute, "stop a long analysis (audit, workload pivot) that runs longer")
	fl.IntVar(&f.cfg.MaxRows, "max-rows", 10000, "rows a console query returns at most, shown or downloaded")
	fl.StringVar(&f.huntConfig, "hunt-config", "", "hunt.yaml for the hunts of the Findings page: baseline, allowlists, thresholds, rules (as flowtrail hunt --config)")
	fl.StringArrayVar(&f.iocFiles, "ioc", nil, "indicator list for the hunt's ioc detector and the rule recommendations: text, CSV or STIX 2.1 (repeatable)")
	fl.StringVar(&f.webDir, "web-dir", "", "serve templates and static files from this directory instead of the embedded ones (development)")
	_ = fl.MarkHidden("web-dir")
}
