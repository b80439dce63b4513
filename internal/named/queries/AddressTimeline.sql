-- name: AddressTimeline
-- source: AWS incident-response playbook "Analyzing VPC Flow Logs" (aws-samples/aws-customer-playbook-framework)
-- description: All traffic of one address (param addr) in time order: records where
--   it is the source or destination, or the packet-level source or destination
--   behind a NAT gateway; direction is out when it sent.
--   Lists records: one per interface and aggregation interval, so a conversation
--   between two monitored interfaces appears up to four times (both directions,
--   logged at both ends).
-- param: addr addr required the address to follow
SELECT to_timestamp(start) AS start_time, to_timestamp("end") AS end_time,
  CASE WHEN list_contains($addr::VARCHAR[], srcaddr) OR list_contains($addr::VARCHAR[], pkt_srcaddr) THEN 'out' ELSE 'in' END AS direction,
  interface_id, srcaddr, srcport, dstaddr, dstport, protocol, packets, bytes, action, log_status,
  pkt_srcaddr, pkt_dstaddr, source_id, source_line
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND (list_contains($addr::VARCHAR[], srcaddr) OR list_contains($addr::VARCHAR[], dstaddr)
    OR list_contains($addr::VARCHAR[], pkt_srcaddr) OR list_contains($addr::VARCHAR[], pkt_dstaddr))
ORDER BY start, "end", interface_id, source_id, source_line
