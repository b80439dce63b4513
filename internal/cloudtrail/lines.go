package cloudtrail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// lines reads one record per line: CloudTrail Lake exports, EventBridge and
// SQS bodies, CloudWatch Logs exports. A bad line is rejected on its own.
func (d *decoder) lines(br *bufio.Reader) error {
	var buf []byte
	for n := int64(1); ; n++ {
		var long bool
		var err error
		buf, long, err = readLine(br, buf[:0])
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("cannot read line %d: %w", n, err)
		}
		if len(buf) > 0 {
			if lerr := d.line(n, buf, long); lerr != nil {
				return lerr
			}
		}
		if err != nil {
			return nil
		}
	}
}

func (d *decoder) line(n int64, buf []byte, long bool) error {
	content := bytes.TrimRight(buf, "\r\n")
	if long || len(content) > maxRecordBytes {
		u := unit{n, content[:min(len(content), rejectRawBytes)]}
		return d.rejectf(u, "line longer than %d bytes", maxRecordBytes)
	}
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil
	}
	return d.record(unit{n, content}, trimmed, 0)
}

// readLine appends the next line to buf, keeping at most maxRecordBytes
// and its line end; long says the rest was dropped, so that memory stays
// bounded whatever the input.
func readLine(br *bufio.Reader, buf []byte) ([]byte, bool, error) {
	const keep = maxRecordBytes + len("\r\n")
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		room := max(keep-len(buf), 0)
		if len(chunk) > room {
			chunk, long = chunk[:room], true
		}
		buf = append(buf, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, long, err
		}
	}
}
