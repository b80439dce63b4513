package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/flowtrail/flowtrail/internal/engine"
	"github.com/flowtrail/flowtrail/internal/render"
)

// maxHistory bounds the saved prompt history.
const maxHistory = 1000

// history is the prompt's line history, kept in ~/.flowtrail_history so
// it survives sessions.
type history struct {
	lines []string
	path  string
}

func loadHistory() *history {
	h := &history{}
	home, err := os.UserHomeDir()
	if err != nil {
		return h
	}
	h.path = filepath.Join(home, ".flowtrail_history")
	f, err := os.Open(h.path)
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h.lines = append(h.lines, sc.Text())
	}
	if len(h.lines) > maxHistory {
		h.lines = h.lines[len(h.lines)-maxHistory:]
	}
	return h
}

// Add, Len and At implement term.History; At(0) is the newest line.
func (h *history) Add(s string) {
	if s == "" || len(h.lines) > 0 && h.lines[len(h.lines)-1] == s {
		return
	}
	h.lines = append(h.lines, s)
	if h.path != "" {
		if f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintln(f, strings.ReplaceAll(s, "\n", " "))
			f.Close()
		}
	}
}
func (h *history) Len() int        { return len(h.lines) }
func (h *history) At(i int) string { return h.lines[len(h.lines)-1-i] }

// repl reads statements at a prompt until EOF (Ctrl-D): a statement ends
// with ";" and may span lines.
func repl(ctx context.Context, e *engine.Engine, format string, maxRows int) error {
	fd := int(os.Stdin.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return fmt.Errorf("cannot start the prompt: %w", err)
	}
	defer term.Restore(fd, old)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{os.Stdin, os.Stdout}, "flowtrail> ")
	t.History = loadHistory()
	fmt.Fprintln(t, "flowtrail SQL — views: flows, tgw_flows, cloudtrail, snapshots, rejects, conversations. End statements with ';'. Ctrl-D quits.")
	var stmt strings.Builder
	for {
		line, err := t.ReadLine()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read the prompt: %w", err)
		}
		stmt.WriteString(line + "\n")
		if !strings.HasSuffix(strings.TrimSpace(line), ";") {
			t.SetPrompt("      ...> ")
			continue
		}
		t.SetPrompt("flowtrail> ")
		runAtPrompt(ctx, e, t, strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";"), format, maxRows)
		stmt.Reset()
	}
}

// runAtPrompt runs one statement and prints its result or error; the
// prompt goes on either way.
func runAtPrompt(ctx context.Context, e *engine.Engine, t *term.Terminal, sql, format string, maxRows int) {
	res, err := e.Query(ctx, sql, maxRows)
	if err != nil {
		fmt.Fprintf(t, "error: %v\n", err)
		return
	}
	var b strings.Builder
	if err := render.Rows(&b, format, res.Columns, res.Rows); err != nil {
		fmt.Fprintf(t, "error: %v\n", err)
		return
	}
	fmt.Fprint(t, b.String()) // the terminal turns \n into \r\n in raw mode
	fmt.Fprintf(t, "(%d rows)\n", len(res.Rows))
}
