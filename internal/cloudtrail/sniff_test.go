package cloudtrail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniff_Success(t *testing.T) {
	f := func(name, prefix string) {
		t.Helper()
		if !Sniff([]byte(prefix)) {
			t.Errorf("%s: Sniff(%.60q) = false, want true", name, prefix)
		}
	}
	f("S3 file", `{"Records":[`)
	f("S3 file pretty, BOM", "\ufeff\n{\n    \"Records\": [\n")
	f("one event", `{"eventVersion":"1.08","userIdentity":{`)
	f("event without eventVersion", `{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances"}`)
	f("cut mid-record", `{"eventVersion":"1.10","userIdentity":{"type":"IAMUser","principalId":"AID`)
	f("EventBridge", `{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{`)
	f("CloudWatch Logs message", `{"id":"1","timestamp":1,"message":"{\"eventVersion\":\"1.11\",\"userIdentity\"`)
	f("digest", `{"awsAccountId":"123456789123","digestStartTime":"2020-09-11T18:36:49Z"`)
	f("array", "[\n  {\n    \"eventVersion\": \"1.09\"")
}

func TestSniff_Failure(t *testing.T) {
	f := func(name, prefix string) {
		t.Helper()
		if Sniff([]byte(prefix)) {
			t.Errorf("%s: Sniff(%.60q) = true, want false", name, prefix)
		}
	}
	f("empty", "")
	f("flow log text", "version account-id interface-id srcaddr dstaddr\n2 123456789012 eni-1 10.0.0.1 10.0.0.2")
	f("flow log in a message wrapper", `{"message": "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1 2 ACCEPT OK"}`)
	f("other EventBridge event", `{"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}`)
	f("eventName alone", `{"eventName":"x"}`)
	f("text mentioning the key", `eventVersion "1.08"`)
}

// TestSniff_External routes every independent sample: CloudTrail folders
// must be recognised from their first 64 KiB, flow-log folders must not.
func TestSniff_External(t *testing.T) {
	dir := external(t)
	f := func(pattern string, want bool) {
		t.Helper()
		for _, path := range glob(t, filepath.Join(dir, pattern)) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := Sniff(data[:min(len(data), headBytes)]); got != want {
				t.Errorf("Sniff(%s) = %v, want %v", strings.TrimPrefix(path, dir), got, want)
			}
		}
	}
	f("elastic-integrations-aws/cloudtrail/*.log", true)
	f("stratus-red-team/detonation-logs/*.json", true)
	f("criblpacks-cribl-aws-cloudtrail-logs/data/samples/*.json", true)
	f("otel-collector-contrib-awslogsencoding/cloudtraillog/*.json", true)
	f("opensearch-catalog/aws_cloudtrail/raw-sample.json", true)
	f("ocsf-examples/mappings/markdown/AWS/*/CloudTrail/*/samples/*.raw", true)
	f("elastic-integrations-aws/vpcflow/*", false)
	f("otel-collector-contrib-awslogsencoding/vpc-flow-log/*", false)
	f("sekoia-intake-formats/aws-flow-logs/tests/*.json", false)
	f("opensearch-catalog/amazon_vpc_flow/sample.json", false)
	f("elastic-beats-vpcflow/*", false)
	f("ocsf-examples/mappings/dataprepper/AWS/v1.1.0/VPC Flow/samples/*", false)
}
