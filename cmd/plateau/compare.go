package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/fileio"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// compareOptions are the flags of 'plateau compare'.
type compareOptions struct {
	Paths        []string
	Format       string
	FormatSet    bool // -f was given: the output file's extension does not decide
	Output       string
	GPUHourPrice float64
	GPUs         int
	Step         string
	Metrics      []string
}

func init() {
	extraCommands = append(extraCommands, func(s *streams) *cobra.Command { return newCompareCmd(s, nil) })
}

func newCompareCmd(s *streams, runF func(*compareOptions) error) *cobra.Command {
	opts := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare PATH PATH [PATH...]",
		Short: "Set runs side by side on the samples (or tokens, epochs) they have seen",
		Long: `Read two runs or more, each a run directory or log file as 'plateau report'
takes it, and set them side by side. The runs are aligned on the tokens or
samples they have seen when every run logs or lets derive them (samples per
step = the logged total batch size, or batch x accumulation x world size, or
the Trainer's samples per second / steps per second), else on epochs, else
on steps, and the output says which. It warns when the geometry, the eval
set or the logging window differ; tabulates the final level, the best
evaluation, the speed and the cost; says which run is better, by how much,
and whether that exceeds the noise; and overlays the curves.

Exit status: 0 written; 1 an input could not be read; 2 usage error, or a
path holds several runs.`,
		Example: `  plateau compare saves/llama3-8b/lora/sft saves/llama3-8b/full/sft
  plateau compare output/run-a output/run-b output/run-c --format md
  plateau compare run-a run-b --format json | jq .aligned_by
  plateau compare run-a run-b --format html -o compare.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError("compare needs at least two PATHs (run directories or log files)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.FormatSet = cmd.Flags().Changed("format")
			if runF != nil {
				return runF(opts)
			}
			return runCompare(opts, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, md, json or html (default: from the -o file's extension, else text)")
	f.StringVarP(&opts.Output, "output", "o", "", "write to `FILE` instead of standard output")
	f.Float64Var(&opts.GPUHourPrice, "gpu-hour-price", 0, "price of one GPU hour, to compare the runs' costs")
	f.IntVar(&opts.GPUs, "gpus", 0, "number of GPUs billed per run (default: each run's logged world size, or 1)")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN`; repeatable")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formatNames, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// normFormat checks a --format value and returns its canonical name.
func normFormat(f string) (string, error) {
	format := strings.ToLower(f)
	switch format {
	case "markdown":
		format = "md"
	case "txt":
		format = "text"
	}
	switch format {
	case "text", "md", "json", "html":
		return format, nil
	}
	return "", usageError("--format %q: expected one of %s", f, strings.Join(formatNames, ", "))
}

func runCompare(opts *compareOptions, s *streams) error {
	format, err := chooseFormat(opts.Format, opts.FormatSet, opts.Output)
	if err != nil {
		return err
	}
	if err := checkCost(opts.GPUHourPrice, opts.GPUs); err != nil {
		return err
	}
	ropts, err := readerOptions(opts.Step, opts.Metrics)
	if err != nil {
		return err
	}
	guard := newOutputGuard(opts.Paths)
	if opts.Output != "" && opts.Output != "-" {
		if err := guard.check("-o", opts.Output); err != nil {
			return err
		}
	}
	aopts := analysis.DefaultOptions
	aopts.GPUHourPrice, aopts.GPUs = opts.GPUHourPrice, opts.GPUs
	reports := make([]*analysis.Report, len(opts.Paths))
	errs := make([]error, len(opts.Paths))
	warns := make([][]error, len(opts.Paths))
	runs := make([]*trainlog.Run, len(opts.Paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers(0))
	for i, p := range opts.Paths {
		if p == trainlog.Stdin {
			return usageError("compare reads run directories and log files, not standard input")
		}
		wg.Add(1)
		go func(i int, p string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			run, err := trainlog.Load([]string{p}, trainlog.LoadOptions{Options: ropts})
			runs[i] = run
			if err != nil && (run == nil || (len(run.Series) == 0 && len(run.Summary) == 0)) {
				errs[i] = err
				return
			}
			warns[i] = run.Warnings
			reports[i] = analysis.Analyze(run, aopts)
		}(i, p)
	}
	wg.Wait()
	for _, run := range runs {
		guard.addRun(run)
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		if r := refusal("compare", err); r != nil {
			return r
		}
		return inputError(err)
	}
	if err := sameRuns(opts.Paths, runs); err != nil {
		return err
	}
	cmp := analysis.Compare(reports, opts.Paths, aopts)
	var buf bytes.Buffer
	switch format {
	case "text":
		err = report.WriteCompareText(&buf, cmp, report.Options{Color: opts.Output == "" && s.color(), Width: s.width()})
	case "md":
		err = report.WriteCompareMarkdown(&buf, cmp, report.Options{Width: 100})
	case "json":
		err = report.WriteCompareJSON(&buf, cmp)
	case "html":
		err = report.WriteCompareHTML(&buf, cmp)
	}
	if err != nil {
		return fmt.Errorf("rendering the comparison: %w", err)
	}
	if err := guard.write("-o", opts.Output, s.out, buf.Bytes()); err != nil {
		return err
	}
	n := 0
	for i, ws := range warns {
		if len(ws) > 0 {
			fmt.Fprintf(s.err, "plateau: %s:\n", opts.Paths[i])
			printWarnings(s.err, ws)
			n += len(ws)
		}
	}
	if n > 0 {
		return &exitError{code: exitInput, err: fmt.Errorf("%d input problem(s); the comparison covers what was readable", n)}
	}
	return nil
}

// sameRuns refuses two paths that read the same run: a file read for one
// is read for the other (the same path twice, a folder and its log, a
// link to either), so that no run is ranked against itself.
func sameRuns(paths []string, runs []*trainlog.Run) error {
	used := func(run *trainlog.Run) []string {
		var out []string
		for _, f := range run.Files {
			if f.Used && f.Disk != "" {
				out = append(out, f.Disk)
			}
		}
		return out
	}
	for i := range runs {
		for j := i + 1; j < len(runs); j++ {
			for _, a := range used(runs[i]) {
				for _, b := range used(runs[j]) {
					if fileio.SameFile(a, b) {
						return usageError("%s and %s are the same run: compare needs different runs (both read %s)", paths[i], paths[j], b)
					}
				}
			}
		}
	}
	return nil
}
