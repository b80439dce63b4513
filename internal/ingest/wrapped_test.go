package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWalkEnvelope_Success(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		var got []string
		if err := walkEnvelope(json.RawMessage(in), func(m string) error { got = append(got, m); return nil }); err != nil {
			t.Fatalf("walkEnvelope(%s): %v", in, err)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("walkEnvelope(%s) = %q, want %q", in, got, want)
		}
	}
	f(`{"message": "2 a b"}`, "2 a b")
	f(`{"messageType":"DATA_MESSAGE","owner":"1","logEvents":[{"id":"1","timestamp":1,"message":"x"},{"message":"y"}]}`, "x", "y")
	f(`{"messageType":"CONTROL_MESSAGE","logEvents":[{"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`)
	f(`{"events":[{"logStreamName":"eni-1-all","timestamp":1,"message":"m1"}],"searchedLogStreams":[]}`, "m1")
	f(`[{"message":"a"},{"message":"b"}]`, "a", "b")
}

// FuzzWalkEnvelope: any JSON value either fails cleanly or yields the
// same messages every time, and never more than the input has "message"
// fields (a key may be spelled in any case or with escapes, so the bound
// counts every colon).
func FuzzWalkEnvelope(f *testing.F) {
	for _, s := range []string{`{"message":"2 a"}`, `{"logEvents":[{"message":"x"}]}`, `[{"events":[{"message":"y"}]}]`, `{"messageType":"CONTROL_MESSAGE"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !json.Valid([]byte(in)) {
			return
		}
		var first, second []string
		err1 := walkEnvelope(json.RawMessage(in), func(m string) error { first = append(first, m); return nil })
		err2 := walkEnvelope(json.RawMessage(in), func(m string) error { second = append(second, m); return nil })
		if (err1 == nil) != (err2 == nil) || strings.Join(first, "\x00") != strings.Join(second, "\x00") {
			t.Fatalf("walkEnvelope is not deterministic on %q", in)
		}
		if keys := strings.Count(in, ":"); len(first) > keys {
			t.Fatalf("%d messages from %d keys in %q", len(first), keys, in)
		}
	})
}
