// Package cli is flowtrail's command tree: flag wiring only; every
// command's RunE is one call into a domain package.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…". When
// it is not, --version reports the module version that `go install
// github.com/flowtrail/flowtrail/cmd/flowtrail@v1.2.3` records in the
// binary, or the commit of a build from a checkout.
var Version = "dev"

// globals are the flags every command shares.
type globals struct {
	lake       string
	cpuProfile string
	logLevel   string
	stdout     io.Writer
	stderr     io.Writer
}

// usageError marks a bad invocation (exit 2), as opposed to a failure.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// Run executes the command line and returns the process exit code:
// 0 success, 1 failure, 2 bad usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "flowtrail: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || isFlagError(err) {
		return 2
	}
	return 1
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "flowtrail",
		Short: "Investigate AWS network traffic offline: VPC and Transit Gateway flow logs and CloudTrail in a Parquet lake",
		Long: `flowtrail ingests VPC flow logs, Transit Gateway flow logs and CloudTrail, from a
folder or an S3 bucket, into an open Parquet lake, and answers questions about
them offline with SQL.`,
		Example: `  flowtrail gen --out ./estate
  flowtrail ingest --lake ./case42 ./estate/AWSLogs
  flowtrail query --lake ./case42 "SELECT srcaddr, sum(bytes) AS bytes FROM flows GROUP BY 1 ORDER BY 2 DESC LIMIT 10"`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := startProfile(g); err != nil {
				return err
			}
			return setupLogging(g)
		},
		PersistentPostRun: func(*cobra.Command, []string) { pprof.StopCPUProfile() },
	}
	root.SetVersionTemplate("{{.Name}} version {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	def := os.Getenv("FLOWTRAIL_LAKE")
	if def == "" {
		def = "./flowtrail-lake"
	}
	root.PersistentFlags().StringVar(&g.lake, "lake", def, "lake directory; $FLOWTRAIL_LAKE, when set, is the default")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.AddCommand(newIngest(g), newQuery(g), newGen(g), newDemo(g))
	root.AddCommand(newIOC(g), newSG(g), newHunt(g), newServe(g))
	root.AddCommand(newPivots(g)...)
	addCompletionExamples(root)
	addCompletions(root)
	return root
}

func startProfile(g *globals) error {
	if g.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(g.cpuProfile)
	if err != nil {
		return fmt.Errorf("cannot create profile: %w", err)
	}
	return pprof.StartCPUProfile(f)
}

func setupLogging(g *globals) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return usagef("--log-level %q: use debug, info, warn or error", g.logLevel)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: lvl})))
	return nil
}

func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "unknown command", "accepts ", "requires at least", "invalid argument", "flag needs an argument", "required flag"} {
		if len(msg) >= len(p) && contains(msg, p) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// addCompletionExamples gives cobra's generated completion commands the
// examples every command carries.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	install := map[string]string{
		"bash":       "  flowtrail completion bash > /etc/bash_completion.d/flowtrail",
		"zsh":        "  flowtrail completion zsh > \"${fpath[1]}/_flowtrail\"",
		"fish":       "  flowtrail completion fish > ~/.config/fish/completions/flowtrail.fish",
		"powershell": "  flowtrail completion powershell | Out-String | Invoke-Expression",
	}
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = "  source <(flowtrail completion bash)\n" + install["zsh"]
		for _, sub := range c.Commands() {
			sub.Example = install[sub.Name()]
		}
	}
}

const workloadHelp = "only the records of this workload: interfaces that carried this Name tag (from CloudTrail or describe-* snapshots) while they did, and traffic to or from their addresses"
