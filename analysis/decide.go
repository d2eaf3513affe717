package analysis

import "math"

// smallShare is the share of the run's total improvement below which
// what the last two fifths of the run delivered (or, for an unfinished
// run, what the rest of the run would deliver at their rate) is
// negligible: diminishing returns. Four fifths of the steps that gave
// under 5% of the gain means the rate fell to a small fraction of what
// it was.
const smallShare = 0.05

// substantialLR is the fraction of its peak the learning rate must still
// have where the last two fifths begin for their flatness to be the
// data's, not the schedule's.
const substantialLR = 0.3

// noSignalShare is the share of the logged losses that must be exactly 0
// with a zero gradient norm for a run to have had no learning signal.
const noSignalShare = 0.9

// decide is the decision procedure: the first rule that holds gives the
// verdict (docs/methods.md, "Verdict", has the same list). It reads only
// the evidence. Every change is in the metric's good direction (positive
// = better) and every comparison is with a margin or a noise level the
// evidence states; the comments give the semantics each rule implements.
func decide(e *Evidence) Verdict {
	tr, f, run := e.Train, e.Pitfalls, e.Run
	switch {
	// insufficient-data: nothing per step was logged.
	case run.Logged == 0 && run.SummaryValues == 0:
		return Verdict{Status: StatusInsufficientData, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleNoData, Metric: e.Metric}}
	case run.Logged == 0:
		return Verdict{Status: StatusInsufficientData, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleSummaryOnly, Metric: e.Metric, Count: run.SummaryValues}}

	// diverged: the metric ends non-finite.
	case f.NonFiniteLast:
		return Verdict{Status: StatusDiverged, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleNonFinite, Metric: e.Metric,
			ToStep: f.NonFiniteStep, Count: f.NonFinite, Sources: []string{f.NonFiniteSource}}}

	// insufficient-data: too few points, or a run that stopped before it
	// got going (in warmup, or in its first minProgress of steps).
	case tr == nil:
		return Verdict{Status: StatusInsufficientData, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleTooFewPoints, Metric: e.Metric,
			Count: run.Points, Of: minVerdictPoints}}
	case run.InWarmup:
		return Verdict{Status: StatusInsufficientData, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleStoppedInWarmup, Metric: "learning_rate",
			ToStep: run.LastStep, Value: run.LastLR, Of: int(run.PlannedSteps), Sources: []string{run.LastLRSource}}}
	case run.StoppedAtStart:
		return Verdict{Status: StatusInsufficientData, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleStoppedAtStart, Metric: e.Metric,
			ToStep: run.LastStep, Of: int(run.PlannedSteps), Value: run.Progress(), Threshold: minProgress}}

	// diverged: in the final window, whole logging windows were
	// non-finite (the NaN filter logged loss 0.0 with grad_norm NaN).
	case f.NaNWindowsLate > 0:
		return Verdict{Status: StatusDiverged, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleNaNWindows, Metric: "loss",
			ToStep: f.LastNaNWindowStep, Count: f.NaNWindows, Of: f.NaNWindowsLate, Sources: []string{f.LastNaNWindowSource}}}

	// stalled: the loss is exactly 0 with a zero gradient at (nearly)
	// every log: no learning signal (labels all masked, parameters
	// frozen), not a perfect fit.
	case e.Metric == "loss" && f.LossPoints >= minVerdictPoints && float64(f.ZeroSignal) >= noSignalShare*float64(f.LossPoints):
		return Verdict{Status: StatusStalled, Confidence: ConfidenceHigh, Reason: Reason{Rule: RuleNoSignal, Metric: "loss",
			FromStep: tr.FromStep, ToStep: tr.ToStep, Count: f.ZeroSignal, Of: f.LossPoints, Sources: f.ZeroSources}}

	// diverged: far worse than its best and not coming back. The end
	// window is worse than the best earlier window (the start included:
	// a curve that only climbs) beyond 3 standard errors and by more
	// than divergeShare: a blow-up that settles on a plateau above its
	// earlier level is diverged, not converged. In a multi-epoch run
	// whose loss drops at each epoch boundary the windows are whole
	// epochs, so the drift inside an epoch is not read as divergence.
	case tr.Rise > tr.RiseThreshold:
		conf := ConfidenceMedium
		if tr.Rise > 2*tr.RiseThreshold {
			conf = ConfidenceHigh
		}
		return Verdict{Status: StatusDiverged, Confidence: conf, Reason: Reason{Rule: RuleWorseThanBest, Metric: e.Metric,
			FromStep: tr.Best.FromStep, ToStep: tr.End.ToStep, Value: tr.Rise, Threshold: tr.RiseThreshold,
			Low: tr.Best.Level, High: tr.End.Level, Level: tr.Final.Level, Sources: append(append([]string{}, tr.Best.Sources...), tr.End.Sources...)}}

	// overfitting: the held-out metric reached its best level and then
	// got worse beyond its own noise at minPersist or more consecutive
	// evaluations up to the last (one bad evaluation is not a trend; one
	// good one, an isolated dip, is not the best level), while the
	// training metric did not get worse.
	case e.Eval.Overfitting():
		ev := e.Eval
		conf := ConfidenceMedium
		if ev.Persist >= 3 && ev.RiseSigma >= 2*overfitZ {
			conf = ConfidenceHigh
		}
		return Verdict{Status: StatusOverfitting, Confidence: conf, Reason: Reason{Rule: RuleEvalWorse, Metric: ev.Metric,
			FromStep: ev.BestLevelStep, ToStep: ev.LastStep, Value: ev.Rise, Low: ev.BestLevel, High: ev.Last.Value,
			Threshold: ev.Threshold, Count: ev.Persist, Of: ev.After, Sources: []string{ev.Best.Source, ev.Last.Source}}}

	// stalled: the metric never meaningfully improved: from the start
	// (the median of its first 5% of points) to the final level it moved
	// less than 2 standard errors or less than a practical step (1% of
	// the start; for a preference margin, 1 point of the implied
	// preference probability).
	case tr.Gain < tr.GainThreshold:
		return Verdict{Status: StatusStalled, Confidence: pointsConfidence(tr.Points), Reason: Reason{Rule: RuleNeverImproved, Metric: e.Metric,
			FromStep: tr.GainFrom.FromStep, ToStep: tr.Final.ToStep, Value: tr.Gain, Threshold: tr.GainThreshold,
			Low: tr.GainFrom.Level, High: tr.Final.Level, Level: tr.Final.Level, Sources: []string{tr.GainFrom.Sources[0], tr.Final.Sources[1]}}}

	// improving: the curve was still falling steeply (the late stretch's
	// projected improvement is above the margin with 95% confidence) and
	// went flat only in the final stretch, where the learning rate had
	// annealed below annealedRatio of its peak: the schedule stopped it,
	// not the data. Flatness that began while the rate was still a
	// substantial fraction of its peak is convergence (below).
	case stoppedBySchedule(tr):
		return Verdict{Status: StatusImproving, Confidence: ConfidenceMedium, Reason: Reason{Rule: RuleStoppedBySchedule, Metric: e.Metric,
			FromStep: tr.SlopeFrom, ToStep: tr.SlopeTo, Value: tr.FinalStretchChange.Value, Low: tr.LateChange.Low, High: tr.LateChange.Value,
			Threshold: tr.Margin, LRFraction: tr.FinalStretchLR, Level: tr.Final.Level, Horizon: &tr.Horizon, Sources: tr.Final.Sources}}

	// improving: the held-out metric, over its last evaluations (at least
	// minEvalTrend), still improves significantly and by more than its
	// margin, and not by a negligible share of its improvement: more
	// training still helps on unseen data, whatever the training curve
	// does.
	// The same diminishing-returns test as the training metric's
	// applies: when the last two fifths of the evaluations' steps
	// delivered less than smallShare of their improvement, a decrease
	// that is still significant is not a practical one.
	case e.Eval != nil && e.Eval.Trend != nil && changeDirection(*e.Eval.Trend, e.Eval.Margin) == DirectionImproving && !e.Eval.diminishing():
		return Verdict{Status: StatusImproving, Confidence: ConfidenceMedium, Reason: evalTrendReason(RuleEvalImproving, e.Eval)}

	// converged: positive evidence that the improvement has practically
	// stopped: the whole 95% interval of the change the final segment
	// projects over the horizon is within the practical margin either way
	// (an equivalence test). A slope that is merely not significant does
	// not pass: its interval is wide.
	case within(tr.Change, tr.Margin):
		return Verdict{Status: StatusConverged, Confidence: segmentConfidence(tr), Reason: changeReason(RuleFlatWithinMargin, e.Metric, tr, tr.Change)}

	// improving: the final segment still improves, significantly (the
	// interval is above 0, and Mann-Kendall p < trendAlpha: logged window
	// means are correlated, so 5% is too loose) and by more than the
	// margin, and the last fifth does not say otherwise (the two
	// estimates of the recent improvement, combined by their precision,
	// are above the margin too: a short final segment's noise can look
	// like a slope).
	case tr.Change.Low > 0 && tr.P < trendAlpha && tr.Change.Value > tr.Margin && recentImprovement(tr) > tr.Margin:
		return Verdict{Status: StatusImproving, Confidence: segmentConfidence(tr), Reason: changeReason(RuleStillImproving, e.Metric, tr, tr.Change)}

	// improving: every fifth of the run is better than the one before
	// beyond its noise, and the last one still delivers more than the
	// margin, whatever one short final segment says.
	case fifthsImproving(tr):
		r := changeReason(RuleFifthsImproving, e.Metric, tr, *tr.FifthChange)
		r.FromStep, r.Share = tr.Fifths[3].FromStep, tr.Shares[4]
		return Verdict{Status: StatusImproving, Confidence: ConfidenceMedium, Reason: r}

	// converged: diminishing returns shown by the fifths: the last
	// fifth's change, scaled to the horizon, is within the margin either
	// way with 95% confidence (the margin includes marginShareOfRun of
	// the total improvement per run length: what is left is a negligible
	// share of what was gained).
	case tr.FifthChange != nil && within(*tr.FifthChange, tr.Margin):
		r := changeReason(RuleDiminishing, e.Metric, tr, *tr.FifthChange)
		r.FromStep, r.Share = tr.Fifths[3].FromStep, tr.Shares[4]
		return Verdict{Status: StatusConverged, Confidence: ConfidenceMedium, Reason: r}

	// converged: flat since the middle of the run, and whatever the
	// noise may hide is a negligible share of what the run gained: the
	// last two fifths of the run delivered no improvement beyond noise,
	// and (for an unfinished run: the rest of the run would deliver, at
	// their rate) less than smallShare of the run's total improvement
	// either way with 95% confidence; and the flatness began while the
	// learning rate was still a substantial fraction of its peak
	// (substantialLR): the data, not the schedule, stopped the
	// improvement. Over two fifths the levels are twice as far apart as
	// over one, so this holds on runs too noisy for the rule above.
	case smallLateShare(tr):
		ls := tr.LateShare
		return Verdict{Status: StatusConverged, Confidence: ConfidenceMedium, Reason: Reason{Rule: RuleSmallLateShare, Metric: e.Metric,
			FromStep: tr.Fifths[2].FromStep, ToStep: tr.Fifths[4].ToStep, Value: ls.Value, Low: ls.Low, High: ls.High, Threshold: smallShare,
			LRFraction: tr.LateLR, Level: tr.Final.Level, Sources: tr.Final.Sources}}
	}

	// The training metric cannot tell; a held-out metric with enough
	// evaluations can: flat within its margin.
	if ev := e.Eval; ev != nil && ev.Trend != nil && changeDirection(*ev.Trend, ev.Margin) == DirectionFlat {
		r := evalTrendReason(RuleEvalFlat, ev)
		return Verdict{Status: StatusConverged, Confidence: ConfidenceMedium, Reason: r}
	}

	// converged, with low confidence: the training metric cannot tell,
	// and by its estimate the held-out metric's last two fifths
	// delivered less than smallShare of its improvement (diminishing
	// returns). A few evaluations of a decelerating curve give no usable
	// noise level, so this leans on the estimate and says so.
	if ev := e.Eval; ev != nil && ev.N >= minEvalTrend && ev.diminishing() {
		ls := ev.LateShare
		return Verdict{Status: StatusConverged, Confidence: ConfidenceLow, Reason: Reason{Rule: RuleEvalDiminishing, Metric: ev.Metric,
			FromStep: ev.LateFrom, ToStep: ev.LastStep, Value: ls.Value, Low: ls.Low, High: ls.High, Threshold: smallShare,
			Level: ev.Last.Value, Count: ev.N, Sources: []string{ev.First.Source, ev.Last.Source}}}
	}

	// Neither improvement nor its absence is shown: the point estimates
	// decide, with low confidence (more points, or a longer run, would
	// tell).
	est := tr.Change
	est.Value = recentImprovement(tr)
	if leansImproving(tr) {
		return Verdict{Status: StatusImproving, Confidence: ConfidenceLow, Reason: changeReason(RuleInconclusiveImproving, e.Metric, tr, est)}
	}
	return Verdict{Status: StatusConverged, Confidence: ConfidenceLow, Reason: changeReason(RuleInconclusiveFlat, e.Metric, tr, est)}
}

// within reports an interval inside [-margin, margin].
func within(iv Interval, margin float64) bool { return iv.Low >= -margin && iv.High <= margin }

// stoppedBySchedule is the learning-rate rule (see decide): the late
// stretch fell by more than the margin and faster than the final stretch,
// both with 95% confidence (the curve bent), the final stretch is flat by
// its point estimate, and the rate there was below annealedRatio of its
// peak.
func stoppedBySchedule(tr *SeriesEvidence) bool {
	l, f := tr.LateChange, tr.FinalStretchChange
	return l != nil && f != nil && tr.FinalStretchLR >= 0 && tr.FinalStretchLR < annealedRatio &&
		l.Low > math.Max(tr.Margin, f.High) && f.Value <= tr.Margin
}

// smallLateShare is the share rule (see decide): the last two fifths'
// share of the total improvement is within ±smallShare with 95%
// confidence and not above 0 (no improvement beyond noise), and the
// learning rate where they begin was at least substantialLR of its peak
// (or not logged).
func smallLateShare(tr *SeriesEvidence) bool {
	ls := tr.LateShare
	return ls != nil && len(tr.Fifths) == 5 && within(*ls, smallShare) && ls.Low <= 0 &&
		(tr.LateLR < 0 || tr.LateLR >= substantialLR)
}

// fifthsImproving reports fifths that each improve on the one before by
// more than z95 standard errors of the difference, the last by more than
// the margin over the horizon by at least one standard error (so that
// noise around a flat end does not pass for a practical improvement).
func fifthsImproving(tr *SeriesEvidence) bool {
	f := tr.FifthChange
	if len(tr.Fifths) != 5 || f == nil || f.Value-(f.High-f.Low)/(2*z95) <= tr.Margin {
		return false
	}
	for k := 1; k < 5; k++ {
		a, b := tr.Fifths[k-1], tr.Fifths[k]
		if a.t-b.t <= z95*math.Hypot(a.StdErr, b.StdErr) {
			return false
		}
	}
	return true
}

// leansImproving reports whether the best point estimate of the recent
// improvement is above the margin: the final segment's projected change
// and the last fifth's, combined by their precision (inverse variance,
// from their 95% intervals), or the final segment's alone without
// fifths.
func leansImproving(tr *SeriesEvidence) bool {
	return recentImprovement(tr) > tr.Margin
}

// recentImprovement combines the two estimates of the recent improvement
// over the horizon by their precision.
func recentImprovement(tr *SeriesEvidence) float64 {
	est := tr.Change.Value
	f := tr.FifthChange
	if f == nil {
		return est
	}
	w1 := precision(tr.Change)
	w2 := precision(*f)
	if w1+w2 == 0 || math.IsInf(w1+w2, 1) {
		return (est + f.Value) / 2
	}
	return (w1*est + w2*f.Value) / (w1 + w2)
}

// precision is the inverse variance of an estimate with a 95% interval.
func precision(iv Interval) float64 {
	se := (iv.High - iv.Low) / (2 * z95)
	if !(se > 0) {
		return math.Inf(1)
	}
	return 1 / (se * se)
}

// changeReason is the reason of a rule that tested a projected change.
func changeReason(rule Rule, metric string, tr *SeriesEvidence, iv Interval) Reason {
	h := tr.Horizon
	return Reason{Rule: rule, Metric: metric, FromStep: tr.SlopeFrom, ToStep: tr.SlopeTo, Value: iv.Value, Low: iv.Low, High: iv.High,
		Threshold: tr.Margin, Level: tr.Final.Level, Horizon: &h, Sources: tr.Final.Sources}
}

// evalTrendReason is the reason of a rule that read the held-out trend.
func evalTrendReason(rule Rule, ev *EvalEvidence) Reason {
	h := ev.TrendHorizon
	return Reason{Rule: rule, Metric: ev.Metric, FromStep: ev.TrendFrom, ToStep: ev.LastStep, Value: ev.Trend.Value, Low: ev.Trend.Low, High: ev.Trend.High,
		Threshold: ev.Margin, Level: ev.TrendLevel, Count: ev.TrendN, Horizon: &h, Sources: []string{ev.Last.Source}}
}

// segmentConfidence grades a decision on the final segment by its
// number of points.
func segmentConfidence(tr *SeriesEvidence) Confidence {
	if tr.SlopeN >= 50 {
		return ConfidenceHigh
	}
	return ConfidenceMedium
}

// pointsConfidence grades a decision by the number of points behind it.
func pointsConfidence(n int) Confidence {
	switch {
	case n >= 50:
		return ConfidenceHigh
	case n >= 20:
		return ConfidenceMedium
	}
	return ConfidenceLow
}
