package server

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// runServer starts Run in the background and returns the address it printed
// and its output; the server stops when the test ends.
func runServer(t *testing.T, cfg Config) (string, *syncBuffer) {
	t.Helper()
	if _, err := estate(); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cfg.Lake, cfg.Out = estateLake(), out
	ready := make(chan string, 1)
	cfg.Ready = func(url string) { ready <- url }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	})
	select {
	case url := <-ready:
		return url, out
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the server did not start")
	}
	return "", nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	res, err := (&http.Client{Jar: jar}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestRun_Loopback(t *testing.T) {
	url, out := runServer(t, Config{Addr: "127.0.0.1:0"})
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.Contains(url, "token") || !strings.Contains(out.String(), url) {
		t.Fatalf("printed %q, url %q", out.String(), url)
	}
	if code, body := get(t, url+"overview"); code != http.StatusOK || !strings.Contains(body, "total-records") {
		t.Errorf("overview: %d", code)
	}
}

// Beyond loopback a token is generated and printed once, and required.
func TestRun_TokenBeyondLoopback(t *testing.T) {
	url, out := runServer(t, Config{Addr: "0.0.0.0:0"})
	_, token, ok := strings.Cut(url, "?token=")
	if !ok || len(token) < 30 || strings.Count(out.String(), token) != 1 {
		t.Fatalf("url %q, printed %q", url, out.String())
	}
	base := strings.TrimSuffix(url, "?token="+token)
	if code, _ := get(t, base+"overview"); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
	if code, body := get(t, url); code != http.StatusOK || !strings.Contains(body, "total-records") {
		t.Errorf("with the token (and the redirect): %d", code)
	}
	// Another run draws another token.
	url2, _ := runServer(t, Config{Addr: "0.0.0.0:0"})
	if _, token2, _ := strings.Cut(url2, "?token="); token2 == token {
		t.Error("two runs printed the same token")
	}
}

func TestRun_TokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, out := runServer(t, Config{Addr: "127.0.0.1:0", TokenFile: file})
	if strings.Contains(out.String(), testToken) {
		t.Errorf("the token from the file was printed: %q", out.String())
	}
	base, _, _ := strings.Cut(url, "?")
	if code, _ := get(t, base+"overview"); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
}

func TestRun_Failure(t *testing.T) {
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("abc\n"), 0o600)
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Addr: "localhost.example:8080"}, "give an IP address"},
		{Config{Addr: "8080"}, "want HOST:PORT"},
		{Config{Addr: "127.0.0.1:0", TokenFile: short}, "at least 16 characters"},
		{Config{Addr: "127.0.0.1:0", TokenFile: "/nonexistent/token"}, "cannot read --token-file"},
		{Config{Addr: "127.0.0.1:0", Lake: t.TempDir()}, "holds no lake yet"},
	} {
		if c.cfg.Lake == "" {
			c.cfg.Lake = estateLake()
		}
		err := Run(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestBindAddr(t *testing.T) {
	for addr, want := range map[string]string{"127.0.0.1:8080": "127.0.0.1", "localhost:1": "127.0.0.1", ":8080": "::", "[::1]:80": "::1", "0.0.0.0:80": "0.0.0.0"} {
		got, err := bindAddr(addr)
		if err != nil || got != netip.MustParseAddr(want) {
			t.Errorf("bindAddr(%q) = %v, %v; want %s", addr, got, err, want)
		}
	}
}
