package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

const flowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

// After an ingest, the next request sees the new generation; the pages
// of the old one are not served from what was kept.
func TestLake_FollowsIngest(t *testing.T) {
	dir := testlake.Build(t, map[string]string{"a.log": flowHeader +
		"2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40000 443 6 10 1000 1793750400 1793750460 ACCEPT OK\n"})
	s, err := New(context.Background(), Config{Lake: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.Handler(loopback, "")
	var before overviewData
	getJSON(t, h, "/api/overview", &before)
	more := t.TempDir()
	if err := os.WriteFile(filepath.Join(more, "b.log"), []byte(flowHeader+
		"2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40001 443 6 10 1000 1793750500 1793750560 ACCEPT OK\n"+
		"2 111111111111 eni-0a 10.0.1.5 10.0.2.7 40002 443 6 10 1000 1793750600 1793750660 REJECT OK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), ingest.Config{Lake: dir, Listers: []source.Lister{source.Local{Path: more}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(recheck + 100*time.Millisecond)
	var after overviewData
	getJSON(t, h, "/api/overview", &after)
	if before.Totals.Records != 1 || after.Totals.Records != 3 || after.Totals.RejectedRecords != 1 {
		t.Errorf("records before %d, after %d (rejected %d); want 1, then 3 (1)", before.Totals.Records, after.Totals.Records, after.Totals.RejectedRecords)
	}
	if _, body := do(t, h, local("GET", "/sources", "")); !strings.Contains(body, "generation 2") {
		t.Errorf("the footer does not show generation 2")
	}
}
