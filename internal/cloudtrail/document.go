package cloudtrail

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// docDecoder frames records out of JSON that spans lines: an S3 log file
// {"Records":[...]}, a JSON array, pretty-printed events or envelopes,
// CloudWatch Logs payloads written back to back. It walks the document with
// json.Decoder tokens, so it holds one record at a time however big the
// document is. A syntax error leaves no way to find the next record, so it
// stops the source.
type docDecoder struct {
	*decoder
	dec   *json.Decoder
	meter *meter
	n     int64 // records framed so far; the next one's Line is n+1
	depth int   // objects open, bounded so hostile nesting cannot exhaust the stack
}

// streamKeys are the keys whose arrays hold records: S3 files,
// filter-log-events output and CloudWatch Logs subscription payloads.
var streamKeys = map[string]bool{"Records": true, "events": true, "logEvents": true}

func (d *decoder) document(r io.Reader) error {
	m := &meter{r: r}
	dd := &docDecoder{decoder: d, dec: json.NewDecoder(m), meter: m}
	dd.dec.UseNumber() // scalars are written back as they came
	for {
		dd.mark()
		tok, err := dd.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return dd.fail(err)
		}
		if err := dd.top(tok); err != nil {
			return err
		}
	}
}

func (d *docDecoder) top(tok json.Token) error {
	switch tok {
	case json.Delim('['):
		return d.array()
	case json.Delim('{'):
		return d.object()
	}
	d.n++
	return d.rejectf(unit{d.n, scalar(tok)}, "not a JSON object")
}

// array frames each element as one record; its opening '[' is consumed.
func (d *docDecoder) array() error {
	for d.dec.More() {
		raw, err := d.value()
		if err != nil {
			return err
		}
		d.n++
		if err := d.framed(raw); err != nil {
			return err
		}
	}
	return d.end()
}

func (d *docDecoder) framed(raw []byte) error {
	if len(raw) > maxRecordBytes {
		u := unit{d.n, raw[:rejectRawBytes]}
		return d.rejectf(u, "record longer than %d bytes", maxRecordBytes)
	}
	return d.record(unit{d.n, raw}, raw, 0)
}

// object reads a top-level object whose '{' is consumed. Until its end it
// is not known whether it is an envelope whose arrays were streamed or one
// record, so its other fields are kept, up to maxRecordBytes.
func (d *docDecoder) object() error {
	if d.depth++; d.depth > maxDepth {
		return d.fail(fmt.Errorf("objects nested more than %d deep", maxDepth))
	}
	defer func() { d.depth-- }()
	var o pending
	for d.dec.More() {
		key, err := d.key()
		if err != nil {
			return err
		}
		if err := d.field(&o, key); err != nil {
			return err
		}
	}
	if err := d.end(); err != nil {
		return err
	}
	return d.finish(&o)
}

func (d *docDecoder) field(o *pending, key string) error {
	if !streamKeys[key] {
		raw, err := d.value()
		if err != nil {
			return err
		}
		o.add(key, raw)
		return nil
	}
	d.mark()
	tok, err := d.dec.Token()
	if err != nil {
		return d.fail(err)
	}
	switch tok {
	case json.Delim('['):
		o.streamed = true
		return d.array()
	case json.Delim('{'):
		o.streamed = true
		return d.object()
	}
	o.add(key, scalar(tok))
	return nil
}

func (d *docDecoder) finish(o *pending) error {
	if o.streamed {
		return nil
	}
	d.n++
	if o.long {
		u := unit{d.n, o.buf}
		return d.rejectf(u, "record longer than %d bytes", maxRecordBytes)
	}
	raw := o.bytes()
	return d.record(unit{d.n, raw}, raw, 0)
}

func (d *docDecoder) key() (string, error) {
	d.mark()
	tok, err := d.dec.Token()
	if err != nil {
		return "", d.fail(err)
	}
	key, _ := tok.(string) // in key position the decoder yields only strings
	return key, nil
}

func (d *docDecoder) value() (json.RawMessage, error) {
	d.mark()
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, d.fail(err)
	}
	return raw, nil
}

// end consumes the ']' or '}' that More found.
func (d *docDecoder) end() error {
	if _, err := d.dec.Token(); err != nil {
		return d.fail(err)
	}
	return nil
}

// mark tells the meter that a new record or field starts here.
func (d *docDecoder) mark() {
	d.meter.setMark(d.dec.InputOffset())
}

// fail turns a decoder error into one that names the line.
func (d *docDecoder) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // only the top level may end
	}
	line := d.meter.errorLine(d.dec.InputOffset())
	return fmt.Errorf("cannot decode CloudTrail JSON at line %d: %w", line, err)
}

// pending collects a top-level object's fields as compact-ready JSON.
type pending struct {
	buf      []byte
	streamed bool // an array of records was found and streamed
	long     bool // over maxRecordBytes; buf keeps only a prefix to quote
}

func (o *pending) add(key string, raw []byte) {
	if o.long {
		return
	}
	sep := byte(',')
	if len(o.buf) == 0 {
		sep = '{'
	}
	k, _ := json.Marshal(key) // a string always marshals
	o.buf = append(append(append(append(o.buf, sep), k...), ':'), raw...)
	if len(o.buf) > maxRecordBytes {
		o.buf, o.long = o.buf[:rejectRawBytes:rejectRawBytes], true
	}
}

func (o *pending) bytes() []byte {
	if len(o.buf) == 0 {
		return []byte("{}")
	}
	return append(o.buf, '}')
}

// scalar writes a scalar token back as JSON; with UseNumber numbers keep
// their text.
func scalar(tok json.Token) []byte {
	b, _ := json.Marshal(tok) // strings, json.Number, bools and nil always marshal
	return b
}
