package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// findingText says one finding in words, with its numbers and the steps
// it is about; the renderers add its evidence and sources.
func findingText(f analysis.Finding, r *analysis.Report) string {
	fact := func(q analysis.Quantity) float64 {
		x, _ := f.Fact(q)
		return x.Value
	}
	m := code(f.Metric)
	switch f.Kind {
	case analysis.KindSpike:
		return spikeText(f, fact)
	case analysis.KindStartup:
		return "Start-up spike: " + m + " is " + num(fact(analysis.QValue)) + " at step " + step(f.Step) + ", " + spikeRule(f, fact) +
			". Early steps are often high; the level after them is what counts."
	case analysis.KindEpochDrop:
		drops := f.FactsNamed(analysis.QDropBefore)
		if len(drops) == 0 {
			return fmt.Sprintf("The loss drops sharply at %s (first at step %s): expected in multi-epoch training, the model sees the same examples again.",
				pluralY(int64(f.Count), "epoch boundar"), step(f.Step))
		}
		after := f.FactsNamed(analysis.QDropAfter)
		var parts []string
		for i, d := range drops {
			if i == maxListedDrops {
				break
			}
			parts = append(parts, "step "+step(d.Step)+": "+num(d.Value)+" → "+num(after[i].Value))
		}
		if n := f.Count - len(parts); n > 0 {
			parts = append(parts, fmt.Sprintf("and %d more", n))
		}
		return fmt.Sprintf("The loss drops at %s (%s; medians of the windows before and after): expected when the model sees the same examples again, and a sign that it memorises them.",
			pluralY(int64(f.Count), "epoch boundar"), strings.Join(parts, "; "))
	case analysis.KindDivergence:
		if f.Cause == analysis.CauseRebound {
			scale := ""
			if fact(analysis.QLogScale) != 0 {
				scale = " of log(" + m + ")"
			}
			return fmt.Sprintf("%s reached %s (median of steps %s) and ended at %s (median of the last %s points, to step %s): worse by %s, beyond the threshold %s "+
				"(3 standard errors of the difference of two window medians, from a point noise sigma%s of %s, and at least %s of the best). Training became unstable late.",
				m, num(fact(analysis.QBest)), steps(int64(fact(analysis.QBestFrom)), int64(fact(analysis.QBestTo))), num(fact(analysis.QEnd)),
				sig(fact(analysis.QWindow), 6), step(f.ToStep), num(f.Value), num(f.Threshold), scale, num(fact(analysis.QSigma)), wholePct(fact(analysis.QPracticalRel)))
		}
		return trendWorseText(f, r)
	case analysis.KindExploding:
		return explodingText(f, fact)
	case analysis.KindStall:
		return stallText(f, fact)
	case analysis.KindOverfitting:
		best, _ := f.Fact(analysis.QBest)
		end, _ := f.Fact(analysis.QEnd)
		return fmt.Sprintf("%s rose from its best %s at step %s to %s (%s eval noise sigmas) while the train loss did not rise: overfitting.",
			m, num(best.Value), step(best.Step), num(end.Value), strconv.FormatFloat(f.Value, 'f', 1, 64))
	case analysis.KindGradNormSpikes:
		return gradSpikesText(f, r, fact)
	case analysis.KindMissingCallback:
		file := code(f.File)
		switch f.Cause {
		case analysis.CausePrinterStopped:
			return fmt.Sprintf("%s has two printers of the loss (the Trainer's dicts and a user callback) for steps %s, but only one of them from step %s to %s (%d steps): "+
				"the other stopped; both should agree, and a callback that falls silent may have been removed or may have crashed.",
				file, steps(int64(fact(analysis.QStart)), int64(fact(analysis.QEnd))), step(f.FromStep), step(f.ToStep), f.Count)
		case analysis.CausePrinterLate:
			return fmt.Sprintf("%s has only one printer of the loss for steps %s, and two (the Trainer's dicts and a user callback) from step %s: the second one started late.",
				file, steps(f.FromStep, f.ToStep), step(int64(fact(analysis.QStart))))
		}
		return fmt.Sprintf("%s has two printers of the loss (the Trainer's dicts and a user callback) at %d steps but only one at %d steps (first at step %s): they log on different cadences, or one skipped steps.",
			file, f.Of-f.Count, f.Count, step(f.FromStep))
	case analysis.KindSourceDisagreement:
		return fmt.Sprintf("Two sources logged different values for the same step beyond rounding at %s (first at step %s: %s); "+
			"a callback may print another quantity (a per-batch loss rather than the window mean), or files of two runs were mixed; the most precise source is used.",
			plural(int64(f.Count), "step"), step(f.Step), clean(f.Detail))
	case analysis.KindGradNormHigh:
		return gradHighText(f, fact)
	case analysis.KindZeroLoss:
		list := stepsList(f.Steps, 6)
		switch f.Cause {
		case analysis.CauseNaNWindow:
			return fmt.Sprintf("Loss 0.0 with grad_norm nan at %s (%s): every step of those logging windows was non-finite and Transformers' NaN filter left the window sum at 0; "+
				"this is numerical failure, not a perfect model.", plural(int64(f.Count), "logged step"), list)
		case analysis.CauseByConstruction:
			return fmt.Sprintf("Loss is exactly 0 at %s (%s): expected for %s, whose loss is about 0 by construction; judge the run by its reward.",
				plural(int64(f.Count), "logged step"), list, clean(string(r.Run.Family)))
		}
		return fmt.Sprintf("Loss is exactly 0 at %s (%s): not a perfect model; a 4-decimal console rounding of a tiny loss, labels all masked (-100), or a broken batch.",
			plural(int64(f.Count), "logged step"), list)
	case analysis.KindNonFinite:
		nan, inf := fact(analysis.QNaN), fact(analysis.QInf)
		value := "NaN or infinite"
		switch {
		case inf == 0:
			value = "NaN"
		case nan == 0:
			value = "infinite"
		}
		what := fmt.Sprintf("%s is %s at %d of %d logged points (%s)", m, value, f.Count, f.Of, stepsList(f.Steps, 6))
		switch f.Cause {
		case analysis.CausePrimary:
			return capitalize(what) + ": the training diverged numerically there."
		case analysis.CauseScalerSkip:
			return capitalize(what) + ": the fp16 loss scaler skipped those updates (the learning rate is 0 or did not advance there); harmless when rare."
		case analysis.CauseOverflowRepeated:
			return capitalize(what) + ": gradients overflow repeatedly."
		case analysis.CauseOverflow:
			return capitalize(what) + ": gradient overflow (usually fp16); the loss scaler skips those updates, harmless when rare."
		}
		return capitalize(what) + ": a non-finite metric; check the steps around it."
	case analysis.KindLRStuckZero:
		if f.Cause == analysis.CauseScheduleEnded {
			return fmt.Sprintf("The learning rate is 0 for the last %d logged steps (steps %s): the schedule ended before training did, so those steps changed nothing.",
				f.Count, steps(f.FromStep, f.ToStep))
		}
		return fmt.Sprintf("The learning rate is 0 at %d consecutive logged steps (steps %s): no update happened there (a schedule stuck at 0, or skipped optimizer steps).",
			f.Count, steps(f.FromStep, f.ToStep))
	case analysis.KindNoSummary:
		return noSummaryText(f, fact)
	case analysis.KindIncomplete:
		share := pct(f.Value / f.Threshold)
		switch f.Cause {
		case analysis.CauseStoppedOnPurpose:
			return fmt.Sprintf("Training ended at step %s of %s (%s) with its summary: it stopped early on purpose (early stopping or a callback).",
				step(int64(f.Value)), step(int64(f.Threshold)), share)
		case analysis.CauseJustBeforeEnd:
			return fmt.Sprintf("Stopped at step %s of %s (%s): the log ends just before the planned last step.", step(int64(f.Value)), step(int64(f.Threshold)), share)
		}
		return fmt.Sprintf("Stopped at step %s of %s (%s): the run is incomplete, so the schedule did not finish and the last steps' levels are not final.",
			step(int64(f.Value)), step(int64(f.Threshold)), share)
	case analysis.KindRestart:
		s := "The run was resumed"
		var parts []string
		if f.Detail != "" {
			parts = append(parts, clean(f.Detail))
		}
		if x, ok := f.Fact(analysis.QResumedFrom); ok {
			parts = append(parts, "training continued from global step "+step(x.Step)+" ("+code(x.Source)+")")
		}
		if len(parts) > 0 {
			s += ": " + strings.Join(parts, "; ")
		}
		if f.Cause == analysis.CauseBiasedTrainLoss {
			s += fmt.Sprintf("; %s %s is biased low (the mean of the logged losses is %s): Transformers restarts its loss accumulator at 0 on resume but divides by the full global_step",
				code("train_loss"), num(fact(analysis.QReported)), num(fact(analysis.QRecomputed)))
		}
		return s + "."
	case analysis.KindStepCount:
		return stepCountText(f, fact)
	}
	return clean(string(f.Kind))
}

// maxListedDrops is how many epoch-boundary drops a finding spells out.
const maxListedDrops = 3

// spikeRule says which rule confirms a spike.
func spikeRule(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	z := zScore(f.Value)
	switch f.Cause {
	case analysis.CauseLightning:
		return ratio(fact(analysis.QRatio)) + "x the median of its neighbours (modified z-score " + z + "); Lightning's SpikeDetection rule (3x or more) flags it too"
	case analysis.CauseFoundry:
		return ratio(fact(analysis.QRatio)) + "x the median of its neighbours for several logged steps (modified z-score " + z + "); LLM Foundry's KillLossSpike rule (2x or more, sustained) flags it too"
	}
	return "modified z-score " + z + " against the rolling median of its neighbours"
}

// spikeText says a spike finding: one spike, or a group.
func spikeText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	m := code(f.Metric)
	list := stepsList(f.Steps, 8)
	switch f.Cause {
	case analysis.CauseOneStep:
		if f.Count == 1 {
			return fmt.Sprintf("One %s spike of 2x-3x its neighbourhood at step %s, back to normal at the next log: a single bad batch; watch for repeats at the same data.", m, step(f.Step))
		}
		return fmt.Sprintf("%d one-step %s spikes of 2x-3x their neighbourhood (%s), each back to normal at the next log: single bad batches; watch them if they grow or repeat at the same data.",
			f.Count, m, list)
	case analysis.CauseMinor:
		if f.Count == 1 {
			return fmt.Sprintf("1 point of %s, at step %s, is a statistical outlier (modified z-score above %s) but stays within 2x of its neighbours: ordinary batch-to-batch variation, not instability.",
				m, step(f.Step), num(f.Threshold))
		}
		return fmt.Sprintf("%d points of %s are statistical outliers (modified z-score above %s, first at step %s) but stay within 2x of their neighbours: ordinary batch-to-batch variation, not instability.",
			f.Count, m, num(f.Threshold), step(f.Step))
	case analysis.CauseRepeated:
		return fmt.Sprintf("%d %s spikes pass the practitioners' rules (Lightning's 3x, LLM Foundry's sustained 2x) as well as the z-score: repeated spikes mean unstable training.",
			f.Count, m)
	}
	return fmt.Sprintf("%s spike at step %s: %s, %s.", capitalize(m), step(f.Step), num(fact(analysis.QValue)), spikeRule(f, fact))
}

// zScore formats a modified z-score: one decimal, none from 100 up.
func zScore(z float64) string {
	if z >= 100 || z <= -100 {
		return strconv.FormatFloat(z, 'f', 0, 64)
	}
	return strconv.FormatFloat(z, 'f', 1, 64)
}

// ratio formats a multiple such as a spike's ratio to its neighbourhood.
func ratio(x float64) string { return zScore(x) }

// trendWorseText says a final segment that goes the wrong way.
func trendWorseText(f analysis.Finding, r *analysis.Report) string {
	t := r.Trend
	if t == nil {
		return fmt.Sprintf("%s is getting worse over steps %s (Mann-Kendall z %s).", code(f.Metric), steps(f.FromStep, f.ToStep), sig(f.Value, 3))
	}
	return fmt.Sprintf("%s is getting worse over steps %s: Theil-Sen slope %s per step (Mann-Kendall p %s), a change of %s (%s of its level) over %s.",
		code(f.Metric), steps(f.FromStep, f.ToStep), sci(t.SlopePerStep, 3), pvalue(t.P), signed(t.Projected), pct(t.RelProjected), plural(t.HorizonSteps, "step"))
}

// stallText says a metric that never improved meaningfully, with the
// sign of its change spelt out.
func stallText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	m := code(f.Metric)
	greater := analysis.GreaterIsBetter(f.Metric)
	start, end, k := fact(analysis.QStart), fact(analysis.QEnd), sig(fact(analysis.QWindow), 6)
	moved := changeWords(end-start, greater)
	s := fmt.Sprintf("%s never improved meaningfully: its median is %s over the first %s points and %s over the last %s (%s), less than the threshold %s "+
		"(the larger of 2 standard errors of the difference of the two medians, from a point noise sigma of %s, ",
		m, num(start), k, num(end), k, moved, num(f.Threshold), num(fact(analysis.QSigma)))
	if f.Cause == analysis.CauseMargin {
		return s + fmt.Sprintf("and the change that moves the implied preference probability by %s percentage point; sigmoid(margin) %s → %s). The preference was barely learned.",
			sig(100*fact(analysis.QPracticalRel), 2), prob(fact(analysis.QPrefStart)), prob(fact(analysis.QPrefEnd)))
	}
	return s + "and " + wholePct(fact(analysis.QPracticalRel)) + " of the start)."
}

// changeWords says a change with its direction in words, never a bare
// signed number: "lower by 0.39", "higher by 0.02", "unchanged".
func changeWords(delta float64, greater bool) string {
	better := (delta > 0) == greater
	switch {
	case delta == 0:
		return "unchanged"
	case delta > 0 && better:
		return "higher by " + num(delta) + ", better"
	case delta > 0:
		return "higher by " + num(delta) + ", worse"
	case better:
		return "lower by " + num(-delta) + ", better"
	}
	return "lower by " + num(-delta) + ", worse"
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// prob formats a probability with enough decimals to show a change near
// 50%.
func prob(p float64) string {
	if abs(p-0.5) < 0.01 {
		return strconv.FormatFloat(100*p, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(100*p, 'f', 1, 64) + "%"
}

// gradHighText says grad_norm values above their usual range.
func gradHighText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	rng := fmt.Sprintf("%s-%s (10th-90th percentile of steps %s)", rangeNum(fact(analysis.QP10)), rangeNum(fact(analysis.QP90)),
		steps(int64(fact(analysis.QRangeFrom)), int64(fact(analysis.QRangeTo))))
	top, _ := f.Fact(analysis.QMax)
	loss := ""
	if l, ok := f.Fact(analysis.QLossAt); ok {
		loss = " (loss there " + num(l.Value) + ")"
	}
	switch f.Cause {
	case analysis.CauseSingle:
		return fmt.Sprintf("grad_norm %s at step %s%s is above its usual range %s: a single step like this is acceptable when the loss stays normal; watch for repeats.",
			num(top.Value), step(top.Step), loss, rng)
	case analysis.CauseRepeated:
		return fmt.Sprintf("grad_norm is above its usual range %s at %d of %d steps (%s), up to %s at step %s%s: repeated gradient spikes.",
			rng, f.Count, f.Of, stepsList(f.Steps, 6), num(top.Value), step(top.Step), loss)
	}
	return fmt.Sprintf("grad_norm is above its usual range %s at %d steps (%s), up to %s at step %s%s: isolated steps are acceptable when the loss stays normal.",
		rng, f.Count, stepsList(f.Steps, 6), num(top.Value), step(top.Step), loss)
}

// rangeNum formats a range bound with 2 significant digits, as a reader
// quotes a usual range ("0.6-0.9").
func rangeNum(v float64) string {
	if v >= 100 || v <= -100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return sig(v, 2)
}

// gradSpikesText says the grad_norm spikes and whether the primary
// metric reacted to them.
func gradSpikesText(f analysis.Finding, r *analysis.Report, fact func(analysis.Quantity) float64) string {
	top, _ := f.Fact(analysis.QMax)
	rt := ""
	if x := fact(analysis.QRatio); x > 0 {
		rt = ", " + ratio(x) + "x the median of its neighbours"
	}
	head := fmt.Sprintf("1 grad_norm spike: %s at step %s (modified z-score %s against its rolling median%s)", num(top.Value), step(top.Step), zScore(f.Value), rt)
	them := "it"
	if f.Count > 1 {
		head = fmt.Sprintf("%d grad_norm spikes (modified z-score above %s against its rolling median, first at step %s), the strongest %s at step %s (z %s%s)",
			f.Count, num(f.Threshold), step(f.FromStep), num(top.Value), step(top.Step), zScore(f.Value), rt)
		them = "any of them"
	}
	what := code(r.Primary)
	if f.Cause == analysis.CauseNoPrimaryData {
		return head + ": isolated gradient spikes are usually absorbed by gradient clipping (max_grad_norm); watch them if they grow or repeat."
	}
	rule := fmt.Sprintf("the median of the %s logs after it worse than that of the %s before by more than %s standard errors",
		sig(fact(analysis.QReactAfter), 3), sig(fact(analysis.QReactBefore), 3), sig(fact(analysis.QReactZ), 3))
	reacted := f.FactsNamed(analysis.QReacted)
	var rs []int64
	for _, x := range reacted {
		rs = append(rs, x.Step)
	}
	switch f.Cause {
	case analysis.CauseNoReaction:
		return fmt.Sprintf("%s. %s did not react to %s (a reaction: %s). Gradient spikes the %s does not feel are noise of the gradient estimate, which clipping (max_grad_norm) absorbs; on their own they need no action.",
			head, "The "+what, them, rule, what)
	case analysis.CauseFewReactions:
		return fmt.Sprintf("%s. %s reacted to only %d of them (a reaction: %s; %s): isolated setbacks; watch them if they become frequent.",
			head, "The "+what, len(reacted), rule, stepsList(rs, 6))
	}
	return fmt.Sprintf("%s. %s reacted to %d of them (a reaction: %s; %s): those updates set the training back.",
		head, "The "+what, len(reacted), rule, stepsList(rs, 6))
}

// noSummaryText says how a run without its end-of-training summary ended.
func noSummaryText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	last := step(f.ToStep)
	planned, reached := int64(fact(analysis.QPlanned)), int64(fact(analysis.QReached))
	switch f.Cause {
	case analysis.CauseCrash, analysis.CauseInterrupted:
		s := "The run ended without an end-of-training summary: it crashed (" + clean(f.Detail) + "); the last logged step is " + last + "."
		if f.Cause == analysis.CauseInterrupted {
			s += " A KeyboardInterrupt means the process was stopped by hand (Ctrl-C) or by a job scheduler, not by a training error."
		}
		return s
	case analysis.CauseNoSummaryLog:
		return "The logs hold no end-of-training summary: Lightning's metrics.csv never writes one, so whether the run finished cannot be checked; the last logged step is " + last + "."
	case analysis.CauseReachedEnd:
		return fmt.Sprintf("No end-of-training summary (train_runtime, train_loss) was found, but the last logged step %s is the planned max_steps %s: "+
			"training reached its end and only the summary is missing (for example, only trainer_state.json was kept).", last, step(planned))
	case analysis.CauseNearEnd:
		return fmt.Sprintf("No end-of-training summary (train_runtime, train_loss) was found, and the log ends at step %s of %s planned: "+
			"training probably finished, and the log read is a checkpoint's trainer_state.json saved just before the end.", step(reached), step(planned))
	}
	return "No end-of-training summary (train_runtime, train_loss) was found: the run was interrupted, is still running, or only a checkpoint's log was read; the last logged step is " + last + "."
}

// stepCountText explains the run's step count from its geometry.
func stepCountText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	ws := fact(analysis.QWorldSize)
	procs := "processes"
	if ws == 1 {
		procs = "process"
	}
	rounding := ""
	if fact(analysis.QRoundedDown) != 0 {
		rounding = " (rounded down)"
	}
	wsNote := ""
	switch fact(analysis.QWorldSizeFrom) {
	case 1:
		wsNote = " (processes from the total batch " + sig(fact(analysis.QTotalBatch), 6) + ")"
	case 2:
		wsNote = " (world size not logged: 1 process assumed)"
	}
	g := func(q analysis.Quantity) string { return sig(fact(q), 6) }
	formula := fmt.Sprintf("%s examples / (%s per device x %s %s) = %s batches, / %s accumulation = %s steps per epoch%s, x %s epochs",
		metricValue("num_tokens", fact(analysis.QExamples)), g(analysis.QBatchPerDev), g(analysis.QWorldSize), procs, g(analysis.QBatches),
		g(analysis.QGradAccum), g(analysis.QStepsPerEpoch), rounding, g(analysis.QEpochs))
	if f.Cause == analysis.CauseStepsExplicit {
		return fmt.Sprintf("max_steps %s differs from the %s that %s gives%s: max_steps was set explicitly, or the dataset was packed or filtered; compare runs by epoch or samples seen, not by step.",
			sig(f.Value, 6), sig(f.Threshold, 6), formula, wsNote)
	}
	return fmt.Sprintf("%s steps = %s%s; another batch size, accumulation or number of epochs gives another step count, so compare runs by epoch or samples seen, not by step.",
		sig(f.Value, 6), formula, wsNote)
}

// kindName names a finding kind in a few words.
func kindName(k analysis.FindingKind) string {
	switch k {
	case analysis.KindSpike:
		return "a spike"
	case analysis.KindDivergence:
		return "divergence"
	case analysis.KindExploding:
		return "exploding gradients"
	case analysis.KindNonFinite:
		return "a non-finite value"
	case analysis.KindStall:
		return "a stall"
	case analysis.KindOverfitting:
		return "overfitting"
	}
	return clean(strings.ReplaceAll(string(k), "-", " "))
}

// statisticName names a finding's statistic.
func statisticName(s analysis.Statistic) string {
	switch s {
	case analysis.StatModifiedZ:
		return "modified z-score"
	case analysis.StatOutliers:
		return "outliers within 2x of their neighbours"
	case analysis.StatConfirmed:
		return "confirmed spikes"
	case analysis.StatRiseOverBest:
		return "rise of the final level over the best"
	case analysis.StatMedianGain:
		return "improvement of the median"
	case analysis.StatEvalRiseSigma:
		return "rise in eval noise sigmas"
	case analysis.StatMannKendallZ:
		return "Mann-Kendall z"
	case analysis.StatEpochDrop:
		return "drop at the first boundary"
	case analysis.StatNonFinite:
		return "non-finite points"
	case analysis.StatGradGrowth:
		return "late/early grad_norm median"
	case analysis.StatLargestGradNorm:
		return "largest grad_norm"
	case analysis.StatStepsReached:
		return "steps reached / max_steps"
	case analysis.StatStepCount:
		return "max_steps vs examples x epochs / total batch"
	}
	return clean(string(s))
}

// An advice is a problem's likely cause and what to change next time.
type advice struct{ cause, change string }

// An lrRange is the range of peak learning rates a kind of run usually
// uses, and what kind of run that is, in words (docs/methods.md#lr-range
// gives the sources).
type lrRange struct {
	low, high float64
	what      string
}

// farAboveLR is how many times the top of the usual range a peak must be
// to be named as the likely cause of an unstable run.
const farAboveLR = 3

// usualLR is the usual range of peak learning rates for r's kind of run:
// preference and RL trainers (DPO, ORPO, KTO, GRPO, PPO) far lower than
// supervised fine-tuning; an adapter (LoRA) about ten times a full
// fine-tune; pretraining from scratch higher still. When the files do not
// tell an adapter from a full fine-tune, the adapter's (higher) range is
// taken, so as not to blame a learning rate that may be usual.
func usualLR(r *analysis.Report) lrRange {
	adapter := r.Run.Tuning != analysis.TuningFull
	switch r.Run.Family {
	case "dpo", "orpo", "kto", "grpo", "ppo":
		if adapter {
			return lrRange{5e-6, 5e-5, "a preference or RL run with an adapter"}
		}
		return lrRange{5e-7, 5e-6, "a full preference or RL run"}
	case "pretrain":
		return lrRange{1e-4, 1e-3, "pretraining"}
	}
	if adapter {
		what := "a LoRA fine-tune"
		if r.Run.Tuning == "" {
			what = "fine-tuning (LoRA; a full fine-tune is lower)"
		}
		return lrRange{1e-4, 1e-3, what}
	}
	return lrRange{1e-5, 1e-4, "a full fine-tune"}
}

// lrSuspect says how the learning rate bears on an unstable run: far
// above the usual range for its kind of run, or just its peak.
func lrSuspect(r *analysis.Report) (high bool, peak string) {
	lr := r.LRSchedule
	if !lr.Present || lr.Peak <= 0 {
		return false, ""
	}
	return lr.Peak > farAboveLR*usualLR(r).high, sci(lr.Peak, 2)
}

// lrCause names a learning rate far above its usual range as the cause
// of an unstable run: "the constant learning rate 3e-2, far above the
// 1e-5 to 1e-4 usual for a full fine-tune".
func lrCause(r *analysis.Report, peak string) string {
	u := usualLR(r)
	what := "the learning rate "
	if r.LRSchedule.Kind == analysis.SchedConstant {
		what = "the constant learning rate "
	}
	return what + peak + ", far above the " + sci(u.low, 1) + " to " + sci(u.high, 1) + " usual for " + u.what
}

// findingAdvice says a problem's likely cause and what to change next
// time, in a few words each, for the answer card; ok is false for
// findings that need no action.
func findingAdvice(f analysis.Finding, r *analysis.Report) (advice, bool) {
	high, peak := lrSuspect(r)
	lower := "lower the learning rate"
	if peak != "" {
		lower = "lower the learning rate (peak " + peak + ")"
	}
	unstable := func(what string) advice {
		if high {
			return advice{lrCause(r, peak), "lower it and clip gradients (max_grad_norm)"}
		}
		return advice{what, lower + " or clip gradients (max_grad_norm)"}
	}
	switch f.Kind {
	case analysis.KindSpike:
		if f.Cause == analysis.CauseRepeated {
			return unstable("unstable training"), true
		}
	case analysis.KindDivergence:
		a := unstable("training became unstable late")
		if !high {
			a.change += "; keep the checkpoint before the rise"
		}
		return a, true
	case analysis.KindExploding:
		if f.Cause == analysis.CauseHugeGradNorm && !high {
			return advice{"exploding gradients (a learning rate too high, clipping off, fp16 overflow or unscaled logits)",
				"keep max_grad_norm=1.0, " + lower + ", use bf16, check the loss inputs"}, true
		}
		return unstable("exploding gradients"), true
	case analysis.KindStall:
		switch {
		case high:
			return unstable("updates too large to make progress"), true
		case f.Cause == analysis.CauseMargin:
			return advice{"the learning rate, beta, or pairs too alike", "raise the learning rate or beta, or use more distinct pairs"}, true
		case strings.Contains(f.Metric, "reward"):
			return advice{"a constant reward function, or the learning rate", "check the reward on a few completions"}, true
		}
		return advice{"a learning rate too low or stuck in warmup, or masked labels", "check the labels, then the learning rate"}, true
	case analysis.KindOverfitting:
		a := advice{"memorising the training set", "keep the best checkpoint (load_best_model_at_end=True), fewer epochs or more data"}
		if best, ok := f.Fact(analysis.QBest); ok {
			if ep := evalEpoch(r, best.Step); ep > 0 && r.Run.Epochs >= 1.5*ep {
				a.change = "keep the best checkpoint (load_best_model_at_end=True), train about " + plural(int64(math.Max(1, math.Round(ep))), "epoch") + ", or add data"
			}
		}
		return a, true
	case analysis.KindGradNormSpikes:
		if f.Cause == analysis.CauseSetBack {
			return unstable("bad batches or a high learning rate"), true
		}
	case analysis.KindGradNormHigh:
		if f.Cause == analysis.CauseRepeated {
			return unstable("repeated gradient spikes"), true
		}
	case analysis.KindZeroLoss:
		switch f.Cause {
		case analysis.CauseNaNWindow:
			return advice{"numerical overflow (usually fp16)", "use bf16, " + lower}, true
		case analysis.CauseUnexplained:
			return advice{"rounding, masked labels (-100) or a broken batch", "check the label masking"}, true
		}
	case analysis.KindNonFinite:
		switch f.Cause {
		case analysis.CausePrimary:
			return advice{"a numerical blow-up", "use bf16, " + lower + ", clip gradients"}, true
		case analysis.CauseOverflowRepeated:
			return advice{"gradient overflow", "use bf16 or " + lower}, true
		}
	case analysis.KindLRStuckZero:
		if f.Cause == analysis.CauseStuck {
			return advice{"a scheduler stuck at 0 or skipped steps", "check the scheduler and warmup"}, true
		}
		return advice{"the schedule ended before training did", "match the schedule to max_steps"}, true
	case analysis.KindNoSummary:
		switch f.Cause {
		case analysis.CauseCrash:
			return advice{"a crash", "fix it and resume (resume_from_checkpoint)"}, true
		case analysis.CauseInterrupted:
			return advice{"stopped by hand or by a scheduler", "resume (resume_from_checkpoint)"}, true
		case analysis.CauseUnknownEnd:
			return advice{"interrupted, still running, or a checkpoint's log", "keep the console log to the end"}, true
		}
	case analysis.KindIncomplete:
		if f.Cause == analysis.CauseStoppedEarly {
			return advice{"interrupted (a crash, a time limit or by hand) or a max_steps beyond the data", "resume from the last checkpoint (resume_from_checkpoint)"}, true
		}
	case analysis.KindMissingCallback:
		if f.Cause == analysis.CausePrinterStopped {
			return advice{"a logging callback stopped", "check the callback"}, true
		}
	case analysis.KindSourceDisagreement:
		return advice{"two sources log different values", "keep one run's files per folder"}, true
	case analysis.KindRestart:
		if f.Cause == analysis.CauseBiasedTrainLoss {
			return advice{"the Trainer restarts its loss sum at 0 on resume", "judge by the final level, not train_loss"}, true
		}
	}
	return advice{}, false
}

// explodingText says an exploding-gradients finding: huge norms over the
// run, or norms that grew.
func explodingText(f analysis.Finding, fact func(analysis.Quantity) float64) string {
	k := sig(fact(analysis.QWindow), 6)
	mx, _ := f.Fact(analysis.QMax)
	clip := num(fact(analysis.QClipNorm))
	if f.Cause == analysis.CauseHugeGradNorm {
		return fmt.Sprintf("grad_norm has a median of %s over steps %s, at least %s times the clipping norm %s (max_grad_norm, the Trainer's default), "+
			"from its first logs (a median of %s over its first %s points) up to %s at step %s: exploding gradients; at most steps clipping, not the learning rate, sets the size of the update.",
			num(f.Value), steps(f.FromStep, f.ToStep), sig(f.Threshold/fact(analysis.QClipNorm), 3), clip, num(fact(analysis.QEarly)), k, num(mx.Value), step(mx.Step))
	}
	late, _ := f.Fact(analysis.QLate)
	return fmt.Sprintf("grad_norm grows from a median of %s over its first %s points to %s over steps %s (max %s at step %s): %sx, beyond %s standard errors of the noise "+
		"(sigma %s on log(grad_norm)) and above the clipping norm %s: exploding gradients.",
		num(fact(analysis.QEarly)), k, num(late.Value), steps(late.Step, int64(fact(analysis.QLateTo))), num(mx.Value), step(mx.Step), sig(f.Value, 3), "3",
		num(fact(analysis.QSigma)), clip)
}
