package source

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// Limits bound decompression so that a gzip bomb stops with an error
// instead of filling the disk or the clock.
type Limits struct {
	MaxRatio int64 // inflated bytes per compressed byte
	Slack    int64 // inflated bytes allowed on top of the ratio (small objects)
}

// DefaultLimits allow far more than real logs need (flow logs inflate
// 5-20x, CloudTrail up to ~40x) while stopping a bomb (~1000x) early.
var DefaultLimits = Limits{MaxRatio: 200, Slack: 64 << 20}

// ErrInflateLimit is returned when an object inflates past its limit.
var ErrInflateLimit = errors.New("decompressed size exceeds the limit (gzip bomb?)")

// Decompress returns the object's content: gunzipped (all members) when
// it starts with the gzip magic, as is otherwise. size is the compressed
// size used for the ratio limit.
func Decompress(r io.Reader, size int64, lim Limits) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("cannot open gzip: %w", truncated(err))
	}
	return &limited{r: zr, left: max(0, size*lim.MaxRatio+lim.Slack)}, nil
}

// truncated names the usual cause of an unexpected EOF inside gzip.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated gzip: %w", err)
	}
	return err
}

// limited passes at most left bytes through, then fails with
// ErrInflateLimit if there are more.
type limited struct {
	r    io.Reader
	left int64
	err  error // sticky ErrInflateLimit
}

func (l *limited) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte past the limit tells "over" from "exactly at"
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		n, l.left, l.err = int(l.left), 0, ErrInflateLimit
		return n, l.err
	}
	l.left -= int64(n)
	return n, truncated(err)
}
