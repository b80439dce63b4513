package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// decoder holds what every framing shares: the callbacks and what was
// already produced, which tells a lone digest file from a stray digest.
type decoder struct {
	emit     func(*Event) error
	reject   func(Reject) error
	emitted  int64
	rejected int64
}

// unit is one record as the framing cut it out: its line (or index) and
// bytes. A reject quotes these, however deep inside wrappers the problem
// was found, so the quarantine shows what the source really held.
type unit struct {
	line int64
	raw  []byte
}

// record handles one JSON value: an event, a wrapper around one, or a
// container of several. raw is the value at this depth of unwrapping.
func (d *decoder) record(u unit, raw []byte, depth int) error {
	if depth > maxDepth {
		return d.rejectf(u, "wrappers nested more than %d deep", maxDepth)
	}
	var w wire
	if reason := decodeWire(raw, &w); reason != "" {
		return d.rejectf(u, "%s", reason)
	}
	switch {
	case w.MessageType == "CONTROL_MESSAGE":
		return nil // a CloudWatch Logs health check, not evidence
	case w.hasContainer():
		return d.container(u, &w, depth)
	case w.EventName != "":
		return d.event(u, raw, &w)
	case w.DetailType != "":
		return d.detail(u, &w, depth)
	case isString(w.Message):
		return d.wrapped(u, w.Message, depth)
	case isString(w.CriblRaw):
		return d.wrapped(u, w.CriblRaw, depth)
	case w.isDigest():
		return d.digest(u)
	}
	return d.event(u, raw, &w)
}

// decodeWire fills w from raw and says why raw is unusable, or "".
// Type mismatches in single fields are tolerated: the field stays empty and
// the event is still kept, whole, in Raw.
func decodeWire(raw []byte, w *wire) string {
	err := json.Unmarshal(raw, w)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "not JSON: " + se.Error()
	case !bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte("{")):
		return "not a JSON object"
	case err == nil || errors.As(err, &te):
		return ""
	}
	return "cannot decode record: " + err.Error()
}

// container walks the arrays of an S3 file, a filter-log-events output or
// a CloudWatch Logs subscription payload found inside one record.
func (d *decoder) container(u unit, w *wire, depth int) error {
	for _, c := range w.containers() {
		if !present(c.raw) {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(c.raw, &items); err != nil {
			return d.rejectf(u, "%q is not an array", c.name)
		}
		for _, it := range items {
			if err := d.record(unit{u.line, it}, it, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// detail unwraps an EventBridge envelope; only CloudTrail's detail types
// carry a CloudTrail event.
func (d *decoder) detail(u unit, w *wire, depth int) error {
	if !strings.HasSuffix(string(w.DetailType), "via CloudTrail") {
		return d.rejectf(u, "EventBridge event %q is not from CloudTrail", short(string(w.DetailType)))
	}
	if !present(w.Detail) {
		return d.rejectf(u, "EventBridge envelope has no detail")
	}
	return d.record(u, w.Detail, depth+1)
}

// wrapped unwraps a field that holds the event as a JSON string
// (CloudWatch Logs "message", Cribl and Splunk "_raw").
func (d *decoder) wrapped(u unit, field json.RawMessage, depth int) error {
	var s string
	if err := json.Unmarshal(field, &s); err != nil {
		return d.rejectf(u, "cannot decode wrapped event: %v", err)
	}
	return d.record(u, []byte(s), depth+1)
}

// digest stops a digest file at once; a digest among events is an odd
// record, not a reason to drop the events.
func (d *decoder) digest(u unit) error {
	if d.emitted+d.rejected == 0 {
		return ErrDigest
	}
	return d.rejectf(u, "CloudTrail digest record among events")
}

func (d *decoder) rejectf(u unit, format string, args ...any) error {
	d.rejected++
	rj := Reject{Line: u.line, Reason: fmt.Sprintf(format, args...), Raw: bytes.Clone(u.raw)}
	if err := d.reject(rj); err != nil {
		return fmt.Errorf("cannot reject record at line %d: %w", u.line, err)
	}
	return nil
}

// short keeps a reason readable when it quotes a hostile value.
func short(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// present reports whether a raw field was given a non-null value.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

func isString(raw json.RawMessage) bool {
	return len(raw) > 0 && raw[0] == '"'
}
