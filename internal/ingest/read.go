package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/flowtrail/flowtrail/internal/cloudtrail"
	"github.com/flowtrail/flowtrail/internal/inventory"
	"github.com/flowtrail/flowtrail/internal/source"
)

// Source kinds, as the ledger records them.
const (
	kindFlowText   = "flowlog-text"
	kindFlowJSON   = "flowlog-json"
	kindFlowPQ     = "flowlog-parquet"
	kindCloudTrail = "cloudtrail"
	kindDigest     = "cloudtrail-digest"
	kindSnapshot   = "ec2-snapshot"
)

// read parses one source, sending its rows to chunks.
func (r *run) read(ctx context.Context, j *job, chunks chan<- *chunk) result {
	q := r.w.NewQuarantine(j.id, j.obj.URI)
	send := func(c *chunk) error {
		select {
		case chunks <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e := newEmitter(j, send, q)
	err := r.readObject(ctx, j, e)
	if err == nil {
		err = e.flush()
	}
	rel, qerr := q.Close()
	if err == nil {
		err = qerr
	}
	if err != nil && rel != "" {
		os.Remove(filepath.Join(r.w.Dir(), filepath.FromSlash(rel)))
		rel = ""
	}
	return result{job: j, records: e.records, rejected: q.Count(), quar: rel, err: err}
}

func (r *run) readObject(ctx context.Context, j *job, e *emitter) error {
	raw, err := j.obj.Open(ctx)
	if err != nil {
		return err
	}
	defer raw.Close()
	h := sha256.New()
	content, err := source.Decompress(io.TeeReader(raw, h), j.obj.Size, r.cfg.Limits)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(content, 256<<10)
	if err := r.dispatch(ctx, j, e, br); err != nil {
		return err
	}
	// Hash what is left (a reader may stop early, e.g. Parquet footer).
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("cannot read to the end: %w", err)
	}
	j.sha256 = finishHash(h, raw)
	return nil
}

// finishHash reads what the decompressor left unread of the raw stream,
// so the digest covers the whole object.
func finishHash(h hash.Hash, raw io.Reader) string {
	_, _ = io.Copy(h, raw)
	return hex.EncodeToString(h.Sum(nil))
}

// dispatch detects what the content is and hands it to its reader.
func (r *run) dispatch(ctx context.Context, j *job, e *emitter, br *bufio.Reader) error {
	head, _ := br.Peek(64 << 10)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")):
		j.kind = kindFlowPQ
		return r.readParquet(ctx, j, e, br)
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		if inventory.SniffSnapshot(trimmed) {
			return r.readSnapshot(j, e, br)
		}
		if cloudtrail.Sniff(trimmed) {
			return r.readCloudTrail(j, e, br)
		}
		j.kind = kindFlowJSON
		return r.readWrapped(j, e, br)
	case len(trimmed) == 0:
		j.kind = kindFlowText
		return nil
	}
	j.kind = kindFlowText
	fr := &flowReader{job: j, userFmt: r.userFmt, out: e}
	return readLines(br, fr.line)
}

func (r *run) readCloudTrail(j *job, e *emitter, br *bufio.Reader) error {
	j.kind = kindCloudTrail
	err := cloudtrail.Decode(br, e.event, func(rj cloudtrail.Reject) error {
		return e.reject(rj.Line, rj.Reason, rj.Raw)
	})
	if errors.Is(err, cloudtrail.ErrDigest) {
		j.kind = kindDigest
		return nil
	}
	return err
}
