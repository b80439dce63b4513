//go:build browser

// End-to-end tests in Debian's Chromium, driven with chromedp. They run
// with `go test -tags browser ./internal/server/` (and from .ci/run,
// which installs chromium). Screenshots of every page go to
// $FLOWTRAIL_SCREENSHOTS, or a temporary directory the test names.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is one Chromium for a test, with the console errors of its
// pages collected.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	shots  string
}

// screenshots is where the pages' pictures go, created once per run.
var screenshots = sync.OnceValues(func() (string, error) {
	if d := os.Getenv("FLOWTRAIL_SCREENSHOTS"); d != "" {
		return d, os.MkdirAll(d, 0o755)
	}
	return os.MkdirTemp("", "flowtrail-screenshots-")
})

func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("FLOWTRAIL_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium: install it (apt-get install -y chromium) or set FLOWTRAIL_CHROMIUM")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile. The host
// resolver maps rebind.test to loopback, as a DNS rebinding attack would.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	dir, err := screenshots()
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP rebind.test 127.0.0.1"),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	b := &browser{ctx: ctx, shots: dir}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	go b.collect(chromedp.Console(ctx)) // subscribed now, once the tab exists
	return b
}

// collect keeps the errors and exceptions the pages log, CSP violations
// and failed loads included.
func (b *browser) collect(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	for m, err := range messages {
		if err != nil {
			return
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			b.mu.Lock()
			b.errors = append(b.errors, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
			b.mu.Unlock()
		}
	}
}

// takeErrors returns the errors logged since the last call.
func (b *browser) takeErrors() []string {
	time.Sleep(300 * time.Millisecond) // let the last messages arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, a := range actions {
		if err := chromedp.Do(b.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

// text is an element's text as the page has it now (a query through the
// DOM domain can lose its node when htmx swaps a part of the page).
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return strings.TrimSpace(b.eval(t, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, sel)))
}

func (b *browser) eval(t *testing.T, js string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// waitFor polls a JavaScript condition for up to limit. A navigation
// under way replaces the page's context; the poll then starts again in
// the new page.
func (b *browser) waitFor(t *testing.T, js string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(100*time.Millisecond)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !navigating(err) {
			t.Fatalf("waiting for %s: %v", js, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// navigating says an evaluation failed because its page went away.
func navigating(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "context was destroyed") || strings.Contains(msg, "Inspected target navigated")
}

// screenshot saves the whole page as NAME.png and what the window shows
// first as NAME-top.png.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	for suffix, shot := range map[string]chromedp.Action[[]byte]{"": chromedp.FullScreenshot(100), "-top": chromedp.CaptureScreenshot()} {
		png, err := chromedp.Run(b.ctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(b.shots, name+suffix+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
}

// statusLog wraps a handler and keeps each response's status by path,
// so a test can see what the server refused when the browser hides it.
type statusLog struct {
	h  http.Handler
	mu sync.Mutex
	by map[string][]int
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func (l *statusLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, code: 200}
	l.h.ServeHTTP(sw, r)
	l.mu.Lock()
	l.by[r.Method+" "+r.URL.Path] = append(l.by[r.Method+" "+r.URL.Path], sw.code)
	l.mu.Unlock()
}

func (l *statusLog) statuses(key string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.by[key])
}

// serveEstate serves the estate on a loopback port, as `flowtrail serve`
// does, and returns its base address.
func serveEstate(t *testing.T, token string, bound netip.Addr) (string, *statusLog) {
	t.Helper()
	s := testServer(t, Config{})
	log := &statusLog{h: s.Handler(bound, token), by: map[string][]int{}}
	ts := httptest.NewServer(log)
	t.Cleanup(ts.Close)
	return ts.URL, log
}

// pageChecks are the pages and what shows each is drawn.
var pageChecks = []struct {
	name, path, ready string
}{
	{"overview", "/overview", `document.querySelectorAll('[data-chart][data-drawn]').length === 2 && document.querySelector('#findings-summary .severities') !== null`},
	{"findings", "/findings", `document.querySelector('#findings tbody tr .finding-link') !== null`},
	{"graph", "/graph", `Number(document.getElementById('graph').dataset.nodes || 0) > 0 && document.querySelector('#graph canvas') !== null`},
	{"pivot-ip", "/pivot?kind=ip&value=10.10.0.4", `document.querySelector('[data-chart][data-drawn]') !== null && document.querySelectorAll('table.data tbody tr').length > 1`},
	{"pivot-workload", "/pivot?kind=instance&value=prod-web", `document.querySelector('#pivot-summary') !== null && document.querySelector('[data-chart][data-drawn]') !== null`},
	{"security-groups", "/sg?workload=prod-web", `document.querySelector('.recommendation') !== null && document.querySelector('#unused-rules') !== null`},
	{"console", "/console?named=VpcFlowLogsTopTalkers", `document.querySelector('select#named').value === 'VpcFlowLogsTopTalkers'`},
	{"sources", "/sources", `document.querySelectorAll('#sources tbody tr').length > 1`},
	{"source", "/sources/1", `document.querySelector('dl.summary') !== null`},
}

// Every page loads, draws what it has to draw, and logs no error: no
// script error, no refused load, no Content-Security-Policy violation.
func TestBrowser_EveryPageLoads(t *testing.T) {
	base, _ := serveEstate(t, "", loopback)
	b := newBrowser(t)
	for _, p := range pageChecks {
		b.do(t, chromedp.Navigate(base+p.path))
		// Long analyses show a running page that reloads itself.
		b.waitFor(t, p.ready, 3*time.Minute)
		b.screenshot(t, p.name)
		if errs := b.takeErrors(); len(errs) > 0 {
			t.Errorf("%s logged errors:\n  %s", p.path, strings.Join(errs, "\n  "))
		}
	}
	// The check itself sees errors: a missing script is one.
	b.do(t, chromedp.Navigate(base+"/console"))
	b.eval(t, `(() => { const s = document.createElement('script'); s.src = '/static/no-such.js'; document.head.appendChild(s); return ''; })()`)
	if errs := b.takeErrors(); len(errs) == 0 {
		t.Error("a failed script load went unnoticed: the console check is blind")
	}
}

// The picker's presets change the range, and the numbers with it.
func TestBrowser_TimeRangeChangesTheNumbers(t *testing.T) {
	base, _ := serveEstate(t, "", loopback)
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(base+"/overview"))
	b.waitFor(t, `document.getElementById('total-records') !== null`, time.Minute)
	all := b.text(t, "#total-records")
	b.do(t, chromedp.Click(chromedp.CSS(`.presets a:nth-child(3)`)))
	b.waitFor(t, `location.search.includes('since=')`, 30*time.Second)
	b.waitFor(t, `document.getElementById('total-records') !== null`, time.Minute)
	part := b.text(t, "#total-records")
	n := func(s string) int64 { v, _ := strconv.ParseInt(strings.ReplaceAll(s, " ", ""), 10, 64); return v }
	if n(part) == 0 || n(part) >= n(all) {
		t.Errorf("records: %q for everything, %q for the preset", all, part)
	}
	// Every link in the navigation carries the range.
	q := b.eval(t, `document.querySelector('header nav a[href^="/sources"]').getAttribute('href')`)
	if !strings.Contains(q, "since=") {
		t.Errorf("the navigation drops the range: %s", q)
	}
	// The datetime inputs show it and applying them keeps it.
	since := b.eval(t, `document.querySelector('input[name=since]').value`)
	if since == "" {
		t.Error("the picker does not show the range")
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#picker button[type=submit]`)))
	b.waitFor(t, `document.getElementById('total-records') !== null && location.search.includes('since=')`, time.Minute)
	if got := b.text(t, "#total-records"); got != part {
		t.Errorf("applying the picker's own values changed the count: %s then %s", part, got)
	}
}

// A finding leads to its records, and its evidence SQL opens in the
// console and runs there.
func TestBrowser_FindingLeadsToItsRecords(t *testing.T) {
	base, _ := serveEstate(t, "", loopback)
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(base+"/findings"))
	b.waitFor(t, `document.querySelector('#findings .finding-link') !== null`, 3*time.Minute)
	b.do(t, chromedp.Click(chromedp.CSS(`#findings .finding-link`)))
	b.waitFor(t, `document.querySelectorAll('#records-table tbody tr').length > 0 && document.querySelector('[data-chart][data-drawn]') !== null`, time.Minute)
	b.screenshot(t, "finding")
	sql := b.text(t, "#evidence-sql")
	b.do(t, chromedp.Click(chromedp.CSS(`#open-console`)))
	b.waitFor(t, `document.getElementById('sql') !== null && document.getElementById('sql').value.length > 0`, 30*time.Second)
	if got := b.eval(t, `document.getElementById('sql').value`); got != sql {
		t.Fatalf("the console holds %q, want the evidence SQL %q", got, sql)
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#run`)))
	b.waitFor(t, `document.querySelectorAll('#result-table tbody tr').length > 0`, time.Minute)
	b.screenshot(t, "console-evidence")
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

// The console runs SQL and named queries and shows their rows; a refused
// statement shows its error.
func TestBrowser_ConsoleReturnsRows(t *testing.T) {
	base, _ := serveEstate(t, "", loopback)
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(base+"/console"))
	b.waitFor(t, `document.getElementById('sql') !== null`, 30*time.Second)
	b.do(t, chromedp.SetValue(chromedp.CSS("#sql"), "SELECT action, count(*) AS n FROM flows GROUP BY ALL ORDER BY n DESC"), chromedp.Click(chromedp.CSS("#run")))
	b.waitFor(t, `document.querySelectorAll('#result-table tbody tr').length >= 2`, time.Minute)
	if got := b.text(t, "#result-rows"); got == "0" {
		t.Errorf("no rows")
	}
	// A named query: picking it shows its parameters.
	b.do(t, chromedp.SetValue(chromedp.CSS("#named"), "RejectedTCPBySource"))
	b.eval(t, `document.getElementById('named').dispatchEvent(new Event('change')); ''`)
	limit := `fieldset:not([hidden]) input[name="param.limit"]:enabled`
	b.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 1 && document.getElementById('sql').disabled && document.getElementById('sql').hidden`, limit), 10*time.Second)
	b.do(t, chromedp.SetValue(chromedp.CSS(limit), "4"), chromedp.Click(chromedp.CSS("#run")))
	b.waitFor(t, `document.getElementById('result-rows') !== null && document.getElementById('result-rows').textContent === '4'`, time.Minute)
	b.screenshot(t, "console-named")
	// Writing is refused, and said so.
	b.do(t, chromedp.SetValue(chromedp.CSS("#named"), ""))
	b.eval(t, `document.getElementById('named').dispatchEvent(new Event('change')); ''`)
	b.waitFor(t, `!document.getElementById('sql').disabled && !document.getElementById('sql').hidden && document.querySelectorAll('fieldset:not([hidden])').length === 0`, 10*time.Second)
	b.do(t, chromedp.SetValue(chromedp.CSS("#sql"), "CREATE TABLE x AS SELECT 1"), chromedp.Click(chromedp.CSS("#run")))
	b.waitFor(t, `document.getElementById('query-error') !== null`, 30*time.Second)
	if msg := b.text(t, "#query-error"); !strings.Contains(msg, "read-only") {
		t.Errorf("refusal says %q", msg)
	}
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

// The graph draws its nodes and a node leads to its pivot.
func TestBrowser_GraphDrawsNodes(t *testing.T) {
	base, _ := serveEstate(t, "", loopback)
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(base+"/graph"))
	b.waitFor(t, `Number(document.getElementById('graph').dataset.nodes || 0) > 0`, time.Minute)
	nodes, _ := strconv.Atoi(b.eval(t, `document.getElementById('graph').dataset.nodes`))
	if nodes < 5 || nodes > 2000 {
		t.Errorf("%d nodes drawn", nodes)
	}
	// Clicking a workload opens its pivot.
	// The layout is random, so the first workload may lie under another
	// node or outside the window: click one that nothing else covers.
	pos := b.eval(t, clearWorkloadNode)
	var at struct {
		X, Y  float64
		Label string
	}
	var raw []any
	if err := json.Unmarshal([]byte(pos), &raw); err != nil || len(raw) != 3 {
		t.Fatalf("node position %q: %v", pos, err)
	}
	at.X, at.Y, at.Label = raw[0].(float64), raw[1].(float64), raw[2].(string)
	b.do(t, chromedp.MouseClickXY(at.X, at.Y))
	b.waitFor(t, fmt.Sprintf(`location.pathname === '/pivot' && new URLSearchParams(location.search).get('value') === %q && document.querySelector('#pivot-summary, .running') !== null`, at.Label), time.Minute)
	b.do(t, chromedp.NavigateBack())
	b.waitFor(t, `Number(document.getElementById('graph').dataset.nodes || 0) > 0`, time.Minute)
	// Grouping by account redraws.
	b.do(t, chromedp.SetValue(chromedp.CSS(".graph-controls select"), "account"))
	b.eval(t, `document.querySelector('.graph-controls select').dispatchEvent(new Event('change')); ''`)
	b.waitFor(t, `document.querySelector('.graph-controls .muted').textContent.includes('nodes')`, 30*time.Second)
	b.screenshot(t, "graph-by-account")
}

// clearWorkloadNode returns [x, y, label] of a workload node whose centre
// is inside the window and covered by no other node, or "null".
const clearWorkloadNode = `(() => {
	const cy = document.getElementById('graph').flowtrailGraph, r = cy.container().getBoundingClientRect();
	const inside = (b, x, y) => x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
	for (const n of cy.nodes('[kind = "workload"]')) {
		if (!n.visible()) continue;
		const p = n.renderedPosition(), x = p.x + r.left, y = p.y + r.top;
		if (x < r.left + 5 || y < r.top + 5 || x > Math.min(r.right, innerWidth) - 5 || y > Math.min(r.bottom, innerHeight) - 5) continue;
		const covered = cy.nodes().some(o => o.id() !== n.id() && !n.ancestors().contains(o) && o.visible() && inside(o.renderedBoundingBox(), p.x, p.y));
		if (!covered) return JSON.stringify([x, y, n.data('label')]);
	}
	return 'null';
})()`

// What the browser would send for an attacker is refused: no token off
// loopback, a rebound DNS name, a write from another origin, path tricks.
func TestBrowser_HostileRequestsRefused(t *testing.T) {
	// Beyond loopback: the token is needed, and works once given.
	base, _ := serveEstate(t, testToken, netip.IPv4Unspecified())
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(base+"/overview"))
	if body := b.text(t, "body"); !strings.Contains(body, "needs its token") {
		t.Errorf("without the token: %q", body)
	}
	b.do(t, chromedp.Navigate(base+"/overview?token="+url.QueryEscape(testToken)))
	b.waitFor(t, `document.getElementById('total-records') !== null && !location.search.includes('token')`, time.Minute)

	// DNS rebinding: rebind.test resolves to the server, but the server
	// does not answer to that name.
	lbase, log := serveEstate(t, "", loopback)
	port := lbase[strings.LastIndex(lbase, ":")+1:]
	b.do(t, chromedp.Navigate("http://rebind.test:"+port+"/overview"))
	if body := b.text(t, "body"); !strings.Contains(body, "DNS rebinding") {
		t.Errorf("rebound name answered: %q", body)
	}
	// An attacker's page on another origin posts a form to it (cross-site
	// request forgery) and fetches from it.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/api/query"><input name="sql" value="SELECT 1"></form>
<script>fetch(%q, {method: 'POST', mode: 'no-cors', body: new URLSearchParams({sql: 'SELECT 2'})}).finally(() => document.forms[0].submit())</script>`, lbase, lbase+"/console/run")
	}))
	defer evil.Close()
	b.do(t, chromedp.Navigate(evil.URL))
	deadline := time.Now().Add(20 * time.Second)
	for (len(log.statuses("POST /api/query")) == 0 || len(log.statuses("POST /console/run")) == 0) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, key := range []string{"POST /api/query", "POST /console/run"} {
		if got := log.statuses(key); len(got) == 0 || slices.ContainsFunc(got, func(c int) bool { return c != http.StatusForbidden }) {
			t.Errorf("%s from another origin answered %v, want 403", key, got)
		}
	}
	// Path tricks reach no file.
	for _, p := range []string{"/static/..%2fmanifest.json", "/static/%2e%2e/%2e%2e/etc/passwd", "/sources/..%2f..%2fmanifest.json"} {
		b.do(t, chromedp.Navigate(lbase+p))
		if body := b.text(t, "body"); strings.Contains(body, "next_source_id") || strings.Contains(body, "root:") {
			t.Errorf("%s: %q", p, body)
		}
	}
	b.takeErrors() // the refusals above are logged as failed loads
}
