// Package stats holds the small numerical toolkit plateau's analysis is
// built on: robust centre and spread, successive-difference noise, rank
// trend tests with an autocorrelation correction, Theil-Sen and least
// squares fits, smoothing for display and extreme-preserving
// downsampling.
//
// Every function ignores non-finite inputs where the doc comment says so
// and never panics on empty input: it returns NaN (or an empty result)
// instead, so callers can test with math.IsNaN.
package stats

import (
	"math"
	"sort"
)

// MADScale converts a median absolute deviation into a standard deviation
// for normally distributed data (1 / Φ⁻¹(3/4)).
const MADScale = 1.4826

// Finite returns the finite values of xs, in order, in a new slice.
func Finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// Mean returns the arithmetic mean of xs, or NaN for an empty slice. It
// uses Kahan summation so that long series of window means do not lose
// precision.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return KahanSum(xs) / float64(len(xs))
}

// KahanSum returns the compensated sum of xs.
func KahanSum(xs []float64) float64 {
	var sum, c float64
	for _, x := range xs {
		y := x - c
		t := sum + y
		c = (t - sum) - y
		sum = t
	}
	return sum
}

// StdDev returns the sample standard deviation (n-1 denominator), or NaN
// with fewer than two values.
func StdDev(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	m := Mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// Median returns the median of xs without modifying it, or NaN for an
// empty slice. It runs in linear expected time.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	buf := append([]float64(nil), xs...)
	return medianInPlace(buf)
}

// MedianInPlace returns the median of buf as Median does, reordering buf
// instead of copying it.
func MedianInPlace(buf []float64) float64 {
	if len(buf) == 0 {
		return math.NaN()
	}
	return medianInPlace(buf)
}

// medianInPlace returns the median of buf, reordering it.
func medianInPlace(buf []float64) float64 {
	n := len(buf)
	if n == 0 {
		return math.NaN()
	}
	hi := selectK(buf, n/2)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the maximum of the left part.
	lo := buf[0]
	for _, x := range buf[1 : n/2] {
		if x > lo {
			lo = x
		}
	}
	return (lo + hi) / 2
}

// selectK partially sorts buf so that buf[k] holds the k-th smallest
// value, everything before it is <= and everything after is >=, and
// returns buf[k] (Hoare's quickselect with a median-of-three pivot).
func selectK(buf []float64, k int) float64 {
	lo, hi := 0, len(buf)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Median of three as the pivot.
		if buf[mid] < buf[lo] {
			buf[mid], buf[lo] = buf[lo], buf[mid]
		}
		if buf[hi] < buf[lo] {
			buf[hi], buf[lo] = buf[lo], buf[hi]
		}
		if buf[hi] < buf[mid] {
			buf[hi], buf[mid] = buf[mid], buf[hi]
		}
		pivot := buf[mid]
		i, j := lo, hi
		for i <= j {
			for buf[i] < pivot {
				i++
			}
			for buf[j] > pivot {
				j--
			}
			if i <= j {
				buf[i], buf[j] = buf[j], buf[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return buf[k]
		}
	}
	return buf[k]
}

// Quantile returns the q-quantile (0 <= q <= 1) of xs with linear
// interpolation between order statistics (type 7, as numpy's default),
// or NaN for an empty slice. It copies xs and selects the two order
// statistics in linear expected time; NaNs in xs count as the smallest
// values, as sort.Float64s orders them.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	for _, x := range s {
		if math.IsNaN(x) {
			sort.Float64s(s)
			return quantileSorted(s, q)
		}
	}
	return QuantileInPlace(s, q)
}

// QuantileInPlace returns Quantile(buf, q), reordering buf instead of
// copying and sorting it, in linear expected time. buf must hold no NaN.
func QuantileInPlace(buf []float64, q float64) float64 {
	n := len(buf)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = math.Max(0, math.Min(1, q))
	h := q * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return selectK(buf, n-1)
	}
	lo := selectK(buf, i)
	// Everything after buf[i] is >= it: the next order statistic is the
	// smallest of them.
	hi := buf[i+1]
	for _, x := range buf[i+2:] {
		if x < hi {
			hi = x
		}
	}
	return lo + (h-float64(i))*(hi-lo)
}

func quantileSorted(s []float64, q float64) float64 {
	q = math.Max(0, math.Min(1, q))
	h := q * float64(len(s)-1)
	i := int(math.Floor(h))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}

// MAD returns the median absolute deviation of xs from its median (not
// scaled), or NaN for an empty slice.
func MAD(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m := Median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return medianInPlace(dev)
}

// RobustSigma returns MADScale*MAD(xs), a standard deviation estimate that
// a few outliers do not move.
func RobustSigma(xs []float64) float64 { return MADScale * MAD(xs) }

// Diff returns the successive differences x[i+1]-x[i].
func Diff(xs []float64) []float64 {
	if len(xs) < 2 {
		return nil
	}
	d := make([]float64, len(xs)-1)
	for i := range d {
		d[i] = xs[i+1] - xs[i]
	}
	return d
}

// DiffSigma estimates the point-to-point noise of a series from its
// successive differences, which a smooth trend barely affects:
// sqrt(mean(diff²)/2). It returns NaN with fewer than two values.
func DiffSigma(xs []float64) float64 {
	d := Diff(xs)
	if len(d) == 0 {
		return math.NaN()
	}
	var ss float64
	for _, v := range d {
		ss += v * v
	}
	return math.Sqrt(ss / float64(len(d)) / 2)
}

// RobustDiffSigma is the outlier-resistant version of DiffSigma:
// MADScale*MAD(diff)/sqrt(2). It returns NaN with fewer than three values.
func RobustDiffSigma(xs []float64) float64 {
	d := Diff(xs)
	if len(d) < 2 {
		return math.NaN()
	}
	return RobustSigma(d) / math.Sqrt2
}

// RobustDiff2Sigma estimates the noise from second differences
// x[i+2]-2x[i+1]+x[i], which also cancel a linear trend, so it suits short
// trending series such as a handful of evaluations:
// MADScale*MAD(d2)/sqrt(6). It returns NaN with fewer than four values.
func RobustDiff2Sigma(xs []float64) float64 {
	if len(xs) < 4 {
		return math.NaN()
	}
	d := make([]float64, len(xs)-2)
	for i := range d {
		d[i] = xs[i+2] - 2*xs[i+1] + xs[i]
	}
	return RobustSigma(d) / math.Sqrt(6)
}
