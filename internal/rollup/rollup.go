// Package rollup keeps the lake's flows_rollup table and says how to
// read it. Per partition of flows, one file holds the volumes of each
// hour, interface and address pair (srcaddr, dstaddr, pkt_srcaddr,
// pkt_dstaddr) of the flow records that carry bytes: records, bytes,
// packets, first start and last end. The named queries that group
// records by address pairs read it through the flows_rollup(since,
// until) table macro, which answers exactly what the same aggregate over
// the records would, for any window: whole hours from the rollup, the
// partial hours at the window's edges from the records.
//
// The rollup is derived data. Each file lists the flows files it was
// computed from; ingest rebuilds a partition's file whenever those
// change, in the same commit, and the engine reads rollups only when
// every partition's is current — else (a lake written before rollups
// existed, until its next ingest) the macro aggregates the records.
package rollup

import (
	"strings"

	"github.com/flowtrail/flowtrail/internal/lake"
)

// hourOf is start's hour (Unix seconds), rounded down also for negative
// values, as to_timestamp would then truncate it.
const hourOf = `(start - (start % 3600 + 3600) % 3600)`

// aggregate groups flow records into rollup rows. Sums are BIGINT, as
// the named queries cast their totals: a group whose sum does not fit
// (hostile values) leaves its partition without a rollup (see build).
const aggregate = hourOf + ` AS hour, interface_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr,
  count(*) AS records, sum(bytes)::BIGINT AS bytes, sum(packets)::BIGINT AS packets,
  min(start) AS first_start, max("end") AS last_end`

// Columns are the rollup's columns, in order.
var Columns = []string{"hour", "interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "records", "bytes", "packets", "first_start", "last_end"}

// needed are the flows columns the aggregate reads, with the type to
// read as NULL where a partition's files lack one (a custom log format).
var needed = []struct{ name, typ string }{
	{"start", "BIGINT"}, {"end", "BIGINT"}, {"interface_id", "VARCHAR"}, {"srcaddr", "VARCHAR"}, {"dstaddr", "VARCHAR"},
	{"pkt_srcaddr", "VARCHAR"}, {"pkt_dstaddr", "VARCHAR"}, {"bytes", "BIGINT"}, {"packets", "BIGINT"},
}

// Current returns the live rollup files when every flows partition has
// one computed from exactly its live files, and false otherwise.
func Current(m *lake.Manifest) ([]string, bool) {
	flows := m.Partitions(lake.TableFlows)
	rolled := rollups(m)
	var out []string
	for dir, files := range flows {
		f, ok := rolled[dir]
		if !ok || !f.Fresh(files) {
			return nil, false
		}
		out = append(out, f.Path)
	}
	return out, len(out) > 0
}

// rollups maps partition directories to their rollup file.
func rollups(m *lake.Manifest) map[string]lake.File {
	out := map[string]lake.File{}
	for _, f := range m.Files {
		if f.Table == lake.TableFlowsRollup {
			out[strings.TrimPrefix(dirOf(f.Path), lake.TableFlowsRollup+"/")] = f
		}
	}
	return out
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}
