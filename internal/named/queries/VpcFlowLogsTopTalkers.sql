-- name: VpcFlowLogsTopTalkers
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The 50 IP addresses with the most traffic recorded: bytes by srcaddr, largest first.
--   Sums bytes over records: traffic between two monitored interfaces is logged
--   at both ends and counts twice (the conversations view counts it once).
-- param: limit int 50 how many rows to show
SELECT srcaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND srcaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY srcaddr
ORDER BY total_bytes DESC, srcaddr
LIMIT $limit
