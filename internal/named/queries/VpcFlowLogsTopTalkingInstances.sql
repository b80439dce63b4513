-- name: VpcFlowLogsTopTalkingInstances
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The IDs of the 50 instances with the most traffic recorded: bytes by instance_id, in either direction at the instance's interfaces, largest first.
--   Sums bytes over the records logged at the instance's interfaces, both
--   directions: each byte counts once for the instance, but traffic between two
--   monitored instances counts for both.
-- param: limit int 50 how many rows to show
SELECT instance_id, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND instance_id IS NOT NULL AND bytes IS NOT NULL
GROUP BY instance_id
ORDER BY total_bytes DESC, instance_id
LIMIT $limit
