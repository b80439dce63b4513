package ingest

import (
	"fmt"
	"maps"
	"slices"

	"github.com/flowtrail/flowtrail/internal/flowlog"
	"github.com/flowtrail/flowtrail/internal/lake"
)

// batch is a flowBatch, a ctBatch or a snapBatch.
type batch interface {
	lake.Batch
	schemaOf() *lake.Schema
	sourceIDs() []int64
	drop(id int64)
	weight() int // what the batch counts against the row budget
}

// collector gathers rows by partition and writes a partition's file when
// memory is short or the run ends: one file per partition per run unless
// the input outgrows the row budget.
type collector struct {
	w         *lake.Writer
	maxRows   int
	rows      int
	open      map[partKey]batch
	discarded map[int64]bool
	files     int
}

func newCollector(w *lake.Writer, maxRows int) *collector {
	return &collector{w: w, maxRows: maxRows, open: map[partKey]batch{}, discarded: map[int64]bool{}}
}

func (c *collector) add(ch *chunk) error {
	if c.discarded[ch.source] {
		return nil
	}
	b, err := c.batchFor(ch)
	if err != nil {
		return err
	}
	switch b := b.(type) {
	case *flowBatch:
		b.add(&ch.flows)
		b.sources[ch.source] = true
	case *ctBatch:
		for _, r := range ch.events {
			b.add(r)
		}
	case *snapBatch:
		b.addAll(&ch.snaps)
	}
	c.rows += ch.flows.Len() + len(ch.events) + ch.snaps.weight
	for c.rows > c.maxRows {
		if err := c.flushLargest(); err != nil {
			return err
		}
	}
	return nil
}

func (c *collector) batchFor(ch *chunk) (batch, error) {
	if b, ok := c.open[ch.key]; ok {
		return b, nil
	}
	var b batch
	var err error
	if ch.key.table == lake.TableCloudTrail {
		b, err = newCTBatch()
	} else if ch.key.table == lake.TableSnapshots {
		b, err = newSnapBatch()
	} else {
		t := flowlog.VPC
		if ch.key.table == lake.TableTGWFlows {
			t = flowlog.TGW
		}
		b, err = newFlowBatch(t, ch.unknown)
	}
	if err != nil {
		return nil, err
	}
	c.open[ch.key] = b
	return b, nil
}

func (c *collector) flushLargest() error {
	var big partKey
	n := -1
	for k, b := range c.open {
		if b.weight() > n {
			big, n = k, b.weight()
		}
	}
	return c.flush(big)
}

func (c *collector) flush(k partKey) error {
	b := c.open[k]
	delete(c.open, k)
	c.rows -= b.weight()
	if err := c.w.WriteFile(k.table, k.part, b.schemaOf(), b, b.sourceIDs()); err != nil {
		return err
	}
	c.files++
	return nil
}

// flushAll writes every open batch, in a stable order.
func (c *collector) flushAll() error {
	keys := slices.SortedFunc(maps.Keys(c.open), func(a, b partKey) int {
		return compareKeys(a, b)
	})
	for _, k := range keys {
		if err := c.flush(k); err != nil {
			return fmt.Errorf("cannot write %s: %w", k.table, err)
		}
	}
	return nil
}

func compareKeys(a, b partKey) int {
	x := a.table + "/" + a.part.Path() + "/" + a.unknown
	y := b.table + "/" + b.part.Path() + "/" + b.unknown
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// discard drops a failed source's rows: from open batches now, and from
// files already written at commit.
func (c *collector) discard(id int64) {
	c.discarded[id] = true
	for _, b := range c.open {
		before := b.weight()
		b.drop(id)
		c.rows -= before - b.weight()
	}
	c.w.Discard(id)
}

func (b *flowBatch) schemaOf() *lake.Schema {
	if err := b.buildSchema(); err != nil {
		panic(err) // column names come from the catalogue and a parsed header: always distinct
	}
	return b.schema
}
func (b *ctBatch) schemaOf() *lake.Schema { return b.schema }

func (b *flowBatch) weight() int { return b.Len() }
func (b *ctBatch) weight() int   { return b.Len() }

func (b *flowBatch) sourceIDs() []int64 { return slices.Sorted(maps.Keys(b.sources)) }
func (b *ctBatch) sourceIDs() []int64   { return slices.Sorted(maps.Keys(b.sources)) }

// drop removes a source's chunks; a chunk holds one source's rows.
func (b *flowBatch) drop(id int64) {
	chunks := b.chunks
	b.chunks, b.refs, b.has = nil, nil, 0
	for _, c := range chunks {
		if c.Len() > 0 && c.source(0) != id {
			b.add(c)
		}
	}
	delete(b.sources, id)
}

func (b *ctBatch) drop(id int64) {
	b.rows = slices.DeleteFunc(b.rows, func(r ctRow) bool { return r.source == id })
	delete(b.sources, id)
}
