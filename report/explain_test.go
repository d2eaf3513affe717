package report

import (
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

// plain renders marked-up text as plain text.
func plain(s string) string { return renderInline(s, textInline{}) }

// TestFindingText checks the sentence of each kind of finding, from the
// typed values the analysis returns (the analysis tests check those
// values on real and synthetic runs).
func TestFindingText(t *testing.T) {
	r := emptyReport()
	r.Primary = "loss"
	fig := func(q analysis.Quantity, v float64) analysis.Fig { return analysis.Fig{Name: q, Value: v} }
	tests := []struct {
		name string
		f    analysis.Finding
		want []string
	}{
		{"one grad_norm step above its usual range (the seed's pitfall 2)", analysis.Finding{Kind: analysis.KindGradNormHigh, Cause: analysis.CauseSingle,
			Count: 1, Steps: []int64{750}, Value: 1.14, Facts: []analysis.Fig{fig(analysis.QP10, 0.598), fig(analysis.QP90, 0.899),
				fig(analysis.QRangeFrom, 38), fig(analysis.QRangeTo, 750), {Name: analysis.QMax, Value: 1.14, Step: 750}}},
			[]string{"grad_norm 1.14 at step 750 is above its usual range 0.6-0.9 (10th-90th percentile of steps 38-750)", "a single step like this is acceptable"}},
		{"repeated grad_norm spikes", analysis.Finding{Kind: analysis.KindGradNormHigh, Cause: analysis.CauseRepeated,
			Count: 30, Of: 713, Steps: []int64{120, 140, 160, 180, 200, 220, 240, 260}, Facts: []analysis.Fig{{Name: analysis.QMax, Value: 2.5, Step: 120}}},
			[]string{"at 30 of 713 steps (steps 120, 140, 160, 180, 200, 220, and 2 more), up to 2.5 at step 120", "repeated gradient spikes"}},
		{"loss 0 with grad_norm NaN", analysis.Finding{Kind: analysis.KindZeroLoss, Cause: analysis.CauseNaNWindow, Count: 2, Steps: []int64{60, 61}},
			[]string{"Loss 0.0 with grad_norm nan at 2 logged steps (steps 60, 61)", "numerical failure, not a perfect model"}},
		{"fp16 scaler skips", analysis.Finding{Kind: analysis.KindNonFinite, Cause: analysis.CauseScalerSkip, Metric: "grad_norm", Count: 3, Of: 120,
			Steps: []int64{1, 2, 6}, Facts: []analysis.Fig{fig(analysis.QNaN, 3), fig(analysis.QInf, 0)}},
			[]string{"grad_norm is NaN at 3 of 120 logged points (steps 1, 2, 6): the fp16 loss scaler skipped those updates"}},
		{"an interrupted run", analysis.Finding{Kind: analysis.KindNoSummary, Cause: analysis.CauseInterrupted, ToStep: 27, Detail: "KeyboardInterrupt"},
			[]string{"it crashed (KeyboardInterrupt); the last logged step is 27", "stopped by hand (Ctrl-C) or by a job scheduler"}},
		{"stopped early", analysis.Finding{Kind: analysis.KindIncomplete, Cause: analysis.CauseStoppedEarly, Value: 24000, Threshold: 155800},
			[]string{"Stopped at step 24000 of 155800 (15.4%): the run is incomplete"}},
		{"stopped on purpose", analysis.Finding{Kind: analysis.KindIncomplete, Cause: analysis.CauseStoppedOnPurpose, Value: 200, Threshold: 500},
			[]string{"Training ended at step 200 of 500 (40.0%) with its summary"}},
		{"schedule ended early", analysis.Finding{Kind: analysis.KindLRStuckZero, Cause: analysis.CauseScheduleEnded, Count: 10, FromStep: 91, ToStep: 100},
			[]string{"The learning rate is 0 for the last 10 logged steps (steps 91-100)"}},
		{"a printer that stopped", analysis.Finding{Kind: analysis.KindMissingCallback, Cause: analysis.CausePrinterStopped, File: "all_logs.log",
			FromStep: 101, ToStep: 150, Count: 50, Facts: []analysis.Fig{fig(analysis.QStart, 1), fig(analysis.QEnd, 100)}},
			[]string{"all_logs.log has two printers of the loss (the Trainer's dicts and a user callback) for steps 1-100, but only one of them from step 101 to 150 (50 steps): the other stopped"}},
		{"a biased train_loss after a resume", analysis.Finding{Kind: analysis.KindRestart, Cause: analysis.CauseBiasedTrainLoss,
			Detail: "steps go back from 60 to 41 in train.log", Facts: []analysis.Fig{fig(analysis.QReported, 0.3), fig(analysis.QRecomputed, 1.079)}},
			[]string{"The run was resumed: steps go back from 60 to 41", "train_loss 0.3 is biased low (the mean of the logged losses is 1.079)"}},
		{"the seed's step count", analysis.Finding{Kind: analysis.KindStepCount, Cause: analysis.CauseStepsMatch, Value: 750, Threshold: 750,
			Facts: []analysis.Fig{fig(analysis.QExamples, 1000), fig(analysis.QBatchPerDev, 2), fig(analysis.QWorldSize, 1), fig(analysis.QWorldSizeFrom, 1),
				fig(analysis.QTotalBatch, 4), fig(analysis.QBatches, 500), fig(analysis.QGradAccum, 2), fig(analysis.QStepsPerEpoch, 250), fig(analysis.QEpochs, 3)}},
			[]string{"750 steps = 1,000 examples / (2 per device x 1 process) = 500 batches, / 2 accumulation = 250 steps per epoch, x 3 epochs (processes from the total batch 4)"}},
		{"huge gradients (the corpus' LoRA classifier)", analysis.Finding{Kind: analysis.KindExploding, Cause: analysis.CauseHugeGradNorm, Metric: "grad_norm",
			Step: 3600, FromStep: 50, ToStep: 3750, Value: 251918, Threshold: 100, Facts: []analysis.Fig{fig(analysis.QEarly, 222802), fig(analysis.QMedian, 251918),
				fig(analysis.QWindow, 7), fig(analysis.QClipNorm, 1), {Name: analysis.QMax, Value: 9.7e6, Step: 3600, Source: "output.log:181"}}},
			[]string{"grad_norm has a median of 251918 over steps 50-3750, at least 100 times the clipping norm 1", "up to 9.7e6 at step 3600: exploding gradients"}},
		{"growing gradients", analysis.Finding{Kind: analysis.KindExploding, Cause: analysis.CauseGrowing, Metric: "grad_norm",
			Step: 900, FromStep: 10, ToStep: 1000, Value: 40, Threshold: 10, Facts: []analysis.Fig{fig(analysis.QEarly, 0.5), fig(analysis.QWindow, 10), fig(analysis.QClipNorm, 1),
				{Name: analysis.QMax, Value: 35, Step: 900}, {Name: analysis.QLate, Value: 20, Step: 910}, fig(analysis.QLateTo, 1000), fig(analysis.QSigma, 0.3)}},
			[]string{"grad_norm grows from a median of 0.5 over its first 10 points to 20 over steps 910-1000 (max 35 at step 900): 40x, beyond 3 standard errors"}},
		{"a reward that fell, not 'rose by only 0'", analysis.Finding{Kind: analysis.KindStall, Metric: "reward", Value: -0.2, Threshold: 0.05,
			Facts: []analysis.Fig{fig(analysis.QStart, 0.5), fig(analysis.QEnd, 0.3), fig(analysis.QWindow, 10), fig(analysis.QSigma, 0.1), fig(analysis.QPracticalRel, 0.01)}},
			[]string{"reward never improved meaningfully", "(lower by 0.2, worse)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plain(findingText(tt.f, r))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("text %q lacks %q", got, w)
				}
			}
		})
	}
}

// TestChangeWords checks that a change is said with its direction,
// never as a bare signed number.
func TestChangeWords(t *testing.T) {
	tests := []struct {
		delta   float64
		greater bool
		want    string
	}{
		{-0.39, false, "lower by 0.39, better"},
		{0.39, false, "higher by 0.39, worse"},
		{-0.2, true, "lower by 0.2, worse"},
		{0.02, true, "higher by 0.02, better"},
		{0, true, "unchanged"},
	}
	for _, tt := range tests {
		if got := changeWords(tt.delta, tt.greater); got != tt.want {
			t.Errorf("changeWords(%v, %v) = %q, want %q", tt.delta, tt.greater, got, tt.want)
		}
	}
}

// TestHowText checks the words of each derivation.
func TestHowText(t *testing.T) {
	tests := []struct {
		h    analysis.How
		want string
	}{
		{analysis.How{Method: analysis.MethodWindowMean, Metric: "loss", FromStep: 676, ToStep: 750, N: 75, Fraction: 0.1},
			"mean of the 75 logged losses over steps 676-750, the last 10% of the run"},
		{analysis.How{Method: analysis.MethodRunMean, Metric: "loss", FromStep: 5, ToStep: 100, N: 20, Window: 5},
			"sum of the 20 logged losses (steps 5-100) / 20; each logged loss is the mean of a 5-step window"},
		{analysis.How{Method: analysis.MethodGPUHours, Seconds: 2484.07, GPUs: 1, GPUsFrom: analysis.GPUsAssumed1},
			"2484 s x 1 GPU / 3600; world size not logged, 1 GPU assumed (--gpus changes it)"},
		{analysis.How{Method: analysis.MethodCost, GPUHours: 5.52, Price: 2.5}, "5.5 GPU-hours x 2.5 per GPU-hour"},
	}
	for _, tt := range tests {
		if got := plain(howText(tt.h)); !strings.Contains(got, tt.want) {
			t.Errorf("howText(%+v) = %q, want %q", tt.h, got, tt.want)
		}
	}
}

// TestLRCause: the card blames the learning rate of an unstable run only
// when its peak is more than 3x the top of the usual range for the kind
// of run (docs/methods.md#lr-range), one row per range.
func TestLRCause(t *testing.T) {
	tests := []struct {
		family string
		tuning analysis.Tuning
		peak   float64
		kind   analysis.ScheduleKind
		want   string // the cause, "" when the rate is not blamed
	}{
		{"sft", analysis.TuningFull, 3e-2, analysis.SchedConstant, "the constant learning rate 3e-2, far above the 1e-5 to 1e-4 usual for a full fine-tune"},
		{"sft", analysis.TuningFull, 2e-4, analysis.SchedLinear, ""},
		{"sft", analysis.TuningFull, 5e-4, analysis.SchedLinear, "the learning rate 5e-4, far above the 1e-5 to 1e-4 usual for a full fine-tune"},
		{"sft", analysis.TuningAdapter, 2e-3, analysis.SchedLinear, ""},
		{"sft", analysis.TuningAdapter, 5e-3, analysis.SchedCosine, "the learning rate 5e-3, far above the 1e-4 to 1e-3 usual for a LoRA fine-tune"},
		{"classification", "", 2e-3, analysis.SchedLinear, ""},
		{"classification", "", 1e-2, analysis.SchedLinear, "the learning rate 1e-2, far above the 1e-4 to 1e-3 usual for fine-tuning (LoRA; a full fine-tune is lower)"},
		{"dpo", analysis.TuningFull, 5e-6, analysis.SchedLinear, ""},
		{"dpo", analysis.TuningFull, 5e-5, analysis.SchedLinear, "the learning rate 5e-5, far above the 5e-7 to 5e-6 usual for a full preference or RL run"},
		{"grpo", analysis.TuningAdapter, 5e-5, analysis.SchedLinear, ""},
		{"grpo", "", 5e-4, analysis.SchedLinear, "the learning rate 5e-4, far above the 5e-6 to 5e-5 usual for a preference or RL run with an adapter"},
		{"pretrain", "", 6e-4, analysis.SchedCosine, ""},
		{"pretrain", "", 1e-2, analysis.SchedCosine, "the learning rate 1e-2, far above the 1e-4 to 1e-3 usual for pretraining"},
	}
	for _, tt := range tests {
		r := &analysis.Report{Run: analysis.RunInfo{Family: analysis.Family(tt.family), Tuning: tt.tuning},
			LRSchedule: analysis.LRSchedule{Present: true, Peak: tt.peak, Kind: tt.kind}}
		high, peak := lrSuspect(r)
		got := ""
		if high {
			got = lrCause(r, peak)
		}
		if got != tt.want {
			t.Errorf("%s %q peak %g: cause %q, want %q", tt.family, tt.tuning, tt.peak, got, tt.want)
		}
	}
}

// TestCardExplodingGradients checks the card of the corpus run whose
// grad_norm is 1e4-1e7 from its first log: the exploding gradients are a
// problem with a cause and a fix, beside the overfitting, and no note
// calls its spikes noise that clipping absorbs.
func TestCardExplodingGradients(t *testing.T) {
	r := loadCorpusRun("console-wandb-lora-cls-huge-gradnorm")(t)
	ps, _ := topProblems(r)
	all := plain(strings.Join(ps, "\n"))
	for _, w := range []string{"grad_norm huge throughout: median 251918, up to 9.701e6 at step ~3600 (clipping norm 1)",
		"likely exploding gradients (a learning rate too high, clipping off, fp16 overflow or unscaled logits)",
		"next time keep max_grad_norm=1.0", "eval_loss worse after"} {
		if !strings.Contains(all, w) {
			t.Errorf("card problems lack %q:\n%s", w, all)
		}
	}
	for _, f := range r.Findings {
		if f.Kind == analysis.KindGradNormSpikes {
			t.Errorf("grad-norm-spikes finding beside exploding gradients: %+v", f)
		}
	}
}
