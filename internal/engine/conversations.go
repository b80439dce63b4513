package engine

// conversationsView reconstructs conversations from flow records. A
// conversation between two monitored interfaces is logged up to four
// times: both directions, at both ends. The view keys records on the
// unordered endpoint pair and protocol within a window, takes each
// direction's volume from the one interface that saw the most of it (the
// ends report the same packets; summing them would double count), and
// names the initiator:
//
//   - from tcp-flags where present: AWS logs SYN (2) on the initiator's
//     direction and SYN-ACK (18) on the responder's; flags are OR-ed over
//     the window, so 3 and 19 (with FIN) count too — confidence high;
//   - else from ports: a port below 1024, or a registered port facing an
//     ephemeral one (≥ 32768, the Linux, Windows and NAT ranges), is the
//     service side — confidence medium; else the lower port — low.
//
// NODATA and SKIPDATA records carry no endpoints and are left out.
const conversationsView = `CREATE VIEW conversations AS
WITH r AS (
  SELECT srcaddr, dstaddr, coalesce(srcport, 0) AS srcport, coalesce(dstport, 0) AS dstport, protocol,
         packets, bytes, start, "end", action, interface_id, tcp_flags,
         (srcaddr, coalesce(srcport, 0)) <= (dstaddr, coalesce(dstport, 0)) AS fwd,
         start - start % ` + windowSQL + ` AS w
  FROM flows
  WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND log_status IS DISTINCT FROM 'NODATA' AND log_status IS DISTINCT FROM 'SKIPDATA'
), k AS (
  SELECT CASE WHEN fwd THEN srcaddr ELSE dstaddr END AS a, CASE WHEN fwd THEN srcport ELSE dstport END AS a_port,
         CASE WHEN fwd THEN dstaddr ELSE srcaddr END AS b, CASE WHEN fwd THEN dstport ELSE srcport END AS b_port,
         protocol, w, fwd, packets, bytes, start, "end", action, interface_id,
         CASE WHEN protocol = 6 AND tcp_flags & 18 = 18 THEN 'responder'
              WHEN protocol = 6 AND tcp_flags & 2 = 2 THEN 'initiator' END AS flag_role
  FROM r
), per_if AS (
  SELECT a, a_port, b, b_port, protocol, w, interface_id,
         sum(bytes) FILTER (WHERE fwd)::BIGINT AS ab_bytes, sum(packets) FILTER (WHERE fwd)::BIGINT AS ab_packets,
         sum(bytes) FILTER (WHERE NOT fwd)::BIGINT AS ba_bytes, sum(packets) FILTER (WHERE NOT fwd)::BIGINT AS ba_packets,
         count(*) AS records, min(start) AS first_start, max("end") AS last_end,
         bool_or(action = 'ACCEPT') AS any_accept, bool_or(action = 'REJECT') AS any_reject,
         bool_or((flag_role = 'initiator' AND fwd) OR (flag_role = 'responder' AND NOT fwd)) AS a_initiates,
         bool_or((flag_role = 'initiator' AND NOT fwd) OR (flag_role = 'responder' AND fwd)) AS b_initiates
  FROM k GROUP BY ALL
), conv AS (
  SELECT a, a_port, b, b_port, protocol, w,
         coalesce(max(ab_bytes), 0) AS ab_bytes, coalesce(max(ab_packets), 0) AS ab_packets,
         coalesce(max(ba_bytes), 0) AS ba_bytes, coalesce(max(ba_packets), 0) AS ba_packets,
         sum(records)::BIGINT AS records, list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interfaces,
         min(first_start) AS first_start, max(last_end) AS last_end,
         bool_or(any_accept) AS any_accept, bool_or(any_reject) AS any_reject,
         bool_or(a_initiates) AS a_initiates, bool_or(b_initiates) AS b_initiates
  FROM per_if GROUP BY ALL
), decided AS (
  SELECT *,
    CASE WHEN a_initiates AND NOT b_initiates THEN true
         WHEN b_initiates AND NOT a_initiates THEN false
         WHEN b_port < 1024 AND a_port >= 1024 THEN true
         WHEN a_port < 1024 AND b_port >= 1024 THEN false
         WHEN a_port >= 32768 AND b_port < 32768 THEN true
         WHEN b_port >= 32768 AND a_port < 32768 THEN false
         ELSE a_port >= b_port END AS a_is_initiator,
    CASE WHEN a_initiates <> b_initiates THEN 'tcp-flags' ELSE 'ports' END AS initiator_basis,
    CASE WHEN a_initiates <> b_initiates THEN 'high'
         WHEN (least(a_port, b_port) < 1024 AND greatest(a_port, b_port) >= 1024)
           OR (least(a_port, b_port) < 32768 AND greatest(a_port, b_port) >= 32768) THEN 'medium'
         ELSE 'low' END AS confidence
  FROM conv
)
SELECT to_timestamp(w) AS window_start,
  CASE WHEN a_is_initiator THEN a ELSE b END AS initiator,
  CASE WHEN a_is_initiator THEN a_port ELSE b_port END AS initiator_port,
  CASE WHEN a_is_initiator THEN b ELSE a END AS responder,
  CASE WHEN a_is_initiator THEN b_port ELSE a_port END AS responder_port,
  protocol, initiator_basis, confidence,
  CASE WHEN a_is_initiator THEN ab_packets ELSE ba_packets END AS packets_out,
  CASE WHEN a_is_initiator THEN ab_bytes ELSE ba_bytes END AS bytes_out,
  CASE WHEN a_is_initiator THEN ba_packets ELSE ab_packets END AS packets_back,
  CASE WHEN a_is_initiator THEN ba_bytes ELSE ab_bytes END AS bytes_back,
  records, interfaces,
  CASE WHEN any_accept AND any_reject THEN 'MIXED' WHEN any_reject THEN 'REJECT' ELSE 'ACCEPT' END AS action,
  to_timestamp(first_start) AS first_seen, to_timestamp(last_end) AS last_seen
FROM decided`

// windowSQL is the width, in seconds, of the windows the conversations
// view groups records into. AWS aggregates flows over at most 10 minutes,
// so records of one flow seen at two interfaces fall in the same window
// even when their start times differ by seconds.
const windowSQL = "600"
