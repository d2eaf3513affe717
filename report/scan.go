package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// errNilScan is returned by the writers when given no scan.
var errNilScan = errors.New("report: nil scan")

// WriteScanText writes a scan as plain text: one row per run, the runs
// that need a look first.
func WriteScanText(w io.Writer, s *analysis.Scan, opts Options) error {
	if s == nil {
		return errNilScan
	}
	if opts.Width <= 0 {
		opts.Width = DefaultWidth
	}
	opts.Width = max(opts.Width, 40)
	var b strings.Builder
	writeDocText(&b, buildScanFor(s, true), opts, nil)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteScanMarkdown writes a scan as CommonMark.
func WriteScanMarkdown(w io.Writer, s *analysis.Scan, opts Options) error {
	if s == nil {
		return errNilScan
	}
	var b strings.Builder
	writeDocMarkdown(&b, buildScan(s), nil)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteScanJSON writes a scan as indented JSON (schema plateau.scan/v1,
// docs/json-runs.md): runs[] with each run's path, verdict, eval
// (best_step), checkpoints_recommended and problems, in the scan's order.
func WriteScanJSON(w io.Writer, s *analysis.Scan) error {
	if s == nil {
		return errNilScan
	}
	return writeIndentedJSON(w, *s)
}

// statusOrder lists the statuses in the order of the scan's summary line.
var statusOrder = []analysis.Status{analysis.ScanStatusError, analysis.StatusDiverged, analysis.StatusOverfitting, analysis.StatusStalled,
	analysis.StatusInsufficientData, analysis.StatusImproving, analysis.StatusConverged}

// buildScan lays out a scan for markdown and HTML.
func buildScan(s *analysis.Scan) *doc { return buildScanFor(s, false) }

// buildScanFor lays out a scan. In text, a run without problems has an
// empty Problems cell: when the table is too wide for the terminal, that
// column goes under each row that has problems, and no line says "none".
func buildScanFor(s *analysis.Scan, text bool) *doc {
	d := &doc{}
	d.heading(1, fmt.Sprintf("plateau scan: %s under %s", plural(int64(len(s.Runs)), "run"), clean(s.Root)))
	if len(s.Runs) == 0 {
		d.para("No run was found: no training log (Trainer console output, trainer_state.json, trainer_log.jsonl, TensorBoard events, metrics.csv, W&B or MLflow files) lies under this folder.")
		return d
	}
	d.para(statusCounts(s) + ". The runs that need a look come first (could not be read, diverged, overfitting, stalled, insufficient data, improving, converged), then by final level, the best first; insufficient stands for insufficient data. Each status is the one " + code("plateau report RUN") + " gives.")
	d.table(scanTable(s, text))
	none := ""
	if text {
		none = " (a run without any has no Problems)"
	}
	d.para("Final is the final level of the run's main metric, the loss unless the Family names another (the mean of its last 10% of logged values; for a loss, as in the report's train_loss section). Best eval is the best evaluation @ its step. Checkpoint is the one the report recommends, relative to the run's folder (none: no checkpoint folder is on disk). Steps are those done / planned. Problems are the kinds of the report's warnings and errors, the most severe first, ×N when found N times" + none + "; input-problem counts the unreadable lines or records of the run's files, which its report lists.")
	var errs []string
	for _, r := range s.Runs {
		if r.Error != "" {
			errs = append(errs, code(scanRunName(s, r))+": "+prose(r.Error))
		}
	}
	if len(errs) > 0 {
		d.heading(2, "Runs that could not be read")
		d.list(errs)
	}
	return d
}

// statusCounts says how many runs have each status.
func statusCounts(s *analysis.Scan) string {
	var parts []string
	for _, st := range statusOrder {
		if n := s.Statuses[st]; n > 0 {
			word := statusWord(st)
			if st == analysis.StatusInsufficientData {
				word = "with insufficient data"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, em(statusStyle(st), word)))
		}
	}
	return strings.Join(parts, ", ")
}

// statusWord is a status as a scan shows it.
func statusWord(st analysis.Status) string {
	switch st {
	case "":
		return orNA("")
	case analysis.StatusInsufficientData:
		return "insufficient"
	case analysis.ScanStatusError:
		return "unreadable"
	}
	return string(st)
}

// scanTable is one row per run; in text, a run without problems has an
// empty Problems cell.
func scanTable(s *analysis.Scan, text bool) *table {
	t := newTable("Status", "Run", "Family", "Final", "Best eval", "Checkpoint", "Steps", "Runtime", "Problems").alignRight(3, 4, 6, 7).nameCols(1, 5).liftCol(1)
	for _, r := range s.Runs {
		problems := scanProblems(r)
		if problems == "" && !text {
			problems = "none"
		}
		t.add(em(statusStyle(r.Verdict.Status), statusWord(r.Verdict.Status)), code(scanRunName(s, r)), orNA(scanFamily(r)),
			orNA(scanLevel(r)), orNA(scanBestEval(r)), orNA(scanCheckpoint(r)), orNA(scanSteps(r)), orNA(scanRuntime(r)), problems)
	}
	return t
}

// scanRunName names a run in the table: its folder relative to the
// scanned one, or the scanned folder itself when that is the run.
func scanRunName(s *analysis.Scan, r analysis.ScanRun) string {
	if r.Rel == "." {
		return clean(s.Root)
	}
	return r.Rel
}

// scanFamily is the trainer family, with the main metric in brackets
// when it is not the loss ("grpo (reward)"): the Final column's metric.
func scanFamily(r analysis.ScanRun) string {
	if r.Metric != "" && r.Metric != "loss" && r.Family != "" {
		return string(r.Family) + " (" + r.Metric + ")"
	}
	return string(r.Family)
}

func scanLevel(r analysis.ScanRun) string {
	if r.FinalLevel == nil || math.IsNaN(r.FinalLevel.Value) {
		return ""
	}
	return num(r.FinalLevel.Value)
}

func scanBestEval(r analysis.ScanRun) string {
	if r.Eval.Best == nil {
		return ""
	}
	return num(r.Eval.Best.Value) + " @" + stepN(r.Eval.BestStep)
}

func scanCheckpoint(r analysis.ScanRun) string {
	if r.Error != "" {
		return ""
	}
	if r.CheckpointsRecommended.Path == "" {
		return "none"
	}
	return clean(r.CheckpointsRecommended.Path)
}

func scanSteps(r analysis.ScanRun) string {
	if r.Steps <= 0 && r.Planned <= 0 {
		return ""
	}
	if r.Planned > 0 {
		return count(r.Steps) + "/" + count(r.Planned)
	}
	return count(r.Steps)
}

func scanRuntime(r analysis.ScanRun) string {
	if r.Runtime == nil {
		return ""
	}
	return hms(r.Runtime.Value)
}

// scanProblems names the kinds of a run's problems, the most severe
// first, each with its count when found more than once: "divergence ×2,
// grad-norm-high". Lines or records of its files that could not be read
// come first, as input-problem. It is empty for a run without problems.
func scanProblems(r analysis.ScanRun) string {
	if r.Error != "" {
		return "not read"
	}
	var kinds []string
	n := map[string]int{}
	if r.InputProblems > 0 {
		kinds = append(kinds, "input-problem")
		n["input-problem"] = r.InputProblems
	}
	for _, f := range r.Problems {
		k := string(f.Kind)
		if n[k] == 0 {
			kinds = append(kinds, k)
		}
		n[k]++
	}
	for i, k := range kinds {
		if n[k] > 1 {
			kinds[i] = fmt.Sprintf("%s ×%d", k, n[k])
		}
	}
	return strings.Join(kinds, ", ")
}
