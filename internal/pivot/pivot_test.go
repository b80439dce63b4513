package pivot_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/pivot"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// Two hours of traffic at a database interface (10.0.2.7): a client
// connects twice, a scanner is rejected once.
const flows = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status instance-id
3 111111111111 eni-0db 10.0.1.5 10.0.2.7 40000 5432 6 10 1000 1793750400 1793750460 ACCEPT OK i-0db
3 111111111111 eni-0db 10.0.2.7 10.0.1.5 5432 40000 6 8 5000 1793750400 1793750460 ACCEPT OK i-0db
3 111111111111 eni-0db 10.0.1.5 10.0.2.7 40002 5432 6 10 2000 1793754000 1793754060 ACCEPT OK i-0db
3 111111111111 eni-0db 10.0.2.7 10.0.1.5 5432 40002 6 8 6000 1793754000 1793754060 ACCEPT OK i-0db
3 111111111111 eni-0db 198.51.100.7 10.0.2.7 61000 22 6 1 40 1793754100 1793754160 REJECT OK i-0db
3 111111111111 eni-0db - - - - - - - 1793757600 1793757660 - NODATA i-0db
`

func open(t *testing.T) *engine.Engine { return testlake.Open(t, flows) }

func run(t *testing.T, e *engine.Engine, kind, value string, w pivot.Window) *pivot.Report {
	t.Helper()
	s, err := pivot.NewSubject(kind, value)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pivot.Run(context.Background(), e, s, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v (%T), want %v", what, got, got, want)
	}
}

func TestPivot_Success(t *testing.T) {
	e := open(t)
	for _, kind := range []string{"ip", "eni", "instance"} {
		value := map[string]string{"ip": "10.0.2.7", "eni": "eni-0db", "instance": "i-0db"}[kind]
		r := run(t, e, kind, value, pivot.Window{})
		check(t, kind+" rejected", r.Summary["rejected"], int64(1))
		check(t, kind+" bytes_out", r.Summary["bytes_out"], int64(11000))
		check(t, kind+" bytes_in", r.Summary["bytes_in"], int64(3040))
		check(t, kind+" peers", r.Summary["peers"], int64(2))
		if len(r.Peers) != 2 {
			t.Fatalf("%s: %d peers", kind, len(r.Peers))
		}
		top := r.Peers[0]
		check(t, kind+" top peer", top["peer"], "10.0.1.5")
		check(t, kind+" top peer records", top["records"], int64(4))
		check(t, kind+" top peer first_seen", top["first_seen"].(time.Time).UTC(), time.Unix(1793750400, 0).UTC())
		check(t, kind+" scanner rejected", r.Peers[1]["rejected"], int64(1))
		if len(r.Hourly) != 2 {
			t.Errorf("%s: %d active hours, want 2", kind, len(r.Hourly))
		}
	}
}

func TestPivot_Window(t *testing.T) {
	e := open(t)
	r := run(t, e, "ip", "10.0.2.7", pivot.Window{Since: time.Unix(1793754000, 0), Until: time.Unix(1793754100, 0)})
	check(t, "windowed bytes_out", r.Summary["bytes_out"], int64(6000))
	check(t, "windowed peers", r.Summary["peers"], int64(1))
}

func TestNewSubject_Failure(t *testing.T) {
	for kind, bad := range map[string]string{"ip": "10.0.0.300", "eni": "eni-'; DROP", "instance": "i-not-hex"} {
		if _, err := pivot.NewSubject(kind, bad); err == nil {
			t.Errorf("NewSubject(%s, %q) accepted", kind, bad)
		}
	}
}

// An instance named by its Name tag becomes a workload subject.
func TestNewSubject_NameTag(t *testing.T) {
	s, err := pivot.NewSubject("instance", "web-1")
	if err != nil || s.Kind != "workload" || s.Value != "web-1" {
		t.Errorf("NewSubject(instance, web-1) = %+v, %v", s, err)
	}
}
