package analysis

import (
	"path/filepath"
	"strings"
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
			wantFinding(t, r, KindNoSummary, SevError, "it crashed (KeyboardInterrupt")
			noFinding(t, r, KindGradNormHigh) // step 20's 11.2 is start-up
			if tp := r.Throughput; tp.RuntimeSeconds == nil || tp.RuntimeSeconds.Value != 2380 || !strings.Contains(tp.Text, "the elapsed time of the last progress bar") {
				t.Errorf("throughput = %+v %q", tp.RuntimeSeconds, tp.Text)
			}
		}},
		{"hf-kgllm-fp16-nan-gradnorm-skipped-steps/trainer_state.json", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindNonFinite, SevInfo, "grad_norm is NaN at 3 of 120 logged steps (steps 1, 2, 6): the fp16 loss scaler skipped those updates")
			noFinding(t, r, KindLRStuckZero)
			noFinding(t, r, KindGradNormHigh)
		}},
		{"hf-adu3110-24000entries/trainer_state.json", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindIncomplete, SevWarning, "stopped at step 24000 of 155800 (15.4%)")
			wantFinding(t, r, KindNoSummary, SevWarning, "no end-of-training summary")
		}},
		{"lf-360-pairwise-interrupted/trainer_log.jsonl", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindIncomplete, SevWarning, "stopped at step 202 of 5100 (4.0%)")
			if tp := r.Throughput; tp.RuntimeSeconds == nil || !strings.Contains(tp.Text, "the elapsed time logged at step 202") {
				t.Errorf("throughput = %q", tp.Text)
			}
		}},
		{"hf-sft-tinyllama-mta-eval/trainer_state.json", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindIncomplete, SevInfo, "stopped at step 2800 of 2808 (99.7%)")
			if a := r.Accuracy; a == nil || a.Metric != "mean_token_accuracy" || !strings.Contains(a.Caveat, "58.1% at step 15 to 76.6% at step 2790") ||
				!strings.Contains(a.Caveat, "Held-out eval_mean_token_accuracy was logged: 75.1% at step 2800") {
				t.Errorf("accuracy = %+v", a)
			}
		}},
		{"rl-dllm-remasking-loss-zero-2000/trainer_state.json", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindZeroLoss, SevInfo, "loss is exactly 0 at 1568 logged steps")
			noFinding(t, r, KindGradNormHigh)
			if !strings.Contains(r.TrainLoss.Explanation, "about 0 by construction") {
				t.Errorf("explanation = %q", r.TrainLoss.Explanation)
			}
		}},
		{"lf-console-deepseek7b-lora/running_log.txt", func(t *testing.T, r *Report) {
			wantFinding(t, r, KindStepCount, SevInfo, "17000 steps = 2,182 examples / (1 per device x 2 processes) = 1091 batches, / 64 accumulation = 17 steps per epoch (rounded down), x 1000 epochs")
			wantFinding(t, r, KindIncomplete, SevWarning, "stopped at step 2105 of 17000 (12.4%)")
		}},
		{"hf-baize-tcm-6687steps/trainer_state.json", func(t *testing.T, r *Report) {
			want := []int64{1, 743, 1486, 2229, 2972, 3715, 4458, 5201, 5944, 6687}
			if got := milestoneSteps(r.Milestones); !equalSteps(got, want) {
				t.Errorf("milestones = %v, want %v", got, want)
			}
			wantFinding(t, r, KindGradNormHigh, SevWarning, "grad_norm 2.238 at step 3202")
		}},
		{"hf-geollm-131epochs-memorize/trainer_state.json", func(t *testing.T, r *Report) {
			ms := r.Milestones
			if len(ms) != 8 || ms[2].Label != "end of epoch 27 (6 of 130 epoch ends shown)" || ms[2].Step != 620 {
				t.Errorf("milestones = %v (%q)", milestoneSteps(ms), ms[2].Label)
			}
		}},
		{"console-qwen3-medical-qlora-sft/training.log", func(t *testing.T, r *Report) {
			if !strings.Contains(r.TrainLoss.Explanation, "train_loss 1.363 and the final level 1.329 agree within 5%") {
				t.Errorf("explanation = %q", r.TrainLoss.Explanation)
			}
			if tp := r.Throughput; !strings.Contains(tp.Text, "train_runtime 39861 s (11 h 04 min)") || !strings.Contains(tp.Text, "34,955,051 input tokens seen") {
				t.Errorf("throughput = %q", tp.Text)
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

func wantFinding(t *testing.T, r *Report, kind, severity, text string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == kind {
			if f.Severity != severity || !strings.Contains(f.Message, text) {
				t.Errorf("%s finding = %s %q, want %s with %q", kind, f.Severity, f.Message, severity, text)
			}
			return
		}
	}
	t.Errorf("no %s finding, want %s with %q", kind, severity, text)
}

func noFinding(t *testing.T, r *Report, kind string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == kind {
			t.Errorf("unexpected %s finding: %s", kind, f.Message)
		}
	}
}
