package sgaudit

// The audit's SQL. $1 and $2 bound the period in Unix seconds (NULL when
// open). Use is judged on conversations, not records: only traffic the
// remote side initiated needs an ingress rule (replies pass statefully),
// and a conversation is logged up to four times.
//
// The conversations are read once, into convTable (accepted); rule use,
// exposure and the discounts are then queries over that table. The
// address helpers (ip_to_int, is_private) parse text with regular
// expressions, so they run once per distinct initiator, not per
// conversation, and rules are matched by a hash join on the group
// rather than by testing every rule against every conversation.

// convTable holds accepted's rows while the audit runs.
const convTable = "sg_audit_conv"

// accepted is every conversation admitted somewhere in the period, with
// the responder's interface and groups at that time, and the initiator's
// groups when it is one of ours. A TCP conversation nobody answered is a
// probe, not use; UDP and ICMP need no answer to be real.
//
// The conversations are the `conversations` view's (engine/conversations.go):
// the same keys, windows, initiator and action, computed here in one
// aggregation instead of the view's two. The view sums each direction per
// interface and keeps the largest interface's sum, for volumes; the audit
// only asks whether any packet came back, and as flow-log counts are never
// negative (the parsers refuse a sign), "the largest interface's sum > 0"
// is "some record of that direction carried a packet". Not grouping by
// interface roughly halves the cost of reading the period.
//
// Without ports (ICMP and other protocols) nothing says who began, so
// such a conversation is credited both ways: the audit errs towards
// "used" rather than advise removing a rule that is needed.
const accepted = `WITH k AS (
  SELECT CASE WHEN fwd THEN srcaddr ELSE dstaddr END AS a, CASE WHEN fwd THEN srcport ELSE dstport END AS a_port,
    CASE WHEN fwd THEN dstaddr ELSE srcaddr END AS b, CASE WHEN fwd THEN dstport ELSE srcport END AS b_port,
    protocol, w, fwd, packets > 0 AS carried, action,
    CASE WHEN protocol = 6 AND tcp_flags & 18 = 18 THEN 'responder' WHEN protocol = 6 AND tcp_flags & 2 = 2 THEN 'initiator' END AS flag_role
  FROM (
    SELECT srcaddr, dstaddr, coalesce(srcport, 0) AS srcport, coalesce(dstport, 0) AS dstport, protocol, packets, action, tcp_flags,
      (srcaddr, coalesce(srcport, 0)) <= (dstaddr, coalesce(dstport, 0)) AS fwd, start - start % 600 AS w
    FROM flows
    WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND log_status IS DISTINCT FROM 'NODATA' AND log_status IS DISTINCT FROM 'SKIPDATA'
  )
), conv AS (
  SELECT a, a_port, b, b_port, protocol, w,
    coalesce(bool_or(fwd AND carried), false) AS ab_carried, coalesce(bool_or(NOT fwd AND carried), false) AS ba_carried,
    bool_or(action = 'ACCEPT') AS any_accept, bool_or(action = 'REJECT') AS any_reject,
    bool_or((flag_role = 'initiator' AND fwd) OR (flag_role = 'responder' AND NOT fwd)) AS a_initiates,
    bool_or((flag_role = 'initiator' AND NOT fwd) OR (flag_role = 'responder' AND fwd)) AS b_initiates
  FROM k GROUP BY ALL
), decided AS (
  SELECT *,
    CASE WHEN a_initiates AND NOT b_initiates THEN true
         WHEN b_initiates AND NOT a_initiates THEN false
         WHEN b_port < 1024 AND a_port >= 1024 THEN true
         WHEN a_port < 1024 AND b_port >= 1024 THEN false
         WHEN a_port >= 32768 AND b_port < 32768 THEN true
         WHEN b_port >= 32768 AND a_port < 32768 THEN false
         ELSE a_port >= b_port END AS a_is_initiator
  FROM conv
  WHERE CASE WHEN any_accept AND any_reject THEN 'MIXED' WHEN any_reject THEN 'REJECT' ELSE 'ACCEPT' END <> 'REJECT'
), cv AS (
  SELECT epoch(to_timestamp(w))::BIGINT AS w,
    CASE WHEN a_is_initiator THEN a ELSE b END AS initiator, CASE WHEN a_is_initiator THEN b ELSE a END AS responder,
    CASE WHEN a_is_initiator THEN b_port ELSE a_port END AS responder_port, protocol,
    protocol <> 6 OR CASE WHEN a_is_initiator THEN ba_carried ELSE ab_carried END AS answered
  FROM decided
  WHERE ($1::BIGINT IS NULL OR epoch(to_timestamp(w)) >= $1) AND ($2::BIGINT IS NULL OR epoch(to_timestamp(w)) < $2)
), c AS (
  SELECT * FROM cv
  UNION ALL
  SELECT w, responder, initiator, 0, protocol, answered FROM cv WHERE protocol NOT IN (6, 17)
), ips AS (
  SELECT initiator, ip_to_int(initiator) AS initiator_num, NOT coalesce(is_private(initiator), true) AS from_internet
  FROM (SELECT DISTINCT initiator FROM c)
)
SELECT c.*, d.interface_id, d.instance_id, d.instance_name, d.security_group_ids AS groups, s.security_group_ids AS initiator_groups,
  starts_with(c.initiator, '169.254.') OR starts_with(lower(c.initiator), 'fe80:') AS link_local,
  ips.from_internet, ips.initiator_num
FROM c
JOIN inv_addresses d ON d.ip = c.responder AND c.w >= d.match_from AND c.w < d.match_to
LEFT JOIN inv_addresses s ON s.ip = c.initiator AND c.w >= s.match_from AND c.w < s.match_to
LEFT JOIN ips ON ips.initiator = c.initiator`

// ruleUse counts, per ingress rule live in the period, the conversations
// it admitted: answered ones (use) and unanswered TCP probes. Link-local
// initiators (instance metadata, time sync, DNS) never pass a security
// group and are left out. The conversations are first counted per
// responder group and everything a rule looks at (initiator, its groups,
// protocol, port, window), so the join with the rules reads fewer rows.
// ip_in_cidr(ip, cidr) is ip_to_int(ip) BETWEEN cidr_start(cidr) AND
// cidr_end(cidr); both ends are computed once.
const ruleUse = `WITH r AS (
  SELECT *, cidr_start(cidr) AS cidr_lo, cidr_end(cidr) AS cidr_hi FROM inv_rules
  WHERE direction = 'ingress' AND prefix_list_id IS NULL
    AND ($2::BIGINT IS NULL OR valid_from IS NULL OR epoch(valid_from) < $2)
    AND ($1::BIGINT IS NULL OR valid_to IS NULL OR epoch(valid_to) > $1)
), a AS (
  SELECT g.group_id, initiator_num, initiator_groups, protocol, responder_port, w,
    count(*) FILTER (WHERE answered) AS used, count(*) FILTER (WHERE NOT answered) AS probes
  FROM ` + convTable + `, unnest(list_distinct(string_split(groups, ','))) AS g(group_id)
  WHERE NOT link_local
  GROUP BY ALL
), hits AS (
  SELECT r.rule_key, sum(a.used)::BIGINT AS used, sum(a.probes)::BIGINT AS probes
  FROM r JOIN a ON a.group_id = r.group_id
  WHERE (r.valid_from IS NULL OR a.w >= epoch(r.valid_from) - 600) AND (r.valid_to IS NULL OR a.w < epoch(r.valid_to))
    AND (r.protocol_number = -1 OR (r.protocol_number = a.protocol
         AND (r.protocol_number NOT IN (6, 17) OR r.from_port = -1 OR a.responder_port BETWEEN r.from_port AND r.to_port)))
    AND ((r.cidr IS NOT NULL AND coalesce(a.initiator_num BETWEEN r.cidr_lo AND r.cidr_hi, false))
      OR (r.referenced_group_id IS NOT NULL AND list_contains(string_split(a.initiator_groups, ','), r.referenced_group_id)))
  GROUP BY r.rule_key
)
SELECT r.rule_id, r.group_id, g.group_name, r.protocol, r.from_port, r.to_port, coalesce(r.cidr, r.referenced_group_id) AS source,
  r.valid_from, r.valid_to, r.added_by, coalesce(h.used, 0) AS used, coalesce(h.probes, 0) AS probes
FROM r LEFT JOIN hits h USING (rule_key) LEFT JOIN inv_groups g USING (group_id)
ORDER BY r.group_id, r.from_port, source`

// discounted counts what use was not credited, and why.
const discounted = `SELECT count(*) FILTER (WHERE NOT answered AND NOT link_local) AS probes,
  count(*) FILTER (WHERE link_local) AS link_local
FROM ` + convTable

// exposed lists interfaces that admitted conversations from the internet
// on admin ports. $1 is the list of ports.
const exposed = `SELECT interface_id, any_value(instance_id) AS instance_id, any_value(instance_name) AS instance_name, responder AS address,
  protocol, responder_port AS port, count(*) AS conversations, count(*) FILTER (WHERE answered) AS answered,
  count(DISTINCT initiator) AS sources, to_timestamp(min(w)) AS first_seen, to_timestamp(max(w)) AS last_seen,
  any_value(groups) AS groups
FROM ` + convTable + `
WHERE from_internet AND protocol IN (6, 17) AND list_contains($1::INTEGER[], responder_port)
GROUP BY interface_id, responder, protocol, responder_port
ORDER BY answered DESC, conversations DESC, interface_id, port`

// unusedGroups lists groups that existed in the period and that no
// interface held at any time in it.
const unusedGroups = `SELECT g.group_id, g.group_name, g.description, g.vpc_id, g.account_id, g.region, g.created_at, g.created_by,
  (SELECT count(*) FROM inv_rules r WHERE r.group_id = g.group_id AND r.valid_to IS NULL) AS live_rules
FROM inv_groups g
WHERE ($2::BIGINT IS NULL OR g.created_at IS NULL OR epoch(g.created_at) < $2)
  AND ($1::BIGINT IS NULL OR g.deleted_at IS NULL OR epoch(g.deleted_at) > $1)
  AND NOT EXISTS (
    SELECT 1 FROM inv_interfaces i
    WHERE list_contains(string_split(i.security_group_ids, ','), g.group_id)
      AND ($2::BIGINT IS NULL OR i.valid_from IS NULL OR epoch(i.valid_from) < $2)
      AND ($1::BIGINT IS NULL OR i.valid_to IS NULL OR epoch(i.valid_to) > $1))
ORDER BY g.account_id, g.region, g.group_id`
