package traffic_test

import (
	"os"
	"testing"
)

var tmpRoot string

// tempDir is a directory for the package's shared estate, removed when
// the tests end (t.TempDir belongs to one test).
func tempDir() (string, error) { return os.MkdirTemp(tmpRoot, "traffic-estate-") }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowtrail-traffic-")
	if err != nil {
		panic(err)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
