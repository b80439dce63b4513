package sgaudit_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/sgaudit"
)

// viewAccepted is what the audit read before it computed the
// conversations itself: the conversations view, straight. The audit's
// own aggregation must give exactly these rows.
const viewAccepted = `WITH cv AS (
  SELECT epoch(window_start)::BIGINT AS w, initiator, responder, responder_port, protocol,
    protocol <> 6 OR packets_back > 0 AS answered
  FROM conversations
  WHERE action <> 'REJECT' AND ($1::BIGINT IS NULL OR epoch(window_start) >= $1) AND ($2::BIGINT IS NULL OR epoch(window_start) < $2)
), c AS (
  SELECT * FROM cv
  UNION ALL
  SELECT w, responder, initiator, 0, protocol, answered FROM cv WHERE protocol NOT IN (6, 17)
)
SELECT c.*, d.interface_id, d.instance_id, d.instance_name, d.security_group_ids AS groups, s.security_group_ids AS initiator_groups,
  starts_with(c.initiator, '169.254.') OR starts_with(lower(c.initiator), 'fe80:') AS link_local,
  NOT coalesce(is_private(c.initiator), true) AS from_internet, ip_to_int(c.initiator) AS initiator_num
FROM c
JOIN inv_addresses d ON d.ip = c.responder AND c.w >= d.match_from AND c.w < d.match_to
LEFT JOIN inv_addresses s ON s.ip = c.initiator AND c.w >= s.match_from AND c.w < s.match_to`

// TestAccepted_EqualsTheConversationsView compares the two readings as
// multisets of rows, over the whole period and over a window.
func TestAccepted_EqualsTheConversationsView(t *testing.T) {
	_, e := estate(t)
	ctx := context.Background()
	res, err := e.QueryParams(ctx, "SELECT min(start), max(start) FROM flows", 0)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := res.Rows[0][0].(int64), res.Rows[0][1].(int64)
	mid := lo + (hi-lo)/3
	for _, w := range []sgaudit.Window{{}, {Since: time.Unix(mid, 0), Until: time.Unix(mid+6*3600, 0)}} {
		args := []any{nil, nil}
		if !w.Since.IsZero() {
			args = []any{w.Since.Unix(), w.Until.Unix()}
		}
		q := `WITH ours AS (` + sgaudit.Accepted + `), view AS (` + viewAccepted + `)
SELECT (SELECT count(*) FROM ours), (SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM view)),
  (SELECT count(*) FROM (SELECT * FROM view EXCEPT ALL SELECT * FROM ours)),
  (SELECT count(*) FROM ours WHERE answered), (SELECT count(*) FROM ours WHERE from_internet)`
		res, err := e.QueryParams(ctx, q, 0, args...)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Rows[0]
		if r[0].(int64) < 1000 || r[3].(int64) == 0 || r[3].(int64) == r[0].(int64) || r[4].(int64) == 0 {
			t.Fatalf("window %v: too few conversations of each kind to compare: %v", w, r)
		}
		if r[1].(int64) != 0 || r[2].(int64) != 0 {
			t.Errorf("window %v: %d rows only in the audit's reading, %d only in the view's (of %d)", w, r[1], r[2], r[0])
		}
	}
}
