package source

import (
	"strconv"
	"strings"
	"time"
)

// Layout is what an object's key says about its contents, from AWS's S3
// delivery layouts:
//
//	AWSLogs/[o-org/]<account>/<service>/<region>/YYYY/MM/DD/[HH/]<file>
//	AWSLogs/aws-account-id=<a>/aws-service=<s>/aws-region=<r>/year=Y/month=M/day=D/[hour=H/]<file>
type Layout struct {
	Account string
	Service string // "vpcflowlogs", "CloudTrail", …
	Region  string
	Day     time.Time // zero when the key carries no date
}

// ParseLayout reads the layout of key; fields the key does not carry
// stay empty.
func ParseLayout(key string) Layout {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		if p == "AWSLogs" {
			return layoutAfter(parts[i+1:])
		}
	}
	return hiveLayout(parts)
}

func layoutAfter(rest []string) Layout {
	if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
		rest = rest[1:] // organization trail: AWSLogs/o-xxxx/<account>/…
	}
	if len(rest) > 0 && strings.Contains(rest[0], "=") {
		return hiveLayout(rest)
	}
	var l Layout
	if len(rest) < 3 || !isAccount(rest[0]) {
		return l
	}
	l.Account, l.Service, l.Region = rest[0], rest[1], rest[2]
	if len(rest) >= 6 {
		l.Day = date(rest[3], rest[4], rest[5])
	}
	return l
}

// hiveLayout reads key=value segments anywhere in the key.
func hiveLayout(parts []string) Layout {
	var l Layout
	var y, m, d string
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		switch k {
		case "aws-account-id":
			if isAccount(v) {
				l.Account = v
			}
		case "aws-service":
			l.Service = v
		case "aws-region":
			l.Region = v
		case "year":
			y = v
		case "month":
			m = v
		case "day":
			d = v
		}
	}
	l.Day = date(y, m, d)
	return l
}

func isAccount(s string) bool { return len(s) == 12 && digits(s) }

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// date is the day y/m/d names, or zero unless it is a real date: 2026/02/31
// is no day, not 3 March.
func date(y, m, d string) time.Time {
	if !digits(y) || !digits(m) || !digits(d) || len(y) != 4 || len(m) > 2 || len(d) > 2 {
		return time.Time{}
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if yi < 2000 || yi > 2999 || t.Month() != time.Month(mi) || t.Day() != di {
		return time.Time{}
	}
	return t
}
