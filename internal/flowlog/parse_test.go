package flowlog

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const (
	v2Accept = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
	v2NoData = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
)

var v2AcceptFields = map[string]string{
	"version": "2", "account-id": "123456789010", "interface-id": "eni-1235b8ca123456789",
	"srcaddr": "172.31.16.139", "dstaddr": "172.31.16.21", "srcport": "20641", "dstport": "22",
	"protocol": "6", "packets": "20", "bytes": "4249", "start": "1418530010", "end": "1418530070",
	"action": "ACCEPT", "log-status": "OK",
}

// v2With returns v2AcceptFields with some values replaced ("" removes).
func v2With(kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range v2AcceptFields {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func TestParse_Success(t *testing.T) {
	f := func(format, line string, want map[string]string) {
		t.Helper()
		fm, err := ParseFormat(format)
		if err != nil {
			t.Fatalf("ParseFormat: %v", err)
		}
		var rec Record
		if err := NewParser(fm).Parse([]byte(line), &rec); err != nil {
			t.Fatalf("Parse(%q): %v", line, err)
		}
		if got := fieldMap(&rec, fm); !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q)\n got %v\nwant %v", line, got, want)
		}
		// Round trip: format the record, parse again, same record.
		again := appendAndParse(t, fm, &rec)
		if !reflect.DeepEqual(again, rec) {
			t.Fatalf("round trip of %q changed the record", line)
		}
	}
	v2 := DefaultV2.String()

	f(v2, v2Accept, v2AcceptFields)
	// "-" is absent, for strings and integers alike.
	f(v2, v2NoData, map[string]string{"version": "2", "account-id": "123456789010", "interface-id": "eni-1235b8ca123456789", "start": "1431280876", "end": "1431280934", "log-status": "NODATA"})
	// Double spaces between fields (one of AWS's own examples has them).
	f(v2, strings.Replace(v2Accept, " 22 ", "  22  ", 1), v2AcceptFields)
	// Trailing CR (CRLF files), leading and trailing blanks.
	f(v2, v2Accept+"\r", v2AcceptFields)
	f(v2, "  "+v2Accept+" \t", v2AcceptFields)
	// Choice: tabs separate fields like spaces (AWS writes single spaces;
	// tab-separated exports are common and no value contains a tab).
	f(v2, strings.ReplaceAll(v2Accept, " ", "\t"), v2AcceptFields)
	// Non-ASCII bytes inside an id are kept as they are, even invalid UTF-8.
	f(v2, strings.Replace(v2Accept, "eni-1235b8ca123456789", "eni-1235b8caé", 1), v2With("interface-id", "eni-1235b8caé"))
	f(v2, strings.Replace(v2Accept, "eni-1235b8ca123456789", "eni-\xff\xfe", 1), v2With("interface-id", "eni-\xff\xfe"))
	// Account ids are text: leading zeros stay, "unknown" is a value.
	f(v2, strings.Replace(v2Accept, "123456789010", "000000000042", 1), v2With("account-id", "000000000042"))
	f(v2, strings.Replace(v2Accept, "123456789010", "unknown", 1), v2With("account-id", "unknown"))
	// Choice: integers are checked against their Parquet type, not their
	// domain, so port 65536 passes; leading zeros are read as decimal.
	f(v2, strings.Replace(v2Accept, " 20641 ", " 65536 ", 1), v2With("srcport", "65536"))
	f(v2, strings.Replace(v2Accept, " 20641 ", " 2147483647 ", 1), v2With("srcport", "2147483647"))
	f(v2, strings.Replace(v2Accept, " 22 ", " 0022 ", 1), v2With("dstport", "22"))
	f(v2, strings.Replace(v2Accept, " 4249 ", " 9223372036854775807 ", 1), v2With("bytes", "9223372036854775807"))
	// Fields the catalogue does not know are kept as text, "-" included.
	f("version future-field srcaddr ${other}", "7 abc 10.0.0.1 -", map[string]string{"version": "7", "future-field": "abc", "srcaddr": "10.0.0.1", "other": "-"})
	// AWS LogFormat and Parquet column spellings name the same fields.
	f("${version} ${tcp-flags} tcp_flags_x pkt_srcaddr", "5 19 x 10.0.0.1", map[string]string{"version": "5", "tcp-flags": "19", "tcp_flags_x": "x", "pkt-srcaddr": "10.0.0.1"})
	// The version field is data: 3 with v7 and v8 fields is kept as 3.
	f("version ecs-task-id reject-reason", "3 b9ad2f8a90b2 BPA", map[string]string{"version": "3", "ecs-task-id": "b9ad2f8a90b2", "reject-reason": "BPA"})
	// Newer fields.
	f("version resource-id encryption-status", "10 nat-0123456789abcdef0 3", map[string]string{"version": "10", "resource-id": "nat-0123456789abcdef0", "encryption-status": "3"})
}

// appendAndParse renders rec in format f and parses the line again.
func appendAndParse(t *testing.T, f Format, rec *Record) Record {
	t.Helper()
	line := rec.AppendLine(f, nil)
	var again Record
	if err := NewParser(f).Parse(line, &again); err != nil {
		t.Fatalf("parse of formatted %q: %v", line, err)
	}
	return again
}

func TestParse_Failure(t *testing.T) {
	f := func(format, line, field, want string) {
		t.Helper()
		fm, err := ParseFormat(format)
		if err != nil {
			t.Fatalf("ParseFormat: %v", err)
		}
		var rec Record
		err = NewParser(fm).Parse([]byte(line), &rec)
		var le *LineError
		if !errors.As(err, &le) {
			t.Fatalf("Parse(%q) = %v, want a *LineError", line, err)
		}
		if le.Field != field || err.Error() != want {
			t.Fatalf("Parse(%q)\n got %q (field %q)\nwant %q (field %q)", line, err, le.Field, want, field)
		}
	}
	v2 := DefaultV2.String()
	f(v2, "", "", "has 0 fields, the format has 14")
	f(v2, " \t\r", "", "has 0 fields, the format has 14")
	f(v2, "2", "", "has 1 field, the format has 14")
	f(v2, strings.TrimSuffix(v2Accept, " OK"), "", "has 13 fields, the format has 14")
	f(v2, v2Accept+" x", "", "has 15 fields, the format has 14")
	f(v2, strings.Replace(v2Accept, " 20641 ", " abc ", 1), "srcport", `srcport: "abc" is not a 32-bit integer`)
	f(v2, strings.Replace(v2Accept, " 20641 ", " 2147483648 ", 1), "srcport", `srcport: "2147483648" is not a 32-bit integer`)
	f(v2, strings.Replace(v2Accept, " 22 ", " -22 ", 1), "dstport", `dstport: "-22" is not a 32-bit integer`)
	f(v2, strings.Replace(v2Accept, " 4249 ", " -1 ", 1), "bytes", `bytes: "-1" is not a 64-bit integer`)
	f(v2, strings.Replace(v2Accept, " 4249 ", " 9223372036854775808 ", 1), "bytes", `bytes: "9223372036854775808" is not a 64-bit integer`)
	f(v2, strings.Replace(v2Accept, " 4249 ", " 18446744073709551616 ", 1), "bytes", `bytes: "18446744073709551616" is not a 64-bit integer`)
	f(v2, strings.Replace(v2Accept, " 20 ", " +20 ", 1), "packets", `packets: "+20" is not a 64-bit integer`)
	f(v2, strings.Replace(v2Accept, " 6 ", " 6.0 ", 1), "protocol", `protocol: "6.0" is not a 32-bit integer`)
	f(v2, strings.Replace(v2Accept, " 6 ", " -- ", 1), "protocol", `protocol: "--" is not a 32-bit integer`)
	f(v2, "２"+strings.TrimPrefix(v2Accept, "2"), "version", `version: "２" is not a 32-bit integer`)
	f(v2, strings.Replace(v2Accept, " 20641 ", " "+strings.Repeat("9", 50)+" ", 1), "srcport", `srcport: "`+strings.Repeat("9", 40)+`…" is not a 32-bit integer`)
	// A JSON-encoded record is not flow-log text.
	f(v2, `{"version":2,"account_id":"123456789010"}`, "", "has 1 field, the format has 14")
	f("srcport dstport", "1\x002 3", "srcport", `srcport: "1\x002" is not a 32-bit integer`)
}

// badInputs lists the crafted lines of testdata/bad.log and the exact
// error each must produce, as file:line: field: reason. Lines not listed
// must parse. Header lines that fail to parse leave the format as it was.
var badInputs = []string{
	`bad.log:3: srcport: "abc" is not a 32-bit integer`,
	`bad.log:4: has 13 fields, the format has 14`,
	`bad.log:5: has 15 fields, the format has 14`,
	`bad.log:6: srcport: "2147483648" is not a 32-bit integer`,
	`bad.log:7: dstport: "-1" is not a 32-bit integer`,
	`bad.log:8: bytes: "-4249" is not a 64-bit integer`,
	`bad.log:9: bytes: "9223372036854775808" is not a 64-bit integer`,
	`bad.log:10: start: "99999999999999999999" is not a 64-bit integer`,
	`bad.log:11: srcport: "+20641" is not a 32-bit integer`,
	`bad.log:12: protocol: "6.0" is not a 32-bit integer`,
	`bad.log:13: packets: "1e3" is not a 64-bit integer`,
	`bad.log:14: bytes: "0x10" is not a 64-bit integer`,
	`bad.log:15: srcport: "--" is not a 32-bit integer`,
	`bad.log:16: version: "２" is not a 32-bit integer`,
	`bad.log:17: srcport: "2044123456789012345678901234567890123456…" is not a 32-bit integer`,
	`bad.log:19: has 1 field, the format has 14`,
	`bad.log:20: has 4 fields, the format has 14`,
	`bad.log:22: cannot parse flow-log format: field "srcaddr" appears twice`,
	`bad.log:23: cannot parse flow-log format: field "tcp-flags" appears twice`,
	`bad.log:24: has 12 fields, the format has 14`,
}

func TestParse_BadInputs(t *testing.T) {
	data, err := os.ReadFile("testdata/bad.log")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	parsed := 0
	for _, fl := range feed(data, nil) {
		if fl.Err == nil {
			parsed++
			continue
		}
		got = append(got, "bad.log:"+strconv.Itoa(fl.N)+": "+fl.Err.Error())
	}
	if !reflect.DeepEqual(got, badInputs) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(badInputs, "\n"))
	}
	if parsed != 2 {
		t.Errorf("%d lines parsed, want 2 (lines 2 and 18)", parsed)
	}
}

// A Record reused across lines must not show the values of an earlier
// line for fields the later one leaves absent.
func TestParse_ReuseRecord(t *testing.T) {
	p := NewParser(DefaultV2)
	var rec Record
	if err := p.Parse([]byte(v2Accept), &rec); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse([]byte(v2NoData), &rec); err != nil {
		t.Fatal(err)
	}
	var fresh Record
	if err := p.Parse([]byte(v2NoData), &fresh); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec, fresh) {
		t.Errorf("reused record differs from a fresh one:\n%+v\n%+v", rec, fresh)
	}
	if v, ok := rec.I(FSrcPort); ok || v != 0 || rec.S(FSrcAddr) != "" {
		t.Errorf("absent fields read %d/%v %q", v, ok, rec.S(FSrcAddr))
	}
}

func TestAppendLine(t *testing.T) {
	f := mustFormat("version srcaddr future bytes action")
	var rec Record
	if err := NewParser(f).Parse([]byte("5  10.0.0.1\tx - ACCEPT\r"), &rec); err != nil {
		t.Fatal(err)
	}
	if got := string(rec.AppendLine(f, []byte("> "))); got != "> 5 10.0.0.1 x - ACCEPT" {
		t.Errorf("AppendLine = %q", got)
	}
	var empty Record
	if got := string(empty.AppendLine(f, nil)); got != "- - - - -" {
		t.Errorf("AppendLine of an empty record = %q", got)
	}
}

func TestFields(t *testing.T) {
	for line, want := range map[string]int{"": 0, " ": 0, "a": 1, " a  b\t\tc\r": 3, "a\rb": 2, v2Accept: 14} {
		if got := Fields([]byte(line)); got != want {
			t.Errorf("Fields(%q) = %d, want %d", line, got, want)
		}
		if got := len(splitFields([]byte(line), nil)); got != want {
			t.Errorf("splitFields(%q) has %d, want %d", line, got, want)
		}
	}
}
