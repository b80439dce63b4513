package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

const v5Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags\n"

// lakeOf ingests one flow-log file with the given content.
func lakeOf(t *testing.T, content string) *engine.Engine { return testlake.Open(t, content) }

const convCols = `SELECT initiator, initiator_port, responder, responder_port, protocol, initiator_basis, confidence,
 packets_out, bytes_out, packets_back, bytes_back, records, array_to_string(interfaces, ','), action FROM conversations ORDER BY initiator, responder`

func conversations(t *testing.T, e *engine.Engine) [][]any {
	t.Helper()
	res, err := e.Query(context.Background(), convCols, 0)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func TestConversations_Success(t *testing.T) {
	f := func(name, flows string, want [][]any) {
		t.Run(name, func(t *testing.T) {
			got := conversations(t, lakeOf(t, flows))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("conversations (-want +got):\n%s", d)
			}
		})
	}
	// Two monitored interfaces see both directions: four records, one
	// conversation, volume counted once, initiator from SYN / SYN-ACK.
	f("intra-VPC", v5Header+
		"5 111111111111 eni-c 10.0.1.5 10.0.2.7 40000 5432 6 10 1000 1793750400 1793750460 ACCEPT OK 2\n"+
		"5 111111111111 eni-c 10.0.2.7 10.0.1.5 5432 40000 6 8 5000 1793750400 1793750460 ACCEPT OK 18\n"+
		"5 111111111111 eni-s 10.0.1.5 10.0.2.7 40000 5432 6 10 1000 1793750401 1793750461 ACCEPT OK 2\n"+
		"5 111111111111 eni-s 10.0.2.7 10.0.1.5 5432 40000 6 8 5000 1793750401 1793750461 ACCEPT OK 18\n",
		[][]any{{"10.0.1.5", int32(40000), "10.0.2.7", int32(5432), int32(6), "tcp-flags", "high", int64(10), int64(1000), int64(8), int64(5000), int64(4), "eni-c,eni-s", "ACCEPT"}})
	// One monitored end, no tcp-flags (v2): the service port decides.
	f("to the internet", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"+
		"2 111111111111 eni-c 10.0.1.5 93.184.216.34 51000 443 6 20 2000 1793750400 1793750460 ACCEPT OK\n"+
		"2 111111111111 eni-c 93.184.216.34 10.0.1.5 443 51000 6 30 90000 1793750400 1793750460 ACCEPT OK\n",
		[][]any{{"10.0.1.5", int32(51000), "93.184.216.34", int32(443), int32(6), "ports", "medium", int64(20), int64(2000), int64(30), int64(90000), int64(2), "eni-c", "ACCEPT"}})
	// A probe rejected by the security group: one record, no reply.
	f("rejected one way", v5Header+
		"5 111111111111 eni-c 198.51.100.7 10.0.1.5 61000 22 6 1 40 1793750400 1793750460 REJECT OK 2\n",
		[][]any{{"198.51.100.7", int32(61000), "10.0.1.5", int32(22), int32(6), "tcp-flags", "high", int64(1), int64(40), int64(0), int64(0), int64(1), "eni-c", "REJECT"}})
	// Through a NAT gateway: the instance's conversation with the
	// internet host is seen at the instance and at the NAT interface
	// (counted once); the NAT's translated leg is its own conversation.
	f("through NAT", v5Header+
		"5 111111111111 eni-i 10.0.1.5 93.184.216.34 45000 443 6 5 500 1793750400 1793750460 ACCEPT OK 2\n"+
		"5 111111111111 eni-i 93.184.216.34 10.0.1.5 443 45000 6 6 7000 1793750400 1793750460 ACCEPT OK 18\n"+
		"5 111111111111 eni-nat 10.0.1.5 93.184.216.34 45000 443 6 5 500 1793750400 1793750460 ACCEPT OK 2\n"+
		"5 111111111111 eni-nat 93.184.216.34 10.0.1.5 443 45000 6 6 7000 1793750400 1793750460 ACCEPT OK 18\n"+
		"5 111111111111 eni-nat 10.0.0.9 93.184.216.34 61234 443 6 5 500 1793750400 1793750460 ACCEPT OK 2\n"+
		"5 111111111111 eni-nat 93.184.216.34 10.0.0.9 443 61234 6 6 7000 1793750400 1793750460 ACCEPT OK 18\n",
		[][]any{
			{"10.0.0.9", int32(61234), "93.184.216.34", int32(443), int32(6), "tcp-flags", "high", int64(5), int64(500), int64(6), int64(7000), int64(2), "eni-nat", "ACCEPT"},
			{"10.0.1.5", int32(45000), "93.184.216.34", int32(443), int32(6), "tcp-flags", "high", int64(5), int64(500), int64(6), int64(7000), int64(4), "eni-i,eni-nat", "ACCEPT"},
		})
	// The client's port is lower than the server's: only SYN-ACK tells.
	f("flags beat ports", v5Header+
		"5 111111111111 eni-c 10.0.2.7 10.0.1.5 8080 1024 6 3 300 1793750400 1793750460 ACCEPT OK 18\n"+
		"5 111111111111 eni-c 10.0.1.5 10.0.2.7 1024 8080 6 3 200 1793750400 1793750460 ACCEPT OK 2\n",
		[][]any{{"10.0.1.5", int32(1024), "10.0.2.7", int32(8080), int32(6), "tcp-flags", "high", int64(3), int64(200), int64(3), int64(300), int64(2), "eni-c", "ACCEPT"}})
}

func TestConversations_SkipsNoData(t *testing.T) {
	e := lakeOf(t, v5Header+"5 111111111111 eni-c - - - - - - - 1793750400 1793750460 - NODATA -\n")
	if got := conversations(t, e); len(got) != 0 {
		t.Errorf("NODATA made conversations: %v", got)
	}
}
