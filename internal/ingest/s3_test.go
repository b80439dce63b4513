package ingest

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/flowtrail/flowtrail/internal/awstest"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/flowtrail/flowtrail/internal/source"
)

// TestIngest_S3 ingests from an S3-compatible server over HTTP with the
// real SDK client: enough objects to page, then one object changes and
// its rows are replaced, not added.
func TestIngest_S3(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("corp-logs"); err != nil {
		t.Fatal(err)
	}
	put := func(key, body string) {
		t.Helper()
		if _, err := backend.PutObject("corp-logs", key, nil, bytes.NewReader([]byte(body)), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
	}
	const objects = 1100
	prefix := "AWSLogs/012345678901/vpcflowlogs/eu-west-1/2026/11/03/"
	for i := range objects {
		put(fmt.Sprintf("%sf-%04d.log", prefix, i), v2Header+flowLine(i))
	}
	put("AWSLogs/012345678901/elsewhere.txt", "not under the prefix we ingest")
	awstest.Isolate(t)
	lakeDir := filepath.Join(t.TempDir(), "lake")
	ingestS3 := func() *Summary {
		l, err := source.NewS3(context.Background(), "s3://corp-logs/"+prefix, source.S3Options{Region: "us-east-1", Endpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Run(context.Background(), Config{Lake: lakeDir, Listers: []source.Lister{l}})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if sum := ingestS3(); sum.Ingested != objects || sum.Records["flows"] != objects {
		t.Fatalf("first ingest: %+v", sum)
	}
	put(prefix+"f-0007.log", v2Header+flowLine(7)+flowLine(7)+flowLine(7))
	sum := ingestS3()
	if sum.Ingested != 1 || sum.Replaced != 1 || sum.Skipped != objects-1 {
		t.Fatalf("after one object changed: %+v", sum)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows"); got != objects+2 {
		t.Errorf("rows = %d, want %d: the changed object's old row must be gone", got, objects+2)
	}
	if got := queryInt(t, lakeDir, "SELECT count(*) FROM flows WHERE aws_region = 'eu-west-1' AND aws_account_id = '012345678901'"); got != objects+2 {
		t.Errorf("rows partitioned by the key layout = %d", got)
	}
}

func flowLine(i int) string {
	return fmt.Sprintf("2 012345678901 eni-%08x 10.0.0.1 10.0.0.2 443 %d 6 10 840 1793750400 1793750460 ACCEPT OK\n", i, 1024+i)
}
