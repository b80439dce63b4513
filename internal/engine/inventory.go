package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/inventory"
)

// The inventory — which interface was which workload, when — is rebuilt
// from the lake's CloudTrail and describe-* snapshots each time the engine
// opens (it is small: EC2's mutating calls, not the whole trail) and held
// in temporary tables behind the views enis, security_groups, sg_rules,
// sg_changes and flows_enriched.

// Inventory is what the engine rebuilt when it opened.
func (e *Engine) Inventory() *inventory.Inventory { return e.inv }

const (
	minBound = -(int64(1) << 62)
	maxBound = int64(1) << 62
)

func (e *Engine) buildInventory(ctx context.Context) error {
	evs, err := e.inventoryEvents(ctx)
	if err != nil {
		return err
	}
	obs, err := e.inventoryObservations(ctx)
	if err != nil {
		return err
	}
	e.inv = inventory.Build(evs, obs)
	loads := []struct {
		name string
		cols []ColumnDef
		rows iter.Seq[[]any]
	}{
		{"inv_interfaces", interfaceCols, interfaceRows(e.inv)},
		{"inv_addresses", addressCols, addressRows(e.inv)},
		{"inv_groups", groupCols, groupRows(e.inv)},
		{"inv_rules", ruleCols, ruleRows(e.inv)},
		{"inv_changes", changeCols, changeRows(e.inv)},
	}
	for _, l := range loads {
		if _, err := e.LoadTable(ctx, l.name, l.cols, l.rows); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) inventoryEvents(ctx context.Context) ([]inventory.Event, error) {
	names := make([]string, len(inventory.EventNames))
	for i, n := range inventory.EventNames {
		names[i] = quote(n)
	}
	q := `SELECT event_time, coalesce(event_id, ''), event_name, coalesce(recipient_account_id, partition_account_id, ''), coalesce(aws_region, ''),
  coalesce(principal_arn, ''), coalesce(principal_type, ''), coalesce(user_name, ''), coalesce(source_ip_address, ''), coalesce(user_agent, ''),
  coalesce(request_parameters, ''), coalesce(response_elements, '')
FROM cloudtrail WHERE event_source = 'ec2.amazonaws.com' AND error_code IS NULL AND event_name IN (` + strings.Join(names, ", ") + `)
ORDER BY event_time, source_id, source_line`
	rows, err := e.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cannot read CloudTrail for the inventory: %w", err)
	}
	defer rows.Close()
	var out []inventory.Event
	for rows.Next() {
		var ev inventory.Event
		a := &ev.Actor
		if err := rows.Scan(&ev.Time, &ev.ID, &ev.Name, &ev.Account, &ev.Region, &a.ARN, &a.Type, &a.UserName, &a.SourceIP, &a.UserAgent, &ev.Request, &ev.Response); err != nil {
			return nil, fmt.Errorf("cannot read CloudTrail for the inventory: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// inventoryObservations reads the describe-* snapshots, when the lake has
// a snapshots view.
func (e *Engine) inventoryObservations(ctx context.Context) ([]inventory.Observation, error) {
	var n int
	if err := e.conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'snapshots'").Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := e.conn.QueryContext(ctx, `SELECT observed_at, kind, coalesce(account_id, ''), coalesce(region, ''), document FROM snapshots ORDER BY observed_at, source_id, source_line`)
	if err != nil {
		return nil, fmt.Errorf("cannot read snapshots for the inventory: %w", err)
	}
	defer rows.Close()
	var out []inventory.Observation
	for rows.Next() {
		var o inventory.Observation
		if err := rows.Scan(&o.Time, &o.Kind, &o.Account, &o.Region, &o.Document); err != nil {
			return nil, fmt.Errorf("cannot read snapshots for the inventory: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

var interfaceCols = cols("interface_id VARCHAR, valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ, match_from BIGINT, match_to BIGINT, predates_evidence BOOLEAN, " +
	"instance_id VARCHAR, instance_name VARCHAR, tags VARCHAR, private_ips VARCHAR, ipv6_addresses VARCHAR, security_group_ids VARCHAR, " +
	"subnet_id VARCHAR, vpc_id VARCHAR, az VARCHAR, account_id VARCHAR, region VARCHAR, description VARCHAR, interface_type VARCHAR, " +
	"created_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ, origin VARCHAR")

func cols(spec string) []ColumnDef {
	var out []ColumnDef
	for _, c := range strings.Split(spec, ", ") {
		n, t, _ := strings.Cut(c, " ")
		out = append(out, ColumnDef{Name: n, Type: t})
	}
	return out
}

func interfaceRows(inv *inventory.Inventory) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, i := range inv.Interfaces {
			tags, _ := json.Marshal(i.Tags)
			if !yield([]any{i.ID, ts(i.From), ts(i.To), unix(i.MatchFrom(), minBound), unix(i.MatchTo(), maxBound), i.OpenStart(),
				str(i.InstanceID), str(i.Name), string(tags), list(i.PrivateIPs), list(i.IPv6), list(i.Groups),
				str(i.Subnet), str(i.VPC), str(i.AZ), str(i.Account), str(i.Region), str(i.Description), str(i.Type),
				ts(i.Created), ts(i.Deleted), i.Origin}) {
				return
			}
		}
	}
}

var addressCols = cols("ip VARCHAR, vpc_id VARCHAR, unique_vpc BOOLEAN, match_from BIGINT, match_to BIGINT, interface_id VARCHAR, instance_id VARCHAR, instance_name VARCHAR, security_group_ids VARCHAR")

// addressRows lists who held each private address when. Within a VPC an
// address has one holder at a time, so each (VPC, address)'s stretches are
// cut to end where the next begins (an address is reused after its
// instance ends); the first reaches back and the last forward without
// bound. Across VPCs addresses repeat (every default VPC is 172.31/16):
// an address is matched without its VPC only when one VPC ever held it.
func addressRows(inv *inventory.Inventory) iter.Seq[[]any] {
	type held struct {
		vpc      string
		from, to int64
		i        *inventory.Interface
	}
	byIP := map[string][]held{}
	for k := range inv.Interfaces {
		i := &inv.Interfaces[k]
		for _, ip := range append(slices.Clone(i.PrivateIPs), i.IPv6...) {
			byIP[ip] = append(byIP[ip], held{i.VPC, unix(i.From, minBound), unix(i.To, maxBound), i})
		}
	}
	return func(yield func([]any) bool) {
		for _, ip := range sortedKeys(byIP) {
			hs := byIP[ip]
			slices.SortStableFunc(hs, func(a, b held) int {
				if a.vpc != b.vpc {
					return strings.Compare(a.vpc, b.vpc)
				}
				return int(a.from - b.from)
			})
			unique := hs[0].vpc == hs[len(hs)-1].vpc
			for k, h := range hs {
				from, to := h.from, h.to
				if k == 0 || hs[k-1].vpc != h.vpc {
					from = minBound
				}
				if k == len(hs)-1 || hs[k+1].vpc != h.vpc {
					to = maxBound
				} else {
					to = hs[k+1].from
				}
				if from >= to {
					continue
				}
				if !yield([]any{ip, str(h.vpc), unique, from, to, h.i.ID, str(h.i.InstanceID), str(h.i.Name), list(h.i.Groups)}) {
					return
				}
			}
		}
	}
}

var groupCols = cols("group_id VARCHAR, group_name VARCHAR, description VARCHAR, vpc_id VARCHAR, account_id VARCHAR, region VARCHAR, created_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ, created_by VARCHAR, origin VARCHAR")

func groupRows(inv *inventory.Inventory) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, g := range inv.Groups {
			if !yield([]any{g.ID, str(g.Name), str(g.Description), str(g.VPC), str(g.Account), str(g.Region), ts(g.Created), ts(g.Deleted), str(g.CreatedBy), str(g.Origin)}) {
				return
			}
		}
	}
}

var ruleCols = cols("rule_key BIGINT, rule_id VARCHAR, group_id VARCHAR, direction VARCHAR, protocol VARCHAR, protocol_number INTEGER, from_port INTEGER, to_port INTEGER, " +
	"cidr VARCHAR, referenced_group_id VARCHAR, prefix_list_id VARCHAR, description VARCHAR, valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ, added_by VARCHAR, removed_by VARCHAR, origin VARCHAR")

func ruleRows(inv *inventory.Inventory) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for k, r := range inv.Rules {
			dir := "ingress"
			if r.Egress {
				dir = "egress"
			}
			if !yield([]any{int64(k), str(r.ID), r.GroupID, dir, r.Protocol, int32(r.ProtocolNumber()), int32(r.FromPort), int32(r.ToPort),
				str(r.CIDR), str(r.RefGroup), str(r.PrefixList), str(r.Description), ts(r.From), ts(r.To), str(r.AddedBy), str(r.RemovedBy), r.Origin}) {
				return
			}
		}
	}
}

var changeCols = cols("event_time TIMESTAMPTZ, event_name VARCHAR, event_id VARCHAR, action VARCHAR, account_id VARCHAR, region VARCHAR, " +
	"actor_arn VARCHAR, actor_type VARCHAR, user_name VARCHAR, source_ip_address VARCHAR, user_agent VARCHAR, " +
	"group_id VARCHAR, interface_id VARCHAR, instance_id VARCHAR, rule_id VARCHAR, direction VARCHAR, protocol VARCHAR, ports VARCHAR, peer VARCHAR, " +
	"security_group_ids VARCHAR, groups_added VARCHAR, flags VARCHAR")

func changeRows(inv *inventory.Inventory) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, c := range inv.Changes {
			var rid, dir, proto, ports, peer any
			if r := c.Rule; r != nil {
				dir = "ingress"
				if r.Egress {
					dir = "egress"
				}
				rid, proto, ports, peer = str(r.ID), r.Protocol, r.Ports(), str(r.Peer())
			}
			a := c.Actor
			if !yield([]any{c.Time, c.Event, str(c.EventID), c.Action, str(c.Account), str(c.Region), str(a.ARN), str(a.Type), str(a.UserName), str(a.SourceIP), str(a.UserAgent),
				str(c.GroupID), str(c.InterfaceID), str(c.InstanceID), rid, dir, proto, ports, peer, list(c.Groups), list(c.Added), list(c.Flags)}) {
				return
			}
		}
	}
}

// str maps "" to NULL: the evidence did not say.
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// list joins a set for string_split in the views; NULL when empty.
func list(xs []string) any {
	if len(xs) == 0 {
		return nil
	}
	return strings.Join(xs, ",")
}

func unix(t time.Time, zero int64) int64 {
	if t.IsZero() {
		return zero
	}
	return t.Unix()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
