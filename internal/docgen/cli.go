// Package docgen renders the reference pages under docs/ from the code
// they describe: the command tree, the detectors and the lake's schema.
// The golden test in internal/cli compares them with the committed pages
// and rewrites them with -update, so the pages cannot drift from the code.
package docgen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// CLIPages renders one Markdown page per command of root's tree, as
// cobra/doc does, keyed by file name (flowtrail_sg_audit.md). The dated
// footer cobra adds is left out, so a page changes only when the command
// does.
func CLIPages(root *cobra.Command) (map[string][]byte, error) {
	root.DisableAutoGenTag = true
	pages := map[string][]byte{}
	for _, c := range Commands(root) {
		c.Long = fenceIndented(c.Long)
		var b bytes.Buffer
		if err := doc.GenMarkdownCustom(c, &b, func(s string) string { return s }); err != nil {
			return nil, fmt.Errorf("cannot render the page of %s: %w", c.CommandPath(), err)
		}
		pages[PageName(c)] = tidy(b.Bytes())
	}
	pages["README.md"] = commandIndex(root)
	return pages, nil
}

// commandIndex is docs/cli/README.md: every command with its summary.
func commandIndex(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString(generatedBy("the command tree (internal/cli)"))
	b.WriteString(`# Commands

Every command, as ` + "`flowtrail <command> --help`" + ` describes it. Each page has the
command's examples and every flag.

| command | what it does |
|---|---|
`)
	for _, c := range Commands(root) {
		fmt.Fprintf(&b, "| [%s](%s) | %s |\n", c.CommandPath(), PageName(c), cell(c.Short))
	}
	return b.Bytes()
}

// PageName is the file a command's page is written to.
func PageName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}

// Commands lists root and every command under it that --help shows
// (cobra/doc's own rule: neither hidden nor a help topic), parents first.
func Commands(root *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{root}
	subs := slices.Clone(root.Commands())
	slices.SortFunc(subs, func(a, b *cobra.Command) int { return strings.Compare(a.Name(), b.Name()) })
	for _, c := range subs {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		out = append(out, Commands(c)...)
	}
	return out
}

// fenceIndented puts the indented blocks of a command's long help
// (config samples, command lines) in code fences, which Markdown would
// otherwise run together into a paragraph.
func fenceIndented(long string) string {
	lines := strings.Split(long, "\n")
	var out []string
	in := false
	for i, l := range lines {
		indented := strings.HasPrefix(l, "  ") && strings.TrimSpace(l) != ""
		switch {
		case indented && !in && (i == 0 || strings.TrimSpace(lines[i-1]) == "" || strings.HasSuffix(lines[i-1], ":")):
			out, in = append(out, "```"), true
		case !indented && in:
			out, in = append(out, "```"), false
		}
		out = append(out, l)
	}
	if in {
		out = append(out, "```")
	}
	return strings.Join(out, "\n")
}

// tidy drops the tabs cobra/doc puts before a link's summary (Markdown
// shows them as odd gaps) and trailing blank lines.
func tidy(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(")\t - "), []byte(") — "))
	return append(bytes.TrimRight(b, "\n"), '\n')
}
