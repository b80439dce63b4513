-- Both directions of one host pair on vpcflow, times through
-- from_unixtime, flow_direction shown, ordered by a column not selected.
-- Modelled on the records-between-two-addresses query in
-- aws-samples/aws-incident-response-playbooks-workshop/cdk/analytics/vpcflow/vpcflow_demo_queries.sql.
SELECT
    from_unixtime(p.starttime) AS began,
    from_unixtime(p.endtime)   AS ended,
    p.interfaceid, p.sourceaddress, p.destinationaddress,
    p.sourceport, p.destinationport,
    p.numpackets, p.numbytes,
    p.flow_direction, p.action
FROM vpcflow AS p
WHERE (p.destinationaddress = '192.0.2.1' AND p.sourceaddress = '192.0.2.254')
   OR (p.destinationaddress = '192.0.2.254' AND p.sourceaddress = '192.0.2.1')
ORDER BY p.starttime
