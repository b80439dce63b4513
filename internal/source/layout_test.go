package source

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseLayout_Success(t *testing.T) {
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	f := func(key string, want Layout) {
		t.Helper()
		if got := ParseLayout(key); got != want {
			t.Errorf("ParseLayout(%q) = %+v, want %+v", key, got, want)
		}
	}
	f("logs/AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/11/03/012345678901_vpcflowlogs_us-east-1_fl-1_20261103T0005Z_ab.log.gz",
		Layout{Account: "012345678901", Service: "vpcflowlogs", Region: "us-east-1", Day: day})
	f("AWSLogs/o-abc123/111111111111/CloudTrail/eu-west-1/2026/11/03/x.json.gz",
		Layout{Account: "111111111111", Service: "CloudTrail", Region: "eu-west-1", Day: day})
	f("p/AWSLogs/aws-account-id=012345678901/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=03/hour=05/f.log.parquet",
		Layout{Account: "012345678901", Service: "vpcflowlogs", Region: "us-east-1", Day: day})
	f("flows/aws-account-id=012345678901/aws-region=us-east-1/year=2026/month=11/day=03/x.parquet",
		Layout{Account: "012345678901", Region: "us-east-1", Day: day})
	f("flows/year=2024/month=2/day=29/x.parquet", Layout{Day: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)})
	// Not a date: the day is left zero, not rolled into the next month.
	f("AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/02/31/x.log.gz",
		Layout{Account: "012345678901", Service: "vpcflowlogs", Region: "us-east-1"})
	f("flows/year=2025/month=02/day=29/x.parquet", Layout{})
	f("flows/year=2026/month=+1/day=03/x.parquet", Layout{})
	f("flows/year=2026/month=13/day=00/x.parquet", Layout{})
}

func TestParseLayout_Failure(t *testing.T) {
	f := func(key string) {
		t.Helper()
		if got := ParseLayout(key); got != (Layout{}) {
			t.Errorf("ParseLayout(%q) = %+v, want nothing", key, got)
		}
	}
	f("/home/me/Downloads/flows.log")
	f("AWSLogs/not-an-account/vpcflowlogs/us-east-1/2026/11/03/x")
	f("AWSLogs/012345678901")
}

func FuzzParseLayout(f *testing.F) {
	for _, key := range []string{
		"logs/AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/11/03/012345678901_vpcflowlogs_us-east-1_fl-1_20261103T0005Z_ab.log.gz",
		"AWSLogs/o-abc123/111111111111/CloudTrail/eu-west-1/2026/11/03/x.json.gz",
		"p/AWSLogs/aws-account-id=012345678901/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=03/hour=05/f.log.parquet",
		"flows/aws-account-id=012345678901/aws-region=us-east-1/year=2026/month=11/day=03/x.parquet",
		"AWSLogs/012345678901/vpcflowlogs/us-east-1/2024/02/29/x",
		"AWSLogs/012345678901/vpcflowlogs/us-east-1/2026/02/31/x",
		"AWSLogs", "AWSLogs/", "AWSLogs/o-", "AWSLogs/o-x/aws-account-id=1/year=2026",
		"/home/me/Downloads/flows.log", "",
	} {
		f.Add(key)
	}
	f.Fuzz(func(t *testing.T, key string) {
		l := ParseLayout(key)
		checkLayout(t, key, l)
		// Written out again as a key, the layout reads back the same.
		again := formatLayout(l)
		if got := ParseLayout(again); got != l {
			t.Errorf("ParseLayout(%q) = %+v, but its key %q reads back as %+v", key, l, again, got)
		}
	})
}

// checkLayout: an Account is 12 digits found in the key, and a Day is a
// date whose year, month and day are numbers in the key.
func checkLayout(t *testing.T, key string, l Layout) {
	t.Helper()
	nums := map[int]bool{}
	for _, seg := range strings.Split(key, "/") {
		if _, v, ok := strings.Cut(seg, "="); ok {
			seg = v
		}
		if n, err := strconv.Atoi(seg); err == nil {
			nums[n] = true
		}
	}
	if l.Account != "" && (!isAccount(l.Account) || !strings.Contains(key, l.Account)) {
		t.Errorf("ParseLayout(%q): account %q is not 12 digits of the key", key, l.Account)
	}
	if d := l.Day; !d.IsZero() && (d.Location() != time.UTC || d.Hour()+d.Minute()+d.Second()+d.Nanosecond() != 0 ||
		!nums[d.Year()] || !nums[int(d.Month())] || !nums[d.Day()]) {
		t.Errorf("ParseLayout(%q): day %v is not a date the key names", key, d)
	}
}

// formatLayout writes l as a Hive-style key.
func formatLayout(l Layout) string {
	var segs []string
	add := func(k, v string) {
		if v != "" {
			segs = append(segs, k+"="+v)
		}
	}
	add("aws-account-id", l.Account)
	add("aws-service", l.Service)
	add("aws-region", l.Region)
	if !l.Day.IsZero() {
		add("year", l.Day.Format("2006"))
		add("month", l.Day.Format("01"))
		add("day", l.Day.Format("02"))
	}
	return strings.Join(append(segs, "x.log.gz"), "/")
}
