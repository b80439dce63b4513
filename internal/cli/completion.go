package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowtrail/flowtrail/internal/hunt"
)

// addCompletions teaches shell completion the values it cannot guess:
// --lake is a directory, --detector one of the detectors.
func addCompletions(root *cobra.Command) {
	_ = root.MarkPersistentFlagDirname("lake")
	for _, c := range root.Commands() {
		if c.Name() != "hunt" {
			continue
		}
		_ = c.RegisterFlagCompletionFunc("detector", func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, n := range hunt.DetectorNames() {
				if strings.HasPrefix(n, prefix) {
					out = append(out, n+"\t"+hunt.DetectorByName(n).MITREName)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		})
	}
}
