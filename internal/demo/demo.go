// Package demo runs the product end to end on a generated estate: it
// writes the estate, ingests it and prints a short investigation summary
// with the commands to go further.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/named"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
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
	huntConfig, err := writeHuntConfig(cfg.Estate, truth)
	if err != nil {
		return err
	}
	if err := huntSummary(ctx, e, cfg.Out, cfg.Estate, truth, huntConfig); err != nil {
		return err
	}
	if err := summarise(ctx, e, cfg.Out); err != nil {
		return err
	}
	if err := auditSummary(ctx, e, cfg.Out); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "\nDone in %.0fs. Next:\n%s", time.Since(start).Seconds(), nextSteps(cfg.Lake, cfg.Estate, huntConfig))
	return nil
}

// maxFindings is how many findings the summary lists.
const maxFindings = 15

// writeHuntConfig writes the hunt config a team would keep for this
// estate — its own scanner and the office allowlisted — beside the logs.
func writeHuntConfig(estate string, truth *gen.Truth) (string, error) {
	var b strings.Builder
	b.WriteString("# The estate's own known-good sources; see flowtrail hunt --help.\nallowlist:\n")
	for _, a := range truth.Attacks {
		if len(a.Allowlist) > 0 {
			fmt.Fprintf(&b, "  - name: %s\n    cidrs: [%s]\n", a.Kind, strings.Join(a.Allowlist, ", "))
		}
	}
	path := filepath.Join(estate, "hunt.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("cannot write the demo's hunt config: %w", err)
	}
	return path, nil
}

// huntSummary runs every detector with the estate's indicator list and
// prints the most severe findings.
func huntSummary(ctx context.Context, e *engine.Engine, out io.Writer, estate string, truth *gen.Truth, configPath string) error {
	conf, err := hunt.LoadConfig(configPath)
	if err != nil {
		return err
	}
	opt := hunt.Options{Config: conf}
	if truth.Indicators != "" {
		set, err := ioc.ReadFiles([]string{filepath.Join(estate, truth.Indicators)})
		if err != nil {
			return err
		}
		opt.Indicators = set.Indicators()
	}
	rep, err := hunt.Run(ctx, e, opt)
	if err != nil {
		return err
	}
	counts := map[hunt.Severity]int{}
	for _, f := range rep.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(out, "Hunt: %d findings (%d critical, %d high, %d medium, %d low, %d info); the %d most severe:\n", len(rep.Findings),
		counts[hunt.Critical], counts[hunt.High], counts[hunt.Medium], counts[hunt.Low], counts[hunt.Info], min(maxFindings, len(rep.Findings)))
	rows := hunt.TableRows(rep.Findings[:min(maxFindings, len(rep.Findings))])
	cols := []string{"severity", "detector", "first_seen", "src", "dst", "title"}
	short := make([][]any, len(rows))
	for i, r := range rows {
		short[i] = []any{r[0], r[1], r[2], r[4], r[5], r[7]}
	}
	if err := render.Rows(out, "table", cols, short); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}

// auditSummary prints what the security-group audit found unused and
// the changes it flagged.
func auditSummary(ctx context.Context, e *engine.Engine, out io.Writer) error {
	rep, err := sgaudit.Run(ctx, e, sgaudit.Window{})
	if err != nil {
		return err
	}
	flagged := 0
	for _, c := range rep.Changes {
		if len(c.Flags) > 0 {
			flagged++
		}
	}
	fmt.Fprintf(out, "Security groups: %d changes (%d flagged), %d groups nothing held, %d ingress rules nothing used\n",
		len(rep.Changes), flagged, len(rep.UnusedGroups), len(rep.UnusedRules))
	var rows [][]any
	for _, r := range rep.UnusedRules[:min(8, len(rep.UnusedRules))] {
		rows = append(rows, []any{r.GroupID, r.GroupName, r.Protocol, sgaudit.PortRange(r.FromPort, r.ToPort), r.Source, r.Reason})
	}
	return render.Rows(out, "table", []string{"group", "name", "protocol", "ports", "source", "reason"}, rows)
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

func nextSteps(lake, estate, huntConfig string) string {
	return fmt.Sprintf(`  flowtrail hunt --lake %[1]s --config %[3]s --ioc %[2]s/indicators.txt --format json
  flowtrail hunt --list                  (what each detector looks for, its thresholds and blind spots)
  flowtrail sg audit --lake %[1]s
  flowtrail sg recommend --lake %[1]s --all
  flowtrail query --lake %[1]s            (an SQL prompt on a terminal; views: flows, tgw_flows, cloudtrail, rejects, conversations, vpcflow, flows_enriched)
  flowtrail query --lake %[1]s --list     (AWS's named Athena queries and the playbook's investigations)
  flowtrail ip --lake %[1]s 10.10.10.5
  flowtrail query --lake %[1]s "SELECT * FROM rejects"
`, lake, estate, huntConfig)
}
