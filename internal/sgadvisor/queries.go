package sgadvisor

// The advisor's one query. Parameters: $1 and $2 bound the period in
// Unix seconds (NULL when open), $3 is the subject's kind and $4 its ID
// (see Subject).
//
// A security group is evaluated at the interface, so the evidence is
// what the subject's own interfaces logged, with the addresses as the
// interface saw them: records at a NAT gateway or a transit-gateway
// attachment show rewritten addresses and say nothing of the group.
//
// A conversation is one 5-tuple at one interface over the whole period
// (not per window), so that the SYN of its first window decides the
// initiator of the hours that follow.
//
// The service side of each conversation:
//   - tcp-flags, where the log has them: SYN without ACK leaves the
//     initiator, SYN-ACK the responder (flags are OR-ed over a window) —
//     confidence high;
//   - else ports: a service port stays fixed across many peers and
//     connections, so each endpoint's fan-in (distinct peer address and
//     port pairs, over every record of the period) is compared, together
//     with the port's class (well-known < 1024, registered below the
//     Linux ephemeral range 32768, the Linux range, the Windows range
//     49152–65535; NAT gateways use 1024–65535, which is why a port in
//     the registered range proves nothing alone) — medium when the fixed
//     port served several connections or a well-known or registered port
//     faced an ephemeral one, else low; low too when the port chosen is
//     in the ephemeral ranges and the other is well-known or registered
//     (fan-in chose it against the classes: a scanner that keeps one
//     source port while it probes many services looks like a server);
//   - a TCP conversation only one side sent in was begun by that side
//     (a probe nobody answered), whatever its ports;
//   - port-less protocols (ICMP…) are left 'unknown' for Go to decide
//     from the peers (decide.go), with each end's count of peers on the
//     protocol: private peers only when the peer is private, so that
//     monitoring from the internet does not make a host look like a
//     pinger of its neighbours.
//
// Speed: is_private parses text with regular expressions, so fan-in
// evaluates it only on the distinct port-less peers, and counts distinct
// peers as distinct (peer, port) rows rather than concatenated text; the
// peer's owner is looked up by two hash joins (addresses one VPC ever
// held, then the others within the VPC) because an OR in the join
// condition made DuckDB compare every conversation with every address.
const observations = `WITH s AS (
  SELECT interface_id, match_from, match_to, vpc_id,
    CASE WHEN $3 = 'all' THEN instance_name ELSE $4 END AS subject,
    list_concat(coalesce(string_split(private_ips, ','), []), coalesce(string_split(ipv6_addresses, ','), [])) AS addrs
  FROM inv_interfaces
  WHERE CASE $3 WHEN 'workload' THEN instance_name = $4 WHEN 'eni' THEN interface_id = $4
    WHEN 'instance' THEN instance_id = $4 WHEN 'group' THEN list_contains(string_split(security_group_ids, ','), $4)
    ELSE instance_name IS NOT NULL END
), f AS (
  SELECT srcaddr, dstaddr, coalesce(srcport, 0) AS srcport, coalesce(dstport, 0) AS dstport, protocol, packets, bytes, start, "end",
    action, tcp_flags, interface_id, flow_direction
  FROM flows
  WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND protocol IS NOT NULL
    AND ($1::BIGINT IS NULL OR "end" >= $1) AND ($2::BIGINT IS NULL OR start < $2)
), r AS (
  SELECT s.subject, s.vpc_id, f.*,
    CASE WHEN list_contains(s.addrs, f.srcaddr) THEN true WHEN list_contains(s.addrs, f.dstaddr) THEN false
         WHEN f.flow_direction = 'egress' THEN true WHEN f.flow_direction = 'ingress' THEN false END AS out
  FROM f JOIN s ON f.interface_id = s.interface_id AND f.start >= s.match_from AND f.start < s.match_to
), c AS (
  SELECT subject, vpc_id, interface_id, protocol,
    CASE WHEN out THEN srcaddr ELSE dstaddr END AS local_addr, CASE WHEN out THEN srcport ELSE dstport END AS local_port,
    CASE WHEN out THEN dstaddr ELSE srcaddr END AS remote_addr, CASE WHEN out THEN dstport ELSE srcport END AS remote_port,
    coalesce(sum(packets) FILTER (WHERE out), 0) AS out_packets, coalesce(sum(packets) FILTER (WHERE NOT out), 0) AS in_packets,
    coalesce(sum(bytes), 0)::BIGINT AS bytes, count(*) AS records, min(start) AS first, max("end") AS last,
    coalesce(bool_or(out AND action = 'ACCEPT'), false) AS out_ok, coalesce(bool_or(NOT out AND action = 'ACCEPT'), false) AS in_ok,
    coalesce(bool_or(protocol = 6 AND ((out AND tcp_flags & 18 = 2) OR (NOT out AND tcp_flags & 18 = 18))), false) AS local_starts,
    coalesce(bool_or(protocol = 6 AND ((NOT out AND tcp_flags & 18 = 2) OR (out AND tcp_flags & 18 = 18))), false) AS remote_starts
  FROM r WHERE out IS NOT NULL
  GROUP BY ALL
), need AS (
  SELECT local_addr AS addr, local_port AS port, protocol FROM c WHERE local_starts = remote_starts
  UNION
  SELECT remote_addr, remote_port, protocol FROM c WHERE local_starts = remote_starts
), e AS (
  SELECT srcaddr AS addr, srcport AS port, protocol, dstaddr AS peer, dstport AS peer_port FROM f
  UNION ALL
  SELECT dstaddr, dstport, protocol, srcaddr, srcport FROM f
), fan AS (
  SELECT addr, port, protocol, count(*) AS n,
    count(*) FILTER (WHERE CASE WHEN protocol NOT IN (6, 17) THEN coalesce(is_private(peer), false) ELSE false END) AS n_private
  FROM (
    SELECT DISTINCT addr, port, protocol, peer, CASE WHEN protocol IN (6, 17) THEN peer_port ELSE 0 END AS peer_port
    FROM e SEMI JOIN need USING (addr, port, protocol))
  GROUP BY ALL
), k AS (
  SELECT c.*, coalesce(lf.n, 1) AS lfan, coalesce(rf.n, 1) AS rfan, coalesce(lf.n_private, 0) AS lpriv, coalesce(rf.n_private, 0) AS rpriv,
    CASE WHEN local_port < 1024 THEN 3 WHEN local_port < 32768 THEN 2 WHEN local_port < 49152 THEN 1 ELSE 0 END AS lcls,
    CASE WHEN remote_port < 1024 THEN 3 WHEN remote_port < 32768 THEN 2 WHEN remote_port < 49152 THEN 1 ELSE 0 END AS rcls
  FROM c
  LEFT JOIN fan lf ON lf.addr = c.local_addr AND lf.port = c.local_port AND lf.protocol = c.protocol
  LEFT JOIN fan rf ON rf.addr = c.remote_addr AND rf.port = c.remote_port AND rf.protocol = c.protocol
), d AS (
  SELECT *,
    CASE WHEN local_starts <> remote_starts THEN CASE WHEN remote_starts THEN 'local' ELSE 'remote' END
         WHEN protocol NOT IN (6, 17) THEN 'unknown'
         WHEN protocol = 6 AND out_packets = 0 AND in_packets > 0 THEN 'local'
         WHEN protocol = 6 AND in_packets = 0 AND out_packets > 0 THEN 'remote'
         WHEN lcls > rcls AND lfan >= rfan THEN 'local'
         WHEN rcls > lcls AND rfan >= lfan THEN 'remote'
         WHEN lfan <> rfan AND greatest(lfan, rfan) >= 2 THEN CASE WHEN lfan > rfan THEN 'local' ELSE 'remote' END
         WHEN lcls <> rcls THEN CASE WHEN lcls > rcls THEN 'local' ELSE 'remote' END
         WHEN local_port <= remote_port THEN 'local' ELSE 'remote' END AS side
  FROM k
), x AS (
  SELECT *,
    CASE side WHEN 'local' THEN local_port WHEN 'remote' THEN remote_port ELSE 0 END AS port,
    CASE side WHEN 'local' THEN lfan WHEN 'remote' THEN rfan ELSE 0 END AS sfan,
    CASE side WHEN 'local' THEN rfan WHEN 'remote' THEN lfan ELSE 0 END AS ofan,
    CASE side WHEN 'local' THEN lcls WHEN 'remote' THEN rcls ELSE 0 END AS scls,
    CASE side WHEN 'local' THEN rcls WHEN 'remote' THEN lcls ELSE 0 END AS ocls
  FROM d
), y AS (
  SELECT *,
    CASE WHEN local_starts <> remote_starts THEN 'tcp-flags' WHEN side = 'unknown' THEN 'peers' ELSE 'ports' END AS basis,
    CASE WHEN local_starts <> remote_starts THEN 'high'
         WHEN side = 'unknown' THEN 'low'
         WHEN scls <= 1 AND ocls >= 2 THEN 'low'
         WHEN (sfan >= 3 AND sfan >= 2 * ofan) OR (scls >= 2 AND ocls <= 1 AND sfan >= ofan) THEN 'medium'
         ELSE 'low' END AS confidence,
    CASE WHEN side = 'local' AND NOT in_ok THEN 'rejected'
         WHEN side = 'remote' AND NOT out_ok THEN 'rejected'
         WHEN side = 'unknown' AND NOT (in_ok OR out_ok) THEN 'rejected'
         WHEN protocol = 6 AND side = 'local' AND out_packets = 0 THEN 'unanswered'
         WHEN protocol = 6 AND side = 'remote' AND in_packets = 0 THEN 'unanswered'
         ELSE 'ok' END AS status
  FROM x
), z AS (
  SELECT y.*, coalesce(u.instance_name, v.instance_name) AS remote_name, coalesce(u.security_group_ids, v.security_group_ids) AS remote_groups,
    coalesce(u.vpc_id, v.vpc_id) AS remote_vpc
  FROM y
  LEFT JOIN (SELECT * FROM inv_addresses WHERE unique_vpc) u ON u.ip = y.remote_addr AND y.first >= u.match_from AND y.first < u.match_to
  LEFT JOIN (SELECT * FROM inv_addresses WHERE NOT unique_vpc) v ON v.ip = y.remote_addr AND v.vpc_id = y.vpc_id
    AND y.first >= v.match_from AND y.first < v.match_to
)
SELECT subject, vpc_id, local_addr, side, protocol, port, remote_addr, remote_name, remote_groups, remote_vpc, status, basis, confidence,
  count(*) AS conversations, sum(records)::BIGINT AS records, sum(bytes)::BIGINT AS bytes,
  to_timestamp(min(first)) AS first_seen, to_timestamp(max(last)) AS last_seen,
  max(sfan) AS service_fan,
  max(CASE WHEN side <> 'unknown' THEN NULL WHEN coalesce(is_private(remote_addr), false) THEN lpriv ELSE lfan END) AS local_fan,
  max(CASE WHEN side <> 'unknown' THEN NULL WHEN coalesce(is_private(remote_addr), false) THEN rpriv ELSE rfan END) AS remote_fan
FROM (
  SELECT * REPLACE (
    CASE WHEN status = 'rejected' THEN NULL ELSE local_addr END AS local_addr,
    CASE WHEN status = 'rejected' THEN NULL ELSE remote_addr END AS remote_addr,
    CASE WHEN status = 'rejected' THEN NULL ELSE remote_name END AS remote_name,
    CASE WHEN status = 'rejected' THEN NULL ELSE remote_groups END AS remote_groups,
    CASE WHEN status = 'rejected' THEN NULL ELSE remote_vpc END AS remote_vpc,
    CASE WHEN status = 'rejected' THEN 0 ELSE port END AS port,
    CASE WHEN status = 'rejected' THEN 'rejected' ELSE side END AS side)
  FROM z
)
GROUP BY subject, vpc_id, local_addr, side, protocol, port, remote_addr, remote_name, remote_groups, remote_vpc, status, basis, confidence
ORDER BY subject, side, protocol, port, remote_addr, local_addr, status, basis, confidence`
