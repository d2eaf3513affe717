package analysis

import (
	"math"

	"github.com/plateau-dev/plateau/internal/stats"
)

// obsShare is the share of the points whose mean is the observed level a
// forecast is checked against (the backtest's window, a twentieth).
const obsShare = 0.05

// anotherEpoch is the forecast section (methods §8). It fits the primary
// metric after warmup (see newProjFit) and forecasts, over the horizon
// (see nextHorizon) capped at the span of the fitted curve:
//   - for a run that stopped before its planned steps, the improvement
//     to the end of the horizon under the logged schedule continued to
//     max_steps (ForecastRestOfRun: the level at max_steps when the cap
//     allows);
//   - for a finished run, the improvement of one more epoch at the run's
//     mean learning rate, which after an annealed schedule means a new
//     schedule (ForecastMoreTraining).
//
// The expected gain is the better-extrapolating form's. The 80% range is
// built in range80: the bootstrap of the chosen form, widened by the
// other form when it extrapolates about as well and by the held-out miss,
// combined with the noise of an observed level, and inflated by the
// residuals' autocorrelation. The baseline is the current level; the cost
// comes from the measured throughput and the risk from the eval section.
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
	hz := forecastHorizon(g)
	if hz.Kind == HorizonSpan {
		ae.Missing = MissingHorizon
		return ae
	}
	pf := fitProjection(run, c)
	ae.Horizon = hz.capTo(pf.to - pf.from)
	ae.HorizonSteps = ae.Horizon.Steps
	ae.Available = true
	ae.LogScale, ae.FitFrom, ae.FitTo = pf.logScale, pf.from, pf.to
	ae.Annealed = pf.ax.annealed
	ae.Axis, ae.Schedule = FitSteps, ScheduleNone
	if pf.ax.ok {
		ae.Axis, ae.Schedule = FitLRArea, ScheduleMeanRate
	}
	ae.Kind = ForecastMoreTraining
	f1, f2 := pf.e1+pf.ax.meanLR*float64(ae.HorizonSteps), pf.e2
	if !pf.ax.ok {
		f1 = pf.e1 + float64(ae.HorizonSteps)
	}
	if hz.Kind == HorizonRemaining {
		ae.Kind = ForecastRestOfRun
		if pf.ax.ok {
			ae.Schedule = ScheduleLogged
			f1, f2 = pf.ax.extend(ae.HorizonSteps, pf.ax.loggedSchedule(r.LRSchedule, g.planned))
		}
	}
	// Every part of the forecast is computed on the decision scale (the
	// log of a positive loss), where the forms were fitted, and only the
	// bounds are converted to the metric's units: a range of a positive
	// loss never reaches below 0.
	toGain := func(d float64) float64 { return gainAt(d, tr.Final.Level, pf.logScale) }
	// The noise of an observed change: the difference of two window means
	// of obsShare of the points (at least 3), each with the final
	// window's spread and autocorrelation.
	m := math.Max(3, obsShare*float64(c.len()))
	sd := tr.Final.StdErr * math.Sqrt(tr.Final.NEff)
	neff := math.Max(1, m*tr.Final.NEff/float64(max(1, tr.Final.N)))
	obs := math.Sqrt2 * sd / math.Sqrt(neff)
	if !pf.ok {
		ae.GainLow, ae.GainHigh = toGain(-z80*obs), toGain(z80*obs)
		ae.Range = RangeBuild{Inflation: 1}
	} else {
		dgains := make([]float64, len(pf.res))
		inRange := make([]bool, len(pf.res))
		for i, fr := range pf.res {
			dgains[i] = fr.full.gain(pf.e1, pf.e2, f1, f2)
			inRange[i] = i == 0 || credible(pf.res[0].holdout, fr.holdout)
			ff := FormFit{Form: fr.form.name, Gain: toGain(dgains[i]), HeldOutMiss: -1, InRange: inRange[i]}
			if fr.form.name == FormPowerLaw {
				ff.Alpha, ff.C = fr.full.shape, fr.full.c
			} else {
				ff.Tau = fr.full.shape
			}
			if !math.IsInf(fr.holdout.err, 1) {
				ff.HeldOutMiss, ff.HeldOutObserved = fr.holdout.err, fr.holdout.observed
			}
			ae.Forms = append(ae.Forms, ff)
		}
		boot := make([]float64, 0, len(pf.boot))
		for _, f := range pf.boot {
			if v := f.gain(pf.e1, pf.e2, f1, f2); !math.IsNaN(v) && !math.IsInf(v, 0) {
				boot = append(boot, v)
			}
		}
		ae.ExpectedGain = toGain(dgains[0])
		lo, hi, rb := range80(dgains, inRange, boot, pf, pf.horizonCheck(ae.HorizonSteps), ae.HorizonSteps, obs)
		ae.GainLow, ae.GainHigh = toGain(lo), toGain(hi)
		if rb.Refits > 0 {
			rb.Bootstrap = Interval{Value: ae.ExpectedGain, Low: toGain(rb.Bootstrap.Low), High: toGain(rb.Bootstrap.High)}
		}
		ae.Range = rb
	}
	ae.Cost = epochCost(run, r, ae.HorizonSteps, opts)
	return ae
}

// range80 builds the 80% range of a forecast around the chosen form's
// gain g = gains[0] from independent parts, added in quadrature on each
// side. Every quantity is on the decision scale (see anotherEpoch):
//   - the noise of the fit: the distance from g to the 10% and 90%
//     quantiles of the bootstrap refits, multiplied by sqrt((1+r)/(1-r))
//     for the lag-1 autocorrelation r of the residuals (at most
//     maxInflation): the bootstrap's blocks keep only part of a slow
//     misfit;
//   - the model form: g divided and multiplied by 1 + the chosen form's
//     relative miss of a held-out tail as long as the horizon (its
//     measured extrapolation error at the forecast's scale; see
//     horizonCheck), and the gains of the other forms that extrapolate
//     about as well (inRange);
//   - the noise of an observed level, obs (the outcome the range is for
//     is what the log will show, a window mean).
func range80(gains []float64, inRange []bool, boot []float64, pf *projFit, hc holdout, h int64, obs float64) (lo, hi float64, rb RangeBuild) {
	g := gains[0]
	r := math.Max(0, math.Min(0.8, pf.lag1))
	rb.Inflation = math.Min(maxInflation, math.Sqrt((1+r)/(1-r)))
	var bootLo, bootHi float64
	rb.Refits = len(boot)
	if len(boot) > 0 {
		rb.Bootstrap = Interval{Value: g, Low: stats.Quantile(boot, bootstrapLow), High: stats.Quantile(boot, bootstrapHigh)}
		bootLo = rb.Inflation * math.Max(0, g-rb.Bootstrap.Low)
		bootHi = rb.Inflation * math.Max(0, rb.Bootstrap.High-g)
	}
	var modelLo, modelHi float64
	if m := hc.relMiss(); m > 0 && g > 0 {
		rb.RelMiss = m
		modelLo, modelHi = g-g/(1+m), g*m
	}
	if !math.IsInf(hc.err, 1) && hc.span > 0 {
		// The held-out miss itself, scaled to the horizon: the model's
		// error when its forecast is about 0.
		miss := hc.err * math.Max(1, float64(h)/hc.span)
		modelLo, modelHi = math.Max(modelLo, miss), math.Max(modelHi, miss)
	}
	for i := 1; i < len(gains); i++ {
		if inRange[i] {
			modelLo = math.Max(modelLo, g-gains[i])
			modelHi = math.Max(modelHi, gains[i]-g)
		}
	}
	noise := z80 * obs
	lo = g - math.Sqrt(bootLo*bootLo+modelLo*modelLo+noise*noise)
	hi = g + math.Sqrt(bootHi*bootHi+modelHi*modelHi+noise*noise)
	return lo, hi, rb
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
