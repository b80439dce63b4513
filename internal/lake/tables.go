package lake

// Table names: one directory each at the lake's root.
const (
	TableFlows      = "flows"
	TableTGWFlows   = "tgw_flows"
	TableCloudTrail = "cloudtrail"
	TableSnapshots  = "snapshots" // items of `aws ec2 describe-*` outputs
)

const quarantineDir = "quarantine"

// Tables lists every table directory the lake may hold.
func Tables() []string {
	return []string{TableFlows, TableTGWFlows, TableCloudTrail, TableSnapshots, TableFlowsRollup}
}
