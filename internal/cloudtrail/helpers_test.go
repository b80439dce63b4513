package cloudtrail

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// result is everything one Decode produced.
type result struct {
	events  []*Event
	rejects []Reject
	err     error
}

func decodeReader(r io.Reader) result {
	var res result
	res.err = Decode(r,
		func(e *Event) error { res.events = append(res.events, e); return nil },
		func(rj Reject) error { res.rejects = append(res.rejects, rj); return nil })
	return res
}

func decodeString(s string) result { return decodeReader(strings.NewReader(s)) }

func decodeFile(t *testing.T, path string) result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("cannot open sample: %v", err)
	}
	defer f.Close()
	return decodeReader(f)
}

// summary is one event in a line that tests compare whole.
func summary(e *Event) string {
	ro := "nil"
	if e.ReadOnly != nil {
		ro = fmt.Sprint(*e.ReadOnly)
	}
	return fmt.Sprintf("%d %s %s user=%s ro=%s", e.Line, e.EventName, e.EventTime.Format(time.RFC3339), e.UserName, ro)
}

func summaries(evs []*Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = summary(e)
	}
	return out
}

func rejectSummaries(rjs []Reject) []string {
	out := make([]string, len(rjs))
	for i, r := range rjs {
		out[i] = fmt.Sprintf("%d: %s", r.Line, r.Reason)
	}
	return out
}

// external is the folder of independent samples, found from the test's
// working directory (the package folder); tests skip when it is absent.
func external(t *testing.T, rel ...string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("cannot find working directory: %v", err)
	}
	dir := filepath.Join(append([]string{wd, "..", "..", "..", "shared", "testdata", "external"}, rel...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("external samples not present: %v", err)
	}
	return dir
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return files
}

func equalLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got: %q\nwant: %q", what, got, want)
	}
}

func ptr(b bool) *bool { return &b }

func sameBool(a, b *bool) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
