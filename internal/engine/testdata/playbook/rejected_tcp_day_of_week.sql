-- Rejected TCP records on vpcflow with the weekday of their dt partition,
-- through day_of_week(from_iso8601_timestamp(dt)).
-- Modelled on the rejected-TCP-by-weekday example in
-- awsdocs/amazon-athena-user-guide/doc_source/vpc-flow-logs.md.
SELECT
    day_of_week(from_iso8601_timestamp(d.dt)) AS weekday,
    d.dt, d.interfaceid, d.sourceaddress, d.action, d.protocol
FROM vpcflow AS d
WHERE d.protocol = 6
  AND d.action = 'REJECT'
LIMIT 100;
