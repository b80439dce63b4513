package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// meterChunk caps one read, so json.Decoder never buffers far past the
// record it is on.
const meterChunk = 64 << 10

var errTooLong = fmt.Errorf("one record is longer than %d bytes", hardLimit)

// meter sits between the source and json.Decoder. It refuses to read once
// the current record has passed hardLimit, which bounds what the decoder
// can buffer, and it keeps the bytes read since the current record began,
// so that an error can name the exact line of the bad byte.
type meter struct {
	r     io.Reader
	buf   []byte // buf[off:] are the bytes from start to the read frontier
	off   int
	start int64 // input offset of buf[off]
	lines int64 // newlines before start
}

func (m *meter) Read(p []byte) (int, error) {
	if len(m.buf)-m.off > hardLimit {
		return 0, errTooLong
	}
	n, err := m.r.Read(p[:min(len(p), meterChunk)])
	m.keep(p[:n])
	return n, err
}

// keep appends to the window, first sliding it to the front of buf when
// that makes room, so the window costs amortised O(1) a byte.
func (m *meter) keep(p []byte) {
	if m.off > 0 && len(m.buf)+len(p) > cap(m.buf) {
		m.buf = m.buf[:copy(m.buf, m.buf[m.off:])]
		m.off = 0
	}
	m.buf = append(m.buf, p...)
}

// setMark drops the bytes before off: a record or field starts there.
func (m *meter) setMark(off int64) {
	k := int(min(max(off-m.start, 0), int64(len(m.buf)-m.off)))
	m.lines += int64(bytes.Count(m.buf[m.off:m.off+k], []byte("\n")))
	m.off += k
	m.start += int64(k)
}

// lineAt is the 1-based line of input offset off, which must not lie
// before start.
func (m *meter) lineAt(off int64) int64 {
	k := int(min(max(off-m.start, 0), int64(len(m.buf)-m.off)))
	return m.lines + int64(bytes.Count(m.buf[m.off:m.off+k], []byte("\n"))) + 1
}

// errorLine finds the line of a decoding error. The decoder reports where
// the failing value starts (before any space or comma); decoding that value
// again on its own shows the bad byte within it. If the value itself is
// fine (a missing comma before it, say), the error is at its start.
func (m *meter) errorLine(off int64) int64 {
	k := int(min(max(off-m.start, 0), int64(len(m.buf)-m.off)))
	rest := m.buf[m.off+k:]
	ws := len(rest) - len(bytes.TrimLeft(rest, " \t\r\n,"))
	off += int64(ws)
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.NewDecoder(bytes.NewReader(rest[ws:])).Decode(&raw); errors.As(err, &se) {
		off += se.Offset - 1
	}
	return m.lineAt(off)
}
