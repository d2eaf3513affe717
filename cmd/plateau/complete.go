package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// completeList completes a comma-separated list flag (--fail-on,
// --exit-on) from its possible values: what follows the last comma is
// completed, values already in the list are not offered again, and no
// file names are offered.
func completeList(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		i := strings.LastIndexByte(toComplete, ',')
		prefix, partial := toComplete[:i+1], toComplete[i+1:]
		chosen := strings.Split(toComplete[:max(i, 0)], ",")
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, partial) && !slices.Contains(chosen, v) {
				out = append(out, prefix+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
