-- Packets to port 443 per destination on vpcflow, largest first:
-- SUM grouped and ordered by its alias, LIMIT.
-- Modelled on the top-HTTPS-receivers example in
-- awsdocs/amazon-athena-user-guide/doc_source/vpc-flow-logs.md.
SELECT sum(h.numpackets) AS pkts_in, h.destinationaddress
FROM vpcflow h
WHERE h.destinationport = 443
GROUP BY h.destinationaddress
ORDER BY pkts_in DESC
LIMIT 10;
