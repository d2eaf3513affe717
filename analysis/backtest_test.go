package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// The backtest of "can I stop now?" and of the forecast, the protocol of
// ../shared/tools/backtest.py in Go: every finished trainer_state.json of
// the corpus and the examples (global_step == max_steps, at least
// backtestMinPoints train losses) is cut at backtestCuts of its points, as
// if it were read live at that step, and run through the real pipeline
// (trainlog.Load, Analyze). What the verdict and the forecast said is
// compared with what the run did next (docs/methods.md, "Backtest").

var backtestCuts = []float64{0.3, 0.5, 0.7, 0.85}

const backtestMinPoints = 100

// A btPoint is one logged value of the judged series.
type btPoint struct {
	step int64
	v    float64
}

// btLevel is the mean and standard error of a window.
func btLevel(ps []btPoint) (m, se float64) {
	vs := make([]float64, len(ps))
	for i, p := range ps {
		vs[i] = p.v
	}
	m = stats.Mean(vs)
	if len(vs) > 1 {
		se = stats.StdDev(vs) / math.Sqrt(float64(len(vs)))
	}
	return m, se
}

// A btCut is the outcome of one cut.
type btCut struct {
	run      string
	frac     float64
	step     int64
	status   Status
	rule     Rule
	fall     float64 // relative fall of the level after the cut
	prem     bool    // converged, and the loss still fell materially
	missed   bool    // improving, and the loss fell less than 1%
	forecast bool    // the forecast could be checked
	covered  bool    // its 80% range held the observed gain
	relErr   float64 // |expected - observed| / level
	obs      float64
	gain     float64
	lo, hi   float64
}

// A btSummary tallies the cuts.
type btSummary struct {
	runs, pairs, cuts, converged, improving, other, premature, missed, forecasts, covered int
	medianFall, medianErr                                                                 float64
}

func (s btSummary) String() string {
	pairs := ""
	if s.pairs > 0 {
		pairs = fmt.Sprintf(" (and %d live cut%s)", s.pairs, map[bool]string{true: "s"}[s.pairs > 1])
	}
	return fmt.Sprintf("backtest: %d runs%s, %d cuts; converged %d (premature %d, median later fall %.1f%%), improving %d (later fall < 1%%: %d), other %d; forecast interval covered %d/%d, median error %.1f%% of level",
		s.runs, pairs, s.cuts, s.converged, s.premature, s.medianFall, s.improving, s.missed, s.other, s.covered, s.forecasts, s.medianErr)
}

// nonFiniteRE matches the bare non-finite tokens Python's json.dump
// writes, as values.
var nonFiniteRE = regexp.MustCompile(`([:\[,]\s*)(NaN|-Infinity|Infinity)\b`)

// readState decodes a trainer_state.json, keeping numbers as written and
// the bare NaN/Infinity tokens as marked strings (restored by
// writeState).
func readState(data []byte) (map[string]any, error) {
	data = nonFiniteRE.ReplaceAll(data, []byte(`$1"`+nonFiniteMark+`$2"`))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var d map[string]any
	return d, dec.Decode(&d)
}

func writeState(d map[string]any) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return markedRE.ReplaceAll(b, []byte("$1")), nil
}

// nonFiniteMark marks a non-finite token kept as a string.
const nonFiniteMark = "plateau-backtest-non-finite:"

var markedRE = regexp.MustCompile(`"` + nonFiniteMark + `(NaN|-Infinity|Infinity)"`)

func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func intStep(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// cutState returns the state as if read at step t.
func cutState(d map[string]any, t int64) map[string]any {
	c := make(map[string]any, len(d))
	for k, v := range d {
		c[k] = v
	}
	hist, _ := d["log_history"].([]any)
	var kept []any
	var epoch any
	for _, e := range hist {
		m, _ := e.(map[string]any)
		if s, ok := intStep(m["step"]); ok && s > t {
			continue
		}
		kept = append(kept, e)
		if _, ok := num(m["epoch"]); ok {
			epoch = m["epoch"]
		}
	}
	c["log_history"] = kept
	c["global_step"] = json.Number(strconv.FormatInt(t, 10))
	if epoch != nil {
		c["epoch"] = epoch
	}
	if bs, ok := d["best_model_checkpoint"].(string); ok {
		if i := strings.LastIndex(strings.TrimRight(bs, "/"), "-"); i >= 0 {
			if n, err := strconv.ParseInt(strings.TrimRight(bs, "/")[i+1:], 10, 64); err == nil && n > t {
				c["best_model_checkpoint"], c["best_metric"], c["best_global_step"] = nil, nil, nil
			}
		}
	}
	if sc, ok := d["stateful_callbacks"].(map[string]any); ok {
		sc2 := map[string]any{}
		for k, v := range sc {
			sc2[k] = v
		}
		if tc, ok := sc["TrainerControl"].(map[string]any); ok {
			tc2 := map[string]any{}
			for k, v := range tc {
				tc2[k] = v
			}
			if args, ok := tc["args"].(map[string]any); ok {
				a2 := map[string]any{}
				for k, v := range args {
					a2[k] = v
				}
				a2["should_training_stop"] = false
				tc2["args"] = a2
			}
			sc2["TrainerControl"] = tc2
		}
		c["stateful_callbacks"] = sc2
	}
	return c
}

// A btRun is a finished run's judged series, read from its
// trainer_state.json.
type btRun struct {
	name  string
	state map[string]any
	pts   []btPoint
}

// readBacktestRun reads a finished run with at least minPoints train
// losses; it returns nil when the run does not qualify.
func readBacktestRun(t *testing.T, path string, minPoints int) *btRun {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	d, err := readState(data)
	if err != nil {
		t.Logf("%s: %v", path, err)
		return nil
	}
	hist, _ := d["log_history"].([]any)
	var pts, evals []btPoint
	for _, e := range hist {
		m, _ := e.(map[string]any)
		s, ok := intStep(m["step"])
		if !ok {
			continue
		}
		if v, ok := num(m["loss"]); ok {
			pts = append(pts, btPoint{s, v})
		}
		if v, ok := num(m["eval_loss"]); ok {
			evals = append(evals, btPoint{s, v})
		}
	}
	gs, ok1 := intStep(d["global_step"])
	ms, ok2 := intStep(d["max_steps"])
	if len(pts) < minPoints || !ok1 || !ok2 || ms == 0 || gs != ms {
		return nil
	}
	if len(evals) >= 20 { // judged on eval where the run evaluates often enough to show a trend
		pts = evals
	}
	return &btRun{name: runName(path), state: d, pts: pts}
}

// backtestRun cuts one finished run; it returns nil when the run does not
// qualify.
func backtestRun(t *testing.T, path string) []btCut {
	t.Helper()
	br := readBacktestRun(t, path, backtestMinPoints)
	if br == nil {
		return nil
	}
	n := len(br.pts)
	w := max(3, n/20)
	var out []btCut
	for _, f := range backtestCuts {
		k := int(f * float64(n))
		if k < 2*w || n-k < w || k < 8 {
			continue
		}
		out = append(out, judgeCut(t, br.name, f, Analyze(loadCut(t, br, br.name, br.pts[k-1].step), DefaultOptions), br.pts, k))
	}
	return out
}

// judgeCut compares what report r, read at the k-th point of pts (the
// whole finished run's judged series), said with what the run did next.
func judgeCut(t *testing.T, name string, f float64, r *Report, pts []btPoint, k int) btCut {
	t.Helper()
	n := len(pts)
	w := max(3, n/20)
	endM, endSE := btLevel(pts[n-w:])
	startM, _ := btLevel(pts[:w])
	T := pts[k-1].step
	if os.Getenv("PLATEAU_DEBUG") != "" {
		t.Logf("%s cut %.2f: %+v\n    %s", name, f, r.Verdict.Reason, debugLine(r))
	}
	tm, tse := btLevel(pts[k-w : k])
	c := btCut{run: name, frac: f, step: T, status: r.Verdict.Status, rule: r.Verdict.Reason.Rule}
	if tm != 0 {
		c.fall = (tm - endM) / math.Abs(tm)
	}
	beyond := tm-endM > 3*math.Hypot(tse, endSE)
	c.prem = c.status == StatusConverged && c.fall > 0.05 && beyond && tm-endM > 0.01*math.Abs(startM)
	c.missed = c.status == StatusImproving && c.fall < 0.01
	if a := r.AnotherEpoch; a != nil && a.Available && a.HorizonSteps > 0 && T+a.HorizonSteps <= pts[n-1].step {
		h := a.HorizonSteps
		width := pts[k-1].step - pts[k-w].step
		var after []btPoint
		for _, p := range pts {
			if p.step >= T+h-width && p.step <= T+h {
				after = append(after, p)
			}
		}
		if len(after) >= 3 {
			hm, _ := btLevel(after)
			c.forecast = true
			c.obs = tm - hm
			c.gain, c.lo, c.hi = a.ExpectedGain, a.GainLow, a.GainHigh
			c.covered = math.Min(c.lo, c.hi) <= c.obs && c.obs <= math.Max(c.lo, c.hi)
			if tm != 0 {
				c.relErr = math.Abs(a.ExpectedGain-c.obs) / math.Abs(tm)
			}
		}
	}
	return c
}

// backtestPair judges a real live cut, a run stopped part-way (its own
// folder, as written when it stopped: console, TensorBoard events,
// checkpoints), against the finished run of the same configuration and
// seed (testdata/runs/README.md: identical at every common step). It
// returns nil when the finished run does not qualify.
func backtestPair(t *testing.T, cutDir, fullState string) []btCut {
	t.Helper()
	full := readBacktestRun(t, fullState, minVerdictPoints)
	if full == nil {
		return nil
	}
	run, err := trainlog.Load([]string{cutDir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("%s: %v", cutDir, err)
	}
	r := Analyze(run, DefaultOptions)
	last := r.Run.LastStep
	k := sort.Search(len(full.pts), func(i int) bool { return full.pts[i].step > last })
	n := len(full.pts)
	if k < 2*max(3, n/20) || n-k < max(3, n/20) {
		return nil
	}
	return []btCut{judgeCut(t, runName(filepath.Join(cutDir, "x")), float64(k)/float64(n), r, full.pts, k)}
}

// runName names a run by the folder of its file: the folder's name, or
// its path under testdata/runs.
func runName(path string) string {
	dir := filepath.Dir(path)
	if rel, err := filepath.Rel(realRunsDir, dir); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(dir)
}

// runBacktest cuts every qualifying run of the corpus and the examples.
func runBacktest(t *testing.T) ([]btCut, btSummary) {
	t.Helper()
	corpus := corpusDir(t)
	var paths []string
	for _, dir := range []string{corpus, filepath.Join(corpus, "..", "examples")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() {
				paths = append(paths, filepath.Join(dir, e.Name(), "trainer_state.json"))
			}
		}
	}
	sort.Strings(paths)
	return tallyCuts(t, paths, nil)
}

// runRealBacktest cuts the finished runs of testdata/runs and judges its
// real live cuts against their finished runs.
func runRealBacktest(t *testing.T) ([]btCut, btSummary) {
	t.Helper()
	// The root trainer_state.json of each run folder (save_state after
	// train returned), not its checkpoints'.
	var paths []string
	err := filepath.WalkDir(realRunsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "checkpoint-") {
			return filepath.SkipDir
		}
		if d.Name() == "trainer_state.json" {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	pairs := [][2]string{
		{filepath.Join(realRunsDir, "cut_pair", "cut55"), filepath.Join(realRunsDir, "cut_pair", "full", "trainer_state.json")},
		{filepath.Join(realRunsDir, "cut_pair_improving", "cut55"), filepath.Join(realRunsDir, "cut_pair_improving", "full", "trainer_state.json")},
	}
	return tallyCuts(t, paths, pairs)
}

// tallyCuts cuts the runs of paths, judges the live cuts of pairs (cut
// folder, finished run) and adds up the outcomes.
func tallyCuts(t *testing.T, paths []string, pairs [][2]string) ([]btCut, btSummary) {
	t.Helper()
	var cuts []btCut
	var s btSummary
	var falls, errs []float64
	add := func(cs []btCut) {
		for _, c := range cs {
			s.cuts++
			switch c.status {
			case StatusConverged:
				s.converged++
				falls = append(falls, 100*c.fall)
			case StatusImproving:
				s.improving++
			default:
				s.other++
			}
			if c.prem {
				s.premature++
			}
			if c.missed {
				s.missed++
			}
			if c.forecast {
				s.forecasts++
				errs = append(errs, 100*c.relErr)
				if c.covered {
					s.covered++
				}
			}
		}
		cuts = append(cuts, cs...)
	}
	for _, p := range paths {
		if cs := backtestRun(t, p); cs != nil {
			s.runs++
			add(cs)
		}
	}
	for _, pr := range pairs {
		if cs := backtestPair(t, pr[0], pr[1]); cs != nil {
			s.pairs++
			add(cs)
		}
	}
	if len(falls) > 0 {
		s.medianFall = stats.Median(falls)
	}
	if len(errs) > 0 {
		s.medianErr = stats.Median(errs)
	}
	return cuts, s
}

// TestBacktest runs the backtest and holds it to its targets: no
// premature "converged" call, fewer "improving" calls followed by a fall
// under 1% than before this procedure (6 of 47 cuts), and 80% forecast
// ranges that hold the outcome 70-90% of the time. The other bounds
// guard against a regression of the figures in docs/methods.md (12 runs,
// 47 cuts; 21 converged, 0 premature; 4 improving calls followed by a
// fall under 1%; 28 of 38 ranges held, median error 5.2% of the level;
// 27 and 6.7% before the forecast was held to the verdict,
// docs/methods.md, "Forecast and verdict").
func TestBacktest(t *testing.T) {
	cuts, s := runBacktest(t)
	t.Log(backtestTable(cuts, s))
	if s.runs < 10 {
		t.Fatalf("%d runs qualified, want at least 10: %s", s.runs, s)
	}
	if s.premature > 0 {
		t.Errorf("%d premature converged calls, want 0", s.premature)
	}
	if s.missed > 4 {
		t.Errorf("%d improving calls followed by a fall under 1%%, want at most 4 (6 before)", s.missed)
	}
	if s.converged < 18 {
		t.Errorf("%d converged calls, want at least 18: a decision that never stops avoids premature stops", s.converged)
	}
	if s.forecasts < 34 {
		t.Errorf("%d forecasts checked, want at least 34", s.forecasts)
	}
	if cov := float64(s.covered) / float64(max(1, s.forecasts)); cov < 0.7 || cov > 0.9 {
		t.Errorf("80%% ranges covered %d/%d (%.0f%%), want 70-90%%", s.covered, s.forecasts, 100*cov)
	}
}

// TestBacktestRealRuns runs the backtest on the real runs of
// testdata/runs: the finished runs cut at backtestCuts, and the two real
// live cuts (a run stopped by Ctrl-C at 55% of its steps, read from its
// own folder) judged against their finished runs. Two cuts at 30% are
// premature by the protocol's measure and kept as such: the multi-epoch
// runs sit flat at 3.2 (the alphabet known, the mapping not yet) for
// four epochs while the rate is still high, then fall again; nothing in
// the log before the cut foretells the second descent
// (docs/methods.md, "Backtest"). The bounds guard the figures measured
// when docs/methods.md was last updated.
func TestBacktestRealRuns(t *testing.T) {
	cuts, s := runRealBacktest(t)
	t.Log(backtestTable(cuts, s))
	if s.runs < 7 || s.pairs != 2 {
		t.Fatalf("%d runs and %d live cuts qualified, want 7 and 2: %s", s.runs, s.pairs, s)
	}
	if s.premature > 2 {
		t.Errorf("%d premature converged calls, want at most the 2 second descents", s.premature)
	}
	if s.missed > 0 {
		t.Errorf("%d improving calls followed by a fall under 1%%, want 0", s.missed)
	}
	if s.converged < 16 {
		t.Errorf("%d converged calls, want at least 16", s.converged)
	}
	for _, c := range cuts {
		if strings.Contains(c.run, "/cut55") {
			want := map[string]Status{"cut_pair/cut55": StatusConverged, "cut_pair_improving/cut55": StatusImproving}[c.run]
			if c.status != want || c.prem || c.missed {
				t.Errorf("live cut %s: %s (premature %v, missed %v), want %s", c.run, c.status, c.prem, c.missed, want)
			}
		}
	}
	if cov := float64(s.covered) / float64(max(1, s.forecasts)); cov < 0.7 || cov > 0.95 {
		t.Errorf("80%% ranges covered %d/%d (%.0f%%), want 70-95%%", s.covered, s.forecasts, 100*cov)
	}
}

// backtestTable lays out the cuts and the summary.
func backtestTable(cuts []btCut, s btSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-42s %5s %7s  %-17s %-26s %8s  %s\n", "run", "cut", "step", "status", "rule", "fall", "forecast: gain [80% range] vs observed")
	for _, c := range cuts {
		fc := ""
		if c.forecast {
			fc = fmt.Sprintf("%.4g [%.4g, %.4g] vs %.4g", c.gain, c.lo, c.hi, c.obs)
			if !c.covered {
				fc += " MISSED"
			}
		}
		mark := ""
		switch {
		case c.prem:
			mark = " PREMATURE"
		case c.missed:
			mark = " (fell < 1%)"
		}
		fmt.Fprintf(&b, "%-42s %5.2f %7d  %-17s %-26s %+7.1f%%  %s%s\n", trim(c.run, 42), c.frac, c.step, c.status, c.rule, 100*c.fall, fc, mark)
	}
	fmt.Fprintf(&b, "%s\n", s)
	return b.String()
}

// loadCut writes br's trainer_state.json cut at step T, as if read live
// at that step, to a temporary folder and loads it as a run.
func loadCut(t *testing.T, br *btRun, name string, T int64) *trainlog.Run {
	t.Helper()
	dir := t.TempDir()
	b, err := writeState(cutState(br.state, T))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trainer_state.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("%s cut at %d: %v", name, T, err)
	}
	return run
}
