package rollup

import (
	"fmt"
	"strings"
)

// floorHour and ceilHour round a Unix time in seconds to a whole hour,
// for negative values too.
func floorHour(e string) string {
	return fmt.Sprintf("((%[1]s) - ((%[1]s) %% 3600 + 3600) %% 3600)", e)
}
func ceilHour(e string) string {
	return fmt.Sprintf("((%[1]s) + ((-(%[1]s)) %% 3600 + 3600) %% 3600)", e)
}

// Macro is the statement creating the table macro flows_rollup(since,
// until): rows per hour, interface and address pair of the flow records
// that carry bytes and start in [since, until) (a NULL bound is open),
// whose sums per key are exactly the aggregate over those records. With rollup files
// (absolute paths), whole hours come from them and the partial hours at
// the window's edges from the flows view; without, everything comes
// from the flows view.
func Macro(files []string) string {
	cols := strings.Join(Columns, ", ")
	if len(files) == 0 {
		return "CREATE MACRO flows_rollup(since, until) AS TABLE\n" +
			records("(since IS NULL OR start >= since) AND (until IS NULL OR start < until)")
	}
	lo, hi := ceilHour("since"), floorHour("until")
	parts := []string{
		// Whole hours inside the window.
		fmt.Sprintf("SELECT %s FROM read_parquet(%s) WHERE (since IS NULL OR hour >= %s) AND (until IS NULL OR hour < %s)", cols, listLiteral(files), lo, hi),
		// From since to the first whole hour (or to until, if sooner).
		records(fmt.Sprintf("start >= since AND start < least(%[1]s, coalesce(until, %[1]s))", lo)),
		// From the last whole hour (or the first edge's end) to until.
		records(fmt.Sprintf("start >= greatest(%[1]s, coalesce(%[2]s, %[1]s)) AND start < until", hi, lo)),
	}
	return "CREATE MACRO flows_rollup(since, until) AS TABLE\n" + strings.Join(parts, "\nUNION ALL\n")
}

// records reads the flow records that carry bytes and meet cond as
// rollup rows of one record each. Every reader of flows_rollup sums its
// rows per key (sum, min, max, count DISTINCT), so a record is as good
// as its hour's total, and skipping the hourly grouping here keeps a
// lake without rollups as fast as reading the records directly: grouped
// first by hour, interface and four addresses, the top talkers of 50 M
// records took 7 times longer.
func records(cond string) string {
	return "SELECT " + hourOf + ` AS hour, interface_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, 1::BIGINT AS records,
  bytes::BIGINT AS bytes, packets::BIGINT AS packets, start AS first_start, "end" AS last_end FROM flows WHERE bytes IS NOT NULL AND ` + cond
}
