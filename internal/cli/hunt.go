package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/render"
)

type huntFlags struct {
	window    windowFlags
	iocFiles  []string
	detectors []string
	workload  string
	config    string
	format    string
	list      bool
	timeout   time.Duration
	memory    string
}

func newHunt(g *globals) *cobra.Command {
	f := &huntFlags{}
	cmd := &cobra.Command{
		Use:   "hunt [flags]",
		Short: "Run the detectors and print findings, most severe first",
		Long: `Runs every detector (or those named with --detector) over the lake's flows and prints
findings, most severe first. Each finding has an id, detector, severity, title, summary,
first and last seen, both ends (address, interface, instance, Name tag, account, VPC where
known), ports, counts, a score, the MITRE ATT&CK technique, and evidence_sql: a query that,
run with ` + "`flowtrail query`" + `, returns the flow records behind it.

Detectors that look for the new and the unusual compare with a baseline: the 7 days before
--since (config: baseline), or without --since the first third of the data.

Coverage is reported with the findings — interfaces, gaps in the logs, the fields each
source carries, and the detections that are weakened for lack of a field — so that silence
is never mistaken for safety. ` + "`flowtrail hunt --list`" + ` describes each detector: what it
looks for, its thresholds and its blind spots.

A config file (YAML) sets the baseline, allowlists (suppressed findings are counted),
thresholds per detector, trusted destinations and threshold rules:

  baseline: 7d
  allowlist:
    - name: office
      cidrs: [203.0.113.0/24]
    - name: our-scanner
      cidrs: [198.51.100.7]
      detectors: [port-scan]
  detectors:
    port-scan: {min_targets: 20}
  rules:
    - name: nat-egress
      interface_ids: [eni-0a1b2c3d]
      metric: bytes
      per: interface_id
      window: 15m
      min: 5000000`,
		Example: `  flowtrail hunt --lake ./case42
  flowtrail hunt --lake ./case42 --since 2026-11-01 --ioc threat_ips.csv --format json > findings.json
  flowtrail hunt --lake ./case42 --detector port-scan --detector brute-force --workload web
  flowtrail hunt --lake ./case42 --config hunt.yaml --format jsonl | jq -r .evidence_sql
  flowtrail hunt --list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runHunt(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.window.since, "since", "", "hunt from this time: RFC 3339, a date (UTC), Unix seconds or a duration ago (24h, 7d)")
	fl.StringVar(&f.window.until, "until", "", "hunt up to this time, as --since")
	fl.StringArrayVar(&f.iocFiles, "ioc", nil, "indicator list for the ioc detector: text, CSV or STIX 2.1 (repeat for several)")
	fl.StringArrayVar(&f.detectors, "detector", nil, "run only this detector (repeat for several; see --list)")
	fl.StringVar(&f.workload, "workload", "", workloadHelp)
	fl.StringVar(&f.config, "config", "", "hunt.yaml: baseline, allowlists, thresholds, rules")
	fl.StringVar(&f.format, "format", "table", "output: table, json or jsonl")
	fl.BoolVar(&f.list, "list", false, "describe the detectors and exit")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "stop a query that runs longer")
	fl.StringVar(&f.memory, "memory-limit", "2GB", "DuckDB memory limit: beyond it the hunt's summary spills to the temporary directory")
	return cmd
}

func runHunt(cmd *cobra.Command, g *globals, f *huntFlags) error {
	if f.list {
		return listDetectors(g.stdout)
	}
	opt, err := huntOptions(f)
	if err != nil {
		return err
	}
	if isTerminal(g.stderr) {
		opt.Progress = func(d string) { fmt.Fprintf(g.stderr, "\rhunting: %-20s", d) }
		defer fmt.Fprint(g.stderr, "\r"+strings.Repeat(" ", 30)+"\r")
	}
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout, Workload: f.workload})
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := hunt.Run(cmd.Context(), e, opt)
	if err != nil {
		return err
	}
	return printHunt(g, f.format, rep)
}

// huntOptions checks the flags and reads the files that need no lake.
func huntOptions(f *huntFlags) (hunt.Options, error) {
	var opt hunt.Options
	if f.format != "table" && f.format != "json" && f.format != "jsonl" {
		return opt, usagef("--format %q: want table, json or jsonl", f.format)
	}
	var err error
	if opt.Since, opt.Until, err = f.window.bounds(time.Now()); err != nil {
		return opt, err
	}
	opt.Detectors = f.detectors
	for _, d := range f.detectors {
		if hunt.DetectorByName(d) == nil {
			return opt, usagef("--detector %q: the detectors are %s", d, strings.Join(hunt.DetectorNames(), ", "))
		}
	}
	opt.Config = hunt.DefaultConfig()
	if f.config != "" {
		if opt.Config, err = hunt.LoadConfig(f.config); err != nil {
			return opt, err
		}
	}
	if len(f.iocFiles) > 0 {
		set, err := ioc.ReadFiles(f.iocFiles)
		if err != nil {
			return opt, err
		}
		opt.Indicators = set.Indicators()
	}
	return opt, nil
}

func printHunt(g *globals, format string, rep *hunt.Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "jsonl":
		enc := json.NewEncoder(g.stdout)
		for _, f := range rep.Findings {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	if err := render.Rows(g.stdout, "table", hunt.TableColumns, hunt.TableRows(rep.Findings)); err != nil {
		return err
	}
	printHuntNotes(g.stdout, rep)
	return nil
}

// printHuntNotes tells what the table does not: suppressed findings,
// detectors that did not run, and the coverage.
func printHuntNotes(w io.Writer, rep *hunt.Report) {
	fmt.Fprintf(w, "\n%d findings", len(rep.Findings))
	if !rep.Window.BaselineSince.IsZero() {
		fmt.Fprintf(w, "; baseline %s – %s", rep.Window.BaselineSince.Format(time.RFC3339), rep.Window.BaselineUntil.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	for name, n := range rep.Suppressed {
		fmt.Fprintf(w, "suppressed by allowlist %s: %d\n", name, n)
	}
	for _, d := range rep.Detectors {
		if d.Skipped != "" {
			fmt.Fprintf(w, "not run: %s — %s\n", d.Name, d.Skipped)
		}
	}
	if c := rep.Coverage; c != nil {
		fmt.Fprintf(w, "coverage: %d interfaces, %d records (%d NODATA, %d SKIPDATA); %d interfaces with gaps in their logs\n",
			c.Interfaces, c.Records, c.NoDataRecords, c.SkipDataRecords, c.GapInterfaces)
		for _, l := range c.Limits {
			fmt.Fprintf(w, "limit (%s): %s\n", l.Detector, l.Reason)
		}
	}
	fmt.Fprintln(w, "each finding's evidence_sql (--format json) lists its records: flowtrail query \"<evidence_sql>\"")
}

func listDetectors(w io.Writer) error {
	for _, name := range hunt.DetectorNames() {
		d := hunt.DetectorByName(name)
		fmt.Fprintf(w, "%s", d.Name)
		if d.MITRE != "" {
			fmt.Fprintf(w, "  (ATT&CK %s %s)", d.MITRE, d.MITREName)
		}
		fmt.Fprintf(w, "\n\n%s\n\nThresholds: %s\n\nBlind spots: %s\n\n", d.Finds, d.Thresholds, d.BlindSpots)
	}
	return nil
}
