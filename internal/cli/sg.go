package cli

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
)

type sgAuditFlags struct {
	window  windowFlags
	format  string
	timeout time.Duration
	memory  string
}

func newSG(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sg",
		Short: "Security groups: audit changes, unused groups and rules, exposure; recommend least-privilege rules",
		Example: `  flowtrail sg audit --lake ./case42
  flowtrail sg recommend --lake ./case42 --workload prod-web`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSGAudit(g), newSGRecommend(g))
	return cmd
}

func newSGAudit(g *globals) *cobra.Command {
	f := &sgAuditFlags{}
	cmd := &cobra.Command{
		Use:   "audit [flags]",
		Short: "Audit security groups against CloudTrail and the traffic actually seen",
		Long: `Rebuilds the security groups, their rules and which interfaces held them from the
lake's CloudTrail (and describe-* snapshots), then reports:

  changes        every rule and attachment change: time, actor (ARN, user name, source
                 IP, user agent), event, group, interface and what changed; flagged:
                   open_to_world                a rule admits 0.0.0.0/0 or ::/0
                   admin_port_open_to_internet  SSH, RDP, a database… admits a public range
                   unusual_actor                groups attached by a principal behind under a
                                                tenth of the account's attachments
  unused_groups  groups that existed in the period but no interface held
  unused_rules   ingress rules that no answered conversation used in the period, matched
                 on protocol, port range and source range or referenced group; a rule hit
                 only by unanswered TCP probes is listed with their count
  exposed        interfaces that admitted conversations from the internet on admin ports,
                 with the rules that allowed them
  discounted     the traffic not credited as use, and why

Use is judged on conversations (the conversations view), by their initiator: replies
need no ingress rule. Prefix-list rules are not judged (their ranges are not in the
evidence).`,
		Example: `  flowtrail sg audit --lake ./case42
  flowtrail sg audit --lake ./case42 --since 7d --format json > audit.json
  flowtrail sg audit --lake ./case42 --format json | jq '.changes[] | select(.flags | length > 0)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSGAudit(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.window.since, "since", "", "audit from this time: RFC 3339, a date (UTC), Unix seconds or a duration ago (24h, 7d)")
	fl.StringVar(&f.window.until, "until", "", "audit up to this time, as --since")
	fl.StringVar(&f.format, "format", "table", "output: table or json")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "stop a query that runs longer")
	fl.StringVar(&f.memory, "memory-limit", "4GB", "DuckDB memory limit")
	return cmd
}

func runSGAudit(cmd *cobra.Command, g *globals, f *sgAuditFlags) error {
	if f.format != "table" && f.format != "json" {
		return usagef("--format %q: want table or json", f.format)
	}
	since, until, err := f.window.bounds(time.Now())
	if err != nil {
		return err
	}
	e, err := engine.Open(cmd.Context(), g.lake, engine.Options{MemoryLimit: f.memory, Timeout: f.timeout})
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := sgaudit.Run(cmd.Context(), e, sgaudit.Window{Since: since, Until: until})
	if err != nil {
		return err
	}
	if f.format == "json" {
		return writeJSON(g.stdout, rep)
	}
	return auditTables(g.stdout, rep)
}

// auditTables prints each section as a table under a heading.
func auditTables(w io.Writer, rep *sgaudit.Report) error {
	var flagged [][]any
	for _, c := range rep.Changes {
		if len(c.Flags) == 0 {
			continue
		}
		what := strings.Join(c.GroupsAdded, ",")
		if c.Rule != nil {
			what = fmt.Sprintf("%s %s %s %s", c.Rule.Direction, c.Rule.Protocol, c.Rule.Ports, c.Rule.Peer)
		}
		flagged = append(flagged, []any{c.Time, c.Event, cmp.Or(c.Actor.UserName, c.Actor.ARN), c.Actor.SourceIP, c.GroupID, c.InterfaceID, what, strings.Join(c.Flags, ",")})
	}
	var groups, rules, exposed [][]any
	for _, u := range rep.UnusedGroups {
		groups = append(groups, []any{u.GroupID, u.GroupName, u.VPC, u.Account, u.Region, u.LiveRules})
	}
	for _, r := range rep.UnusedRules {
		rules = append(rules, []any{r.RuleID, r.GroupID, r.GroupName, r.Protocol, sgaudit.PortRange(r.FromPort, r.ToPort), r.Source, r.Probes, r.Reason})
	}
	for _, x := range rep.Exposed {
		exposed = append(exposed, []any{x.InterfaceID, x.InstanceName, x.Address, x.Port, x.Conversations, x.Answered, x.Sources, strings.Join(x.Rules, ",")})
	}
	sections := []struct {
		title string
		cols  []string
		rows  [][]any
	}{
		{fmt.Sprintf("Flagged changes (%d of %d changes; --format json lists all)", len(flagged), len(rep.Changes)),
			[]string{"time", "event", "actor", "source_ip", "group", "interface", "what", "flags"}, flagged},
		{fmt.Sprintf("Unused groups (%d)", len(groups)), []string{"group_id", "name", "vpc", "account", "region", "live_rules"}, groups},
		{fmt.Sprintf("Unused ingress rules (%d)", len(rules)), []string{"rule_id", "group_id", "group", "protocol", "ports", "source", "probes", "reason"}, rules},
		{fmt.Sprintf("Admin ports reached from the internet (%d)", len(exposed)), []string{"interface", "workload", "address", "port", "conversations", "answered", "sources", "rules"}, exposed},
	}
	for _, s := range sections {
		fmt.Fprintf(w, "%s\n", s.title)
		if len(s.rows) == 0 {
			fmt.Fprintln(w, "  none")
		} else if err := render.Rows(w, "table", s.cols, s.rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	for _, d := range rep.Discounted {
		fmt.Fprintf(w, "not counted as use: %s (%d conversations): %s\n", d.What, d.Conversations, d.Why)
	}
	return nil
}
