package stats

import (
	"math"
	"sync"
)

// An ExpRefitter fits many sets of values over the same xs, as a
// bootstrap does, each with the result of FitExpNear(xs, ys, tau0,
// width) to the last bit: exp(-x/tau) at the taus of the search's grid,
// which depend on the xs only, is computed once for all of them. Its Fit
// may be called from several goroutines at once.
type ExpRefitter struct {
	xs          []float64
	tau0, width float64
	sp          expSearch
	gs          [][]float64 // nil when Fit takes FitExpNear's own path
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
	if ok {
		r.sp, r.gs = sp, shapeGrid(sp.shifted, sp.plo, sp.phi, sp.grid, expShape)
	}
	return r
}

// Fit returns FitExpNear(xs, ys, tau0, width).
func (r *ExpRefitter) Fit(ys []float64) CurveFit {
	if r.gs == nil || len(ys) != len(r.xs) || !allFinite(ys) {
		return fitExp(r.xs, ys, r.tau0, r.width)
	}
	return r.sp.fit(ys, r.gs, &r.memo)
}

// A shapeMemo holds g at the xs of a search for each point p that a
// golden-section step tried, for the other fits over the same xs: the
// steps depend on the ys only through comparisons, so most bootstrap
// refits retrace steps another refit took (3,200 steps, 1,198 points, for
// the example's loss). It may be used from several goroutines at once.
type shapeMemo struct {
	mu sync.Mutex
	gx map[uint64][]float64 // by the bits of p
}

// at returns g_p at the xs, computed the first time p is asked for. The
// slice returned is shared and must not be written to.
func (m *shapeMemo) at(p float64, xs []float64, shape func(p float64) func(float64) float64) []float64 {
	key := math.Float64bits(p)
	m.mu.Lock()
	gx, ok := m.gx[key]
	m.mu.Unlock()
	if ok {
		return gx
	}
	gx = make([]float64, len(xs))
	g := shape(p)
	for i, x := range xs {
		gx[i] = g(x)
	}
	m.mu.Lock()
	if m.gx == nil {
		m.gx = make(map[uint64][]float64)
	}
	m.gx[key] = gx
	m.mu.Unlock()
	return gx
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
