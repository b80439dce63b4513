-- name: VpcFlowLogsTopTalkingSubnets
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The IDs of the 50 subnets with the most traffic recorded: bytes by subnet_id, in either direction at the subnet's interfaces, largest first.
--   Sums bytes over the records logged at the subnet's interfaces, both
--   directions: traffic between two monitored interfaces of the same subnet is
--   logged at both ends and counts twice (the conversations view counts it once).
-- param: limit int 50 how many rows to show
SELECT subnet_id, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND subnet_id IS NOT NULL AND bytes IS NOT NULL
GROUP BY subnet_id
ORDER BY total_bytes DESC, subnet_id
LIMIT $limit
