package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// snapshotFixture reads one of the describe-* outputs the inventory
// package keeps, printed as the AWS CLI prints them.
func snapshotFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "inventory", "testdata", "snapshots", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// queryRows runs q and renders each row as its values joined by " ".
func queryRows(t *testing.T, lakeDir, q string) []string {
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
	var out []string
	for _, r := range res.Rows {
		var parts []string
		for _, v := range r {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func setMtime(t *testing.T, p string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestIngest_Snapshots ingests the four describe-* outputs under names and
// folders that say nothing (one gzipped under a flow-log key layout that
// names another account, region and day): the items decide the
// partitions, the files' modification times observed_at.
func TestIngest_Snapshots(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	taken := time.Date(2025, 11, 3, 4, 5, 6, 123456000, time.UTC)
	for rel, name := range map[string]string{
		"case/inst":     "describe-instances.json",
		"case/enis.txt": "describe-network-interfaces.json",
		"case/AWSLogs/999999999999/vpcflowlogs/eu-west-3/2020/01/01/sg.json.gz": "describe-security-groups.json",
		"case/rules.json": "describe-security-group-rules.json",
	} {
		setMtime(t, writeFile(t, in, rel, snapshotFixture(t, name)), taken)
	}
	bad := writeFile(t, in, "case/bad.json", `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-good","AvailabilityZone":"us-east-1a","OwnerId":"123456789012"},"eni-1",{"Description":"no id"}]}`)
	setMtime(t, bad, taken)
	writeFile(t, in, "case/notes.txt", "Reservations: [ i-1, i-2 ]\n")

	sum := ingestDir(t, lakeDir, in)
	if sum.Ingested != 5 || sum.Records[lake.TableSnapshots] != 15 || sum.Rejected != 2 || len(sum.Failed) != 1 || !strings.HasSuffix(sum.Failed[0].URI, "notes.txt") {
		t.Fatalf("summary = %+v", sum)
	}
	want := []string{"instance 3", "network_interface 4", "security_group 2", "security_group_rule 6"}
	if d := cmp.Diff(want, queryRows(t, lakeDir, "SELECT kind, count(*) FROM snapshots GROUP BY kind ORDER BY kind")); d != "" {
		t.Errorf("counts by kind (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"2025-11-03T04:05:06.123456Z"}, queryRows(t, lakeDir, "SELECT DISTINCT observed_at FROM snapshots")); d != "" {
		t.Errorf("observed_at (-want +got):\n%s", d)
	}
	wantRejects := []string{
		"2 network_interface: not a JSON object \"eni-1\"",
		"3 network_interface: NetworkInterfaceId: missing {\"Description\":\"no id\"}",
	}
	if d := cmp.Diff(wantRejects, queryRows(t, lakeDir, "SELECT line, reason, raw FROM rejects ORDER BY line")); d != "" {
		t.Errorf("rejects (-want +got):\n%s", d)
	}
	checkSnapshotPartitions(t, lakeDir)
	checkSnapshotLedger(t, lakeDir)
	q := "SELECT resource_id, account_id, region, source_line, json_extract_string(document, '$.ReservationId'), json_extract_string(document, '$.Placement.AvailabilityZone') FROM snapshots WHERE kind = 'instance' ORDER BY source_line"
	wantInst := []string{
		"i-0a1b2c3d4e5f60718 123456789012 us-east-1 1 r-0a1b2c3d4e5f60718 us-east-1a",
		"i-0c3d4e5f607182930 123456789012 us-east-1 2 r-0a1b2c3d4e5f60718 us-east-1b",
		"i-0d4e5f60718293a4b 210987654321 us-west-2 3 r-0d4e5f60718293a4b us-west-2-lax-1a",
	}
	if d := cmp.Diff(wantInst, queryRows(t, lakeDir, q)); d != "" {
		t.Errorf("instances (-want +got):\n%s", d)
	}

	again := ingestDir(t, lakeDir, in)
	if again.Ingested != 0 || again.Skipped != 5 || queryInt(t, lakeDir, "SELECT count(*) FROM snapshots") != 15 {
		t.Errorf("second ingest = %+v, want the five snapshot sources skipped and 15 rows still", again)
	}
}

func checkSnapshotPartitions(t *testing.T, lakeDir string) {
	t.Helper()
	var got []string
	err := filepath.WalkDir(filepath.Join(lakeDir, lake.TableSnapshots), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(lakeDir, filepath.Dir(p))
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"snapshots/aws-account-id=123456789012/aws-region=us-east-1/year=2025/month=11/day=03",
		"snapshots/aws-account-id=210987654321/aws-region=us-west-2/year=2025/month=11/day=03",
		"snapshots/aws-account-id=345678901234/aws-region=eu-west-1/year=2025/month=11/day=03",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("snapshot partitions (-want +got):\n%s", d)
	}
}

func checkSnapshotLedger(t *testing.T, lakeDir string) {
	t.Helper()
	m, err := lake.ReadManifest(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Sources {
		if s.Kind != kindSnapshot {
			t.Errorf("ledger kind of %s = %q, want %q", s.URI, s.Kind, kindSnapshot)
		}
	}
}

// TestIngest_SnapshotRetakenMovesObservedAt rewrites a snapshot file: its
// new modification time replaces the rows' observed_at, and the old rows
// go.
func TestIngest_SnapshotRetakenMovesObservedAt(t *testing.T) {
	in, lakeDir := t.TempDir(), filepath.Join(t.TempDir(), "lake")
	p := writeFile(t, in, "sg.json", snapshotFixture(t, "describe-security-groups.json"))
	setMtime(t, p, time.Date(2025, 11, 3, 23, 59, 59, 0, time.UTC))
	ingestDir(t, lakeDir, in)
	setMtime(t, p, time.Date(2025, 11, 4, 0, 0, 1, 0, time.UTC))
	sum := ingestDir(t, lakeDir, in)
	if sum.Replaced != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	want := []string{"2025-11-04T00:00:01Z 2"}
	if d := cmp.Diff(want, queryRows(t, lakeDir, "SELECT observed_at, count(*) FROM snapshots GROUP BY ALL")); d != "" {
		t.Errorf("after retaking (-want +got):\n%s", d)
	}
}
