package flowlog

import "testing"

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
