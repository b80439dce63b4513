package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/source"
)

// external is the folder of independent samples, beside the repository.
func external(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "testdata", "external", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("external sample %s not available: %v", rel, err)
	}
	return p
}

func ingestWith(t *testing.T, lakeDir, flowFormat string, paths ...string) *Summary {
	t.Helper()
	var ls []source.Lister
	for _, p := range paths {
		ls = append(ls, source.Local{Path: p})
	}
	sum, err := Run(context.Background(), Config{Lake: lakeDir, Listers: ls, FlowFormat: flowFormat})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestIngest_ParquetDelivery reads a Parquet flow-log file written by
// another tool (pyarrow): account_id as INT64, counters as strings with
// "None" for missing values.
func TestIngest_ParquetDelivery(t *testing.T) {
	lakeDir := filepath.Join(t.TempDir(), "lake")
	sum := ingestWith(t, lakeDir, "", external(t, "obsrvbl-flowlogs-reader/tests/data/flows.parquet"))
	if sum.Records["flows"] != 3 || sum.Rejected != 0 || len(sum.Failed) != 0 {
		t.Fatalf("summary = %+v", sum)
	}
	q := "SELECT count(*) FROM flows WHERE account_id = '123456789010' AND srcaddr = '198.51.100.1' AND srcport = 443 AND dstport = 49152 AND packets = 10 AND bytes = 840 AND start = 1439387263 AND action = 'ACCEPT'"
	if got := queryInt(t, lakeDir, q); got != 1 {
		t.Errorf("typed row not found: %s", q)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE log_status = 'NODATA' AND packets IS NULL AND bytes IS NULL"); got != 2 {
		t.Errorf("NODATA rows with None counters = %d, want 2", got)
	}
}

// TestIngest_CloudWatchWrappers reads flow-log lines carried in JSON
// "message" fields: a CloudWatch Logs subscription payload and
// one-object-per-line exports.
func TestIngest_CloudWatchWrappers(t *testing.T) {
	lakeDir := filepath.Join(t.TempDir(), "lake")
	sum := ingestWith(t, lakeDir, "",
		external(t, "otel-collector-contrib-awslogsencoding/vpc-flow-log/valid_vpc_flow_cw.json"),
		external(t, "elastic-integrations-aws/vpcflow/test-with-message-field.log"))
	if sum.Records["flows"] != 3 || sum.Rejected != 0 || len(sum.Failed) != 0 {
		t.Fatalf("summary = %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE dstport = 3389 AND action = 'REJECT' AND interface_id = 'eni-1235b8ca123456789'"); got != 1 {
		t.Errorf("REJECT rdp record missing")
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE log_status = 'NODATA' AND account_id = '428961148399'"); got != 1 {
		t.Errorf("NODATA record from the message wrapper missing")
	}
}

// TestIngest_HeaderlessNeedsAFormat: a custom format without a header
// cannot be guessed; the user's --flow-format reads it.
func TestIngest_HeaderlessNeedsAFormat(t *testing.T) {
	cw := external(t, "otel-collector-contrib-awslogsencoding/vpc-flow-log/valid_tgw_flow_cw.json")
	hdr, err := os.ReadFile(external(t, "otel-collector-contrib-awslogsencoding/vpc-flow-log/valid_tgw_flow_log.log"))
	if err != nil {
		t.Fatal(err)
	}
	format, _, _ := strings.Cut(string(hdr), "\n")
	lakeDir := filepath.Join(t.TempDir(), "lake")
	sum, err := Run(context.Background(), Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: cw}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Error, "--flow-format") {
		t.Fatalf("without a format: %+v", sum)
	}
	sum = ingestWith(t, lakeDir, format, cw)
	if sum.Records["tgw_flows"] != 1 || len(sum.Failed) != 0 {
		t.Fatalf("with --flow-format: %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM tgw_flows WHERE tgw_attachment_id = 'tgw-attach-0abc12345def67890' AND dstport = 443 AND bytes = 1000"); got != 1 {
		t.Errorf("TGW record not found")
	}
}

// TestIngest_SharedPrefix: AWS writes VPC and Transit Gateway flow logs
// under the same vpcflowlogs prefix; each object goes to its table.
func TestIngest_SharedPrefix(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	prefix := "AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/11/03/"
	writeFile(t, in, prefix+"vpc.log.gz", v2Header+"2 012345678901 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n")
	tgw, err := os.ReadFile(external(t, "otel-collector-contrib-awslogsencoding/vpc-flow-log/valid_tgw_flow_log.log"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, in, prefix+"tgw.log.gz", string(tgw))
	sum := ingestWith(t, lakeDir, "", in)
	if sum.Records["flows"] != 1 || sum.Records["tgw_flows"] != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM tgw_flows WHERE aws_account_id = '012345678901' AND aws_region = 'us-east-1' AND year = 2026 AND day = 3"); got != 1 {
		t.Errorf("TGW record not partitioned by the key layout")
	}
}
