package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The tests in this file read independently written samples (see each
// folder's SOURCE.md under ../shared/testdata/external) and check the
// decoded values field by field against the samples' own text.

func TestExternal_ElasticIntegrations(t *testing.T) {
	dir := external(t, "elastic-integrations-aws", "cloudtrail")
	f := func(name string, want []string) []*Event {
		t.Helper()
		res := decodeFile(t, filepath.Join(dir, name))
		if res.err != nil || len(res.rejects) > 0 {
			t.Fatalf("%s: err=%v rejects=%q", name, res.err, rejectSummaries(res.rejects))
		}
		equalLists(t, name, summaries(res.events), want)
		return res.events
	}
	login := f("test-console-login-json.log", []string{
		"1 ConsoleLogin 2014-07-16T15:49:27Z user=JohnDoe ro=nil",
		"2 ConsoleLogin 2014-07-08T17:35:27Z user=JaneDoe ro=nil",
		"3 ConsoleLogin 2014-07-08T17:35:27Z user=RoleToBeAssumed ro=nil",
	})
	checkEvent(t, login[2], Event{
		EventSource: "signin.amazonaws.com", AWSRegion: "us-east-2", RecipientAccountID: "123456789012",
		EventID:      "11ea990b-4678-4bcd-8fbe-625EXAMPLE",
		PrincipalARN: "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName", PrincipalType: "AssumedRole",
		PrincipalAccountID: "123456789012", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SourceIPAddress: "89.160.20.156",
		ErrorMessage: "Failed authentication", ResponseElements: `{"ConsoleLogin":"Failure"}`,
	})
	ingress := f("test-authorize-security-group-ingress-json.log", []string{
		"1 AuthorizeSecurityGroupIngress 2024-10-14T14:11:38Z user=test@elastic.co ro=false",
	})
	checkEvent(t, ingress[0], Event{
		EventSource: "ec2.amazonaws.com", AWSRegion: "us-east-1", RecipientAccountID: "000000000",
		EventID: "c409b898-91e4-44d5-a994-68741a8a0212", EventType: "AwsApiCall",
		PrincipalARN: "arn:aws:iam::000000000:user/test@elastic.co", PrincipalType: "IAMUser", PrincipalAccountID: "000000000",
		AccessKeyID: "ACCESSKEYID", SourceIPAddress: "216.160.83.56",
		RequestParameters: `{"groupId":"sg-0f63fecfa17ef4fee","ipPermissions":{"items":[{"fromPort":22,"groups":{},"ipProtocol":"tcp","ipRanges":{"items":[{"cidrIp":"203.0.113.0/24"}]},"ipv6Ranges":{},"prefixListIds":{},"toPort":22}]}}`,
	})
	flowDel := f("test-delete-flow-log-json.log", []string{"1 DeleteFlowLogs 2024-10-08T09:08:34Z user=test@elastic.co ro=false"})
	if want := `{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-07a9b55570fe770b6","tag":1}}}`; flowDel[0].RequestParameters != want {
		t.Errorf("XML-shaped requestParameters: got %s, want %s", flowDel[0].RequestParameters, want)
	}
	run := f("test-run-instances-json.log", []string{"1 RunInstances 2024-09-11T09:28:29Z user=testcloudtrail@elastic.co ro=false"})
	for _, s := range []string{`"instanceId":"i-0f2f135de18b555e3"`, `"networkInterfaceId":"eni-043138569d4a31e90"`, `"launchTime":1726046908000`} {
		if !strings.Contains(run[0].ResponseElements, s) {
			t.Errorf("RunInstances responseElements lacks %s", s)
		}
	}
	f("test-terminate-instances-json.log", []string{"1 TerminateInstances 2025-03-07T00:37:45Z user=example ro=false"})
	egress := f("test-authorize-security-group-egress-json.log", []string{
		"1 AuthorizeSecurityGroupEgress 2024-10-30T19:54:35Z user=ec2-instance-role ro=false", // the session issuer (the role)
	})
	checkEvent(t, egress[0], Event{PrincipalARN: "arn:aws:sts::000000000:assumed-role/ec2-instance-role/i-06815aa7cf7d21f8f", PrincipalType: "AssumedRole"})
	f("test-delete-network-acl-entry-json.log", []string{"1 DeleteNetworkAclEntry 2024-10-14T09:00:16Z user=test@elastic.co ro=false"})

	res := decodeFile(t, filepath.Join(dir, "test-cloudtrail-digest-json.log"))
	if !errors.Is(res.err, ErrDigest) || len(res.events)+len(res.rejects) != 0 {
		t.Errorf("digest: err=%v events=%d rejects=%d, want ErrDigest alone", res.err, len(res.events), len(res.rejects))
	}
}

// checkEvent compares the fields that want sets; zero fields are not
// compared, so each test names only what the sample shows.
func checkEvent(t *testing.T, got *Event, want Event) {
	t.Helper()
	pairs := [][3]string{
		{"EventSource", got.EventSource, want.EventSource}, {"AWSRegion", got.AWSRegion, want.AWSRegion},
		{"RecipientAccountID", got.RecipientAccountID, want.RecipientAccountID}, {"EventID", got.EventID, want.EventID},
		{"EventType", got.EventType, want.EventType}, {"PrincipalARN", got.PrincipalARN, want.PrincipalARN},
		{"PrincipalType", got.PrincipalType, want.PrincipalType}, {"PrincipalAccountID", got.PrincipalAccountID, want.PrincipalAccountID},
		{"UserName", got.UserName, want.UserName}, {"AccessKeyID", got.AccessKeyID, want.AccessKeyID},
		{"SourceIPAddress", got.SourceIPAddress, want.SourceIPAddress}, {"UserAgent", got.UserAgent, want.UserAgent},
		{"ErrorCode", got.ErrorCode, want.ErrorCode}, {"ErrorMessage", got.ErrorMessage, want.ErrorMessage},
		{"RequestParameters", got.RequestParameters, want.RequestParameters},
		{"ResponseElements", got.ResponseElements, want.ResponseElements}, {"Resources", got.Resources, want.Resources},
	}
	for _, p := range pairs {
		if p[2] != "" && p[1] != p[2] {
			t.Errorf("%s %s: %s = %q, want %q", got.EventName, got.EventTime.Format(time.RFC3339), p[0], p[1], p[2])
		}
	}
	if want.ReadOnly != nil && !sameBool(got.ReadOnly, want.ReadOnly) {
		t.Errorf("%s: ReadOnly = %v, want %v", got.EventName, got.ReadOnly, *want.ReadOnly)
	}
}

// oracle reads one event with a generic map, independently of the
// decoder's own structs, and says what the decoder should have produced.
func oracle(t *testing.T, raw []byte) Event {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("oracle cannot read %s: %v", raw, err)
	}
	str := func(v any) string { s, _ := v.(string); return s }
	id, _ := m["userIdentity"].(map[string]any)
	at, err := time.Parse(time.RFC3339, str(m["eventTime"]))
	if err != nil {
		t.Fatalf("oracle cannot read eventTime: %v", err)
	}
	var ro *bool
	if b, ok := m["readOnly"].(bool); ok {
		ro = &b
	}
	return Event{
		EventTime: at.UTC(), EventName: str(m["eventName"]), EventSource: str(m["eventSource"]),
		EventID: str(m["eventID"]), AWSRegion: str(m["awsRegion"]), RecipientAccountID: str(m["recipientAccountId"]),
		PrincipalARN: str(id["arn"]), PrincipalType: str(id["type"]), AccessKeyID: str(id["accessKeyId"]),
		SourceIPAddress: str(m["sourceIPAddress"]), UserAgent: str(m["userAgent"]), ErrorCode: str(m["errorCode"]),
		ReadOnly: ro,
	}
}

func compareWithOracle(t *testing.T, where string, got *Event, raw []byte) {
	t.Helper()
	want := oracle(t, raw)
	if !got.EventTime.Equal(want.EventTime) || got.EventName != want.EventName {
		t.Errorf("%s: got %s %s, want %s %s", where, got.EventName, got.EventTime, want.EventName, want.EventTime)
	}
	checkEvent(t, got, want)
	var back any
	if err := json.Unmarshal([]byte(got.Raw), &back); err != nil {
		t.Errorf("%s: Raw is not JSON: %v", where, err)
	}
}

func TestExternal_StratusRedTeam(t *testing.T) {
	dir := external(t, "stratus-red-team", "detonation-logs")
	total, want := 0, 0
	for _, path := range glob(t, filepath.Join(dir, "*.json")) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := decodeReader(bytes.NewReader(data))
		name := filepath.Base(path)
		if res.err != nil || len(res.rejects) > 0 {
			t.Fatalf("%s: err=%v rejects=%q", name, res.err, rejectSummaries(res.rejects))
		}
		// Independent count: every event has exactly one "eventID" key.
		if n := bytes.Count(data, []byte(`"eventID"`)); n != len(res.events) {
			t.Errorf("%s: %d events, the file has %d \"eventID\" keys", name, len(res.events), n)
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			t.Fatal(err)
		}
		for i, e := range res.events {
			if e.Line != int64(i+1) {
				t.Errorf("%s: event %d has Line %d", name, i+1, e.Line)
			}
			compareWithOracle(t, name, e, raws[i])
		}
		total += len(res.events)
		want += bytes.Count(data, []byte(`"eventID"`))
	}
	if total != 310 || total != want {
		t.Errorf("decoded %d events in all, counted %d \"eventID\" keys, SOURCE.md says 310", total, want)
	}
}

func TestExternal_StratusRedTeamValues(t *testing.T) {
	dir := external(t, "stratus-red-team", "detonation-logs")
	first := func(file string) []*Event {
		t.Helper()
		res := decodeFile(t, filepath.Join(dir, file))
		if res.err != nil || len(res.events) == 0 {
			t.Fatalf("%s: err=%v", file, res.err)
		}
		return res.events
	}
	sg := first("aws.exfiltration.ec2-security-group-open-port-22-ingress.json")[0]
	checkEvent(t, sg, Event{
		EventSource: "ec2.amazonaws.com", AWSRegion: "us-northeast-1r", RecipientAccountID: "032092706103",
		EventID: "9fd68588-ecbf-4528-a345-199fa6bb0821", PrincipalARN: "arn:aws:iam::032092706103:user/christophe",
		PrincipalType: "IAMUser", UserName: "christophe", AccessKeyID: "AKIAXW7UJ577KFYIAHIM",
		SourceIPAddress:   "253.243.215.253", // not a valid address: kept as text
		RequestParameters: `{"cidrIp":"208.236.235.254/0","fromPort":22,"groupId":"sg-003dc7f1f1c686164","ipPermissions":{},"ipProtocol":"tcp","toPort":22}`,
		ReadOnly:          ptr(false),
	})
	fed := first("aws.persistence.sts-federation-token.json")
	equalLists(t, "federation", summaries(fed), []string{
		"1 GetFederationToken 2024-11-30T08:43:17Z user=stratus-red-team-user-federation-user ro=false",
		"2 GetCallerIdentity 2024-11-30T08:43:18Z user=stratus-red-team-user-federation-user ro=true",
	})
	checkEvent(t, fed[1], Event{PrincipalARN: "arn:aws:sts::742491224508:federated-user/stratus_red_team", PrincipalType: "FederatedUser"})
	if !strings.Contains(fed[0].RequestParameters, `"policy":"{\n\t\t\"Version\"`) {
		t.Errorf("escaped policy document not kept byte for byte: %s", fed[0].RequestParameters)
	}
}

func TestExternal_Cribl(t *testing.T) {
	path := filepath.Join(external(t, "criblpacks-cribl-aws-cloudtrail-logs"), "data", "samples", "BeVTW2.json")
	res := decodeFile(t, path)
	if res.err != nil || len(res.rejects) > 0 || len(res.events) != 44 {
		t.Fatalf("err=%v rejects=%q events=%d, want 44", res.err, rejectSummaries(res.rejects), len(res.events))
	}
	data, _ := os.ReadFile(path)
	var wrapped []struct {
		Raw string `json:"_raw"`
	}
	if err := json.Unmarshal(data, &wrapped); err != nil {
		t.Fatal(err)
	}
	for i, e := range res.events {
		compareWithOracle(t, "cribl", e, []byte(wrapped[i].Raw))
	}
	sg := res.events[25]
	equalLists(t, "cribl 26", []string{summary(sg)}, []string{"26 CreateSecurityGroup 2025-07-10T15:25:00Z user=Alice ro=false"})
	checkEvent(t, sg, Event{
		SourceIPAddress: "203.0.113.1", ResponseElements: `{"groupId":"sg-0abcdef1234567890"}`,
		RequestParameters: `{"groupName":"MySecurityGroup","groupDescription":"My test security group","vpcId":"vpc-0abcdef1234567890"}`,
	})
	if !strings.HasPrefix(sg.Raw, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"`) {
		t.Errorf("Raw is the pretty _raw text compacted: %.80s", sg.Raw)
	}
}

func TestExternal_OTelCollector(t *testing.T) {
	dir := external(t, "otel-collector-contrib-awslogsencoding", "cloudtraillog")
	res := decodeFile(t, filepath.Join(dir, "cloudtrail_log.json"))
	if res.err != nil || len(res.rejects) > 0 {
		t.Fatalf("S3 shape: err=%v rejects=%q", res.err, rejectSummaries(res.rejects))
	}
	equalLists(t, "cloudtrail_log.json", summaries(res.events), []string{
		"1 StartInstances 2023-07-19T21:17:28Z user=Mateo ro=false",
		"2 CreateUser 2023-07-19T21:25:09Z user=Mary ro=false",
		"3 Publish 2023-08-21T16:48:37Z user=ExampleUser ro=false",      // AssumedRole: the issuer's name, though its ARN says user/Bob
		"4 UpdateInstanceInformation 2023-01-02T02:51:00Z user= ro=nil", // Insights event
		"5 UpdateTrail 2023-07-19T21:35:03Z user=Terry ro=false",
		"6 ConsoleLogin 2025-06-15T14:30:00Z user=identity-center-user ro=true", // IdentityCenterUser: no userName, the ARN's last part
		"7 RotateKey 2021-01-14T01:41:59Z user= ro=false",
	})
	checkEvent(t, res.events[3], Event{EventSource: "ssm.amazonaws.com", EventType: "AwsCloudTrailInsight", RecipientAccountID: "123456789012"})
	checkEvent(t, res.events[4], Event{ErrorCode: "TrailNotFoundException", PrincipalARN: "arn:aws:iam::111122223333:user/Terry"})
	if res.events[4].ResponseElements != "" || res.events[4].ErrorMessage == "" {
		t.Errorf("UpdateTrail: responseElements null must be empty, errorMessage set: %+v", res.events[4])
	}
	if !strings.Contains(res.events[2].Resources, `"ARN":"arn:aws:sns:`) {
		t.Errorf("Publish resources: %s", res.events[2].Resources)
	}

	res = decodeFile(t, filepath.Join(dir, "cloudtrail_log_cw.json"))
	if res.err != nil || len(res.rejects) > 0 {
		t.Fatalf("CloudWatch shape: err=%v rejects=%q", res.err, rejectSummaries(res.rejects))
	}
	equalLists(t, "cloudtrail_log_cw.json", summaries(res.events), []string{"1 PutObject 2026-01-28T09:26:59Z user= ro=false"})
	checkEvent(t, res.events[0], Event{
		EventSource: "s3.amazonaws.com", AWSRegion: "eu-west-1", RecipientAccountID: "627286350134", PrincipalType: "AWSService",
		SourceIPAddress: "s3.amazonaws.com", EventID: "5cb53c22-36b5-3ca3-a389-dae3eec919df",
		Resources: `[{"accountId":"627286350134","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::elastic-sar-bucket-fe44ff52c91b2efa4bccb8e07c85a202"},{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::elastic-sar-bucket-fe44ff52c91b2efa4bccb8e07c85a202/AWSLogs/627286350134/s3/2026-01-28-09-26-59-AB82D7306CDE5EF8"}]`,
	})
}

func TestExternal_OpenSearch(t *testing.T) {
	dir := external(t, "opensearch-catalog", "aws_cloudtrail")
	res := decodeFile(t, filepath.Join(dir, "raw-sample.json"))
	if res.err != nil || len(res.rejects) > 0 {
		t.Fatalf("raw-sample: err=%v rejects=%q", res.err, rejectSummaries(res.rejects))
	}
	equalLists(t, "raw-sample", summaries(res.events), []string{"1 ListDomainNames 2024-05-22T06:35:54Z user=AwsSecurityAudit ro=true"})
	checkEvent(t, res.events[0], Event{ // redacted identity: kept as text, not parsed
		PrincipalARN: "arn***/assumed-role/AwsSecurityAudit/Palisade", RecipientAccountID: "700***",
		PrincipalAccountID: "700***", SourceIPAddress: "30.*.0.210",
	})

	// samples.json holds OpenSearch documents with the event under
	// aws.cloudtrail: not a CloudTrail shape, so every one is rejected...
	data, err := os.ReadFile(filepath.Join(dir, "samples.json"))
	if err != nil {
		t.Fatal(err)
	}
	res = decodeReader(bytes.NewReader(data))
	if res.err != nil || len(res.events) != 0 || len(res.rejects) != 50 || res.rejects[0].Reason != "missing eventTime" {
		t.Fatalf("samples.json: err=%v events=%d rejects=%d", res.err, len(res.events), len(res.rejects))
	}
	// ...while the events inside, one per line, all decode.
	var docs []struct {
		AWS struct {
			CloudTrail json.RawMessage `json:"cloudtrail"`
		} `json:"aws"`
	}
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	for _, d := range docs {
		_ = json.Compact(&lines, d.AWS.CloudTrail)
		lines.WriteByte('\n')
	}
	res = decodeReader(&lines)
	if res.err != nil || len(res.rejects) > 0 || len(res.events) != 50 {
		t.Fatalf("aws.cloudtrail lines: err=%v rejects=%q events=%d", res.err, rejectSummaries(res.rejects), len(res.events))
	}
	for i, e := range res.events {
		compareWithOracle(t, "opensearch", e, docs[i].AWS.CloudTrail)
	}
}

func TestExternal_OCSF(t *testing.T) {
	dir := external(t, "ocsf-examples", "mappings")
	var files []string
	_ = filepath.WalkDir(dir, func(path string, _ os.DirEntry, _ error) error {
		if strings.Contains(path, "CloudTrail") && strings.HasSuffix(path, ".raw") {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 15 {
		t.Fatalf("found %d CloudTrail .raw files, want 15", len(files))
	}
	for _, path := range files {
		data, _ := os.ReadFile(path)
		res := decodeReader(bytes.NewReader(data))
		rel, _ := filepath.Rel(dir, path)
		if res.err != nil || len(res.rejects) > 0 || len(res.events) != 1 {
			t.Errorf("%s: err=%v rejects=%q events=%d", rel, res.err, rejectSummaries(res.rejects), len(res.events))
			continue
		}
		compareWithOracle(t, rel, res.events[0], data)
	}
	res := decodeFile(t, filepath.Join(dir, "markdown", "AWS", "v1.1.0", "CloudTrail", "Account Change", "samples", "account_change.raw"))
	equalLists(t, "account_change", summaries(res.events), []string{"1 CreateUser 2023-03-17T17:07:59Z user=Admin ro=false"})
	checkEvent(t, res.events[0], Event{PrincipalARN: "arn:aws:sts::112233445566:assumed-role/Admin/Admin-user", AccessKeyID: "ASIA2W7SOKHEXAMPLE"})
}

// codeBlocks returns the fenced blocks of a markdown file that hold JSON.
func codeBlocks(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		if b := strings.TrimSpace(m[1]); strings.HasPrefix(b, "{") {
			out = append(out, b)
		}
	}
	return out
}

func TestExternal_AWSDocs(t *testing.T) {
	dir := external(t, "awsdocs-aws-cloudtrail-user-guide")
	var got []string
	for _, b := range codeBlocks(t, filepath.Join(dir, "cloudtrail-log-file-examples.md")) {
		res := decodeString(b)
		if len(res.rejects) > 0 {
			t.Errorf("rejects %q", rejectSummaries(res.rejects))
		}
		if res.err != nil {
			got = append(got, res.err.Error())
		}
		got = append(got, summaries(res.events)...)
	}
	equalLists(t, "log file examples", got, []string{
		"1 StartInstances 2014-03-06T21:22:54Z user=Alice ro=nil",
		"1 StopInstances 2014-03-06T21:01:59Z user=Alice ro=nil",
		"1 CreateKeyPair 2014-03-06T17:10:34Z user=Alice ro=nil",
		"1 CreateUser 2014-03-24T21:11:59Z user=Alice ro=nil",
		"1 AddUserToGroup 2014-03-25T21:08:14Z user=Alice ro=nil",
		// The CreateRole example breaks a JSON string across lines.
		`cannot decode CloudTrail JSON at line 19: invalid character '\n' in string literal`,
		"1 UpdateTrail 2016-07-14T19:15:45Z user=Alice ro=nil",
		"1 UpdateInstanceInformation 2019-11-14T00:51:00Z user= ro=nil",
		"2 UpdateInstanceInformation 2019-11-14T00:52:00Z user= ro=nil",
	})
	got = nil
	for _, b := range codeBlocks(t, filepath.Join(dir, "cloudtrail-event-reference-aws-console-sign-in-events.md")) {
		res := decodeString(b)
		if res.err != nil || len(res.rejects) > 0 || len(res.events) != 1 {
			t.Errorf("sign-in example: err=%v rejects=%q events=%d", res.err, rejectSummaries(res.rejects), len(res.events))
			continue
		}
		var s3 struct{ Records []json.RawMessage }
		raw := []byte(b)
		if json.Unmarshal(raw, &s3) == nil && len(s3.Records) == 1 {
			raw = s3.Records[0]
		}
		compareWithOracle(t, "sign-in example", res.events[0], raw)
		got = append(got, res.events[0].EventName+" "+res.events[0].UserName)
	}
	equalLists(t, "sign-in examples", got, []string{
		"ConsoleLogin anaya", "ConsoleLogin anaya", "ConsoleLogin anaya", "CheckMfa anaya", "CheckMfa anaya",
		"ConsoleLogin root", "ConsoleLogin root", "ConsoleLogin root", "EnableMFADevice root", "PasswordUpdated root",
	})
}

// TestExternal_Sekoia checks against Sekoia's own expected parse: the
// action, time, source address and the caller's account.
func TestExternal_Sekoia(t *testing.T) {
	dir := external(t, "sekoia-intake-formats", "aws-cloudtrail", "tests")
	for _, path := range glob(t, filepath.Join(dir, "*.json")) {
		data, _ := os.ReadFile(path)
		var c struct {
			Input    struct{ Message string }
			Expected struct {
				Timestamp string `json:"@timestamp"`
				Event     struct{ Action, Provider string }
				Source    struct{ IP string }
				Cloud     struct {
					Region  string
					Account struct{ ID string }
				}
			}
		}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		res := decodeString(c.Input.Message)
		if res.err != nil || len(res.rejects) > 0 || len(res.events) != 1 {
			t.Errorf("%s: err=%v rejects=%q events=%d", name, res.err, rejectSummaries(res.rejects), len(res.events))
			continue
		}
		e, x := res.events[0], c.Expected
		if e.EventName != x.Event.Action || e.EventSource != x.Event.Provider || e.EventTime.Format(time.RFC3339) != x.Timestamp {
			t.Errorf("%s: got %s %s %s, Sekoia %s %s %s", name, e.EventName, e.EventSource, e.EventTime, x.Event.Action, x.Event.Provider, x.Timestamp)
		}
		checkEvent(t, e, Event{SourceIPAddress: x.Source.IP, AWSRegion: x.Cloud.Region, PrincipalAccountID: x.Cloud.Account.ID})
	}
}

// pantherLogs cuts the flow-style `Log: {...}` blocks out of Panther's rule
// YAML. They are JSON but for trailing commas; block-style YAML logs are
// skipped, as reading them would need a YAML parser.
func pantherLogs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	trailing := regexp.MustCompile(`,(\s*[}\]])`)
	var out []string
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		indent, ok := strings.CutSuffix(lines[i], "Log:")
		if !ok || strings.TrimSpace(indent) != "" || i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "{" {
			continue
		}
		var block []string
		for i++; i < len(lines) && (strings.TrimSpace(lines[i]) == "" || strings.HasPrefix(lines[i], indent+" ")); i++ {
			block = append(block, lines[i])
		}
		i--
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(trailing.ReplaceAllString(strings.Join(block, "\n"), "$1"))) == nil {
			out = append(out, buf.String())
		}
	}
	return out
}

func TestExternal_Panther(t *testing.T) {
	dir := external(t, "panther-analysis", "rules", "aws_cloudtrail_rules")
	var all []string
	for _, path := range glob(t, filepath.Join(dir, "*.yml")) {
		all = append(all, pantherLogs(t, path)...)
	}
	res := decodeString(strings.Join(all, "\n"))
	if res.err != nil || len(all) != 67 || len(res.events) != 48 {
		t.Fatalf("err=%v logs=%d events=%d, want 67 logs, 48 events", res.err, len(all), len(res.events))
	}
	// 18 test logs carry Panther's normalised time ("2025-01-20 15:59:33.000000000",
	// next to p_event_time), not CloudTrail's RFC 3339; one has no eventTime.
	reasons := map[string]int{}
	for _, r := range res.rejects {
		reason, _, _ := strings.Cut(r.Reason, `"`)
		reasons[reason]++
	}
	if len(reasons) != 2 || reasons["eventTime "] != 18 || reasons["missing eventTime"] != 1 {
		t.Errorf("rejects %q", rejectSummaries(res.rejects))
	}
	for _, e := range res.events {
		compareWithOracle(t, "panther", e, []byte(all[e.Line-1]))
	}
}

// TestExternal_Splunk reads the example_log of Splunk's data source
// definitions: YAML single-quoted scalars folded over several lines.
func TestExternal_Splunk(t *testing.T) {
	dir := external(t, "splunk-security_content", "data_sources")
	n := 0
	for _, path := range glob(t, filepath.Join(dir, "aws_cloudtrail*.yml")) {
		data, _ := os.ReadFile(path)
		_, rest, ok := strings.Cut(string(data), "\nexample_log: '")
		if !ok {
			continue
		}
		folded, _, _ := strings.Cut(rest, "'\n")
		var parts []string
		for _, l := range strings.Split(folded, "\n") {
			parts = append(parts, strings.TrimSpace(l))
		}
		raw := strings.ReplaceAll(strings.Join(parts, " "), "''", "'")
		res := decodeString(raw)
		if res.err != nil || len(res.rejects) > 0 || len(res.events) != 1 {
			t.Errorf("%s: err=%v rejects=%q events=%d", filepath.Base(path), res.err, rejectSummaries(res.rejects), len(res.events))
			continue
		}
		compareWithOracle(t, filepath.Base(path), res.events[0], []byte(raw))
		n++
	}
	if n != 11 { // aws_cloudtrail.yml has no example_log
		t.Errorf("decoded %d example logs, want 11", n)
	}
}
