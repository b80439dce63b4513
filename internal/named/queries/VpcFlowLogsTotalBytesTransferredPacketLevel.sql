-- name: VpcFlowLogsTotalBytesTransferredPacketLevel
-- source: AWS Athena integration for VPC flow logs (predefined query)
-- description: The 50 pairs of packet-level source and destination IP addresses (pkt_srcaddr, pkt_dstaddr) with the most bytes recorded, largest first.
--   Sums bytes over records: traffic between two monitored interfaces is logged
--   at both ends and counts twice (the conversations view counts it once).
-- param: limit int 50 how many rows to show
SELECT pkt_srcaddr, pkt_dstaddr, sum(bytes)::BIGINT AS total_bytes, sum(packets)::BIGINT AS total_packets, count(*) AS records
FROM flows
WHERE ($since::BIGINT IS NULL OR start >= $since::BIGINT) AND ($until::BIGINT IS NULL OR start < $until::BIGINT)
  AND pkt_srcaddr IS NOT NULL AND pkt_dstaddr IS NOT NULL AND bytes IS NOT NULL
GROUP BY pkt_srcaddr, pkt_dstaddr
ORDER BY total_bytes DESC, pkt_srcaddr, pkt_dstaddr
LIMIT $limit
