package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/fileio"
	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// reportOptions are the flags of 'plateau report'.
type reportOptions struct {
	Paths        []string
	Format       string
	FormatSet    bool // -f was given: the output file's extension does not decide
	Output       string
	GPUHourPrice float64
	GPUs         int
	Smoothing    float64
	ChartsDir    string
	FailOn       []string
	Step         string
	Metrics      []string
	NoChart      bool
	Full         bool
	Summary      bool
}

var formatNames = []string{"text", "md", "json", "html"}

func newReportCmd(s *streams, runF func(*reportOptions) error) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report PATH...",
		Short: "Write the report of a run (text, Markdown, JSON or HTML)",
		Long: `Read a run directory, log files, or - for standard input, and write the
report. It opens with the answer card (the status and why, the checkpoint to
use, whether to train more and at what gain and cost, the top problems with
what to change next time), then one short table per section: milestones,
phases, mean train_loss vs final level, end noise, token accuracy,
learning-rate schedule, throughput and cost, generalisation, checkpoints and
pitfalls, each number cited as file:line; the card closes it again. --full
writes every detail, --summary the card alone. A report is about one run: a folder that holds several runs is
refused with the list of its runs (see 'plateau scan' and 'plateau
compare'). Several paths are merged only when they are views of one run
(their steps and values agree, or one resumes the other): the most precise
value per step wins and disagreements are reported; otherwise they are
refused with the evidence.

Exit status: 0 report written; 1 an input could not be read, wholly or in
part (the report of what was readable is still written); 2 usage error, or
the paths hold several runs; 3 the verdict matched --fail-on.`,
		Example: `  plateau report examples/hf_v5_sft_lora_3ep
  plateau report run/ --summary --format md >> $GITHUB_STEP_SUMMARY
  plateau report output/ --format md -o REPORT.md
  plateau report trainer_state.json --format json | jq .verdict
  plateau report run/ --format html -o report.html --gpu-hour-price 2.5
  cat train.log | plateau report -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("report needs at least one PATH (a run directory, a log file, or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.FormatSet = cmd.Flags().Changed("format")
			if runF != nil {
				return runF(opts)
			}
			return runReport(opts, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, md, json or html (default: from the -o file's extension, else text)")
	f.StringVarP(&opts.Output, "output", "o", "", "write the report to `FILE` instead of standard output")
	f.Float64Var(&opts.GPUHourPrice, "gpu-hour-price", 0, "price of one GPU hour, to compute the run's cost (no cost is shown without it)")
	f.IntVar(&opts.GPUs, "gpus", 0, "number of GPUs billed (default: the logged world size, or 1)")
	f.Float64Var(&opts.Smoothing, "smoothing", 0.6, "EMA weight of the smoothed line in HTML charts (TensorBoard's default 0.6; 0 draws no smoothed line)")
	f.StringVar(&opts.ChartsDir, "charts", "", "also write each chart as a standalone SVG file into `DIR`")
	f.StringSliceVar(&opts.FailOn, "fail-on", nil, "exit with status 3 when the verdict is one of these `STATUSES` (e.g. diverged,overfitting,stalled)")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN` (e.g. loss=train_loss); repeatable")
	f.BoolVar(&opts.NoChart, "no-chart", false, "do not draw the compact loss chart in terminal output")
	f.BoolVar(&opts.Full, "full", false, "text and Markdown: every section with its whole detail (files, geometry, every evaluation, the trend test, all findings)")
	f.BoolVar(&opts.Summary, "summary", false, "text and Markdown: the answer card only (Markdown folds the sections under it in <details>), for a PR comment or a chat message")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formatNames, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeList(statusNames))
	return cmd
}

// statusNames are the verdict statuses --fail-on takes.
var statusNames = []string{string(analysis.StatusConverged), string(analysis.StatusImproving), string(analysis.StatusOverfitting),
	string(analysis.StatusDiverged), string(analysis.StatusStalled), string(analysis.StatusInsufficientData)}

func validStatus(s string) bool { return slices.Contains(statusNames, s) }

// readerOptions turns the mapping flags into trainlog options.
func readerOptions(step string, metrics []string) (trainlog.Options, error) {
	o := trainlog.Options{StepColumn: step}
	for _, m := range metrics {
		name, col, ok := strings.Cut(m, "=")
		if !ok || name == "" || col == "" {
			return o, usageError("--metric %q: expected NAME=COLUMN, e.g. loss=train_loss", m)
		}
		if o.Metrics == nil {
			o.Metrics = map[string]string{}
		}
		if prev, ok := o.Metrics[name]; ok && prev != col {
			// The last would win without a word.
			return o, usageError("--metric %s is given twice (%s=%s, %s=%s): a metric is read from one column", name, name, prev, name, col)
		}
		o.Metrics[name] = col
	}
	return o, nil
}

func runReport(opts *reportOptions, s *streams) error {
	format, err := chooseFormat(opts.Format, opts.FormatSet, opts.Output)
	if err != nil {
		return err
	}
	for _, st := range opts.FailOn {
		if !validStatus(st) {
			return usageError("--fail-on %q: expected a status among %s", st, strings.Join(statusNames, ", "))
		}
	}
	if err := checkCost(opts.GPUHourPrice, opts.GPUs); err != nil {
		return err
	}
	if opts.Full && opts.Summary {
		return usageError("--full and --summary ask for opposite things: pick one")
	}
	if format == "json" || format == "html" {
		// JSON and HTML always hold the whole report.
		for flag, set := range map[string]bool{"--summary": opts.Summary, "--full": opts.Full} {
			if set {
				return usageError("%s is for text and Markdown; %s writes the whole report", flag, format)
			}
		}
	}
	// Written so that NaN fails too.
	if !(opts.Smoothing >= 0 && opts.Smoothing < 1) {
		return usageError("--smoothing %g: expected a weight in [0, 1)", opts.Smoothing)
	}
	if n := countStdin(opts.Paths); n > 1 {
		return usageError("- (standard input) is given %d times: a stream can be read once; give it once, or save it to a file", n)
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
	if opts.ChartsDir != "" {
		if err := checkChartsDir(opts.ChartsDir); err != nil {
			return err
		}
	}
	prog := s.startProgress()
	defer prog.stop()
	run, loadErr := trainlog.Load(opts.Paths, trainlog.LoadOptions{Options: ropts, Stdin: s.in, Progress: prog.counter()})
	guard.addRun(run)
	prog.analysing()
	if err := refusal("report", loadErr); err != nil {
		return err
	}
	if loadErr != nil && (run == nil || (len(run.Series) == 0 && len(run.Summary) == 0)) {
		return inputError(loadErr)
	}
	aopts := analysis.DefaultOptions
	aopts.GPUHourPrice = opts.GPUHourPrice
	aopts.GPUs = opts.GPUs
	rep := analysis.Analyze(run, aopts)

	hopts := report.HTMLOptions{Smoothing: opts.Smoothing}
	if opts.Smoothing == 0 {
		hopts.Smoothing = report.NoSmoothing
	}
	var buf bytes.Buffer
	switch format {
	case "text":
		toTTY := opts.Output == "" && s.outIsTTY
		err = report.WriteText(&buf, rep, report.Options{
			Color: opts.Output == "" && s.color(),
			Width: s.width(),
			Chart: toTTY && !opts.NoChart && !opts.Summary,
			Full:  opts.Full, Summary: opts.Summary,
		})
	case "md":
		err = report.WriteMarkdown(&buf, rep, report.Options{Width: 100, Full: opts.Full, Summary: opts.Summary})
	case "json":
		err = report.WriteJSON(&buf, rep)
	case "html":
		err = report.WriteHTML(&buf, rep, hopts)
	}
	if err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	prog.stop()
	if opts.ChartsDir != "" {
		if err := writeCharts(guard, opts.ChartsDir, rep, hopts, s); err != nil {
			return err
		}
	}
	if err := guard.write("-o", opts.Output, s.out, buf.Bytes()); err != nil {
		return err
	}
	if n := len(run.Warnings); n > 0 {
		printWarnings(s.err, run.Warnings)
		return &exitError{code: exitInput, err: fmt.Errorf("%d input problem(s); the report covers what was readable", n)}
	}
	for _, st := range opts.FailOn {
		if string(rep.Verdict.Status) == st {
			return &exitError{code: exitVerdict, err: fmt.Errorf("verdict %s (--fail-on): %s", st, report.VerdictSentence(rep))}
		}
	}
	return nil
}

// checkChartsDir refuses a --charts folder that is an existing file.
func checkChartsDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return usageError("--charts %s is %s: give a folder", dir, fileio.Kind(st.Mode()))
	}
	return nil
}

// writeCharts writes each chart as a standalone SVG file into dir
// (created when missing), every file through the guard.
func writeCharts(guard *outputGuard, dir string, rep *analysis.Report, hopts report.HTMLOptions, s *streams) error {
	files, err := report.ChartFiles(rep, hopts)
	if err != nil {
		return fmt.Errorf("rendering the charts: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &exitError{code: exitInput, err: fmt.Errorf("--charts %s: %v", dir, err)}
	}
	for _, f := range files {
		if err := guard.write("--charts", filepath.Join(dir, f.Name), nil, f.Data); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.err, "plateau: wrote %d charts to %s\n", len(files), dir)
	return nil
}

// printWarnings prints input problems, at most 20 of them.
func printWarnings(w io.Writer, warns []error) {
	for i, e := range warns {
		if i == 20 {
			fmt.Fprintf(w, "plateau: ... and %d more problems\n", len(warns)-20)
			break
		}
		fmt.Fprintln(w, "plateau: "+term.Sanitize(e.Error()))
	}
}

// countStdin counts the paths that name standard input.
func countStdin(paths []string) int {
	n := 0
	for _, p := range paths {
		if p == trainlog.Stdin {
			n++
		}
	}
	return n
}
