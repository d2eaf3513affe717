package analysis

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestCorpusReportContent checks the report sections of pitfalls,
// milestones, train_loss and throughput on real logs of the corpus.
func TestCorpusReportContent(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		path  string
		check func(t *testing.T, r *Report)
	}{
		{"console-gemma2-9b-lmsys-interrupted-traceback/train.log", func(t *testing.T, r *Report) {
			if f := wantFinding(t, r, KindNoSummary, SevError, CauseInterrupted); f.Detail != "KeyboardInterrupt" {
				t.Errorf("detail = %q, want the log's KeyboardInterrupt", f.Detail)
			}
			noFinding(t, r, KindGradNormHigh) // step 20's 11.2 is start-up
			if tp := r.Throughput; tp.RuntimeSeconds == nil || tp.RuntimeSeconds.Value != 2380 || tp.RuntimeFrom != RuntimeProgress {
				t.Errorf("throughput = %+v from %q", tp.RuntimeSeconds, tp.RuntimeFrom)
			}
		}},
		{"hf-kgllm-fp16-nan-gradnorm-skipped-steps/trainer_state.json", func(t *testing.T, r *Report) {
			f := wantFinding(t, r, KindNonFinite, SevInfo, CauseScalerSkip)
			if f.Metric != "grad_norm" || f.Count != 3 || f.Of != 120 || !slices.Equal(f.Steps, []int64{1, 2, 6}) {
				t.Errorf("non-finite = %s %d of %d at %v", f.Metric, f.Count, f.Of, f.Steps)
			}
			noFinding(t, r, KindLRStuckZero)
			noFinding(t, r, KindGradNormHigh)
		}},
		{"hf-adu3110-24000entries/trainer_state.json", func(t *testing.T, r *Report) {
			if f := wantFinding(t, r, KindIncomplete, SevWarning, CauseStoppedEarly); f.Value != 24000 || f.Threshold != 155800 {
				t.Errorf("incomplete at %v of %v", f.Value, f.Threshold)
			}
			wantFinding(t, r, KindNoSummary, SevWarning, CauseUnknownEnd)
		}},
		{"lf-360-pairwise-interrupted/trainer_log.jsonl", func(t *testing.T, r *Report) {
			if f := wantFinding(t, r, KindIncomplete, SevWarning, CauseStoppedEarly); f.Value != 202 || f.Threshold != 5100 {
				t.Errorf("incomplete at %v of %v", f.Value, f.Threshold)
			}
			if tp := r.Throughput; tp.RuntimeSeconds == nil || tp.RuntimeFrom != RuntimeElapsed || tp.RuntimeToStep != 202 {
				t.Errorf("throughput = %+v from %q to step %d", tp.RuntimeSeconds, tp.RuntimeFrom, tp.RuntimeToStep)
			}
		}},
		{"hf-sft-tinyllama-mta-eval/trainer_state.json", func(t *testing.T, r *Report) {
			if f := wantFinding(t, r, KindIncomplete, SevInfo, CauseJustBeforeEnd); f.Value != 2800 || f.Threshold != 2808 {
				t.Errorf("incomplete at %v of %v", f.Value, f.Threshold)
			}
			a := r.Accuracy
			if a == nil || a.Metric != "mean_token_accuracy" || a.Kind != AccTokens || len(a.Rows) == 0 ||
				round(a.Rows[0].Value, 3) != 0.581 || a.Steps[0] != 15 || a.Steps[len(a.Steps)-1] != 2790 || round(a.Rows[len(a.Rows)-1].Value, 3) != 0.766 {
				t.Fatalf("accuracy = %+v", a)
			}
			if a.Eval == nil || a.EvalStep != 2800 || round(a.Eval.Value, 3) != 0.751 {
				t.Errorf("held-out accuracy = %+v at step %d, want 75.1%% at step 2800", a.Eval, a.EvalStep)
			}
		}},
		{"rl-dllm-remasking-loss-zero-2000/trainer_state.json", func(t *testing.T, r *Report) {
			if f := wantFinding(t, r, KindZeroLoss, SevInfo, CauseByConstruction); f.Count != 1568 {
				t.Errorf("zero loss at %d steps, want 1568", f.Count)
			}
			noFinding(t, r, KindGradNormHigh)
			if r.TrainLoss.Relation != TLNearZero {
				t.Errorf("train loss relation = %q, want near-zero", r.TrainLoss.Relation)
			}
		}},
		{"lf-console-deepseek7b-lora/running_log.txt", func(t *testing.T, r *Report) {
			f := wantFinding(t, r, KindStepCount, SevInfo, CauseStepsMatch)
			for q, want := range map[Quantity]float64{QExamples: 2182, QBatchPerDev: 1, QWorldSize: 2, QBatches: 1091, QGradAccum: 64,
				QStepsPerEpoch: 17, QRoundedDown: 1, QEpochs: 1000, QExpected: 17000} {
				if x, ok := f.Fact(q); !ok || x.Value != want {
					t.Errorf("step count %s = %v, want %v", q, x.Value, want)
				}
			}
			if f := wantFinding(t, r, KindIncomplete, SevWarning, CauseStoppedEarly); f.Value != 2105 || f.Threshold != 17000 {
				t.Errorf("incomplete at %v of %v", f.Value, f.Threshold)
			}
		}},
		{"hf-baize-tcm-6687steps/trainer_state.json", func(t *testing.T, r *Report) {
			want := []int64{1, 743, 1486, 2229, 2972, 3715, 4458, 5201, 5944, 6687}
			if got := milestoneSteps(r.Milestones); !equalSteps(got, want) {
				t.Errorf("milestones = %v, want %v", got, want)
			}
			f := wantFinding(t, r, KindGradNormHigh, SevWarning, CauseSingle)
			if top, _ := f.Fact(QMax); top.Step != 3202 || round(top.Value, 4) != 2.238 {
				t.Errorf("largest grad_norm %v at step %d, want 2.238 at 3202", top.Value, top.Step)
			}
		}},
		{"hf-geollm-131epochs-memorize/trainer_state.json", func(t *testing.T, r *Report) {
			ms := r.Milestones
			if len(ms) != 8 || ms[2].EpochEnd != 27 || ms[2].Step != 620 || r.Run.EpochEnds != 130 {
				t.Errorf("milestones = %v (epoch %d of %d ends)", milestoneSteps(ms), ms[2].EpochEnd, r.Run.EpochEnds)
			}
		}},
		{"console-qwen3-medical-qlora-sft/training.log", func(t *testing.T, r *Report) {
			tl := r.TrainLoss
			if tl.Relation != TLAgrees || tl.Reported == nil || round(*tl.Reported, 4) != 1.363 || round(tl.FinalLevel.Value, 4) != 1.329 {
				t.Errorf("train loss = %q, reported %v, final %+v", tl.Relation, tl.Reported, tl.FinalLevel)
			}
			tp := r.Throughput
			if tp.RuntimeFrom != RuntimeLogged || tp.RuntimeSeconds == nil || math.Round(tp.RuntimeSeconds.Value) != 39861 ||
				tp.TokensSeen == nil || tp.TokensSeen.Value != 34955051 {
				t.Errorf("throughput = %+v, tokens %+v", tp.RuntimeSeconds, tp.TokensSeen)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			run, err := trainlog.Load([]string{filepath.Join(dir, filepath.FromSlash(tt.path))}, trainlog.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, Analyze(run, DefaultOptions))
		})
	}
}

// wantFinding returns the finding of kind, after checking its severity
// and cause.
func wantFinding(t *testing.T, r *Report, kind FindingKind, severity Severity, cause Cause) Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == kind {
			if f.Severity != severity || f.Cause != cause {
				t.Errorf("%s finding = %s %s, want %s %s", kind, f.Severity, f.Cause, severity, cause)
			}
			return f
		}
	}
	t.Errorf("no %s finding, want %s %s", kind, severity, cause)
	return Finding{}
}

func noFinding(t *testing.T, r *Report, kind FindingKind) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == kind {
			t.Errorf("unexpected %s finding: %+v", kind, f)
		}
	}
}
