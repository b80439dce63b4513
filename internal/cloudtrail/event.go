package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// wire is the part of a record the decoder reads: the event fields that
// become columns, and the keys that mark a wrapper or container instead.
type wire struct {
	EventTime          text            `json:"eventTime"`
	EventSource        text            `json:"eventSource"`
	EventName          text            `json:"eventName"`
	AWSRegion          text            `json:"awsRegion"`
	RecipientAccountID text            `json:"recipientAccountId"`
	EventID            text            `json:"eventID"`
	EventType          text            `json:"eventType"`
	ReadOnly           json.RawMessage `json:"readOnly"`
	UserIdentity       identity        `json:"userIdentity"`
	SourceIPAddress    text            `json:"sourceIPAddress"`
	UserAgent          text            `json:"userAgent"`
	ErrorCode          text            `json:"errorCode"`
	ErrorMessage       text            `json:"errorMessage"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	Resources          json.RawMessage `json:"resources"`
	InsightDetails     insight         `json:"insightDetails"`

	DetailType        text            `json:"detail-type"` // EventBridge
	Detail            json.RawMessage `json:"detail"`
	Message           json.RawMessage `json:"message"` // CloudWatch Logs
	CriblRaw          json.RawMessage `json:"_raw"`    // Cribl, Splunk
	MessageType       text            `json:"messageType"`
	Records           json.RawMessage `json:"Records"`   // S3 log file
	Events            json.RawMessage `json:"events"`    // aws logs filter-log-events
	LogEvents         json.RawMessage `json:"logEvents"` // CloudWatch Logs subscription
	DigestStartTime   json.RawMessage `json:"digestStartTime"`
	DigestFingerprint json.RawMessage `json:"digestPublicKeyFingerprint"`
}

type identity struct {
	Type           text `json:"type"`
	ARN            text `json:"arn"`
	AccountID      text `json:"accountId"`
	UserName       text `json:"userName"`
	AccessKeyID    text `json:"accessKeyId"`
	SessionContext struct {
		SessionIssuer struct {
			ARN      text `json:"arn"`
			UserName text `json:"userName"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

// insight holds what an Insights event says about the API it watched.
type insight struct {
	EventSource text `json:"eventSource"`
	EventName   text `json:"eventName"`
	ErrorCode   text `json:"errorCode"`
}

type namedRaw struct {
	name string
	raw  json.RawMessage
}

func (w *wire) containers() []namedRaw {
	return []namedRaw{{"Records", w.Records}, {"events", w.Events}, {"logEvents", w.LogEvents}}
}

func (w *wire) hasContainer() bool {
	return present(w.Records) || present(w.Events) || present(w.LogEvents)
}

func (w *wire) isDigest() bool {
	return present(w.DigestStartTime) || present(w.DigestFingerprint)
}

// text is a string field that tolerates what producers actually send:
// numbers and booleans keep their literal text (account ids sometimes come
// as numbers), null and nested values leave it empty.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '"':
		// The decoder has checked the syntax already, so a literal without
		// escapes is its own value; only escapes need decoding.
		if lit := b[1 : len(b)-1]; bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
			*t = text(lit)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("cannot decode string: %w", err)
		}
		*t = text(s)
	case '{', '[', 'n':
		*t = ""
	default:
		*t = text(b)
	}
	return nil
}

// event checks the fields an event cannot do without and emits it.
func (d *decoder) event(u unit, raw []byte, w *wire) error {
	w.useInsight()
	if w.EventTime == "" {
		return d.rejectf(u, "missing eventTime")
	}
	if w.EventName == "" {
		return d.rejectf(u, "missing eventName")
	}
	t, ok := parseRFC3339(string(w.EventTime))
	if !ok {
		return d.rejectf(u, "eventTime %q is not RFC 3339", short(string(w.EventTime)))
	}
	d.emitted++
	if err := d.emit(w.event(t.UTC(), raw, u.line)); err != nil {
		return fmt.Errorf("cannot emit event at line %d: %w", u.line, err)
	}
	return nil
}

// parseRFC3339 parses s strictly. time.Parse alone also takes shapes that
// RFC 3339 forbids, such as one-digit hours or a comma before the fraction.
func parseRFC3339(s string) (time.Time, bool) {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(s) <= len(shape) || s[len(shape)] == ',' {
		return time.Time{}, false
	}
	for i := range len(shape) {
		if c := s[i]; shape[i] == 'd' && (c < '0' || c > '9') || shape[i] != 'd' && c != shape[i] {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// useInsight names an Insights event after the API it is about: such events
// carry eventName and eventSource only inside insightDetails.
func (w *wire) useInsight() {
	if w.EventName != "" || w.EventType != "AwsCloudTrailInsight" {
		return
	}
	in := w.InsightDetails
	w.EventName, w.EventSource = in.EventName, first(w.EventSource, in.EventSource)
	w.ErrorCode = first(w.ErrorCode, in.ErrorCode)
}

func (w *wire) event(t time.Time, raw []byte, line int64) *Event {
	id := &w.UserIdentity
	arn := first(id.ARN, id.SessionContext.SessionIssuer.ARN)
	return &Event{
		EventTime:          t,
		EventSource:        string(w.EventSource),
		EventName:          string(w.EventName),
		AWSRegion:          string(w.AWSRegion),
		RecipientAccountID: string(first(w.RecipientAccountID, id.AccountID)),
		EventID:            string(w.EventID),
		EventType:          string(w.EventType),
		ReadOnly:           parseBool(w.ReadOnly),
		PrincipalARN:       string(arn),
		PrincipalType:      string(id.Type),
		PrincipalAccountID: string(id.AccountID),
		UserName:           string(first(id.UserName, id.SessionContext.SessionIssuer.UserName, lastPart(arn))),
		AccessKeyID:        string(id.AccessKeyID),
		SourceIPAddress:    string(w.SourceIPAddress),
		UserAgent:          string(w.UserAgent),
		ErrorCode:          string(w.ErrorCode),
		ErrorMessage:       string(w.ErrorMessage),
		RequestParameters:  compactJSON(w.RequestParameters),
		ResponseElements:   compactJSON(w.ResponseElements),
		Resources:          compactJSON(w.Resources),
		Raw:                compactJSON(raw),
		Line:               line,
	}
}

func first(vals ...text) text {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// lastPart names a principal from its ARN when the record names no user:
// "arn:aws:iam::123456789012:root" → "root",
// "arn:aws:sts::123456789012:assumed-role/Admin/alice" → "alice".
func lastPart(arn text) text {
	s := string(arn)
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		s = s[i+1:]
	}
	return text(s)
}

// parseBool reads readOnly, which arrives as a bool or as a string; any
// other value is unknown, not false.
func parseBool(raw json.RawMessage) *bool {
	var t text
	if !present(raw) || json.Unmarshal(raw, &t) != nil {
		return nil
	}
	b, err := strconv.ParseBool(string(t))
	if err != nil {
		return nil
	}
	return &b
}

// compactJSON re-encodes a value without insignificant space, keeping its
// content byte for byte (key order, number text, escapes). Invalid UTF-8,
// which can only sit inside strings, becomes U+FFFD as encoding/json does
// when it decodes, so the text stays valid JSON for any reader.
func compactJSON(raw []byte) string {
	if !present(raw) {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "" // unreachable: raw was checked by the decoder
	}
	return validUTF8(b.Bytes())
}

// validUTF8 replaces each invalid byte with U+FFFD, byte by byte as
// encoding/json does (bytes.ToValidUTF8 would fold a run into one), so that
// Raw and the fields decoded from it agree.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}
