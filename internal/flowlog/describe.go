package flowlog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// describeFlowLogs is the part of `aws ec2 describe-flow-logs` output
// that names formats.
type describeFlowLogs struct {
	FlowLogs []struct {
		FlowLogID  string `json:"FlowLogId"`
		ResourceID string `json:"ResourceId"`
		LogFormat  string `json:"LogFormat"`
	} `json:"FlowLogs"`
}

// FormatFromDescribe takes the format from the JSON that
// `aws ec2 describe-flow-logs` prints. When the flow logs listed use
// different formats it says which, so the user can pick one.
func FormatFromDescribe(b []byte) (Format, error) {
	var d describeFlowLogs
	if err := json.Unmarshal(b, &d); err != nil {
		return Format{}, fmt.Errorf("cannot read describe-flow-logs output: %w", err)
	}
	byFormat := map[string][]string{}
	for _, fl := range d.FlowLogs {
		if fl.LogFormat != "" {
			byFormat[fl.LogFormat] = append(byFormat[fl.LogFormat], fl.FlowLogID)
		}
	}
	switch len(byFormat) {
	case 0:
		return Format{}, fmt.Errorf("describe-flow-logs output lists no flow log with a LogFormat")
	case 1:
		for f := range byFormat {
			return ParseFormat(f)
		}
	}
	var lines []string
	for f, ids := range byFormat {
		lines = append(lines, fmt.Sprintf("  %s: %s", strings.Join(ids, ", "), f))
	}
	sort.Strings(lines)
	return Format{}, fmt.Errorf("describe-flow-logs output lists %d different formats; pass the one these sources use with --flow-format:\n%s", len(byFormat), strings.Join(lines, "\n"))
}
