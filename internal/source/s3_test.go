package source

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtrail/flowtrail/internal/awstest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// These tests run the real SDK client, as NewS3 builds it, against an
// S3-compatible server over HTTP: gofakes3 with its in-memory backend.

const testBucket = "flows"

var testEpoch = time.Date(2026, 11, 3, 0, 5, 0, 0, time.UTC)

// fakeS3 is gofakes3 behind httptest, plus the one thing gofakes3 v1.2.0
// lacks: it checks If-Match only on PUT, never on GET, so the handler
// answers a stale GET with 412 PreconditionFailed as S3 does.
type fakeS3 struct {
	backend *s3mem.Backend
	clock   gofakes3.TimeSourceAdvancer // LastModified of puts
	url     string
	lists   atomic.Int64 // ListObjectsV2 requests served

	mu      sync.Mutex
	ifMatch []string // If-Match headers of GETs, in order
}

func startFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{clock: gofakes3.FixedTimeSource(testEpoch)}
	f.backend = s3mem.New(s3mem.WithTimeSource(f.clock))
	srv := httptest.NewServer(f.handler(gofakes3.New(f.backend).Server()))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	if err := f.backend.CreateBucket(testBucket); err != nil {
		t.Fatalf("cannot create bucket: %v", err)
	}
	return f
}

func (f *fakeS3) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
			f.lists.Add(1)
		}
		if r.Method == http.MethodGet && !f.ifMatchHolds(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusPreconditionFailed)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>`+
				`<Message>At least one of the pre-conditions you specified did not hold</Message></Error>`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ifMatchHolds reports whether a GET's If-Match, if any, names the
// object's current ETag; a missing object is left to gofakes3.
func (f *fakeS3) ifMatchHolds(r *http.Request) bool {
	want := r.Header.Get("If-Match")
	if want == "" {
		return true
	}
	f.mu.Lock()
	f.ifMatch = append(f.ifMatch, want)
	f.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	obj, err := f.backend.HeadObject(bucket, key)
	if err != nil {
		return true
	}
	obj.Contents.Close()
	return want == `"`+hex.EncodeToString(obj.Hash)+`"`
}

func (f *fakeS3) lastIfMatch() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ifMatch) == 0 {
		return ""
	}
	return f.ifMatch[len(f.ifMatch)-1]
}

// put stores an object straight into the backend: fast enough to seed
// thousands.
func (f *fakeS3) put(t *testing.T, key string, body []byte) {
	t.Helper()
	if _, err := f.backend.PutObject(testBucket, key, nil, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		t.Fatalf("cannot put %s: %v", key, err)
	}
}

func newTestS3(t *testing.T, f *fakeS3, url string) *S3 {
	t.Helper()
	awstest.Isolate(t)
	l, err := NewS3(t.Context(), url, S3Options{Region: "us-east-1", Endpoint: f.url})
	if err != nil {
		t.Fatalf("NewS3(%q): %v", url, err)
	}
	return l
}

func listAll(t *testing.T, l Lister) []Object {
	t.Helper()
	var got []Object
	if err := l.List(t.Context(), func(o Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func readAll(t *testing.T, o Object) []byte {
	t.Helper()
	rc, err := o.Open(t.Context())
	if err != nil {
		t.Fatalf("Open(%s): %v", o.URI, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("cannot read %s: %v", o.URI, err)
	}
	return b
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func TestS3List_Success(t *testing.T) {
	f := startFakeS3(t)
	const n = 2500 // ListObjectsV2 returns 1,000 keys a page
	dir := "logs/AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/11/03/"
	want := map[string][]byte{}
	for i := range n {
		key := fmt.Sprintf("%sf%04d.log", dir, i)
		want[key] = fmt.Appendf(nil, "version account-id flow %d\n", i)
		f.put(t, key, want[key])
	}
	// Outside the prefix, on both sides of it in key order, and folder markers.
	for _, key := range []string{"aaa/before.log", "logs-old/x.log", "logsx", "zzz/after.log", "logs/", dir, "logs/empty/"} {
		f.put(t, key, []byte("not listed\n"))
	}
	l := newTestS3(t, f, "s3://"+testBucket+"/logs/")
	seen := map[string]bool{}
	for _, o := range listAll(t, l) {
		body, ok := want[o.Key]
		if !ok || seen[o.Key] {
			t.Fatalf("unexpected or repeated object %q", o.Key)
		}
		seen[o.Key] = true
		checkS3Object(t, o, body)
	}
	if len(seen) != n {
		t.Errorf("listed %d objects, want %d", len(seen), n)
	}
	if pages := f.lists.Load(); pages < 3 {
		t.Errorf("listing took %d pages, want at least 3", pages)
	}
}

func checkS3Object(t *testing.T, o Object, body []byte) {
	t.Helper()
	if o.URI != "s3://"+testBucket+"/"+o.Key || o.Size != int64(len(body)) || o.ETag != md5hex(body) || !o.ModTime.Equal(testEpoch) {
		t.Fatalf("object %+v, want size %d, ETag %s, ModTime %v", o, len(body), md5hex(body), testEpoch)
	}
	if o.ModTime.Location() != time.UTC {
		t.Errorf("ModTime %v is not UTC", o.ModTime)
	}
}

func TestS3Open_Success(t *testing.T) {
	f := startFakeS3(t)
	// Binary bytes that look gzipped: no transport layer may touch them.
	body := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(body)
	body[0], body[1] = 0x1f, 0x8b
	f.put(t, "in/a.log.gz", body)
	f.put(t, "in/empty.log", nil)
	stderr := captureStderr(t)
	l := newTestS3(t, f, "s3://"+testBucket+"/in")
	got := listAll(t, l)
	if len(got) != 2 {
		t.Fatalf("listed %d objects, want 2", len(got))
	}
	if b := readAll(t, got[0]); !bytes.Equal(b, body) {
		t.Errorf("Open(%s) returned %d bytes that differ from the %d put", got[0].URI, len(b), len(body))
	}
	if h := f.lastIfMatch(); h != `"`+got[0].ETag+`"` {
		t.Errorf("GET sent If-Match %s, want the listed ETag %q", h, got[0].ETag)
	}
	if b := readAll(t, got[1]); len(b) != 0 {
		t.Errorf("Open(%s) returned %d bytes, want 0", got[1].URI, len(b))
	}
	// gofakes3, like S3 for older objects, sends no checksum: the SDK must
	// not log that to the terminal for every object.
	if s := stderr(); s != "" {
		t.Errorf("the SDK wrote to stderr: %q", s)
	}
}

// captureStderr points os.Stderr, where the SDK's default logger writes,
// at a file until the test ends; the function returned reads it.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = f
	t.Cleanup(func() { os.Stderr = old; f.Close() })
	return func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// TestS3Changed_Success: an object rewritten between two listings gets a
// new ETag (the ledger's identity for it), and the old listing can no
// longer read it.
func TestS3Changed_Success(t *testing.T) {
	f := startFakeS3(t)
	key := "day/flows.log"
	f.put(t, key, []byte("first version\n"))
	l := newTestS3(t, f, "s3://"+testBucket+"/day/")
	before := listAll(t, l)

	// Rewrite it through the SDK, as a log delivery would.
	f.clock.Advance(time.Hour)
	v2 := []byte("second version, longer\n")
	_, err := l.Client.(*s3.Client).PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(v2),
	})
	if err != nil {
		t.Fatalf("cannot put %s through the SDK: %v", key, err)
	}
	after := listAll(t, l)
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("listed %d then %d objects, want 1 and 1", len(before), len(after))
	}
	if before[0].ETag == after[0].ETag {
		t.Errorf("ETag %q did not change when the object did", after[0].ETag)
	}
	if after[0].ETag != md5hex(v2) || after[0].Size != int64(len(v2)) || !after[0].ModTime.Equal(testEpoch.Add(time.Hour)) {
		t.Errorf("changed object %+v, want ETag %s, size %d", after[0], md5hex(v2), len(v2))
	}
	if b := readAll(t, after[0]); !bytes.Equal(b, v2) {
		t.Errorf("Open returned %q, want %q", b, v2)
	}
	_, err = before[0].Open(t.Context())
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "PreconditionFailed" {
		t.Fatalf("Open of the stale listing: err = %v, want PreconditionFailed", err)
	}
	if !strings.Contains(err.Error(), "cannot get s3://"+testBucket+"/"+key) {
		t.Errorf("error %q does not name the object", err)
	}
}

func TestS3List_Failure(t *testing.T) {
	f := startFakeS3(t)
	f.put(t, "a/1", []byte("1"))
	f.put(t, "a/2", []byte("2"))

	l := newTestS3(t, f, "s3://no-such-bucket/a/")
	err := l.List(t.Context(), func(Object) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "cannot list s3://no-such-bucket/a/") || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("List of a missing bucket: err = %v, want cannot list … NoSuchBucket", err)
	}

	stop := errors.New("stop")
	calls := 0
	l = newTestS3(t, f, "s3://"+testBucket+"/a/")
	err = l.List(t.Context(), func(Object) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with a failing emit: err = %v after %d calls, want stop after 1", err, calls)
	}
}

func TestNewS3_Failure(t *testing.T) {
	awstest.Isolate(t)
	f := func(url, want string) {
		t.Helper()
		l, err := NewS3(t.Context(), url, S3Options{Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
		if err == nil || err.Error() != want {
			t.Errorf("NewS3(%q) = %v, %v; want error %q", url, l, err, want)
		}
	}
	f("s3://", `"s3://" names no bucket: use s3://BUCKET/PREFIX`)
	f("s3:///logs/", `"s3:///logs/" names no bucket: use s3://BUCKET/PREFIX`)
	f("http://x", `"http://x" is not an s3:// URL`)
	f("", `"" is not an s3:// URL`)
	f("/tmp/flows", `"/tmp/flows" is not an s3:// URL`)
}

func TestParseS3URL_Success(t *testing.T) {
	f := func(url, bucket, prefix string) {
		t.Helper()
		b, p, err := ParseS3URL(url)
		if err != nil || b != bucket || p != prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want %q, %q", url, b, p, err, bucket, prefix)
		}
	}
	f("s3://b", "b", "")
	f("s3://b/", "b", "")
	f("s3://b/AWSLogs/111111111111/", "b", "AWSLogs/111111111111/")
}
