package lake

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"unicode/utf8"
)

// maxRawBytes bounds how much of a rejected line the quarantine keeps.
const maxRawBytes = 8 << 10

// Reject is one quarantined line.
type Reject struct {
	Source    string `json:"source"`
	SourceID  int64  `json:"source_id"`
	Line      int64  `json:"line"`
	Reason    string `json:"reason"`
	Raw       string `json:"raw"`
	RawBase64 string `json:"raw_base64,omitempty"` // the exact bytes, when they are not UTF-8
	Truncated bool   `json:"truncated,omitempty"`
}

// Quarantine collects one source's rejected lines in a JSON-lines file.
// The file is created on the first reject and becomes live with the
// source's ledger entry at Commit.
type Quarantine struct {
	dir, rel string
	uri      string
	id       int64
	f        *os.File
	bw       *bufio.Writer
	n        int64
}

// NewQuarantine prepares the quarantine of source id.
func (w *Writer) NewQuarantine(id int64, uri string) *Quarantine {
	return &Quarantine{dir: w.dir, rel: path.Join(quarantineDir, fmt.Sprintf("%d.jsonl", id)), uri: uri, id: id}
}

// Add records one rejected line.
func (q *Quarantine) Add(line int64, reason string, raw []byte) error {
	if q.f == nil {
		if err := q.open(); err != nil {
			return err
		}
	}
	r := Reject{Source: q.uri, SourceID: q.id, Line: line, Reason: reason}
	if len(raw) > maxRawBytes {
		raw, r.Truncated = cutRaw(raw), true
	}
	r.Raw = string(raw)
	if !utf8.Valid(raw) {
		r.RawBase64 = base64.StdEncoding.EncodeToString(raw)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cannot encode reject: %w", err)
	}
	q.n++
	_, err = q.bw.Write(append(b, '\n'))
	return err
}

// cutRaw shortens raw to maxRawBytes, backing off to the start of a
// character the cut would split, so a line that is text stays text.
func cutRaw(raw []byte) []byte {
	n := maxRawBytes
	for n > maxRawBytes-utf8.UTFMax && !utf8.RuneStart(raw[n]) {
		n--
	}
	if !utf8.Valid(raw[:n]) {
		n = maxRawBytes // not text anyway: keep every byte allowed
	}
	return raw[:n]
}

func (q *Quarantine) open() error {
	p := filepath.Join(q.dir, filepath.FromSlash(q.rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cannot create quarantine: %w", err)
	}
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("cannot create quarantine: %w", err)
	}
	q.f, q.bw = f, bufio.NewWriter(f)
	return nil
}

// Count is how many lines were rejected.
func (q *Quarantine) Count() int64 { return q.n }

// Close flushes and syncs the file and returns its relative path, or ""
// when nothing was rejected.
func (q *Quarantine) Close() (string, error) {
	if q.f == nil {
		return "", nil
	}
	if err := q.bw.Flush(); err != nil {
		q.f.Close()
		return "", fmt.Errorf("cannot write quarantine: %w", err)
	}
	if err := q.f.Sync(); err != nil {
		q.f.Close()
		return "", fmt.Errorf("cannot sync quarantine: %w", err)
	}
	return q.rel, q.f.Close()
}
