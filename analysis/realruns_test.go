package analysis

import (
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// realRunsDir holds the real training runs made for plateau's tests
// (testdata/runs/README.md: how each was made, what it shows and what
// its maker expected).
const realRunsDir = "../testdata/runs"

// TestRealRunsVerdicts reads each real run of testdata/runs through the
// real pipeline and checks the verdict against what the run shows (the
// README's "what it shows"), the rule that reached it, and that every
// forecast of a loss implies a level above 0.
func TestRealRunsVerdicts(t *testing.T) {
	tests := []struct {
		path   string
		status Status
		rule   Rule // "" when more than one rule may reach the status
		why    string
	}{
		{"resumed", StatusConverged, RuleSmallLateShare, "flat around 0.65 from step ~185 of 400, the learning rate still 60% of its peak"},
		{"resumed/console.log", StatusConverged, RuleSmallLateShare, "the same run from its console, both sessions"},
		{"cut_pair/cut55", StatusConverged, RuleSmallLateShare, "read live at step 325 of 600, flat since ~125 with the rate at 55-95% of its peak"},
		{"cut_pair/cut55/console.log", StatusConverged, RuleSmallLateShare, "the same cut from its console alone"},
		{"cut_pair/full", StatusConverged, RuleSmallLateShare, "the finished run: flat around 0.6 from step ~125"},
		{"sweep/output/run-a", StatusConverged, RuleSmallLateShare, "eval 1.671, 0.696, 0.677, 0.670, 0.663: diminishing; train flat since ~170"},
		{"sweep/output/run-b", StatusConverged, RuleEvalDiminishing, "eval 3.09, 1.30, 0.763, 0.703, 0.688; train flat only over its last 40%"},
		{"sweep/output/run-c", StatusConverged, "", "LoRA on a frozen random base: flat at ~2.05 from step ~105"},
		{"sweep/output/run-d", StatusConverged, RuleFlatWithinMargin, "train and eval rose together (3.39 -> 3.47, 3.377 -> 3.468): not overfitting; flat at ln 32"},
		{"sweep/output/run-e", StatusDiverged, RuleWorseThanBest, "best 3.086 at step 65, back up to ~3.5 and flat"},
		{"overfit_eval", StatusOverfitting, RuleEvalWorse, "eval bottoms at step 80 and rises at every evaluation while train falls to 0.07"},
		{"cut_pair_improving/full", StatusImproving, "", "a steady fall to the end"},
		{"cut_pair_improving/cut55", StatusImproving, "", "read live at step 260 of 480, falling steadily"},
		{"stalled", StatusStalled, RuleNoSignal, "loss 0 and grad_norm 0 at every log"},
		{"stalled_frozen", StatusStalled, RuleNeverImproved, "pinned at 4.2, every parameter frozen but one norm"},
		{"multi_epoch_perstep", StatusImproving, "", "still falling in epochs 3-6"},
		{"multi_epoch_memorise", StatusImproving, "", "still falling in epochs 7-15"},
		{"lightning_csv/lightning_logs/version_0", StatusOverfitting, RuleEvalWorse, "val 1.135 at step 151, then up to 1.181 while train falls"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			run, err := trainlog.Load([]string{filepath.Join(realRunsDir, tt.path)}, trainlog.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := Analyze(run, DefaultOptions)
			v := r.Verdict
			if v.Status != tt.status || (tt.rule != "" && v.Reason.Rule != tt.rule) {
				t.Errorf("verdict %s by %s (%s), want %s by %q: %s\n%+v\n%s", v.Status, v.Reason.Rule, v.Confidence, tt.status, tt.rule, tt.why, v.Reason, debugLine(r))
			}
			if a := r.AnotherEpoch; a != nil && a.Available && a.LogScale {
				if a.LastValue-a.GainHigh <= 0 || a.LastValue-a.ExpectedGain <= 0 {
					t.Errorf("forecast from %g: gain %g [%g, %g] implies a loss at or below 0", a.LastValue, a.ExpectedGain, a.GainLow, a.GainHigh)
				}
			}
		})
	}
}

// TestRealRunTrainWorse: in sweep run-d (learning rate 3e-2, constant)
// the eval loss rose from 3.377 at step 100 to 3.468, and the train loss
// around step 100 (3.47, 3.455, 3.394, 3.409, 3.360 at steps 90-110)
// rose with it to 3.47: the evidence says the train got worse over the
// eval's rise, beyond its noise and by more than 1%.
func TestRealRunTrainWorse(t *testing.T) {
	run, err := trainlog.Load([]string{filepath.Join(realRunsDir, "sweep/output/run-d")}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(run, DefaultOptions)
	ev := r.Evidence.Eval
	if ev == nil || ev.BestLevelStep != 100 || ev.Persist < 2 {
		t.Fatalf("eval evidence %+v: want the best level at step 100 and a persistent rise", ev)
	}
	if !ev.TrainWorse || ev.TrainFrom != 110 || ev.TrainTo != 500 || ev.TrainRise < 0.01 || ev.TrainRise > 0.02 {
		t.Errorf("train worse %v: rise %g (threshold %g) from the window ending at %d to the one ending at %d; want a rise of about 1.5%% from the window ending at step 110 to step 500",
			ev.TrainWorse, ev.TrainRise, ev.TrainRiseThreshold, ev.TrainFrom, ev.TrainTo)
	}
	if r.Eval.Overfitting || !r.Eval.TrainRose {
		t.Errorf("eval section: overfitting %v, train rose %v; want no overfitting, the train loss rose", r.Eval.Overfitting, r.Eval.TrainRose)
	}
}
