-- name: VpcFlowLogsAdminPortTraffic
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The top 10 IP addresses with the most traffic, as recorded by
--   applications serving requests on administrative ports. flowtrail reads
--   administrative ports as the privileged ports below 1024: an address's total is
--   the bytes of records sent to it on such a port plus those it sent from one.
--   Sums bytes over records: traffic between two monitored interfaces is logged
--   at both ends and counts twice (the conversations view counts it once).
-- param: limit int 10 how many addresses to show
WITH served AS (
  SELECT dstaddr AS ip, bytes FROM flows
  WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
    AND dstport < 1024
  UNION ALL
  SELECT srcaddr AS ip, bytes FROM flows
  WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
    AND srcport < 1024
)
SELECT ip, sum(bytes)::BIGINT AS total_bytes, count(*) AS records
FROM served
WHERE ip IS NOT NULL AND bytes IS NOT NULL
GROUP BY ip
ORDER BY total_bytes DESC, ip
LIMIT $limit
