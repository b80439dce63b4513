// Package sgaudit audits security groups against the evidence: every rule
// and attachment change with its actor, groups nothing held, ingress
// rules no answered conversation used, and admin ports the internet
// reached.
package sgaudit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

// Window bounds the period audited; zero ends are open.
type Window struct{ Since, Until time.Time }

func (w Window) contains(t time.Time) bool {
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || t.Before(w.Until))
}

func (w Window) args() []any { return []any{unixOrNil(w.Since), unixOrNil(w.Until)} }

func unixOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// Report is the audit, keyed as `flowtrail sg audit --format json` prints it.
type Report struct {
	Changes      []Change      `json:"changes"`
	UnusedGroups []UnusedGroup `json:"unused_groups"`
	UnusedRules  []UnusedRule  `json:"unused_rules"`
	Exposed      []Exposure    `json:"exposed"`
	Discounted   []Discount    `json:"discounted"`
}

// Change is one rule or attachment change.
type Change struct {
	Time        time.Time `json:"time"`
	Event       string    `json:"event_name"`
	EventID     string    `json:"event_id,omitempty"`
	Action      string    `json:"action"`
	Actor       Actor     `json:"actor"`
	Account     string    `json:"account_id,omitempty"`
	Region      string    `json:"region,omitempty"`
	GroupID     string    `json:"group_id,omitempty"`
	InterfaceID string    `json:"interface_id,omitempty"`
	InstanceID  string    `json:"instance_id,omitempty"`
	Rule        *RuleDesc `json:"rule,omitempty"`
	Groups      []string  `json:"groups,omitempty"`
	GroupsAdded []string  `json:"groups_added,omitempty"`
	Flags       []string  `json:"flags"`
}

// Actor is who made a change.
type Actor struct {
	ARN       string `json:"arn,omitempty"`
	Type      string `json:"type,omitempty"`
	UserName  string `json:"user_name,omitempty"`
	SourceIP  string `json:"source_ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// RuleDesc is what a changed rule allows.
type RuleDesc struct {
	RuleID    string `json:"rule_id,omitempty"`
	Direction string `json:"direction"`
	Protocol  string `json:"protocol"`
	Ports     string `json:"ports"`
	Peer      string `json:"peer"`
}

// UnusedGroup is a group no interface held in the period.
type UnusedGroup struct {
	GroupID     string    `json:"group_id"`
	GroupName   string    `json:"group_name,omitempty"`
	Description string    `json:"description,omitempty"`
	VPC         string    `json:"vpc_id,omitempty"`
	Account     string    `json:"account_id,omitempty"`
	Region      string    `json:"region,omitempty"`
	Created     time.Time `json:"created_at,omitzero"`
	CreatedBy   string    `json:"created_by,omitempty"`
	LiveRules   int64     `json:"live_rules"`
}

// UnusedRule is an ingress rule no answered conversation used.
type UnusedRule struct {
	RuleID    string    `json:"rule_id,omitempty"`
	GroupID   string    `json:"group_id"`
	GroupName string    `json:"group_name,omitempty"`
	Protocol  string    `json:"protocol"`
	FromPort  int64     `json:"from_port"`
	ToPort    int64     `json:"to_port"`
	Source    string    `json:"source"`
	Since     time.Time `json:"valid_from,omitzero"`
	AddedBy   string    `json:"added_by,omitempty"`
	Probes    int64     `json:"unanswered_probes"`
	Reason    string    `json:"reason"`
}

// Exposure is an interface that admitted the internet on an admin port.
type Exposure struct {
	InterfaceID   string    `json:"interface_id"`
	InstanceID    string    `json:"instance_id,omitempty"`
	InstanceName  string    `json:"instance_name,omitempty"`
	Address       string    `json:"address"`
	Protocol      int64     `json:"protocol"`
	Port          int64     `json:"port"`
	Conversations int64     `json:"conversations"`
	Answered      int64     `json:"answered"`
	Sources       int64     `json:"sources"`
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
	Rules         []string  `json:"rules"` // the rules that admit it, where known: rule ID or group:protocol/ports<-peer
}

// Discount says what traffic was not credited as use, and why.
type Discount struct {
	What          string `json:"what"`
	Conversations int64  `json:"conversations"`
	Why           string `json:"why"`
}

// Run audits the lake the engine has open. The period's conversations
// are read once, into a temporary table the steps share.
func Run(ctx context.Context, e *engine.Engine, w Window) (*Report, error) {
	rep := &Report{Changes: changes(e.Inventory(), w)}
	t0 := time.Now()
	n, err := e.Materialize(ctx, convTable, accepted, w.args()...)
	if err != nil {
		return nil, fmt.Errorf("cannot audit the conversations: %w", err)
	}
	defer func() { _ = e.DropTable(context.WithoutCancel(ctx), convTable) }()
	slog.Debug("sg audit: conversations read", "rows", n, "took", time.Since(t0))
	steps := []struct {
		name string
		run  func(context.Context, *engine.Engine, Window, *Report) error
	}{{"unused groups", unusedGroupsOf}, {"rule use", unusedRulesOf}, {"exposure", exposedOf}, {"discounts", discountsOf}}
	for _, step := range steps {
		t0 := time.Now()
		if err := step.run(ctx, e, w, rep); err != nil {
			return nil, err
		}
		slog.Debug("sg audit: step done", "step", step.name, "took", time.Since(t0))
	}
	return rep, nil
}

func changes(inv *inventory.Inventory, w Window) []Change {
	out := []Change{}
	for _, c := range inv.Changes {
		if !w.contains(c.Time) {
			continue
		}
		ch := Change{Time: c.Time, Event: c.Event, EventID: c.EventID, Action: c.Action,
			Actor:   Actor{ARN: c.Actor.ARN, Type: c.Actor.Type, UserName: c.Actor.UserName, SourceIP: c.Actor.SourceIP, UserAgent: c.Actor.UserAgent},
			Account: c.Account, Region: c.Region, GroupID: c.GroupID, InterfaceID: c.InterfaceID, InstanceID: c.InstanceID,
			Groups: c.Groups, GroupsAdded: c.Added, Flags: append([]string{}, c.Flags...)}
		if r := c.Rule; r != nil {
			dir := "ingress"
			if r.Egress {
				dir = "egress"
			}
			ch.Rule = &RuleDesc{RuleID: r.ID, Direction: dir, Protocol: r.Protocol, Ports: r.Ports(), Peer: r.Peer()}
		}
		out = append(out, ch)
	}
	return out
}

func query(ctx context.Context, e *engine.Engine, what, q string, args ...any) (*engine.Result, error) {
	res, err := e.QueryParams(ctx, q, 0, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot audit %s: %w", what, err)
	}
	return res, nil
}

// PortRange writes a rule's ports as the audit prints them: "all" for
// every port (-1), "22", or "8000-8080".
func PortRange(from, to int64) string {
	switch {
	case from == -1:
		return "all"
	case from == to:
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}
