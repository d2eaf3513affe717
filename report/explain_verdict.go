package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// This file writes the sentences of the verdict, the trend section and
// the forecast ("another epoch") from the typed values of package
// analysis: the rule that decided and its numbers. The strings carry the
// document's inline markup (code spans for metrics and sources).

// VerdictSentence returns the verdict's reason as plain text, for
// callers outside the document renderers (watch alerts, exit messages).
func VerdictSentence(r *analysis.Report) string {
	return renderInline(resolveSteps(verdictReason(r), r.StepEstimated), textInline{})
}

// verdictReason explains the verdict of r by its rule.
func verdictReason(r *analysis.Report) string {
	v := r.Verdict
	rs := v.Reason
	m := code(rs.Metric)
	if rs.Metric == "" {
		m = code(primary(r))
	}
	var ev *analysis.SeriesEvidence
	if r.Evidence != nil {
		ev = r.Evidence.Train
	}
	src := func(i int) string {
		if i < len(rs.Sources) && rs.Sources[i] != "" {
			return " (" + code(rs.Sources[i]) + ")"
		}
		return ""
	}
	switch rs.Rule {
	case analysis.RuleNoData:
		return "No per-step " + m + " and no end-of-run values were found in the logs (the files were read, but none holds Trainer dicts, a " +
			code("trainer_state.json") + " log_history or another supported format): next time keep the Trainer's console output or " + code("trainer_state.json") + " (see " + code("plateau formats") + ")."
	case analysis.RuleSummaryOnly:
		return fmt.Sprintf("No per-step %s was found in the logs, only %d end-of-run value%s: next time keep the per-step log (%s, the console output, or the W&B run history rather than only %s).",
			m, rs.Count, pluralS(rs.Count), code("trainer_state.json"), code("wandb-summary.json"))
	case analysis.RuleTooFewPoints:
		return fmt.Sprintf("Only %d finite point%s of %s %s logged (at least %d are needed): log more often next time (%s so that a run has at least 50 logs).",
			rs.Count, pluralS(rs.Count), m, wasWere(rs.Count), rs.Of, code("logging_steps"))
	case analysis.RuleStoppedInWarmup:
		planned := ""
		if rs.Of > 0 {
			planned = fmt.Sprintf(" of %d planned (%s)", rs.Of, pct(float64(rs.ToStep)/float64(rs.Of)))
		}
		return fmt.Sprintf("The run stopped at step %d%s while the learning rate was still warming up (%s%s): nothing after warmup was observed. Let the run pass its warmup before judging it.",
			rs.ToStep, planned, sci(rs.Value, 3), src(0))
	case analysis.RuleStoppedAtStart:
		return fmt.Sprintf("The run stopped at step %d of %d planned (%s): that is the start-up transient, too early for a verdict. Judge it after at least %s of its steps.",
			rs.ToStep, rs.Of, pct(rs.Value), pct(rs.Threshold))
	case analysis.RuleNonFinite:
		return fmt.Sprintf("%s is not a finite number at the last logged step %d%s, and %d value%s of it are non-finite: the run diverged.",
			m, rs.ToStep, src(0), rs.Count, pluralS(rs.Count))
	case analysis.RuleNaNWindows:
		return fmt.Sprintf("%s is 0.0 with %s NaN at %d log%s, %d of them in the final window, the last at step %d%s: every step of those logging windows was non-finite (the Trainer's NaN filter logs 0.0), so the run diverged numerically.",
			code("loss"), code("grad_norm"), rs.Count, pluralS(rs.Count), rs.Of, rs.ToStep, src(0))
	case analysis.RuleNoSignal:
		return fmt.Sprintf("%s is exactly 0 with %s exactly 0 (or not logged) at %d of %d logs (%s): there was no learning signal (labels all masked, or no trainable parameters), not a perfect fit.",
			code("loss"), code("grad_norm"), rs.Count, rs.Of, codes(rs.Sources))
	case analysis.RuleWorseThanBest:
		aligned := ""
		if ev != nil && ev.EpochAligned {
			aligned = " The windows are whole epochs, so the drift inside an epoch averages out."
		}
		var from, to string
		if ev != nil {
			from, to = steps(ev.Best.FromStep, ev.Best.ToStep), steps(ev.End.FromStep, ev.End.ToStep)
		}
		return fmt.Sprintf("%s reached %s (mean of steps %s) and ended at %s (mean of steps %s): its last windows are each at least %s worse, beyond the threshold %s (3 standard errors of the two levels, and at least %s), and not coming back.%s",
			m, num(rs.Low), from, num(rs.High), to, scaleChange(ev, rs.Value), scaleChange(ev, rs.Threshold), pct(0.05), aligned)
	case analysis.RuleEvalWorse:
		return fmt.Sprintf("%s reached its best level %s at step %s%s, and its last %d evaluation%s are each worse by more than their noise; the last, %s at step %s%s, is worse by %s, beyond the threshold %s (the larger of 2 eval noise sigmas and 1%% of the best), while the training metric did not get worse.",
			m, num(rs.Low), evalStep(r, rs.FromStep), src(0), rs.Count, pluralS(rs.Count), num(rs.High), evalStep(r, rs.ToStep), src(1), num(rs.Value), num(rs.Threshold))
	case analysis.RuleNeverImproved:
		s := fmt.Sprintf("%s never improved meaningfully: %s at the start (%s) and %s at the end (%s): a change of %s, below %s (2 standard errors of the two levels, or %s).",
			m, num(rs.Low), startHow(ev), num(rs.High), levelHow(ev), scaleChange(ev, rs.Value), scaleChange(ev, rs.Threshold), stallStep(r))
		return s + " " + stallAdvice(r)
	case analysis.RuleStoppedBySchedule:
		return fmt.Sprintf("%s was still falling steeply before the end (steps %s project %s over %s, at least %s with 95%% confidence) and went flat only in the final stretch (%s), where the learning rate had annealed to %s of its peak: the schedule stopped it, not the data. Section 11 says what a new schedule would buy.",
			m, lateSteps(ev), num(rs.High), horizonText(rs.Horizon), num(rs.Low), gainWords(rs.Value), pct(rs.LRFraction))
	case analysis.RuleFlatWithinMargin:
		return fmt.Sprintf("%s has practically stopped improving: over steps %s its slope projects %s over %s, 95%% interval %s to %s, within the practical margin of %s (%s).",
			m, steps(rs.FromStep, rs.ToStep), gainWords(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), marginWords(ev))
	case analysis.RuleStillImproving:
		return fmt.Sprintf("%s is still improving: over steps %s its slope projects an improvement of %s over %s, 95%% interval %s to %s, above the practical margin of %s (%s).",
			m, steps(rs.FromStep, rs.ToStep), num(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), marginWords(ev))
	case analysis.RuleFifthsImproving:
		return fmt.Sprintf("%s improved in every fifth of the run beyond its noise, and the last fifth (from step %d) still delivered %s of the improvement: %s over %s, 95%% interval %s to %s, above the practical margin of %s (%s).",
			m, rs.FromStep, pct(rs.Share), num(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), marginWords(ev))
	case analysis.RuleDiminishing:
		return fmt.Sprintf("Diminishing returns: the last fifth of the run (from step %d) delivered %s of the improvement of %s, %s over %s, 95%% interval %s to %s, within the practical margin of %s (%s).",
			rs.FromStep, pct(rs.Share), m, gainWords(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), marginWords(ev))
	case analysis.RuleSmallLateShare:
		what := fmt.Sprintf("the last two fifths of the run (steps %s) %s", steps(rs.FromStep, rs.ToStep), shareVerb(rs.Value, false))
		if ev != nil && ev.LateScale > 1 {
			what = fmt.Sprintf("at the rate of the last two fifths (steps %s), the rest of the run (%s times their span) %s", steps(rs.FromStep, rs.ToStep), sig(ev.LateScale, 2), shareVerb(rs.Value, true))
		}
		lr := ""
		if rs.LRFraction >= 0 {
			lr = fmt.Sprintf("; it went flat while the learning rate was still %s of its peak: the data stopped it, not the schedule", pct(rs.LRFraction))
		}
		return fmt.Sprintf("Diminishing returns: %s the total improvement of %s (95%% interval from %s to %s): no improvement beyond noise, and within %s of what the run gained either way%s.",
			what, m, shareWords(rs.Low), shareWords(rs.High), pct(rs.Threshold), lr)
	case analysis.RuleEvalImproving:
		return fmt.Sprintf("%s is still improving on held-out data: its last %d evaluations (steps %s) project an improvement of %s over %s, 95%% interval %s to %s, above its practical margin of %s (1%% of its level %s).",
			m, rs.Count, steps(rs.FromStep, rs.ToStep), num(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), num(rs.Level))
	case analysis.RuleEvalFlat:
		return fmt.Sprintf("The training curve alone cannot tell, and %s has flattened: its last %d evaluations (steps %s) project %s over %s, 95%% interval %s to %s, within its practical margin of %s.",
			m, rs.Count, steps(rs.FromStep, rs.ToStep), gainWords(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold))
	case analysis.RuleEvalDiminishing:
		return fmt.Sprintf("The training curve alone cannot tell, and %s shows diminishing returns: from step %s to its last evaluation at step %s%s it %s its improvement since its first evaluation%s, under %s (an estimate: %d evaluations give no usable noise level).",
			m, step(rs.FromStep), evalStep(r, rs.ToStep), src(1), shareVerb(rs.Value, false), src(0), pct(rs.Threshold), rs.Count)
	case analysis.RuleInconclusiveImproving, analysis.RuleInconclusiveFlat:
		lean := "above the margin: probably still improving"
		if rs.Rule == analysis.RuleInconclusiveFlat {
			lean = "within the margin: probably flat"
		}
		return fmt.Sprintf("Neither test is conclusive: over steps %s the slope of %s projects %s over %s, but its 95%% interval, %s to %s, is too wide to show a practical change (margin %s, %s) or its absence; the estimate is %s. More points, or a longer run, would tell.",
			steps(rs.FromStep, rs.ToStep), m, gainWords(rs.Value), horizonText(rs.Horizon), gainWords(rs.Low), gainWords(rs.High), num(rs.Threshold), marginWords(ev), lean)
	}
	return ""
}

// verdictShort is the answer card's few words on why an improving or
// converged run has its status, from the same rule and numbers as the
// verdict's reason.
func verdictShort(r *analysis.Report) string {
	rs := r.Verdict.Reason
	switch rs.Rule {
	case analysis.RuleFlatWithinMargin:
		return fmt.Sprintf("flat: at most ±%s (95%%) over %s, under the %s that would matter", num(math.Max(math.Abs(rs.Low), math.Abs(rs.High))), horizonShort(rs.Horizon), num(rs.Threshold))
	case analysis.RuleDiminishing:
		return fmt.Sprintf("diminishing returns: the last fifth of the run brought only %s of the improvement, under the %s that would matter", pct(rs.Share), num(rs.Threshold))
	case analysis.RuleStillImproving:
		return fmt.Sprintf("still %s: by about %s over %s (at least %s, 95%%)", improvingWord(primary(r)), num(rs.Value), horizonText(rs.Horizon), num(rs.Low))
	case analysis.RuleFifthsImproving:
		return fmt.Sprintf("still %s: every fifth of the run better than the one before, the last bringing %s of the improvement", improvingWord(primary(r)), pct(rs.Share))
	case analysis.RuleStoppedBySchedule:
		return fmt.Sprintf("still %s until the learning rate ran out (%s of its peak): the schedule stopped it, not the data", improvingWord(primary(r)), pct(rs.LRFraction))
	case analysis.RuleEvalImproving:
		return fmt.Sprintf("%s still improving on held-out data, by about %s over %s", code(rs.Metric), num(rs.Value), horizonText(rs.Horizon))
	case analysis.RuleEvalFlat:
		return code(rs.Metric) + " has flattened on held-out data"
	case analysis.RuleSmallLateShare:
		return fmt.Sprintf("diminishing returns: the last two fifths of the run %s its improvement (at most %s, 95%%)", shareVerb(rs.Value, false), shareWords(rs.High))
	case analysis.RuleEvalDiminishing:
		return fmt.Sprintf("diminishing returns on held-out data: the last two fifths of %s's evaluations %s its improvement", code(rs.Metric), shareVerb(rs.Value, false))
	case analysis.RuleInconclusiveImproving:
		return "probably still " + improvingWord(primary(r)) + ", but too noisy to be sure"
	case analysis.RuleInconclusiveFlat:
		return "probably flat, but too noisy to be sure"
	}
	return ""
}

// shareWords says a change as a share of an improvement, by its
// direction: "0.5% added", "0.2% given back", "nothing".
func shareWords(v float64) string {
	switch {
	case v > 0:
		return pct(v) + " added"
	case v < 0:
		return pct(-v) + " given back"
	}
	return "nothing"
}

// shareVerb says what a change did to an improvement, as a share of it:
// "added 0.5% to", "gave back 0.2% of"; "would add", "would give back"
// when would is set.
func shareVerb(v float64, would bool) string {
	add, back := "added", "gave back"
	if would {
		add, back = "would add", "would give back"
	}
	if v < 0 {
		return back + " " + pct(-v) + " of"
	}
	return add + " " + pct(v) + " to"
}

// pluralS returns "s" unless n is 1.
func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// scaleChange formats a change on the decision scale of ev: a relative
// change for a log-scale metric ("12.3%"), the metric's units otherwise.
func scaleChange(ev *analysis.SeriesEvidence, d float64) string {
	if ev != nil && ev.LogScale {
		return pct(math.Expm1(math.Abs(d)))
	}
	return num(math.Abs(d))
}

// startHow says how the start level was measured.
func startHow(ev *analysis.SeriesEvidence) string {
	if ev == nil {
		return "the first points"
	}
	return fmt.Sprintf("median of the first %d points, steps %s", ev.Start.N, steps(ev.Start.FromStep, ev.Start.ToStep))
}

// levelHow says how the current level was measured.
func levelHow(ev *analysis.SeriesEvidence) string {
	if ev == nil {
		return "the final window"
	}
	return fmt.Sprintf("mean of the %d points over steps %s", ev.Final.N, steps(ev.Final.FromStep, ev.Final.ToStep))
}

// stallStep says what the least meaningful improvement is.
func stallStep(r *analysis.Report) string {
	if strings.Contains(strings.ToLower(primary(r)), "margin") {
		return "the change that moves the implied preference probability sigmoid(margin) by 1 point"
	}
	return "1% of the start"
}

// stallAdvice says what to suspect when a run never improved.
func stallAdvice(r *analysis.Report) string {
	p := primary(r)
	if e := r.Evidence; e != nil && e.Preference != nil {
		pf := e.Preference
		s := fmt.Sprintf("The implied preference probability sigmoid(margin) went from %s to %s: the preference was barely learned.", pct(pf.StartProbability), pct(pf.EndProbability))
		if pf.Accuracy >= 0 {
			s += " The training " + code("rewards/accuracies") + " averages " + pct(pf.Accuracy) + " over the final window" + chance(pf.Accuracy) + "."
		}
		if pf.EvalAccuracy >= 0 {
			s += " The held-out " + code("eval_rewards/accuracies") + " is " + pct(pf.EvalAccuracy) + " (" + code(pf.EvalSource) + ")" + chance(pf.EvalAccuracy) + "."
		}
		return s + " Suspect the learning rate, beta, or pairs whose chosen and rejected answers are too alike."
	}
	if strings.Contains(p, "reward") {
		return "Suspect the learning rate or the reward function (constant, or zero for every completion)."
	}
	return "Suspect the learning rate (too low, or stuck in warmup) or the labels (all masked, or shuffled)."
}

// chance says when a pairwise accuracy is about the chance level.
func chance(acc float64) string {
	if math.Abs(acc-0.5) < 0.1 {
		return ", about the 50% chance level of a pair"
	}
	return ""
}

// lateSteps is the step range of the late stretch of the learning-rate
// rule.
func lateSteps(ev *analysis.SeriesEvidence) string {
	if ev == nil {
		return "before the end"
	}
	span := float64(ev.ToStep - ev.FromStep)
	return steps(ev.FromStep+int64(0.7*span), ev.FromStep+int64(0.9*span))
}

// horizonText describes a horizon: "one more epoch (250 steps)", "150
// steps (one more epoch would be 250; capped at the span the slope was
// measured on)".
func horizonText(h *analysis.Horizon) string {
	if h == nil {
		return "the horizon"
	}
	what := ""
	switch h.Kind {
	case analysis.HorizonEpoch:
		what = "one more epoch"
	case analysis.HorizonRemaining:
		what = "the rest of the run"
	default:
		return fmt.Sprintf("%d steps (the span it was measured on)", h.Steps)
	}
	if h.Capped {
		return fmt.Sprintf("%d steps (%s would be %d; capped at the span it was measured on)", h.Steps, what, h.Full)
	}
	return fmt.Sprintf("%s (%d steps)", what, h.Steps)
}

// horizonShort names a horizon in a few words for the answer card: "one
// more epoch (250 steps)", "the next 149 steps".
func horizonShort(h *analysis.Horizon) string {
	switch {
	case h == nil:
		return "the horizon"
	case h.Kind == analysis.HorizonEpoch && !h.Capped:
		return fmt.Sprintf("one more epoch (%d steps)", h.Steps)
	case h.Kind == analysis.HorizonRemaining && !h.Capped:
		return fmt.Sprintf("the rest of the run (%d steps)", h.Steps)
	}
	return fmt.Sprintf("the next %d steps", h.Steps)
}

// marginWords says what sets the practical margin.
func marginWords(ev *analysis.SeriesEvidence) string {
	if ev == nil {
		return "1% of the level"
	}
	switch ev.MarginKind {
	case analysis.MarginTotal:
		return "3% of the run's total improvement " + num(ev.Total) + " per run length, scaled to the horizon: at this rate, what is left is negligible next to what was gained"
	case analysis.MarginResolution:
		return "the precision the log was written with"
	case analysis.MarginPreference:
		return "the change that moves the implied preference probability sigmoid(margin) by 1 point"
	}
	return "1% of the current level " + num(ev.Final.Level)
}

// trendExplanation is the paragraph of the trend section.
func trendExplanation(r *analysis.Report) string {
	tr := r.Trend
	if tr == nil {
		return ""
	}
	var ev *analysis.SeriesEvidence
	if r.Evidence != nil {
		ev = r.Evidence.Train
	}
	what := code(tr.Metric)
	if tr.LogScale {
		what = "log(" + code(tr.Metric) + ")"
	}
	significance := "significant"
	if !tr.Significant {
		significance = "not significant"
	}
	h := tr.Horizon
	s := fmt.Sprintf("Over steps %s (%d points) the Theil-Sen slope of %s (the median of the slopes between all pairs of points, which spikes do not move) is %s per step, 95%% interval %s to %s (from the Mann-Kendall variance corrected for autocorrelation by Hamed and Rao). The Mann-Kendall test gives z = %s, p %s: %s at the %s level.",
		steps(tr.FromStep, tr.ToStep), tr.N, what, sci(tr.SlopePerStep, 3), sci(tr.SlopeLow, 3), sci(tr.SlopeHigh, 3), sig(tr.MannKendallZ, 3), pIs(tr.P), significance, sig(analysis.TrendAlpha, 2))
	s += fmt.Sprintf(" Projected over %s, the slope leaves %s %s (95%% interval %s to %s), against a practical margin of %s (%s).",
		horizonText(&h), code(tr.Metric), gainWords(tr.Projected), gainWords(tr.ProjectedLow), gainWords(tr.ProjectedHi), num(tr.Margin), marginWords(ev))
	switch tr.Direction {
	case analysis.DirectionFlat:
		s += " Flat: the whole interval is within the margin."
	case analysis.DirectionImproving:
		s += " Improving: the interval is above 0 and the estimate above the margin."
	case analysis.DirectionWorsening:
		s += " Worsening: the interval is below 0 and the estimate beyond the margin."
	default:
		s += " Unclear: the interval is too wide to show a practical change or its absence (absence of evidence is not a plateau)."
	}
	return s
}

// pIs states a p-value after "p": "< 0.001" or "= 0.62".
func pIs(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return "= " + sig(p, 2)
}

// forecastMissing says why no forecast was made.
func forecastMissing(a *analysis.AnotherEpoch) string {
	switch a.Missing {
	case analysis.MissingPoints:
		return code(a.Metric) + " has too few finite points to extrapolate."
	case analysis.MissingHorizon:
		return "The number of steps per epoch is unknown (no epoch was logged and no " + code("max_steps") + "/" + code("num_train_epochs") + "), so one more epoch cannot be sized."
	case analysis.MissingStatus:
		return "The run is not on a learning curve (the verdict: diverged, or too little data), so there is no trend to extrapolate."
	case analysis.MissingNonFinite:
		return fmt.Sprintf("The extrapolation of %s gives no finite number.", code(a.Metric))
	case analysis.MissingDisagrees:
		return fmt.Sprintf("The extrapolation of %s (%s, range %s to %s) contradicts the verdict's own evidence of the recent trend, so the log cannot settle what more training would bring.", code(a.Metric), num(a.ExpectedGain), num(a.GainLow), num(a.GainHigh))
	}
	return ""
}

// forecastHorizon describes the forecast's horizon for its table.
func forecastHorizon(a *analysis.AnotherEpoch) string {
	h := a.Horizon
	switch {
	case a.Kind == analysis.ForecastRestOfRun && h.Capped:
		return fmt.Sprintf("the rest of the run would be %d steps; capped at the %d steps of the fitted curve", h.Full, h.Steps)
	case a.Kind == analysis.ForecastRestOfRun:
		return "the rest of the run, to max_steps"
	case h.Capped:
		return fmt.Sprintf("one more epoch would be %d steps; capped at the %d steps of the fitted curve", h.Full, h.Steps)
	}
	return "one more epoch"
}

// formWords names a model form.
func formWords(f analysis.FormFit) string {
	switch f.Form {
	case analysis.FormPowerLaw:
		return fmt.Sprintf("L = L0 + A·S1^-alpha - C·S2 of Tissue et al. 2024 (alpha %s, C %s)", sig(f.Alpha, 3), num(f.C))
	case analysis.FormExp:
		return "L = L0 + A·exp(-S1/tau) (tau " + num(f.Tau) + ")"
	}
	return string(f.Form)
}

// forecastMethod says how the forecast was made.
func forecastMethod(a *analysis.AnotherEpoch) string {
	if a.Basis == analysis.BasisRecentRate {
		s := fmt.Sprintf("no long-range form agrees with the change measured over steps %s (%s, 95%% interval %s to %s), so the verdict's recent rate is extended in a straight line over at most the span it was measured on",
			steps(a.SegmentFrom, a.SegmentTo), gainWords(a.SegmentChange.Value), gainWords(a.SegmentChange.Low), gainWords(a.SegmentChange.High))
		if a.Schedule == analysis.ScheduleLogged {
			s += ", slowed as the logged learning rate decays"
		}
		return s
	}
	if len(a.Forms) == 0 {
		return "no decreasing fit exists: the curve is not improving, so the current level is the forecast"
	}
	what := code(a.Metric)
	if a.LogScale {
		what = "log(" + what + ")"
	}
	axis := "the step"
	if a.Axis == analysis.FitLRArea {
		axis = "the cumulative learning rate S1 = sum(lr)/peak and the annealing area S2"
	}
	best := a.Forms[0]
	s := fmt.Sprintf("%s against %s over steps %s, fitted as %s", what, axis, steps(a.FitFrom, a.FitTo), formWords(best))
	if best.HeldOutMiss >= 0 {
		s += fmt.Sprintf("; fitted without the last 20%% of the points, it predicts their change within %s of the observed %s", num(best.HeldOutMiss), num(best.HeldOutObserved))
	}
	for _, o := range a.Forms[1:] {
		if o.Rejected != "" {
			s += fmt.Sprintf("; the other form, %s, is not used: its change over steps %s, %s, is outside the change measured there", formWords(o), steps(a.SegmentFrom, a.SegmentTo), num(o.SegmentChange))
			continue
		}
		if o.InRange {
			s += fmt.Sprintf("; the other form, %s, extrapolates about as well and forecasts %s", formWords(o), num(o.Gain))
		} else {
			s += fmt.Sprintf("; the other form, %s, misses the held-out change by %s, more than twice as much, so it is not used (it would forecast %s)", formWords(o), num(o.HeldOutMiss), num(o.Gain))
		}
	}
	switch a.Schedule {
	case analysis.ScheduleLogged:
		s += "; the forecast continues the logged learning-rate schedule to " + code("max_steps")
	case analysis.ScheduleMeanRate:
		s += fmt.Sprintf("; the forecast adds %d steps at the run's mean learning rate", a.HorizonSteps)
	default:
		s += fmt.Sprintf("; the forecast adds %d steps", a.HorizonSteps)
	}
	return s
}

// forecastRange says how the 80% range was built.
func forecastRange(a *analysis.AnotherEpoch) string {
	rb := a.Range
	var parts []string
	if a.Basis == analysis.BasisRecentRate {
		parts = append(parts, "the 80% interval of the recent rate", fmt.Sprintf("the spread of the rates measured over the last fifth and two fifths (%s over the horizon)", num(rb.RateSpread)))
	}
	if rb.Refits > 0 {
		parts = append(parts, fmt.Sprintf("the 10%%-90%% quantiles of %d refits of the chosen form to its fitted values plus resampled residuals (moving-block bootstrap)", rb.Refits))
	}
	for _, o := range a.Forms[min(1, len(a.Forms)):] {
		if o.InRange {
			parts = append(parts, "widened to the other form's forecast")
		}
	}
	if rb.RelMiss > 0 {
		parts = append(parts, fmt.Sprintf("widened by the form's relative miss on the held-out points (%s)", pct(rb.RelMiss)))
	}
	parts = append(parts, "combined with the noise of an observed level (the outcome is a window mean)")
	parts = append(parts, "cut below at what the verdict's evidence allows (no worse than the noise for an improving run, than the margin and the noise for a converged or stalled one)")
	if a.Bounded {
		parts = append(parts, fmt.Sprintf("the expected gain brought within the margin %s that the verdict's evidence allows", num(a.Margin)))
	}
	if rb.Inflation > 1.001 {
		parts = append(parts, fmt.Sprintf("inflated ×%s for the autocorrelation of the fit's residuals", sig(rb.Inflation, 3)))
	}
	return "80% range: " + strings.Join(parts, ", ") + "; calibrated by the backtest (docs/methods.md); positive is better"
}

// forecastSentence is the forecast's conclusion.
func forecastSentence(a *analysis.AnotherEpoch) string {
	verb := "lower"
	if analysis.GreaterIsBetter(a.Metric) {
		verb = "raise"
	}
	rel := func(v float64) string {
		if a.LastValue == 0 {
			return ""
		}
		return " (" + pct(math.Abs(v/a.LastValue)) + ")"
	}
	var what string
	switch {
	case a.Kind == analysis.ForecastRestOfRun && !a.Horizon.Capped:
		what = fmt.Sprintf("The rest of the run (%d steps, to %s) under the logged schedule", a.HorizonSteps, code("max_steps"))
	case a.Kind == analysis.ForecastRestOfRun:
		what = fmt.Sprintf("The next %d steps of the run under the logged schedule", a.HorizonSteps)
	case a.Horizon.Capped:
		what = fmt.Sprintf("%d more steps", a.HorizonSteps)
	default:
		what = fmt.Sprintf("One more epoch (%d steps)", a.HorizonSteps)
	}
	level := fmt.Sprintf("from its current level %s (mean of the %d points from step %d)", num(a.LastValue), a.LevelN, a.LevelFrom)
	var s string
	if len(a.Forms) == 0 && a.Basis != analysis.BasisRecentRate {
		s = fmt.Sprintf("%s: no gain is forecast, as no improving fit of %s exists; the forecast is its current level %s (likely range of what the log will show: %s to %s).",
			what, code(a.Metric), num(a.LastValue), gainWords(a.GainLow), gainWords(a.GainHigh))
	} else {
		s = fmt.Sprintf("%s would %s %s by about %s%s, likely range %s to %s (80%%), %s.", what, verb, code(a.Metric), num(a.ExpectedGain), rel(a.ExpectedGain),
			gainWords(a.GainLow), gainWords(a.GainHigh), level)
	}
	if a.Annealed && a.Kind == analysis.ForecastMoreTraining {
		s += " The learning rate has decayed to ~0, so more training means a new schedule (warm the rate up again, or extend the decay); the forecast assumes the run's mean rate."
	}
	if a.Cost.Seconds > 0 {
		s += " It would take about " + hms(a.Cost.Seconds)
		if a.Cost.Money > 0 {
			s += fmt.Sprintf(" and cost about %.2f", a.Cost.Money)
		}
		s += " at the measured speed."
	}
	return s
}

// costHow says how the cost was computed.
func costHow(c analysis.CostEst, h int64) string {
	return fmt.Sprintf("%d steps × %s s/step = %s h × %d GPU(s) × %s per GPU hour", h, sig(c.SecondsPerStep, 3), sig(c.Seconds/3600, 3), c.GPUs, num(c.GPUHourPrice))
}

// riskWords states the overfitting risk of more training.
func riskWords(a *analysis.AnotherEpoch) string {
	switch a.Risk {
	case analysis.RiskUnknownTrainLoss:
		return "cannot tell without eval: the forecast is of the train loss, which measures fit to the training set (memorisation), not quality"
	case analysis.RiskUnknown:
		return "cannot tell without eval: the forecast is of the training " + code(a.Metric) + ", which does not measure quality on unseen data"
	case analysis.RiskHigh:
		return fmt.Sprintf("high: %s has been getting worse since step %d", code(a.EvalMetric), a.RiskStep)
	case analysis.RiskLow:
		return "low so far: " + code(a.EvalMetric) + " is still at its best at the last evaluation"
	case analysis.RiskModerate:
		return fmt.Sprintf("moderate: %s is no longer improving clearly (best at step %d)", code(a.EvalMetric), a.RiskStep)
	}
	return ""
}
