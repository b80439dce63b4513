package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/source"
)

const v2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

// writeFile writes content under dir/rel, gzipped when rel ends in .gz.
func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(content)
	if strings.HasSuffix(rel, ".gz") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ingestDir(t *testing.T, lakeDir string, paths ...string) *Summary {
	t.Helper()
	var ls []source.Lister
	for _, p := range paths {
		ls = append(ls, source.Local{Path: p})
	}
	sum, err := Run(context.Background(), Config{Lake: lakeDir, Listers: ls})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum
}

func queryInt(t *testing.T, lakeDir, q string) int64 {
	t.Helper()
	e, err := engine.Open(context.Background(), lakeDir, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	switch v := res.Rows[0][0].(type) {
	case int64:
		return v
	case nil:
		return 0
	default:
		t.Fatalf("%s: got %T", q, v)
	}
	return 0
}

func TestIngest_LocalFormats(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	writeFile(t, in, "AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/11/03/a.log.gz", v2Header+
		"2 012345678901 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n"+
		"2 012345678901 eni-aaa - - - - - - - 1793750400 1793750460 - NODATA\n"+
		"2 012345678901 eni-aaa 10.0.0.1 10.0.0.2 abc 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n")
	writeFile(t, in, "custom/b.log", "version interface-id srcaddr dstaddr tcp-flags brand-new-field\n"+
		"5 eni-bbb 2001:db8::1 2001:db8::2 2 shiny\n")
	sum := ingestDir(t, lakeDir, in)
	if sum.Ingested != 2 || sum.Records["flows"] != 3 || sum.Rejected != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE aws_account_id = '012345678901' AND log_status = 'NODATA'"); got != 1 {
		t.Errorf("NODATA rows in account partition = %d", got)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE brand_new_field = 'shiny' AND tcp_flags = 2"); got != 1 {
		t.Errorf("unknown field kept as text: %d rows", got)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM rejects WHERE line = 4 AND reason LIKE 'srcport:%'"); got != 1 {
		t.Errorf("rejects = %d", got)
	}
	again := ingestDir(t, lakeDir, in)
	if again.Ingested != 0 || again.Skipped != 2 {
		t.Errorf("second ingest = %+v, want everything skipped", again)
	}
}

func TestIngest_ChangedSourceReplacesRows(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	line := "2 111111111111 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n"
	writeFile(t, in, "a.log", v2Header+line+line)
	writeFile(t, in, "b.log", v2Header+line)
	ingestDir(t, lakeDir, in)
	writeFile(t, in, "a.log", v2Header+line+line+line+line)
	sum := ingestDir(t, lakeDir, in)
	if sum.Replaced != 1 || sum.Skipped != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows"); got != 5 {
		t.Errorf("rows after replacing a.log = %d, want 4 + 1", got)
	}
}

func TestIngest_BadSourcesDoNotStopTheRun(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	good := v2Header + "2 111111111111 eni-aaa 10.0.0.1 10.0.0.2 443 49152 6 10 840 1793750400 1793750460 ACCEPT OK\n"
	writeFile(t, in, "good.log", good)
	p := writeFile(t, in, "truncated.log.gz", strings.Repeat(good, 200))
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)/2], 0o644)
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte("x"), 300<<20))
	zw.Close()
	os.WriteFile(filepath.Join(in, "bomb.gz"), bomb.Bytes(), 0o644)
	// An indicator list left among the logs (as `flowtrail gen` writes one
	// beside AWSLogs/).
	writeFile(t, in, "indicators.txt", "# Indicators of compromise for the case\n203.0.113.7 # scanner\n")
	sum, err := Run(context.Background(), Config{Lake: lakeDir, Listers: []source.Lister{source.Local{Path: in}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ingested != 1 || len(sum.Failed) != 3 {
		t.Fatalf("summary = %+v", sum)
	}
	for _, f := range sum.Failed {
		if strings.HasSuffix(f.URI, "bomb.gz") && !strings.Contains(f.Error, "gzip bomb") ||
			strings.HasSuffix(f.URI, "truncated.log.gz") && !strings.Contains(f.Error, "truncated") ||
			strings.HasSuffix(f.URI, "indicators.txt") && !strings.Contains(f.Error, "line 1 is a comment") {
			t.Errorf("failure %s: %s", f.URI, f.Error)
		}
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows"); got != 1 {
		t.Errorf("rows = %d: a failed source must leave no rows", got)
	}
}
