package ingest

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/flowtrail/flowtrail/internal/flowlog"
)

// flowRows holds parsed flow records packed in one byte arena: no
// pointers for the garbage collector to chase and about a third of the
// memory of flowlog.Record. Each row is
//
//	uvarint source id, uvarint line, 8-byte field bitmask,
//	then each present field in catalogue order: uvarint for integers,
//	uvarint length + bytes for strings,
//	then uvarint count + (uvarint length + bytes) for unknown fields.
type flowRows struct {
	buf  []byte
	offs []uint32 // start of each row in buf
	keys []rowKey // sort keys, one per row
	has  uint64   // union of the rows' field bitmasks
}

// rowKey orders rows by interface (or TGW attachment) and start time.
type rowKey struct {
	keyOff, keyLen uint32
	start          int64
}

func (fr *flowRows) Len() int { return len(fr.offs) }

// add packs one record.
func (fr *flowRows) add(source int64, rec *flowlog.Record) {
	off := len(fr.buf)
	b := binary.AppendUvarint(fr.buf, uint64(source))
	b = binary.AppendUvarint(b, uint64(rec.Line))
	b = binary.LittleEndian.AppendUint64(b, rec.Has)
	key := rowKey{start: startOf(rec)}
	for m := rec.Has; m != 0; m &= m - 1 {
		id := bits.TrailingZeros64(m)
		f := &flowlog.Catalogue[id]
		if f.Kind != flowlog.String {
			b = binary.AppendUvarint(b, uint64(rec.Int[f.Slot]))
			continue
		}
		v := rec.Str[f.Slot]
		b = binary.AppendUvarint(b, uint64(len(v)))
		if id == flowlog.FInterfaceID || id == flowlog.FTGWAttachmentID && key.keyLen == 0 {
			key.keyOff, key.keyLen = uint32(len(b)), uint32(len(v))
		}
		b = append(b, v...)
	}
	b = binary.AppendUvarint(b, uint64(len(rec.Extra)))
	for _, x := range rec.Extra {
		b = binary.AppendUvarint(b, uint64(len(x)))
		b = append(b, x...)
	}
	fr.buf = b
	fr.offs = append(fr.offs, uint32(off))
	fr.keys = append(fr.keys, key)
	fr.has |= rec.Has
}

func startOf(rec *flowlog.Record) int64 {
	v, _ := rec.I(flowlog.FStart)
	return v
}

// appendRows copies another set's rows (a chunk) into fr.
func (fr *flowRows) appendRows(o *flowRows) {
	base := uint32(len(fr.buf))
	fr.buf = append(fr.buf, o.buf...)
	for i, off := range o.offs {
		fr.offs = append(fr.offs, off+base)
		k := o.keys[i]
		k.keyOff += base
		fr.keys = append(fr.keys, k)
	}
	fr.has |= o.has
}

func (fr *flowRows) less(i, j int) bool {
	a, b := fr.keys[i], fr.keys[j]
	if c := bytes.Compare(fr.buf[a.keyOff:a.keyOff+a.keyLen], fr.buf[b.keyOff:b.keyOff+b.keyLen]); c != 0 {
		return c < 0
	}
	return a.start < b.start
}

// source returns row i's source id.
func (fr *flowRows) source(i int) int64 {
	v, _ := binary.Uvarint(fr.buf[fr.offs[i]:])
	return int64(v)
}

// decoded is one row unpacked; strings alias the arena.
type decoded struct {
	source, line int64
	has          uint64
	ints         [flowlog.NumFields]int64
	strs         [flowlog.NumFields][]byte
	extra        [][]byte
}

// decode unpacks row i into d.
func (fr *flowRows) decode(i int, d *decoded) {
	b := fr.buf[fr.offs[i]:]
	v, n := binary.Uvarint(b)
	d.source, b = int64(v), b[n:]
	v, n = binary.Uvarint(b)
	d.line, b = int64(v), b[n:]
	d.has, b = binary.LittleEndian.Uint64(b), b[8:]
	for m := d.has; m != 0; m &= m - 1 {
		id := bits.TrailingZeros64(m)
		v, n = binary.Uvarint(b)
		b = b[n:]
		if flowlog.Catalogue[id].Kind != flowlog.String {
			d.ints[id] = int64(v)
			continue
		}
		d.strs[id], b = b[:v], b[v:]
	}
	v, n = binary.Uvarint(b)
	b = b[n:]
	d.extra = d.extra[:0]
	for range v {
		l, n := binary.Uvarint(b)
		b = b[n:]
		d.extra = append(d.extra, b[:l])
		b = b[l:]
	}
}

// drop removes the rows of one source.
func (fr *flowRows) drop(source int64) {
	var keep flowRows
	for i := range fr.offs {
		if fr.source(i) == source {
			continue
		}
		end := len(fr.buf)
		if i+1 < len(fr.offs) {
			end = int(fr.offs[i+1])
		}
		base := uint32(len(keep.buf)) - fr.offs[i]
		keep.buf = append(keep.buf, fr.buf[fr.offs[i]:end]...)
		keep.offs = append(keep.offs, fr.offs[i]+base)
		k := fr.keys[i]
		k.keyOff += base
		keep.keys = append(keep.keys, k)
	}
	keep.has = fr.has
	*fr = keep
}
