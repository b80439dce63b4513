-- Heavy senders during a one-hour epoch window on flows: SUM and COUNT
-- per source/target/port/protocol, HAVING on an aggregate, LIMIT.
-- Modelled on the volumetric-sources query in
-- aws-samples/aws-incident-response-playbooks/playbooks/resources/athena-queries-dos.sql.
SELECT
    x.srcaddr,
    x.dstaddr,
    x.dstport,
    x.protocol,
    SUM(x.packets) AS pkts,
    SUM(x.bytes)   AS octets,
    COUNT(*)       AS n
FROM flows AS x
WHERE x.action = 'ACCEPT'
  AND x.start >= 1716904800   -- 2024-05-28 14:00 UTC
  AND x."end" <= 1716908400   -- one hour later
GROUP BY x.protocol, x.dstport, x.dstaddr, x.srcaddr
HAVING SUM(x.packets) > 100000
ORDER BY pkts DESC
LIMIT 50;
