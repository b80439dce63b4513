package ioc_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/ioc"
)

// FuzzParse feeds lists in every format; whatever parses must survive a
// round trip through the text format unchanged.
//
// The seeds are whole lists, slow to minimise: bound that.
//
//	go test ./internal/ioc -run '^$' -fuzz FuzzParse -fuzztime 1m -fuzzminimizetime 5s
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.*", "testdata/bad/*"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(filepath.Ext(p), string(b))
		}
	}
	f.Fuzz(func(t *testing.T, ext, text string) {
		var s ioc.Set
		if err := ioc.Parse("list"+ext, strings.NewReader(text), &s); err != nil {
			return
		}
		var again ioc.Set
		if err := ioc.Parse("again.txt", strings.NewReader(strings.Join(listed(&s), "\n")), &again); err != nil {
			t.Fatalf("round trip does not parse: %v\n%q", err, listed(&s))
		}
		if got, want := listed(&again), listed(&s); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\n got %q\nwant %q", got, want)
		}
	})
}
