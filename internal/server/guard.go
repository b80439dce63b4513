package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// tokenCookie carries the token after the first visit, so that the
// token leaves the address bar and the history.
const tokenCookie = "flowtrail_token"

// contentSecurityPolicy allows scripts and styles from this server only
// (no inline code: Alpine's CSP build evaluates no strings), no frames,
// no forms or fetches elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// guard refuses what a browser on another site, a rebound DNS name or a
// stranger on the network could send.
type guard struct {
	hosts  hostPolicy
	token  string // empty: no token needed (loopback without --token-file)
	origin *http.CrossOriginProtection
}

func newGuard(hosts hostPolicy, token string) *guard {
	return &guard{hosts: hosts, token: token, origin: http.NewCrossOriginProtection()}
}

func (g *guard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if !g.hosts.allowed(r.Host) {
			refuse(w, http.StatusMisdirectedRequest, "this server does not answer to the host name %q (DNS rebinding protection); use the address it printed, or start it with --allow-host", r.Host)
			return
		}
		if err := g.crossSite(r); err != "" {
			refuse(w, http.StatusForbidden, "%s", err)
			return
		}
		if g.token != "" && !g.authorised(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// crossSite explains why a request from another origin is refused, or
// returns "". Writes from elsewhere are refused (http.CrossOriginProtection:
// Sec-Fetch-Site, else Origin against Host); so is any request naming a
// foreign Origin, and any cross-site request that is not the user
// following a link.
func (g *guard) crossSite(r *http.Request) string {
	if err := g.origin.Check(r); err != nil {
		return "cross-origin request refused: " + err.Error()
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		return "cross-origin request refused: Origin " + o + " is not this server"
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && r.Header.Get("Sec-Fetch-Mode") != "navigate" {
		return "cross-site request refused"
	}
	return ""
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, host)
}

// authorised accepts the token as a bearer header, the cookie, or a
// token parameter on a GET, which sets the cookie and redirects to the
// same address without it. Anything else gets 401.
func (g *guard) authorised(w http.ResponseWriter, r *http.Request) bool {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && g.matches(t) {
		return true
	}
	if c, err := r.Cookie(tokenCookie); err == nil && g.matches(c.Value) {
		return true
	}
	q := r.URL.Query()
	if t := q.Get("token"); t != "" && r.Method == http.MethodGet && g.matches(t) {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: g.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		q.Del("token")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return false
	}
	refuse(w, http.StatusUnauthorized, "this server needs its token: open the address with ?token= that `flowtrail serve` printed, or send Authorization: Bearer TOKEN")
	return false
}

// matches compares in constant time (hashes make the lengths equal).
func (g *guard) matches(t string) bool {
	a, b := sha256.Sum256([]byte(t)), sha256.Sum256([]byte(g.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// hostPolicy says which Host headers the server answers. A DNS rebinding
// attack needs a name the attacker controls that resolves to this
// server, so IP literals are safe; names must be known: localhost, and
// when listening beyond loopback the machine's name and --allow-host.
type hostPolicy struct {
	loopback bool // listening on loopback only: loopback literals only
	names    map[string]bool
}

func newHostPolicy(bound netip.Addr, machine string, allow []string) hostPolicy {
	h := hostPolicy{loopback: bound.IsLoopback(), names: map[string]bool{"localhost": true}}
	if !h.loopback && machine != "" {
		h.names[strings.ToLower(machine)] = true
	}
	for _, a := range allow {
		h.names[strings.ToLower(strings.TrimSuffix(a, "."))] = true
	}
	return h
}

func (h hostPolicy) allowed(host string) bool {
	name := host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		name = hn
	}
	name = strings.TrimSuffix(strings.ToLower(strings.Trim(name, "[]")), ".")
	if name == "" {
		return false
	}
	if h.names[name] {
		return true
	}
	ip, err := netip.ParseAddr(name)
	if err != nil {
		return false
	}
	return !h.loopback || ip.Unmap().IsLoopback()
}
