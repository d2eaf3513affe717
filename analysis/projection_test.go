package analysis

import (
	"math"
	"strings"
	"testing"
)

// TestProjectionCentral checks the another-epoch projection on curves of
// known shape: the estimate lies inside its range (not at an end unless
// the range is a point), the range holds the true gain of one more epoch
// at the same rate, the horizon is one epoch, and the form that fits the
// shape extrapolates the held-out points better and is chosen.
func TestProjectionCentral(t *testing.T) {
	tests := []struct {
		name   string
		f      func(s int) float64
		form   string // the chosen form's name starts the method's "fitted as"
		maxLog float64
	}{
		{"power law", func(s int) float64 { return 1 + 5*math.Pow(1+float64(s)/10, -0.5) }, "L = L0 + A*S1^-alpha", math.Log(3)},
		{"saturated exponential", func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/150) }, "", math.Log(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := synRun(synSpec{n: 1200, stepsPerEpoch: 400, completed: true, series: map[string]func(int) float64{
				"loss": noisy(7, 0.01, tt.f), "learning_rate": constLR(0)}})
			a := Analyze(run, DefaultOptions).AnotherEpoch
			if a == nil || !a.Available || a.HorizonSteps != 400 || a.HorizonWhat != "one more epoch" {
				t.Fatalf("another epoch %+v, want one more epoch of 400 steps", a)
			}
			if !(a.GainLow <= a.ExpectedGain && a.ExpectedGain <= a.GainHigh) {
				t.Errorf("estimate %g outside its range [%g, %g]", a.ExpectedGain, a.GainLow, a.GainHigh)
			}
			if a.GainLow > 0 && math.Log(a.GainHigh/a.GainLow) > tt.maxLog {
				t.Errorf("range [%g, %g] wider than a factor %g", a.GainLow, a.GainHigh, math.Exp(tt.maxLog))
			}
			truth := tt.f(1200) - tt.f(1600)
			if truth > 0.01 && (truth < a.GainLow/1.5 || truth > a.GainHigh*1.5) {
				t.Errorf("true gain %g far from the range [%g, %g]", truth, a.GainLow, a.GainHigh)
			}
			if tt.form != "" && !strings.Contains(a.Method, "fitted as "+tt.form) {
				t.Errorf("method %q: want %q chosen", a.Method, tt.form)
			}
			if !strings.Contains(a.Method, "fitted without the last 20% of the points") || !strings.Contains(a.RangeHow, "bootstrap") {
				t.Errorf("method %q / range %q do not say how the form and the range were chosen", a.Method, a.RangeHow)
			}
		})
	}
}

// TestHoldoutAndCredible checks the held-out score on a form fitted to
// its own shape and the rule that keeps the other form in the range.
func TestHoldoutAndCredible(t *testing.T) {
	n := 100
	bx, s1, s2, y := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		bx[i] = float64(i + 1)
		s1[i] = bx[i]
		y[i] = 2 * math.Exp(-bx[i]/40)
	}
	h := holdoutError(expForm, bx, s1, s2, y)
	// The observed change is a straight line through a curved tail, so
	// even the exact form misses it by a little.
	if math.IsInf(h.err, 1) || h.err > 0.02*h.observed || h.observed <= 0 {
		t.Errorf("exact exponential: miss %g of the observed change %g, want below 2%%", h.err, h.observed)
	}
	if r := h.relMiss(); r > 0.02 {
		t.Errorf("relative miss %g, want below 0.02", r)
	}
	if h := holdoutError(expForm, bx[:12], s1[:12], s2[:12], y[:12]); !math.IsInf(h.err, 1) {
		t.Errorf("12 points: scored %+v, want not scored (fewer than 15 points)", h)
	}
	tests := []struct {
		best, other holdout
		want        bool
	}{
		{holdout{err: 0.01}, holdout{err: 0.019}, true},
		{holdout{err: 0.01}, holdout{err: 0.05}, false},
		{holdout{err: 0.01, slack: 0.1}, holdout{err: 0.05}, true}, // within the observed change's uncertainty
		{holdout{err: math.Inf(1)}, holdout{err: math.Inf(1)}, true},
	}
	for _, tt := range tests {
		if got := credible(tt.best, tt.other); got != tt.want {
			t.Errorf("credible(%+v, %+v) = %v, want %v", tt.best, tt.other, got, tt.want)
		}
	}
	for _, tt := range []struct {
		h    holdout
		want float64
	}{
		{holdout{err: 0.02, observed: 0.1}, 0.2},
		{holdout{err: 0.5, observed: 0.1}, maxRelMiss},
		{holdout{err: 0.02, observed: 0.01, slack: 0.02}, 0}, // not measurable
		{holdout{err: math.Inf(1)}, 0},
	} {
		if got := tt.h.relMiss(); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("relMiss(%+v) = %g, want %g", tt.h, got, tt.want)
		}
	}
}

// TestHorizonOneDefinition checks that the trend, the verdict and the
// another-epoch projection share one nominal horizon and differ only by
// the cap each states.
func TestHorizonOneDefinition(t *testing.T) {
	tests := []struct {
		name       string
		g          geometry
		span       int64
		wantSteps  int64
		wantPrefix string
	}{
		{"epoch within the span", geometry{stepsPerEpoch: 250}, 750, 250, "one more epoch"},
		{"epoch capped", geometry{stepsPerEpoch: 250}, 149, 149, "one more epoch would be 250 steps; capped at the 149 steps of"},
		{"rest of an unfinished run", geometry{planned: 1000, lastStep: 800, logEvery: 10}, 900, 200, "the rest of the run to max_steps 1000"},
		{"unknown", geometry{completed: true}, 300, 300, "the span of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, what := nextHorizon(tt.g).capped(tt.span, "the data")
			if h != tt.wantSteps || !strings.HasPrefix(what, tt.wantPrefix) {
				t.Errorf("horizon %d (%q), want %d (%q...)", h, what, tt.wantSteps, tt.wantPrefix)
			}
		})
	}
	// A 3-epoch run: the trend's segment is 20% of the steps, shorter
	// than an epoch; the another-epoch fit covers the whole curve.
	run := synRun(synSpec{n: 750, stepsPerEpoch: 250, completed: true, series: map[string]func(int) float64{
		"loss": noisy(9, 0.02, func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/200) }), "learning_rate": constLR(0)}})
	r := Analyze(run, DefaultOptions)
	if r.AnotherEpoch.HorizonSteps != 250 || r.Trend.HorizonSteps >= 250 ||
		!strings.HasPrefix(r.Trend.HorizonWhat, "one more epoch would be 250 steps; capped at the") {
		t.Errorf("another epoch %d (%q), trend %d (%q): want one epoch, and the trend capped at its segment",
			r.AnotherEpoch.HorizonSteps, r.AnotherEpoch.HorizonWhat, r.Trend.HorizonSteps, r.Trend.HorizonWhat)
	}
}

// TestOneLevel checks that every "level" of a report is the same
// trailing-window mean, and that the noise spread is on sigma's scale.
func TestOneLevel(t *testing.T) {
	run := synRun(synSpec{n: 600, stepsPerEpoch: 200, completed: true, series: map[string]func(int) float64{
		"loss": noisy(11, 0.05, func(s int) float64 { return 1 + 3*math.Exp(-float64(s)/100) }), "learning_rate": constLR(0)}})
	r := Analyze(run, DefaultOptions)
	level := r.TrainLoss.FinalLevel.Value
	if r.Trend.Level != level || r.AnotherEpoch.LastValue != level {
		t.Errorf("levels: final %g, trend %g, another epoch %g; want one value", level, r.Trend.Level, r.AnotherEpoch.LastValue)
	}
	if h := r.TrainLoss.FinalLevel.How; r.Trend.LevelHow != r.AnotherEpoch.LevelHow || h.Method != MethodWindowMean || h.ToStep != r.Run.LastStep {
		t.Errorf("level how: %+v / %q / %q", h, r.Trend.LevelHow, r.AnotherEpoch.LevelHow)
	}
	n := r.Noise
	if !n.LogScale || n.Std <= 0 || n.Std > 3*n.Sigma.Value || n.Sigma.Value > 3*n.Std {
		t.Errorf("noise std %g and sigma %g: want both on the log scale, of the same size for white noise", n.Std, n.Sigma.Value)
	}
	if math.Abs(n.StdErr-n.Std/math.Sqrt(float64(n.N))) > 1e-12 {
		t.Errorf("std err %g, want std/sqrt(n)", n.StdErr)
	}
}
