package analysis

import (
	"math"

	"github.com/plateau-dev/plateau/internal/stats"
)

// Exploding gradients (docs/methods.md#exploding). grad_norm is the
// global norm before clipping. The Trainer clips it to max_grad_norm,
// 1.0 by default (TRL, LLaMA-Factory and Axolotl keep that default), and
// healthy runs log norms within about an order of magnitude of it (the
// corpus: medians 0.001-5, the largest spike 82). Two signs that the
// gradients blew up:
//
//   - huge: the run's median grad_norm is at least hugeGradRatio times
//     the clipping norm: at most steps the gradient is so steep that
//     clipping, not the learning rate, sets the size of the update (or,
//     without clipping, the update is huge);
//   - growing: on a log scale, the median of some later window of the
//     run is above the median of the first window by more than
//     growthZ standard errors of the difference of two window medians,
//     by at least growthRatio, and at or above the clipping norm (growth
//     below it changes no update). 100 times or more is an error, as the
//     old late-over-early rule had it.
//
// Windows are a tenth of the points (at least 3), the later ones sliding
// by half a window; the noise is the successive-difference sigma of
// log(grad_norm), and a window median's standard error is 1.2533 sigma /
// sqrt(k).
const (
	clipNorm       = 1.0
	hugeGradRatio  = 100.0
	growthRatio    = 10.0
	explodingRatio = 100.0
	growthZ        = 3.0
)

// explodingGradients reports huge or growing gradients.
func explodingGradients(run *analyzer) (Finding, bool) {
	c := finiteCurve(run, "grad_norm")
	if c.len() < 10 {
		return Finding{}, false
	}
	idx := make([]int, 0, c.len()) // points with a positive norm (0: a frozen step)
	ly := make([]float64, 0, c.len())
	for i, v := range c.y {
		if v > 0 {
			idx = append(idx, i)
			ly = append(ly, math.Log(v))
		}
	}
	n := len(idx)
	if n < 10 {
		return Finding{}, false
	}
	k := max(3, n/10)
	early := math.Exp(stats.Median(ly[:k]))
	median := math.Exp(stats.Median(ly))
	// The later window with the highest median.
	bestFrom, bestLog := -1, math.Inf(-1)
	for from := k; from+k <= n; from += max(1, k/2) {
		if m := stats.Median(ly[from : from+k]); m > bestLog {
			bestFrom, bestLog = from, m
		}
	}
	sigma := noiseSigma(ly)
	se := math.Sqrt2 * 1.2533 * sigma / math.Sqrt(float64(k))
	growth := 0.0
	if bestFrom >= 0 {
		growth = math.Exp(bestLog) / early
	}
	huge := median >= hugeGradRatio*clipNorm
	growing := growth >= growthRatio && math.Log(growth) > growthZ*se && math.Exp(bestLog) >= clipNorm
	if !huge && !growing {
		return Finding{}, false
	}
	last := n - 1
	if !huge {
		last = bestFrom + k - 1 // the growth is about the steps up to its highest window
	}
	maxI := idx[0]
	for _, i := range idx[:last+1] {
		if c.y[i] > c.y[maxI] {
			maxI = i
		}
	}
	p := c.point(maxI)
	f := Finding{Kind: KindExploding, Severity: SevError, Metric: "grad_norm", Step: p.Step, FromStep: c.step(idx[0]), ToStep: c.step(idx[last]),
		Sources: []string{c.source(idx[0]).String(), p.Source.String()},
		Facts: []Fig{{Name: QEarly, Value: early}, {Name: QMedian, Value: median}, {Name: QWindow, Value: float64(k)},
			{Name: QClipNorm, Value: clipNorm}, {Name: QMax, Value: p.Value, Step: p.Step, Source: p.Source.String()}}}
	if bestFrom >= 0 {
		f.Facts = append(f.Facts, Fig{Name: QLate, Value: math.Exp(bestLog), Step: c.step(idx[bestFrom])},
			Fig{Name: QLateTo, Value: float64(c.step(idx[bestFrom+k-1]))}, Fig{Name: QSigma, Value: sigma})
	}
	if huge {
		f.Cause, f.Statistic, f.Value, f.Threshold = CauseHugeGradNorm, StatGradMedian, median, hugeGradRatio*clipNorm
		return f, true
	}
	f.Cause, f.Statistic, f.Value, f.Threshold = CauseGrowing, StatGradGrowth, growth, growthRatio
	if growth < explodingRatio {
		f.Severity = SevWarning
	}
	return f, true
}
