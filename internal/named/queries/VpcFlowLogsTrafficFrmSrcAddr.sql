-- name: VpcFlowLogsTrafficFrmSrcAddr
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The traffic recorded for a specific source IP address (param srcaddr).
--   Lists records, earliest first: one per interface and aggregation interval, so
--   a conversation between two monitored interfaces appears up to four times
--   (both directions, logged at both ends).
-- param: srcaddr addr required the source address
SELECT to_timestamp(start) AS start_time, to_timestamp("end") AS end_time, interface_id, srcaddr, srcport, dstaddr, dstport, protocol,
  packets, bytes, action, log_status, source_id, source_line
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND list_contains($srcaddr::VARCHAR[], srcaddr)
ORDER BY start, interface_id, source_id, source_line
