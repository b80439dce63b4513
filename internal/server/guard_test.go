package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestHostPolicy_Success(t *testing.T) {
	lo := newHostPolicy(loopback, "ir-laptop", []string{"flowtrail.corp.example"})
	any := newHostPolicy(netip.IPv6Unspecified(), "ir-laptop", []string{"flowtrail.corp.example"})
	for _, c := range []struct {
		p    hostPolicy
		host string
	}{
		{lo, "127.0.0.1:8080"}, {lo, "localhost:8080"}, {lo, "LOCALHOST"}, {lo, "localhost."}, {lo, "[::1]:8080"}, {lo, "127.0.0.2:8080"},
		{lo, "flowtrail.corp.example:8080"},
		{any, "10.0.0.5:8080"}, {any, "[2001:db8::5]:8080"}, {any, "ir-laptop:8080"}, {any, "localhost:8080"}, {any, "flowtrail.corp.example"},
	} {
		if !c.p.allowed(c.host) {
			t.Errorf("Host %q refused (loopback %v)", c.host, c.p.loopback)
		}
	}
}

func TestHostPolicy_Failure(t *testing.T) {
	lo := newHostPolicy(loopback, "ir-laptop", nil)
	any := newHostPolicy(netip.IPv6Unspecified(), "ir-laptop", nil)
	for _, c := range []struct {
		p    hostPolicy
		host string
	}{
		// a rebound DNS name, a LAN address or the machine's name on a
		// loopback server, an empty Host
		{lo, "attacker.example:8080"}, {lo, "10.0.0.5:8080"}, {lo, "ir-laptop:8080"}, {lo, ""}, {lo, ":8080"},
		{lo, "127.0.0.1.attacker.example"}, {lo, "localhost.attacker.example"},
		{any, "attacker.example"}, {any, "ir-laptop.attacker.example"}, {any, ""},
	} {
		if c.p.allowed(c.host) {
			t.Errorf("Host %q accepted (loopback %v)", c.host, c.p.loopback)
		}
	}
}

func TestGuard_RefusesForeignHosts(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	r := local("GET", "/overview", "")
	r.Host = "attacker.example:8080"
	res, body := do(t, h, r)
	if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, "DNS rebinding") {
		t.Errorf("rebound host: %d %q", res.StatusCode, body)
	}
	checkHeaders(t, res)
}

const testToken = "0123456789abcdef-test-token"

func TestGuard_Token_Success(t *testing.T) {
	h := testServer(t, Config{}).Handler(netip.IPv4Unspecified(), testToken)
	r := local("GET", "/overview", "")
	r.Header.Set("Authorization", "Bearer "+testToken)
	if res, body := do(t, h, r); res.StatusCode != http.StatusOK {
		t.Fatalf("bearer token: %d %s", res.StatusCode, body)
	}
	// The printed address carries the token: it becomes a cookie and
	// leaves the address.
	res, _ := do(t, h, local("GET", "/overview?since=2026-11-01T00:00:00Z&token="+url.QueryEscape(testToken), ""))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/overview?since=2026-11-01T00%3A00%3A00Z" {
		t.Fatalf("token in the address: %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	cookies := res.Cookies()
	if len(cookies) != 1 || cookies[0].Name != tokenCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie = %+v", cookies)
	}
	r = local("GET", "/overview", "")
	r.AddCookie(cookies[0])
	if res, body := do(t, h, r); res.StatusCode != http.StatusOK {
		t.Errorf("cookie: %d %s", res.StatusCode, body)
	}
}

func TestGuard_Token_Failure(t *testing.T) {
	h := testServer(t, Config{}).Handler(netip.IPv4Unspecified(), testToken)
	for name, r := range map[string]*http.Request{
		"none":                local("GET", "/overview", ""),
		"wrong bearer":        withHeader(local("GET", "/api/overview", ""), "Authorization", "Bearer wrong"),
		"wrong parameter":     local("GET", "/overview?token=wrong", ""),
		"a prefix":            local("GET", "/overview?token="+testToken[:10], ""),
		"parameter on a POST": local("POST", "/api/query?token="+testToken, "sql=SELECT+1"),
		"wrong cookie":        withHeader(local("GET", "/static/app.css", ""), "Cookie", tokenCookie+"=nope"),
	} {
		res, body := do(t, h, r)
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "<table") {
			t.Errorf("%s: %d %q", name, res.StatusCode, body)
		}
		checkHeaders(t, res)
	}
}

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header.Set(k, v)
	return r
}

func TestGuard_CrossOrigin_Failure(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	for name, r := range map[string]*http.Request{
		"foreign origin write":   withHeader(local("POST", "/api/query", "sql=SELECT+1"), "Origin", "http://attacker.example"),
		"cross-site write":       withHeader(local("POST", "/console/run", "sql=SELECT+1"), "Sec-Fetch-Site", "cross-site"),
		"same-site write":        withHeader(local("POST", "/api/query", "sql=SELECT+1"), "Sec-Fetch-Site", "same-site"),
		"null origin":            withHeader(local("POST", "/api/query", "sql=SELECT+1"), "Origin", "null"),
		"foreign origin read":    withHeader(local("GET", "/api/overview", ""), "Origin", "http://attacker.example"),
		"cross-site fetch":       withHeader(withHeader(local("GET", "/api/graph", ""), "Sec-Fetch-Site", "cross-site"), "Sec-Fetch-Mode", "cors"),
		"cross-site script load": withHeader(withHeader(local("GET", "/api/sources", ""), "Sec-Fetch-Site", "cross-site"), "Sec-Fetch-Mode", "no-cors"),
	} {
		res, body := do(t, h, r)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d %q", name, res.StatusCode, body)
		}
	}
}

func TestGuard_CrossOrigin_Success(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	write := withHeader(withHeader(local("POST", "/api/query", "sql=SELECT+1"), "Origin", "http://127.0.0.1:8080"), "Sec-Fetch-Site", "same-origin")
	if res, body := do(t, h, write); res.StatusCode != http.StatusOK {
		t.Errorf("same-origin write: %d %s", res.StatusCode, body)
	}
	// Following a link from elsewhere is a navigation: allowed.
	nav := withHeader(withHeader(local("GET", "/overview", ""), "Sec-Fetch-Site", "cross-site"), "Sec-Fetch-Mode", "navigate")
	if res, body := do(t, h, nav); res.StatusCode != http.StatusOK {
		t.Errorf("navigation from elsewhere: %d %s", res.StatusCode, body)
	}
	// Tools send neither Origin nor Sec-Fetch-*.
	if res, body := do(t, h, local("POST", "/api/query", "sql=SELECT+1")); res.StatusCode != http.StatusOK {
		t.Errorf("curl-like write: %d %s", res.StatusCode, body)
	}
}

// No endpoint reads a path it is given: path tricks reach nothing
// outside the embedded files and the pages.
func TestGuard_PathTricks(t *testing.T) {
	h := testServer(t, Config{}).Handler(loopback, "")
	for _, target := range []string{
		"/static/../manifest.json", "/static/%2e%2e/manifest.json", "/static/..%2fmanifest.json", "/static/..%252fmanifest.json",
		"/static/vendor/../../../../etc/passwd", "/static/", "/static/vendor/", "/manifest.json", "/quarantine/1.jsonl",
		"/sources/..%2f..%2fmanifest.json", "/sources/1%2f..%2f..%2fetc%2fpasswd", "/static//etc/passwd", "/api/query?file=/etc/passwd",
		"/static/vendor/licenses/../../../templates/layout.html",
	} {
		r := local("GET", "/", "")
		r.URL = &url.URL{Path: mustUnescape(target), RawPath: rawPath(target), RawQuery: rawQuery(target)}
		r.RequestURI = target
		res, body := do(t, h, r)
		if res.StatusCode == http.StatusOK || strings.Contains(body, `"generation"`) || strings.Contains(body, "root:") || strings.Contains(body, "{{define") {
			t.Errorf("GET %s: %d %.120q", target, res.StatusCode, body)
		}
	}
}

func mustUnescape(target string) string {
	p, _, _ := strings.Cut(target, "?")
	u, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return u
}

func rawPath(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

func rawQuery(target string) string {
	_, q, _ := strings.Cut(target, "?")
	return q
}

func checkHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline or eval", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", res.Header)
	}
}

var _ = httptest.NewRecorder
