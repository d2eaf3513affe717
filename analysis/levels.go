package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
)

// Level statistics of a window of a series.

// maxLag1 caps the lag-1 autocorrelation used for the effective number
// of points: beyond it the window is one slow wander, and its N/19
// effective points are already few.
const maxLag1 = 0.9

// minLag1Points is the fewest points from which the lag-1
// autocorrelation of a window is estimated; fewer are taken as
// independent.
const minLag1Points = 8

// A noiseModel is the noise of a series on its decision scale: the
// point-to-point sigma (see noiseSigma) and the lag-1 autocorrelation of
// the spread around the series' local trend, pooled over the whole
// series, which one window's few points would underestimate.
type noiseModel struct {
	sigma, lag1 float64
}

// noiseSegments is how many stretches the series is cut into to pool
// the lag-1 autocorrelation of its spread around local straight lines.
const noiseSegments = 10

// newNoiseModel measures the noise of us (with steps xs).
func newNoiseModel(xs, us []float64) noiseModel {
	m := noiseModel{sigma: noiseSigma(us)}
	n := len(us)
	k := max(1, min(noiseSegments, n/minLag1Points))
	var ss, sc float64
	for s := 0; s < k; s++ {
		lo, hi := s*n/k, (s+1)*n/k
		if hi-lo < 4 {
			continue
		}
		fit := stats.OLS(xs[lo:hi], us[lo:hi])
		prev := math.NaN()
		for i := lo; i < hi; i++ {
			r := us[i] - fit.Predict(xs[i])
			if math.IsNaN(fit.Slope) {
				r = us[i] - stats.Mean(us[lo:hi])
			}
			ss += r * r
			if !math.IsNaN(prev) {
				sc += r * prev
			}
			prev = r
		}
	}
	if ss > 0 {
		m.lag1 = math.Max(0, math.Min(maxLag1, sc/ss))
	}
	return m
}

// levelStats returns the mean of us, its standard error and the
// effective number of independent points. The standard error is the
// spread of us around the window's own least-squares line (a trend is
// not noise), divided by the square root of the effective n, n(1-r)/(1+r)
// for the lag-1 autocorrelation r of that spread (an AR(1) approximation:
// logged window means of a training loss are correlated, and n
// correlated points carry less information than n independent ones); r
// is the larger of the window's own and the series' pooled one. With
// fewer than 4 points the spread is unknown and the series'
// point-to-point noise stands in for it.
func levelStats(xs, us []float64, nm noiseModel) (mean, se, neff float64) {
	n := len(us)
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = stats.Mean(us)
	if n < 4 {
		r := nm.lag1
		neff = math.Max(1, float64(n)*(1-r)/(1+r))
		return mean, nm.sigma / math.Sqrt(neff), neff
	}
	fit := stats.OLS(xs, us)
	res := make([]float64, n)
	var ss float64
	for i := range us {
		r := us[i] - mean
		if !math.IsNaN(fit.Slope) {
			r = us[i] - fit.Predict(xs[i])
		}
		res[i] = r
		ss += r * r
	}
	sd := math.Sqrt(ss / float64(n-2))
	r1 := nm.lag1
	if n >= minLag1Points && ss > 0 {
		var c float64
		for i := 1; i < n; i++ {
			c += res[i] * res[i-1]
		}
		r1 = math.Max(r1, math.Max(0, math.Min(maxLag1, c/ss)))
	}
	neff = math.Max(1, float64(n)*(1-r1)/(1+r1))
	return mean, sd / math.Sqrt(neff), neff
}

// window measures the points [lo, hi) of c as a Window named name, with
// the level on the decision scale us.
func (c *curve) window(name WindowName, lo, hi int, us []float64, nm noiseModel, lr *lrFractions) Window {
	w := Window{Name: name, LRFraction: -1}
	if hi <= lo {
		return w
	}
	w.FromStep, w.ToStep, w.N = c.step(lo), c.step(hi-1), hi-lo
	w.Level = stats.Mean(c.y[lo:hi])
	w.t, w.StdErr, w.NEff = levelStats(c.x[lo:hi], us[lo:hi], nm)
	w.Sources = []string{c.source(lo).String(), c.source(hi - 1).String()}
	if lr != nil {
		w.LRFraction = lr.mean(w.FromStep, w.ToStep)
	}
	return w
}

// windowAt measures the k points of c nearest step as a Window (its
// level on the decision scale us).
func (c *curve) windowAt(step int64, k int, us []float64, nm noiseModel) Window {
	n := c.len()
	k = min(k, n)
	i := sort.Search(n, func(i int) bool { return c.step(i) >= step })
	lo := max(0, min(i-k/2, n-k))
	return c.window(WindowBest, lo, lo+k, us, nm, nil)
}

// lrFractions answers the mean learning rate over a step range as a
// fraction of the run's peak.
type lrFractions struct {
	c    *curve
	peak float64
}

// newLRFractions returns nil when no positive rate was logged.
func newLRFractions(a *analyzer) *lrFractions {
	c := a.curve("learning_rate")
	if c.len() == 0 {
		return nil
	}
	peak := 0.0
	for _, v := range c.y {
		peak = math.Max(peak, v)
	}
	if peak <= 0 {
		return nil
	}
	return &lrFractions{c: c, peak: peak}
}

// mean returns the mean logged rate over [from, to] divided by the peak;
// with no rate logged in the range, the rate at the nearest logged step.
func (l *lrFractions) mean(from, to int64) float64 {
	x := l.c.x
	i0 := sort.SearchFloat64s(x, float64(from))
	var sum float64
	n := 0
	for i := i0; i < len(x) && x[i] <= float64(to); i++ {
		sum += l.c.y[i]
		n++
	}
	if n > 0 {
		return sum / float64(n) / l.peak
	}
	mid := float64(from+to) / 2
	j := sort.SearchFloat64s(x, mid)
	switch {
	case j >= len(x):
		j = len(x) - 1
	case j > 0 && mid-x[j-1] < x[j]-mid:
		j--
	}
	return l.c.y[j] / l.peak
}
