package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/trainlog"
)

func newFormatsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the log formats plateau reads",
		Long: `List the log formats plateau reads. Formats are detected by content, not by
file name; a run directory mixing formats is merged.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FORMAT\tWHAT WRITES IT")
			for _, f := range trainlog.Formats() {
				fmt.Fprintf(tw, "%s\t%s\n", f.Name, f.Description)
			}
			return tw.Flush()
		},
	}
}
