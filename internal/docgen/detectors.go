package docgen

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flowtrail/flowtrail/internal/hunt"
)

// Detectors renders docs/detectors.md from the detectors' own
// descriptions (the same text `flowtrail hunt --list` prints) and the
// default configuration.
func Detectors() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(generatedBy("internal/hunt (each detector's Finds, Thresholds and BlindSpots; DefaultConfig)"))
	b.WriteString(`# Detectors

` + "`flowtrail hunt`" + ` runs these detectors over the lake's flows, in this order, and prints
their findings most severe first. Each finding carries the ATT&CK technique below, a score,
both ends as the inventory knew them, and ` + "`evidence_sql`" + `: a query that returns the flow
records behind it (see [evidence.md](evidence.md)). ` + "`flowtrail hunt --list`" + ` prints the same
descriptions; thresholds are set in a config file (` + "`flowtrail hunt --config hunt.yaml`" + `,
see [Default configuration](#default-configuration)).

Every hunt also reports coverage — interfaces, gaps in the logs, the fields each source
carries, and the detections weakened for lack of a field — because a detector that needs
` + "`tcp-flags`" + ` cannot see what a v2 log never recorded.

| detector | ATT&CK | technique |
|---|---|---|
`)
	for _, name := range hunt.DetectorNames() {
		d := hunt.DetectorByName(name)
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", d.Name, d.Name, attackLink(d.MITRE), orDash(d.MITREName))
	}
	for _, name := range hunt.DetectorNames() {
		writeDetector(&b, hunt.DetectorByName(name))
	}
	cfg, err := defaultConfigYAML()
	if err != nil {
		return nil, err
	}
	b.WriteString("\n## Default configuration\n\n")
	b.WriteString("What a hunt uses without `--config`. A file overrides only the keys it names; an unknown\n")
	b.WriteString("key is an error, so a typo cannot silently disable a setting.\n\n")
	b.WriteString("```yaml\n" + cfg + "```\n")
	return b.Bytes(), nil
}

func writeDetector(b *bytes.Buffer, d *hunt.Detector) {
	fmt.Fprintf(b, "\n## %s\n\n", d.Name)
	if d.MITRE != "" {
		fmt.Fprintf(b, "ATT&CK: %s %s\n\n", attackLink(d.MITRE), d.MITREName)
	}
	fmt.Fprintf(b, "**What it finds.** %s\n\n", paragraph(d.Finds))
	fmt.Fprintf(b, "**Thresholds.** %s\n\n", paragraph(d.Thresholds))
	fmt.Fprintf(b, "**Blind spots.** %s\n", paragraph(d.BlindSpots))
}

// paragraph keeps the detectors' own line breaks but removes trailing
// spaces, which Markdown would read as hard breaks.
func paragraph(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// attackLink links a technique (T1046) or sub-technique (T1110.001) to
// its page on attack.mitre.org.
func attackLink(id string) string {
	if id == "" {
		return "—"
	}
	return fmt.Sprintf("[%s](https://attack.mitre.org/techniques/%s/)", id, strings.ReplaceAll(id, ".", "/"))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// defaultConfigYAML writes hunt.DefaultConfig as a config file would
// say it. Durations are written as a file would give them (7d, 36h):
// hunt.Duration has no YAML marshaller of its own.
func defaultConfigYAML() (string, error) {
	var n yaml.Node
	if err := n.Encode(hunt.DefaultConfig()); err != nil {
		return "", fmt.Errorf("cannot encode the default hunt config: %w", err)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "baseline" {
			v := n.Content[i+1]
			v.Tag, v.Value = "!!str", duration(time.Duration(hunt.DefaultConfig().Baseline))
		}
	}
	flowLists(&n)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return "", fmt.Errorf("cannot encode the default hunt config: %w", err)
	}
	return b.String(), nil
}

// flowLists writes lists of scalars on one line ([22, 3389]).
func flowLists(n *yaml.Node) {
	scalars := n.Kind == yaml.SequenceNode
	for _, c := range n.Content {
		flowLists(c)
		scalars = scalars && c.Kind == yaml.ScalarNode
	}
	if scalars {
		n.Style = yaml.FlowStyle
	}
}

func duration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// generatedBy is the comment that opens every generated page.
func generatedBy(from string) string {
	return "<!-- Generated from " + from + " by `go test ./internal/cli -run TestDocs -update`. Do not edit by hand. -->\n\n"
}
