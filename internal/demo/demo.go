// Package demo runs the product end to end on a generated estate: it
// writes the estate, ingests it and prints a short investigation summary
// with the commands to go further.
package demo

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/source"
)

// Config says where the demo writes and how big its estate is.
type Config struct {
	Lake     string // the lake to build
	Estate   string // where the raw logs are written
	Scale    float64
	Progress ingest.Progress
	Out      io.Writer
}

// Run generates, ingests and summarises.
func Run(ctx context.Context, cfg Config) error {
	start := time.Now()
	truth, err := gen.Generate(ctx, cfg.Estate, gen.Config{Seed: 1, Scale: cfg.Scale})
	if err != nil {
		return fmt.Errorf("cannot generate the demo estate: %w", err)
	}
	fmt.Fprintf(cfg.Out, "Generated a %d-account estate in the S3 layout: %d objects in %s\n", len(truth.Accounts), truth.Objects, cfg.Estate)
	sum, err := ingest.Run(ctx, ingest.Config{Lake: cfg.Lake, Listers: []source.Lister{source.Local{Path: filepath.Join(cfg.Estate, "AWSLogs")}}, Progress: cfg.Progress})
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "Ingested %d flow records, %d transit-gateway records and %d CloudTrail events into %s (%d malformed lines quarantined)\n\n",
		sum.Records["flows"], sum.Records["tgw_flows"], sum.Records["cloudtrail"], cfg.Lake, sum.Rejected)
	e, err := engine.Open(ctx, cfg.Lake, engine.Options{})
	if err != nil {
		return err
	}
	defer e.Close()
	if err := summarise(ctx, e, cfg.Out); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "\nDone in %.0fs. Next:\n%s", time.Since(start).Seconds(), nextSteps(cfg.Lake))
	return nil
}

// section is one table of the summary.
type section struct {
	title, query string
	params       []string
	sql          string // used when query is empty
}

func summarise(ctx context.Context, e *engine.Engine, out io.Writer) error {
	sections := []section{
		{title: "Top talkers (bytes by source and destination; records, so a conversation seen at both ends counts twice)", query: "VpcFlowLogsTopTalkers", params: []string{"limit=5"}},
		{title: "Sources with the most rejected TCP connections", query: "RejectedTCPBySource", params: []string{"limit=5"}},
		{title: "Admin ports reached from outside the private ranges", sql: exposedAdminPorts},
		{title: "Records versus conversations (the conversations view counts each once)", sql: recordsVsConversations},
	}
	for _, s := range sections {
		if err := printSection(ctx, e, out, s); err != nil {
			return err
		}
	}
	return nil
}

func printSection(ctx context.Context, e *engine.Engine, out io.Writer, s section) error {
	q, args := s.sql, []any(nil)
	if s.query != "" {
		b, err := named.Prepare(s.query, s.params, named.Window{})
		if err != nil {
			return err
		}
		q, args = b.SQL, b.Args
	}
	res, err := e.QueryParams(ctx, q, 0, args...)
	if err != nil {
		return fmt.Errorf("cannot summarise %q: %w", s.title, err)
	}
	fmt.Fprintln(out, s.title)
	return render.Rows(out, "table", res.Columns, res.Rows)
}

const exposedAdminPorts = `SELECT dstport AS port, action, count(*) AS records, count(DISTINCT srcaddr) AS sources, count(DISTINCT dstaddr) AS targets
FROM flows WHERE dstport IN (22, 3389, 3306, 5432, 1433, 5985, 5986) AND NOT is_private(srcaddr)
GROUP BY ALL ORDER BY records DESC LIMIT 10`

const recordsVsConversations = `SELECT (SELECT count(*) FROM flows WHERE log_status = 'OK') AS flow_records, count(*) AS conversations,
  count(*) FILTER (WHERE initiator_basis = 'tcp-flags') AS initiator_from_tcp_flags, count(*) FILTER (WHERE action <> 'ACCEPT') AS rejected
FROM conversations`

func nextSteps(lake string) string {
	return fmt.Sprintf(`  flowtrail query --lake %[1]s            (an SQL prompt on a terminal; views: flows, tgw_flows, cloudtrail, rejects, conversations, vpcflow)
  flowtrail query --lake %[1]s --list     (AWS's named Athena queries and the playbook's investigations)
  flowtrail query --lake %[1]s --named VpcFlowLogsSshRdpTraffic
  flowtrail ip --lake %[1]s 10.10.10.5
  flowtrail query --lake %[1]s "SELECT * FROM rejects"
`, lake)
}
