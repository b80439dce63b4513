package ioc_test

import (
	"context"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/ioc"
	"github.com/flowtrail/flowtrail/internal/render"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

// t0 is 2026-11-04T00:00:00Z.
const t0 = 1793750400

// flows are crafted v2 records; {+N} is t0+N seconds.
const flows = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111111111111 eni-aaa 198.51.100.7 10.0.0.5 50000 22 6 10 840 {+0} {+60} ACCEPT OK
2 111111111111 eni-aaa 198.51.100.7 10.0.0.5 50000 22 6 5 420 {+60} {+120} ACCEPT OK
2 111111111111 eni-bbb 198.51.100.7 10.0.0.5 50000 22 6 10 840 {+0} {+60} ACCEPT OK
2 111111111111 eni-aaa 10.0.0.5 198.51.100.7 22 50000 6 8 1200 {+0} {+60} ACCEPT OK
2 111111111111 eni-aaa 10.0.0.5 203.0.113.9 40000 443 6 20 2000 {+300} {+360} ACCEPT OK
2 111111111111 eni-ccc 10.0.0.6 203.0.113.10 40001 443 6 30 3000 {+400} {+460} ACCEPT OK
2 111111111111 eni-aaa 203.0.113.50 10.0.0.5 61000 3389 6 1 40 {+500} {+560} REJECT OK
2 111111111111 eni-ddd 2001:db8:1::5 2001:db8:bad::1 40002 443 6 12 1500 {+600} {+660} ACCEPT OK
2 111111111111 eni-ddd 2001:db8:cafe:0:0:0:0:1 2001:db8:1::5 53 40003 17 2 300 {+700} {+760} ACCEPT OK
2 111111111111 eni-ddd 2001:DB8:BAD:: 2001:db8:1::5 0 0 58 1 64 {+800} {+860} ACCEPT OK
2 111111111111 eni-aaa 10.0.0.5 10.0.0.6 40004 5432 6 5 500 {+0} {+60} ACCEPT OK
2 111111111111 eni-aaa 10.0.0.5 8.8.8.8 40005 53 17 1 60 {+0} {+60} ACCEPT OK
2 111111111111 eni-ddd 2001:db8:1::5 2001:db8:ba::1 40006 443 6 1 60 {+0} {+60} ACCEPT OK
2 111111111111 eni-eee - - - - - - - {+0} {+60} - NODATA
2 111111111111 eni-aaa 198.51.100.7 10.0.0.5 50001 22 6 1 60 {+86400} {+86460} ACCEPT OK
`

const indicators = `198.51.100.7 # C2
203.0.113.0/24 # scanner range
203.0.113.9 # exfil host
2001:db8:bad::/48 # v6 block
2001:db8:cafe::1 # v6 host
192.0.2.1 # never seen
`

// craftedLake ingests flows into a lake in a temporary directory.
func craftedLake(t *testing.T) string {
	t.Helper()
	text := regexp.MustCompile(`\{\+\d+\}`).ReplaceAllStringFunc(flows, func(m string) string {
		off, _ := strconv.Atoi(m[2 : len(m)-1])
		return strconv.Itoa(t0 + off)
	})
	return testlake.Build(t, map[string]string{"a.log": text})
}

func TestMatch_Success(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open(ctx, craftedLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var set ioc.Set
	if err := ioc.Parse("iocs.txt", strings.NewReader(indicators), &set); err != nil {
		t.Fatal(err)
	}
	f := func(t *testing.T, w ioc.Window, addresses int, want ...string) {
		t.Helper()
		res, err := ioc.Match(ctx, e, set.Indicators(), w)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Columns, ioc.Columns) {
			t.Errorf("columns = %v", res.Columns)
		}
		var got []string
		for _, row := range res.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = render.Text(v)
			}
			got = append(got, strings.Join(cells, " | "))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rows:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
		if res.Addresses != addresses {
			t.Errorf("addresses = %d, want %d", res.Addresses, addresses)
		}
	}
	// direction | local | local_ports | remote | remote_port | protocol | action | interface_ids |
	// records | packets | bytes | first_seen | last_seen | indicator | comment
	middle := []string{
		"OUTBOUND | 10.0.0.5 | 40000 | 203.0.113.9 | 443 | 6 | ACCEPT | eni-aaa | 1 | 20 | 2000 | 2026-11-04T00:05:00Z | 2026-11-04T00:06:00Z | 203.0.113.0/24 | scanner range",
		"OUTBOUND | 10.0.0.5 | 40000 | 203.0.113.9 | 443 | 6 | ACCEPT | eni-aaa | 1 | 20 | 2000 | 2026-11-04T00:05:00Z | 2026-11-04T00:06:00Z | 203.0.113.9 | exfil host",
		"OUTBOUND | 10.0.0.6 | 40001 | 203.0.113.10 | 443 | 6 | ACCEPT | eni-ccc | 1 | 30 | 3000 | 2026-11-04T00:06:40Z | 2026-11-04T00:07:40Z | 203.0.113.0/24 | scanner range",
		"INBOUND | 10.0.0.5 | 3389 | 203.0.113.50 | 61000 | 6 | REJECT | eni-aaa | 1 | 1 | 40 | 2026-11-04T00:08:20Z | 2026-11-04T00:09:20Z | 203.0.113.0/24 | scanner range",
		"OUTBOUND | 2001:db8:1::5 | 40002 | 2001:db8:bad::1 | 443 | 6 | ACCEPT | eni-ddd | 1 | 12 | 1500 | 2026-11-04T00:10:00Z | 2026-11-04T00:11:00Z | 2001:db8:bad::/48 | v6 block",
		"INBOUND | 2001:db8:1::5 | 40003 | 2001:db8:cafe:0:0:0:0:1 | 53 | 17 | ACCEPT | eni-ddd | 1 | 2 | 300 | 2026-11-04T00:11:40Z | 2026-11-04T00:12:40Z | 2001:db8:cafe::1 | v6 host",
		"INBOUND | 2001:db8:1::5 | 0 | 2001:DB8:BAD:: | 0 | 58 | ACCEPT | eni-ddd | 1 | 1 | 64 | 2026-11-04T00:13:20Z | 2026-11-04T00:14:20Z | 2001:db8:bad::/48 | v6 block",
	}
	t.Run("all records", func(t *testing.T) {
		all := []string{
			// The inbound conversation was logged by two interfaces: three records.
			"INBOUND | 10.0.0.5 | 22 | 198.51.100.7 | 50000 | 6 | ACCEPT | eni-aaa,eni-bbb | 3 | 25 | 2100 | 2026-11-04T00:00:00Z | 2026-11-04T00:02:00Z | 198.51.100.7 | C2",
			"OUTBOUND | 10.0.0.5 | 22 | 198.51.100.7 | 50000 | 6 | ACCEPT | eni-aaa | 1 | 8 | 1200 | 2026-11-04T00:00:00Z | 2026-11-04T00:01:00Z | 198.51.100.7 | C2",
		}
		all = append(all, middle...)
		all = append(all, "INBOUND | 10.0.0.5 | 22 | 198.51.100.7 | 50001 | 6 | ACCEPT | eni-aaa | 1 | 1 | 60 | 2026-11-05T00:00:00Z | 2026-11-05T00:01:00Z | 198.51.100.7 | C2")
		f(t, ioc.Window{}, 7, all...)
	})
	t.Run("window", func(t *testing.T) {
		f(t, ioc.Window{Since: time.Unix(t0+300, 0), Until: time.Unix(t0+86400, 0)}, 6, middle...)
	})
	t.Run("nothing in the window", func(t *testing.T) {
		f(t, ioc.Window{Since: time.Unix(t0+200000, 0)}, 0)
	})
}

// TestMatch_Repeat runs twice on one engine: the tables of the first
// run are gone and do not leak into the second.
func TestMatch_Repeat(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open(ctx, craftedLake(t), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, c := range []struct {
		list string
		rows int
	}{{"2001:db8:cafe::1\n", 1}, {"10.0.0.0/8\n", 8}} {
		list := c.list
		var set ioc.Set
		if err := ioc.Parse("x.txt", strings.NewReader(list), &set); err != nil {
			t.Fatal(err)
		}
		res, err := ioc.Match(ctx, e, set.Indicators(), ioc.Window{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != c.rows {
			t.Errorf("list %q: %d rows, want %d", list, len(res.Rows), c.rows)
		}
		for _, row := range res.Rows {
			if row[13] != strings.TrimSpace(list) {
				t.Errorf("list %q matched as %v", list, row[13])
			}
		}
	}
	if _, err := e.Query(ctx, "SELECT count(*) FROM ioc_hits", 0); err == nil {
		t.Error("ioc_hits outlived the match")
	}
}
