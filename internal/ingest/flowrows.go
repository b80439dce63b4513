package ingest

import (
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

// reserve sizes the arena for n typical rows up front: growing it by
// doubling would copy every row several times.
func (fr *flowRows) reserve(n int) {
	fr.buf = make([]byte, 0, n*160)
	fr.offs = make([]uint32, 0, n)
	fr.keys = make([]rowKey, 0, n)
}

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

// keyOf returns row i's interface (or attachment) id bytes.
func (fr *flowRows) keyOf(i int) []byte {
	k := fr.keys[i]
	return fr.buf[k.keyOff : k.keyOff+k.keyLen]
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
