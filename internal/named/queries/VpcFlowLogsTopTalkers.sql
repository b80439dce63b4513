-- name: VpcFlowLogsTopTalkers
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The 50 IP addresses with the most traffic recorded: bytes by srcaddr, largest first.
--   Sums bytes over records: traffic between two monitored interfaces is logged
--   at both ends and counts twice (the conversations view counts it once).
--   Reads the hourly rollup (flows_rollup), which sums the same records.
-- param: limit int 50 how many rows to show
SELECT srcaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, sum(records)::BIGINT AS records
FROM flows_rollup($since::BIGINT, $until::BIGINT)
WHERE srcaddr IS NOT NULL
GROUP BY srcaddr
ORDER BY total_bytes DESC, srcaddr
LIMIT $limit
