package analysis

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestEvalDecides checks the verdict of runs with evaluations: a steadily
// falling eval series makes a run improving whatever its flat, noisy
// train curve says; one that flattens over its last evaluations leaves
// the verdict to the train curve (converged here); a steady decline is
// improving.
func TestEvalDecides(t *testing.T) {
	tiny := []float64{1.622, 1.422, 1.357, 1.3, 1.251, 1.205, 1.176, 1.154, 1.14, 1.13, 1.126, 1.123, 1.122, 1.122}
	tests := []struct {
		name      string
		n, every  int
		evals     func(k int) float64
		unplanned bool // no max_steps and no summary: may not have finished
		status    Status
		rule      Rule
	}{
		{"falling eval decides for a noisy train curve", 2000, 200, func(k int) float64 { return 4.2 - 0.06*float64(k) }, true,
			StatusImproving, RuleEvalImproving},
		{"flattening at the end", 2800, 200, func(k int) float64 { return tiny[k-1] }, false,
			StatusConverged, ""},
		{"steady decline", 2800, 200, func(k int) float64 { return 2 - 0.03*float64(k) }, false,
			StatusImproving, RuleEvalImproving},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := synRun(synSpec{n: tt.n, stepsPerEpoch: float64(tt.n) / 2, completed: !tt.unplanned, evalEvery: tt.every, eval: tt.evals,
				series: map[string]func(int) float64{
					"loss": noisy(21, 0.3, func(s int) float64 { return 3 + 0.5*math.Exp(-float64(s)/500) })}})
			if tt.unplanned {
				delete(run.Geometry, trainlog.GeoMaxSteps)
			}
			v := Analyze(run, DefaultOptions).Verdict
			if v.Status != tt.status || (tt.rule != "" && v.Reason.Rule != tt.rule) {
				t.Errorf("verdict %s: %+v\nwant %s by rule %q", v.Status, v.Reason, tt.status, tt.rule)
			}
		})
	}
}

// TestPracticalMargins checks the practical-size rule: a relative change
// for ordinary metrics, a change of the implied preference probability
// for margins.
func TestPracticalMargins(t *testing.T) {
	tests := []struct {
		name          string
		level, change float64
		want          bool
	}{
		{"loss", 2, -0.03, true},
		{"loss", 2, -0.01, false},
		{"rewards/margins", 0.003, 0.0006, false}, // sigmoid moves by 0.015 points
		{"rewards/margins", 0.003, 0.05, true},    // about 1.2 points
		{"rewards/margins", 4, 0.1, false},        // saturated preference
		{"eval_rewards/margins", 0, -0.05, true},
	}
	for _, tt := range tests {
		if got := practical(tt.name, tt.level, tt.change, DefaultOptions); got != tt.want {
			t.Errorf("practical(%s, %g, %+g) = %v, want %v", tt.name, tt.level, tt.change, got, tt.want)
		}
	}
	g := practicalGain("rewards/margins", 0, true, DefaultOptions)
	if p := sigmoid(g) - 0.5; math.Abs(p-DefaultOptions.PlateauRel) > 1e-9 {
		t.Errorf("practical gain %g moves sigmoid by %g, want %g", g, p, DefaultOptions.PlateauRel)
	}
	if g := practicalGain("loss", 2, false, DefaultOptions); g != 0.02 {
		t.Errorf("practical gain of a loss at 2 = %g, want 0.02", g)
	}
}

// TestPreferenceBarelyLearned checks that tiny margins with a
// non-significant end are a stall, not improvement, and that healthy
// margins are not.
func TestPreferenceBarelyLearned(t *testing.T) {
	tests := []struct {
		name    string
		margins func(s int) float64
		stalled bool
	}{
		{"tiny margins", func(s int) float64 { return 0.001 + 0.002*(1-math.Exp(-float64(s)/100)) }, true},
		{"margins learned", func(s int) float64 { return 0.05 + 3*(1-math.Exp(-float64(s)/150)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := synRun(synSpec{n: 400, stepsPerEpoch: 200, completed: true, series: map[string]func(int) float64{
				"loss":               noisy(31, 0.05, func(s int) float64 { return math.Log1p(math.Exp(-tt.margins(s))) }),
				"rewards/margins":    noisy(32, 0.2, tt.margins),
				"rewards/chosen":     func(int) float64 { return 0 },
				"rewards/accuracies": func(s int) float64 { return float64(2+s%3) / 4 },
				"learning_rate":      cosineLR(400)}})
			run.Summary["eval_rewards/accuracies"] = trainlog.Value{Key: "eval_rewards/accuracies", Value: 0.56, Source: trainlog.Source{File: "all_results.json", Frag: "eval_rewards/accuracies"}}
			r := Analyze(run, DefaultOptions)
			if r.Primary != "rewards/margins" {
				t.Fatalf("primary %q, want rewards/margins", r.Primary)
			}
			got := r.Verdict.Status == StatusStalled
			if got != tt.stalled {
				t.Fatalf("verdict %s: %+v; stalled want %v", r.Verdict.Status, r.Verdict.Reason, tt.stalled)
			}
			if p := r.Evidence.Preference; tt.stalled && (p == nil || p.EvalAccuracy != 0.56 || math.Abs(p.EndProbability-0.5) > 0.01) {
				t.Errorf("preference facts %+v: want the held-out accuracy 0.56 and a probability near 50%%", p)
			}
		})
	}
}
