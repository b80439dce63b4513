package engine

import (
	"fmt"

	"github.com/flowtrail/flowtrail/internal/lake"
)

// snapshotsView exposes the items of `aws ec2 describe-*` outputs: one row
// per instance, network interface, security group or rule, with the item
// whole as JSON text in document, observed_at being when its source file
// or object was last modified.
func (e *Engine) snapshotsView() string {
	files, ok := e.fileList(lake.TableSnapshots)
	if !ok {
		return `CREATE VIEW snapshots AS SELECT CAST(NULL AS TIMESTAMPTZ) AS observed_at, CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS account_id,
CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS resource_id, CAST(NULL AS VARCHAR) AS document, CAST(NULL AS BIGINT) AS source_id,
CAST(NULL AS BIGINT) AS source_line WHERE false`
	}
	return fmt.Sprintf(`CREATE VIEW snapshots AS SELECT observed_at::TIMESTAMPTZ AS observed_at, kind, account_id, region, resource_id, document, source_id, source_line
FROM read_parquet(%s, hive_partitioning=true, union_by_name=true, %s)`, files, hiveTypes)
}
