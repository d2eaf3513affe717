package analysis

import "math"

// obsShare is the share of the points whose mean is the observed level a
// forecast is checked against (the backtest's window, a twentieth).
const obsShare = 0.05

// anotherEpoch is the forecast section (methods §8), derived from the
// evidence the verdict read (see forecast.go for the consistency rules).
// It fits the primary metric after warmup (see newProjFit) and
// forecasts, over the horizon (see forecastHorizon):
//   - for a run that stopped before its planned steps, the improvement
//     to the end of the horizon under the logged schedule continued to
//     max_steps (ForecastRestOfRun: the level at max_steps when the cap
//     allows);
//   - for a finished run, the improvement of one more epoch at the run's
//     mean learning rate, which after an annealed schedule means a new
//     schedule (ForecastMoreTraining).
//
// A long-range form gives the forecast when it agrees with the final
// segment's measured change (formAgrees) and, for an improving run,
// forecasts an improvement; the better-extrapolating such form is used,
// over the horizon capped at the span of the fitted curve. Otherwise
// the final segment's slope is extended over at most its own span
// (recentRateLine). The 80% range of a form is built in range80. The
// forecast is then held to the verdict: no forecast for a run with no
// learning curve to extrapolate, none whose range is wider than what the
// run has gained, and none that contradicts the status (a converged
// run's expected gain is brought within the margin when its range
// allows, otherwise no forecast is given).
func anotherEpoch(run *analyzer, r *Report, opts Options) *AnotherEpoch {
	ae := &AnotherEpoch{Metric: r.Primary, Forms: []FormFit{}}
	c := finiteCurve(run, r.Primary)
	g := runGeometry(run)
	ae.Risk, ae.RiskStep, ae.EvalMetric = overfitRisk(r)
	if c.len() < minVerdictPoints || r.Evidence == nil || r.Evidence.Train == nil {
		ae.Missing = MissingPoints
		return ae
	}
	tr := r.Evidence.Train
	ae.LastValue, ae.LevelFrom, ae.LevelN = tr.Final.Level, tr.Final.FromStep, tr.Final.N
	st := r.Verdict.Status
	if withheldStatus(st) {
		ae.Missing = MissingStatus
		return ae
	}
	hz := forecastHorizon(g)
	if hz.Kind == HorizonSpan {
		ae.Missing = MissingHorizon
		return ae
	}
	pf := fitProjection(run, c)
	ae.LogScale, ae.FitFrom, ae.FitTo = pf.logScale, pf.from, pf.to
	ae.Annealed = pf.ax.annealed
	ae.Axis, ae.Schedule = FitSteps, ScheduleNone
	if pf.ax.ok {
		ae.Axis, ae.Schedule = FitLRArea, ScheduleMeanRate
	}
	ae.Kind = ForecastMoreTraining
	if hz.Kind == HorizonRemaining {
		ae.Kind = ForecastRestOfRun
		if pf.ax.ok {
			ae.Schedule = ScheduleLogged
		}
	}
	// target returns S1 and S2 after h more steps under the assumed
	// schedule.
	target := func(h int64) (float64, float64) {
		switch {
		case !pf.ax.ok:
			return pf.e1 + float64(h), pf.e2
		case ae.Kind == ForecastRestOfRun:
			return pf.ax.extend(h, pf.ax.loggedSchedule(r.LRSchedule, g.planned))
		}
		return pf.e1 + pf.ax.meanLR*float64(h), pf.e2
	}
	// Every part of the forecast is computed on the decision scale (the
	// log of a positive loss), where the forms were fitted, and only the
	// bounds are converted to the metric's units: a range of a positive
	// loss never reaches below 0.
	level := tr.Final.Level
	toGain := func(d float64) float64 { return gainAt(d, level, pf.logScale) }
	// The noise of an observed change: the difference of two window means
	// of obsShare of the points (at least 3), each with the final
	// window's spread and autocorrelation.
	m := math.Max(3, obsShare*float64(c.len()))
	sd := tr.Final.StdErr * math.Sqrt(tr.Final.NEff)
	neff := math.Max(1, m*tr.Final.NEff/float64(max(1, tr.Final.N)))
	obs := math.Sqrt2 * sd / math.Sqrt(neff)

	seg := segmentChange(tr)
	ae.SegmentFrom, ae.SegmentTo = tr.SlopeFrom, tr.SlopeTo
	ae.SegmentChange = Interval{Value: toGain(seg.gain), Low: toGain(seg.lo), High: toGain(seg.hi)}
	hForm := hz.capTo(pf.to - pf.from)
	f1, f2 := target(hForm.Steps)
	mdForm := decisionAt(forecastMargin(c, tr, g, hForm.Steps, opts), level, pf.logScale)
	dgains := make([]float64, len(pf.res))
	chosen := -1
	for i, fr := range pf.res {
		dgains[i] = fr.full.gain(pf.e1, pf.e2, f1, f2)
		agrees, dseg := formAgrees(pf, fr.full, fr.holdout, tr, seg)
		ff := FormFit{Form: fr.form.name, Gain: toGain(dgains[i]), HeldOutMiss: -1, SegmentChange: toGain(dseg)}
		if fr.form.name == FormPowerLaw {
			ff.Alpha, ff.C = fr.full.shape, fr.full.c
		} else {
			ff.Tau = fr.full.shape
		}
		if !math.IsInf(fr.holdout.err, 1) {
			ff.HeldOutMiss, ff.HeldOutObserved = fr.holdout.err, fr.holdout.observed
		}
		switch {
		case !agrees:
			ff.Rejected = RejectRecentRate
		case st == StatusImproving && !(dgains[i] > mdForm):
			ff.Rejected = RejectNoImprovement
		case chosen < 0 && !math.IsNaN(dgains[i]) && !math.IsInf(dgains[i], 0):
			chosen = i
		}
		ae.Forms = append(ae.Forms, ff)
	}
	var d draft
	if chosen >= 0 {
		ae.Basis = BasisForm
		ae.Horizon = hForm
		d = formDraft(pf, chosen, ae.Forms, dgains, f1, f2, hForm.Steps, obs, &ae.Range)
		// The chosen form first, then the others in their order.
		ae.Forms = append(append([]FormFit{ae.Forms[chosen]}, ae.Forms[:chosen]...), ae.Forms[chosen+1:]...)
	} else {
		ae.Basis = BasisRecentRate
		ae.Horizon, d, ae.Range.RateSpread = recentRateLine(pf, tr, r.Verdict.Reason.Rule, hz, ae.Kind, func(h int64) float64 {
			s1, _ := target(h)
			return s1 - pf.e1
		}, obs)
		ae.Range.Inflation = 1
	}
	ae.HorizonSteps = ae.Horizon.Steps
	ae.Margin = forecastMargin(c, tr, g, ae.HorizonSteps, opts)
	md := decisionAt(ae.Margin, level, pf.logScale)
	bounds := evidenceBounds(st, md, tr.RiseThreshold, z80*obs)
	if ae.Kind == ForecastMoreTraining && ae.Annealed && st != StatusImproving {
		// A new schedule: the headroom is a separate answer from the
		// status (a converged run can still gain from one), and only
		// the curve's deceleration bounds it.
		bounds.lo, bounds.hi = -math.Min(md, tr.RiseThreshold)-z80*obs, math.Inf(1)
	}
	d, ae.Missing, ae.Bounded = bounds.apply(d)
	ae.ExpectedGain, ae.GainLow, ae.GainHigh = toGain(d.gain), toGain(d.lo), toGain(d.hi)
	if ae.Range.Refits > 0 {
		b := ae.Range.Bootstrap
		ae.Range.Bootstrap = Interval{Value: ae.ExpectedGain, Low: toGain(b.Low), High: toGain(b.High)}
	}
	if ae.Missing != "" {
		return ae
	}
	ae.Available = true
	ae.Cost = epochCost(run, r, ae.HorizonSteps, opts)
	return ae
}

// formDraft is the forecast of form chosen over h steps (to S1, S2 =
// f1, f2), with its 80% range (see range80), which rb describes.
func formDraft(pf *projFit, chosen int, forms []FormFit, dgains []float64, f1, f2 float64, h int64, obs float64, rb *RangeBuild) draft {
	best := pf.res[chosen]
	bootFits, lag1 := pf.boot, pf.lag1
	if chosen != 0 {
		bootFits, lag1 = bootstrapFits(best, pf.s1, pf.s2, pf.by)
	}
	gains := []float64{dgains[chosen]}
	inRange := []bool{true}
	forms[chosen].InRange = true
	for i, fr := range pf.res {
		if i == chosen {
			continue
		}
		ok := forms[i].Rejected == "" && credible(best.holdout, fr.holdout)
		forms[i].InRange = ok
		gains, inRange = append(gains, dgains[i]), append(inRange, ok)
	}
	boot := make([]float64, 0, len(bootFits))
	for _, f := range bootFits {
		if v := f.gain(pf.e1, pf.e2, f1, f2); !math.IsNaN(v) && !math.IsInf(v, 0) {
			boot = append(boot, v)
		}
	}
	lo, hi, b := range80(gains, inRange, boot, lag1, pf.horizonCheck(best.form, h), h, obs)
	*rb = b
	return draft{gains[0], lo, hi}
}

// epochCost prices h steps from the measured throughput.
func epochCost(run *analyzer, r *Report, h int64, opts Options) CostEst {
	var ce CostEst
	t := r.Throughput
	switch {
	case t.StepsPerSec != nil && t.StepsPerSec.Value > 0:
		ce.SecondsPerStep = 1 / t.StepsPerSec.Value
	case t.SecondsPerIt != nil && t.SecondsPerIt.Value > 0:
		ce.SecondsPerStep = t.SecondsPerIt.Value
	case t.ItPerSecond != nil && t.ItPerSecond.Value > 0:
		ce.SecondsPerStep = 1 / t.ItPerSecond.Value
	case t.RuntimeSeconds != nil && t.RuntimeSeconds.Value > 0 && r.Run.LastStep > 0:
		ce.SecondsPerStep = t.RuntimeSeconds.Value / float64(r.Run.LastStep)
	}
	if ce.SecondsPerStep <= 0 {
		return ce
	}
	ce.Seconds = ce.SecondsPerStep * float64(h)
	if opts.GPUHourPrice <= 0 {
		return ce
	}
	n, _, _ := billedGPUs(run, opts)
	ce.GPUs = max(1, n)
	ce.GPUHourPrice = opts.GPUHourPrice
	ce.Money = ce.Seconds / 3600 * float64(ce.GPUs) * opts.GPUHourPrice
	return ce
}

// overfitRisk grades the overfitting risk of more training from the eval
// section, with the step it refers to and the eval metric.
func overfitRisk(r *Report) (RiskKind, int64, string) {
	e := r.Eval
	switch {
	case !e.Present && (r.Primary == "" || r.Primary == "loss"):
		return RiskUnknownTrainLoss, 0, ""
	case !e.Present:
		return RiskUnknown, 0, ""
	case e.Overfitting:
		return RiskHigh, e.Since, e.Metric
	case e.Last != nil && e.Best != nil && e.BestStep == lastRowStep(e):
		return RiskLow, e.BestStep, e.Metric
	}
	return RiskModerate, e.BestStep, e.Metric
}
