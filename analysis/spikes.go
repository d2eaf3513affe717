package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
)

// spikeMinPoints is the fewest points a series needs for spike
// detection.
const spikeMinPoints = 8

// spikes finds outliers of the loss (and of the primary metric when it is
// another series) and of grad_norm (methods §5): the modified z-score
// 0.6745*(r - median(r))/MAD(r) of the residuals r from a centred rolling
// median of up to 25 logged points (so the trend does not inflate the
// MAD), on a log scale for
// positive series (grad_norm has a heavy right tail and a loss's noise
// shrinks with its level). |z| > opts.SpikeZ flags a point (Iglewicz and
// Hoaglin 1993). A MAD of zero falls back to the mean absolute deviation
// (times 1.2533), then to a tiny floor. Runs of consecutive flagged
// points count once, at their strongest point. Loss drops at an epoch
// boundary are kept and marked as expected (Spike.Epoch); other drops and
// grad_norm dips are not spikes.
func spikes(run *analyzer, opts Options) []Spike {
	primary, _ := primaryMetric(run)
	names := []string{"loss"}
	if primary != "loss" {
		names = append(names, primary)
	}
	names = append(names, "grad_norm")
	bounds := epochBoundaries(run)
	var out []Spike
	for _, name := range names {
		c := finiteCurve(run, name)
		if c.len() < spikeMinPoints {
			continue
		}
		out = append(out, seriesSpikes(c, name == "grad_norm", bounds, opts.SpikeZ)...)
	}
	return out
}

// seriesSpikes returns the spikes of one curve.
func seriesSpikes(c *curve, upOnly bool, bounds []int64, zMax float64) []Spike {
	logScale := c.positive()
	y := c.logY(logScale)
	n := len(y)
	w := max(5, min(25, n/20))
	med := stats.RollingMedian(y, w)
	res := make([]float64, n)
	for i := range y {
		res[i] = y[i] - med[i]
	}
	// The centre and scale of the residuals; a long series is sampled
	// evenly (the estimates need tens of thousands of points, not all).
	sample := res
	if n > maxNoisePairs {
		stride := n / maxNoisePairs
		sample = make([]float64, 0, maxNoisePairs+1)
		for i := 0; i < n; i += stride {
			sample = append(sample, res[i])
		}
	}
	center := stats.Median(sample)
	mad := stats.MAD(sample)
	if !(mad > 0) {
		var s float64
		for _, r := range sample {
			s += math.Abs(r - center)
		}
		// z = (r - center) / (1.2533*MeanAD): express it as a MAD for the
		// formula below.
		mad = 0.6745 * 1.2533 * s / float64(len(sample))
	}
	mad = math.Max(mad, 1e-12)
	var flagged []Spike
	lastIdx := -10
	for i := range y {
		z := 0.6745 * (res[i] - center) / mad
		if math.Abs(z) <= zMax {
			continue
		}
		sp := Spike{Metric: c.name, Step: c.step(i), Value: c.y[i], Z: z, Source: c.source(i).String(), StepEstimated: stepEstimate(c.point(i))}
		bad := z > 0 // a rise of a loss or of grad_norm
		if c.greater {
			bad = z < 0 // a collapse of a reward or an accuracy
		}
		if bad && !localPeak(y, i, z > 0) {
			// A spike stands out from both neighbours; a point on a
			// steep monotone stretch (a start-up descent) is not one.
			continue
		}
		if !bad {
			// A loss drop is expected at an epoch boundary and kept as
			// such; other drops, and grad_norm dips, are not problems.
			if upOnly || c.greater || !nearBoundary(c, i, bounds, w/2+1) {
				continue
			}
			sp.Epoch = true
		}
		if k := len(flagged); k > 0 && i-lastIdx <= 1 && (flagged[k-1].Z > 0) == (z > 0) {
			if math.Abs(z) > math.Abs(flagged[k-1].Z) {
				flagged[k-1] = sp
			}
			lastIdx = i
			continue
		}
		flagged = append(flagged, sp)
		lastIdx = i
	}
	if len(flagged) > spikeKeepPerMetric {
		sort.SliceStable(flagged, func(a, b int) bool { return math.Abs(flagged[a].Z) > math.Abs(flagged[b].Z) })
		flagged = flagged[:spikeKeepPerMetric]
		sort.SliceStable(flagged, func(a, b int) bool { return flagged[a].Step < flagged[b].Step })
	}
	return flagged
}

// localPeak reports whether point i of y is a peak (up) or a trough
// (!up) against its logged neighbours: above the previous point and not
// below the next one (a two-point plateau counts once). A missing
// neighbour at either end does not count against it.
func localPeak(y []float64, i int, up bool) bool {
	s := 1.0
	if !up {
		s = -1
	}
	return (i == 0 || s*(y[i]-y[i-1]) > 0) && (i == len(y)-1 || s*(y[i]-y[i+1]) >= 0)
}

// descentEnd returns the step where the initial descent of a loss curve
// ends: the descent lasts while each point is above the median of the
// next descentWindow points by more than 2 point-noise sigmas (on a log
// scale for a positive curve), that is while the curve still falls
// faster than it fluctuates. It returns the first step when the curve
// does not start with a descent.
func descentEnd(c *curve) int64 {
	n := c.len()
	if n < 2*descentWindow {
		return c.step(0)
	}
	y := c.logY(c.positive())
	sigma := noiseSigma(y)
	i := 0
	for ; i+descentWindow < n; i++ {
		if y[i]-stats.Median(y[i+1:i+1+descentWindow]) <= 2*sigma {
			break
		}
	}
	return c.step(i)
}

// descentWindow is the number of following points a start-up point is
// compared with.
const descentWindow = 5

// nearBoundary reports whether point i of c lies within k points after an
// epoch boundary (or at it).
func nearBoundary(c *curve, i int, bounds []int64, k int) bool {
	for _, b := range bounds {
		j := sort.Search(len(c.x), func(j int) bool { return c.x[j] >= float64(b) })
		if i >= j-1 && i <= j+k {
			return true
		}
	}
	return false
}
