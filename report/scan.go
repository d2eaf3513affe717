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
	writeDocText(&b, buildScan(s), opts, nil)
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

// buildScan lays out a scan.
func buildScan(s *analysis.Scan) *doc {
	d := &doc{}
	d.heading(1, fmt.Sprintf("plateau scan: %s under %s", plural(int64(len(s.Runs)), "run"), clean(s.Root)))
	if len(s.Runs) == 0 {
		d.para("No run was found: no training log (Trainer console output, trainer_state.json, trainer_log.jsonl, TensorBoard events, metrics.csv, W&B or MLflow files) lies under this folder.")
		return d
	}
	d.para(statusCounts(s) + ". The runs that need a look come first (could not be read, diverged, overfitting, stalled, insufficient data, improving, converged), then by final level, the best first; insufficient stands for insufficient data. Each status is the one " + code("plateau report RUN") + " gives.")
	d.table(scanTable(s))
	d.para("Final is the final level of the run's main metric (the mean of its last 10% of logged values; for a loss, as in the report's train_loss section). Best eval is the best evaluation @ its step. Checkpoint is the one the report recommends, relative to the run's folder (none: no checkpoint folder is on disk). Steps are those done / planned. Problems are the report's findings of warning or error severity, the count then the first kinds.")
	var errs []string
	for _, r := range s.Runs {
		if r.Error != "" {
			errs = append(errs, code(r.Rel)+": "+prose(r.Error))
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

// scanTable is one row per run.
func scanTable(s *analysis.Scan) *table {
	t := newTable("Status", "Run", "Family", "Final", "Best eval", "Checkpoint", "Steps", "Runtime", "Problems").alignRight(3, 4, 6, 7)
	for _, r := range s.Runs {
		t.add(em(statusStyle(r.Verdict.Status), statusWord(r.Verdict.Status)), code(r.Rel), orNA(r.Family),
			orNA(scanLevel(r)), orNA(scanBestEval(r)), orNA(scanCheckpoint(r)), orNA(scanSteps(r)), orNA(scanRuntime(r)), orNA(scanProblems(r)))
	}
	return t
}

func scanLevel(r analysis.ScanRun) string {
	if r.FinalLevel == nil || math.IsNaN(r.FinalLevel.Value) {
		return ""
	}
	if r.Metric != "" && r.Metric != "loss" {
		return num(r.FinalLevel.Value) + " " + r.Metric
	}
	return num(r.FinalLevel.Value)
}

func scanBestEval(r analysis.ScanRun) string {
	if r.Eval.Best == nil {
		return ""
	}
	return num(r.Eval.Best.Value) + " @" + step(r.Eval.BestStep)
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

// scanProblems counts the problems and names the first kinds.
func scanProblems(r analysis.ScanRun) string {
	if r.Error != "" {
		return "not read"
	}
	if len(r.Problems) == 0 {
		return "none"
	}
	var kinds []string
	for _, f := range r.Problems {
		if k := string(f.Kind); !contains(kinds, k) && len(kinds) < 2 {
			kinds = append(kinds, k)
		}
	}
	return fmt.Sprintf("%d: %s", len(r.Problems), strings.Join(kinds, ", "))
}
