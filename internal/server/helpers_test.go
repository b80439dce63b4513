package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flowtrail/flowtrail/internal/gen"
	"github.com/flowtrail/flowtrail/internal/ingest"
	"github.com/flowtrail/flowtrail/internal/source"
)

var tmpRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowtrail-server-")
	if err != nil {
		panic(err)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// estate is a generated estate (with CloudTrail, rejected noise and
// malformed lines) ingested into a lake, built once for the package.
var estate = sync.OnceValues(func() (*gen.Truth, error) {
	ctx := context.Background()
	in := filepath.Join(tmpRoot, "estate")
	truth, err := gen.Generate(ctx, in, gen.Config{Seed: 5, Scale: 0.1})
	if err != nil {
		return nil, err
	}
	_, err = ingest.Run(ctx, ingest.Config{Lake: estateLake(), Listers: []source.Lister{source.Local{Path: filepath.Join(in, "AWSLogs")}}})
	return truth, err
})

func estateLake() string { return filepath.Join(tmpRoot, "lake") }

// testServer opens a server on the estate; cfg's zero fields take the
// defaults.
func testServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if _, err := estate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Lake == "" {
		cfg.Lake = estateLake()
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var loopback = netip.MustParseAddr("127.0.0.1")

// get sends one request through the handler and returns the response
// and its body.
func do(t *testing.T, h http.Handler, r *http.Request) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// local is a request as a browser on the same machine sends it.
func local(method, target string, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Host = "127.0.0.1:8080"
	if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}
