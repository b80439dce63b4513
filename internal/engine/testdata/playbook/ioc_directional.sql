-- Flows touching an indicator, one branch per side joined by UNION ALL and
-- labelled INBOUND / OUTBOUND as the playbook does; membership through
-- IN (SELECT threat_ip FROM incident_iocs), || with CAST(... AS VARCHAR),
-- CAST(from_unixtime(...) AS TIMESTAMP) and date_diff('second', ...).
-- This is only the body of the playbook's directional view (flowtrail runs
-- queries, not DDL); the test supplies incident_iocs in a WITH.
-- Modelled on the directional IOC view in
-- aws-samples/aws-customer-playbook-framework/docs/Analyzing_VPC_Flow_Logs.md.

-- the indicator is the source
SELECT
    o.account,
    o.interfaceid,
    o.sourceaddress || ':' || CAST(o.sourceport AS VARCHAR)           AS src_endpoint,
    o.destinationaddress || ':' || CAST(o.destinationport AS VARCHAR) AS dst_endpoint,
    'OUTBOUND'           AS side,
    o.destinationaddress AS peer_ip,
    o.destinationport    AS peer_port,
    o.protocol,
    o.numpackets,
    o.numbytes,
    o.action,
    o.logstatus,
    CAST(from_unixtime(o.starttime) AS TIMESTAMP) AS began_at,
    CAST(from_unixtime(o.endtime) AS TIMESTAMP)   AS ended_at,
    date_diff('second', from_unixtime(o.starttime), from_unixtime(o.endtime)) AS secs
FROM vpcflow AS o
WHERE o.sourceaddress IN (SELECT threat_ip FROM incident_iocs)

UNION ALL

-- the indicator is the destination
SELECT
    i.account,
    i.interfaceid,
    i.sourceaddress || ':' || CAST(i.sourceport AS VARCHAR),
    i.destinationaddress || ':' || CAST(i.destinationport AS VARCHAR),
    'INBOUND',
    i.sourceaddress,
    i.sourceport,
    i.protocol,
    i.numpackets,
    i.numbytes,
    i.action,
    i.logstatus,
    CAST(from_unixtime(i.starttime) AS TIMESTAMP),
    CAST(from_unixtime(i.endtime) AS TIMESTAMP),
    date_diff('second', from_unixtime(i.starttime), from_unixtime(i.endtime))
FROM vpcflow AS i
WHERE i.destinationaddress IN (SELECT threat_ip FROM incident_iocs)

ORDER BY began_at, ended_at, secs, peer_ip, interfaceid, side
