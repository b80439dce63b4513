-- name: RejectedTCPBySource
-- source: AWS incident-response playbook "Analyzing VPC Flow Logs" (aws-samples/aws-customer-playbook-framework)
-- description: Source addresses with the most rejected TCP records (protocol 6,
--   action REJECT), with how many destinations and ports they tried and when.
--   Counts records, not connection attempts: retries within one aggregation
--   interval are one record, and a rejection logged at two monitored interfaces
--   is two.
-- param: dstport port optional only rejections to this destination port
-- param: limit int 25 how many sources to show
SELECT srcaddr, count(*) AS records, coalesce(sum(packets), 0)::BIGINT AS packets,
  count(DISTINCT dstaddr) AS dstaddrs, count(DISTINCT dstport) AS dstports,
  to_timestamp(min(start)) AS first_seen, to_timestamp(max("end")) AS last_seen
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND protocol = 6 AND action = 'REJECT' AND srcaddr IS NOT NULL
  AND ($dstport::INTEGER IS NULL OR dstport = $dstport::INTEGER)
GROUP BY srcaddr
ORDER BY records DESC, srcaddr
LIMIT $limit
