package cli

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/render"
)

type iocMatchFlags struct {
	files    []string
	window   windowFlags
	format   string
	timeout  time.Duration
	memory   string
	workload string
}

func newIOC(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ioc",
		Short:   "Match indicator lists (IP addresses and CIDRs) against the flows",
		Example: `  flowtrail ioc match --lake ./case42 --ioc threat_ips.csv`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newIOCMatch(g))
	return cmd
}

func newIOCMatch(g *globals) *cobra.Command {
	f := &iocMatchFlags{}
	cmd := &cobra.Command{
		Use:   "match --ioc FILE [--ioc FILE …] [flags]",
		Short: "Find the flow records to or from listed IP addresses and CIDRs",
		Long: `Reads indicator lists and finds the flow records whose source or destination lies
in one of them. Lists may be:
  text   one IP address or CIDR per line, IPv4 or IPv6; a comment may follow # (or ;)
  CSV    with a header naming the indicator column (threat_ip, ip, indicator, …) and
         optionally a comment column (threat_comment, comment, description, …), as in
         the AWS incident-response playbooks; or without a header, indicator first
  STIX   a 2.1 bundle: indicators whose pattern compares ipv4-addr:value or
         ipv6-addr:value (= or ISSUBSET, joined by OR); their name and description
         become the comment; indicators about anything else are skipped
Duplicates across lists are merged. Lines starting with # are comments.

One row per direction, local address, remote address, remote port, protocol,
action and indicator:
  INBOUND   the indicator is the source: remote → local
  OUTBOUND  the indicator is the destination: local → remote
local_ports lists the local ports seen (the first 10). records, packets and bytes
count flow records: a conversation logged by the interfaces at both ends counts
twice. first_seen and last_seen are the earliest start and the latest end, UTC.`,
		Example: `  flowtrail ioc match --lake ./case42 --ioc threat_ips.csv
  flowtrail ioc match --lake ./case42 --ioc feed.json --ioc blocklist.txt --since 2026-11-01 --until 2026-11-03T12:00:00Z
  flowtrail ioc match --lake ./case42 --ioc threat_ips.csv --format csv > hits.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIOCMatch(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.files, "ioc", nil, "indicator list: text, CSV or STIX 2.1 JSON (repeat for several)")
	fl.StringVar(&f.window.since, "since", "", "only records that end at or after this time: RFC 3339, a date (UTC), Unix seconds or a duration ago (24h, 7d)")
	fl.StringVar(&f.window.until, "until", "", "only records that start before this time, as --since")
	fl.StringVar(&f.format, "format", "table", "output: table, json, jsonl or csv")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "stop a query that runs longer")
	fl.StringVar(&f.memory, "memory-limit", "4GB", "DuckDB memory limit")
	fl.StringVar(&f.workload, "workload", "", workloadHelp)
	return cmd
}

func runIOCMatch(cmd *cobra.Command, g *globals, f *iocMatchFlags) error {
	w, err := iocWindow(f)
	if err != nil {
		return err
	}
	set, err := ioc.ReadFiles(f.files)
	if err != nil {
		return err
	}
	slog.Info("indicators read", "distinct", set.Len(), "duplicates", set.Dups, "skipped_stix", set.Skipped)
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout, Workload: f.workload})
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := ioc.Match(cmd.Context(), e, set.Indicators(), w)
	if err != nil {
		return err
	}
	slog.Info("matched", "rows", len(res.Rows), "addresses", res.Addresses,
		"load", res.Timings.Load, "resolve", res.Timings.Resolve, "collect", res.Timings.Collect)
	if err := render.Rows(g.stdout, f.format, res.Columns, res.Rows); err != nil {
		return err
	}
	if f.format == "table" {
		fmt.Fprintf(g.stderr, "%d rows; records, packets and bytes count flow records: a conversation logged at both ends counts twice\n", len(res.Rows))
	}
	return nil
}

// iocWindow checks the flags that need no file or lake.
func iocWindow(f *iocMatchFlags) (ioc.Window, error) {
	if err := render.Check(f.format); err != nil {
		return ioc.Window{}, usageError{err}
	}
	if len(f.files) == 0 {
		return ioc.Window{}, usagef("no indicator list: give one with --ioc FILE")
	}
	since, until, err := f.window.bounds(time.Now())
	return ioc.Window{Since: since, Until: until}, err
}
