package analysis

import (
	"math"

	"github.com/plateau-dev/plateau/internal/stats"
)

// ForecastBasis says what a forecast extrapolates.
type ForecastBasis string

// Forecast bases.
const (
	// BasisForm: a long-range form (the first of AnotherEpoch.Forms) that
	// predicted the held-out points and agrees with the recent rate the
	// verdict read (see formAgrees).
	BasisForm ForecastBasis = "long-range-form"
	// BasisRecentRate: no form agrees with the recent rate, so the final
	// segment's slope, the verdict's own reading, is extended in a
	// straight line over at most the span it was measured on.
	BasisRecentRate ForecastBasis = "recent-rate"
)

// FormRejection says why a fitted form was not used.
type FormRejection string

// Reasons to set a form aside.
const (
	// RejectRecentRate: the form's change over the final segment is
	// outside the 95% interval of the change measured there: it does not
	// describe the evidence the verdict read.
	RejectRecentRate FormRejection = "disagrees-with-recent-rate"
	// RejectNoImprovement: the verdict is improving and the form
	// forecasts no more than the margin (no change).
	RejectNoImprovement FormRejection = "no-improvement-while-improving"
)

// Forecast consistency (docs/methods.md, "Forecast and verdict"). The
// forecast is derived from the same evidence as the verdict, and the
// pair never contradicts itself:
//   - no forecast for a run that diverged or has too little data
//     (there is no learning curve to extrapolate);
//   - a converged or stalled verdict comes with an expected gain within
//     the practical margin at the forecast's horizon (see
//     forecastMargin), except the gain of more training under a new
//     schedule after an annealed one (headroom, a separate answer);
//   - an improving verdict comes with an expected gain beyond that
//     margin (not "no change").

// withheldStatus reports a status with nothing to extrapolate.
func withheldStatus(s Status) bool {
	return s == StatusInsufficientData || s == StatusDiverged
}

// A draft is a forecast on the decision scale (the log of a positive
// loss): the expected improvement and its 80% range.
type draft struct {
	gain, lo, hi float64
}

// segmentChange is the improvement the final segment's Theil-Sen slope
// measured over the segment, on the decision scale, with its 95%
// interval: the evidence the verdict read.
func segmentChange(tr *SeriesEvidence) draft {
	span := float64(tr.SlopeTo - tr.SlopeFrom)
	return draft{-tr.Slope.Value * span, -tr.Slope.High * span, -tr.Slope.Low * span}
}

// formAgrees reports whether form f's change over the final segment
// agrees with the change measured there (seg): their difference is
// within the 95% half-width of the measured change and the form's own
// error on held-out points (hold, its miss of the last fifth's change),
// in quadrature. It returns the form's change.
func formAgrees(pf *projFit, f fittedForm, hold holdout, tr *SeriesEvidence, seg draft) (bool, float64) {
	a1, a2 := pf.ax.at(tr.SlopeFrom)
	b1, b2 := pf.ax.at(tr.SlopeTo)
	d := f.predict(a1, a2) - f.predict(b1, b2)
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return false, d
	}
	tol := (seg.hi - seg.lo) / 2
	if !math.IsInf(hold.err, 1) {
		tol = math.Hypot(tol, hold.err)
	}
	return math.Abs(d-seg.gain) <= tol, d
}

// recentRate returns the rate of improvement per step, on the decision
// scale, that the verdict's rule read, with its 95% interval: the last
// fifth's change for the rules of the fifths, the two estimates combined
// by their precision for the inconclusive rules, the final segment's
// slope otherwise. spread is the largest distance between it and the
// other measured rates (the final segment's, the last fifth's, the last
// two fifths'): rates over windows of different ages disagree as much as
// the curve bends, and a straight line does not know how it will bend.
func recentRate(tr *SeriesEvidence, rule Rule) (r draft, spread float64) {
	seg := draft{-tr.Slope.Value, -tr.Slope.High, -tr.Slope.Low}
	rates := []float64{seg.gain}
	perStep := func(iv Interval) draft {
		h := float64(max(1, tr.Horizon.Steps))
		at := func(g float64) float64 { return decisionAt(g, tr.Final.Level, tr.LogScale) / h }
		return draft{at(iv.Value), at(iv.Low), at(iv.High)}
	}
	var fifth draft
	if tr.FifthChange != nil {
		fifth = perStep(*tr.FifthChange)
		rates = append(rates, fifth.gain)
	}
	if len(tr.Fifths) == 5 {
		a, b := tr.Fifths[2], tr.Fifths[4]
		if d := float64(b.FromStep+b.ToStep-a.FromStep-a.ToStep) / 2; d > 0 {
			rates = append(rates, (a.t-b.t)/d)
		}
	}
	r = seg
	switch rule {
	case RuleFifthsImproving, RuleDiminishing:
		if tr.FifthChange != nil {
			r = fifth
		}
	case RuleInconclusiveImproving, RuleInconclusiveFlat:
		if tr.FifthChange != nil {
			r = perStep(Interval{Value: recentImprovement(tr), Low: tr.Change.Low, High: tr.Change.High})
		}
	}
	for _, x := range rates {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			spread = math.Max(spread, math.Abs(x-r.gain))
		}
	}
	return r, spread
}

// recentRateLine extends the rate the verdict read (see recentRate)
// over hz capped at the final segment's span (a line is not extrapolated
// further than it was measured). Under a logged schedule that decays,
// the rate is taken per unit of cumulative learning rate, so that a rate
// falling to 0 slows the line as it slows training. The 80% range is the
// rate's interval at 80%, the spread of the measured rates and the noise
// of an observed level obs, in quadrature.
func recentRateLine(pf *projFit, tr *SeriesEvidence, rule Rule, hz Horizon, kind ForecastKind, future func(h int64) float64, obs float64) (Horizon, draft, float64) {
	span := tr.SlopeTo - tr.SlopeFrom
	h := hz.capTo(span)
	eff := float64(h.Steps)
	if kind == ForecastRestOfRun && pf.ax.ok {
		a1, _ := pf.ax.at(tr.SlopeFrom)
		b1, _ := pf.ax.at(tr.SlopeTo)
		if d := b1 - a1; d > 0 {
			eff = math.Min(eff, math.Max(0, future(h.Steps)/d*float64(span)))
		}
	}
	r, spread := recentRate(tr, rule)
	half := (r.hi - r.lo) / 2 * z80 / z95 * eff
	w := math.Sqrt(half*half + sq(spread*eff) + sq(z80*obs))
	return h, draft{r.gain * eff, r.gain*eff - w, r.gain*eff + w}, spread * eff
}

func sq(x float64) float64 { return x * x }

// The bounds of a forecast that the verdict's evidence sets, on the
// decision scale: its expected gain must lie within [lo, hi] (above
// above when that is set) and its range not below lo.
type bounds struct {
	lo, hi float64
	above  float64 // the expected gain must be greater (-Inf: no bound)
}

// evidenceBounds returns what the evidence allows a forecast of a run
// with status st, with the margin md at the forecast's horizon, the
// divergence threshold rise and the 80% noise of an observed level
// noise:
//   - a converged or stalled run's expected gain within the margin
//     either way, and its outcome within the margin plus the noise;
//   - an improving run's expected gain beyond the margin, and its
//     outcome no worse than the noise;
//   - any other run's outcome no worse than the divergence threshold
//     (it did not diverge) plus the noise.
func evidenceBounds(st Status, md, rise, noise float64) bounds {
	b := bounds{lo: -math.Min(md, rise) - noise, hi: math.Inf(1), above: math.Inf(-1)}
	switch st {
	case StatusConverged, StatusStalled:
		b.hi = md
	case StatusImproving:
		b.lo, b.above = -noise, md
	}
	return b
}

// apply holds the forecast d to the bounds: its range is cut to them,
// and an expected gain beyond them (when the range reaches within) is
// brought to the nearest value allowed (bounded). A forecast that is
// not finite (MissingNonFinite), or whose range does not reach within
// the bounds, or an improving run's that does not exceed the margin,
// is not given (MissingDisagrees): the log cannot settle it.
func (b bounds) apply(d draft) (draft, ForecastMissing, bool) {
	switch {
	case math.IsNaN(d.gain) || math.IsInf(d.gain, 0):
		return d, MissingNonFinite, false
	case d.hi < b.lo || d.lo > b.hi || !(d.gain > b.above):
		return d, MissingDisagrees, false
	}
	var bounded bool
	switch {
	case d.gain > b.hi:
		d.gain, bounded = b.hi, true
	case d.gain < b.lo:
		d.gain, bounded = b.lo, true
	}
	d.lo = math.Max(d.lo, b.lo)
	return d, "", bounded
}

// decisionAt converts an improvement g in the metric's units at level
// into the decision scale (the inverse of gainAt).
func decisionAt(g, level float64, logScale bool) float64 {
	if !logScale {
		return g
	}
	if g >= level {
		return math.Inf(1)
	}
	return -math.Log1p(-g / level)
}

// Premature stop: a converged call after which the metric still
// improves by more than prematureLevel of its level and prematureStart of
// its starting level (the backtest's criterion, issue 9) stopped too
// early.
const (
	prematureLevel = 0.05
	prematureStart = 0.01
)

// forecastMargin is the practical margin of a change over h steps: the
// verdict's margin (see margin) at the forecast's horizon, whose share
// of the run's total improvement scales with h, but no more than the
// improvement that would make a converged call premature (see
// prematureLevel): after a long descent a share of the total can be a
// large share of the level, and a converged call must not come with a
// forecast of a fall that large.
func forecastMargin(c *curve, tr *SeriesEvidence, g geometry, h int64, opts Options) float64 {
	length := float64(tr.ToStep - tr.FromStep)
	if g.incomplete() {
		length = math.Max(length, float64(g.planned-g.lastStep))
	}
	m, _ := margin(c, tr.Final.Level, tr.Total*float64(h)/math.Max(1, length), tr.Resolution, opts)
	premature := math.Max(prematureLevel*math.Abs(tr.Final.Level), prematureStart*math.Abs(tr.Start.Level))
	return math.Min(m, premature)
}

// range80 builds the 80% range of a forecast around the chosen form's
// gain g = gains[0] from independent parts, added in quadrature on each
// side. Every quantity is on the decision scale (see anotherEpoch), and
// the bootstrap interval in rb too (the caller converts it):
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
func range80(gains []float64, inRange []bool, boot []float64, lag1 float64, hc holdout, h int64, obs float64) (lo, hi float64, rb RangeBuild) {
	g := gains[0]
	r := math.Max(0, math.Min(0.8, lag1))
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
