package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/lake"
	"github.com/flowtrail/flowtrail/internal/pivot"
	"github.com/flowtrail/flowtrail/internal/sgadvisor"
	"github.com/flowtrail/flowtrail/internal/sgaudit"
	"github.com/flowtrail/flowtrail/internal/testlake"
)

func count(t *testing.T, e *engine.Engine, q string, args ...any) int64 {
	t.Helper()
	res, err := e.QueryParams(context.Background(), q, 0, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows[0][0].(int64)
}

func getJSON(t *testing.T, h http.Handler, target string, v any) int {
	t.Helper()
	res, body := do(t, h, local("GET", target, ""))
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v: %.200s", target, res.StatusCode, err, body)
	}
	return res.StatusCode
}

func TestPages_EveryPageLoads(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	for _, p := range []string{"/overview", "/graph", "/pivot", "/pivot?kind=ip&value=10.10.0.4", "/sg", "/console", "/console?named=VpcFlowLogsTopTalkers", "/sources", "/sources/1", "/static/app.js", "/static/vendor/htmx.min.js"} {
		res, body := do(t, h, local("GET", p, ""))
		if res.StatusCode != http.StatusOK && !(p == "/sg" && res.StatusCode == http.StatusAccepted) {
			t.Errorf("GET %s: %d %.300s", p, res.StatusCode, body)
		}
		checkHeaders(t, res)
	}
	res, _ := do(t, h, local("GET", "/", ""))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/overview?" {
		t.Errorf("GET /: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// The overview counts what the lake holds, and the time range changes
// the counts.
func TestOverview_HonoursTheWindow(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	var all, part overviewData
	if s := getJSON(t, h, "/api/overview", &all); s != http.StatusOK {
		t.Fatalf("overview: %d", s)
	}
	if want := count(t, e, "SELECT count(*) FROM flows"); all.Totals.Records != want {
		t.Errorf("records = %d, want %d", all.Totals.Records, want)
	}
	if want := count(t, e, "SELECT count(*) FROM flows WHERE action = 'REJECT'"); all.Totals.RejectedRecords != want {
		t.Errorf("rejected = %d, want %d", all.Totals.RejectedRecords, want)
	}
	since, until := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	q := url.Values{"since": {since.Format(time.RFC3339)}, "until": {until.Format(time.RFC3339)}}
	getJSON(t, h, "/api/overview?"+q.Encode(), &part)
	want := count(t, e, "SELECT count(*) FROM flows WHERE start >= $1 AND start < $2", since.Unix(), until.Unix())
	if part.Totals.Records != want || want == 0 || want >= all.Totals.Records {
		t.Errorf("records from 06:00 to 09:00 = %d, want %d (of %d)", part.Totals.Records, want, all.Totals.Records)
	}
	if len(all.TopTalkers.Rows) != 10 || len(all.TopRejected.Rows) == 0 {
		t.Errorf("top talkers %d rows, top rejected %d", len(all.TopTalkers.Rows), len(all.TopRejected.Rows))
	}
	top := all.TopTalkers.Rows[0][0].(string)
	if b := int64(all.TopTalkers.Rows[0][1].(float64)); b != count(t, e, "SELECT sum(bytes)::BIGINT FROM flows WHERE srcaddr = $1", top) {
		t.Errorf("top talker %s bytes %d disagree with the lake", top, b)
	}
	// The page shows the same number.
	_, body := do(t, h, local("GET", "/overview?"+q.Encode(), ""))
	if !strings.Contains(body, `id="total-records">`+fmtNum(want)+"<") {
		t.Errorf("the page does not show %s records", fmtNum(want))
	}
}

func TestOverview_BadWindow(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	for _, q := range []string{"since=yesterday", "until=2026-13-01", "since=2026-11-02&until=2026-11-01"} {
		res, body := do(t, h, local("GET", "/overview?"+q, ""))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="page-error"`) {
			t.Errorf("%s: %d", q, res.StatusCode)
		}
	}
}

func TestGraph_API(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	var g struct {
		Nodes []struct{ ID, Kind string }
		Edges []struct{ Source, Target string }
	}
	if s := getJSON(t, h, "/api/graph?nodes=50", &g); s != http.StatusOK || len(g.Nodes) == 0 || len(g.Nodes) > 50 || len(g.Edges) == 0 {
		t.Fatalf("graph: %d, %d nodes, %d edges", s, len(g.Nodes), len(g.Edges))
	}
	var e map[string]string
	if s := getJSON(t, h, "/api/graph?nodes=5000", &e); s != http.StatusBadRequest || e["error"] == "" {
		t.Errorf("5000 nodes: %d %v", s, e)
	}
}

func TestPivot_MatchesTheCLI(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	subject := pivot.Subject{Kind: "ip", Value: "10.10.0.4"}
	want, err := pivot.Run(context.Background(), e, subject, pivot.Window{}, maxPeers)
	if err != nil {
		t.Fatal(err)
	}
	var got pivotData
	if s := getJSON(t, h, "/api/pivot?kind=ip&value=10.10.0.4", &got); s != http.StatusOK || got.Report == nil {
		t.Fatalf("pivot: %d %+v", s, got)
	}
	if fmt.Sprint(got.Report.Summary["records"]) != fmt.Sprint(want.Summary["records"]) || len(got.Report.Peers) != len(want.Peers) {
		t.Errorf("pivot = %v records, %d peers; CLI %v, %d", got.Report.Summary["records"], len(got.Report.Peers), want.Summary["records"], len(want.Peers))
	}
	res, body := do(t, h, local("GET", "/pivot?kind=ip&value=not-an-address", ""))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not an IPv4 or IPv6 address") {
		t.Errorf("bad address: %d", res.StatusCode)
	}
}

// A workload's pivot runs in the background on an engine narrowed to it;
// the page says so until it is done.
func TestPivot_Workload(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	name := e.Inventory().Workloads()[0]
	target := "/api/pivot?kind=instance&value=" + url.QueryEscape(name)
	var got pivotData
	waitFor(t, h, target, &got)
	if got.Report == nil || got.Report.Subject.Kind != "workload" || got.Report.Summary["records"] == nil {
		t.Fatalf("workload pivot: %+v", got)
	}
}

// waitFor polls a background analysis until it answers 200.
func waitFor(t *testing.T, h http.Handler, target string, v any) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, body := do(t, h, local("GET", target, ""))
		switch res.StatusCode {
		case http.StatusAccepted:
			if time.Now().After(deadline) {
				t.Fatalf("%s still running after 2 minutes", target)
			}
			time.Sleep(200 * time.Millisecond)
			continue
		case http.StatusOK:
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("%s: %d %s", target, res.StatusCode, body)
	}
}

func TestSG_MatchesTheAudit(t *testing.T) {
	s := testServer(t, Config{})
	h := s.Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	want, err := sgaudit.Run(context.Background(), e, sgaudit.Window{})
	if err != nil {
		t.Fatal(err)
	}
	res, body := do(t, h, local("GET", "/sg", ""))
	if res.StatusCode != http.StatusAccepted || !strings.Contains(body, "Computing the security-group audit") {
		t.Errorf("first visit: %d, not running: %.300s", res.StatusCode, body)
	}
	var got sgData
	waitFor(t, h, "/api/sg", &got)
	if len(got.Audit.Changes) != len(want.Changes) || len(got.Audit.UnusedRules) != len(want.UnusedRules) || len(got.Audit.Exposed) != len(want.Exposed) {
		t.Errorf("audit: %d changes, %d unused rules, %d exposed; want %d, %d, %d", len(got.Audit.Changes), len(got.Audit.UnusedRules),
			len(got.Audit.Exposed), len(want.Changes), len(want.UnusedRules), len(want.Exposed))
	}
	if got.Recommendations != nil {
		t.Errorf("recommendations without a workload: %v", got.Recommendations)
	}
	_, body = do(t, h, local("GET", "/sg?changes=all", ""))
	if n := strings.Count(body, "<td>"+want.Changes[0].Event+"</td>"); n == 0 {
		t.Errorf("the page lists no %s change", want.Changes[0].Event)
	}
}

func TestConsole_Runs(t *testing.T) {
	h := testServer(t, Config{MaxRows: 7}).Handler(loopback, "")
	res, body := do(t, h, local("POST", "/console/run", "sql="+url.QueryEscape("SELECT 42 AS answer")))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<td class="num">42</td>`) {
		t.Errorf("run: %d %.300s", res.StatusCode, body)
	}
	// A named query with a parameter, in a window.
	form := url.Values{"named": {"VpcFlowLogsTopTalkers"}, "param.limit": {"3"}, "since": {"2026-11-01T06:00:00Z"}}
	res, body = do(t, h, local("POST", "/console/run", form.Encode()))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="result-rows">3<`) {
		t.Errorf("named: %d %.400s", res.StatusCode, body)
	}
	// Downloads: CSV with a header, JSON as `flowtrail query --format json`.
	res, body = do(t, h, local("POST", "/api/query", "format=csv&download=1&sql="+url.QueryEscape("SELECT range AS n FROM range(3)")))
	if res.StatusCode != http.StatusOK || body != "n\n0\n1\n2\n" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv: %d %q %v", res.StatusCode, body, res.Header)
	}
	res, body = do(t, h, local("POST", "/api/query", "sql="+url.QueryEscape("SELECT range AS n FROM range(100)")))
	var rows []map[string]int
	if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 7 || res.Header.Get("X-Flowtrail-Truncated") != "true" {
		t.Errorf("row cap: %d rows, truncated %q, %v", len(rows), res.Header.Get("X-Flowtrail-Truncated"), err)
	}
}

func TestConsole_Refuses(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	for sql, want := range map[string]string{
		"CREATE TABLE x AS SELECT 1":                "read-only",
		"COPY (SELECT 1) TO '/tmp/flowtrail-x.csv'": "",
		"SELECT 1; SELECT 2":                        "one statement",
		"SELECT * FROM read_text('/etc/passwd')":    "",
		"ATTACH '/tmp/flowtrail-x.db' AS x":         "read-only",
		"SET enable_external_access = true":         "read-only",
		"INSTALL httpfs":                            "read-only",
		"":                                          "no SQL",
	} {
		res, body := do(t, h, local("POST", "/api/query", "sql="+url.QueryEscape(sql)))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || strings.Contains(body, "root:") {
			t.Errorf("%q: %d %.200s", sql, res.StatusCode, body)
		}
	}
	if _, err := os.Stat("/tmp/flowtrail-x.csv"); err == nil {
		t.Error("COPY wrote a file")
	}
	res, body := do(t, h, local("POST", "/api/query", "named=NoSuchQuery"))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no named query") {
		t.Errorf("unknown named query: %d %s", res.StatusCode, body)
	}
	res, _ = do(t, h, local("POST", "/api/query", "sql="+strings.Repeat("x", maxBody+1)))
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized body: %d", res.StatusCode)
	}
}

func TestConsole_Timeout(t *testing.T) {
	h := testServer(t, Config{QueryTimeout: time.Second}).Handler(loopback, "")
	start := time.Now()
	res, body := do(t, h, local("POST", "/api/query", "sql="+url.QueryEscape("SELECT sum(hash(a)) FROM range(1000000000000) t(a)")))
	if res.StatusCode != http.StatusBadRequest || time.Since(start) > 15*time.Second {
		t.Errorf("a query past its timeout: %d after %s: %.200s", res.StatusCode, time.Since(start), body)
	}
}

func TestSources_Ledger(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	m, err := lake.ReadManifest(estateLake())
	if err != nil {
		t.Fatal(err)
	}
	var d sourcesData
	if s := getJSON(t, h, "/api/sources", &d); s != http.StatusOK || d.Matched != len(m.Sources) || len(d.Sources) != min(len(m.Sources), pageSize) {
		t.Fatalf("sources: %d, matched %d of %d, listed %d", s, d.Matched, len(m.Sources), len(d.Sources))
	}
	var rejected *lake.Source
	for _, s := range m.Sources {
		if s.Rejected > 0 {
			rejected = s
		}
	}
	if rejected == nil {
		t.Fatal("the estate has no rejected lines to show")
	}
	e := testlake.OpenDir(t, estateLake())
	res, err := e.QueryParams(context.Background(), "SELECT raw FROM rejects WHERE source_id = $1 ORDER BY line LIMIT 1", 0, rejected.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw := res.Rows[0][0].(string)
	_, body := do(t, h, local("GET", fmt.Sprintf("/sources/%d", rejected.ID), ""))
	if !strings.Contains(body, htmlEscape(raw)) || !strings.Contains(body, rejected.SHA256) {
		t.Errorf("source %d's page lacks its rejected line %q or its hash", rejected.ID, raw)
	}
	var only sourcesData
	getJSON(t, h, "/api/sources?rejected=1", &only)
	for _, s := range only.Sources {
		if s.Rejected == 0 && s.Error == "" {
			t.Errorf("source %d has no rejects but passed the filter", s.ID)
		}
	}
	for _, bad := range []string{"/sources/0", "/sources/abc", "/sources/99999999", "/sources?offset=-1", "/sources?rejects=x"} {
		if res, _ := do(t, h, local("GET", bad, "")); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// The recommendation is `flowtrail sg recommend --workload NAME`: the
// same rules, and the exports are what the command writes.
func TestSG_Recommendation(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	name := "prod-web"
	hr, err := hunt.Run(context.Background(), e, hunt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := sgadvisor.Run(context.Background(), e, sgadvisor.Options{Subject: sgadvisor.Subject{Kind: sgadvisor.KindWorkload, ID: name},
		Exclude: sgadvisor.FromFindings(hr.Findings)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Recommendations []*sgadvisor.Report
	}
	waitFor(t, h, "/api/sg?workload="+name, &got)
	if len(got.Recommendations) != len(want) || len(want) == 0 {
		t.Fatalf("%d reports, the command %d", len(got.Recommendations), len(want))
	}
	if g, w := got.Recommendations[0], want[0]; len(g.Ingress) != len(w.Ingress) || len(g.Egress) != len(w.Egress) || len(g.Diff.Add) != len(w.Diff.Add) {
		t.Errorf("report: %d ingress, %d egress, %d to add; the command %d, %d, %d", len(g.Ingress), len(g.Egress), len(g.Diff.Add), len(w.Ingress), len(w.Egress), len(w.Diff.Add))
	}
	var tf strings.Builder
	if err := sgadvisor.Write(&tf, "terraform", want); err != nil {
		t.Fatal(err)
	}
	res, body := do(t, h, local("GET", "/sg/export?format=terraform&workload="+name, ""))
	if res.StatusCode != http.StatusOK || body != tf.String() || !strings.Contains(res.Header.Get("Content-Disposition"), name+".tf") {
		t.Errorf("terraform export: %d, %q, %d bytes (the command's: %d)", res.StatusCode, res.Header.Get("Content-Disposition"), len(body), tf.Len())
	}
	_, page := do(t, h, local("GET", "/sg?workload="+name, ""))
	if !strings.Contains(page, `class="recommendation"`) || !strings.Contains(page, "/sg/export?format=aws-cli") {
		t.Errorf("the page lacks the recommendation or its exports")
	}
	for _, bad := range []string{"/sg?workload=nope", "/sg/export?format=terraform&workload=nope", "/sg/export?format=exe&workload=" + name} {
		if res, _ := do(t, h, local("GET", bad, "")); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
}
