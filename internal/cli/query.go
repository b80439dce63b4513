package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/render"
)

type queryFlags struct {
	format   string
	file     string
	timeout  time.Duration
	memory   string
	workload string
	maxRows  int
	named    string
	params   []string
	window   windowFlags
	list     bool
}

func newQuery(g *globals) *cobra.Command {
	f := &queryFlags{}
	cmd := &cobra.Command{
		Use:   `query [flags] "SQL" | --named NAME [--param k=v …] | --list`,
		Short: "Run read-only SQL over the lake's views",
		Long: `Runs one read-only SQL statement (DuckDB dialect) over the lake. Views:

  flows            VPC flow-log records, columns named as AWS's Parquet schema (srcaddr, dstport, tcp_flags, …)
  tgw_flows        Transit Gateway flow-log records
  cloudtrail       CloudTrail events, normalised, with the raw event as JSON text
  snapshots        items of aws ec2 describe-* outputs: observed_at, kind, account_id, region, resource_id, document
  rejects          lines that could not be parsed: source, line, reason, raw text
  conversations    each conversation once per 10-minute window: initiator, responder, bytes each way
  vpcflow          flows under the column names of AWS's incident-response playbook (Athena)
  enis             network interfaces over time: instance, Name tag, addresses, security groups
  security_groups  security groups; sg_rules their rules over time; sg_changes who changed what
  flows_enriched   flows plus each end's instance, Name tag (workload) and security groups

Every row of flows, tgw_flows, cloudtrail and snapshots carries source_id and source_line:
the ledger entry (manifest.json) and line it came from. Every column: docs/schema.md.

Named queries (--named, --list): every predefined query of AWS's Athena
integration for VPC flow logs, under AWS's names (VpcFlowLogsTopTalkers, …),
and the investigations of AWS's incident-response playbook (DataRatio,
AddressTimeline, RejectedTCPBySource). --since and --until bound them on the
records' start time; --param gives their parameters, which are checked and
bound, never pasted into the SQL. Each description says whether it counts
records or bytes: a conversation between two monitored interfaces is logged
up to four times.`,
		Example: `  flowtrail query --lake ./case42 "SELECT count(*) FROM flows"
  flowtrail query --lake ./case42 --format json "SELECT srcaddr, sum(bytes) AS bytes FROM flows GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
  flowtrail query --lake ./case42 -f hunt.sql --format csv > out.csv
  flowtrail query --list
  flowtrail query --lake ./case42 --named VpcFlowLogsTopTalkers --since 24h
  flowtrail query --lake ./case42 --named AddressTimeline --param addr=198.51.100.7 --since 2026-11-03 --until 2026-11-04`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuery(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "table", "output: table, json, jsonl or csv")
	fl.StringVarP(&f.file, "file", "f", "", "read the SQL from this file")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "stop a query that runs longer")
	fl.StringVar(&f.memory, "memory-limit", "4GB", "DuckDB memory limit")
	fl.StringVar(&f.workload, "workload", "", workloadHelp)
	fl.IntVar(&f.maxRows, "max-rows", 0, "print at most this many rows (0: all)")
	fl.StringVar(&f.named, "named", "", "run this named query instead of SQL (see --list)")
	fl.StringArrayVar(&f.params, "param", nil, "a named query's parameter as NAME=VALUE (repeatable)")
	fl.StringVar(&f.window.since, "since", "", "named queries: only records starting at or after this time (RFC 3339, date, Unix seconds, or duration ago like 24h)")
	fl.StringVar(&f.window.until, "until", "", "named queries: only records starting before this time")
	fl.BoolVar(&f.list, "list", false, "list the named queries: name, parameters, description")
	_ = cmd.RegisterFlagCompletionFunc("named", completeNamed)
	return cmd
}

func runQuery(cmd *cobra.Command, g *globals, f *queryFlags, args []string) error {
	if err := render.Check(f.format); err != nil {
		return usageError{err}
	}
	if f.list {
		return listNamed(g, f, args)
	}
	if wantsPrompt(f, args) {
		return runPrompt(cmd, g, f)
	}
	stmt, err := queryStatement(f, args)
	if err != nil {
		return err
	}
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout, Workload: f.workload})
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := e.QueryParams(cmd.Context(), stmt.SQL, f.maxRows, stmt.Args...)
	if err != nil {
		return err
	}
	return render.Rows(g.stdout, f.format, res.Columns, res.Rows)
}

// wantsPrompt: no SQL, no file, no named query, and a person at a
// terminal on both ends.
func wantsPrompt(f *queryFlags, args []string) bool {
	return len(args) == 0 && f.file == "" && f.named == "" && isTerminal(os.Stdin) && isTerminal(os.Stdout)
}

func runPrompt(cmd *cobra.Command, g *globals, f *queryFlags) error {
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout, Workload: f.workload})
	if err != nil {
		return err
	}
	defer e.Close()
	return repl(cmd.Context(), e, f.format, f.maxRows)
}

func querySQL(f *queryFlags, args []string) (string, error) {
	switch {
	case f.file != "" && len(args) > 0:
		return "", usagef("give the SQL either as an argument or with -f, not both")
	case f.file != "":
		b, err := os.ReadFile(f.file)
		if err != nil {
			return "", fmt.Errorf("cannot read %s: %w", f.file, err)
		}
		return strings.TrimSpace(string(b)), nil
	case len(args) == 1 && strings.TrimSpace(args[0]) != "":
		return args[0], nil
	}
	return "", usagef(`no SQL: pass it as an argument, e.g. flowtrail query "SELECT count(*) FROM flows"`)
}

// queryStatement is the SQL to run with its bound arguments: the user's
// SQL, or a named query bound to --param, --since and --until.
func queryStatement(f *queryFlags, args []string) (*named.Bound, error) {
	if f.named == "" {
		if len(f.params) > 0 || f.window != (windowFlags{}) {
			return nil, usagef("--param, --since and --until go with --named; in your own SQL, filter on start")
		}
		sql, err := querySQL(f, args)
		return &named.Bound{SQL: sql}, err
	}
	if f.file != "" || len(args) > 0 {
		return nil, usagef("give either --named or SQL, not both")
	}
	since, until, err := f.window.bounds(time.Now())
	if err != nil {
		return nil, err
	}
	b, err := named.Prepare(f.named, f.params, named.Window{Since: since, Until: until})
	if err != nil {
		return nil, usageError{err}
	}
	return b, nil
}

func listNamed(g *globals, f *queryFlags, args []string) error {
	if f.named != "" || f.file != "" || len(args) > 0 || len(f.params) > 0 || f.window != (windowFlags{}) {
		return usagef("--list takes no query, --named, --param, --since or --until")
	}
	cols, rows := named.List()
	return render.Rows(g.stdout, f.format, cols, rows)
}

func completeNamed(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var names []string
	for _, q := range named.All() {
		names = append(names, q.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
