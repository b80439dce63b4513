package inventory

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSplitSnapshot splits arbitrary input and checks what comes out:
// items numbered 1, 2, 3, …; every document compact JSON; a usable item's
// ID read from its document. Then it writes the items back as describe-*
// outputs, one per item, and splits that: the same items must come out
// (documents, IDs, accounts, regions, problems), which holds only if
// nothing was lost or invented on the way.
func FuzzSplitSnapshot(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "snapshots", "*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Reservations":[{"Instances":[{"InstanceId":"i-1"},5,{}],"OwnerId":"1","ReservationId":"r-1"},{"OwnerId":null,"Instances":[{"InstanceId":"i-2","OwnerId":"2"}]}]}`))
	f.Add([]byte(`{"NextToken":"x","NetworkInterfaces":[{"NetworkInterfaceId":7},null,{"NetworkInterfaceId":"eni-1","AvailabilityZone":"us-west-2-lax-1a"}]}{"SecurityGroupRules":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		first, err := splitSnapshotFuzz(in)
		if err != nil {
			return
		}
		checkSnapshotItems(t, first)
		again, err := splitSnapshotFuzz(rebuildSnapshot(first))
		if err != nil {
			t.Fatalf("items written back do not split: %v", err)
		}
		if d := cmp.Diff(first, again, cmp.AllowUnexported(SnapshotItem{})); d != "" {
			t.Fatalf("split, write back, split differ (-first +again):\n%s", d)
		}
	})
}

func splitSnapshotFuzz(in []byte) ([]SnapshotItem, error) {
	var items []SnapshotItem
	err := SplitSnapshot(bytes.NewReader(in), func(it SnapshotItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func checkSnapshotItems(t *testing.T, items []SnapshotItem) {
	t.Helper()
	for i, it := range items {
		if it.Index != int64(i+1) {
			t.Fatalf("item %d has index %d", i+1, it.Index)
		}
		var b bytes.Buffer
		if err := json.Compact(&b, it.Document); err != nil || !bytes.Equal(b.Bytes(), it.Document) {
			t.Fatalf("item %d: document is not compact JSON (%v): %q", it.Index, err, it.Document)
		}
		if it.Validate() != nil {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(it.Document, &m); err != nil {
			t.Fatalf("item %d: usable, but its document is not an object: %v", it.Index, err)
		}
		shape := snapshotShapeOf(it.Kind)
		if it.ResourceID == "" || snapshotString(m[shape.id]) != it.ResourceID {
			t.Fatalf("item %d: resource ID %q, document says %s", it.Index, it.ResourceID, m[shape.id])
		}
	}
}

func snapshotShapeOf(kind string) snapshotShape {
	for _, s := range snapshotShapes {
		if s.kind == kind {
			return s
		}
	}
	return snapshotShape{}
}

// rebuildSnapshot writes each item as a describe-* output of its own.
func rebuildSnapshot(items []SnapshotItem) []byte {
	var b bytes.Buffer
	for _, it := range items {
		switch it.Kind {
		case SnapshotInstance:
			b.WriteString(`{"Reservations":[{"Instances":[`)
			b.Write(it.Document)
			b.WriteString("]}]}\n")
			continue
		case SnapshotNetworkInterface:
			b.WriteString(`{"NetworkInterfaces":[`)
		case SnapshotSecurityGroup:
			b.WriteString(`{"SecurityGroups":[`)
		case SnapshotSecurityGroupRule:
			b.WriteString(`{"SecurityGroupRules":[`)
		}
		b.Write(it.Document)
		b.WriteString("]}\n")
	}
	return b.Bytes()
}
