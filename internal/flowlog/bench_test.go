package flowlog

import "testing"

// Realistic records: distinct addresses and ports per line, as in a real
// object, so the benchmark does not measure one line in a hot cache.
var (
	benchV2 = []string{
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
		"2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK",
		"2 123456789010 eni-0f06a40fc9be596f6 212.83.179.156 10.0.0.96 123 123 17 2 152 1599665193 1599665488 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
	}
	benchV5 = []string{
		"5 123456789012 eni-1235b8ca123456789 52.95.128.179 10.0.0.71 80 34210 6 14 15044 1616729292 1616729349 ACCEPT OK vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b 19 IPv4 52.95.128.179 10.0.0.71 ap-southeast-2 apse2-az3 - - S3 - ingress -",
		"5 123456789012 eni-1235b8ca123456789 10.0.0.71 52.95.128.179 34210 80 6 7 471 1616729292 1616729349 ACCEPT OK vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b 3 IPv4 10.0.0.71 52.95.128.179 ap-southeast-2 apse2-az3 - - - S3 egress 8",
		"5 424805057484 eni-1235b8ca123456789 52.95.128.179 10.0.0.71 46945 53 17 1 73 1658131186 1658131216 ACCEPT OK vpc-abcdefab012345678 subnet-aaaaaaaa012345678 - 0 IPv4 52.95.128.179 10.0.0.71 eu-west-1 euw1-az3 - - - - egress 8",
		"5 1234567890 eni-1235b8ca123456789 5.6.7.8 1.2.3.4 50188 4433 6 1 44 1739865042 1739865042 ACCEPT OK vpc-1 subnet-1 - 2 IPv4 5.6.7.8 1.2.3.4 eu-west-1 euw1-az2 - - - - ingress -",
	}
)

func benchParse(b *testing.B, f Format, lines []string) {
	bufs := make([][]byte, len(lines))
	n := 0
	for i, l := range lines {
		bufs[i] = []byte(l)
		n += len(l)
	}
	p := NewParser(f)
	var rec Record
	for _, l := range bufs {
		if err := p.Parse(l, &rec); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(n / len(lines)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Parse(bufs[i], &rec); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(bufs) {
			i = 0
		}
	}
}

// One op is one record: ns/op is ns/record, allocs/op allocs/record.
func BenchmarkParseV2(b *testing.B) { benchParse(b, DefaultV2, benchV2) }

func BenchmarkParseV5(b *testing.B) {
	f, _ := ForFieldCount(29)
	benchParse(b, f, benchV5)
}

// IsHeader runs on every line ingest reads; records are the hot case.
func BenchmarkIsHeader(b *testing.B) {
	for name, line := range map[string]string{"record": benchV5[0], "header": v5All} {
		b.Run(name, func(b *testing.B) {
			l := []byte(line)
			b.SetBytes(int64(len(l)))
			b.ReportAllocs()
			for b.Loop() {
				IsHeader(l)
			}
		})
	}
}
