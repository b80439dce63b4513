// Package cloudtrail reads AWS CloudTrail records in every shape they are
// delivered or exported in, and normalises each one into an Event row.
//
// The shapes are told apart from the content, never from a file name:
// an S3 log file {"Records":[...]}, one event per line (CloudTrail Lake
// exports, EventBridge and SQS bodies), EventBridge envelopes, CloudWatch
// Logs wrappers that carry the event as a JSON string, a JSON array of
// events, and pretty-printed variants of all of these. Input is treated as
// hostile: memory stays bounded by the size of one record, and a bad record
// is rejected without stopping the ones after it whenever the framing allows.
package cloudtrail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// Event is one normalised CloudTrail record.
type Event struct {
	EventTime          time.Time // UTC
	EventSource        string    // "ec2.amazonaws.com"
	EventName          string
	AWSRegion          string
	RecipientAccountID string // recipientAccountId, else userIdentity.accountId
	EventID            string
	EventType          string
	ReadOnly           *bool  // readOnly may be absent, a bool, or a string "true"/"false"
	PrincipalARN       string // userIdentity.arn, else sessionIssuer arn
	PrincipalType      string // userIdentity.type
	PrincipalAccountID string // userIdentity.accountId
	UserName           string // userIdentity.userName, else sessionContext.sessionIssuer.userName, else the last part of the ARN
	AccessKeyID        string
	SourceIPAddress    string
	UserAgent          string
	ErrorCode          string
	ErrorMessage       string
	RequestParameters  string // compact JSON text, "" when null/absent
	ResponseElements   string // compact JSON text, "" when null/absent
	Resources          string // compact JSON text of "resources", "" when absent
	Raw                string // the whole event as compact JSON (for chain of custody)
	Line               int64  // 1-based: the line number for one-per-line input, the index (1-based) within Records for the S3 shape
}

// Reject is an input record that could not be used.
type Reject struct {
	Line   int64
	Reason string
	Raw    []byte
}

// ErrDigest is returned for a CloudTrail digest file, which proves the
// integrity of log files but holds no events: the caller records it apart.
var ErrDigest = errors.New("cloudtrail digest file, not events")

const (
	// maxRecordBytes bounds one record. AWS caps a CloudTrail event at
	// 256 KB, so a bigger record is broken or hostile.
	maxRecordBytes = 1 << 20
	// hardLimit is where one record inside a multi-line document stops the
	// source: up to it a long record is rejected and decoding goes on, past
	// it the memory the record would take is refused.
	hardLimit = 8 * maxRecordBytes
	// headBytes is how much of the input is looked at to choose the framing.
	headBytes = 64 << 10
	// rejectRawBytes is how much of an over-long record a Reject quotes.
	rejectRawBytes = 4 << 10
	// maxDepth bounds wrappers inside wrappers (a message string holding an
	// envelope holding ...), so hostile nesting cannot recurse without end.
	maxDepth = 4
)

var utf8BOM = []byte("\xef\xbb\xbf")

// Decode reads CloudTrail from r, streaming, in any of the shapes the
// package documents, detected from the content. Each usable event calls
// emit; each unusable record calls reject and decoding goes on with the
// next one. A syntax error inside a multi-line JSON document stops the
// source with an error that names the line. A digest file yields ErrDigest.
func Decode(r io.Reader, emit func(*Event) error, reject func(Reject) error) error {
	br := bufio.NewReaderSize(r, headBytes)
	d := &decoder{emit: emit, reject: reject}
	if isDocument(br) {
		return d.document(br)
	}
	return d.lines(br)
}

// isDocument peeks at the start to choose the framing. JSON that spans
// lines (pretty-printed, an array, an S3 file that may be one huge line)
// needs a streaming decoder; one record per line is read line by line, so
// that a bad line costs only itself.
func isDocument(br *bufio.Reader) bool {
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM)) // cannot fail: the bytes are buffered
	}
	head, _ := br.Peek(headBytes) // a short head only means a short input
	rest := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(rest) == 0 || (rest[0] != '{' && rest[0] != '['):
		return false
	case rest[0] == '[' || firstKeyIs(rest, "Records"):
		return true
	}
	line, _, found := bytes.Cut(rest, []byte("\n"))
	if !found && len(head) == headBytes {
		return true // a first line longer than the head: one long document
	}
	return !json.Valid(line)
}

// firstKeyIs reports whether the object that p starts with opens with key.
func firstKeyIs(p []byte, key string) bool {
	p = bytes.TrimLeft(p[1:], " \t\r\n")
	return bytes.HasPrefix(p, []byte(`"`+key+`"`))
}
