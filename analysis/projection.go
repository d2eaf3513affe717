package analysis

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/plateau-dev/plateau/internal/stats"
)

// Forecast settings.
const (
	projectionBins = 400
	// holdoutShare is the share of the fitted points, at the end, that
	// each model form must predict after being fitted on the rest: the
	// form with the smaller held-out miss gives the forecast.
	holdoutShare = 0.2
	// holdoutMin is the fewest held-out points, and the fewest points
	// left to fit on is 2*holdoutMin.
	holdoutMin = 5
	// credibleRatio is how much larger than the better form's held-out
	// miss the other form's may be for its forecast to bound the range.
	credibleRatio = 2.0
	// maxRelMiss caps the relative held-out miss used to widen a range: a
	// factor of 4 either side of the estimate.
	maxRelMiss = 3.0
	// bootstrapReps is the number of bootstrap refits of the chosen form;
	// bootstrapLow and bootstrapHigh the quantiles of their forecasts
	// that bound the range (an 80% interval), and z80 the matching normal
	// quantile.
	bootstrapReps = 100
	bootstrapLow  = 0.1
	bootstrapHigh = 0.9
	z80           = 1.2816
	// bootstrapSeed fixes the resampling, so that a report is
	// reproducible.
	bootstrapSeed = 20240811
	// refitWidth bounds a bootstrap refit's search for the shape
	// parameter to the factors exp(-refitWidth) to exp(refitWidth) of the
	// fit it resamples.
	refitWidth = 2.0
	// maxInflation caps the autocorrelation inflation of a range.
	maxInflation = 3.0
)

// A modelForm is one of the two curve shapes the forecast fits to the
// metric (sign-adjusted to decrease, on a log scale for a positive loss)
// against the learning-rate areas S1 and S2. refit fits again with the
// shape parameter searched near that of an earlier fit (for the
// bootstrap).
type modelForm struct {
	name FormName
	fit  func(s1, s2, y []float64) fittedForm
	// refitter returns the refit of values over s1 and s2 near a fit, for
	// the bootstrap: it shares the work that depends on s1 and s2 only.
	refitter func(s1, s2 []float64, near fittedForm) func(y []float64) fittedForm
}

// A fittedForm predicts the curve at (S1, S2).
type fittedForm struct {
	ok      bool
	shape   float64 // alpha or tau
	c       float64 // the S2 coefficient of the power law
	predict func(s1, s2 float64) float64
}

// gain returns the decrease the form predicts from (e1, e2) to (f1, f2).
func (f fittedForm) gain(e1, e2, f1, f2 float64) float64 {
	return f.predict(e1, e2) - f.predict(f1, f2)
}

// tissueForm is L = L0 + A*S1^-alpha - C*S2 (Tissue et al. 2024).
var tissueForm = modelForm{name: FormPowerLaw,
	fit: func(s1, s2, y []float64) fittedForm { return tissueFitted(stats.FitTissue(s1, s2, y)) },
	refitter: func(s1, s2 []float64, near fittedForm) func(y []float64) fittedForm {
		r := stats.NewTissueRefitter(s1, s2, near.shape, refitWidth)
		return func(y []float64) fittedForm { return tissueFitted(r.Fit(y)) }
	}}

func tissueFitted(tf stats.TissueFit) fittedForm {
	return fittedForm{ok: tf.OK, shape: tf.Alpha, c: tf.C, predict: tf.Predict}
}

// expForm is a saturating exponential in S1, L = L0 + A*exp(-S1/tau): its
// tail is light where the power law's is heavy.
var expForm = modelForm{name: FormExp,
	fit: func(s1, _, y []float64) fittedForm { return expFitted(stats.FitExp(s1, y)) },
	refitter: func(s1, _ []float64, near fittedForm) func(y []float64) fittedForm {
		r := stats.NewExpRefitter(s1, near.shape, refitWidth)
		return func(y []float64) fittedForm { return expFitted(r.Fit(y)) }
	}}

func expFitted(ex stats.CurveFit) fittedForm {
	return fittedForm{ok: ex.OK, shape: ex.Tau, predict: func(x, _ float64) float64 { return ex.Predict(x) }}
}

// A formResult is one form's fit and held-out score.
type formResult struct {
	form    modelForm
	full    fittedForm
	holdout holdout
}

// A projFit is the fitted state of a forecast, which does not depend on
// the horizon: the forms ranked by their held-out score, the bootstrap
// refits of the best one, and the autocorrelation of its residuals.
type projFit struct {
	ok       bool
	res      []formResult
	boot     []fittedForm
	ax       lrAxes
	e1, e2   float64 // S1 and S2 at the last step
	logScale bool
	from, to int64
	lag1     float64 // lag-1 autocorrelation of the chosen form's residuals
	// The binned points the forms were fitted to.
	bx, s1, s2, by []float64
}

// fitProjection fits the forms to c, once per analysis (see analyzer).
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

// A projKey identifies the inputs of a projection fit: the curve, the
// learning rate, the run's last step and the end of warmup.
type projKey struct {
	c, lr        *curve
	last, warmup int64
}

// newProjFit fits c after warmup, binned to projectionBins medians (on a
// log scale for a positive loss, so that no forecast takes it below 0),
// against the learning-rate areas (or steps without a logged rate). Each
// form is also fitted without the last holdoutShare of the points and
// scored by how well it predicts their change (see holdout); the better
// one is chosen and refitted bootstrapReps times.
func newProjFit(run *analyzer, c *curve) *projFit {
	ax := newLRAxes(run)
	sign := 1.0
	if c.greater {
		sign = -1 // fit a decreasing curve
	}
	i0 := 0
	if w := warmupEnd(run); w > 0 {
		for i0 < c.len()-minVerdictPoints && c.step(i0) < w {
			i0++
		}
	}
	logScale := c.positive() && !c.greater
	bx, by := stats.Bin(c.x[i0:], c.logY(logScale)[i0:], projectionBins)
	s1 := make([]float64, len(bx))
	s2 := make([]float64, len(bx))
	for i, x := range bx {
		s1[i], s2[i] = ax.at(int64(x))
		by[i] *= sign
	}
	last := c.step(c.len() - 1)
	pf := &projFit{ax: ax, logScale: logScale, from: c.step(i0), to: last, bx: bx, s1: s1, s2: s2, by: by}
	pf.e1, pf.e2 = ax.at(last)
	if !ax.ok {
		pf.e1, pf.e2 = float64(last), 0
	}
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
	pf.boot, pf.lag1 = bootstrapFits(pf.res[0], s1, s2, by)
	return pf
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
// slope of the held-out points times their span), because a forecast
// is a change, not a level.
type holdout struct {
	err      float64 // |predicted - observed| change; +Inf when not scored
	observed float64 // the observed change (a decrease is positive)
	slack    float64 // half the width of the observed change's 95% interval
	span     float64 // the steps held out
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

// holdoutError fits form f without the last holdoutShare of the points
// (at least holdoutMin) and scores its extrapolation over them.
func holdoutError(f modelForm, bx, s1, s2, y []float64) holdout {
	n := len(y)
	return holdoutLast(f, bx, s1, s2, y, max(holdoutMin, int(math.Round(holdoutShare*float64(n)))))
}

// horizonCheck scores form f, the chosen one, on a held-out tail as long as the
// forecast's horizon h (at most half the fitted span): fitted without
// the points of the last h steps, how well does it predict their change?
// It is the form's extrapolation error at the forecast's own scale.
func (pf *projFit) horizonCheck(f modelForm, h int64) holdout {
	n := len(pf.bx)
	if n == 0 {
		return holdout{err: math.Inf(1)}
	}
	span := pf.bx[n-1] - pf.bx[0]
	cut := pf.bx[n-1] - math.Min(float64(h), span/2)
	k := sort.SearchFloat64s(pf.bx, cut)
	return holdoutLast(f, pf.bx, pf.s1, pf.s2, pf.by, max(holdoutMin, n-k))
}

// holdoutLast fits form f without the last m points and scores its
// extrapolation over them.
func holdoutLast(f modelForm, bx, s1, s2, y []float64, m int) holdout {
	n := len(y)
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
	out.span = span
	pred := fit.predict(s1[k], s2[k]) - fit.predict(s1[n-1], s2[n-1])
	if d := math.Abs(pred - out.observed); !math.IsNaN(d) {
		out.err = d
	}
	return out
}

// bootstrapFits refits the chosen form to its fitted values plus
// resampled residuals (moving blocks of about n^(1/3) points, which keep
// the residuals' autocorrelation) and returns the refits with the lag-1
// autocorrelation of the residuals. The resamples are drawn in order
// from a fixed seed, then refitted in parallel into their own slots, so
// the result does not depend on the scheduling.
func bootstrapFits(best formResult, s1, s2, y []float64) ([]fittedForm, float64) {
	n := len(y)
	if n < 2*holdoutMin {
		return nil, 0
	}
	pred := make([]float64, n)
	res := make([]float64, n)
	var ss, sc float64
	for i := range y {
		pred[i] = best.full.predict(s1[i], s2[i])
		res[i] = y[i] - pred[i]
		if math.IsNaN(res[i]) {
			return nil, 0
		}
		ss += res[i] * res[i]
		if i > 0 {
			sc += res[i] * res[i-1]
		}
	}
	lag1 := 0.0
	if ss > 0 {
		lag1 = sc / ss
	}
	block := max(2, int(math.Round(math.Cbrt(float64(n)))))
	rng := rand.New(rand.NewPCG(bootstrapSeed, uint64(n)))
	samples := make([][]float64, bootstrapReps)
	for r := range samples {
		ys := make([]float64, n)
		for i := 0; i < n; {
			start := rng.IntN(n - block + 1)
			for j := 0; j < block && i < n; j++ {
				ys[i] = pred[i] + res[start+j]
				i++
			}
		}
		samples[r] = ys
	}
	fits := make([]fittedForm, bootstrapReps)
	refit := best.form.refitter(s1, s2, best.full)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), bootstrapReps) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				fits[r] = refit(samples[r])
			}
		}()
	}
	for r := range samples {
		next <- r
	}
	close(next)
	wg.Wait()
	out := make([]fittedForm, 0, bootstrapReps)
	for _, f := range fits {
		if f.ok {
			out = append(out, f)
		}
	}
	return out, lag1
}
