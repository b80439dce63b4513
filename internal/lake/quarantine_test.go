package lake

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestQuarantine_Add(t *testing.T) {
	long := strings.Repeat("a", maxRawBytes+100)
	longUTF8 := strings.Repeat("a", maxRawBytes-1) + "é" + "tail" // the cut falls inside é
	binary := []byte{'2', ' ', 0xff, 0xfe, ' ', 'x'}

	f := func(raw []byte, want Reject) {
		t.Helper()
		w := openLake(t, t.TempDir())
		defer w.Close()
		q := w.NewQuarantine(7, "s3://b/k.log")
		if err := q.Add(3, "bad field", raw); err != nil {
			t.Fatal(err)
		}
		rel, err := q.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := readRejects(t, w.Dir(), rel)
		want.Source, want.SourceID, want.Line, want.Reason = "s3://b/k.log", 7, 3, "bad field"
		if diff := cmp.Diff([]Reject{want}, got); diff != "" {
			t.Fatalf("reject (-want +got):\n%s", diff)
		}
		if !utf8.ValidString(got[0].Raw) {
			t.Fatalf("raw %q is not UTF-8", got[0].Raw)
		}
		if got[0].RawBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(got[0].RawBase64)
			if err != nil || len(b) > maxRawBytes {
				t.Fatalf("raw_base64 does not decode to at most %d bytes: %v", maxRawBytes, err)
			}
		}
	}

	// text kept as is
	f([]byte("2 123 eni-1 not-enough"), Reject{Raw: "2 123 eni-1 not-enough"})
	f([]byte(""), Reject{Raw: ""})
	f([]byte("ünïcode ok"), Reject{Raw: "ünïcode ok"})

	// bytes that are not UTF-8 are kept exactly in raw_base64
	f(binary, Reject{Raw: "2 \ufffd\ufffd x", RawBase64: base64.StdEncoding.EncodeToString(binary)})

	// a long line is cut to 8 KiB and says so
	f([]byte(long), Reject{Raw: long[:maxRawBytes], Truncated: true})

	// the cut does not split a character of a valid line
	f([]byte(longUTF8), Reject{Raw: longUTF8[:maxRawBytes-1], Truncated: true})

	// long and binary: both
	bin := append([]byte(strings.Repeat("b", maxRawBytes)), 0xff)
	bin = append([]byte{0xff}, bin...)
	f(bin, Reject{Raw: "\ufffd" + strings.Repeat("b", maxRawBytes-1), RawBase64: base64.StdEncoding.EncodeToString(bin[:maxRawBytes]), Truncated: true})
}

func TestQuarantine_Close(t *testing.T) {
	w := openLake(t, t.TempDir())
	defer w.Close()

	// nothing rejected: no file
	q := w.NewQuarantine(1, "a")
	rel, err := q.Close()
	if err != nil || rel != "" || q.Count() != 0 {
		t.Fatalf("empty quarantine: rel %q, count %d, err %v", rel, q.Count(), err)
	}
	if _, err := os.Stat(filepath.Join(w.Dir(), quarantineDir)); !os.IsNotExist(err) {
		t.Fatalf("an empty quarantine created a directory: %v", err)
	}

	// three rejects, one file named for the source id
	q = w.NewQuarantine(42, "a")
	for i := range int64(3) {
		if err := q.Add(i+1, "r", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	rel, err = q.Close()
	if err != nil || rel != "quarantine/42.jsonl" || q.Count() != 3 {
		t.Fatalf("rel %q, count %d, err %v", rel, q.Count(), err)
	}
	if got := readRejects(t, w.Dir(), rel); len(got) != 3 || got[2].Line != 3 {
		t.Fatalf("read back %+v", got)
	}
}

func readRejects(t *testing.T, dir, rel string) []Reject {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []Reject
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Reject
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
