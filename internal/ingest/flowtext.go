package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// flowReader turns the lines of one flow-log object into rows. A header
// line sets the format (and may repeat mid-object); without one, the
// user's --flow-format or the well-known layout for the line's field
// count applies.
type flowReader struct {
	job     *job
	userFmt *flowlog.Format
	parser  *flowlog.Parser
	warned  bool
	out     *emitter
	rec     flowlog.Record // reused: Parse resets what it set
}

// readLines feeds every line of r to handle, with its 1-based number.
// Lines longer than flowlog.MaxLineBytes are passed truncated with
// tooLong set, and never buffered whole.
func readLines(r io.Reader, handle func(n int64, line []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		long := false
		if errors.Is(err, bufio.ErrBufferFull) {
			head := slices.Clone(line[:min(len(line), flowlog.MaxLineBytes)])
			if err = skipRest(br); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			line, long = head, true
		}
		if len(line) > 0 {
			n++
			if herr := handle(n, bytes.TrimRight(line, "\r\n"), long || len(line) > flowlog.MaxLineBytes); herr != nil {
				return herr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !long {
			return err
		}
	}
}

func skipRest(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func (fr *flowReader) line(n int64, line []byte, tooLong bool) error {
	if tooLong {
		return fr.out.reject(n, fmt.Sprintf("line longer than %d bytes", flowlog.MaxLineBytes), line)
	}
	if n == 1 {
		line = bytes.TrimPrefix(line, []byte("\ufeff")) // a byte-order mark some editors add
	}
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 {
		return nil
	}
	if flowlog.IsHeader(trimmed) {
		return fr.header(n, trimmed)
	}
	if fr.parser == nil {
		if err := fr.guessFormat(line); err != nil {
			return err
		}
	}
	return fr.record(n, line)
}

func (fr *flowReader) header(n int64, line []byte) error {
	f, err := flowlog.ParseFormat(string(line))
	if err != nil {
		return fr.out.reject(n, err.Error(), line)
	}
	if len(f.Unknown) > 0 && !fr.warned {
		slog.Warn("header names fields flowtrail does not know; keeping them as text columns", "source", fr.job.obj.URI, "line", n, "fields", f.Unknown)
		fr.warned = true
	}
	fr.parser = flowlog.NewParser(f)
	fr.job.format = f.String()
	return nil
}

// guessFormat picks the format of a headerless object.
func (fr *flowReader) guessFormat(line []byte) error {
	if fr.userFmt != nil {
		fr.parser = flowlog.NewParser(*fr.userFmt)
		fr.job.format = fr.userFmt.String()
		return nil
	}
	if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
		// Flow logs have no comments: this is some other text file (an
		// indicator list, notes) that sits among the logs.
		return fmt.Errorf("line 1 is a comment (%.40q): this is not a flow log; if it is one, pass --flow-format with its format", line)
	}
	n := flowlog.Fields(line)
	f, ok := flowlog.ForFieldCount(n)
	if !ok {
		return fmt.Errorf("line 1 has %d fields, no header line names them and no --flow-format was given: pass --flow-format with the flow log's format", n)
	}
	fr.parser = flowlog.NewParser(f)
	fr.job.format = f.String()
	return nil
}

func (fr *flowReader) record(n int64, line []byte) error {
	rec := &fr.rec
	if err := fr.parser.Parse(line, rec); err != nil {
		return fr.out.reject(n, err.Error(), line)
	}
	rec.Line = n
	return fr.out.flow(fr.parser.Format, rec)
}
