-- Earliest and latest sighting of each source on vpcflow, restricted by
-- the playbook's partition columns (date_partition range,
-- account_partition, region_partition IN a list with a repeat), with
-- unaliased array_agg(DISTINCT(...)) columns.
-- Modelled on the first/last-seen summary in
-- aws-samples/aws-incident-response-playbooks-workshop/cdk/analytics/vpcflow/vpcflow_demo_queries.sql.
SELECT
    r.sourceaddress,
    min(r.starttime) AS seen_from,
    max(r.endtime)   AS seen_until,
    array_agg(DISTINCT(r.destinationaddress)),
    array_agg(DISTINCT(r.instanceid)),
    array_agg(DISTINCT(r.destinationport))
FROM vpcflow r
WHERE r.account_partition = '111122223333'
  AND r.region_partition IN ('us-west-2', 'us-east-2', 'us-west-2', 'us-east-1')
  AND r.date_partition <= '2020/07/31'
  AND r.date_partition >= '2020/07/01'
  -- service ports only: replies to ephemeral ports are left out
  AND r.destinationport < 32768
GROUP BY r.sourceaddress
ORDER BY seen_from
