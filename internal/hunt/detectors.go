package hunt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Detector is one kind of thing the hunt looks for, documented as the
// docs and `flowtrail hunt --list` show it.
type Detector struct {
	Name       string
	MITRE      string
	MITREName  string
	Finds      string // what it looks for
	Thresholds string // the settings that decide, with their config keys
	BlindSpots string // what it cannot see

	needsBytes, needsIndicators, needsBaseline, needsRules bool

	run func(context.Context, *run) ([]Finding, error)
}

// detectors run in this order; the order also breaks ties in the report.
var detectors = []*Detector{
	portScanDetector, bruteForceDetector, lateralDetector, exfilDetector, beaconDetector,
	miningDetector, iocDetector, exposureDetector, dosDetector, spamDetector, unusualDetector,
	thresholdDetector,
}

// query runs one of the hunt's own statements.
func (r *run) query(ctx context.Context, q string, args ...any) ([][]any, error) {
	res, err := r.e.QueryParams(ctx, q, 0, args...)
	if err != nil {
		return nil, err
	}
	return res.Rows, nil
}

// inList renders configured port numbers as a SQL list: they are ints,
// so nothing from outside can reach the text.
func inList(xs []int) string {
	if len(xs) == 0 {
		return "(NULL)"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
