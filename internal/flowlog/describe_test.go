package flowlog

import (
	"strings"
	"testing"
)

func TestFormatFromDescribe_Success(t *testing.T) {
	out := `{"FlowLogs": [{"CreationTime": "2026-01-05T10:00:00+00:00", "DeliverLogsStatus": "SUCCESS", "FlowLogId": "fl-0a1b2c3d",
	"FlowLogStatus": "ACTIVE", "LogGroupName": "vpc-flows", "ResourceId": "vpc-0abc", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
	"LogFormat": "${version} ${vpc-id} ${subnet-id} ${instance-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr}",
	"MaxAggregationInterval": 60}]}`
	f, err := FormatFromDescribe([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != "version vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr" {
		t.Errorf("format = %q", got)
	}
}

func TestFormatFromDescribe_Failure(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		_, err := FormatFromDescribe([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FormatFromDescribe(%s) = %v, want an error containing %q", in, err, want)
		}
	}
	f(`{"FlowLogs": []}`, "lists no flow log")
	f(`not json`, "cannot read describe-flow-logs output")
	f(`{"FlowLogs": [{"FlowLogId": "fl-1", "LogFormat": "${version} ${srcaddr}"}, {"FlowLogId": "fl-2", "LogFormat": "${version} ${dstaddr}"}]}`, "fl-2: ${version} ${dstaddr}")
}
