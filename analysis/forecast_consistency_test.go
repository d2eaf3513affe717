package analysis

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// consistencyCuts are the fractions of a finished run at which the
// consistency test reads it as if live: the backtest's and 90%.
var consistencyCuts = []float64{0.3, 0.5, 0.7, 0.85, 0.9}

// consistencyMinPoints is the fewest train losses a finished run needs
// to be cut (fewer than the backtest's: the test checks the pair, not
// the outcome).
const consistencyMinPoints = 40

// A consCase is one report the forecast consistency test reads: a run of
// the examples, the corpus or testdata/runs, or a cut of one.
type consCase struct {
	name string
	r    *Report
}

// consistencyCases analyses every example, every corpus run (each
// discovered run and each labelled file), every run of testdata/runs,
// the seed reconstruction, and every finished trainer_state.json among
// them cut at consistencyCuts.
func consistencyCases(t *testing.T) []consCase {
	t.Helper()
	corpus := corpusDir(t)
	var out []consCase
	seen := map[string]bool{}
	add := func(name string, paths []string) {
		if seen[name] {
			return
		}
		seen[name] = true
		run, err := trainlog.Load(paths, trainlog.LoadOptions{})
		var many *trainlog.ManyRunsError
		if errors.As(err, &many) || run == nil || (len(run.Series) == 0 && len(run.Summary) == 0) {
			return
		}
		out = append(out, consCase{name, Analyze(run, DefaultOptions)})
	}
	examples := filepath.Join(corpus, "..", "examples")
	for _, dir := range []string{examples, corpus, realRunsDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			d, err := trainlog.Discover(p, trainlog.DiscoverOptions{})
			if err != nil || d == nil {
				continue
			}
			for _, rd := range d.Runs {
				rp := filepath.Join(p, filepath.FromSlash(rd.Rel))
				add(consName(rp), []string{rp})
			}
		}
	}
	for _, l := range readLabels(t, filepath.Join(corpus, "labels.tsv")) {
		p := filepath.Join(corpus, l.run, l.file)
		add(consName(p), []string{p})
	}
	out = append(out, consCase{"seed", seedReport(t)})

	var states []string
	for _, dir := range []string{corpus, examples, realRunsDir} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), "checkpoint-") {
				return filepath.SkipDir
			}
			if d.Name() == "trainer_state.json" {
				states = append(states, p)
			}
			return nil
		})
	}
	sort.Strings(states)
	for _, p := range states {
		br := readBacktestRun(t, p, consistencyMinPoints)
		if br == nil {
			continue
		}
		n := len(br.pts)
		for _, f := range consistencyCuts {
			k := int(f * float64(n))
			if k < 8 || k >= n {
				continue
			}
			T := br.pts[k-1].step
			run := loadCut(t, br, p, T)
			out = append(out, consCase{fmt.Sprintf("%s@%d (%.0f%%)", consName(p), T, 100*f), Analyze(run, DefaultOptions)})
		}
	}
	return out
}

// consName names a run by its path under the corpus, the examples or
// testdata/runs.
func consName(p string) string {
	p = filepath.ToSlash(filepath.Clean(p))
	for _, marker := range []string{"/corpus/", "/examples/", "testdata/runs/"} {
		if i := strings.Index(p, marker); i >= 0 {
			return strings.TrimSuffix(p[i+len(marker):], "/trainer_state.json")
		}
	}
	return p
}

// forecastContradiction says how a report's verdict and its forecast
// contradict each other, or "" (docs/methods.md, "Forecast and
// verdict"):
//   - a forecast for a run that diverged or has too little data;
//   - a converged or stalled run forecast an improvement beyond the
//     practical margin at the forecast's horizon (not the gain of more
//     training under a new schedule after an annealed one: headroom);
//   - an improving run forecast no change (an expected gain within the
//     margin, or worse);
//   - an expected gain outside its own 80% range.
func forecastContradiction(r *Report) string {
	a, st := r.AnotherEpoch, r.Verdict.Status
	if a == nil || !a.Available {
		return ""
	}
	lv := math.Abs(a.LastValue)
	tol := 1e-9 * math.Max(lv, math.Abs(a.Margin))
	headroom := a.Kind == ForecastMoreTraining && a.Annealed
	switch {
	case withheldStatus(st):
		return fmt.Sprintf("%s, yet a forecast of %+.3g", st, a.ExpectedGain)
	case (st == StatusConverged || st == StatusStalled) && !headroom && a.ExpectedGain > a.Margin+tol:
		return fmt.Sprintf("%s, yet the forecast gains %.3g (%.1f%% of the level), beyond the margin %.3g", st, a.ExpectedGain, 100*a.ExpectedGain/lv, a.Margin)
	case st == StatusImproving && !(a.ExpectedGain > a.Margin):
		return fmt.Sprintf("improving, yet the forecast gains %.3g, within the margin %.3g", a.ExpectedGain, a.Margin)
	case a.ExpectedGain < min(a.GainLow, a.GainHigh)-tol || a.ExpectedGain > max(a.GainLow, a.GainHigh)+tol:
		return fmt.Sprintf("expected gain %.3g outside its range %.3g to %.3g", a.ExpectedGain, a.GainLow, a.GainHigh)
	}
	return ""
}

// TestForecastConsistency: on every example, corpus run, real run of
// testdata/runs, the seed, and cuts at 30-90% of every finished run, the
// verdict and the forecast never contradict each other (see
// forecastContradiction). PLATEAU_DEBUG=1 logs every pair.
func TestForecastConsistency(t *testing.T) {
	cases := consistencyCases(t)
	bad, given := 0, 0
	statuses := map[Status]int{}
	for _, c := range cases {
		a := c.r.AnotherEpoch
		statuses[c.r.Verdict.Status]++
		line := fmt.Sprintf("%-60s %-17s %-24s", c.name, c.r.Verdict.Status, c.r.Verdict.Reason.Rule)
		if a != nil && a.Available {
			given++
			lv := math.Abs(a.LastValue)
			line += fmt.Sprintf(" gain %+6.1f%% [%+6.1f, %+6.1f] margin %4.1f%% %s h=%d %s", 100*a.ExpectedGain/lv, 100*a.GainLow/lv, 100*a.GainHigh/lv, 100*a.Margin/lv, a.Basis, a.HorizonSteps, a.Kind)
		} else if a != nil {
			line += " no forecast: " + string(a.Missing)
		}
		if why := forecastContradiction(c.r); why != "" {
			bad++
			t.Errorf("%s: %s", c.name, why)
		}
		if os.Getenv("PLATEAU_DEBUG") != "" {
			t.Log(line)
		}
	}
	t.Logf("%d reports (%v), %d forecasts, %d contradictions", len(cases), statuses, given, bad)
	// The test must see both statuses the rules are about, with
	// forecasts, or it proves nothing.
	if len(cases) < 150 || statuses[StatusConverged] < 40 || statuses[StatusImproving] < 30 || given < 80 {
		t.Errorf("%d reports, %d forecasts, statuses %v: want at least 150 reports, 80 forecasts, 40 converged and 30 improving", len(cases), given, statuses)
	}
}

// TestForecastContradictionRules: each rule of forecastContradiction on
// a hand-made pair, so that the consistency test can fail.
func TestForecastContradictionRules(t *testing.T) {
	fc := func(st Status, gain, lo, hi float64, kind ForecastKind, annealed bool) *Report {
		return &Report{Verdict: Verdict{Status: st}, AnotherEpoch: &AnotherEpoch{Available: true, Kind: kind, Annealed: annealed,
			ExpectedGain: gain, GainLow: lo, GainHigh: hi, Margin: 0.01, LastValue: 1}}
	}
	for _, tc := range []struct {
		name string
		r    *Report
		bad  bool
	}{
		{"converged within the margin", fc(StatusConverged, 0.01, -0.02, 0.05, ForecastRestOfRun, false), false},
		{"converged beyond the margin", fc(StatusConverged, 0.48, 0.1, 0.6, ForecastRestOfRun, false), true},
		{"converged, new schedule headroom", fc(StatusConverged, 0.05, 0.01, 0.08, ForecastMoreTraining, true), false},
		{"converged, no annealing: not headroom", fc(StatusConverged, 0.05, 0.01, 0.08, ForecastMoreTraining, false), true},
		{"improving with a gain", fc(StatusImproving, 0.02, -0.01, 0.03, ForecastRestOfRun, false), false},
		{"improving with a gain within the margin", fc(StatusImproving, 0.005, -0.01, 0.02, ForecastRestOfRun, false), true},
		{"improving with no gain", fc(StatusImproving, 0, -0.01, 0.02, ForecastRestOfRun, false), true},
		{"stalled, no change", fc(StatusStalled, 0, -0.01, 0.01, ForecastRestOfRun, false), false},
		{"stalled, forecast a gain", fc(StatusStalled, 0.05, 0.02, 0.08, ForecastRestOfRun, false), true},
		{"diverged with a forecast", fc(StatusDiverged, 0, -0.01, 0.01, ForecastRestOfRun, false), true},
		{"gain outside its range", fc(StatusImproving, 0.5, 0.01, 0.02, ForecastRestOfRun, false), true},
	} {
		if got := forecastContradiction(tc.r) != ""; got != tc.bad {
			t.Errorf("%s: contradiction %v, want %v", tc.name, got, tc.bad)
		}
	}
}
