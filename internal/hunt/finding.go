// Package hunt runs detectors over the lake and returns findings, each
// with the evidence behind it and the SQL that reproduces that evidence.
package hunt

import "time"

// Severity orders findings; higher is worse.
type Severity int

// Severities, in the order a responder acts on them.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return "unknown"
	}
	return severityNames[s]
}

// MarshalText writes the severity by name, as JSON and tables show it.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Endpoint is one side of a finding: what the lake and the inventory know
// of an address at the time of the finding. Empty fields are unknown.
type Endpoint struct {
	Address    string `json:"address,omitempty"`
	Interface  string `json:"interface,omitempty"`
	InstanceID string `json:"instance_id,omitempty"`
	Name       string `json:"name,omitempty"` // the instance's Name tag: the workload
	Account    string `json:"account,omitempty"`
	VPC        string `json:"vpc,omitempty"`
	// Count is how many distinct addresses this side stands for, when a
	// finding is about many (a horizontal scan's targets); Address is then
	// one example or empty.
	Count int64 `json:"count,omitempty"`
}

// Finding is one thing a detector believes an analyst should look at.
type Finding struct {
	ID        string    `json:"id"`
	Detector  string    `json:"detector"`
	Severity  Severity  `json:"severity"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Src       Endpoint  `json:"src"`
	Dst       Endpoint  `json:"dst"`
	Ports     []int     `json:"ports"`
	Protocol  string    `json:"protocol"`

	Records       int64 `json:"records"`
	Bytes         int64 `json:"bytes"`
	Packets       int64 `json:"packets"`
	DistinctPeers int64 `json:"distinct_peers"`
	DistinctPorts int64 `json:"distinct_ports"`

	// Score is the detector's own strength of belief, 0–100; severity
	// folds in what is at stake.
	Score     float64 `json:"score"`
	MITRE     string  `json:"mitre"` // ATT&CK technique, e.g. T1046
	MITREName string  `json:"mitre_name,omitempty"`

	// EvidenceSQL, run with `flowtrail query`, returns the flow records
	// behind the finding.
	EvidenceSQL string `json:"evidence_sql"`

	// Related lists the IDs of other findings about the same actor in an
	// overlapping time that were folded into this one.
	Related []string `json:"related,omitempty"`
	// Details holds detector-specific measurements (a beacon's interval
	// and skew, a scan's random-walk ratio) that justify the score.
	Details map[string]any `json:"details,omitempty"`
}
