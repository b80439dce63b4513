package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/render"
)

type queryFlags struct {
	format  string
	file    string
	timeout time.Duration
	memory  string
	maxRows int
}

func newQuery(g *globals) *cobra.Command {
	f := &queryFlags{}
	cmd := &cobra.Command{
		Use:   `query [flags] "SQL"`,
		Short: "Run read-only SQL over the lake's views",
		Long: `Runs one read-only SQL statement (DuckDB dialect) over the lake. Views:
  flows       VPC flow-log records, columns named as AWS's Parquet schema (srcaddr, dstport, tcp_flags, …)
  tgw_flows   Transit Gateway flow-log records
  cloudtrail  CloudTrail events, normalised, with the raw event as JSON text
  rejects     lines that could not be parsed: source, line, reason, raw text
Every row carries source_id and source_line: the ledger entry and line it came from.`,
		Example: `  flowtrail query --lake ./case42 "SELECT count(*) FROM flows"
  flowtrail query --lake ./case42 --format json "SELECT srcaddr, sum(bytes) AS bytes FROM flows GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
  flowtrail query --lake ./case42 -f hunt.sql --format csv > out.csv`,
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
	fl.IntVar(&f.maxRows, "max-rows", 0, "print at most this many rows (0: all)")
	return cmd
}

func runQuery(cmd *cobra.Command, g *globals, f *queryFlags, args []string) error {
	if err := render.Check(f.format); err != nil {
		return usageError{err}
	}
	sql, err := querySQL(f, args)
	if err != nil {
		return err
	}
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout})
	if err != nil {
		return err
	}
	defer e.Close()
	res, err := e.Query(cmd.Context(), sql, f.maxRows)
	if err != nil {
		return err
	}
	return render.Rows(g.stdout, f.format, res.Columns, res.Rows)
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
	case len(args) == 1:
		return args[0], nil
	}
	return "", usagef(`no SQL: pass it as an argument, e.g. flowtrail query "SELECT count(*) FROM flows"`)
}
