-- name: VpcFlowLogsIPv4Traffic
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The total bytes of IPv4 traffic recorded. The type field decides
--   (IPv4); where the log format lacks it, an address with a dot and no colon does.
--   Sums bytes over records: traffic between two monitored interfaces is logged
--   at both ends and counts twice (the conversations view counts it once).
SELECT coalesce(sum(bytes), 0)::BIGINT AS total_bytes, coalesce(sum(packets), 0)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND coalesce(type, CASE WHEN contains(srcaddr, ':') THEN 'IPv6' WHEN contains(srcaddr, '.') THEN 'IPv4' END) = 'IPv4'
  AND bytes IS NOT NULL
