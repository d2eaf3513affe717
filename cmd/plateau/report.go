package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// reportOptions are the flags of 'plateau report'.
type reportOptions struct {
	Paths        []string
	Format       string
	Output       string
	GPUHourPrice float64
	GPUs         int
	Smoothing    float64
	ChartsDir    string
	FailOn       []string
	Step         string
	Metrics      []string
	NoChart      bool
}

var formatNames = []string{"text", "md", "json", "html"}

func newReportCmd(s *streams, runF func(*reportOptions) error) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report PATH...",
		Short: "Write the report of a run (text, Markdown, JSON or HTML)",
		Long: `Read a run directory, log files, or - for standard input, and write the
report: milestones, phases, mean train_loss vs final level, end noise, token
accuracy, learning-rate schedule, throughput and cost, generalisation,
checkpoints, another epoch, pitfalls and a summary, each number cited as
file:line. A report is about one run: a folder that holds several runs is
refused with the list of its runs (see 'plateau scan' and 'plateau
compare'). Several paths are merged only when they are views of one run
(their steps and values agree, or one resumes the other): the most precise
value per step wins and disagreements are reported; otherwise they are
refused with the evidence.

Exit status: 0 report written; 1 an input could not be read, wholly or in
part (the report of what was readable is still written); 2 usage error, or
the paths hold several runs; 3 the verdict matched --fail-on.`,
		Example: `  plateau report examples/hf_v5_sft_lora_3ep
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
			if runF != nil {
				return runF(opts)
			}
			return runReport(opts, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, md, json or html")
	f.StringVarP(&opts.Output, "output", "o", "", "write the report to `FILE` instead of standard output")
	f.Float64Var(&opts.GPUHourPrice, "gpu-hour-price", 0, "price of one GPU hour, to compute the run's cost (no cost is shown without it)")
	f.IntVar(&opts.GPUs, "gpus", 0, "number of GPUs billed (default: the logged world size, or 1)")
	f.Float64Var(&opts.Smoothing, "smoothing", 0.6, "EMA weight of the smoothed line in HTML charts (TensorBoard's default 0.6; 0 draws no smoothed line)")
	f.StringVar(&opts.ChartsDir, "charts", "", "also write each chart as a standalone SVG file into `DIR`")
	f.StringSliceVar(&opts.FailOn, "fail-on", nil, "exit with status 3 when the verdict is one of these `STATUSES` (e.g. diverged,overfitting,stalled)")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN` (e.g. loss=train_loss); repeatable")
	f.BoolVar(&opts.NoChart, "no-chart", false, "do not draw the compact loss chart in terminal output")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formatNames, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func validStatus(s string) bool {
	switch s {
	case analysis.StatusConverged, analysis.StatusImproving, analysis.StatusOverfitting,
		analysis.StatusDiverged, analysis.StatusStalled, analysis.StatusInsufficientData:
		return true
	}
	return false
}

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
		o.Metrics[name] = col
	}
	return o, nil
}

func runReport(opts *reportOptions, s *streams) error {
	format := strings.ToLower(opts.Format)
	if format == "markdown" {
		format = "md"
	}
	if format == "txt" {
		format = "text"
	}
	switch format {
	case "text", "md", "json", "html":
	default:
		return usageError("--format %q: expected one of %s", opts.Format, strings.Join(formatNames, ", "))
	}
	for _, st := range opts.FailOn {
		if !validStatus(st) {
			return usageError("--fail-on %q: expected a status among converged, improving, overfitting, diverged, stalled, insufficient-data", st)
		}
	}
	if opts.GPUHourPrice < 0 || opts.GPUs < 0 {
		return usageError("--gpu-hour-price and --gpus must not be negative")
	}
	if opts.Smoothing < 0 || opts.Smoothing >= 1 {
		return usageError("--smoothing %g: expected a weight in [0, 1)", opts.Smoothing)
	}
	ropts, err := readerOptions(opts.Step, opts.Metrics)
	if err != nil {
		return err
	}
	if opts.Output != "" {
		if err := checkNotInput(opts.Output, opts.Paths); err != nil {
			return err
		}
	}
	prog := s.startProgress()
	defer prog.stop()
	run, loadErr := trainlog.Load(opts.Paths, trainlog.LoadOptions{Options: ropts, Stdin: s.in, Progress: prog.counter()})
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
			Chart: toTTY && !opts.NoChart,
		})
	case "md":
		err = report.WriteMarkdown(&buf, rep, report.Options{Width: 100})
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
		if err := checkNotInput(opts.ChartsDir, opts.Paths); err != nil {
			return err
		}
		files, err := report.WriteCharts(opts.ChartsDir, rep, hopts)
		if err != nil {
			return inputError(fmt.Errorf("writing charts: %w", err))
		}
		fmt.Fprintf(s.err, "plateau: wrote %d charts to %s\n", len(files), opts.ChartsDir)
	}
	if err := writeOutput(opts.Output, s.out, buf.Bytes()); err != nil {
		return &exitError{code: exitInput, err: err}
	}
	if n := len(run.Warnings); n > 0 {
		printWarnings(s.err, run.Warnings)
		return &exitError{code: exitInput, err: fmt.Errorf("%d input problem(s); the report covers what was readable", n)}
	}
	for _, st := range opts.FailOn {
		if rep.Verdict.Status == st {
			return &exitError{code: exitVerdict, err: fmt.Errorf("verdict %s (--fail-on): %s", st, rep.Verdict.Reason)}
		}
	}
	return nil
}

// printWarnings prints input problems, at most 20 of them.
func printWarnings(w io.Writer, warns []error) {
	for i, e := range warns {
		if i == 20 {
			fmt.Fprintf(w, "plateau: ... and %d more problems\n", len(warns)-20)
			break
		}
		fmt.Fprintln(w, "plateau: "+e.Error())
	}
}

// checkNotInput refuses an output path that is one of the inputs or
// inside an input file's place: inputs are never written to.
func checkNotInput(out string, inputs []string) error {
	ao, err := filepath.Abs(out)
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if in == trainlog.Stdin {
			continue
		}
		ai, err := filepath.Abs(in)
		if err != nil {
			continue
		}
		if ao == ai {
			return usageError("-o %s would overwrite an input; choose another file", out)
		}
		if st, err := os.Stat(ai); err == nil && !st.IsDir() {
			continue
		}
		if st, err := os.Stat(ao); err == nil && !st.IsDir() && strings.HasPrefix(ao, ai+string(filepath.Separator)) {
			if f, ok := trainlog.Detect(filepath.Base(ao), head(ao)); ok {
				return usageError("-o %s would overwrite a %s log inside the run; choose another file", out, f.Name)
			}
		}
	}
	return nil
}

func head(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, _ := io.ReadFull(f, b)
	return b[:n]
}

// writeOutput writes data to path atomically, or to w when path is "".
func writeOutput(path string, w io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := w.Write(data)
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".plateau-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return errors.New("writing " + path + ": " + err.Error())
	}
	return nil
}
