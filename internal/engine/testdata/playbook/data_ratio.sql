-- Per-conversation volume for one host on vpcflow: count(*) and sum() as
-- a bytes-per-record ratio, first/last activity through
-- date_format(from_unixtime(...)) with MySQL patterns, ordered by an
-- aggregate's alias. Modelled on the data-ratio lookup in
-- aws-samples/aws-customer-playbook-framework/docs/Analyzing_VPC_Flow_Logs.md.
SELECT
    f.sourceaddress,
    f.destinationaddress,
    count(*)                   AS n_records,
    sum(f.numbytes)            AS bytes_sum,
    sum(f.numbytes) / count(*) AS bytes_per_record,
    date_format(from_unixtime(min(f.starttime)), '%Y/%m/%d %H:%i:%s') AS earliest,
    date_format(from_unixtime(max(f.endtime)), '%Y/%m/%d %H:%i:%s')   AS latest
FROM vpcflow AS f
WHERE f.destinationaddress = '10.10.10.10'
   OR f.sourceaddress = '10.10.10.10'
GROUP BY f.destinationaddress, f.sourceaddress
ORDER BY bytes_sum DESC
