package cloudtrail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks more than "no panic": every event must keep its record
// as valid JSON in Raw, and decoding Raw again, as one line, must give back
// the same event. Every line number must be 1-based.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res := decodeReader(bytes.NewReader(in))
		for _, rj := range res.rejects {
			if rj.Line < 1 || rj.Reason == "" {
				t.Fatalf("reject without line or reason: %+v", rj)
			}
		}
		for _, e := range res.events {
			checkRoundTrip(t, e)
		}
	})
}

func checkRoundTrip(t *testing.T, e *Event) {
	t.Helper()
	if e.Line < 1 || e.EventName == "" || e.EventTime.IsZero() {
		t.Fatalf("event without line, name or time: %+v", e)
	}
	for _, s := range []string{e.Raw, e.RequestParameters, e.ResponseElements, e.Resources} {
		if s != "" && (!json.Valid([]byte(s)) || !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r")) {
			t.Fatalf("not compact, valid UTF-8 JSON: %q", s)
		}
	}
	again := decodeString(e.Raw)
	if again.err != nil || len(again.rejects) != 0 || len(again.events) != 1 {
		t.Fatalf("Raw %q decodes to err=%v rejects=%q events=%d", e.Raw, again.err, rejectSummaries(again.rejects), len(again.events))
	}
	g := again.events[0]
	if g.EventName != e.EventName || !g.EventTime.Equal(e.EventTime) || g.EventID != e.EventID || g.Raw != e.Raw {
		t.Fatalf("round trip changed the event:\n got %s %s %s %s\nwant %s %s %s %s", g.EventName, g.EventTime, g.EventID, g.Raw, e.EventName, e.EventTime, e.EventID, e.Raw)
	}
}

// fuzzSeeds are crafted shapes plus, when present, a few real samples.
func fuzzSeeds(f *testing.F) [][]byte {
	a := ev("RunInstances", "2024-01-02T03:04:05Z", `"readOnly":"false","userIdentity":{"type":"IAMUser","userName":"alice"}`)
	seeds := []string{
		a + "\n" + a,
		`{"Records":[` + a + "," + a + `]}`,
		"{\n \"Records\": [\n  " + a + "\n ]\n}",
		"[" + a + "]",
		`{"detail-type":"AWS API Call via CloudTrail","detail":` + a + `}`,
		`{"events":[{"message":` + quoted(a) + `}],"searchedLogStreams":[]}`,
		`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":` + quoted(a) + `}]}`,
		`{"digestStartTime":"2020-09-11T18:36:49Z"}`,
		`{"eventTime":"2023-01-02T02:51:00Z","eventType":"AwsCloudTrailInsight","insightDetails":{"eventName":"X"}}`,
		"not json\n" + a,
	}
	out := make([][]byte, 0, len(seeds)+4)
	for _, s := range seeds {
		out = append(out, []byte(s))
	}
	wd, _ := os.Getwd()
	root := filepath.Join(wd, "..", "..", "..", "shared", "testdata", "external")
	for _, rel := range []string{
		"elastic-integrations-aws/cloudtrail/test-console-login-json.log",
		"otel-collector-contrib-awslogsencoding/cloudtraillog/cloudtrail_log.json",
		"otel-collector-contrib-awslogsencoding/cloudtraillog/cloudtrail_log_cw.json",
		"stratus-red-team/detonation-logs/aws.persistence.sts-federation-token.json",
	} {
		if data, err := os.ReadFile(filepath.Join(root, rel)); err == nil {
			out = append(out, data)
		}
	}
	return out
}
