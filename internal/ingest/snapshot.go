package ingest

import (
	"bufio"
	"time"

	"github.com/flowtrail/flowtrail/internal/inventory"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// snapChunkBytes bounds the document bytes one chunk carries, so a large
// snapshot moves to the collector in pieces, as flows do.
const snapChunkBytes = 1 << 20

// readSnapshot splits an `aws ec2 describe-*` output into items; an item
// that cannot be used goes to the quarantine under its position.
func (r *run) readSnapshot(j *job, e *emitter, br *bufio.Reader) error {
	j.kind = kindSnapshot
	return inventory.SplitSnapshot(br, func(it inventory.SnapshotItem) error {
		if err := it.Validate(); err != nil {
			return e.reject(it.Index, err.Error(), it.Document)
		}
		return e.snapshot(&it)
	})
}

// snapshot adds one item, observed when its source was last modified: a
// describe-* output carries no time of its own, and the file's or
// object's modification time is when it was taken, as near as anything
// says. The partition comes from the item (its owner and region), never
// from where the file happens to lie.
func (e *emitter) snapshot(it *inventory.SnapshotItem) error {
	at := e.job.obj.ModTime.UTC()
	k := partKey{table: lake.TableSnapshots, part: lake.Partition{
		Account: accountOf(it.AccountID), Region: it.Region, Day: at.Truncate(24 * time.Hour)}}
	c := e.pending[k]
	if c == nil {
		c = &chunk{key: k, source: e.job.id}
		e.pending[k] = c
	}
	c.snaps.add(snapRow{observed: at.UnixMicro(), kind: it.Kind, account: it.AccountID, region: it.Region,
		resource: it.ResourceID, doc: string(it.Document), source: e.job.id, line: it.Index})
	e.records[k.table]++
	n := len(c.snaps.rows)
	if c.snaps.bytes >= snapChunkBytes {
		n = chunkRows
	}
	return e.maybeSend(k, n)
}
