package analysis

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// A ruleCase is one row of the decision table: a small synthetic run and
// the rule (and status) decide must reach on it.
type ruleCase struct {
	rule   Rule
	status Status
	run    func(t testing.TB) *Report
}

// synth analyses a generated run.
func synth(s synthRun) func(testing.TB) *Report {
	return func(t testing.TB) *Report { return s.analyze(t) }
}

// memory analyses a run built in memory (for runs no log file holds).
func memory(build func() *trainlog.Run) func(testing.TB) *Report {
	return func(testing.TB) *Report { return Analyze(build(), DefaultOptions) }
}

// ruleCases has one row per rule of decide, in its order. Each curve is
// the simplest run the rule is for, with realistic noise.
func ruleCases() []ruleCase {
	const n = 400
	return []ruleCase{
		{RuleNoData, StatusInsufficientData, memory(func() *trainlog.Run { return trainlog.NewRun("empty") })},
		{RuleSummaryOnly, StatusInsufficientData, memory(func() *trainlog.Run {
			run := trainlog.NewRun("summary")
			run.Summary["train_loss"] = trainlog.Value{Key: "train_loss", Value: 0.8, Source: trainlog.Source{File: "wandb-summary.json", Frag: "train_loss"}}
			return run
		})},
		{RuleTooFewPoints, StatusInsufficientData, synth(synthRun{points: 8, every: 10, curve: expDecay(3, 1, 3), noise: 0.02, seed: 1})},
		// The learning rate still rises at the last log.
		{RuleStoppedInWarmup, StatusInsufficientData, synth(synthRun{points: n, every: 5, stopAt: 0.08, curve: expDecay(3, 1, 3), noise: 0.02, lr: warmupConst(0.1), seed: 2})},
		{RuleStoppedAtStart, StatusInsufficientData, synth(synthRun{points: 1000, every: 1, stopAt: 0.03, curve: expDecay(3, 1, 3), noise: 0.02, lr: constSched, seed: 3})},
		{RuleNonFinite, StatusDiverged, synth(synthRun{points: n, every: 5, curve: func(p float64) float64 {
			if p > 0.99 {
				return math.NaN()
			}
			return expDecay(3, 1, 5)(p)
		}, noise: 0.02, lr: linearSched, seed: 4})},
		// The NaN filter logs 0.0 where every step of the window was NaN.
		{RuleNaNWindows, StatusDiverged, synth(synthRun{points: n, every: 5, curve: func(p float64) float64 {
			if p > 0.95 {
				return 0
			}
			return expDecay(3, 1, 5)(p)
		}, noise: 0.02, lr: linearSched, seed: 5, extra: map[string]func(float64, int) float64{"grad_norm": func(p float64, _ int) float64 {
			if p > 0.95 {
				return math.NaN()
			}
			return 0.8
		}}})},
		// Labels all masked: loss and gradient exactly 0 at every log.
		{RuleNoSignal, StatusStalled, synth(synthRun{points: n, every: 5, curve: func(float64) float64 { return 0 }, lr: linearSched, seed: 6,
			extra: map[string]func(float64, int) float64{"grad_norm": func(float64, int) float64 { return 0 }}})},
		// Falls, then blows up to three times its best and stays there.
		{RuleWorseThanBest, StatusDiverged, synth(synthRun{points: n, every: 5, curve: func(p float64) float64 {
			if p > 0.6 {
				return 3
			}
			return expDecay(3, 1, 8)(p)
		}, noise: 0.03, ar: 0.3, lr: constSched, seed: 7})},
		// The eval loss bottoms at 40% of the run and climbs back.
		{RuleEvalWorse, StatusOverfitting, synth(synthRun{points: n, every: 5, curve: expDecay(3, 0.3, 6), noise: 0.02, lr: linearSched, seed: 8,
			evalEvery: 20, eval: func(k int, p float64) float64 { return 1 + 0.5*(p-0.4)*(p-0.4) }})},
		{RuleNeverImproved, StatusStalled, synth(synthRun{points: n, every: 5, curve: func(float64) float64 { return 2.3 }, noise: 0.08, ar: 0.2, lr: cosineSched, seed: 9})},
		// Falling steadily at a constant rate until the rate decays to ~0
		// at 90% of the run, where the loss stops.
		{RuleStoppedBySchedule, StatusImproving, synth(synthRun{points: 1000, every: 2, curve: func(p float64) float64 {
			return 1 + 2*math.Exp(-3*decayArea(p))
		}, noise: 0.005, lr: decaySched, seed: 10})},
		// A flat, noisy train loss; the eval loss still falls steadily.
		{RuleEvalImproving, StatusImproving, synth(synthRun{points: n, every: 5, curve: expDecay(3, 2, 20), noise: 0.05, lr: constSched, seed: 11,
			evalEvery: 20, eval: func(k int, p float64) float64 { return 3 - 0.8*p }})},
		{RuleFlatWithinMargin, StatusConverged, synth(synthRun{points: 2000, every: 1, curve: expDecay(3, 1, 10), noise: 0.01, lr: constSched, seed: 12})},
		{RuleStillImproving, StatusImproving, synth(synthRun{points: 2000, every: 1, curve: func(p float64) float64 { return 1 + 5*math.Pow(1+200*p, -0.5) }, noise: 0.005, lr: constSched, seed: 13})},
		// About 3% lower every fifth, with a final segment too short and
		// noisy to be significant on its own.
		{RuleFifthsImproving, StatusImproving, synth(synthRun{points: 60, every: 10, curve: func(p float64) float64 { return 2 * math.Exp(-0.16*p) }, noise: 0.015, ar: 0.3, lr: constSched, seed: 14})},
		// Saturated: the last fifth's level, more precise than the final
		// segment's slope, shows the change is within the margin.
		{RuleDiminishing, StatusConverged, synth(synthRun{points: 500, every: 4, curve: expDecay(3, 1, 12), noise: 0.02, lr: constSched, seed: 2})},
		// A short, noisy train curve that cannot tell; the eval loss has
		// flattened.
		{RuleEvalFlat, StatusConverged, synth(synthRun{points: 40, every: 25, curve: expDecay(3, 2, 4), noise: 0.08, ar: 0.4, lr: constSched, seed: 16,
			evalEvery: 5, eval: func(k int, p float64) float64 { return 2.5 + 0.001*math.Sin(float64(k)) }})},
		{RuleInconclusiveImproving, StatusImproving, synth(synthRun{points: 30, every: 10, curve: func(p float64) float64 { return 2 * math.Exp(-0.3*p) }, noise: 0.06, ar: 0.4, lr: constSched, seed: 17})},
		{RuleInconclusiveFlat, StatusConverged, synth(synthRun{points: 40, every: 10, curve: expDecay(3, 2, 8), noise: 0.06, ar: 0.3, lr: constSched, seed: 3})},
	}
}

// decaySched is constant, then decays exponentially to ~0 from 90% of
// the steps; decayArea is its cumulative rate in units of a constant
// rate's.
func decaySched(p float64) float64 {
	if p <= 0.9 {
		return 1
	}
	return math.Exp(-(p - 0.9) / 0.005)
}

func decayArea(p float64) float64 {
	if p <= 0.9 {
		return p
	}
	return 0.9 + 0.005*(1-math.Exp(-(p-0.9)/0.005))
}

// TestDecideRules is the decision table: one row per rule of decide,
// each a small synthetic run through the real pipeline.
func TestDecideRules(t *testing.T) {
	seen := map[Rule]bool{}
	for _, tc := range ruleCases() {
		seen[tc.rule] = true
		t.Run(string(tc.rule), func(t *testing.T) {
			r := tc.run(t)
			v := r.Verdict
			if v.Reason.Rule != tc.rule || v.Status != tc.status {
				t.Errorf("verdict %s by rule %s, want %s by %s\n%+v\n%s", v.Status, v.Reason.Rule, tc.status, tc.rule, v.Reason, debugLine(r))
			}
			if v.Reason.Sources == nil || v.Confidence == "" || v.Metric == "" {
				t.Errorf("verdict %+v: want a confidence, a metric and sources", v)
			}
		})
	}
	for _, rule := range allRules {
		if !seen[rule] {
			t.Errorf("rule %s has no row in the decision table", rule)
		}
	}
}

// allRules lists the rules of decide.
var allRules = []Rule{RuleNoData, RuleSummaryOnly, RuleTooFewPoints, RuleStoppedInWarmup, RuleStoppedAtStart, RuleNonFinite,
	RuleNaNWindows, RuleNoSignal, RuleWorseThanBest, RuleEvalWorse, RuleNeverImproved, RuleStoppedBySchedule, RuleEvalImproving,
	RuleFlatWithinMargin, RuleStillImproving, RuleFifthsImproving, RuleDiminishing, RuleEvalFlat, RuleInconclusiveImproving,
	RuleInconclusiveFlat}
