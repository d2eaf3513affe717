package analysis

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	if m.EpochEnd != 1 || m.First || m.Last || m.Epoch != 1 || m.Source != "trainer_state.json#log_history[249]" || round(m.Metrics["loss"], 4) != 4.971 {
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
	if math.Abs(tl.FinalLevel.Value-3.2884) > 1e-3 || tl.First.Value != 6.283693313598633 || tl.Relation != TLPulledUp || tl.EarlyPoints != 75 {
		t.Errorf("final level %+v, first %+v, relation %q over %d points", tl.FinalLevel, tl.First, tl.Relation, tl.EarlyPoints)
	}
	if r.Accuracy != nil {
		t.Errorf("accuracy = %+v for a run without mean_token_accuracy", r.Accuracy)
	}

	tp := r.Throughput
	if tp.RuntimeSeconds == nil || math.Abs(tp.RuntimeSeconds.Value-65.02) > 0.01 || tp.RuntimeFrom != RuntimeLogged ||
		tp.ItPerSecond == nil || round(tp.ItPerSecond.Value, 4) != 11.53 || tp.ItPerSecond.Source != "console.log:1529" || tp.BarShowsSecondsPerIt ||
		tp.SamplesPerSec == nil || round(tp.SamplesPerSec.Value, 4) != 46.14 {
		t.Errorf("throughput = %+v, it/s %+v, samples/s %+v", tp.RuntimeSeconds, tp.ItPerSecond, tp.SamplesPerSec)
	}

	if len(r.Checkpoints) != 3 {
		t.Fatalf("checkpoints = %+v", r.Checkpoints)
	}
	for i, w := range []struct {
		step int64
		src  string
		role Role
	}{
		{250, "trainer_state.json#log_history[249]", RoleEarlier},
		{500, "trainer_state.json#log_history[499]", RoleLate},
		{750, "trainer_state.json#log_history[749]", RoleFinal},
	} {
		c := r.Checkpoints[i]
		if c.Step != w.step || c.TrainLoss == nil || c.TrainLoss.Source != w.src || !slices.Equal(c.Roles, []Role{w.role}) {
			t.Errorf("checkpoint %d = %+v, want step %d cited %s, role %q", i, c, w.step, w.src, w.role)
		}
	}
	rec := r.CheckpointsRecommended
	if rec.Path != "checkpoint-750" || rec.Basis != RecFinalHealthy || len(rec.Alternatives) != 1 || rec.Alternatives[0].Path != "checkpoint-500" {
		t.Errorf("recommendation = %+v", rec)
	}

	kinds := map[FindingKind]Finding{}
	for _, f := range r.Findings {
		kinds[f.Kind] = f
	}
	f, ok := kinds[KindGradNormHigh]
	p10, _ := f.Fact(QP10)
	p90, _ := f.Fact(QP90)
	top, _ := f.Fact(QMax)
	if !ok || f.Severity != SevWarning || f.Cause != CauseIsolated || round(p10.Value, 2) != 3.6 || round(p90.Value, 2) != 5.5 || top.Step != 491 || round(top.Value, 4) != 7.914 {
		t.Errorf("grad-norm finding = %+v", f)
	}
	f, ok = kinds[KindStepCount]
	ex, _ := f.Fact(QExamples)
	bs, _ := f.Fact(QBatchPerDev)
	batches, _ := f.Fact(QBatches)
	if !ok || f.Value != 750 || f.Threshold != 750 || ex.Value != 1000 || bs.Value != 2 || batches.Value != 500 {
		t.Errorf("step-count finding = %+v", f)
	}
	for _, k := range []FindingKind{KindMissingCallback, KindSourceDisagreement, KindNoSummary, KindIncomplete, KindRestart, KindZeroLoss, KindNonFinite, KindLRStuckZero} {
		if f, ok := kinds[k]; ok {
			t.Errorf("unexpected %s finding: %+v", k, f)
		}
	}
}

func TestExampleOverfitEval(t *testing.T) {
	r := exampleReport(t, "hf_v5_overfit_eval")
	ms := r.Milestones
	if len(ms) != 7 || ms[0].Step != 5 || !ms[0].First || ms[len(ms)-1].Step != 500 {
		t.Fatalf("milestones = %v", milestoneSteps(ms))
	}
	if ms[1].EpochEnd != 1 || ms[1].Step != 20 || ms[6].EpochEnd != 25 || !ms[6].Last || r.Run.EpochEnds != 25 {
		t.Errorf("milestones %+v, %+v of %d epoch ends", ms[1], ms[6], r.Run.EpochEnds)
	}
	tl := r.TrainLoss
	if tl.Reported == nil || math.Abs(*tl.Reported-1.926) > 1e-3 || tl.RecomputedMean.How.Window != 5 ||
		math.Abs(tl.FinalLevel.Value-0.0787) > 5e-4 || tl.FinalLevel.How.N != 10 || tl.FinalLevel.How.FromStep != 455 || tl.FinalLevel.How.ToStep != 500 {
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
	if r.Eval.BestStep == 80 && (len(c.Roles) == 0 || c.Roles[0] != RoleBestEval) {
		t.Errorf("checkpoint-80 roles = %v", c.Roles)
	}
	if c := r.Checkpoints[2]; c.Step != 500 || !slices.Contains(c.Roles, RoleFinal) || c.Eval == nil || math.Abs(c.Eval.Value-6.43795) > 1e-4 {
		t.Errorf("checkpoint-500 = %+v", c)
	}
	for _, f := range r.Findings {
		switch f.Kind {
		case KindGradNormHigh, KindMissingCallback, KindSourceDisagreement, KindNoSummary, KindIncomplete, KindRestart:
			t.Errorf("unexpected finding %+v", f)
		}
	}
}
