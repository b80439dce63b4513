package sgaudit

// The audit's SQL. $1 and $2 bound the period in Unix seconds (NULL when
// open). Use is judged on conversations, not records: only traffic the
// remote side initiated needs an ingress rule (replies pass statefully),
// and a conversation is logged up to four times.

// accepted is every conversation admitted somewhere in the period, with
// the responder's interface and groups at that time, and the initiator's
// groups when it is one of ours. A TCP conversation nobody answered is a
// probe, not use; UDP and ICMP need no answer to be real.
//
// Without ports (ICMP and other protocols) nothing says who began, so
// such a conversation is credited both ways: the audit errs towards
// "used" rather than advise removing a rule that is needed.
const accepted = `WITH cv AS (
  SELECT epoch(window_start)::BIGINT AS w, initiator, responder, responder_port, protocol,
    protocol <> 6 OR packets_back > 0 AS answered
  FROM conversations
  WHERE action <> 'REJECT' AND ($1::BIGINT IS NULL OR epoch(window_start) >= $1) AND ($2::BIGINT IS NULL OR epoch(window_start) < $2)
), c AS (
  SELECT * FROM cv
  UNION ALL
  SELECT w, responder, initiator, 0, protocol, answered FROM cv WHERE protocol NOT IN (6, 17)
)
SELECT c.*, d.interface_id, d.instance_id, d.instance_name, d.security_group_ids AS groups, s.security_group_ids AS initiator_groups,
  starts_with(c.initiator, '169.254.') OR starts_with(lower(c.initiator), 'fe80:') AS link_local,
  NOT coalesce(is_private(c.initiator), true) AS from_internet
FROM c
JOIN inv_addresses d ON d.ip = c.responder AND c.w >= d.match_from AND c.w < d.match_to
LEFT JOIN inv_addresses s ON s.ip = c.initiator AND c.w >= s.match_from AND c.w < s.match_to`

// ruleUse counts, per ingress rule live in the period, the conversations
// it admitted: answered ones (use) and unanswered TCP probes. Link-local
// initiators (instance metadata, time sync, DNS) never pass a security
// group and are left out.
const ruleUse = `WITH a AS (` + accepted + `),
r AS (
  SELECT * FROM inv_rules
  WHERE direction = 'ingress' AND prefix_list_id IS NULL
    AND ($2::BIGINT IS NULL OR valid_from IS NULL OR epoch(valid_from) < $2)
    AND ($1::BIGINT IS NULL OR valid_to IS NULL OR epoch(valid_to) > $1)
), hits AS (
  SELECT r.rule_key, count(*) FILTER (WHERE a.answered) AS used, count(*) FILTER (WHERE NOT a.answered) AS probes
  FROM r JOIN a ON list_contains(string_split(a.groups, ','), r.group_id)
  WHERE NOT a.link_local
    AND (r.valid_from IS NULL OR a.w >= epoch(r.valid_from) - 600) AND (r.valid_to IS NULL OR a.w < epoch(r.valid_to))
    AND (r.protocol_number = -1 OR (r.protocol_number = a.protocol
         AND (r.protocol_number NOT IN (6, 17) OR r.from_port = -1 OR a.responder_port BETWEEN r.from_port AND r.to_port)))
    AND ((r.cidr IS NOT NULL AND coalesce(ip_in_cidr(a.initiator, r.cidr), false))
      OR (r.referenced_group_id IS NOT NULL AND list_contains(string_split(a.initiator_groups, ','), r.referenced_group_id)))
  GROUP BY r.rule_key
)
SELECT r.rule_id, r.group_id, g.group_name, r.protocol, r.from_port, r.to_port, coalesce(r.cidr, r.referenced_group_id) AS source,
  r.valid_from, r.valid_to, r.added_by, coalesce(h.used, 0) AS used, coalesce(h.probes, 0) AS probes
FROM r LEFT JOIN hits h USING (rule_key) LEFT JOIN inv_groups g USING (group_id)
ORDER BY r.group_id, r.from_port, source`

// discounted counts what use was not credited, and why.
const discounted = `WITH a AS (` + accepted + `)
SELECT count(*) FILTER (WHERE NOT answered AND NOT link_local) AS probes,
  count(*) FILTER (WHERE link_local) AS link_local
FROM a`

// exposed lists interfaces that admitted conversations from the internet
// on admin ports.
const exposed = `WITH a AS (` + accepted + `)
SELECT interface_id, any_value(instance_id) AS instance_id, any_value(instance_name) AS instance_name, responder AS address,
  protocol, responder_port AS port, count(*) AS conversations, count(*) FILTER (WHERE answered) AS answered,
  count(DISTINCT initiator) AS sources, to_timestamp(min(w)) AS first_seen, to_timestamp(max(w)) AS last_seen,
  any_value(groups) AS groups
FROM a
WHERE from_internet AND protocol IN (6, 17) AND list_contains($3::INTEGER[], responder_port)
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
