package flowlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sampleFiles are the external flow-log files whose lines seed the fuzzers.
var sampleFiles = []string{
	"awsdocs-amazon-vpc-user-guide/extracted/*.log",
	"elastic-beats-vpcflow/*.log",
	"elastic-integrations-aws/vpcflow/*.log",
	"obsrvbl-flowlogs-reader/tests/extracted/*.log",
	"otel-collector-contrib-awslogsencoding/vpc-flow-log/*.log",
}

// seedLines returns (format, line) pairs: a few crafted ones, then every
// record line of the external samples (when present) with the format it
// is read with, rejected lines included.
func seedLines() [][2]string {
	v2 := DefaultV2.String()
	seeds := [][2]string{
		{v2, v2Accept},
		{v2, v2NoData},
		{v2, v2Accept + "\r"},
		{v2, "  2\t123456789010 eni-é - - - - - - - 1 2 - NODATA "},
		{"version future ${tcp-flags} account_id", "3 - 19 000000000000"},
		{DefaultTGW.String(), "6 TransitGateway 123456789123 tgw-1 tgw-attach-1 123456789123 123456789123 vpc-1 vpc-2 subnet-1 subnet-2 eni-1 eni-2 use1-az1 use1-az2 - 10.0.0.1 10.0.0.2 43228 53 6 1 1600 1766848875 1766848933 OK IPv4 1 0 2 0 2 us-east-1 egress - -"},
		{"srcport bytes", "2147483647 9223372036854775807"},
	}
	for _, pattern := range sampleFiles {
		paths, _ := filepath.Glob(filepath.Join(externalDir, pattern))
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			for _, fl := range feed(data, &DefaultV2) {
				seeds = append(seeds, [2]string{fl.Format.String(), fl.Text})
			}
			for _, fl := range feed(data, nil) {
				if fl.Format.Fields != nil {
					seeds = append(seeds, [2]string{fl.Format.String(), fl.Text})
				}
			}
		}
	}
	return seeds
}

// FuzzParse checks more than "no panic": whatever Parse accepts, formatted
// back in the same format (AppendLine) and parsed again, gives an equal
// Record, and that formatted line is canonical (formats to itself).
// Whatever it rejects, it rejects with a *LineError.
func FuzzParse(f *testing.F) {
	for _, s := range seedLines() {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, format, line string) {
		fm, err := ParseFormat(format)
		if err != nil {
			return
		}
		p := NewParser(fm)
		var rec Record
		if err := p.Parse([]byte(line), &rec); err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("Parse(%q) error %v is not a *LineError", line, err)
			}
			return
		}
		if n := Fields([]byte(line)); n != len(fm.Fields) {
			t.Fatalf("Parse accepted %q: Fields counts %d, the format has %d", line, n, len(fm.Fields))
		}
		out := rec.AppendLine(fm, nil)
		var again Record
		if err := p.Parse(out, &again); err != nil {
			t.Fatalf("Parse(%q) ok, but its formatted %q fails: %v", line, out, err)
		}
		if !reflect.DeepEqual(rec, again) {
			t.Fatalf("Parse(%q) and Parse(%q) differ:\n%v\n%v", line, out, fieldMap(&rec, fm), fieldMap(&again, fm))
		}
		if out2 := again.AppendLine(fm, nil); !bytes.Equal(out, out2) {
			t.Fatalf("formatting is not canonical: %q then %q", out, out2)
		}
	})
}

// FuzzParseFormat: whatever ParseFormat accepts renders (String) to a
// header that parses to the same Format, and that header is recognised as
// one when it names a known field.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{
		DefaultV2.String(), DefaultTGW.String(), v5All + " " + ecsAll + " reject-reason resource-id encryption-status",
		"${version} ${account-id}", "account_id tcp_flags", "version future-field", "foo foo", "tcp-flags tcp_flags",
		"version\tsrcaddr\r\n", "${version", "version}", "", "-", "2 123 eni-1",
	} {
		f.Add(s)
	}
	for _, s := range seedLines() {
		f.Add(s[0])
	}
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := ParseFormat(s)
		if err != nil {
			return
		}
		again, err := ParseFormat(fm.String())
		if err != nil {
			t.Fatalf("ParseFormat(%q) ok, ParseFormat(%q) = %v", s, fm.String(), err)
		}
		if !reflect.DeepEqual(fm, again) {
			t.Fatalf("ParseFormat(%q) = %+v, ParseFormat(String()) = %+v", s, fm, again)
		}
		if len(fm.Unknown) < len(fm.Fields) && !IsHeader([]byte(fm.String())) {
			t.Fatalf("IsHeader(%q) = false", fm.String())
		}
	})
}
