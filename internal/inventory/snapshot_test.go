package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// snapshotSummary renders an item as "index kind id account region", with
// its problem, if any, after " ! ".
func snapshotSummary(it SnapshotItem) string {
	s := fmt.Sprintf("%d %s %s %s %s", it.Index, it.Kind, it.ResourceID, it.AccountID, it.Region)
	if err := it.Validate(); err != nil {
		s += " ! " + err.Error()
	}
	return s
}

func splitSnapshotAll(t *testing.T, in []byte) ([]SnapshotItem, error) {
	t.Helper()
	var items []SnapshotItem
	err := SplitSnapshot(bytes.NewReader(in), func(it SnapshotItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

func readSnapshotFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "snapshots", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniffSnapshot_Success(t *testing.T) {
	f := func(name string, head []byte) {
		t.Helper()
		if !SniffSnapshot(head) {
			t.Errorf("%s: not sniffed as a snapshot", name)
		}
	}
	for _, name := range []string{"describe-instances.json", "describe-network-interfaces.json", "describe-security-groups.json", "describe-security-group-rules.json"} {
		b := readSnapshotFixture(t, name)
		f(name, b)
		f(name+" cut after 40 bytes", b[:40])
	}
	f("compact", []byte(`{"SecurityGroupRules":[]}`))
	f("byte-order mark", []byte("\ufeff\n{\"NetworkInterfaces\": ["))
	f("next token first", []byte(`{"NextToken": "eyJ2IjoxfQ==", "Reservations": [{"Instances": []}]}`))
}

func TestSniffSnapshot_Failure(t *testing.T) {
	f := func(name, head string) {
		t.Helper()
		if SniffSnapshot([]byte(head)) {
			t.Errorf("%s: sniffed as a snapshot: %s", name, head)
		}
	}
	f("empty", "")
	f("cloudtrail file", `{"Records": [{"eventVersion": "1.08", "eventName": "DescribeInstances", "responseElements": {"Reservations": []}}]}`)
	f("cloudtrail event per line", `{"eventVersion":"1.08","eventSource":"ec2.amazonaws.com","eventName":"DescribeNetworkInterfaces"}`)
	f("firehose envelope", `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"vpc","logStream":"eni-1","subscriptionFilters":["f"],"logEvents":[{"id":"1","message":"2 123 eni-1"}]}`)
	f("filter-log-events", `{"events": [{"message": "2 123 eni-1"}], "searchedLogStreams": []}`)
	f("message per line", `{"message": "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK"}`)
	f("flow-log text", "version account-id interface-id\n2 123 eni-1\n")
	f("not JSON", `Reservations: [`)
	f("not JSON after the key", `{"Reservations" [`)
	f("--query bare array", `[{"InstanceId": "i-1"}]`)
	f("known key, not an array", `{"Reservations": {"Instances": []}}`)
	f("known key after an object", `{"ResponseMetadata": {"RequestId": "x"}, "Reservations": []}`)
	f("describe-flow-logs", `{"FlowLogs": [{"FlowLogId": "fl-1"}]}`)
	f("known key too far down", `{"a": 1, "b": 2, "c": 3, "d": 4, "SecurityGroups": []}`)
}

func TestSplitSnapshot_Fixtures(t *testing.T) {
	f := func(name string, want []string) {
		t.Helper()
		items, err := splitSnapshotAll(t, readSnapshotFixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, it := range items {
			got = append(got, snapshotSummary(it))
			if !json.Valid(it.Document) || bytes.ContainsAny(it.Document, "\n") {
				t.Errorf("%s item %d: document is not compact JSON: %s", name, it.Index, it.Document)
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	f("describe-instances.json", []string{
		"1 instance i-0a1b2c3d4e5f60718 123456789012 us-east-1",
		"2 instance i-0c3d4e5f607182930 123456789012 us-east-1",
		"3 instance i-0d4e5f60718293a4b 210987654321 us-west-2",
	})
	f("describe-network-interfaces.json", []string{
		"1 network_interface eni-0a1b2c3d4e5f60718 123456789012 us-east-1",
		"2 network_interface eni-0e5f60718293a4b5c 123456789012 us-east-1",
		"3 network_interface eni-0f60718293a4b5c6d 345678901234 eu-west-1",
	})
	f("describe-security-groups.json", []string{
		"1 security_group sg-0a1b2c3d4e5f60718 123456789012 us-east-1",
		"2 security_group sg-0b2c3d4e5f6071829 123456789012 us-east-1",
	})
	f("describe-security-group-rules.json", []string{
		"1 security_group_rule sgr-0a1b2c3d4e5f60718 123456789012 us-east-1",
		"2 security_group_rule sgr-0b2c3d4e5f6071829 123456789012 us-east-1",
		"3 security_group_rule sgr-0c3d4e5f607182930 123456789012 us-east-1",
		"4 security_group_rule sgr-0d4e5f60718293a4b 123456789012 us-east-1",
		"5 security_group_rule sgr-0e5f60718293a4b5c 123456789012 us-east-1",
		"6 security_group_rule sgr-0f60718293a4b5c6d 123456789012 us-east-1",
	})
}

// TestSplitSnapshot_DocumentsAsPrinted checks that each document is the
// CLI's item, member for member, plus the reservation's two fields on
// instances.
func TestSplitSnapshot_DocumentsAsPrinted(t *testing.T) {
	var file struct {
		Reservations []struct {
			Instances     []map[string]any
			OwnerId       string
			ReservationId string
		}
	}
	raw := readSnapshotFixture(t, "describe-instances.json")
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	for _, r := range file.Reservations {
		for _, in := range r.Instances {
			in["OwnerId"], in["ReservationId"] = r.OwnerId, r.ReservationId
			want = append(want, in)
		}
	}
	items, err := splitSnapshotAll(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, it := range items {
		var m map[string]any
		if err := json.Unmarshal(it.Document, &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("instance documents (-want +got):\n%s", d)
	}
	if !bytes.HasSuffix(items[0].Document, []byte(`"CurrentInstanceBootMode":"legacy-bios","OwnerId":"123456789012","ReservationId":"r-0a1b2c3d4e5f60718"}`)) {
		t.Errorf("reservation fields not appended after the instance's own: %s", items[0].Document[len(items[0].Document)-120:])
	}
}

func TestSplitSnapshot_Success(t *testing.T) {
	f := func(name, in string, want ...string) {
		t.Helper()
		items, err := splitSnapshotAll(t, []byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, it := range items {
			got = append(got, snapshotSummary(it)+" "+string(it.Document))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	f("empty input", "")
	f("empty output", `{"Reservations": []}`)
	f("reservation fields first: the instance goes out at once",
		`{"Reservations":[{"OwnerId":"111111111111","ReservationId":"r-1","Instances":[{"InstanceId":"i-1","Placement":{"AvailabilityZone":"ap-southeast-2c"}}]}]}`,
		`1 instance i-1 111111111111 ap-southeast-2 {"InstanceId":"i-1","Placement":{"AvailabilityZone":"ap-southeast-2c"},"OwnerId":"111111111111","ReservationId":"r-1"}`)
	f("an instance's own OwnerId wins",
		`{"Reservations":[{"Instances":[{"InstanceId":"i-1","OwnerId":"222222222222"}],"OwnerId":"111111111111","ReservationId":"r-1"}]}`,
		`1 instance i-1 222222222222  {"InstanceId":"i-1","OwnerId":"222222222222","ReservationId":"r-1"}`)
	f("a reservation without its fields adds nothing",
		`{"Reservations":[{"Instances":[{"InstanceId":"i-1"},{}]}]}`,
		`1 instance i-1   {"InstanceId":"i-1"}`,
		`2 instance    ! instance: InstanceId: missing {}`)
	f("an empty instance still receives the reservation's fields",
		`{"Reservations":[{"Instances":[{}],"OwnerId":"111111111111","ReservationId":"r-1"}]}`,
		`1 instance  111111111111  ! instance: InstanceId: missing {"OwnerId":"111111111111","ReservationId":"r-1"}`)
	f("unusable items are numbered and kept for the quarantine",
		`{"NetworkInterfaces":[5,{"NetworkInterfaceId":7},{"NetworkInterfaceId":""},null,["eni-1"],{"NetworkInterfaceId":"eni-2","AvailabilityZone":"use1-az1"}]}`,
		`1 network_interface    ! network_interface: not a JSON object 5`,
		`2 network_interface    ! network_interface: NetworkInterfaceId: not a string {"NetworkInterfaceId":7}`,
		`3 network_interface    ! network_interface: NetworkInterfaceId: empty {"NetworkInterfaceId":""}`,
		`4 network_interface    ! network_interface: not a JSON object null`,
		`5 network_interface    ! network_interface: not a JSON object ["eni-1"]`,
		`6 network_interface eni-2   {"NetworkInterfaceId":"eni-2","AvailabilityZone":"use1-az1"}`)
	f("invalid UTF-8 is quarantined, not written",
		"{\"SecurityGroups\":[{\"GroupId\":\"sg-1\",\"Description\":\"\xff\"}]}",
		"1 security_group sg-1   ! security_group: not valid UTF-8 {\"GroupId\":\"sg-1\",\"Description\":\"\xff\"}")
	f("the ARN names the region; other members are skipped; outputs may follow one another",
		`{"NextToken":"abc","SecurityGroups":[{"GroupId":"sg-1","OwnerId":"111111111111","SecurityGroupArn":"arn:aws-us-gov:ec2:us-gov-west-1:111111111111:security-group/sg-1"}],"ResponseMetadata":{"RequestId":"x"}}
{"SecurityGroupRules":[{"SecurityGroupRuleId":"sgr-1","GroupOwnerId":"222222222222","SecurityGroupRuleArn":"arn:aws-cn:ec2:cn-north-1:222222222222:security-group-rule/sgr-1"}]}`,
		`1 security_group sg-1 111111111111 us-gov-west-1 {"GroupId":"sg-1","OwnerId":"111111111111","SecurityGroupArn":"arn:aws-us-gov:ec2:us-gov-west-1:111111111111:security-group/sg-1"}`,
		`2 security_group_rule sgr-1 222222222222 cn-north-1 {"SecurityGroupRuleId":"sgr-1","GroupOwnerId":"222222222222","SecurityGroupRuleArn":"arn:aws-cn:ec2:cn-north-1:222222222222:security-group-rule/sgr-1"}`)
	f("escapes are kept as printed",
		`{"SecurityGroups":[{"GroupId":"sg-1","Description":"caf\u00e9 <b>"}]}`,
		`1 security_group sg-1   {"GroupId":"sg-1","Description":"caf\u00e9 <b>"}`)
	f("byte-order mark", "\ufeff{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"eni-1\"}]}",
		`1 network_interface eni-1   {"NetworkInterfaceId":"eni-1"}`)
}

func TestSplitSnapshot_Failure(t *testing.T) {
	f := func(name, in, want string) {
		t.Helper()
		_, err := splitSnapshotAll(t, []byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v\nwant %s", name, err, want)
		}
	}
	f("bare array (--query)", `[{"InstanceId":"i-1"}]`,
		"cannot read snapshot: the top-level value is an array, not the object `aws ec2 describe-…` prints")
	f("scalar after the output", `{"Reservations":[]} 5`,
		"cannot read snapshot: the top-level value is a scalar, not the object `aws ec2 describe-…` prints")
	f("items not in an array", `{"SecurityGroups":{"GroupId":"sg-1"}}`,
		"cannot read snapshot: SecurityGroups is an object, not an array")
	f("reservation not an object", `{"Reservations":["r-1"]}`,
		"cannot read snapshot: a reservation is a string, not an object")
	f("Instances not an array", `{"Reservations":[{"Instances":null}]}`,
		"cannot read snapshot: Instances is null, not an array")
	f("truncated", `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1"},{"NetworkInterfaceId":`,
		"cannot read snapshot near byte 53 (after item 1): unexpected EOF")
	f("truncated between items", `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1"}`,
		"cannot read snapshot near byte 52 (after item 1): unexpected EOF")
	f("syntax error", `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1"} {"NetworkInterfaceId":"eni-2"}]}`,
		"cannot read snapshot near byte 53 (after item 1): expected comma after array element")
}

func TestSplitSnapshot_EmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := SplitSnapshot(bytes.NewReader(readSnapshotFixture(t, "describe-security-group-rules.json")), func(SnapshotItem) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d items, want stop after 1", err, n)
	}
}

func TestSplitSnapshot_ItemTooLarge(t *testing.T) {
	big := `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1"},{"NetworkInterfaceId":"eni-2","Description":"` + strings.Repeat("x", MaxSnapshotItem) + `"}]}`
	var got []string
	err := SplitSnapshot(strings.NewReader(big), func(it SnapshotItem) error {
		got = append(got, it.ResourceID)
		return nil
	})
	const want = "cannot read snapshot item 2 near byte 53: snapshot item larger than 16 MiB"
	if !errors.Is(err, ErrSnapshotItemTooLarge) || err.Error() != want || len(got) != 1 {
		t.Errorf("err = %v after %v\nwant %s after [eni-1]", err, got, want)
	}
	// Just under the limit passes.
	fits := `{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","Description":"` + strings.Repeat("x", MaxSnapshotItem-100) + `"}]}`
	if err := SplitSnapshot(strings.NewReader(fits), func(SnapshotItem) error { return nil }); err != nil {
		t.Errorf("an item just under the limit: %v", err)
	}
}

// TestSplitSnapshot_ReservationTooLarge holds a reservation whose
// instances pass the pending bound before its fields arrive.
func TestSplitSnapshot_ReservationTooLarge(t *testing.T) {
	inst := `{"InstanceId":"i-1","UserData":"` + strings.Repeat("x", 8<<20) + `"}`
	in := `{"Reservations":[{"Instances":[` + strings.Repeat(inst+",", 8) + inst + `],"OwnerId":"1","ReservationId":"r"}]}`
	err := SplitSnapshot(strings.NewReader(in), func(SnapshotItem) error { return nil })
	const want = "cannot read snapshot: the reservation holding item 8 has more than 64 MiB of instances before its OwnerId and ReservationId"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestSplitSnapshot_Streams checks that items go out while the input is
// still being read: a large snapshot is never held whole.
func TestSplitSnapshot_Streams(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"NetworkInterfaces":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"NetworkInterfaceId":"eni-%d","AvailabilityZone":"us-east-1a","OwnerId":"111111111111","Description":"%s"}`, i, strings.Repeat("d", 100))
	}
	b.WriteString(`]}`)
	cr := &snapshotCountingReader{r: strings.NewReader(b.String())}
	var readAtFirst int64
	n := 0
	err := SplitSnapshot(cr, func(SnapshotItem) error {
		if n == 0 {
			readAtFirst = cr.n
		}
		n++
		return nil
	})
	if err != nil || n != 20000 {
		t.Fatalf("err = %v, %d items", err, n)
	}
	if readAtFirst > 64<<10 {
		t.Errorf("%d of %d bytes read before the first item went out", readAtFirst, b.Len())
	}
}

type snapshotCountingReader struct {
	r io.Reader
	n int64
}

func (c *snapshotCountingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

func TestSnapshotZoneRegion(t *testing.T) {
	for az, want := range map[string]string{
		"us-east-1a":              "us-east-1",
		"eu-central-2b":           "eu-central-2",
		"ap-southeast-4a":         "ap-southeast-4",
		"us-gov-west-1a":          "us-gov-west-1",
		"us-isob-east-1a":         "us-isob-east-1",
		"us-west-2-lax-1a":        "us-west-2",
		"us-east-1-bos-1a":        "us-east-1",
		"us-east-1-wl1-bos-wlz-1": "us-east-1",
		"cn-northwest-1a":         "cn-northwest-1",
		"use1-az1":                "",
		"":                        "",
		"us-east":                 "",
		"1a":                      "",
		"us-east-1a2":             "",
		"US-EAST-1a":              "",
		"us--1a":                  "",
	} {
		if got := snapshotZoneRegion(az); got != want {
			t.Errorf("snapshotZoneRegion(%q) = %q, want %q", az, got, want)
		}
	}
}
