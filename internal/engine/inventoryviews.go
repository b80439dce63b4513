package engine

// inventoryViews present the inventory tables to analysts: lists as
// lists, tags as JSON, the matching bounds left out.
var inventoryViews = []string{
	`CREATE VIEW enis AS SELECT interface_id, valid_from, valid_to, predates_evidence, instance_id, instance_name, tags::JSON AS tags,
  string_split(private_ips, ',') AS private_ips, string_split(ipv6_addresses, ',') AS ipv6_addresses,
  string_split(security_group_ids, ',') AS security_group_ids, subnet_id, vpc_id, az, account_id, region,
  description, interface_type, created_at, deleted_at, origin
FROM inv_interfaces`,
	`CREATE VIEW security_groups AS SELECT g.*, (SELECT count(*) FROM inv_rules r WHERE r.group_id = g.group_id AND r.valid_to IS NULL) AS live_rules
FROM inv_groups g`,
	`CREATE VIEW sg_rules AS SELECT r.rule_id, r.group_id, g.group_name, r.direction, r.protocol, r.protocol_number, r.from_port, r.to_port,
  r.cidr, r.referenced_group_id, r.prefix_list_id, r.description, r.valid_from, r.valid_to, r.valid_to IS NULL AS current,
  r.added_by, r.removed_by, r.origin
FROM inv_rules r LEFT JOIN inv_groups g USING (group_id)`,
	`CREATE VIEW sg_changes AS SELECT event_time, event_name, event_id, action, account_id, region, actor_arn, actor_type, user_name,
  source_ip_address, user_agent, group_id, interface_id, instance_id, rule_id, direction, protocol, ports, peer,
  string_split(security_group_ids, ',') AS security_group_ids, string_split(groups_added, ',') AS groups_added,
  coalesce(string_split(flags, ','), []) AS flags
FROM inv_changes`,
	flowsEnrichedView,
}

// flowsEnrichedView is flows plus who each end was. The logging
// interface is matched on its ID and the record's start; each address on
// the private address held at that time, within the logging VPC unless
// only one VPC ever held it. Matches are unique by construction (see
// addressRows), so no record is counted twice.
const flowsEnrichedView = `CREATE VIEW flows_enriched AS
SELECT f.* REPLACE (coalesce(f.instance_id, i.instance_id) AS instance_id),
  i.instance_name, string_split(i.security_group_ids, ',') AS security_group_ids, i.instance_name AS workload,
  s.interface_id AS src_interface_id, s.instance_id AS src_instance_id, s.instance_name AS src_workload,
  string_split(s.security_group_ids, ',') AS src_security_group_ids,
  d.interface_id AS dst_interface_id, d.instance_id AS dst_instance_id, d.instance_name AS dst_workload,
  string_split(d.security_group_ids, ',') AS dst_security_group_ids
FROM flows f
LEFT JOIN inv_interfaces i ON i.interface_id = f.interface_id AND f.start >= i.match_from AND f.start < i.match_to
LEFT JOIN inv_addresses s ON s.ip = f.srcaddr AND f.start >= s.match_from AND f.start < s.match_to
  AND (s.unique_vpc OR s.vpc_id = coalesce(f.vpc_id, i.vpc_id))
LEFT JOIN inv_addresses d ON d.ip = f.dstaddr AND f.start >= d.match_from AND f.start < d.match_to
  AND (d.unique_vpc OR d.vpc_id = coalesce(f.vpc_id, i.vpc_id))`

// workloadFilter narrows flows to the records of one workload: logged at
// an interface that carried the Name tag at the time, or with either
// address held by such an interface at the time. The name travels in a
// table, never in SQL text.
//
// The workload's stretches are gathered into one list per interface and
// per address, so that each record meets at most one list per end in a
// hash join and tests the few spans in it. Correlated EXISTS subqueries
// said the same, but DuckDB decorrelated them by buffering every record
// and joining the distinct (address, start, VPC) of the lake with the
// stretches: 4–9 CPU-seconds on 10 M records against under one.
const workloadFilter = `CREATE VIEW flows AS
WITH wi AS (
  SELECT i.interface_id, list({'lo': i.match_from, 'hi': i.match_to}) AS spans
  FROM inv_interfaces i, inv_workload w WHERE i.instance_name = w.name GROUP BY i.interface_id
), wa AS (
  SELECT a.ip, list({'lo': a.match_from, 'hi': a.match_to, 'vpc': a.vpc_id, 'unique_vpc': a.unique_vpc}) AS spans
  FROM inv_addresses a, inv_workload w WHERE a.instance_name = w.name GROUP BY a.ip
)
SELECT f.* FROM flows_all f
LEFT JOIN wi ON wi.interface_id = f.interface_id
LEFT JOIN wa s ON s.ip = f.srcaddr
LEFT JOIN wa d ON d.ip = f.dstaddr
WHERE coalesce(len(list_filter(wi.spans, lambda x: f.start >= x.lo AND f.start < x.hi)), 0) > 0
  OR coalesce(len(list_filter(s.spans, lambda x: f.start >= x.lo AND f.start < x.hi
    AND (x.unique_vpc OR x.vpc = f.vpc_id OR f.vpc_id IS NULL))), 0) > 0
  OR coalesce(len(list_filter(d.spans, lambda x: f.start >= x.lo AND f.start < x.hi
    AND (x.unique_vpc OR x.vpc = f.vpc_id OR f.vpc_id IS NULL))), 0) > 0`
