package stats

import (
	"math"
	"sort"
)

// A MKResult is the outcome of a Mann-Kendall trend test.
type MKResult struct {
	N int
	// S is the Mann-Kendall statistic: concordant minus discordant pairs.
	S float64
	// VarS is the variance of S under no trend and independence, with the
	// tie correction.
	VarS float64
	// VarCorrected is VarS multiplied by the Hamed-Rao factor n/n*
	// (equal to VarS when no correction was applied).
	VarCorrected float64
	// Factor is n/n*, the autocorrelation inflation of the variance (1
	// when uncorrected).
	Factor float64
	// Z is the normal score of S with continuity correction, computed
	// from VarCorrected.
	Z float64
	// P is the two-sided p-value of Z.
	P float64
}

// MannKendall tests ys (in order) for a monotonic trend. The series is
// binned to at most maxPoints values first (DefaultMaxPoints when
// maxPoints <= 0). With hamedRao set, the variance of S is corrected for
// serial correlation following Hamed and Rao (1998): the ranks of the
// residuals from the Theil-Sen trend are autocorrelated, and only lags
// significant at the 5% level enter the factor n/n* = 1 + 2/(n(n-1)(n-2))
// Σ (n-k)(n-k-1)(n-k-2) ρ_k. Window means of a training loss are
// correlated, so plateau always sets it. Fewer than 3 points give P = 1.
func MannKendall(ys []float64, maxPoints int, hamedRao bool) MKResult {
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	xs := make([]float64, len(ys))
	for i := range xs {
		xs[i] = float64(i)
	}
	bx, by := Bin(xs, ys, maxPoints)
	n := len(by)
	r := MKResult{N: n, Factor: 1, P: 1}
	if n < 3 {
		return r
	}
	var s float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch d := by[j] - by[i]; {
			case d > 0:
				s++
			case d < 0:
				s--
			}
		}
	}
	r.S = s
	r.VarS = mkVariance(by)
	r.VarCorrected = r.VarS
	if hamedRao && n >= 5 {
		r.Factor = hamedRaoFactor(bx, by)
		r.VarCorrected = r.VarS * r.Factor
	}
	if r.VarCorrected <= 0 {
		return r
	}
	switch {
	case s > 0:
		r.Z = (s - 1) / math.Sqrt(r.VarCorrected)
	case s < 0:
		r.Z = (s + 1) / math.Sqrt(r.VarCorrected)
	}
	r.P = 2 * (1 - NormalCDF(math.Abs(r.Z)))
	return r
}

// mkVariance is Var(S) with the correction for tied groups.
func mkVariance(ys []float64) float64 {
	n := float64(len(ys))
	v := n * (n - 1) * (2*n + 5)
	s := append([]float64(nil), ys...)
	sort.Float64s(s)
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			v -= t * (t - 1) * (2*t + 5)
		}
		i = j
	}
	return v / 18
}

// hamedRaoFactor returns n/n* for the residuals of ys from its Theil-Sen
// line over xs.
func hamedRaoFactor(xs, ys []float64) float64 {
	n := len(ys)
	fit := TheilSen(xs, ys, n, 1, 0.95)
	res := make([]float64, n)
	for i := range ys {
		res[i] = ys[i] - fit.Slope*xs[i]
		if math.IsNaN(res[i]) {
			res[i] = ys[i]
		}
	}
	rk := Ranks(res)
	m := Mean(rk)
	var den float64
	for _, v := range rk {
		den += (v - m) * (v - m)
	}
	if den == 0 {
		return 1
	}
	nf := float64(n)
	bound := NormalQuantile(0.975) / math.Sqrt(nf)
	var sum float64
	for k := 1; k < n-2; k++ {
		var num float64
		for i := 0; i+k < n; i++ {
			num += (rk[i] - m) * (rk[i+k] - m)
		}
		rho := num / den
		if math.Abs(rho) <= bound {
			continue
		}
		kf := float64(k)
		sum += (nf - kf) * (nf - kf - 1) * (nf - kf - 2) * rho
	}
	f := 1 + 2*sum/(nf*(nf-1)*(nf-2))
	if f < 1 {
		// Negative autocorrelation would shrink the variance; keep the
		// test conservative.
		f = 1
	}
	return f
}

// Ranks returns the 1-based ranks of xs, ties getting their average rank.
func Ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	rk := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && xs[idx[j]] == xs[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			rk[idx[k]] = avg
		}
		i = j
	}
	return rk
}

// NormalCDF is the standard normal cumulative distribution function.
func NormalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// NormalQuantile is the inverse of NormalCDF for 0 < p < 1.
func NormalQuantile(p float64) float64 {
	if p <= 0 {
		return math.Inf(-1)
	}
	if p >= 1 {
		return math.Inf(1)
	}
	return -math.Sqrt2 * math.Erfcinv(2*p)
}
