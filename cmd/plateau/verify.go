package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/verify"
	"github.com/plateau-dev/plateau/trainlog"
)

func init() {
	extraCommands = append(extraCommands, func(s *streams) *cobra.Command { return newVerifyCmd(s, nil) })
}

// verifyOptions are the flags of 'plateau verify'.
type verifyOptions struct {
	Paths   []string
	Report  string
	Step    string
	Metrics []string
}

func newVerifyCmd(s *streams, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify PATH...",
		Short: "Check that every number a report cites is in its source, at its step",
		Long: `Make the report of a run (or read one saved with --report), re-open every
source it cites and check that the source holds the cited value, within the
rounding of the digits the log printed, at the cited step: a line of a
console log, a JSON line or a CSV row, log_history[i] of trainer_state.json,
record[i] of a TensorBoard file, a key of a JSON summary. A step the report
marks as estimated need only be allowed by what the log shows around it.
Each false citation is printed with the text of the cited place. Several
paths are the views of one run that 'plateau report' merged (a console log
and a trainer_state.json in different folders); they are read the same way
to find each cited file.

Exit status: 0 every citation is true; 5 at least one is false; 1 the run
or the report could not be read; 2 usage error.`,
		Example: `  plateau verify examples/hf_v5_sft_lora_3ep
  plateau report run/ --format json -o report.json && plateau verify run/ --report report.json
  plateau verify logs/train.log output/trainer_state.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && opts.Report == "" {
				return usageError("verify needs the run's PATH (a run folder or a log file), or --report FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return runVerify(opts, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Report, "report", "", "check this saved JSON report (`FILE`, - for standard input) instead of making one")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN`; repeatable")
	return cmd
}

func runVerify(opts *verifyOptions, s *streams) error {
	for _, p := range opts.Paths {
		if p == trainlog.Stdin {
			return usageError("verify re-opens the files a report cites: give a run folder or a log file, not standard input")
		}
	}
	var res verify.Result
	switch {
	case opts.Report != "":
		data, err := readReport(opts.Report, s.in)
		if err != nil {
			return inputError(err)
		}
		var base string
		var disk map[string]string
		switch len(opts.Paths) {
		case 0:
			// The report's root, relative to the current folder.
			_, rep, err := verify.JSON(data, ".", nil)
			if err != nil {
				return inputError(fmt.Errorf("%s: %w", opts.Report, err))
			}
			base = verify.Base(rep.Run.Root)
		case 1:
			base = verify.Base(opts.Paths[0])
		default:
			// Several views: find each file where reading them puts it.
			run, err := loadRun(opts, "verify")
			if err != nil {
				return err
			}
			base, disk = verify.Base(opts.Paths[0]), verify.DiskPaths(run)
		}
		res, _, err = verify.JSON(data, base, disk)
		if err != nil {
			return inputError(fmt.Errorf("%s: %w", opts.Report, err))
		}
	default:
		run, err := loadRun(opts, "verify")
		if err != nil {
			return err
		}
		rep := analysis.Analyze(run, analysis.DefaultOptions)
		res = verify.Report(rep, verify.Base(opts.Paths[0]))
	}
	printVerify(s.out, res)
	if !res.OK() {
		return &exitError{code: exitFalse, err: fmt.Errorf("%d of %d citations are false", len(res.False), res.Checked)}
	}
	return nil
}

// loadRun reads the paths of opts as 'plateau report' does.
func loadRun(opts *verifyOptions, verb string) (*trainlog.Run, error) {
	ropts, err := readerOptions(opts.Step, opts.Metrics)
	if err != nil {
		return nil, err
	}
	run, loadErr := trainlog.Load(opts.Paths, trainlog.LoadOptions{Options: ropts})
	if err := refusal(verb, loadErr); err != nil {
		return nil, err
	}
	if loadErr != nil && (run == nil || (len(run.Series) == 0 && len(run.Summary) == 0)) {
		return nil, inputError(loadErr)
	}
	return run, nil
}

// readReport reads a saved report from a file or standard input.
func readReport(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("no standard input")
		}
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// printVerify prints each false citation with the text of the cited
// place, then the count.
func printVerify(w io.Writer, res verify.Result) {
	for _, p := range res.False {
		fmt.Fprintf(w, "false: %s\n", p.String())
		if p.Text != "" {
			fmt.Fprintf(w, "  it reads: %s\n", strings.TrimSpace(p.Text))
		}
	}
	switch {
	case res.Checked == 0:
		fmt.Fprintln(w, "no citations to check: the report cites no source")
	case res.OK():
		fmt.Fprintf(w, "%d citations checked: all true\n", res.Checked)
	default:
		fmt.Fprintf(w, "%d citations checked: %d false\n", res.Checked, len(res.False))
	}
}
