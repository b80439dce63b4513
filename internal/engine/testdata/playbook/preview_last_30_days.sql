-- Every column of vpcflow for recent partitions only: the cut-off is
-- date_format(date_add('day', -30, current_timestamp), '%Y/%m/%d')
-- compared with date_partition.
-- Modelled on the 30-day preview query in
-- aws-samples/aws-incident-response-playbooks-workshop/cdk/analytics/vpcflow/vpcflow_demo_queries.sql.
SELECT v.*
FROM vpcflow v
WHERE date_format(date_add('day', -30, current_timestamp), '%Y/%m/%d') <= v.date_partition
LIMIT 10;
