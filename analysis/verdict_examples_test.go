package analysis

import (
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// verdictExample analyses one of the bundled example runs (examples/ at
// the repository root).
func verdictExample(t *testing.T, name string) *Report {
	t.Helper()
	run, err := trainlog.Load([]string{filepath.Join(testcorpus.Root(t), "examples", name)}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	r, err := analyzeRecover(run)
	if err != nil {
		t.Fatalf("analyze %s: %v", name, err)
	}
	return r
}

// TestVerdictExampleOverfitEval checks the expert's reading of
// hf_v5_overfit_eval: overfitting, eval minimum at step 80, checkpoint-80
// recommended, and the early-stopping replay shown.
func TestVerdictExampleOverfitEval(t *testing.T) {
	r := verdictExample(t, "hf_v5_overfit_eval")
	if r.Verdict.Status != StatusOverfitting {
		t.Errorf("status %q (%+v), want overfitting", r.Verdict.Status, r.Verdict.Reason)
	}
	if r.Eval.BestStep != 80 || !r.Eval.Overfitting || r.Eval.Since != 80 {
		t.Errorf("eval best step %d, overfitting %v since %d; want 80, true, 80", r.Eval.BestStep, r.Eval.Overfitting, r.Eval.Since)
	}
	if got := filepath.Base(r.CheckpointsRecommended.Path); got != "checkpoint-80" || r.CheckpointsRecommended.Step != 80 {
		t.Errorf("recommended %q (step %d), want checkpoint-80", r.CheckpointsRecommended.Path, r.CheckpointsRecommended.Step)
	}
	if r.Verdict.Reason.Rule != RuleEvalWorse || r.Verdict.Reason.FromStep != 80 {
		t.Errorf("verdict reason %+v: want the eval rule from step 80", r.Verdict.Reason)
	}
	if len(r.Eval.EarlyStop) != 3 {
		t.Fatalf("early-stopping replays: %d, want 3", len(r.Eval.EarlyStop))
	}
	// Evals every 20 steps: 5.992 (20), 6.044 (40), 5.990 (60), 5.98996
	// (80), then rising. Patience 1 stops at the first non-improvement
	// (step 40); patience 3 at the third eval after the best (step 140);
	// with a threshold of 1% of the best (0.0599) no eval after the first
	// improves enough, so patience 3 stops at step 80.
	want := []int64{40, 140, 80}
	for i, es := range r.Eval.EarlyStop {
		if es.StopStep != want[i] {
			t.Errorf("replay %d (patience %d, threshold %g): stop at %d, want %d", i, es.Patience, es.Threshold, es.StopStep, want[i])
		}
		if es.BestStep < 0 {
			t.Errorf("replay %d keeps no best checkpoint: %+v", i, es)
		}
	}
}

// TestVerdictExampleSFTLoRA checks that hf_v5_sft_lora_3ep is not called
// converged: the loss falls fast through epoch 2 and flattens only as the
// learning rate reaches 0.
func TestVerdictExampleSFTLoRA(t *testing.T) {
	r := verdictExample(t, "hf_v5_sft_lora_3ep")
	if r.Verdict.Status != StatusImproving {
		t.Errorf("status %q (%+v), want improving", r.Verdict.Status, r.Verdict.Reason)
	}
	if r.LRSchedule.Kind != SchedLinear || r.LRSchedule.WarmupSteps != 0 {
		t.Errorf("schedule %q warmup %d, want linear without warmup", r.LRSchedule.Kind, r.LRSchedule.WarmupSteps)
	}
	if r.Eval.Present || r.Eval.BestStep != -1 || len(r.Eval.Hints) == 0 || len(r.Eval.Other) != 0 {
		t.Errorf("eval present %v best %d hints %d other %d: want no eval, -1, hints and no summary values", r.Eval.Present, r.Eval.BestStep, len(r.Eval.Hints), len(r.Eval.Other))
	}
	for _, h := range r.Eval.Hints {
		if h.Kind == "" {
			t.Errorf("hint without a kind: %+v", h)
		}
	}
	if testing.Verbose() {
		t.Logf("verdict: %s: %+v", r.Verdict.Status, r.Verdict.Reason)
		t.Logf("debug: %s", debugLine(r))
		for _, p := range r.Phases {
			t.Logf("phase %-20s %4d-%4d %.3f -> %.3f share %.2f (%s)", p.Name, p.StartStep, p.EndStep, p.StartLevel.Value, p.EndLevel.Value, p.ShareOfDrop, p.Boundary)
		}
	}
}
