package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/internal/testlake"
	"github.com/flowtrail/flowtrail/internal/traffic"
)

// The findings page is the hunt of its window; each finding leads to
// the records its evidence SQL selects.
func TestFindings_LeadToTheirRecords(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	e := testlake.OpenDir(t, estateLake())
	want, err := hunt.Run(context.Background(), e, hunt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Findings) == 0 {
		t.Fatal("the estate's hunt found nothing to show")
	}
	var got apiFindings
	waitFor(t, h, "/api/findings", &got)
	if got.Total != len(want.Findings) || len(got.Findings) != got.Total {
		t.Fatalf("findings: %d listed of %d; the hunt has %d", len(got.Findings), got.Total, len(want.Findings))
	}
	f := want.Findings[0]
	var d apiFinding
	if s := getJSON(t, h, "/api/findings/"+f.ID, &d); s != http.StatusOK {
		t.Fatalf("finding %s: %d", f.ID, s)
	}
	n := count(t, e, "SELECT count(*) FROM ("+f.EvidenceSQL+")")
	var charted int64
	for _, p := range d.Timeline.Points {
		charted += p.AcceptedRecords + p.RejectedRecords + p.NoActionRecords
	}
	if n == 0 || charted != n || int64(len(d.Records.Rows)) != min(n, pageSize) || d.Records.More != (n > pageSize) {
		t.Errorf("finding %s: evidence has %d records; charted %d, listed %d (more %v)", f.ID, n, charted, len(d.Records.Rows), d.Records.More)
	}
	_, body := do(t, h, local("GET", "/findings/"+f.ID, ""))
	console := "/console?sql=" + url.QueryEscape(f.EvidenceSQL)
	if !strings.Contains(html.UnescapeString(body), `href="`+console+`"`) || !strings.Contains(body, `id="records-table"`) {
		t.Errorf("the finding's page lacks its records or the console button")
	}
	_, body = do(t, h, local("GET", "/findings", ""))
	if !strings.Contains(body, `href="/findings/`+f.ID+`"`) {
		t.Errorf("the list does not link to %s", f.ID)
	}
	_, body = do(t, h, local("GET", "/overview/findings", ""))
	if !strings.Contains(body, fmt.Sprintf("all %d findings", len(want.Findings))) {
		t.Errorf("the overview's box: %.300s", body)
	}
}

func TestFindings_Filters(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	var all apiFindings
	waitFor(t, h, "/api/findings", &all)
	top := all.Findings[0]
	var got apiFindings
	getJSON(t, h, "/api/findings?severity="+top.Severity, &got)
	for _, f := range got.Findings {
		if severityOf(f.Severity) < severityOf(top.Severity) {
			t.Errorf("severity filter %s let %s through", top.Severity, f.Severity)
		}
	}
	getJSON(t, h, "/api/findings?detector="+top.Detector, &got)
	if len(got.Findings) == 0 {
		t.Errorf("no %s finding passed its own detector's filter", top.Detector)
	}
	for _, f := range got.Findings {
		if f.Detector != top.Detector {
			t.Errorf("detector filter %s let %s through", top.Detector, f.Detector)
		}
	}
	for _, bad := range []string{"severity=urgent", "detector=nope", "offset=x"} {
		if res, _ := do(t, h, local("GET", "/findings?"+bad, "")); res.StatusCode != http.StatusBadRequest && bad != "offset=x" {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
	if res, _ := do(t, h, local("GET", "/findings/f-nosuchfinding", "")); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown finding: %d", res.StatusCode)
	}
}

// apiFindings and apiFinding read the JSON answers (severities by name).
type apiFindings struct {
	Total    int
	Findings []struct {
		ID, Detector, Severity string
	}
}

type apiFinding struct {
	Timeline traffic.Series
	Records  traffic.Page
}
