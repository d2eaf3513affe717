package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
)

// Projection settings.
const (
	projectionBins = 400
	// holdoutShare is the share of the fitted points, at the end, that
	// each model form must predict after being fitted on the rest: the
	// form with the smaller held-out error gives the expected gain.
	holdoutShare = 0.2
	// holdoutMin is the fewest held-out points, and the fewest points
	// left to fit on is 2*holdoutMin.
	holdoutMin = 5
	// credibleRatio is how much larger than the better form's held-out
	// RMS error the other form's may be for its gain to bound the range;
	// a form that predicts the held-out tail this much worse is rejected.
	credibleRatio = 2.0
	// bootstrapReps is the number of bootstrap replicates of the chosen
	// form, and bootstrapLow, bootstrapHigh the quantiles of their gains
	// that bound the range (an 80% interval).
	bootstrapReps = 100
	bootstrapLow  = 0.1
	bootstrapHigh = 0.9
	// bootstrapSeed fixes the resampling, so that a report is
	// reproducible.
	bootstrapSeed = 20240811
)

// A projection is the expected improvement of a curve over a horizon.
type projection struct {
	expected, low, high float64 // improvements (positive = better)
	method              string
	rangeHow            string
	annealed            bool
	ok                  bool
}

// A modelForm is one of the two curve shapes the projection fits to the
// metric (sign-adjusted to decrease, on a log scale for a positive loss)
// against the learning-rate areas S1 and S2. refit fits again with the
// shape parameter searched near that of an earlier fit (for the
// bootstrap).
type modelForm struct {
	name  string
	fit   func(s1, s2, y []float64) fittedForm
	refit func(s1, s2, y []float64, near fittedForm) fittedForm
}

// A fittedForm predicts the curve and the gain of d1 more units of S1
// after e1.
type fittedForm struct {
	ok      bool
	shape   float64 // alpha or tau
	predict func(s1, s2 float64) float64
	gain    func(e1, d1 float64) float64
	params  string
}

// refitWidth bounds a bootstrap refit's search for the shape parameter
// to the factors exp(-refitWidth) to exp(refitWidth) of the fit it
// resamples.
const refitWidth = 2.0

// tissueForm is L = L0 + A*S1^-alpha - C*S2 (Tissue et al. 2024); the
// gain of more training at a constant rate leaves S2 unchanged.
var tissueForm = modelForm{name: "L = L0 + A*S1^-alpha - C*S2 of Tissue et al. 2024",
	fit: func(s1, s2, y []float64) fittedForm { return tissueFitted(stats.FitTissue(s1, s2, y)) },
	refit: func(s1, s2, y []float64, near fittedForm) fittedForm {
		return tissueFitted(stats.FitTissueNear(s1, s2, y, near.shape, refitWidth))
	}}

func tissueFitted(tf stats.TissueFit) fittedForm {
	return fittedForm{ok: tf.OK, shape: tf.Alpha,
		predict: tf.Predict,
		gain: func(e1, d1 float64) float64 {
			return tf.A * (math.Pow(e1, -tf.Alpha) - math.Pow(e1+d1, -tf.Alpha))
		},
		params: fmt.Sprintf("alpha %.2f, C %s", tf.Alpha, fmtNum(tf.C))}
}

// expForm is a saturating exponential in S1, L = L0 + A*exp(-S1/tau): its
// tail is light where the power law's is heavy.
var expForm = modelForm{name: "L = L0 + A*exp(-S1/tau)",
	fit: func(s1, _, y []float64) fittedForm { return expFitted(stats.FitExp(s1, y)) },
	refit: func(s1, _, y []float64, near fittedForm) fittedForm {
		return expFitted(stats.FitExpNear(s1, y, near.shape, refitWidth))
	}}

func expFitted(ex stats.CurveFit) fittedForm {
	return fittedForm{ok: ex.OK, shape: ex.Tau,
		predict: func(x, _ float64) float64 { return ex.Predict(x) },
		gain:    func(e1, d1 float64) float64 { return ex.Predict(e1) - ex.Predict(e1+d1) },
		params:  "tau " + fmtNum(ex.Tau)}
}

// A formResult is one form's fit and held-out score.
type formResult struct {
	form    modelForm
	full    fittedForm
	holdout holdout
}

// A projFit is the fitted state of a projection, which does not depend on
// the horizon: the forms ranked by their held-out score, and the
// bootstrap refits of the best one.
type projFit struct {
	ok       bool
	res      []formResult
	boot     []fittedForm
	e1       float64 // S1 at the last step
	meanLR   float64 // S1 per step at the run's mean rate
	logScale bool
	annealed bool
	lrOK     bool
	what     string // "log(loss) against ... over steps a-b"
}

// project fits the curve against the learning-rate areas (or steps) and
// returns the improvement expected from h more steps at the run's mean
// learning rate, in the metric's good direction (methods §8). Two forms
// are fitted (the Tissue et al. power law, which needs a logged rate, and
// a saturating exponential). Each is first fitted without the last
// holdoutShare of the points and scored by how well it predicts the
// change over them (see holdout); the better form gives the expected
// gain. The range is the 80% interval of a moving-block bootstrap of that
// form's residuals, widened to the other form's gain when that form
// extrapolates about as well (see credible). level is the current level,
// which converts a gain on the log scale into the metric's units.
func project(run *analyzer, c *curve, h int64, level float64) projection {
	return fitProjection(run, c).at(c, h, level)
}

// at evaluates the projection over h more steps from level.
func (pf *projFit) at(c *curve, h int64, level float64) projection {
	p := projection{annealed: pf.annealed}
	if !pf.ok {
		return p
	}
	toGain := func(d float64) float64 {
		if pf.logScale {
			return level * -math.Expm1(-d)
		}
		return d
	}
	d1 := pf.meanLR * float64(h)
	best := pf.res[0]
	p.ok = true
	p.expected = toGain(best.full.gain(pf.e1, d1))
	p.low, p.high = p.expected, p.expected
	if len(pf.boot) > 0 {
		gains := make([]float64, 0, len(pf.boot))
		for _, f := range pf.boot {
			if g := toGain(f.gain(pf.e1, d1)); !math.IsNaN(g) && !math.IsInf(g, 0) {
				gains = append(gains, g)
			}
		}
		if len(gains) > 0 {
			p.low = math.Min(p.low, stats.Quantile(gains, bootstrapLow))
			p.high = math.Max(p.high, stats.Quantile(gains, bootstrapHigh))
		}
	}
	p.rangeHow = fmt.Sprintf("the %.0f%% interval of %d refits of the chosen form to its fitted values plus resampled residuals (moving-block bootstrap)",
		100*(bootstrapHigh-bootstrapLow), bootstrapReps)
	if r := best.holdout.relMiss(); r > 0 && p.expected > 0 {
		// The form's measured extrapolation error, as a factor on both
		// sides of its estimate.
		p.low, p.high = math.Min(p.low, p.expected/(1+r)), math.Max(p.high, p.expected*(1+r))
		p.rangeHow += fmt.Sprintf(", widened by the form's relative miss on the held-out points (%.0f%%: the estimate divided and multiplied by %s)", 100*r, fmtNum(1+r))
	}
	p.rangeHow += "; positive is better"
	var other string
	if len(pf.res) > 1 {
		o := pf.res[1]
		og := toGain(o.full.gain(pf.e1, d1))
		if credible(best.holdout, o.holdout) {
			p.low, p.high = math.Min(p.low, og), math.Max(p.high, og)
			p.rangeHow = strings.Replace(p.rangeHow, "; positive", fmt.Sprintf(", widened to the other form's %s, which extrapolates about as well; positive", fmtNum(og)), 1)
			other = fmt.Sprintf("; the other form, %s (%s), extrapolates about as well (its miss is %s) and projects %s",
				o.form.name, o.full.params, fmtNum(o.holdout.err), fmtNum(og))
		} else {
			other = fmt.Sprintf("; the other form, %s (%s), misses by %s, beyond the uncertainty of the observed change and more than %gx the chosen form's miss, so it is not used (it would project %s)",
				o.form.name, o.full.params, fmtNum(o.holdout.err), credibleRatio, fmtNum(og))
		}
	}
	score := "fitted on all the points"
	if hb := best.holdout; !math.IsInf(hb.err, 1) {
		score = fmt.Sprintf("fitted without the last %.0f%% of the points, it predicts their change within %s of the observed %s", 100*holdoutShare, fmtNum(hb.err), fmtNum(hb.observed))
	}
	p.method = fmt.Sprintf("%s, fitted as %s (%s; %s)%s; the projection adds %d steps",
		pf.what, best.form.name, best.full.params, score, other, h)
	if pf.lrOK {
		p.method += " at the run's mean learning rate"
	}
	return p
}

// fitProjection fits the forms to c (see project), or returns the fit
// made for the same curve and learning rate before.
func fitProjection(run *analyzer, c *curve) *projFit {
	key := projKey{c: c, lr: finiteCurve(run, "learning_rate"), last: runGeometry(run).lastStep, warmup: warmupEnd(run)}
	run.mu.Lock()
	pf := run.projs[key]
	run.mu.Unlock()
	if pf != nil {
		return pf
	}
	pf = newProjFit(run, c)
	run.mu.Lock()
	run.projs[key] = pf
	run.mu.Unlock()
	return pf
}

func newProjFit(run *analyzer, c *curve) *projFit {
	ax := newLRAxes(run)
	sign := 1.0
	if c.greater {
		sign = -1 // fit a decreasing curve
	}
	i0 := 0
	if w := warmupEnd(run); w > 0 {
		for i0 < c.len()-minVerdictPoints && c.pts[i0].Step < w {
			i0++
		}
	}
	// A positive loss is fitted on a log scale, so that no projection
	// takes it below 0.
	logScale := c.positive() && !c.greater
	bx, by := stats.Bin(c.x[i0:], c.logY(logScale)[i0:], projectionBins)
	s1 := make([]float64, len(bx))
	s2 := make([]float64, len(bx))
	for i, x := range bx {
		s1[i], s2[i] = ax.at(int64(x))
		by[i] *= sign
	}
	last := c.pts[c.len()-1].Step
	pf := &projFit{meanLR: ax.meanLR, logScale: logScale, annealed: ax.annealed, lrOK: ax.ok}
	pf.e1, _ = ax.at(last)
	what := c.name
	if logScale {
		what = "log(" + c.name + ")"
	}
	pf.what = fmt.Sprintf("%s against %s over steps %d-%d", what, ax.what, c.pts[i0].Step, last)
	forms := []modelForm{expForm}
	if ax.ok {
		forms = []modelForm{tissueForm, expForm}
	}
	for _, f := range forms {
		if full := f.fit(s1, s2, by); full.ok {
			pf.res = append(pf.res, formResult{form: f, full: full, holdout: holdoutError(f, bx, s1, s2, by)})
		}
	}
	if len(pf.res) == 0 {
		return pf
	}
	// The better form predicts the held-out change better; ties keep the
	// order above.
	sort.SliceStable(pf.res, func(a, b int) bool { return pf.res[a].holdout.err < pf.res[b].holdout.err })
	pf.ok = true
	pf.boot = bootstrapFits(pf.res[0], s1, s2, by)
	return pf
}

// A projKey identifies the inputs of a projection fit: the curve, the
// learning rate, the run's last step and the end of warmup.
type projKey struct {
	c, lr        *curve
	last, warmup int64
}

// credible reports whether the other form extrapolates about as well as
// the best one: its miss of the held-out change is within the uncertainty
// of the observed change, or within credibleRatio of the best form's.
func credible(best, other holdout) bool {
	if math.IsInf(best.err, 1) {
		return true // neither could be scored: both bound the range
	}
	return other.err <= math.Max(credibleRatio*best.err, best.slack)
}

// A holdout scores how well a form, fitted without the last points,
// extrapolates over them: the change it predicts from the first to the
// last held-out point against the change observed there (the Theil-Sen
// slope of the held-out points times their span), because a projection
// is a change, not a level.
type holdout struct {
	err      float64 // |predicted - observed| change; +Inf when not scored
	observed float64 // the observed change (a decrease is positive)
	slack    float64 // half the width of the observed change's 95% interval
}

// relMiss returns the relative error of the held-out prediction,
// |predicted - observed| / |observed|, capped at maxRelMiss, or 0 when
// it was not scored or the observed change is within its own
// uncertainty (then it says nothing about the error's size).
func (h holdout) relMiss() float64 {
	if math.IsInf(h.err, 1) || math.Abs(h.observed) <= h.slack || h.observed == 0 {
		return 0
	}
	return math.Min(maxRelMiss, h.err/math.Abs(h.observed))
}

// maxRelMiss caps the relative held-out miss used to widen a range: a
// factor of 2 either side of the estimate.
const maxRelMiss = 1.0

// holdoutError fits form f without the last holdoutShare of the points
// (at least holdoutMin) and scores its extrapolation over them.
func holdoutError(f modelForm, bx, s1, s2, y []float64) holdout {
	n := len(y)
	m := max(holdoutMin, int(math.Round(holdoutShare*float64(n))))
	out := holdout{err: math.Inf(1)}
	if n-m < 2*holdoutMin {
		return out
	}
	fit := f.fit(s1[:n-m], s2[:n-m], y[:n-m])
	if !fit.ok {
		return out
	}
	k := n - m
	span := bx[n-1] - bx[k]
	ts := stats.TheilSen(bx[k:], y[k:], 0, 0, 0.95)
	if math.IsNaN(ts.Slope) || span <= 0 {
		return out
	}
	out.observed = -ts.Slope * span
	out.slack = (ts.High - ts.Low) / 2 * span
	pred := fit.predict(s1[k], s2[k]) - fit.predict(s1[n-1], s2[n-1])
	if d := math.Abs(pred - out.observed); !math.IsNaN(d) {
		out.err = d
	}
	return out
}

// bootstrapFits refits the chosen form to its fitted values plus
// resampled residuals (moving blocks of about n^(1/3) points, which keep
// the residuals' autocorrelation) and returns the refits.
func bootstrapFits(best formResult, s1, s2, y []float64) []fittedForm {
	n := len(y)
	if n < 2*holdoutMin {
		return nil
	}
	pred := make([]float64, n)
	res := make([]float64, n)
	for i := range y {
		pred[i] = best.full.predict(s1[i], s2[i])
		res[i] = y[i] - pred[i]
		if math.IsNaN(res[i]) {
			return nil
		}
	}
	block := max(2, int(math.Round(math.Cbrt(float64(n)))))
	rng := rand.New(rand.NewPCG(bootstrapSeed, uint64(n)))
	out := make([]fittedForm, 0, bootstrapReps)
	for range bootstrapReps {
		ys := make([]float64, n)
		for i := 0; i < n; {
			start := rng.IntN(n - block + 1)
			for j := 0; j < block && i < n; j++ {
				ys[i] = pred[i] + res[start+j]
				i++
			}
		}
		if f := best.form.refit(s1, s2, ys, best.full); f.ok {
			out = append(out, f)
		}
	}
	return out
}
