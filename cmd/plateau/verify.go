package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/fileio"
	"github.com/plateau-dev/plateau/internal/term"
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
to find each cited file. --report reads a saved file, or standard input
with '--report -' (a named pipe or a device given as the file is refused,
as 'plateau report' refuses them).

Exit status: 0 every citation is true; 5 at least one is false; 1 the run
or the report could not be read, or holds nothing to verify (no metric
read from paths that report input problems, no citation in a saved
report); 2 usage error. A run read cleanly whose report cites nothing (a
custom logger's log with no metric plateau reads) exits 0, as its report
does, and says that nothing was verified.`,
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
				return inputError(reportError(opts.Report, data, err))
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
			return inputError(reportError(opts.Report, data, err))
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
	if res.Checked == 0 {
		if opts.Report != "" {
			return inputError(errors.New("nothing was verified: the report cites no source (is it the report of a run?)"))
		}
		// The run was read as 'plateau report' reads it (exit 0) and its
		// report cites no value: nothing is false, and that is said.
		fmt.Fprintf(s.err, "plateau: nothing to verify: the report of %s cites no value read from a log (no training metric was logged in a form plateau reads)\n", strings.Join(opts.Paths, ", "))
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
	if len(run.Series) == 0 && len(run.Summary) == 0 && len(run.Warnings) > 0 {
		// A text that only looks like a log (a README quoting a dict,
		// malformed): its report exits 1 and would cite a library
		// version at most. A log that is read cleanly but holds no
		// metric (a custom logger's) is reported, and verified, as it is.
		return nil, inputError(fmt.Errorf("%s: nothing to %s: no training metric was read from it (it is neither a run's log nor, without --report, a saved report)",
			strings.Join(opts.Paths, ", "), verb))
	}
	return run, nil
}

// readReport reads a saved report from a file or standard input. The
// file is opened as plateau opens its logs (a FIFO or a device is refused
// before it is opened, so that nothing blocks or reads forever), and its
// first bytes must open a JSON object: a file of anything else is refused
// before it is read whole.
func readReport(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("--report -: no standard input")
		}
		r = stdin
	} else {
		f, err := fileio.OpenRegular(name)
		var nr *fileio.NotRegularError
		switch {
		case errors.As(err, &nr) && nr.Mode&fs.ModeNamedPipe != 0:
			return nil, fmt.Errorf("--report %s is %s, not a file: give a saved report, or pipe it into '--report -'", name, fileio.Kind(nr.Mode))
		case errors.As(err, &nr):
			return nil, fmt.Errorf("--report %s is %s, not a file: give a report saved with 'plateau report RUN -f json -o FILE'", name, fileio.Kind(nr.Mode))
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("--report %s: no such file", name)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("--report %s: cannot be read: permission denied", name)
		case err != nil:
			return nil, fmt.Errorf("--report %s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReader(r)
	var head []byte // the blanks before the '{', kept for the line numbers
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return nil, fmt.Errorf("%s:%d: not a plateau JSON report: the file is empty", reportName(name), bytes.Count(head, []byte("\n"))+1)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", reportName(name), err)
		}
		head = append(head, c)
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if c != '{' {
			return nil, fmt.Errorf("%s:%d: not a plateau JSON report: expected a JSON object ('{'), as 'plateau report RUN -f json' writes", reportName(name), bytes.Count(head, []byte("\n"))+1)
		}
		break
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", reportName(name), err)
	}
	return append(head, rest...), nil
}

// reportName names the --report input in messages.
func reportName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// reportError places an error of reading a JSON report at its line when
// the JSON decoder says where it stopped.
func reportError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("%s: %w", reportName(name), err)
	}
	off = min(off, int64(len(data)))
	msg := err.Error()
	before := data[:off]
	if off == int64(len(data)) && strings.Contains(msg, "unexpected end of JSON input") {
		// The end of the file: its last line.
		before = bytes.TrimRight(before, "\r\n")
		msg = "not a plateau JSON report: the file ends inside the JSON document (cut short?)"
	}
	line := bytes.Count(before, []byte("\n")) + 1
	return fmt.Errorf("%s:%d: %s", reportName(name), line, msg)
}

// printVerify prints each false citation with the text of the cited
// place, then the count. The cited text and the names come from the logs
// and the report: no escape they hold reaches the terminal.
func printVerify(w io.Writer, res verify.Result) {
	oneLine := strings.NewReplacer("\n", " ")
	for _, p := range res.False {
		fmt.Fprintf(w, "false: %s\n", oneLine.Replace(term.Sanitize(p.String())))
		if p.Text != "" {
			fmt.Fprintf(w, "  it reads: %s\n", oneLine.Replace(term.Sanitize(strings.TrimSpace(p.Text))))
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
