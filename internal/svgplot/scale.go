package svgplot

import (
	"math"
	"strconv"

	"github.com/plateau-dev/plateau/internal/numfmt"
)

// A scale maps data values onto pixel positions along one axis.
type scale struct {
	log    bool
	d0, d1 float64 // domain, in data units (positive when log)
	p0, p1 float64 // range, in pixels
}

// pos returns the pixel position of v.
func (s scale) pos(v float64) float64 {
	a, b, x := s.d0, s.d1, v
	if s.log {
		a, b, x = math.Log10(a), math.Log10(b), math.Log10(v)
	}
	if b == a {
		return (s.p0 + s.p1) / 2
	}
	return s.p0 + (x-a)/(b-a)*(s.p1-s.p0)
}

// valid reports whether v can be placed on the scale.
func (s scale) valid(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	return !s.log || v > 0
}

// niceNum returns a "nice" number (1, 2, 5 or 10 times a power of ten)
// close to x, rounding when round is set and taking the ceiling otherwise
// (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
func niceNum(x float64, round bool) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case round && f < 1.5:
		nf = 1
	case round && f < 3:
		nf = 2
	case round && f < 7:
		nf = 5
	case round:
		nf = 10
	case f <= 1:
		nf = 1
	case f <= 2:
		nf = 2
	case f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

// linearTicks extends [lo, hi] to nice bounds and returns about n ticks
// spanning them.
func linearTicks(lo, hi float64, n int) (nlo, nhi float64, ticks []float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		pad := math.Abs(lo) * 0.1
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	}
	if n < 2 {
		n = 2
	}
	step := niceNum(niceNum(hi-lo, false)/float64(n-1), true)
	nlo = math.Floor(lo/step) * step
	nhi = math.Ceil(hi/step) * step
	for i := 0; ; i++ {
		t := nlo + float64(i)*step
		if t > nhi+step/2 || i > 100 {
			break
		}
		if math.Abs(t) < step*1e-9 {
			t = 0
		}
		ticks = append(ticks, t)
	}
	return nlo, nhi, ticks
}

// logTicks extends [lo, hi] (both > 0) to the nearest 1, 2 or 5 times a
// power of ten around the data, so that a series between 0.5 and 3 is
// not squeezed into [0.1, 10], and returns the ticks inside: every power
// of ten, plus 2 and 5 times them when the range spans fewer than three
// decades.
func logTicks(lo, hi float64) (nlo, nhi float64, ticks []float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	e0 := math.Floor(math.Log10(lo))
	e1 := math.Ceil(math.Log10(hi))
	if e1 == e0 {
		e1++
	}
	var grid []float64
	for e := e0; e <= e1 && len(grid) < 600; e++ {
		for _, m := range []float64{1, 2, 5} {
			grid = append(grid, m*math.Pow(10, e))
		}
	}
	nlo, nhi = grid[0], grid[len(grid)-1]
	for _, t := range grid {
		if t <= lo*(1+1e-12) {
			nlo = t
		}
	}
	for i := len(grid) - 1; i >= 0; i-- {
		if grid[i] >= hi*(1-1e-12) {
			nhi = grid[i]
		}
	}
	if nhi <= nlo {
		for _, t := range grid {
			if t > nlo*(1+1e-12) {
				nhi = t
				break
			}
		}
	}
	fine := math.Log10(nhi)-math.Log10(nlo) < 3
	for i, t := range grid {
		if t >= nlo*(1-1e-12) && t <= nhi*(1+1e-12) && (fine || i%3 == 0) {
			ticks = append(ticks, t)
		}
	}
	return nlo, nhi, ticks
}

// FormatTick formats an axis value compactly: plain decimals for
// ordinary magnitudes, "k" and "M" suffixes for large round numbers and
// short exponents ("2e-4") for small ones.
func FormatTick(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 1e6 && math.Mod(a, 1e5) == 0:
		return numfmt.TrimZeros(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case a >= 1e4 && math.Mod(a, 100) == 0:
		return numfmt.TrimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case a >= 1e-3 && a < 1e6:
		return numfmt.TrimZeros(strconv.FormatFloat(v, 'f', 6, 64))
	}
	return numfmt.Sci(v, 4)
}

// FormatValue formats a data value with four significant digits.
func FormatValue(v float64) string { return numfmt.Sig(v, 4) }
