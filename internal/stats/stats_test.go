package stats

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestRobustCentreAndSpread(t *testing.T) {
	tests := []struct {
		name       string
		xs         []float64
		median     float64
		mad        float64
		diffSigma  float64
		robustDiff float64
	}{
		{"odd", []float64{5, 1, 3}, 3, 2, math.Sqrt((16 + 4) / 2.0 / 2), math.NaN()},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, math.Sqrt((9 + 4 + 1) / 3.0 / 2), MADScale * 2 / math.Sqrt2},
		{"outlier", []float64{1, 1, 1, 100, 1}, 1, 0, math.Sqrt((0 + 99*99 + 99*99 + 0) / 4.0 / 2), MADScale * 49.5 / math.Sqrt2},
		{"empty", nil, math.NaN(), math.NaN(), math.NaN(), math.NaN()},
	}
	same := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || near(a, b, 1e-12) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Median(tt.xs); !same(got, tt.median) {
				t.Errorf("Median = %v, want %v", got, tt.median)
			}
			if got := MAD(tt.xs); !same(got, tt.mad) {
				t.Errorf("MAD = %v, want %v", got, tt.mad)
			}
			if got := DiffSigma(tt.xs); !same(got, tt.diffSigma) {
				t.Errorf("DiffSigma = %v, want %v", got, tt.diffSigma)
			}
			if len(tt.xs) >= 4 {
				if got := RobustDiffSigma(tt.xs); !same(got, tt.robustDiff) {
					t.Errorf("RobustDiffSigma = %v, want %v", got, tt.robustDiff)
				}
			}
		})
	}
}

func TestMedianMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 60; n++ {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(r.IntN(10)) // many ties
		}
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		want := s[n/2]
		if n%2 == 0 {
			want = (s[n/2-1] + s[n/2]) / 2
		}
		if got := Median(xs); got != want {
			t.Fatalf("n=%d: Median = %v, want %v", n, got, want)
		}
	}
}

func TestDiffSigmaIgnoresTrend(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 5000)
	for i := range xs {
		xs[i] = 10 - 0.001*float64(i) + 0.2*r.NormFloat64()
	}
	for name, got := range map[string]float64{
		"DiffSigma":        DiffSigma(xs),
		"RobustDiffSigma":  RobustDiffSigma(xs),
		"RobustDiff2Sigma": RobustDiff2Sigma(xs),
	} {
		if !near(got, 0.2, 0.01) {
			t.Errorf("%s = %.4f, want 0.2 ± 0.01", name, got)
		}
	}
}

func TestTheilSen(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		name      string
		n         int
		slope     float64
		outliers  int
		maxPoints int
	}{
		{"clean", 50, -0.5, 0, 0},
		{"outliers", 200, 2, 20, 0},
		{"binned", 100000, -1e-4, 500, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := make([]float64, tt.n)
			ys := make([]float64, tt.n)
			for i := range xs {
				xs[i] = float64(i)
				ys[i] = 3 + tt.slope*float64(i) + 0.01*r.NormFloat64()
			}
			for k := 0; k < tt.outliers; k++ {
				ys[r.IntN(tt.n)] += 100
			}
			fit := TheilSen(xs, ys, tt.maxPoints, 0, 0.95)
			if !near(fit.Slope, tt.slope, math.Abs(tt.slope)*0.02) {
				t.Errorf("slope = %g, want %g", fit.Slope, tt.slope)
			}
			if !(fit.Low <= fit.Slope && fit.Slope <= fit.High) {
				t.Errorf("interval [%g, %g] does not hold %g", fit.Low, fit.High, fit.Slope)
			}
		})
	}
}

func TestMannKendall(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	noise := make([]float64, 300)
	trend := make([]float64, 300)
	for i := range noise {
		noise[i] = r.NormFloat64()
		trend[i] = -0.01*float64(i) + r.NormFloat64()
	}
	if mk := MannKendall(noise, 0, true); mk.P < 0.01 {
		t.Errorf("pure noise: p = %.3g, want no trend", mk.P)
	}
	if mk := MannKendall(trend, 0, true); mk.P > 1e-6 || mk.Z >= 0 {
		t.Errorf("trend: z = %.2f p = %.3g, want a significant negative trend", mk.Z, mk.P)
	}
	// Strictly increasing sequence of 5: S = 10, Var = 5*4*15/18.
	mk := MannKendall([]float64{1, 2, 3, 4, 5}, 0, false)
	if mk.S != 10 || !near(mk.VarS, 5*4*15/18.0, 1e-12) {
		t.Errorf("S = %v Var = %v, want 10 and %v", mk.S, mk.VarS, 5*4*15/18.0)
	}
	if mk := MannKendall([]float64{1, 2}, 0, true); mk.P != 1 {
		t.Errorf("two points: p = %v, want 1", mk.P)
	}
}

// TestHamedRaoInflatesVarianceForAR1 checks that positive serial
// correlation makes the corrected variance of S larger than the naive one
// (and that the naive test then over-rejects, which is why we correct).
func TestHamedRaoInflatesVarianceForAR1(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ys := make([]float64, 300)
	for i := 1; i < len(ys); i++ {
		ys[i] = 0.8*ys[i-1] + r.NormFloat64()
	}
	plain := MannKendall(ys, 0, false)
	hr := MannKendall(ys, 0, true)
	if !(hr.VarCorrected > 1.5*plain.VarS) || hr.Factor <= 1.5 {
		t.Errorf("AR(1) 0.8: corrected variance %.4g (factor %.2f), naive %.4g: want a clearly larger corrected variance", hr.VarCorrected, hr.Factor, plain.VarS)
	}
	if math.Abs(hr.Z) >= math.Abs(plain.Z) && plain.Z != 0 {
		t.Errorf("|z| corrected %.2f >= naive %.2f", hr.Z, plain.Z)
	}
	white := make([]float64, 300)
	for i := range white {
		white[i] = r.NormFloat64()
	}
	if f := MannKendall(white, 0, true).Factor; f > 1.3 {
		t.Errorf("white noise: factor %.2f, want about 1", f)
	}
}

func TestOLS(t *testing.T) {
	xs := []float64{0, 1, 2, 3, math.NaN()}
	ys := []float64{1, 3, 5, 7, 9}
	f := OLS(xs, ys)
	if !near(f.Slope, 2, 1e-12) || !near(f.Intercept, 1, 1e-12) || !near(f.R2, 1, 1e-12) || f.N != 4 {
		t.Errorf("OLS = %+v, want slope 2 intercept 1 R2 1 N 4", f)
	}
	if f := OLS([]float64{1, 1}, []float64{2, 3}); !math.IsNaN(f.Slope) {
		t.Errorf("vertical data: slope %v, want NaN", f.Slope)
	}
}

func TestEMA(t *testing.T) {
	nan := math.NaN()
	got := EMA([]float64{1, nan, 2, 3}, 0.6)
	// n=1: last=0.4, out=0.4/0.4=1; n=2: last=0.24+0.8=1.04, out=1.04/0.64;
	// n=3: last=0.624+1.2=1.824, out=1.824/0.784.
	want := []float64{1, nan, 1.04 / 0.64, 1.824 / 0.784}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(want[i]) && !near(got[i], want[i], 1e-12)) {
			t.Fatalf("EMA = %v, want %v", got, want)
		}
	}
	flat := []float64{2, 2, 2}
	if got := EMA(flat, 0.9); got[2] != 2 {
		t.Errorf("constant series changed: %v", got)
	}
	if got := EMA([]float64{1, 5}, 0); got[1] != 5 {
		t.Errorf("w=0 must return the input, got %v", got)
	}
	// Past the points where 1-w^n rounds to 1, EMA stops computing w^n:
	// the values must be exactly those of TensorBoard's formula.
	r := rand.New(rand.NewPCG(3, 4))
	ys := make([]float64, 50_000)
	for i := range ys {
		ys[i] = math.Exp(r.NormFloat64())
	}
	for _, w := range []float64{0.1, 0.6, 0.9, 0.999} {
		got := EMA(ys, w)
		var last float64
		for i, y := range ys {
			last = last*w + (1-w)*y
			if want := last / (1 - math.Pow(w, float64(i+1))); got[i] != want {
				t.Fatalf("w=%v: EMA[%d] = %v, want %v", w, i, got[i], want)
			}
		}
	}
}

func TestRollingMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float64, 200)
	for i := range xs {
		xs[i] = float64(r.IntN(50))
	}
	xs[17] = math.NaN()
	const w = 7
	got := RollingMedian(xs, w)
	for i := range xs {
		var win []float64
		for j := max(0, i-w/2); j <= min(len(xs)-1, i+w/2); j++ {
			if !math.IsNaN(xs[j]) {
				win = append(win, xs[j])
			}
		}
		if want := Median(win); got[i] != want {
			t.Fatalf("i=%d: rolling median %v, want %v", i, got[i], want)
		}
	}
}

func TestDownsampleKeepsExtremes(t *testing.T) {
	n := 10000
	xs := make([]float64, n)
	ys := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
		ys[i] = math.Sin(float64(i) / 300)
	}
	ys[4321] = 50 // a spike
	ys[777] = -50 // a dip
	ys[9000] = math.NaN()
	idx := Downsample(xs, ys, 200, []int{1234})
	has := map[int]bool{}
	for k, i := range idx {
		has[i] = true
		if k > 0 && idx[k-1] >= i {
			t.Fatal("indices not sorted and unique")
		}
	}
	for _, want := range []int{0, n - 1, 4321, 777, 9000, 1234} {
		if !has[want] {
			t.Errorf("index %d was dropped", want)
		}
	}
	if len(idx) > 200+3 {
		t.Errorf("kept %d points, want about 200", len(idx))
	}
	if got := Downsample(xs[:5], ys[:5], 10, nil); len(got) != 5 {
		t.Errorf("short input: %v", got)
	}
}

func TestFitPowerLawAndExp(t *testing.T) {
	var xs, yp, ye []float64
	for i := 1; i <= 200; i++ {
		x := float64(i) / 10
		xs = append(xs, x)
		yp = append(yp, 2+3*math.Pow(x, -0.5))
		ye = append(ye, 1+4*math.Exp(-x/5))
	}
	p := FitPowerLaw(xs, yp)
	if !p.OK || !near(p.Alpha, 0.5, 0.01) || !near(p.L0, 2, 0.02) || !near(p.A, 3, 0.03) {
		t.Errorf("power law fit %+v, want L0 2 A 3 alpha 0.5", p)
	}
	e := FitExp(xs, ye)
	if !e.OK || !near(e.Tau, 5, 0.05) || !near(e.L0, 1, 0.02) || !near(e.Predict(10), 1+4*math.Exp(-2), 1e-3) {
		t.Errorf("exp fit %+v, want L0 1 tau 5", e)
	}
	rising := []float64{1, 2, 3, 4, 5}
	if f := FitPowerLaw([]float64{1, 2, 3, 4, 5}, rising); f.OK {
		t.Errorf("a rising series has no decreasing power-law fit, got %+v", f)
	}
}

func BenchmarkTheilSen1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1_000_000)
	ys := make([]float64, len(xs))
	for i := range xs {
		xs[i] = float64(i)
		ys[i] = 2 + 1/(1+float64(i)/1e4) + 0.05*r.NormFloat64()
	}
	b.ResetTimer()
	for b.Loop() {
		mk := MannKendall(ys, 0, true)
		TheilSen(xs, ys, 0, mk.VarCorrected, 0.95)
	}
}

func BenchmarkRollingMedian1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	b.ResetTimer()
	for b.Loop() {
		RollingMedian(xs, 31)
	}
}

func TestFitTissue(t *testing.T) {
	// A linear decay from 1 to 0 over 1000 steps: S1 grows, S2 (with no
	// momentum) is the cumulative decrease.
	var s1, s2, y []float64
	var a1, a2 float64
	for i := 1; i <= 1000; i++ {
		lr := 1 - float64(i)/1000
		a1 += lr
		a2 += 1.0 / 1000
		s1 = append(s1, a1/500)
		s2 = append(s2, a2)
		y = append(y, 2+0.5*math.Pow(a1/500, -0.4)-0.1*a2)
	}
	f := FitTissue(s1, s2, y)
	if !f.OK || !near(f.Alpha, 0.4, 0.01) || !near(f.C, 0.1, 0.005) || !near(f.L0, 2, 0.01) {
		t.Errorf("fit %+v, want L0 2 A 0.5 alpha 0.4 C 0.1", f)
	}
	if f := FitTissue(s1[:3], s2[:3], y[:3]); f.OK {
		t.Errorf("3 points fitted: %+v", f)
	}
}

func BenchmarkEMA1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = math.Exp(r.NormFloat64())
	}
	for b.Loop() {
		EMA(xs, 0.6)
	}
}

func BenchmarkQuantile1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = math.Exp(r.NormFloat64())
	}
	for b.Loop() {
		Quantile(xs, 0.9)
	}
}
