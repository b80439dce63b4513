package flowlog

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestCatalogueSlots(t *testing.T) {
	if NumStr != numStr || NumInt != numInt {
		t.Fatalf("record arrays are sized %d/%d, catalogue needs %d/%d", numStr, numInt, NumStr, NumInt)
	}
	if NumFields > 64 {
		t.Fatalf("%d fields do not fit Record.Has", NumFields)
	}
	for id, f := range Catalogue {
		if f.Name == "" {
			t.Errorf("field %d has no name", id)
		}
		if got, ok := Lookup(f.Column); !ok || got != id {
			t.Errorf("Lookup(%q) = %d, %v", f.Column, got, ok)
		}
	}
}

// docRow matches a row of the "Available fields" tables in AWS's archived
// VPC and Transit Gateway guides: name, description ending in the Parquet
// data type, version.
var docRow = regexp.MustCompile(`^\|\s*([a-z\\-]+)\s*\|.*Parquet data type:\s*\**\s*(INT\\_32|INT\\_64|STRING)\s*\|\s*(\d+)\s*\|\s*$`)

// docFields reads one guide's table: name → "KIND vN".
func docFields(t *testing.T, rel string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(string(readExternal(t, rel)), "\n") {
		if r := docRow.FindStringSubmatch(line); r != nil {
			kind := map[string]string{`INT\_32`: "INT32", `INT\_64`: "INT64", "STRING": "STRING"}[r[2]]
			m[strings.ReplaceAll(r[1], `\-`, "-")] = kind + " v" + r[3]
		}
	}
	return m
}

// The catalogue agrees with the field tables of AWS's guides (the GitHub
// editions archived in 2023, which end at v5 for VPC and v6 for TGW):
// name, Parquet type, version, and which table a field belongs to.
func TestCatalogueMatchesAWSDocs(t *testing.T) {
	vpc := docFields(t, "awsdocs-amazon-vpc-user-guide/flow-logs.md")
	tgw := docFields(t, "awsdocs-aws-transit-gateway-guide/tgw-flow-logs.md")
	if len(vpc) != 29 || len(tgw) != 36 {
		t.Fatalf("read %d VPC and %d TGW fields from the guides, want 29 and 36", len(vpc), len(tgw))
	}
	// Known disagreement: the TGW guide types protocol INT_64, the VPC
	// guide INT_32. One catalogue kind serves both tables; INT32 holds
	// every IANA protocol number, and Parquet ingest converts via text.
	tgw["protocol"] = "INT32 v2"
	for id, f := range Catalogue {
		got := f.Kind.String() + " v" + strconv.Itoa(f.Version)
		for _, d := range []struct {
			table Table
			name  string
			doc   map[string]string
		}{{VPC, "VPC", vpc}, {TGW, "TGW", tgw}} {
			want, documented := d.doc[f.Name]
			if documented && got != want {
				t.Errorf("%s: catalogue %s, guide %s", f.Name, got, want)
			}
			if inTable := f.Tables&d.table != 0; documented != inTable && f.Version <= 6 {
				t.Errorf("%s: in the %s table = %v, the %s guide lists it = %v", f.Name, d.name, inTable, d.name, documented)
			}
		}
		if _, ok := vpc[f.Name]; !ok && f.Version <= 5 && f.Tables&VPC != 0 {
			t.Errorf("field %d %s (v%d) is not in the VPC guide", id, f.Name, f.Version)
		}
	}
	// The catalogue order is the VPC table's order (so DefaultV2 and the
	// v5 layout are prefixes of it), then the TGW-only fields.
	var order []string
	for _, f := range Catalogue[:FResourceType] {
		order = append(order, f.Name)
	}
	if got := strings.Join(order, " "); got != v5All {
		t.Errorf("catalogue order\n%s\nVPC guide order\n%s", got, v5All)
	}
}
