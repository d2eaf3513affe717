package stats

import "math"

// A CurveFit is a saturating fit y = L0 + A*g(x), where g is x^-Alpha
// (FitPowerLaw) or exp(-x/Tau) (FitExp).
type CurveFit struct {
	L0, A float64
	// Alpha is the power-law exponent; Tau the exponential scale.
	Alpha, Tau float64
	// RMS is the root mean square residual.
	RMS float64
	N   int
	OK  bool
}

// Predict returns the fitted value at x.
func (f CurveFit) Predict(x float64) float64 {
	if !f.OK {
		return math.NaN()
	}
	if f.Tau > 0 {
		return f.L0 + f.A*math.Exp(-x/f.Tau)
	}
	return f.L0 + f.A*math.Pow(x, -f.Alpha)
}

// FitPowerLaw fits y = L0 + A*x^-alpha with A > 0 (a decreasing curve)
// by a search over alpha in [0.01, 4] with a linear least-squares solve
// for L0 and A at each alpha. Points with x <= 0 or non-finite values are
// skipped. It reports OK = false when no decreasing fit exists or fewer
// than four points remain. This is the form of Tissue et al. (2024) when
// x is the cumulative learning rate.
func FitPowerLaw(xs, ys []float64) CurveFit {
	var fx, fy []float64
	for i := range min(len(xs), len(ys)) {
		if xs[i] > 0 && isFinite(xs[i]) && isFinite(ys[i]) {
			fx = append(fx, xs[i])
			fy = append(fy, ys[i])
		}
	}
	g := func(a float64) func(float64) float64 {
		return func(x float64) float64 { return math.Pow(x, -a) }
	}
	a, fit := searchShape(fx, fy, math.Log(0.01), math.Log(4), 40, func(p float64) func(float64) float64 { return g(math.Exp(p)) })
	fit.Alpha = math.Exp(a)
	return fit
}

// FitExp fits y = L0 + A*exp(-x/tau) with A > 0 by a search over tau
// between 1/20 and 20 times the x range. It reports OK = false when no
// decreasing fit exists or fewer than four points remain.
func FitExp(xs, ys []float64) CurveFit {
	return fitExp(xs, ys, 0, 0)
}

// FitExpNear is FitExp with the search for tau limited to the factors
// exp(-width) to exp(width) of tau0 (within FitExp's own bounds): a
// bootstrap refit starts from the fit it resamples, at a third of the
// cost.
func FitExpNear(xs, ys []float64, tau0, width float64) CurveFit {
	return fitExp(xs, ys, tau0, width)
}

func fitExp(xs, ys []float64, tau0, width float64) CurveFit {
	fx, fy := finitePairs(xs, ys)
	sp, ok := newExpSearch(fx, tau0, width)
	if !ok {
		return CurveFit{N: len(fx)}
	}
	return sp.fit(fy)
}

// An expSearch is the part of an exponential fit that depends on the x
// values only: the shifted xs and the bracket and grid of the search for
// log tau.
type expSearch struct {
	shifted      []float64 // x - lo
	lo, plo, phi float64
	grid         int
}

// newExpSearch prepares the fit of ys over the finite xs fx, as fitExp
// does; it reports false when fewer than four points remain or the xs
// span nothing.
func newExpSearch(fx []float64, tau0, width float64) (expSearch, bool) {
	if len(fx) < 4 {
		return expSearch{}, false
	}
	lo, hi := fx[0], fx[0]
	for _, x := range fx {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	span := hi - lo
	if span <= 0 {
		return expSearch{}, false
	}
	shifted := make([]float64, len(fx))
	for i, x := range fx {
		shifted[i] = x - lo
	}
	plo, phi, grid := math.Log(span/20), math.Log(span*20), 40
	if a, b := math.Log(tau0)-width, math.Log(tau0)+width; tau0 > 0 && width > 0 && math.Max(plo, a) < math.Min(phi, b) {
		a, b = math.Max(plo, a), math.Min(phi, b)
		grid = max(2, int(math.Ceil(40*(b-a)/(phi-plo))))
		plo, phi = a, b
	}
	return expSearch{shifted: shifted, lo: lo, plo: plo, phi: phi, grid: grid}, true
}

// expShape is g(x) = exp(-x/tau) for tau = exp(p).
func expShape(p float64) func(float64) float64 {
	tau := math.Exp(p)
	return func(x float64) float64 { return math.Exp(-x / tau) }
}

// fit fits fy, whose points are those of the xs the search was made for.
func (sp *expSearch) fit(fy []float64) CurveFit {
	return sp.finish(searchShape(sp.shifted, fy, sp.plo, sp.phi, sp.grid, expShape))
}

// finish turns the best point p of the search and the fit there into
// the fit over the xs before their shift.
func (sp *expSearch) finish(p float64, fit CurveFit) CurveFit {
	if fit.OK {
		// Undo the shift: A*exp(-(x-lo)/tau) = (A*exp(lo/tau))*exp(-x/tau).
		fit.Tau = math.Exp(p)
		fit.A *= math.Exp(sp.lo / fit.Tau)
		if math.IsInf(fit.A, 0) {
			fit.OK = false
		}
	}
	return fit
}

// gridPoint returns the k-th of the grid+1 points from lo to hi.
func gridPoint(lo, hi float64, grid, k int) float64 {
	return lo + (hi-lo)*float64(k)/float64(grid)
}

// golden is the number of golden-section steps of searchShape: the
// bracket shrinks to 0.618^golden of two grid steps.
const golden = 30

// searchShape minimises the residual of y = L0 + A*g_p(x) over p in
// [lo, hi] with a coarse grid of the given number of steps then a
// golden-section refinement, solving L0 and A by least squares for each p
// and requiring A > 0.
func searchShape(xs, ys []float64, lo, hi float64, grid int, shape func(p float64) func(float64) float64) (float64, CurveFit) {
	if len(xs) < 4 {
		return 0, CurveFit{N: len(xs)}
	}
	gx := make([]float64, len(xs))
	eval := func(p float64) CurveFit {
		g := shape(p)
		for i, x := range xs {
			gx[i] = g(x)
		}
		return fitShape(gx, ys)
	}
	return goldenSearch(len(xs), lo, hi, grid, func(_ int, p float64) CurveFit { return eval(p) }, eval)
}

// fitShape solves y = L0 + A*g by least squares, g at each point given,
// and requires A > 0.
func fitShape(gx, ys []float64) CurveFit {
	lf := WeightedOLS(gx, ys, nil)
	if !(lf.Slope > 0) || !isFinite(lf.RMS) {
		return CurveFit{RMS: math.Inf(1), N: len(gx)}
	}
	return CurveFit{L0: lf.Intercept, A: lf.Slope, RMS: lf.RMS, N: len(gx), OK: true}
}

// goldenSearch is the search of searchShape over n points: atGrid(k, p)
// is the fit at the k-th grid point p, at(p) the fit at any point.
func goldenSearch(n int, lo, hi float64, grid int, atGrid func(k int, p float64) CurveFit, at func(p float64) CurveFit) (float64, CurveFit) {
	best := CurveFit{N: n}
	bestP := math.NaN()
	best.RMS = math.Inf(1)
	for k := 0; k <= grid; k++ {
		p := gridPoint(lo, hi, grid, k)
		if f := atGrid(k, p); f.OK && f.RMS < best.RMS {
			best, bestP = f, p
		}
	}
	if math.IsNaN(bestP) {
		return 0, CurveFit{N: n}
	}
	// Golden-section search in the bracket around the best grid point.
	step := (hi - lo) / float64(grid)
	a, b := math.Max(lo, bestP-step), math.Min(hi, bestP+step)
	phi := (math.Sqrt(5) - 1) / 2
	c, d := b-phi*(b-a), a+phi*(b-a)
	fc, fd := at(c), at(d)
	for range golden {
		if fc.RMS < fd.RMS {
			b, d, fd = d, c, fc
			c = b - phi*(b-a)
			fc = at(c)
		} else {
			a, c, fc = c, d, fd
			d = a + phi*(b-a)
			fd = at(d)
		}
	}
	if fc.OK && fc.RMS < best.RMS {
		best, bestP = fc, c
	}
	if fd.OK && fd.RMS < best.RMS {
		best, bestP = fd, d
	}
	return bestP, best
}

// A TissueFit is the learning-rate annealing scaling law of Tissue et
// al. (2024), L = L0 + A*S1^-Alpha - C*S2, where S1 is the cumulative
// learning rate (the "forward area") and S2 the annealing area, the
// momentum-smoothed sum of the decreases of the learning rate.
type TissueFit struct {
	L0, A, Alpha, C float64
	RMS             float64
	N               int
	OK              bool
}

// Predict returns the fitted loss at (s1, s2).
func (f TissueFit) Predict(s1, s2 float64) float64 {
	if !f.OK || s1 <= 0 {
		return math.NaN()
	}
	return f.L0 + f.A*math.Pow(s1, -f.Alpha) - f.C*s2
}

// FitTissue fits L = L0 + A*s1^-alpha - C*s2 with A > 0 and C >= 0: a
// search over alpha in [0.01, 4] with a least-squares solve for L0, A
// and C at each alpha (C is dropped when the unconstrained solve makes it
// negative). Points with s1 <= 0 or non-finite values are skipped; fewer
// than five points give OK = false.
func FitTissue(s1, s2, ys []float64) TissueFit {
	return fitTissue(s1, s2, ys, math.Log(0.01), math.Log(4), 60)
}

// FitTissueNear is FitTissue with the search for alpha limited to the
// factors exp(-width) to exp(width) of alpha0 (within [0.01, 4]), on a
// grid of the same spacing: a bootstrap refit starts from the fit it
// resamples, at a fraction of the cost.
func FitTissueNear(s1, s2, ys []float64, alpha0, width float64) TissueFit {
	lo, hi := math.Log(0.01), math.Log(4)
	if !(alpha0 > 0) || !(width > 0) {
		return fitTissue(s1, s2, ys, lo, hi, 60)
	}
	a, b := math.Max(lo, math.Log(alpha0)-width), math.Min(hi, math.Log(alpha0)+width)
	if a >= b {
		return fitTissue(s1, s2, ys, lo, hi, 60)
	}
	grid := max(2, int(math.Ceil(60*(b-a)/(hi-lo))))
	return fitTissue(s1, s2, ys, a, b, grid)
}

func fitTissue(s1, s2, ys []float64, lo, hi float64, grid int) TissueFit {
	var x1, x2, y []float64
	for i := range min(len(s1), len(s2), len(ys)) {
		if s1[i] > 0 && isFinite(s1[i]) && isFinite(s2[i]) && isFinite(ys[i]) {
			x1 = append(x1, s1[i])
			x2 = append(x2, s2[i])
			y = append(y, ys[i])
		}
	}
	if len(y) < 5 {
		return TissueFit{N: len(y), RMS: math.NaN()}
	}
	lx := make([]float64, len(x1)) // s1^-alpha = exp(-alpha*ln s1)
	for i, v := range x1 {
		lx[i] = math.Log(v)
	}
	return searchTissue(lx, x2, y, lo, hi, grid, nil)
}

// tissueG sets g to s1^-alpha, with lx the logs of s1.
func tissueG(g, lx []float64, alpha float64) {
	for i, l := range lx {
		g[i] = math.Exp(-alpha * l)
	}
}

// tissueAlpha returns the alpha of the k-th grid point.
func tissueAlpha(lo, hi float64, grid, k int) float64 {
	return math.Exp(gridPoint(lo, hi, grid, k))
}

// searchTissue fits y = L0 + A*s1^-alpha - C*s2 over a grid of alpha,
// then 21 points around the best one; lx are the logs of s1. When gs is
// not nil, gs.grid[k] holds g at the k-th grid point and gs.near(k) the
// g of the points around it (see tissueGrid).
func searchTissue(lx, x2, y []float64, lo, hi float64, grid int, gs *tissueGrid) TissueFit {
	best := TissueFit{N: len(y), RMS: math.Inf(1)}
	g := make([]float64, len(y))
	try := func(alpha float64, g []float64) bool {
		l0, a, c, rms, ok := solveTissue(g, x2, y)
		if ok && rms < best.RMS {
			best = TissueFit{L0: l0, A: a, Alpha: alpha, C: c, RMS: rms, N: len(y), OK: true}
			return true
		}
		return false
	}
	bestK := -1
	for k := 0; k <= grid; k++ {
		alpha := tissueAlpha(lo, hi, grid, k)
		gk := g
		if gs != nil {
			gk = gs.grid[k]
		} else {
			tissueG(g, lx, alpha)
		}
		if try(alpha, gk) {
			bestK = k
		}
	}
	if best.OK {
		// Refine around the best grid point.
		var near [][]float64
		if gs != nil {
			near = gs.near(bestK)
		}
		for j, p := range refinePoints(lo, hi, grid, best.Alpha) {
			alpha := math.Exp(p)
			gj := g
			if near != nil {
				gj = near[j]
			} else {
				tissueG(g, lx, alpha)
			}
			try(alpha, gj)
		}
	}
	if !best.OK {
		best.RMS = math.NaN()
	}
	return best
}

// refinePoints returns the log alphas searchTissue tries around the best
// grid point, alpha.
func refinePoints(lo, hi float64, grid int, alpha float64) []float64 {
	step := (hi - lo) / float64(grid)
	c := math.Log(alpha)
	ps := make([]float64, 0, 21)
	for k := -10; k <= 10; k++ {
		if p := c + step*float64(k)/10; p >= lo-1e-12 && p <= hi+1e-12 {
			ps = append(ps, p)
		}
	}
	return ps
}

// solveTissue solves y = l0 + a*g - c*s2 by least squares with a > 0 and
// c >= 0.
func solveTissue(g, s2, y []float64) (l0, a, c, rms float64, ok bool) {
	n := float64(len(y))
	var mg, ms, my float64
	for i := range y {
		mg += g[i]
		ms += s2[i]
		my += y[i]
	}
	mg, ms, my = mg/n, ms/n, my/n
	var sgg, sss, sgs, sgy, ssy float64
	for i := range y {
		dg, ds, dy := g[i]-mg, s2[i]-ms, y[i]-my
		sgg += dg * dg
		sss += ds * ds
		sgs += dg * ds
		sgy += dg * dy
		ssy += ds * dy
	}
	det := sgg*sss - sgs*sgs
	if det > 1e-12*sgg*sss && sss > 0 {
		a = (sgy*sss - ssy*sgs) / det
		b := (sgg*ssy - sgs*sgy) / det // coefficient of +s2
		c = -b
	}
	if !(c >= 0) || det <= 1e-12*sgg*sss || sss == 0 {
		c = 0
		if sgg == 0 {
			return 0, 0, 0, 0, false
		}
		a = sgy / sgg
	}
	if !(a > 0) {
		return 0, 0, 0, 0, false
	}
	l0 = my - a*mg + c*ms
	var ss float64
	for i := range y {
		d := y[i] - (l0 + a*g[i] - c*s2[i])
		ss += d * d
	}
	return l0, a, c, math.Sqrt(ss / n), true
}
