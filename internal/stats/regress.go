package stats

import "math"

// A LineFit is an ordinary least-squares fit y = Intercept + Slope*x.
type LineFit struct {
	Slope, Intercept float64
	// SlopeSE is the standard error of the slope (NaN with fewer than
	// three points).
	SlopeSE float64
	// RMS is the root mean square residual.
	RMS float64
	// R2 is the coefficient of determination.
	R2 float64
	N  int
}

// OLS fits a straight line by least squares, skipping non-finite pairs.
// With fewer than two distinct x values the slope is NaN.
func OLS(xs, ys []float64) LineFit {
	n := min(len(xs), len(ys))
	return WeightedOLS(xs[:n], ys[:n], nil) // it skips the non-finite pairs
}

// WeightedOLS fits a straight line by weighted least squares; w may be
// nil for equal weights. Pairs with a non-finite value or a weight <= 0
// are skipped.
func WeightedOLS(xs, ys, w []float64) LineFit {
	fit := LineFit{Slope: math.NaN(), Intercept: math.NaN(), SlopeSE: math.NaN(), RMS: math.NaN(), R2: math.NaN()}
	var sw, sx, sy, sxx, sxy, syy, mx, my float64
	n := 0
	if w == nil {
		// Equal weights: the sums below with each weight left out, which
		// multiplying by 1 leaves the same to the last bit.
		for i, x := range xs {
			if y := ys[i]; isFinite(x) && isFinite(y) {
				sw++
				sx += x
				sy += y
				n++
			}
		}
		fit.N = n
		if n < 2 {
			return fit
		}
		mx, my = sx/sw, sy/sw
		for i, x := range xs {
			if y := ys[i]; isFinite(x) && isFinite(y) {
				dx, dy := x-mx, y-my
				sxx += dx * dx
				sxy += dx * dy
				syy += dy * dy
			}
		}
	} else {
		for i := range xs {
			wi := w[i]
			if !isFinite(xs[i]) || !isFinite(ys[i]) || !(wi > 0) {
				continue
			}
			sw += wi
			sx += wi * xs[i]
			sy += wi * ys[i]
			n++
		}
		fit.N = n
		if n < 2 {
			return fit
		}
		mx, my = sx/sw, sy/sw
		for i := range xs {
			wi := w[i]
			if !isFinite(xs[i]) || !isFinite(ys[i]) || !(wi > 0) {
				continue
			}
			dx, dy := xs[i]-mx, ys[i]-my
			sxx += wi * dx * dx
			sxy += wi * dx * dy
			syy += wi * dy * dy
		}
	}
	if sxx == 0 {
		return fit
	}
	fit.Slope = sxy / sxx
	fit.Intercept = my - fit.Slope*mx
	sse := math.Max(0, syy-fit.Slope*sxy)
	fit.RMS = math.Sqrt(sse / sw)
	if syy > 0 {
		fit.R2 = 1 - sse/syy
	}
	if n > 2 {
		fit.SlopeSE = math.Sqrt(sse / (sw * float64(n-2) / float64(n)) / sxx)
	}
	return fit
}

// Predict returns the fitted value at x.
func (f LineFit) Predict(x float64) float64 { return f.Intercept + f.Slope*x }
