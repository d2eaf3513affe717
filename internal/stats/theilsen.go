package stats

import (
	"math"
	"slices"
	"sort"
)

// DefaultMaxPairs caps the number of points the pairwise methods
// (Theil-Sen, Mann-Kendall) use: longer series are binned first, which
// keeps them O(MaxPoints²) on million-step logs.
const DefaultMaxPoints = 400

// Bin reduces (xs, ys) to at most n points by splitting the index range
// into n runs of nearly equal length and taking the median x and median y
// of each run. Shorter inputs are returned as copies. Non-finite y values
// are dropped first. Binning by medians also winsorises isolated spikes.
func Bin(xs, ys []float64, n int) (bx, by []float64) {
	m := min(len(xs), len(ys))
	if n <= 0 || m <= n {
		return finitePairs(xs, ys)
	}
	finite := 0
	for i := 0; i < m; i++ {
		if isFinite(xs[i]) && isFinite(ys[i]) {
			finite++
		}
	}
	if finite <= n {
		return finitePairs(xs, ys)
	}
	if finite < m {
		xs, ys = finitePairs(xs, ys)
		m = finite
	}
	bx = make([]float64, 0, n)
	by = make([]float64, 0, n)
	bufX := make([]float64, 0, m/n+2)
	bufY := make([]float64, 0, m/n+2)
	for b := 0; b < n; b++ {
		lo, hi := b*m/n, (b+1)*m/n
		if hi <= lo {
			continue
		}
		bufX = append(bufX[:0], xs[lo:hi]...)
		bufY = append(bufY[:0], ys[lo:hi]...)
		bx = append(bx, medianInPlace(bufX))
		by = append(by, medianInPlace(bufY))
	}
	return bx, by
}

func finitePairs(xs, ys []float64) (fx, fy []float64) {
	n := min(len(xs), len(ys))
	fx = make([]float64, 0, n)
	fy = make([]float64, 0, n)
	for i := 0; i < n; i++ {
		if isFinite(xs[i]) && isFinite(ys[i]) {
			fx = append(fx, xs[i])
			fy = append(fy, ys[i])
		}
	}
	return fx, fy
}

// isFinite reports whether x is neither NaN nor infinite: x-x is 0 for
// every finite x and NaN otherwise.
func isFinite(x float64) bool { return x-x == 0 }

// A SlopeFit is a robust straight-line fit y = Intercept + Slope*x.
type SlopeFit struct {
	Slope     float64
	Intercept float64
	// Low and High bound the slope's confidence interval (Sen 1968, using
	// the variance of the Mann-Kendall S statistic given to TheilSen).
	Low, High float64
	// N is the number of points used (after binning).
	N int
}

// TheilSen fits a line by the median of pairwise slopes (Sen 1968). The
// series is binned to at most maxPoints points first (DefaultMaxPoints
// when maxPoints <= 0). varS is the variance of the Mann-Kendall S
// statistic for the confidence interval at level conf (e.g. 0.95); pass
// varS <= 0 to get the interval from the uncorrected variance. With
// fewer than two distinct x values the slope is NaN.
func TheilSen(xs, ys []float64, maxPoints int, varS, conf float64) SlopeFit {
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	bx, by := Bin(xs, ys, maxPoints)
	n := len(bx)
	fit := SlopeFit{Slope: math.NaN(), Intercept: math.NaN(), Low: math.NaN(), High: math.NaN(), N: n}
	if n < 2 {
		return fit
	}
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if dx := bx[j] - bx[i]; dx != 0 {
				slopes = append(slopes, (by[j]-by[i])/dx)
			}
		}
	}
	if len(slopes) == 0 {
		return fit
	}
	// The median slope and the two bounds by selection rather than a sort
	// of every slope: the same order statistics (a NaN slope makes it
	// sort instead). The bounds are selected within the halves the
	// median's selection left on either side of it.
	orderStat := func(k int) float64 { return slopes[k] }
	if !slices.ContainsFunc(slopes, math.IsNaN) {
		m := len(slopes)
		h := 0.5 * float64(m-1)
		i := int(math.Floor(h))
		mid := selectK(slopes, i)
		fit.Slope = mid
		if i < m-1 {
			fit.Slope = mid + (h-float64(i))*(slices.Min(slopes[i+1:])-mid)
		}
		orderStat = func(k int) float64 {
			switch {
			case k < i:
				return selectK(slopes[:i], k)
			case k > i:
				return selectK(slopes[i+1:], k-i-1)
			}
			return mid
		}
	} else {
		sort.Float64s(slopes)
		fit.Slope = quantileSorted(slopes, 0.5)
	}
	res := make([]float64, n)
	for i := range bx {
		res[i] = by[i] - fit.Slope*bx[i]
	}
	fit.Intercept = medianInPlace(res)
	if varS <= 0 {
		varS = mkVariance(by)
	}
	if conf <= 0 || conf >= 1 {
		conf = 0.95
	}
	c := NormalQuantile(1-(1-conf)/2) * math.Sqrt(varS)
	nn := float64(len(slopes))
	lo := int(math.Floor((nn - c) / 2))
	hi := int(math.Ceil((nn + c) / 2))
	lo = max(0, min(len(slopes)-1, lo))
	hi = max(0, min(len(slopes)-1, hi))
	fit.Low, fit.High = orderStat(lo), orderStat(hi)
	return fit
}
