package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// TestFlowsView_MixedSchemas: files with different columns are read
// group by group and united by name; a column a file lacks reads NULL.
func TestFlowsView_MixedSchemas(t *testing.T) {
	lakeDir := testlake.Build(t, map[string]string{
		"v2.log": "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
			"2 012345678901 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n",
		"v3.log": "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags vpc-id\n" +
			"3 eni-bbb 10.0.0.3 10.0.0.4 22 49153 6 4 300 1793750460 1793750520 REJECT 2 vpc-1\n",
		"v5.log": "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags flow-direction\n" +
			"5 eni-ccc 10.0.0.5 10.0.0.6 53 49154 17 1 90 1793750520 1793750580 ACCEPT 0 egress\n",
	})
	e, err := engine.Open(context.Background(), lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Query(context.Background(), "SELECT interface_id, account_id, tcp_flags, vpc_id, flow_direction, bytes FROM flows ORDER BY start", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"eni-aaa", "012345678901", nil, nil, nil, int64(840)},
		{"eni-bbb", nil, int32(2), "vpc-1", nil, int64(300)},
		{"eni-ccc", nil, int32(0), nil, "egress", int64(90)},
	}
	if diff := cmp.Diff(want, res.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
