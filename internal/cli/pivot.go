package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/pivot"
	"github.com/flowtrail/flowtrail/internal/render"
)

type pivotFlags struct {
	window windowFlags
	format string
	peers  int
}

func newPivots(g *globals) []*cobra.Command {
	return []*cobra.Command{
		newPivot(g, "ip", "ADDR", "Everything about one IP address: peers in and out, volumes, ports, verdicts, hourly activity",
			`  flowtrail ip --lake ./case42 10.0.1.25
  flowtrail ip --lake ./case42 --since 2026-11-03 --until 2026-11-04 198.51.100.7 --format json`),
		newPivot(g, "eni", "ENI-ID", "Everything about one network interface: its addresses, peers, volumes and hourly activity",
			`  flowtrail eni --lake ./case42 eni-0a1b2c3d4e5f67890`),
		newPivot(g, "instance", "INSTANCE-ID|NAME", "Everything about one EC2 instance's traffic, by ID or by Name tag (every instance that carried it, from CloudTrail)",
			`  flowtrail instance --lake ./case42 i-0123456789abcdef0 --since 24h
  flowtrail instance --lake ./case42 prod-payment`),
	}
}

func newPivot(g *globals, kind, arg, short, example string) *cobra.Command {
	f := &pivotFlags{}
	cmd := &cobra.Command{
		Use:     kind + " [flags] " + arg,
		Short:   short,
		Long:    short + ".\n\nVolumes count flow records: a conversation seen at two monitored interfaces is counted at both (the conversations view counts it once).",
		Example: example,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPivot(cmd, g, f, kind, args[0])
		},
	}
	cmd.Flags().StringVar(&f.window.since, "since", "", "only records starting at or after this time (RFC 3339, date, or duration ago like 24h)")
	cmd.Flags().StringVar(&f.window.until, "until", "", "only records starting before this time")
	cmd.Flags().StringVar(&f.format, "format", "table", "output: table, json, jsonl or csv (jsonl and csv print the peers)")
	cmd.Flags().IntVar(&f.peers, "peers", 50, "show at most this many peers, largest first (0: all)")
	return cmd
}

func runPivot(cmd *cobra.Command, g *globals, f *pivotFlags, kind, value string) error {
	if err := render.Check(f.format); err != nil {
		return usageError{err}
	}
	subject, err := pivot.NewSubject(kind, value)
	if err != nil {
		return usageError{err}
	}
	since, until, err := f.window.bounds(time.Now())
	if err != nil {
		return err
	}
	opts := engine.Options{MemoryLimit: "4GB", Timeout: 5 * time.Minute}
	if subject.Kind == "workload" {
		opts.Workload = subject.Value
	}
	e, err := engine.Open(cmd.Context(), g.lake, opts)
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := pivot.Run(cmd.Context(), e, subject, pivot.Window{Since: since, Until: until}, f.peers)
	if err != nil {
		return err
	}
	return printPivot(g.stdout, f.format, rep)
}

func printPivot(w io.Writer, format string, r *pivot.Report) error {
	switch format {
	case "json":
		return writeJSON(w, r)
	case "jsonl", "csv":
		return render.Rows(w, format, r.Columns.Peers, rowValues(r.Peers, r.Columns.Peers))
	}
	fmt.Fprintf(w, "%s %s — %s\n\n", r.Subject.Kind, r.Subject.Value, r.Counting)
	if err := render.Rows(w, "table", r.Columns.Summary, [][]any{rowValues([]pivot.Row{r.Summary}, r.Columns.Summary)[0]}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\npeers (largest first)\n")
	if err := render.Rows(w, "table", r.Columns.Peers, rowValues(r.Peers, r.Columns.Peers)); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nactivity per hour (records)\n%s\n", activityLine(r.Hourly))
	return nil
}

func rowValues(rows []pivot.Row, cols []string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(cols))
		for j, c := range cols {
			out[i][j] = r[c]
		}
	}
	return out
}

// activityLine draws hourly record counts as a one-line chart, with the
// first and last hour and the peak.
func activityLine(hours []pivot.Row) string {
	if len(hours) == 0 {
		return "(no records)"
	}
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	var peak int64
	for _, h := range hours {
		peak = max(peak, toInt(h["records"]))
	}
	var b strings.Builder
	prev := time.Time{}
	for _, h := range hours {
		t, _ := h["hour"].(time.Time)
		for gap := prev.Add(time.Hour); !prev.IsZero() && gap.Before(t); gap = gap.Add(time.Hour) {
			b.WriteRune(' ') // hours with no records
		}
		prev = t
		n := toInt(h["records"])
		b.WriteRune(levels[int(n*int64(len(levels)-1)/max(peak, 1))])
	}
	first, _ := hours[0]["hour"].(time.Time)
	return fmt.Sprintf("%s  %s … %s, peak %d records/hour", b.String(), first.UTC().Format(time.RFC3339), prev.UTC().Format(time.RFC3339), peak)
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	}
	return 0
}
