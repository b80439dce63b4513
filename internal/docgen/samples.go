package docgen

import (
	"fmt"
	"strings"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// Samples are the source files of the lake the schema page is generated
// from (name → content): a VPC flow log and a Transit Gateway flow log
// whose headers name every catalogue field, so their files carry every
// column; a CloudTrail file; a describe-security-groups output; and one
// malformed line for the quarantine.
func Samples() map[string]string {
	return map[string]string{
		"vpc.log":         flowSample(flowlog.VPC) + "this line is not a flow record\n",
		"tgw.log":         flowSample(flowlog.TGW),
		"cloudtrail.json": sampleTrail,
		"sg.json":         sampleGroups,
	}
}

// flowSample is a header naming every field of table t and one record.
func flowSample(t flowlog.Table) string {
	var names, values []string
	for _, id := range flowlog.Columns(t) {
		f := flowlog.Catalogue[id]
		names = append(names, f.Name)
		values = append(values, sampleValue(f))
	}
	return strings.Join(names, " ") + "\n" + strings.Join(values, " ") + "\n"
}

var sampleValues = map[string]string{
	"version": "10", "account-id": "111122223333", "srcaddr": "10.0.1.5", "dstaddr": "198.51.100.7",
	"pkt-srcaddr": "10.0.1.5", "pkt-dstaddr": "198.51.100.7", "srcport": "49152", "dstport": "443",
	"protocol": "6", "start": "1793491690", "end": "1793491750", "action": "ACCEPT", "log-status": "OK",
	"tcp-flags": "19", "type": "IPv4", "region": "eu-west-1", "flow-direction": "egress", "traffic-path": "8",
	"resource-type": "TransitGatewayAttachment", "encryption-status": "0",
}

func sampleValue(f flowlog.Field) string {
	if v, ok := sampleValues[f.Name]; ok {
		return v
	}
	if f.Kind != flowlog.String {
		return "1"
	}
	return fmt.Sprintf("sample-%s", f.Name)
}

const sampleTrail = `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},
"eventTime":"2026-11-01T00:10:00Z","eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","awsRegion":"eu-west-1",
"sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0","requestParameters":{"groupId":"sg-0123456789abcdef0","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}},
"responseElements":{"_return":true},"requestID":"req-1","eventID":"0b6c7e4e-1d2a-4c1e-9d55-3f1a2b3c4d5e","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}]}
`

const sampleGroups = `{"SecurityGroups":[{"GroupId":"sg-0123456789abcdef0","GroupName":"web","Description":"web servers","OwnerId":"111122223333","VpcId":"vpc-0a1b2c3d",
"SecurityGroupArn":"arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0",
"IpPermissions":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"IpRanges":[{"CidrIp":"0.0.0.0/0"}],"Ipv6Ranges":[],"PrefixListIds":[],"UserIdGroupPairs":[]}],
"IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}],"Ipv6Ranges":[],"PrefixListIds":[],"UserIdGroupPairs":[]}]}]}
`
