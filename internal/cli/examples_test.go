package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// TestExamples walks the whole command tree: every command (but cobra's
// help and hidden completion internals) must have an Example that runs
// it (a group: one of its commands), and every flowtrail command line in any Example
// must name real commands and flags with valid values and arguments, so
// an example cannot rot when a flag is renamed.
func TestExamples(t *testing.T) {
	root := newRoot(&globals{stdout: io.Discard, stderr: io.Discard})
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		checkExamples(t, c)
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
	if n < 10 {
		t.Fatalf("walked only %d commands", n)
	}
}

func checkExamples(t *testing.T, c *cobra.Command) {
	t.Helper()
	path := c.CommandPath()
	if strings.TrimSpace(c.Example) == "" {
		t.Errorf("%s has no Example: add one to its cobra.Command", path)
		return
	}
	shown := false
	for _, args := range exampleInvocations(c.Example) {
		cmd, err := parseExample(args)
		if err != nil {
			t.Errorf("%s: example `flowtrail %s`: %v", path, strings.Join(args, " "), err)
			continue
		}
		shown = shown || cmd.CommandPath() == path || strings.HasPrefix(cmd.CommandPath(), path+" ")
	}
	if !shown {
		t.Errorf("%s: no example runs %s (or, for a group, one of its commands):\n%s", path, path, c.Example)
	}
}

// parseExample resolves an example's arguments on a fresh tree as
// Execute would, short of running it.
func parseExample(args []string) (*cobra.Command, error) {
	root := newRoot(&globals{stdout: io.Discard, stderr: io.Discard})
	cmd, rest, err := root.Find(args)
	if err != nil {
		return nil, err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return nil, err
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		return nil, err
	}
	return cmd, cmd.ValidateRequiredFlags()
}

// exampleInvocations finds the flowtrail command lines in an Example —
// in pipelines, after &&, inside <( ) — and returns their arguments as
// the shell would pass them.
func exampleInvocations(example string) [][]string {
	var out [][]string
	text := strings.ReplaceAll(example, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		for _, seg := range shellSegments(line) {
			for len(seg) > 0 && strings.Contains(seg[0], "=") && !strings.HasPrefix(seg[0], "-") {
				seg = seg[1:] // VAR=value before the command
			}
			if len(seg) > 0 && seg[0] == "flowtrail" {
				out = append(out, seg[1:])
			}
		}
	}
	return out
}

// shellSegments splits a command line into the words of each simple
// command, honouring quotes; a redirection ends its command's words.
func shellSegments(line string) [][]string {
	var segs [][]string
	var cur []string
	var word strings.Builder
	inWord, skip := false, false
	flush := func() {
		if inWord && !skip {
			cur = append(cur, word.String())
		}
		word.Reset()
		inWord = false
	}
	end := func() {
		flush()
		if len(cur) > 0 {
			segs = append(segs, cur)
		}
		cur, skip = nil, false
	}
	for i := 0; i < len(line); i++ {
		switch ch := line[i]; {
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(line[i+1:], ch)
			if j < 0 {
				j = len(line) - i - 1
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case ch == ' ' || ch == '\t':
			flush()
		case ch == '|' || ch == '&' || ch == ';' || ch == '(' || ch == ')':
			end()
		case ch == '>' || (ch == '<' && !strings.HasPrefix(line[i:], "<(")):
			flush()
			skip = true // the rest is a file name and other redirections
		case ch == '<':
			end()
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	end()
	return segs
}

func TestShellSegments(t *testing.T) {
	cases := []struct {
		line string
		want [][]string
	}{
		{`flowtrail query --lake ./x "SELECT a | b FROM flows"`, [][]string{{"flowtrail", "query", "--lake", "./x", "SELECT a | b FROM flows"}}},
		{`flowtrail hunt --format jsonl | jq -r .evidence_sql`, [][]string{{"flowtrail", "hunt", "--format", "jsonl"}, {"jq", "-r", ".evidence_sql"}}},
		{`source <(flowtrail completion bash)`, [][]string{{"source"}, {"flowtrail", "completion", "bash"}}},
		{`flowtrail completion zsh > "${fpath[1]}/_flowtrail"`, [][]string{{"flowtrail", "completion", "zsh"}}},
		{`aws ec2 describe-flow-logs > fl.json && flowtrail ingest --flow-format @fl.json x`, [][]string{{"aws", "ec2", "describe-flow-logs"}, {"flowtrail", "ingest", "--flow-format", "@fl.json", "x"}}},
		{`flowtrail ingest --flow-format '${version} ${srcaddr}' e.json`, [][]string{{"flowtrail", "ingest", "--flow-format", "${version} ${srcaddr}", "e.json"}}},
	}
	for _, c := range cases {
		if d := cmp.Diff(c.want, shellSegments(c.line)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.line, d)
		}
	}
}

// TestExamples_Failure makes sure the check can fail: examples with an
// unknown flag, an unknown command, a bad value or extra arguments.
func TestExamples_Failure(t *testing.T) {
	for _, ex := range []string{
		"flowtrail hunt --no-such-flag",
		"flowtrail no-such-command",
		"flowtrail query --max-rows many x",
		"flowtrail hunt extra-argument",
	} {
		args := exampleInvocations(ex)
		if len(args) != 1 {
			t.Fatalf("%s: found %d invocations", ex, len(args))
		}
		if _, err := parseExample(args[0]); err == nil {
			t.Errorf("%s: parsed without error", ex)
		}
	}
	if got := exampleInvocations("jq .x flowtrail.json"); len(got) != 0 {
		t.Errorf("an argument was taken for the command: %q", got)
	}
}
