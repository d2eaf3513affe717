package analysis

import (
	"math"
	"sort"
)

// Scanning a tree of runs: one row per run with the facts a person
// triages on, in the order to look at them. Package report writes the
// sentences and tables.

// ScanSchemaVersion identifies the JSON schema of a Scan.
const ScanSchemaVersion = "plateau.scan/v1"

// A Scan is every run found under a folder, analysed.
type Scan struct {
	Schema string `json:"schema"`
	// Root is the folder scanned, as given.
	Root string    `json:"root"`
	Runs []ScanRun `json:"runs"`
	// Statuses counts the runs per verdict status ("error" for runs that
	// could not be read).
	Statuses map[Status]int `json:"statuses"`
}

// ScanStatusError is the status of a run that could not be read.
const ScanStatusError Status = "error"

// A ScanEval is a run's best evaluation.
type ScanEval struct {
	Metric   string `json:"metric,omitempty"`
	Best     *Cited `json:"best,omitempty"`
	BestStep int64  `json:"best_step"` // -1 without eval
}

// A ScanRun is one row of a scan, taken from the run's report.
type ScanRun struct {
	// Path names the run as a user would type it (the scan root joined
	// with the run's folder); Rel is the folder relative to the root.
	Path string `json:"path"`
	Rel  string `json:"rel"`
	// Views lists the folders read together as views of one session
	// (several loggers' folders) when the folder that holds them holds
	// other runs too: 'plateau report' reads the run given all of them.
	// Path is then the first.
	Views   []string `json:"views,omitempty"`
	Name    string   `json:"name"`
	Family  Family   `json:"family"`
	Verdict Verdict  `json:"verdict"`
	// Metric is the report's primary metric and FinalLevel its final
	// level (the train loss's, as in the report, for a loss).
	Metric     string   `json:"metric"`
	FinalLevel *Derived `json:"final_level,omitempty"`
	Eval       ScanEval `json:"eval"`
	// CheckpointsRecommended is the report's recommendation.
	CheckpointsRecommended Recommendation `json:"checkpoints_recommended"`
	// Steps is the last step reached, Planned max_steps (0 when unknown).
	Steps   int64  `json:"steps"`
	Planned int64  `json:"planned_steps,omitempty"`
	Runtime *Cited `json:"runtime_seconds,omitempty"`
	// Problems are the report's findings of warning or error severity,
	// the most severe first.
	Problems []Finding `json:"problems"`
	// InputProblems counts the report's warnings: lines or records of the
	// run's files that could not be read.
	InputProblems int `json:"input_problems"`
	// Error says why the run could not be read (Verdict.Status is then
	// ScanStatusError).
	Error string `json:"error,omitempty"`
	// Report is the run's whole report, for renderers that link or
	// inline it.
	Report *Report `json:"-"`
}

// NewScanRun makes the row of an analysed run.
func NewScanRun(path, rel string, r *Report) ScanRun {
	sr := ScanRun{Path: path, Rel: rel, Name: r.Run.Name, Family: r.Run.Family, Verdict: r.Verdict,
		Metric: r.Primary, CheckpointsRecommended: r.CheckpointsRecommended, Steps: r.Run.LastStep,
		Planned: r.Run.MaxSteps, Runtime: r.Throughput.RuntimeSeconds, Problems: []Finding{}, InputProblems: len(r.Warnings), Report: r}
	sr.Eval.BestStep = -1
	if r.Eval.Present {
		sr.Eval = ScanEval{Metric: r.Eval.Metric, Best: r.Eval.Best, BestStep: r.Eval.BestStep}
	}
	switch {
	case (r.Primary == "" || r.Primary == "loss") && r.TrainLoss.FinalLevel != nil:
		sr.FinalLevel = r.TrainLoss.FinalLevel
	case r.Primary != "" && r.Data != nil:
		if c := finiteCurve(newAnalyzer(r.Data), r.Primary); c.len() > 0 {
			level, i0 := finalLevel(c, DefaultOptions)
			sr.FinalLevel = &Derived{Value: level, How: finalLevelDerivation(c, i0, DefaultOptions)}
		}
	}
	for _, f := range r.Findings {
		if f.Severity == SevWarning || f.Severity == SevError {
			sr.Problems = append(sr.Problems, f)
		}
	}
	sort.SliceStable(sr.Problems, func(i, j int) bool { return sr.Problems[i].Severity.Rank() < sr.Problems[j].Severity.Rank() })
	return sr
}

// ErrorScanRun makes the row of a run that could not be read.
func ErrorScanRun(path, rel, name string, err error) ScanRun {
	return ScanRun{Path: path, Rel: rel, Name: name, Verdict: Verdict{Status: ScanStatusError}, Eval: ScanEval{BestStep: -1},
		CheckpointsRecommended: Recommendation{Step: -1, Anomaly: -1, BestStep: -1}, Problems: []Finding{}, Error: err.Error()}
}

// StatusSeverity orders verdict statuses by how urgently a run needs a
// look: a run that could not be read first, then diverged, overfitting,
// stalled, insufficient data, improving and converged.
func StatusSeverity(status Status) int {
	switch status {
	case ScanStatusError:
		return 0
	case StatusDiverged:
		return 1
	case StatusOverfitting:
		return 2
	case StatusStalled:
		return 3
	case StatusInsufficientData:
		return 4
	case StatusImproving:
		return 5
	case StatusConverged:
		return 6
	}
	return 7
}

// NewScan makes a scan of rows, sorted by status severity, then by final
// level (the best first: lowest for a loss, highest for a metric where
// greater is better; runs without a level last), then by path.
func NewScan(root string, runs []ScanRun) *Scan {
	s := &Scan{Schema: ScanSchemaVersion, Root: root, Runs: append([]ScanRun{}, runs...), Statuses: map[Status]int{}}
	key := func(r ScanRun) float64 {
		if r.FinalLevel == nil || math.IsNaN(r.FinalLevel.Value) {
			return math.Inf(1)
		}
		if greaterIsBetter(r.Metric) {
			return -r.FinalLevel.Value
		}
		return r.FinalLevel.Value
	}
	sort.SliceStable(s.Runs, func(i, j int) bool {
		a, b := s.Runs[i], s.Runs[j]
		if sa, sb := StatusSeverity(a.Verdict.Status), StatusSeverity(b.Verdict.Status); sa != sb {
			return sa < sb
		}
		if ka, kb := key(a), key(b); ka != kb {
			return ka < kb
		}
		return a.Path < b.Path
	})
	for _, r := range s.Runs {
		s.Statuses[r.Verdict.Status]++
	}
	return s
}
