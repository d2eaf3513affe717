package stats

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// sameBits reports whether a and b are the same float64 to the last bit
// (NaNs of any payload count as equal).
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// TestRefitters checks that the refitters give FitExpNear's and
// FitTissueNear's results to the last bit, on bootstrap-like resamples of
// noisy decaying curves (the residuals of a fit added back in blocks), on
// inputs with non-finite values, too few points or a start off the
// search's bounds, and when called from several goroutines at once.
func TestRefitters(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type input struct {
		name         string
		s1, s2       []float64
		ys           [][]float64
		tau0, alpha0 float64
		width        float64
	}
	var inputs []input
	for _, n := range []int{3, 4, 6, 40, 300} {
		s1, s2 := make([]float64, n), make([]float64, n)
		for i := range n {
			s1[i] = 1e-4 * float64(i+1) * (1 + 0.1*rng.Float64())
			if i > n/2 {
				s2[i] = s2[i-1] + 1e-5*rng.Float64()
			} else if i > 0 {
				s2[i] = s2[i-1]
			}
		}
		for i := 1; i < n; i++ {
			s1[i] += s1[i-1]
		}
		var ys [][]float64
		for r := range 12 {
			y := make([]float64, n)
			for i := range n {
				y[i] = 0.8 + 1.5*math.Exp(-s1[i]/(0.3*s1[n-1])) + 0.02*rng.NormFloat64() - 3*s2[i]
			}
			switch r {
			case 10:
				y[n/2] = math.NaN()
			case 11:
				y[0] = math.Inf(1)
			}
			ys = append(ys, y)
		}
		for _, w := range []float64{0, 0.5, 2} {
			inputs = append(inputs, input{name: "n" + string(rune('0'+n%10)), s1: s1, s2: s2, ys: ys,
				tau0: 0.3 * s1[n-1], alpha0: 0.5, width: w})
			inputs = append(inputs, input{name: "far", s1: s1, s2: s2, ys: ys, tau0: 1e9 * s1[n-1], alpha0: 30, width: w})
		}
		bad := append([]float64(nil), s1...)
		bad[len(bad)-1] = math.NaN()
		inputs = append(inputs, input{name: "nan s1", s1: bad, s2: s2, ys: ys, tau0: 0.3 * s1[n-1], alpha0: 0.5, width: 2})
		neg := append([]float64(nil), s1...)
		neg[0] = 0
		inputs = append(inputs, input{name: "zero s1", s1: neg, s2: s2, ys: ys, tau0: 0.3 * s1[n-1], alpha0: 0.5, width: 2})
	}
	var okExp, okTissue atomic.Int32
	for _, in := range inputs {
		er := NewExpRefitter(in.s1, in.tau0, in.width)
		tr := NewTissueRefitter(in.s1, in.s2, in.alpha0, in.width)
		var wg sync.WaitGroup
		for k, y := range in.ys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want, got := FitExpNear(in.s1, y, in.tau0, in.width), er.Fit(y)
				if !sameBits(want.L0, got.L0) || !sameBits(want.A, got.A) || !sameBits(want.Tau, got.Tau) ||
					!sameBits(want.RMS, got.RMS) || want.N != got.N || want.OK != got.OK || want.Alpha != got.Alpha {
					t.Errorf("%s n=%d width %g set %d: exp refit %+v, FitExpNear %+v", in.name, len(in.s1), in.width, k, got, want)
				}
				if got.OK {
					okExp.Add(1)
				}
				tw, tg := FitTissueNear(in.s1, in.s2, y, in.alpha0, in.width), tr.Fit(y)
				if !sameBits(tw.L0, tg.L0) || !sameBits(tw.A, tg.A) || !sameBits(tw.Alpha, tg.Alpha) || !sameBits(tw.C, tg.C) ||
					!sameBits(tw.RMS, tg.RMS) || tw.N != tg.N || tw.OK != tg.OK {
					t.Errorf("%s n=%d width %g set %d: tissue refit %+v, FitTissueNear %+v", in.name, len(in.s1), in.width, k, tg, tw)
				}
				if tg.OK {
					okTissue.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	if okExp.Load() < 100 || okTissue.Load() < 100 {
		t.Errorf("%d exp and %d tissue fits succeeded, want 100 or more of each", okExp.Load(), okTissue.Load())
	}
	// The shared path is taken where it applies: the test above compares
	// it, not the fallback, with the plain fits.
	s1 := inputs[len(inputs)-3].s1
	if NewExpRefitter(s1, 1, 2).gs == nil || NewTissueRefitter(s1, s1, 0.5, 2).gs == nil {
		t.Error("the refitters fell back on a clean input")
	}
	// A refit retraces the steps of an earlier one with the same values:
	// it finds every point it tries in the memo, and the same fit.
	in := inputs[len(inputs)-3]
	er := NewExpRefitter(in.s1, in.tau0, in.width)
	first := er.Fit(in.ys[0])
	tried := len(er.memo.shapes)
	if again := er.Fit(in.ys[0]); tried == 0 || len(er.memo.shapes) != tried || again != first {
		t.Errorf("a second refit of the same values added %d points to the %d tried (fits %+v, %+v)", len(er.memo.shapes)-tried, tried, first, again)
	}
}
