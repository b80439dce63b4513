package sgadvisor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Formats are the outputs of `flowtrail sg recommend --format`.
var Formats = []string{"table", "json", "aws-cli", "terraform", "cloudformation"}

// Extensions name the file each format writes under --out.
var Extensions = map[string]string{"table": "txt", "json": "json", "aws-cli": "sh", "terraform": "tf", "cloudformation": "json"}

// Write prints reports in a format. JSON is one object for one report and
// an array for several; the exports put several reports in one valid
// script, module or template.
func Write(w io.Writer, format string, reps []*Report) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if len(reps) == 1 {
			return enc.Encode(reps[0])
		}
		if reps == nil {
			reps = []*Report{}
		}
		return enc.Encode(reps)
	case "table":
		return writeTables(w, reps)
	case "aws-cli":
		return writeAWSCLI(w, reps)
	case "terraform":
		return writeTerraform(w, reps)
	case "cloudformation":
		return writeCloudFormation(w, reps)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// exportPerm is one permission an export writes: a rule the diff keeps
// (with its ID, for Terraform to adopt) or one it adds.
type exportPerm struct {
	DiffRule
	kept bool
}

// permissions lists what applying a report leaves in place: the kept
// rules, then the added ones.
func permissions(rep *Report) []exportPerm {
	var out []exportPerm
	for _, k := range rep.Diff.Keep {
		out = append(out, exportPerm{k, true})
	}
	for _, a := range rep.Diff.Add {
		out = append(out, exportPerm{a, false})
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// description is what a rule says about itself in AWS: where it came
// from.
func description(r Rule) string {
	d := fmt.Sprintf("flowtrail: %d conversation%s %s to %s, confidence %s", r.Conversations, plural(r.Conversations),
		r.FirstSeen.UTC().Format(time.RFC3339), r.LastSeen.UTC().Format(time.RFC3339), r.Confidence)
	if len(r.PeerWorkloads) > 0 {
		d += "; peers " + strings.Join(r.PeerWorkloads, ",")
	}
	return awsText(d, 255)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// AWS allows only a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in rule
// descriptions, up to 255 characters; anything else (from a hostile Name
// tag or description) becomes '_'.
var notAWSText = regexp.MustCompile(`[^a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]`)

func awsText(s string, limit int) string {
	s = notAWSText.ReplaceAllString(s, "_")
	if len(s) > limit {
		s = s[:limit]
	}
	return s
}

// identifier turns text into a name made of letters, digits and
// underscores that starts with a letter.
func identifier(parts ...string) string {
	var b strings.Builder
	for _, part := range parts {
		for _, c := range part {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b.WriteRune(c)
			default:
				b.WriteByte('_')
			}
		}
		b.WriteByte('_')
	}
	s := strings.Trim(b.String(), "_")
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	if s == "" || s[0] < 'A' || (s[0] > 'Z' && s[0] < 'a') {
		s = "r_" + s
	}
	return s
}

// portLabel names ports in identifiers: 443, 8000_8080, all.
func portLabel(from, to int) string { return strings.ReplaceAll(portText(from, to), "-", "_") }

// unique hands out names, numbering repeats.
type unique map[string]int

func (u unique) name(base string) string { return u.numbered(base, "_") }

func (u unique) numbered(base, sep string) string {
	u[base]++
	if n := u[base]; n > 1 {
		return fmt.Sprintf("%s%s%d", base, sep, n)
	}
	return base
}

// header is the comment that opens each report's export.
func header(rep *Report) []string {
	lines := []string{fmt.Sprintf("flowtrail sg recommend: %s (%s %s)", rep.Workload, rep.Subject.Kind, cmpOr(rep.Subject.ID, rep.Workload))}
	if !rep.Since.IsZero() || !rep.Until.IsZero() {
		lines = append(lines, fmt.Sprintf("period: %s to %s", timeOrOpen(rep.Since), timeOrOpen(rep.Until)))
	}
	lines = append(lines, fmt.Sprintf("interfaces: %d; groups held: %s", len(rep.Interfaces), groupList(rep.Groups)))
	return lines
}

func timeOrOpen(t time.Time) string {
	if t.IsZero() {
		return "open"
	}
	return t.UTC().Format(time.RFC3339)
}

func groupList(gs []GroupRef) string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	if len(out) == 0 {
		return "none known"
	}
	return strings.Join(slices.Compact(out), ",")
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err
}

var groupID = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)

// peerKind says what a peer is: cidr4, cidr6 or group; "" for anything
// else, which no export writes (peers come from hostile evidence).
func peerKind(peer string) string {
	if groupID.MatchString(peer) {
		return "group"
	}
	p, err := parsePrefix(peer)
	switch {
	case err != nil:
		return ""
	case p.Addr().Is4():
		return "cidr4"
	}
	return "cidr6"
}

// comment makes text safe inside a one-line comment of any export: no
// line breaks, quotes or control characters.
func comment(s string) string { return awsText(s, 400) }
