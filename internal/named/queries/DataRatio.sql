-- name: DataRatio
-- source: AWS incident-response playbook "Analyzing VPC Flow Logs" (aws-samples/aws-customer-playbook-framework)
-- description: Bytes each way per source/destination pair: records, bytes from
--   srcaddr to dstaddr, bytes back, bytes per record (data_ratio), first and last
--   seen, and how many interfaces logged the pair. Param addr keeps the pairs with
--   that address at either end.
--   Counts records and sums bytes over them: traffic between two monitored
--   interfaces is logged at both ends and counts twice (interfaces = 2 shows it;
--   the conversations view counts it once).
--   Reads the hourly rollup (flows_rollup), which sums the same records.
-- param: addr addr optional keep only pairs with this address at either end
WITH pairs AS (
  SELECT srcaddr, dstaddr, sum(records)::BIGINT AS records, sum(bytes)::BIGINT AS total_bytes,
    min(first_start) AS first, max(last_end) AS last, count(DISTINCT interface_id) AS interfaces
  FROM flows_rollup($since::BIGINT, $until::BIGINT)
  WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
    AND ($addr::VARCHAR[] IS NULL OR list_contains($addr::VARCHAR[], srcaddr) OR list_contains($addr::VARCHAR[], dstaddr))
  GROUP BY srcaddr, dstaddr
)
SELECT p.srcaddr, p.dstaddr, p.records, p.total_bytes, coalesce(r.total_bytes, 0) AS reverse_bytes,
  p.total_bytes // p.records AS data_ratio, to_timestamp(p.first) AS first_seen, to_timestamp(p.last) AS last_seen, p.interfaces
FROM pairs p LEFT JOIN pairs r ON r.srcaddr = p.dstaddr AND r.dstaddr = p.srcaddr
ORDER BY p.total_bytes DESC, p.srcaddr, p.dstaddr
