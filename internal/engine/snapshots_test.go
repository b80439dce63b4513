package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

var snapshotsColumns = []string{
	"observed_at TIMESTAMP WITH TIME ZONE",
	"kind VARCHAR",
	"account_id VARCHAR",
	"region VARCHAR",
	"resource_id VARCHAR",
	"document VARCHAR",
	"source_id BIGINT",
	"source_line BIGINT",
}

func queryStrings(t *testing.T, e *engine.Engine, q string) []string {
	t.Helper()
	res, err := e.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range res.Rows {
		var parts []string
		for _, v := range r {
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestSnapshotsView_Success(t *testing.T) {
	files := map[string]string{}
	for _, name := range []string{"describe-security-groups.json", "describe-network-interfaces.json"} {
		b, err := os.ReadFile(filepath.Join("..", "inventory", "testdata", "snapshots", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	e := testlake.OpenDir(t, testlake.Build(t, files))
	if d := cmp.Diff(snapshotsColumns, queryStrings(t, e, "SELECT column_name, column_type FROM (DESCRIBE snapshots)")); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	q := `SELECT kind, resource_id, account_id, region, source_line,
json_extract_string(document, '$.IpPermissions[1].UserIdGroupPairs[1].VpcPeeringConnectionId'),
json_extract_string(document, '$.TagSet[0].Value')
FROM snapshots WHERE observed_at > TIMESTAMPTZ '2020-01-01' ORDER BY kind, source_line`
	want := []string{
		"network_interface eni-0a1b2c3d4e5f60718 123456789012 us-east-1 1 <nil> <nil>",
		"network_interface eni-0e5f60718293a4b5c 123456789012 us-east-1 2 <nil> <nil>",
		"network_interface eni-0f60718293a4b5c6d 345678901234 eu-west-1 3 <nil> failover-eni",
		"security_group sg-0a1b2c3d4e5f60718 123456789012 us-east-1 1 pcx-0a1b2c3d4e5f60718 <nil>",
		"security_group sg-0b2c3d4e5f6071829 123456789012 us-east-1 2 <nil> <nil>",
	}
	if d := cmp.Diff(want, queryStrings(t, e, q)); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

func TestSnapshotsView_EmptyLake(t *testing.T) {
	e := testlake.OpenDir(t, smallLake(t))
	if d := cmp.Diff(snapshotsColumns, queryStrings(t, e, "SELECT column_name, column_type FROM (DESCRIBE snapshots)")); d != "" {
		t.Errorf("columns of the empty view (-want +got):\n%s", d)
	}
	if got := queryStrings(t, e, "SELECT count(*) FROM snapshots"); got[0] != "0" {
		t.Errorf("count = %v", got)
	}
}
