// Package server is flowtrail's web UI and JSON API: server-rendered
// pages over the same package functions the command line calls (named
// queries, pivots, the audit, the hunt), served by the standard library
// from the lake it was started on.
//
// It listens on loopback unless told otherwise, and then demands a
// token; it answers only Host names that cannot be a rebound DNS name,
// refuses requests from other origins that could change anything or read
// data, and bounds every request in time and rows. No endpoint takes a
// file path: the lake is fixed when the server starts.
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/hunt"
	"github.com/flowtrail/flowtrail/web"
)

// Config is what `flowtrail serve` binds its flags into.
type Config struct {
	Lake       string
	Addr       string   // host:port; default 127.0.0.1:8080
	TokenFile  string   // the token, from a file; required beyond loopback unless one is generated
	AllowHosts []string // further Host names to answer (a reverse proxy's, a DNS name)

	MemoryLimit  string        // per engine (the server opens up to three)
	QueryTimeout time.Duration // each page's queries and each console query
	SlowTimeout  time.Duration // the long analyses: audit, hunt, workload pivots
	MaxRows      int           // rows a console query returns, shown or downloaded

	// Hunt is what every hunt runs with, as `flowtrail hunt --config
	// --ioc` reads them: thresholds, allowlists, indicator lists. The
	// window comes from each page.
	Hunt hunt.Options

	Assets fs.FS     // templates and static files; nil: the embedded ones
	Out    io.Writer // where the address is printed
	// Ready, when set, is called with the address once the server
	// listens (tests, the demo).
	Ready func(url string)
}

// fromDisk says the assets are not the embedded ones: a developer is
// editing them, so nothing may be cached.
func (c Config) fromDisk() bool { return c.Assets != nil }

func (c Config) withDefaults() Config {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8080")
	c.MemoryLimit = cmp.Or(c.MemoryLimit, "2GB")
	c.QueryTimeout = cmp.Or(c.QueryTimeout, 30*time.Second)
	c.SlowTimeout = cmp.Or(c.SlowTimeout, 30*time.Minute)
	c.MaxRows = cmp.Or(c.MaxRows, 10000)
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Assets == nil {
		c.Assets = web.Assets
	}
	return c
}

// Server holds the lake and the pages; Handler serves them.
type Server struct {
	cfg   Config
	dev   bool // assets from disk: not cached
	lake  *lakeState
	pages *pages
	mux   *http.ServeMux
}

// New opens the lake and parses the pages.
func New(ctx context.Context, cfg Config) (*Server, error) {
	dev := cfg.fromDisk()
	cfg = cfg.withDefaults()
	p, err := parsePages(cfg.Assets)
	if err != nil {
		return nil, err
	}
	l, err := openLake(ctx, cfg.Lake, engine.Options{MemoryLimit: cfg.MemoryLimit, Timeout: cfg.QueryTimeout}, cfg.SlowTimeout)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, dev: dev, lake: l, pages: p, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// Close releases the engines.
func (s *Server) Close() { s.lake.close() }

// Handler is the guarded handler for a server listening on bound; token
// empty means none is needed.
func (s *Server) Handler(bound netip.Addr, token string) http.Handler {
	host, _ := os.Hostname()
	g := newGuard(newHostPolicy(bound, host, s.cfg.AllowHosts), token)
	return g.wrap(s.bounded(s.mux))
}

// maxInFlight bounds the requests served at once; more get 503.
const maxInFlight = 32

// bounded gives each request a deadline and a body limit, and refuses
// requests beyond maxInFlight.
func (s *Server) bounded(next http.Handler) http.Handler {
	slots := make(chan struct{}, maxInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			refuse(w, http.StatusServiceUnavailable, "too many requests at once: try again")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout+5*time.Second)
		defer cancel()
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// maxBody bounds a request body: a console query and its parameters.
const maxBody = 256 << 10

// Run serves until ctx is cancelled.
func Run(ctx context.Context, given Config) error {
	cfg := given.withDefaults()
	bound, err := bindAddr(cfg.Addr)
	if err != nil {
		return err
	}
	token, generated, err := resolveToken(cfg.TokenFile, bound)
	if err != nil {
		return err
	}
	s, err := New(ctx, given)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	url := announce(cfg.Out, ln.Addr(), token, generated)
	srv := &http.Server{Handler: s.Handler(bound, token), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: cfg.QueryTimeout + time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}
	if cfg.Ready != nil {
		cfg.Ready(url)
	}
	return serve(ctx, srv, ln)
}

func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("cannot serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("cannot serve: %w", err)
	}
	return nil
}

// bindAddr is the address the server will listen on; a host name is
// refused, since what it resolves to decides who can connect.
func bindAddr(addr string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8080: %w", addr, err)
	}
	if host == "" {
		return netip.IPv6Unspecified(), nil
	}
	if host == "localhost" {
		return netip.MustParseAddr("127.0.0.1"), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("--addr %q: give an IP address (127.0.0.1, 0.0.0.0, ::), not a host name", addr)
	}
	return ip.Unmap(), nil
}

// resolveToken reads the token file, or generates a token when the
// server listens beyond loopback; on loopback without a file none is
// needed.
func resolveToken(file string, bound netip.Addr) (token string, generated bool, err error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", false, fmt.Errorf("cannot read --token-file: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if len(t) < 16 || strings.ContainsAny(t, " \t\r\n") {
			return "", false, fmt.Errorf("--token-file %s: the token must be one word of at least 16 characters", file)
		}
		return t, false, nil
	}
	if bound.IsLoopback() {
		return "", false, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", false, fmt.Errorf("cannot generate a token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}

// announce prints where to point a browser and returns that address.
func announce(out io.Writer, addr net.Addr, token string, generated bool) string {
	ap, _ := netip.ParseAddrPort(addr.String())
	host := ap.Addr().Unmap()
	if host.IsUnspecified() {
		host = netip.MustParseAddr("127.0.0.1")
	}
	url := fmt.Sprintf("http://%s/", netip.AddrPortFrom(host, ap.Port()))
	switch {
	case generated:
		fmt.Fprintf(out, "flowtrail: serving on %s — open %s?token=%s\n(the token is printed once; every request from a browser or client needs it)\n", addr, url, token)
		return url + "?token=" + token
	case token != "":
		fmt.Fprintf(out, "flowtrail: serving on %s — open %s?token=<the token in --token-file>\n", addr, url)
		return url + "?token=" + token
	}
	fmt.Fprintf(out, "flowtrail: serving on %s — open %s\n", addr, url)
	return url
}
