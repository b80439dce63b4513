-- Accepted traffic to one target inside a three-hour epoch window on
-- flows, per port and protocol: COUNT(DISTINCT), GiB as a decimal
-- division, a rate guarded by NULLIF, and the quoted "end" column.
-- Modelled on the attack-pattern-by-port query in
-- aws-samples/aws-incident-response-playbooks/playbooks/resources/athena-queries-dos.sql.
SELECT
    t.dstport,
    t.protocol,
    COUNT(DISTINCT t.srcaddr) AS sources,
    SUM(t.packets)            AS pkts,
    SUM(t.bytes) / 1073741824.0 AS gib,
    SUM(t.bytes) / NULLIF(MAX(t."end") - MIN(t.start), 0) AS bytes_per_sec
FROM flows t
WHERE t.action = 'ACCEPT'
  AND t.dstaddr = '10.0.1.100'
  AND t."end" <= 1716915600
  AND t.start >= 1716904800
GROUP BY t.protocol, t.dstport
ORDER BY pkts DESC;
