package source

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"
)

func gz(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts { // one member each
		zw := gzip.NewWriter(&buf)
		if _, err := io.WriteString(zw, p); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// inflate reads everything Decompress yields.
func inflate(in []byte, lim Limits) ([]byte, error) {
	r, err := Decompress(bytes.NewReader(in), int64(len(in)), lim)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestDecompress_Success(t *testing.T) {
	f := func(in []byte, lim Limits, want string) {
		t.Helper()
		got, err := inflate(in, lim)
		if err != nil || string(got) != want {
			t.Errorf("Decompress(%.20q) = %.40q, %v; want %.40q", in, got, err, want)
		}
	}
	text := "version account-id interface-id srcaddr dstaddr\n2 123456789012 eni-1 10.0.0.1 10.0.0.2\n"
	// Not gzip: passed through, whatever the limits.
	f(nil, DefaultLimits, "")
	f([]byte{}, Limits{}, "")
	f([]byte("x"), Limits{}, "x")
	f([]byte{0x1f}, Limits{}, "\x1f")
	f([]byte(text), Limits{}, text)
	f([]byte{0x8b, 0x1f, 0}, Limits{}, "\x8b\x1f\x00")
	// gzip: one member, several (as concatenated deliveries are), an empty one.
	f(gz(t, text), DefaultLimits, text)
	f(gz(t, "first\n", "", "second\n", "third\n"), DefaultLimits, "first\nsecond\nthird\n")
	f(gz(t, ""), DefaultLimits, "")
	// Inflating to exactly the limit is allowed.
	f(gz(t, text), Limits{Slack: int64(len(text))}, text)
	big := strings.Repeat(text, 10000)
	f(gz(t, big), Limits{Slack: int64(len(big))}, big)
}

func TestDecompress_Failure(t *testing.T) {
	f := func(in []byte, lim Limits, want string) {
		t.Helper()
		_, err := inflate(in, lim)
		if err == nil || err.Error() != want {
			t.Errorf("Decompress(%.20q): err = %v, want %q", in, err, want)
		}
	}
	text := strings.Repeat("2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 ACCEPT OK\n", 50)
	whole := gz(t, text)
	// Cut inside the header, the deflate stream and the CRC/size trailer,
	// in the first member and in a later one.
	f(whole[:5], DefaultLimits, "cannot open gzip: truncated gzip: unexpected EOF")
	f(whole[:len(whole)/2], DefaultLimits, "truncated gzip: unexpected EOF")
	f(whole[:len(whole)-4], DefaultLimits, "truncated gzip: unexpected EOF")
	two := gz(t, text, text)
	f(two[:len(two)-len(whole)/2], DefaultLimits, "truncated gzip: unexpected EOF")
	// One byte over the limit.
	f(gz(t, text), Limits{Slack: int64(len(text)) - 1}, ErrInflateLimit.Error())
	f(gz(t, text), Limits{}, ErrInflateLimit.Error())
}

var bomb = sync.OnceValue(func() []byte {
	// 1 GiB of zeros: about 1 MiB of gzip, ~1000:1.
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 1 << 10 {
		zw.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
})

func TestDecompress_Bomb(t *testing.T) {
	in := bomb()
	if len(in) > 2<<20 {
		t.Fatalf("bomb is %d bytes compressed, want about 1 MiB", len(in))
	}
	f := func(lim Limits) {
		t.Helper()
		r, err := Decompress(bytes.NewReader(in), int64(len(in)), lim)
		if err != nil {
			t.Fatalf("Decompress: %v", err)
		}
		n, err := io.Copy(io.Discard, r)
		if !errors.Is(err, ErrInflateLimit) {
			t.Fatalf("with %+v: read %d bytes, err = %v; want ErrInflateLimit", lim, n, err)
		}
		if limit := int64(len(in))*lim.MaxRatio + lim.Slack; n != limit {
			t.Errorf("with %+v: read %d bytes before stopping, want the limit %d", lim, n, limit)
		}
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, ErrInflateLimit) {
			t.Errorf("read after the limit: err = %v, want ErrInflateLimit", err)
		}
	}
	f(Limits{MaxRatio: 20, Slack: 1 << 20})
	f(DefaultLimits)
}

// TestLimited_Success: a reader that reports EOF on a call of its own,
// after its last bytes, may end exactly at the limit.
func TestLimited_Success(t *testing.T) {
	f := func(in string, left int64) {
		t.Helper()
		got, err := io.ReadAll(&limited{r: iotest.OneByteReader(strings.NewReader(in)), left: left})
		if err != nil || string(got) != in {
			t.Errorf("limited(%q, %d) = %q, %v; want all of it", in, left, got, err)
		}
	}
	f("", 0)
	f("abc", 3)
	f("abc", 4)
}
