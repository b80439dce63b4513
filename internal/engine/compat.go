package engine

// vpcflowView is the flows view under the names and types of the Athena
// table `vpcflow` that AWS's incident-response playbook creates
// (aws-samples/aws-customer-playbook-framework, docs/Analyzing_VPC_Flow_Logs.md,
// "Create the VPC Flow Logs table as a DDL"), so the playbook's queries,
// and the AWS examples written for the same column names, run unchanged.
//
// Columns are in that DDL's order, with its types: Athena's int is
// INTEGER, smallint SMALLINT, bigint BIGINT, string VARCHAR. Values that
// overflow their type (packets past 2^31, start and end past 2038) are
// NULL, as Athena's text SerDe reads them. The DDL names the v5 fields
// with hyphens (pkt-src-aws-service …), which Athena reads only quoted;
// AWS's own IR workshop table (aws-samples/aws-incident-response-playbooks-workshop)
// and its queries use pkt_src_aws_service, flow_direction, …: those come
// first, the hyphenated names and the run-together ones some guides use
// (pktsrcawsservice, flowdirection, …) follow at the end.
//
// Partition columns: the playbook's date_partition ('YYYY/MM/DD'),
// region_partition and account_partition, and dt ('YYYY-MM-DD') of the
// table in the Athena user guide's VPC flow log examples. They come from
// the lake's partitions.
const vpcflowView = `CREATE VIEW vpcflow AS SELECT
  CAST(version AS INTEGER) AS version,
  account_id AS account,
  interface_id AS interfaceid,
  srcaddr AS sourceaddress,
  dstaddr AS destinationaddress,
  CAST(srcport AS INTEGER) AS sourceport,
  CAST(dstport AS INTEGER) AS destinationport,
  CAST(protocol AS INTEGER) AS protocol,
  TRY_CAST(packets AS INTEGER) AS numpackets,
  CAST(bytes AS BIGINT) AS numbytes,
  TRY_CAST(start AS INTEGER) AS starttime,
  TRY_CAST("end" AS INTEGER) AS endtime,
  action,
  log_status AS logstatus,
  vpc_id AS vpcid,
  type,
  TRY_CAST(tcp_flags AS SMALLINT) AS tcpflags,
  subnet_id AS subnetid,
  sublocation_type AS sublocationtype,
  sublocation_id AS sublocationid,
  region,
  pkt_srcaddr AS pktsrcaddr,
  pkt_dstaddr AS pktdstaddr,
  instance_id AS instanceid,
  az_id AS azid,
  pkt_src_aws_service,
  pkt_dst_aws_service,
  flow_direction,
  CAST(traffic_path AS INTEGER) AS traffic_path,
  printf('%04d/%02d/%02d', year, month, day) AS date_partition,
  aws_region AS region_partition,
  aws_account_id AS account_partition,
  printf('%04d-%02d-%02d', year, month, day) AS dt,
  pkt_src_aws_service AS "pkt-src-aws-service",
  pkt_dst_aws_service AS "pkt-dst-aws-service",
  flow_direction AS "flow-direction",
  CAST(traffic_path AS INTEGER) AS "traffic-path",
  pkt_src_aws_service AS pktsrcawsservice,
  pkt_dst_aws_service AS pktdstawsservice,
  flow_direction AS flowdirection,
  CAST(traffic_path AS INTEGER) AS trafficpath
FROM flows`

// withCompat wraps the view statements: the Presto macros before them,
// the compatibility views after.
func withCompat(views []string) []string {
	out := macroStatements()
	out = append(out, views...)
	return append(out, vpcflowView)
}
