package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// ev builds a small one-line event; extra is spliced in as more fields.
func ev(name, at, extra string) string {
	s := fmt.Sprintf(`{"eventVersion":"1.08","eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":%q,"eventID":"id-%s"`, at, name, name)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// quoted is s as a JSON string, the way CloudWatch Logs carries an event.
func quoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDecode_Success(t *testing.T) {
	f := func(name, input string, want []string) {
		t.Helper()
		res := decodeString(input)
		if res.err != nil || len(res.rejects) > 0 {
			t.Fatalf("%s: err=%v rejects=%q", name, res.err, rejectSummaries(res.rejects))
		}
		equalLists(t, name, summaries(res.events), want)
	}
	alice := `"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"}`
	a := ev("RunInstances", "2024-01-02T03:04:05Z", alice+`,"readOnly":false`)
	b := ev("DescribeInstances", "2024-01-02T03:04:06.123Z", alice+`,"readOnly":"true"`)

	f("one per line, blank lines and CRLF skipped", a+"\r\n\n  \n"+b+"\n", []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"4 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	f("no trailing newline, UTF-8 BOM", "\ufeff"+a, []string{"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false"})
	f("readOnly as string false", ev("X", "2024-01-01T00:00:00Z", `"readOnly":"false"`), []string{"1 X 2024-01-01T00:00:00Z user= ro=false"})
	f("readOnly absent, null, odd", ev("X", "2024-01-01T00:00:00Z", "")+"\n"+
		ev("Y", "2024-01-01T00:00:00Z", `"readOnly":null`)+"\n"+ev("Z", "2024-01-01T00:00:00Z", `"readOnly":"maybe"`),
		[]string{"1 X 2024-01-01T00:00:00Z user= ro=nil", "2 Y 2024-01-01T00:00:00Z user= ro=nil", "3 Z 2024-01-01T00:00:00Z user= ro=nil"})
	f("time zone offset normalised to UTC", ev("X", "2024-01-01T02:00:00+02:00", ""), []string{"1 X 2024-01-01T00:00:00Z user= ro=nil"})

	pretty := "{\n  \"Records\": [\n    " + strings.ReplaceAll(a, ",", ",\n      ") + ",\n    " + b + "\n  ]\n}\n"
	f("pretty-printed S3 file: Line is the index in Records", pretty, []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	f("compact S3 file", `{"Records":[`+a+","+b+"]}", []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	f("JSON array", "[\n"+a+",\n"+b+"\n]", []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	bridge := `{"version":"0","id":"e1","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333","time":"2024-01-02T03:04:05Z","region":"us-east-1","resources":[],"detail":` + a + `}`
	f("EventBridge envelope per line", bridge+"\n"+bridge, []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
	})
	f("EventBridge envelope pretty-printed", strings.ReplaceAll(bridge, `"detail":`, "\n  \"detail\":\n"), []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
	})
	filter := "{\n    \"events\": [\n        {\n            \"logStreamName\": \"111122223333_CloudTrail_us-east-1\",\n            \"timestamp\": 1704164645000,\n            \"message\": " +
		quoted(a) + ",\n            \"ingestionTime\": 1704164646000,\n            \"eventId\": \"3781\"\n        },\n        {\"message\": " + quoted(b) +
		"}\n    ],\n    \"searchedLogStreams\": [{\"logStreamName\": \"x\", \"searchedCompletely\": true}]\n}\n"
	f("aws logs filter-log-events output", filter, []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	f("CloudWatch Logs message wrapper per line", `{"message":`+quoted(a)+`}`+"\n"+`{"timestamp":1,"message":`+quoted(b)+`}`, []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	sub := `{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"ct","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":` + quoted(a) + `},{"id":"2","timestamp":2,"message":` + quoted(b) + `}]}`
	f("CloudWatch Logs subscription payloads back to back (Firehose)", sub+sub, []string{
		"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"2 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
		"3 RunInstances 2024-01-02T03:04:05Z user=alice ro=false",
		"4 DescribeInstances 2024-01-02T03:04:06Z user=alice ro=true",
	})
	f("CloudWatch Logs control message is skipped", `{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}`, nil)
	f("Cribl _raw wrapper", `[{"_raw":`+quoted(a)+`,"_time":1}]`, []string{"1 RunInstances 2024-01-02T03:04:05Z user=alice ro=false"})
	insight := `{"eventVersion":"1.08","eventTime":"2023-01-02T02:51:00Z","eventType":"AwsCloudTrailInsight","recipientAccountId":"1","insightDetails":{"state":"Start","eventSource":"ssm.amazonaws.com","eventName":"UpdateInstanceInformation","errorCode":"Throttling"}}`
	f("Insights event named after the API it watched", insight, []string{"1 UpdateInstanceInformation 2023-01-02T02:51:00Z user= ro=nil"})
}

func TestDecode_Fields(t *testing.T) {
	f := func(name, identity, extra string, check func(e *Event) string) {
		t.Helper()
		fields := `"userIdentity":` + identity
		if extra != "" {
			fields += "," + extra
		}
		res := decodeString(ev("X", "2024-01-01T00:00:00Z", fields))
		if res.err != nil || len(res.events) != 1 {
			t.Fatalf("%s: err=%v events=%d rejects=%q", name, res.err, len(res.events), rejectSummaries(res.rejects))
		}
		if msg := check(res.events[0]); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
	want := func(got, want string) string {
		if got != want {
			return fmt.Sprintf("got %q, want %q", got, want)
		}
		return ""
	}
	role := `{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/Admin","userName":"Admin"}}}`
	f("assumed role: user name from the session issuer", role, "", func(e *Event) string { return want(e.UserName, "Admin") })
	f("assumed role: principal ARN is the session", role, "", func(e *Event) string {
		return want(e.PrincipalARN+" "+e.PrincipalType+" "+e.AccessKeyID, "arn:aws:sts::123456789012:assumed-role/Admin/alice AssumedRole ASIAEXAMPLE")
	})
	f("root: user name from the ARN", `{"type":"Root","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"}`, "",
		func(e *Event) string { return want(e.UserName, "root") })
	f("session without issuer name: last part of the ARN", `{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/sess"}`, "",
		func(e *Event) string { return want(e.UserName, "sess") })
	f("no ARN: issuer ARN", `{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/R"}}}`, "",
		func(e *Event) string { return want(e.PrincipalARN+" "+e.UserName, "arn:aws:iam::1:role/R R") })
	f("AWS service: no principal", `{"type":"AWSService","invokedBy":"s3.amazonaws.com"}`, "",
		func(e *Event) string { return want(e.PrincipalARN+e.UserName, "") })
	f("recipient account falls back to the caller's", `{"accountId":"000123"}`, "",
		func(e *Event) string { return want(e.RecipientAccountID+" "+e.PrincipalAccountID, "000123 000123") })
	f("recipient account wins when present; numbers keep their text", `{"accountId":123}`, `"recipientAccountId":"000999"`,
		func(e *Event) string { return want(e.RecipientAccountID+" "+e.PrincipalAccountID, "000999 123") })
	f("identity of the wrong type leaves the principal empty", `"oops"`, `"sourceIPAddress":"198.51.100.7"`,
		func(e *Event) string { return want(e.PrincipalType+e.UserName+"|"+e.SourceIPAddress, "|198.51.100.7") })
	f("JSON columns: compact, content kept, null is empty", `{}`,
		`"requestParameters": { "groupId" : "sg-1", "n": 1.50, "s": "a\u00e9<" },"responseElements":null,"resources":[ {"ARN":"arn:aws:s3:::b"} ]`,
		func(e *Event) string {
			return want(e.RequestParameters+"|"+e.ResponseElements+"|"+e.Resources, `{"groupId":"sg-1","n":1.50,"s":"a\u00e9<"}||[{"ARN":"arn:aws:s3:::b"}]`)
		})
	f("invalid UTF-8 becomes U+FFFD byte by byte, in fields and Raw alike", "{\"userName\":\"a\xb9\xb9b\"}", "\"requestParameters\":{\"k\":\"\xff\"}",
		func(e *Event) string {
			raw := fmt.Sprint(strings.Contains(e.Raw, "\"a\ufffd\ufffdb\""))
			return want(e.UserName+"|"+e.RequestParameters+"|"+raw, "a\ufffd\ufffdb|{\"k\":\"\ufffd\"}|true")
		})
	f("error code and message", `{}`, `"errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized"`,
		func(e *Event) string {
			return want(e.ErrorCode+"|"+e.ErrorMessage, "Client.UnauthorizedOperation|You are not authorized")
		})
	f("Raw is the whole event, compact", `{ "type" : "IAMUser" }`, "", func(e *Event) string {
		return want(e.Raw, `{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"X","eventID":"id-X","userIdentity":{"type":"IAMUser"}}`)
	})
}

func TestDecode_Failure(t *testing.T) {
	f := func(name, input string, wantEvents int, wantRejects []string, wantErr string) {
		t.Helper()
		res := decodeString(input)
		if len(res.events) != wantEvents {
			t.Errorf("%s: %d events, want %d", name, len(res.events), wantEvents)
		}
		equalLists(t, name+" rejects", rejectSummaries(res.rejects), wantRejects)
		switch {
		case wantErr == "" && res.err != nil:
			t.Errorf("%s: unexpected error %v", name, res.err)
		case wantErr != "" && (res.err == nil || !strings.Contains(res.err.Error(), wantErr)):
			t.Errorf("%s: error %v, want one containing %q", name, res.err, wantErr)
		}
	}
	good := ev("RunInstances", "2024-01-02T03:04:05Z", "")
	f("missing eventTime", `{"eventName":"X","eventSource":"ec2.amazonaws.com"}`, 0, []string{"1: missing eventTime"}, "")
	f("missing eventName", `{"eventTime":"2024-01-02T03:04:05Z"}`, 0, []string{"1: missing eventName"}, "")
	f("eventTime not RFC 3339", ev("X", "2024-01-02 03:04:05", "")+"\n"+ev("Y", "1704164645", "")+"\n"+ev("Z", "2024-01-02T3:04:05Z", ""), 0,
		[]string{`1: eventTime "2024-01-02 03:04:05" is not RFC 3339`, `2: eventTime "1704164645" is not RFC 3339`, `3: eventTime "2024-01-02T3:04:05Z" is not RFC 3339`}, "")
	f("not JSON: rejected, decoding goes on", good+"\nthis is not json\n"+good+"\n{\"eventName\": \n"+good, 3, []string{
		"2: not JSON: invalid character 'h' in literal true (expecting 'r')",
		"4: not JSON: unexpected end of JSON input",
	}, "")
	f("not an object", good+"\n[1,2]\n\"text\"\n42", 1, []string{"2: not a JSON object", "3: not a JSON object", "4: not a JSON object"}, "")
	f("line over the size cap", good+"\n"+`{"eventName":"`+strings.Repeat("x", maxRecordBytes)+`"}`+"\n"+good, 2,
		[]string{fmt.Sprintf("2: line longer than %d bytes", maxRecordBytes)}, "")
	f("EventBridge event not from CloudTrail", `{"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}`, 0,
		[]string{`1: EventBridge event "EC2 Instance State-change Notification" is not from CloudTrail`}, "")
	f("message wrapper holding a VPC flow line", `{"message":"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"}`, 0,
		[]string{"1: not JSON: invalid character '1' after top-level value"}, "")
	f("Records not an array", `{"Records":5}`+"\n", 0, []string{`1: "Records" is not an array`}, "")
	f("digest among events", good+"\n"+`{"digestStartTime":"2020-09-11T18:36:49Z","digestPublicKeyFingerprint":"47aa"}`, 1,
		[]string{"2: CloudTrail digest record among events"}, "")
	nested := good
	for range maxDepth + 1 {
		nested = `{"message":` + quoted(nested) + `}`
	}
	f("wrappers nested too deep", nested, 0, []string{fmt.Sprintf("1: wrappers nested more than %d deep", maxDepth)}, "")

	f("syntax error in a pretty S3 file names its line", "{\n  \"Records\": [\n    "+good+",\n    {\"eventName\": \"X\",\n     \"eventTime\": \"2024\n\"}\n  ]\n}\n", 1, nil,
		"cannot decode CloudTrail JSON at line 5: invalid character '\\n' in string literal")
	f("missing comma between records", "{\"Records\": [\n"+good+"\n"+good+"]}", 1, nil,
		"cannot decode CloudTrail JSON at line 3: expected comma after array element")
	f("truncated S3 file", `{"Records":[`+good+`,`+good[:20], 1, nil, "unexpected EOF")
	f("trailing garbage after a document", "[\n"+good+"\n]\nxyz", 1, nil, "at line 4")
	big := ev("Big", "2024-01-02T03:04:05Z", `"requestParameters":{"blob":"`+strings.Repeat("x", maxRecordBytes)+`"}`)
	f("record over the size cap inside an S3 file is rejected, the rest kept", `{"Records":[`+good+","+big+","+good+"]}", 2,
		[]string{fmt.Sprintf("2: record longer than %d bytes", maxRecordBytes)}, "")
	huge := ev("Huge", "2024-01-02T03:04:05Z", `"requestParameters":{"blob":"`+strings.Repeat("x", hardLimit+meterChunk)+`"}`)
	f("record past the hard limit stops the source", "[\n"+good+",\n"+huge+"]", 1, nil,
		fmt.Sprintf("at line 3: one record is longer than %d bytes", hardLimit))
	f("envelopes nested without end", strings.Repeat(`{"Records":`, 100000), 0, nil,
		fmt.Sprintf("at line 1: objects nested more than %d deep", maxDepth))
	f("pretty single event over the size cap", "{\n\"eventName\": \"X\",\n\"a\": \""+strings.Repeat("x", maxRecordBytes)+"\"\n}", 0,
		[]string{fmt.Sprintf("1: record longer than %d bytes", maxRecordBytes)}, "")
}

func TestDecode_Digest(t *testing.T) {
	for _, in := range []string{
		`{"awsAccountId":"1","digestStartTime":"2020-09-11T18:36:49Z","digestPublicKeyFingerprint":"47aa","logFiles":[]}`,
		"{\n  \"awsAccountId\": \"1\",\n  \"digestStartTime\": \"2020-09-11T18:36:49Z\"\n}\n",
	} {
		res := decodeString(in)
		if !errors.Is(res.err, ErrDigest) || len(res.events)+len(res.rejects) != 0 {
			t.Errorf("%q: err=%v events=%d rejects=%d, want ErrDigest alone", in, res.err, len(res.events), len(res.rejects))
		}
	}
}

func TestDecode_CallbackErrorsStop(t *testing.T) {
	stop := errors.New("disk full")
	in := ev("A", "2024-01-01T00:00:00Z", "") + "\nbad\n" + ev("B", "2024-01-01T00:00:00Z", "")
	n := 0
	err := Decode(strings.NewReader(in), func(*Event) error { n++; return stop }, func(Reject) error { return nil })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("emit error: got %v after %d events, want %v after 1", err, n, stop)
	}
	err = Decode(strings.NewReader(in), func(*Event) error { return nil }, func(Reject) error { return stop })
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("reject error: got %v, want %v at line 2", err, stop)
	}
}

func TestDecode_RejectKeepsRaw(t *testing.T) {
	line := `{"message":"not json"}`
	res := decodeString("\n" + line + "\r\n")
	if len(res.rejects) != 1 || string(res.rejects[0].Raw) != line || res.rejects[0].Line != 2 {
		t.Fatalf("got %+v, want the wrapper line quoted whole at line 2", res.rejects)
	}
}

func TestDecode_EmptyInput(t *testing.T) {
	for _, in := range []string{"", "\n\n", "   ", "[]", `{"Records":[]}`} {
		res := decodeString(in)
		if res.err != nil || len(res.events)+len(res.rejects) != 0 {
			t.Errorf("%q: got %+v, want nothing", in, res)
		}
	}
}

// TestDecode_BoundedReads checks that an S3 file is streamed: decoding the
// first record must not read the whole input.
func TestDecode_BoundedReads(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(`{"Records":[`)
	for i := range 20000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(ev("E", "2024-01-01T00:00:00Z", ""))
	}
	buf.WriteString("]}")
	total := buf.Len()
	cr := &countingReader{r: &buf}
	stop := errors.New("enough")
	err := Decode(cr, func(*Event) error { return stop }, func(Reject) error { return nil })
	if !errors.Is(err, stop) || cr.n > 3*headBytes {
		t.Errorf("read %d of %d bytes before the first event (err %v)", cr.n, total, err)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func BenchmarkDecode_Records(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"Records":[`)
	alice := `"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0"}]}}`
	for i := range 1000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(ev("StartInstances", time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339), alice))
	}
	buf.WriteString("]}")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(bytes.NewReader(data), func(*Event) error { return nil }, func(Reject) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
