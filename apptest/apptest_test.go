// Package apptest runs the real flowtrail command line, end to end,
// against temporary lakes. Each script in testdata/script is one area of
// behaviour; the unit tests live beside the packages they test.
package apptest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/flowtrail/flowtrail/internal/cli"
)

// TestMain makes the test binary double as the flowtrail command: the
// scripts run `flowtrail …`, which re-executes this binary as main would.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"flowtrail": func() {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

var update = flag.Bool("update", false, "rewrite the files that cmp compares against in the scripts from the actual output")

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("testdata", "script"),
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("FLOWTRAIL_LAKE", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":   cmdExits,
			"listdir": cmdListdir,
		},
	})
}

// cmdExits runs a program and checks its exit status: `exits 2 flowtrail
// ingest`. Its output is then what stdout and stderr look at.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdListdir prints every entry under a directory, hidden ones included,
// one relative slash-separated path a line, sorted: `listdir DIR` then
// `cmp stdout want`.
func cmdListdir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listdir DIR")
	}
	root := ts.MkAbs(args[0])
	var names []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	ts.Check(err)
	slices.Sort(names)
	for _, n := range names {
		_, _ = ts.Stdout().Write([]byte(n + "\n"))
	}
}

// TestEveryCommandHasExamples walks the command tree as `--help` shows it
// and checks that each command's help has an Examples section, so a
// command added later cannot ship without one.
func TestEveryCommandHasExamples(t *testing.T) {
	seen := map[string]bool{}
	var walk func(path []string)
	walk = func(path []string) {
		help := runHelp(t, path)
		if !strings.Contains(help, "\nExamples:\n") {
			t.Errorf("flowtrail %s --help has no Examples section", strings.Join(path, " "))
		}
		for _, sub := range subcommands(help) {
			next := append(slices.Clone(path), sub)
			key := strings.Join(next, " ")
			if sub == "help" || seen[key] {
				continue
			}
			seen[key] = true
			walk(next)
		}
	}
	walk(nil)
	if len(seen) < 3 {
		t.Fatalf("found only %d commands under flowtrail: %v", len(seen), seen)
	}
}

func runHelp(t *testing.T, path []string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), append(slices.Clone(path), "--help"), &stdout, &stderr); code != 0 {
		t.Fatalf("flowtrail %s --help: exit %d: %s", strings.Join(path, " "), code, stderr.String())
	}
	return stdout.String()
}

// subcommands reads the names listed under "Available Commands:".
func subcommands(help string) []string {
	var out []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "Available Commands:":
			in = true
		case in && strings.TrimSpace(line) == "":
			return out
		case in:
			out = append(out, strings.Fields(line)[0])
		}
	}
	return out
}
