package main

import (
	"bytes"
	"errors"
	"fmt"
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

// scanOptions are the flags of 'plateau scan'.
type scanOptions struct {
	Root         string
	Format       string
	FormatSet    bool // -f was given: the output file's extension does not decide
	Output       string
	FailOn       []string
	Jobs         int
	MaxDepth     int
	GPUHourPrice float64
	GPUs         int
	Step         string
	Metrics      []string
}

func init() {
	extraCommands = append(extraCommands, func(s *streams) *cobra.Command { return newScanCmd(s, nil) })
}

func newScanCmd(s *streams, runF func(*scanOptions) error) *cobra.Command {
	opts := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan DIR",
		Short: "Analyse every run under a folder: one row each, the runs that need a look first",
		Long: `Find every run under DIR (output folders with their checkpoints, TensorBoard
folders, MLflow and W&B runs, log folders: see 'plateau report'), analyse
them in parallel, and write one row per run: path, trainer family, verdict
status, final level, best evaluation and its step, recommended checkpoint,
steps done of planned, runtime and the problems found. Rows are sorted by
how urgently the run needs a look (could not be read, diverged,
overfitting, stalled, insufficient data, improving, converged), then by
final level. Each row's status is the one 'plateau report' gives the run.

--format html with -o DIR writes an offline folder: DIR/index.html and
each run's full report beside it, linked from the index; with -o FILE.html
or without -o, one page with each run's verdict, summary and problems
inline. On a terminal, the progress is shown on standard error.

Folders deeper than --max-depth are not searched, and said so on standard
error.

Exit status: 0 written; 1 no run was found, some run could not be read
(its row says why), or some run's files hold input problems (each is
printed on standard error with its run, file and line; the rows cover what
was readable); 2 usage error; 3 some run's status matched --fail-on.`,
		Example: `  plateau scan output/
  plateau scan runs/ --format md -o RUNS.md
  plateau scan saves/ --format json | jq '.runs[] | {path, status: .verdict.status}'
  plateau scan output/ --format html -o scan-report/
  plateau scan output/ --fail-on diverged,overfitting`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("scan needs exactly one DIR (a folder of runs)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Root = args[0]
			opts.FormatSet = cmd.Flags().Changed("format")
			if runF != nil {
				return runF(opts)
			}
			return runScan(opts, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, md, json or html")
	f.StringVarP(&opts.Output, "output", "o", "", "write to `FILE` (html: a folder, or FILE.html for one page)")
	f.StringSliceVar(&opts.FailOn, "fail-on", nil, "exit with status 3 when some run's status is one of these `STATUSES` (e.g. diverged,overfitting)")
	f.IntVarP(&opts.Jobs, "jobs", "j", 0, "runs analysed at once (default: the number of CPUs, at most 8)")
	f.IntVar(&opts.MaxDepth, "max-depth", 8, "how deep to search DIR for runs")
	f.Float64Var(&opts.GPUHourPrice, "gpu-hour-price", 0, "price of one GPU hour, for each run's cost")
	f.IntVar(&opts.GPUs, "gpus", 0, "number of GPUs billed per run (default: each run's logged world size, or 1)")
	f.StringVar(&opts.Step, "step", "", "generic CSV/JSONL: the `COLUMN` holding the step")
	f.StringSliceVar(&opts.Metrics, "metric", nil, "generic CSV/JSONL: map a metric, `NAME=COLUMN`; repeatable")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formatNames, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("fail-on", completeList(append(slices.Clone(statusNames), string(analysis.ScanStatusError))))
	return cmd
}

func runScan(opts *scanOptions, s *streams) error {
	htmlDir := opts.Output != "" && opts.Output != "-" && formatOf(opts.Output) == "" && strings.EqualFold(opts.Format, "html")
	format, err := chooseFormat(opts.Format, opts.FormatSet, opts.Output)
	if err != nil {
		return err
	}
	for _, st := range opts.FailOn {
		if !validStatus(st) && analysis.Status(st) != analysis.ScanStatusError {
			return usageError("--fail-on %q: expected a status among converged, improving, overfitting, diverged, stalled, insufficient-data, error", st)
		}
	}
	if err := checkCost(opts.GPUHourPrice, opts.GPUs); err != nil {
		return err
	}
	if opts.Jobs < 0 || opts.MaxDepth < 0 {
		return usageError("--jobs and --max-depth must not be negative")
	}
	if opts.Root == trainlog.Stdin {
		return usageError("scan reads a folder of runs, not standard input")
	}
	if st, err := os.Stat(opts.Root); err != nil {
		return inputError(fmt.Errorf("%s: %w", opts.Root, errors.Unwrap(err)))
	} else if st.Mode().IsRegular() {
		return usageError("scan needs a folder of runs; %s is a file (use 'plateau report %s')", opts.Root, opts.Root)
	} else if !st.IsDir() {
		return usageError("scan needs a folder of runs; %s is %s", opts.Root, fileio.Kind(st.Mode()))
	}
	ropts, err := readerOptions(opts.Step, opts.Metrics)
	if err != nil {
		return err
	}
	guard := newOutputGuard([]string{opts.Root})
	switch {
	case htmlDir:
		if err := checkOutputDir(opts.Output, opts.Root); err != nil {
			return err
		}
	case opts.Output != "" && opts.Output != "-":
		if err := guard.check("-o", opts.Output); err != nil {
			return err
		}
	}
	aopts := analysis.DefaultOptions
	aopts.GPUHourPrice, aopts.GPUs = opts.GPUHourPrice, opts.GPUs
	prog := s.startScanProgress()
	res, err := scanRuns(scanJob{root: opts.Root, maxDepth: opts.MaxDepth, jobs: workers(opts.Jobs),
		reader: ropts, analysis: aopts, keepData: htmlDir, progress: prog.update})
	prog.stop()
	if err != nil {
		return inputError(err)
	}
	scan := res.scan
	guard.inputs = append(guard.inputs, res.inputs...)
	var buf bytes.Buffer
	switch format {
	case "text":
		err = report.WriteScanText(&buf, scan, report.Options{Color: opts.Output == "" && s.color(), Width: s.width()})
	case "md":
		err = report.WriteScanMarkdown(&buf, scan, report.Options{Width: 100})
	case "json":
		err = report.WriteScanJSON(&buf, scan)
	case "html":
		if htmlDir {
			err = writeScanFolder(guard, opts.Output, scan, s)
		} else {
			err = report.WriteScanHTML(&buf, scan)
		}
	}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return &exitError{code: exitInput, err: fmt.Errorf("writing the scan: %w", err)}
	}
	if !htmlDir {
		if err := guard.write("-o", opts.Output, s.out, buf.Bytes()); err != nil {
			return err
		}
	}
	printWarnings(s.err, res.warnings)
	if len(scan.Runs) == 0 {
		if len(res.tooDeep) > 0 {
			return inputError(fmt.Errorf("%s: no run within %d levels (--max-depth %d): %s", opts.Root, opts.MaxDepth, opts.MaxDepth, tooDeepSaid(opts.Root, res.tooDeep, "deeper")))
		}
		return inputError(fmt.Errorf("%s: %w: no run under it (%s)", opts.Root, trainlog.ErrNoData, ignoredWhy(res.ignored)))
	}
	if len(res.tooDeep) > 0 {
		fmt.Fprintf(s.err, "plateau: %s: %s\n", term.Sanitize(opts.Root), tooDeepSaid(opts.Root, res.tooDeep, fmt.Sprintf("deeper than --max-depth %d", opts.MaxDepth)))
	}
	if n := scan.Statuses[analysis.ScanStatusError]; n > 0 {
		return inputError(fmt.Errorf("%d of %d runs could not be read; their rows say why", n, len(scan.Runs)))
	}
	if n := len(res.warnings); n > 0 {
		return inputError(fmt.Errorf("%d input problem(s); the scan covers what was readable", n))
	}
	for _, st := range opts.FailOn {
		if n := scan.Statuses[analysis.Status(st)]; n > 0 {
			return &exitError{code: exitVerdict, err: fmt.Errorf("%d run(s) %s (--fail-on)", n, st)}
		}
	}
	return nil
}

// writeScanFolder writes the offline folder of a scan, every file through
// the guard.
func writeScanFolder(guard *outputGuard, dir string, scan *analysis.Scan, s *streams) error {
	files, err := report.ScanHTMLFiles(scan, report.HTMLOptions{})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return &exitError{code: exitInput, err: fmt.Errorf("-o %s: %v", dir, err)}
	}
	for _, f := range files {
		if err := guard.write("-o", filepath.Join(dir, filepath.FromSlash(f.Name)), nil, f.Data); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.err, "plateau: wrote %s and %d run reports beside it\n", filepath.Join(dir, "index.html"), len(files)-1)
	return nil
}

// checkOutputDir refuses an output folder inside the scanned folder (its
// reports would be scanned next time) and a folder that holds other
// files than plateau's own.
func checkOutputDir(out, root string) error {
	ao, err1 := filepath.Abs(out)
	ar, err2 := filepath.Abs(root)
	if err1 == nil && err2 == nil && (ao == ar || strings.HasPrefix(ao, ar+string(filepath.Separator))) {
		return usageError("-o %s is inside the scanned folder %s; write the scan elsewhere", out, root)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return nil // it will be created
	}
	for _, e := range ents {
		if name := e.Name(); name != "index.html" && name != "runs" {
			return usageError("-o %s already holds %s; give an empty or new folder", out, name)
		}
	}
	return nil
}

// ignoredWhy says which files a folder without runs held: the first few
// with the reason each was not read.
func ignoredWhy(files []trainlog.File) string {
	if len(files) == 0 {
		return "it holds no file plateau reads"
	}
	var parts []string
	for i, f := range files {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(files)-3))
			break
		}
		parts = append(parts, f.Path+": "+strings.TrimPrefix(f.Reason, "ignored: "))
	}
	return "ignored " + strings.Join(parts, "; ")
}

// tooDeepSaid says which folders were not searched for being too deep,
// deeper saying than what.
func tooDeepSaid(root string, dirs []string, deeper string) string {
	var parts []string
	for i, d := range dirs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(dirs)-3))
			break
		}
		parts = append(parts, term.Sanitize(filepath.Join(root, filepath.FromSlash(d))))
	}
	what := "1 folder " + deeper + " was"
	if len(dirs) > 1 {
		what = fmt.Sprintf("%d folders %s were", len(dirs), deeper)
	}
	return fmt.Sprintf("%s not searched (%s)", what, strings.Join(parts, ", "))
}
