package stats

import (
	"math"
	"testing"
)

// TestFitNear checks that the narrowed searches find the same fit as the
// full ones when the optimum lies inside their window, and stay inside
// the full search's bounds.
func TestFitNear(t *testing.T) {
	n := 200
	s1, s2, y, ye := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		s1[i] = float64(i + 1)
		y[i] = 1 + 3*math.Pow(s1[i], -0.4)
		ye[i] = 1 + 2*math.Exp(-s1[i]/50)
	}
	full := FitTissue(s1, s2, y)
	near := FitTissueNear(s1, s2, y, 0.3, 1)
	if !full.OK || !near.OK || math.Abs(full.Alpha-0.4) > 0.01 || math.Abs(near.Alpha-full.Alpha) > 0.01 {
		t.Errorf("tissue: full alpha %g, near alpha %g, want 0.4", full.Alpha, near.Alpha)
	}
	if f := FitTissueNear(s1, s2, y, 3.9, 1); f.Alpha > 4 || f.Alpha < 3.9*math.Exp(-1)-1e-9 {
		t.Errorf("tissue near 3.9: alpha %g, want within [3.9/e, 4]", f.Alpha)
	}
	fe := FitExp(s1, ye)
	ne := FitExpNear(s1, ye, 40, 1)
	if !fe.OK || !ne.OK || math.Abs(fe.Tau-50) > 0.5 || math.Abs(ne.Tau-fe.Tau) > 0.5 {
		t.Errorf("exp: full tau %g, near tau %g, want 50", fe.Tau, ne.Tau)
	}
	if f := FitExpNear(s1, ye, 0, 1); math.Abs(f.Tau-fe.Tau) > 1e-9 {
		t.Errorf("exp near tau0=0: tau %g, want the full search's %g", f.Tau, fe.Tau)
	}
}
