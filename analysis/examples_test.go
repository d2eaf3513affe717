package analysis

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// exampleReport analyses one of the bundled example runs.
func exampleReport(t *testing.T, name string) *Report {
	t.Helper()
	dir := filepath.Join("..", "examples", name)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("bundled example missing: %v", err)
	}
	for _, f := range []string{"hf-console", "trainer-state"} {
		if _, ok := trainlog.LookupFormat(f); !ok {
			t.Fatalf("the %s reader is not registered", f)
		}
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(run, DefaultOptions)
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report does not encode as JSON: %v", err)
	}
	return r
}

func TestExampleSFTLoRA(t *testing.T) {
	r := exampleReport(t, "hf_v5_sft_lora_3ep")
	geo := map[string]string{}
	for _, f := range r.Run.Geometry {
		geo[f.Key] = fmtNum(f.Value) + "@" + f.Source
	}
	for k, w := range map[string]string{
		trainlog.GeoExamples: "1000@console.log:12", trainlog.GeoBatchPerDevice: "2@console.log:15",
		trainlog.GeoGradAccum: "2@console.log:17", trainlog.GeoTotalBatch: "4@console.log:16", trainlog.GeoMaxSteps: "750@console.log:18",
	} {
		if geo[k] != w {
			t.Errorf("geometry %s = %q, want %q", k, geo[k], w)
		}
	}
	if !r.Run.Completed || r.Run.FirstStep != 1 || r.Run.LastStep != 750 || !strings.HasPrefix(r.Run.Library, "transformers 5.17.0") {
		t.Errorf("header = %+v", r.Run)
	}

	// Milestones: the step-250 row cites the trainer_state entry first
	// (full precision), then the other views of the same step: the
	// TensorBoard record, the callback line and the console dict.
	wantSteps := []int64{1, 250, 500, 750}
	if got := milestoneSteps(r.Milestones); !equalSteps(got, wantSteps) {
		t.Fatalf("milestone steps = %v, want %v", got, wantSteps)
	}
	m := r.Milestones[1]
	if m.Label != "end of epoch 1" || m.Epoch != 1 || m.Source != "trainer_state.json#log_history[249]" || round(m.Metrics["loss"], 4) != 4.971 {
		t.Errorf("step 250 = %+v", m)
	}
	srcs := strings.Join(m.Sources, " ")
	for _, w := range []string{"trainer_state.json#log_history[249]", "console.log:518", "console.log:519", "runs/events.out.tfevents"} {
		if !strings.Contains(srcs, w) {
			t.Errorf("step 250 sources %q lack %q", srcs, w)
		}
	}
	if round(m.Metrics["learning_rate"], 4) != 0.000668 || round(m.Metrics["grad_norm"], 4) != 3.875 {
		t.Errorf("step 250 metrics = %v", m.Metrics)
	}

	tl := r.TrainLoss
	if tl.Reported == nil || math.Abs(*tl.Reported-4.2917) > 5e-4 || math.Abs(tl.RecomputedMean.Value-4.2917072273890176) > 1e-9 {
		t.Errorf("train_loss %v, recomputed %+v", tl.Reported, tl.RecomputedMean)
	}
	if math.Abs(tl.FinalLevel.Value-3.2884) > 1e-3 || tl.First.Value != 6.283693313598633 || !strings.Contains(tl.Explanation, "pull it up") {
		t.Errorf("final level %+v, first %+v, explanation %q", tl.FinalLevel, tl.First, tl.Explanation)
	}
	if r.Accuracy != nil {
		t.Errorf("accuracy = %+v for a run without mean_token_accuracy", r.Accuracy)
	}

	tp := r.Throughput
	if tp.RuntimeSeconds == nil || math.Abs(tp.RuntimeSeconds.Value-65.02) > 0.01 || tp.RuntimeHMS != "0:01:05" ||
		!strings.Contains(tp.Text, "11.53 it/s (progress bar") || !strings.Contains(tp.Text, "46.14 samples/s") {
		t.Errorf("throughput = %+v, text %q", tp.RuntimeSeconds, tp.Text)
	}

	if len(r.Checkpoints) != 3 {
		t.Fatalf("checkpoints = %+v", r.Checkpoints)
	}
	for i, w := range []struct {
		step int64
		src  string
		use  string
	}{
		{250, "trainer_state.json#log_history[249]", "earlier"},
		{500, "trainer_state.json#log_history[499]", "A/B test"},
		{750, "trainer_state.json#log_history[749]", "final weights"},
	} {
		c := r.Checkpoints[i]
		if c.Step != w.step || c.TrainLoss == nil || c.TrainLoss.Source != w.src || !strings.Contains(c.Use, w.use) {
			t.Errorf("checkpoint %d = %+v, want step %d cited %s, use %q", i, c, w.step, w.src, w.use)
		}
	}

	kinds := map[string]Finding{}
	for _, f := range r.Findings {
		kinds[f.Kind] = f
	}
	if f, ok := kinds[KindGradNormHigh]; !ok || f.Severity != SevWarning || !strings.Contains(f.Message, "usual range 3.6-5.5") || !strings.Contains(f.Message, "up to 7.914 at step 491") {
		t.Errorf("grad-norm finding = %+v", f)
	}
	if f, ok := kinds[KindStepCount]; !ok || !strings.Contains(f.Message, "750 steps = 1,000 examples / (2 per device x 1 process) = 500 batches") {
		t.Errorf("step-count finding = %+v", f)
	}
	for _, k := range []string{KindMissingCallback, KindSourceDisagreement, KindNoSummary, KindIncomplete, KindRestart, KindZeroLoss, KindNonFinite, KindLRStuckZero} {
		if f, ok := kinds[k]; ok {
			t.Errorf("unexpected %s finding: %+v", k, f)
		}
	}
	all := strings.Join(r.Summary, "\n")
	for _, w := range []string{"loss 6.284 at step 1 -> 3.288 (-47.7%)", "44% of the drop in epoch 1 (4.971 by step 250)", "train_loss 4.292", "1 min 05 s", "overfitting: cannot tell"} {
		if !strings.Contains(all, w) {
			t.Errorf("summary lacks %q:\n%s", w, all)
		}
	}
}

func TestExampleOverfitEval(t *testing.T) {
	r := exampleReport(t, "hf_v5_overfit_eval")
	ms := r.Milestones
	if len(ms) != 7 || ms[0].Step != 5 || ms[0].Label != "first step" || ms[len(ms)-1].Step != 500 {
		t.Fatalf("milestones = %v", milestoneSteps(ms))
	}
	if ms[1].Label != "end of epoch 1 (6 of 25 epoch ends shown)" || ms[1].Step != 20 || ms[6].Label != "end of epoch 25 (6 of 25 epoch ends shown), last step" {
		t.Errorf("labels %q, %q", ms[1].Label, ms[6].Label)
	}
	tl := r.TrainLoss
	if tl.Reported == nil || math.Abs(*tl.Reported-1.926) > 1e-3 || !strings.Contains(tl.RecomputedMean.How, "5-step window") ||
		math.Abs(tl.FinalLevel.Value-0.0787) > 5e-4 || !strings.Contains(tl.FinalLevel.How, "10 logged losses over steps 455-500") {
		t.Errorf("train loss = %+v (%+v, %+v)", tl, tl.RecomputedMean, tl.FinalLevel)
	}
	if tp := r.Throughput; tp.RuntimeSeconds == nil || math.Abs(tp.RuntimeSeconds.Value-16.84) > 0.01 {
		t.Errorf("runtime = %+v", tp.RuntimeSeconds)
	}
	if len(r.Checkpoints) != 3 {
		t.Fatalf("checkpoints = %+v", r.Checkpoints)
	}
	c := r.Checkpoints[0]
	if c.Step != 80 || c.Eval == nil || math.Abs(c.Eval.Value-5.98996) > 1e-4 || c.Eval.Source != "trainer_state.json#log_history[19]" {
		t.Errorf("checkpoint-80 = %+v (eval %+v)", c, c.Eval)
	}
	if r.Eval.BestStep == 80 && !strings.HasPrefix(c.Use, "best eval_loss (5.99)") {
		t.Errorf("checkpoint-80 use = %q", c.Use)
	}
	if c := r.Checkpoints[2]; c.Step != 500 || !strings.Contains(c.Use, "final weights") || c.Eval == nil || math.Abs(c.Eval.Value-6.43795) > 1e-4 {
		t.Errorf("checkpoint-500 = %+v", c)
	}
	for _, f := range r.Findings {
		switch f.Kind {
		case KindGradNormHigh, KindMissingCallback, KindSourceDisagreement, KindNoSummary, KindIncomplete, KindRestart:
			t.Errorf("unexpected finding %+v", f)
		}
	}
}
