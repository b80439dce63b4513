package sgaudit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/inventory"
)

func unusedGroupsOf(ctx context.Context, e *engine.Engine, w Window, rep *Report) error {
	res, err := query(ctx, e, "unused groups", unusedGroups, w.args()...)
	if err != nil {
		return err
	}
	rep.UnusedGroups = []UnusedGroup{}
	for _, r := range res.Rows {
		rep.UnusedGroups = append(rep.UnusedGroups, UnusedGroup{GroupID: s(r[0]), GroupName: s(r[1]), Description: s(r[2]), VPC: s(r[3]),
			Account: s(r[4]), Region: s(r[5]), Created: t(r[6]), CreatedBy: s(r[7]), LiveRules: n(r[8])})
	}
	return nil
}

func unusedRulesOf(ctx context.Context, e *engine.Engine, w Window, rep *Report) error {
	res, err := query(ctx, e, "rule use", ruleUse, w.args()...)
	if err != nil {
		return err
	}
	rep.UnusedRules = []UnusedRule{}
	for _, r := range res.Rows {
		used, probes := n(r[10]), n(r[11])
		if used > 0 {
			continue
		}
		reason := "no accepted traffic matched it"
		if probes > 0 {
			reason = "only unanswered TCP probes matched it"
		}
		rep.UnusedRules = append(rep.UnusedRules, UnusedRule{RuleID: s(r[0]), GroupID: s(r[1]), GroupName: s(r[2]), Protocol: s(r[3]),
			FromPort: n(r[4]), ToPort: n(r[5]), Source: s(r[6]), Since: t(r[7]), AddedBy: s(r[9]), Probes: probes, Reason: reason})
	}
	return nil
}

func exposedOf(ctx context.Context, e *engine.Engine, w Window, rep *Report) error {
	ports := make([]int32, len(inventory.AdminPorts))
	for i, p := range inventory.AdminPorts {
		ports[i] = int32(p)
	}
	res, err := query(ctx, e, "exposure", exposed, ports)
	if err != nil {
		return err
	}
	rep.Exposed = []Exposure{}
	for _, r := range res.Rows {
		x := Exposure{InterfaceID: s(r[0]), InstanceID: s(r[1]), InstanceName: s(r[2]), Address: s(r[3]), Protocol: n(r[4]), Port: n(r[5]),
			Conversations: n(r[6]), Answered: n(r[7]), Sources: n(r[8]), FirstSeen: t(r[9]), LastSeen: t(r[10])}
		x.Rules = admitting(e.Inventory(), strings.Split(s(r[11]), ","), int(x.Protocol), int(x.Port), x.LastSeen)
		rep.Exposed = append(rep.Exposed, x)
	}
	return nil
}

// admitting names the live ingress rules of the groups that admit a
// public source on the port.
func admitting(inv *inventory.Inventory, groups []string, proto, port int, at time.Time) []string {
	out := []string{}
	for _, r := range inv.Rules {
		if r.Egress || !slices.Contains(groups, r.GroupID) || r.CIDR == "" || (!r.From.IsZero() && r.From.After(at)) || (!r.To.IsZero() && !r.To.After(at)) {
			continue
		}
		if !r.Admits(proto, port) {
			continue
		}
		if !inventory.IsPublicRange(r.CIDR) {
			continue
		}
		id := r.ID
		if id == "" {
			id = fmt.Sprintf("%s:%s/%s<-%s", r.GroupID, r.Protocol, r.Ports(), r.CIDR)
		}
		out = append(out, id)
	}
	return out
}

func discountsOf(ctx context.Context, e *engine.Engine, w Window, rep *Report) error {
	res, err := query(ctx, e, "discounts", discounted)
	if err != nil {
		return err
	}
	row := res.Rows[0]
	rep.Discounted = []Discount{
		{What: "unanswered TCP probes", Conversations: n(row[0]),
			Why: "accepted, but the host never replied (scanners on a port nothing serves): a rule hit only by these is not in use"},
		{What: "link-local initiators", Conversations: n(row[1]),
			Why: "instance metadata, time sync and DNS at 169.254.0.0/16 and fe80::/10 never pass a security group"},
		{What: "replies", Conversations: 0,
			Why: "only the initiating direction of a conversation needs an ingress rule; replies pass statefully, so use is judged on initiators (tcp-flags, else ports)"},
	}
	return nil
}

// Short names for the engine's typed readers, as the rows above read
// many columns.
var (
	s = engine.AsString
	n = engine.AsInt
	t = engine.AsTime
)
