package stats

import (
	"math"
	"sync"
)

// An ExpRefitter fits many sets of values over the same xs, as a
// bootstrap does, each with the result of FitExpNear(xs, ys, tau0,
// width) to the last bit. What depends on the xs alone is computed once
// for all of them: exp(-x/tau) at the taus of the search's grid and at
// those its golden-section steps try (the steps depend on the ys only
// through comparisons, so most refits retrace steps another took: 3,200
// steps, 1,198 taus for the example's loss), less its mean, with the sum
// of squares the least-squares solve needs. Its Fit may be called from
// several goroutines at once.
type ExpRefitter struct {
	xs          []float64
	tau0, width float64
	sp          expSearch
	gs          []*centredShape // nil when Fit takes FitExpNear's own path
	memo        shapeMemo
}

// NewExpRefitter prepares the fits of values over xs near tau0 (see
// FitExpNear).
func NewExpRefitter(xs []float64, tau0, width float64) *ExpRefitter {
	r := &ExpRefitter{xs: xs, tau0: tau0, width: width}
	for _, x := range xs {
		if !isFinite(x) {
			return r // the finite pairs depend on the ys
		}
	}
	sp, ok := newExpSearch(xs, tau0, width)
	if !ok {
		return r
	}
	r.sp, r.gs = sp, make([]*centredShape, sp.grid+1)
	for k := range r.gs {
		r.gs[k] = newCentredShape(gridPoint(sp.plo, sp.phi, sp.grid, k), sp.shifted)
	}
	return r
}

// Fit returns FitExpNear(xs, ys, tau0, width).
func (r *ExpRefitter) Fit(ys []float64) CurveFit {
	if r.gs == nil || len(ys) != len(r.xs) || !allFinite(ys) {
		return fitExp(r.xs, ys, r.tau0, r.width)
	}
	c := newCentredYs(ys)
	return r.sp.finish(goldenSearch(len(ys), r.sp.plo, r.sp.phi, r.sp.grid,
		func(k int, _ float64) CurveFit { return c.fit(r.gs[k]) },
		func(p float64) CurveFit { return c.fit(r.memo.at(p, r.sp.shifted)) }))
}

// A centredShape is g = exp(-x/tau) at the xs of a search, less its
// mean mx, and the sum of squares sxx of what is left: the parts of
// WeightedOLS(g, ys, nil) that do not depend on the ys, computed as it
// computes them when every g and y is finite. When a g is not finite,
// ok is false and g is kept instead, for WeightedOLS itself.
type centredShape struct {
	dx, g   []float64
	mx, sxx float64
	ok      bool
}

func newCentredShape(p float64, xs []float64) *centredShape {
	g := make([]float64, len(xs))
	shape := expShape(p)
	var sw, sx float64
	ok := true
	for i, x := range xs {
		g[i] = shape(x)
		ok = ok && isFinite(g[i])
		sw++
		sx += g[i]
	}
	if !ok {
		return &centredShape{g: g}
	}
	mx := sx / sw
	var sxx float64
	for i, v := range g {
		dx := v - mx
		g[i] = dx
		sxx += dx * dx
	}
	return &centredShape{dx: g, mx: mx, sxx: sxx, ok: true}
}

// centredYs are the parts of WeightedOLS(g, ys, nil) that depend on the
// ys alone (every y finite): the ys less their mean my, and the sum of
// squares syy of what is left.
type centredYs struct {
	ys, dy      []float64
	sw, my, syy float64
}

func newCentredYs(ys []float64) *centredYs {
	c := &centredYs{ys: ys, dy: make([]float64, len(ys))}
	var sy float64
	for _, y := range ys {
		c.sw++
		sy += y
	}
	c.my = sy / c.sw
	for i, y := range ys {
		dy := y - c.my
		c.dy[i] = dy
		c.syy += dy * dy
	}
	return c
}

// fit is fitShape(g, ys) for the g of s: WeightedOLS's arithmetic on
// the parts computed once.
func (c *centredYs) fit(s *centredShape) CurveFit {
	if !s.ok {
		return fitShape(s.g, c.ys)
	}
	n := len(c.dy)
	var sxy float64
	for i, dx := range s.dx {
		sxy += dx * c.dy[i]
	}
	if s.sxx == 0 {
		return CurveFit{RMS: math.Inf(1), N: n}
	}
	slope := sxy / s.sxx
	intercept := c.my - slope*s.mx
	sse := math.Max(0, c.syy-slope*sxy)
	rms := math.Sqrt(sse / c.sw)
	if !(slope > 0) || !isFinite(rms) {
		return CurveFit{RMS: math.Inf(1), N: n}
	}
	return CurveFit{L0: intercept, A: slope, RMS: rms, N: n, OK: true}
}

// A shapeMemo holds the centred shape at each point p that a
// golden-section step of a refit tried, for the other refits. It may be
// used from several goroutines at once.
type shapeMemo struct {
	mu     sync.Mutex
	shapes map[uint64]*centredShape // by the bits of p
}

// at returns the centred shape at p, made the first time p is asked for.
func (m *shapeMemo) at(p float64, xs []float64) *centredShape {
	key := math.Float64bits(p)
	m.mu.Lock()
	s, ok := m.shapes[key]
	m.mu.Unlock()
	if ok {
		return s
	}
	s = newCentredShape(p, xs)
	m.mu.Lock()
	if m.shapes == nil {
		m.shapes = make(map[uint64]*centredShape)
	}
	m.shapes[key] = s
	m.mu.Unlock()
	return s
}

// A TissueRefitter fits many sets of values over the same s1 and s2, as
// a bootstrap does, each with the result of FitTissueNear(s1, s2, ys,
// alpha0, width) to the last bit: s1^-alpha at the alphas of the search's
// grid, and at the points tried around each grid point, which depend on
// s1 only, is computed once for all of them. Its Fit may be called from
// several goroutines at once.
type TissueRefitter struct {
	s1, s2        []float64
	alpha0, width float64
	lo, hi        float64
	grid          int
	gs            *tissueGrid // nil when Fit takes FitTissueNear's own path
}

// NewTissueRefitter prepares the fits of values over s1 and s2 near
// alpha0 (see FitTissueNear).
func NewTissueRefitter(s1, s2 []float64, alpha0, width float64) *TissueRefitter {
	r := &TissueRefitter{s1: s1, s2: s2, alpha0: alpha0, width: width}
	lo, hi := math.Log(0.01), math.Log(4)
	if !(alpha0 > 0) || !(width > 0) {
		return r
	}
	a, b := math.Max(lo, math.Log(alpha0)-width), math.Min(hi, math.Log(alpha0)+width)
	if a >= b || len(s1) != len(s2) || len(s1) < 5 {
		return r
	}
	for i := range s1 {
		if !(s1[i] > 0) || !isFinite(s1[i]) || !isFinite(s2[i]) {
			return r // the points kept depend on the ys
		}
	}
	r.lo, r.hi, r.grid = a, b, max(2, int(math.Ceil(60*(b-a)/(hi-lo))))
	lx := make([]float64, len(s1))
	for i, v := range s1 {
		lx[i] = math.Log(v)
	}
	gs := &tissueGrid{lx: lx, lo: r.lo, hi: r.hi, n: r.grid, grid: make([][]float64, r.grid+1)}
	gs.nearG = make([][][]float64, r.grid+1)
	gs.once = make([]sync.Once, r.grid+1)
	for k := range gs.grid {
		gs.grid[k] = make([]float64, len(lx))
		tissueG(gs.grid[k], lx, tissueAlpha(r.lo, r.hi, r.grid, k))
	}
	r.gs = gs
	return r
}

// Fit returns FitTissueNear(s1, s2, ys, alpha0, width).
func (r *TissueRefitter) Fit(ys []float64) TissueFit {
	if r.gs == nil || len(ys) != len(r.s1) || !allFinite(ys) {
		return FitTissueNear(r.s1, r.s2, ys, r.alpha0, r.width)
	}
	return searchTissue(r.gs.lx, r.s2, ys, r.lo, r.hi, r.grid, r.gs)
}

// A tissueGrid holds s1^-alpha at the grid points of a tissue search,
// and, made when first asked for, at the points tried around each.
type tissueGrid struct {
	lx     []float64 // the logs of s1
	lo, hi float64
	n      int
	grid   [][]float64
	nearG  [][][]float64
	once   []sync.Once
}

// near returns g at each of refinePoints around grid point k.
func (t *tissueGrid) near(k int) [][]float64 {
	t.once[k].Do(func() {
		ps := refinePoints(t.lo, t.hi, t.n, tissueAlpha(t.lo, t.hi, t.n, k))
		gs := make([][]float64, len(ps))
		for j, p := range ps {
			gs[j] = make([]float64, len(t.lx))
			tissueG(gs[j], t.lx, math.Exp(p))
		}
		t.nearG[k] = gs
	})
	return t.nearG[k]
}

// allFinite reports whether every value of xs is finite.
func allFinite(xs []float64) bool {
	for _, x := range xs {
		if !isFinite(x) {
			return false
		}
	}
	return true
}
