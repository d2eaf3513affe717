package analysis

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
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
		form   FormName // the form that must be chosen ("" for either)
		maxLog float64
	}{
		{"power law", func(s int) float64 { return 1 + 5*math.Pow(1+float64(s)/10, -0.5) }, FormPowerLaw, math.Log(3)},
		// The gain left is about the noise of a level: no factor applies.
		{"saturated exponential", func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/150) }, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := synRun(synSpec{n: 1200, stepsPerEpoch: 400, completed: true, series: map[string]func(int) float64{
				"loss": noisy(7, 0.01, tt.f), "learning_rate": constLR(0)}})
			a := Analyze(run, DefaultOptions).AnotherEpoch
			if a == nil || !a.Available || a.HorizonSteps != 400 || a.Horizon.Kind != HorizonEpoch || a.Kind != ForecastMoreTraining {
				t.Fatalf("another epoch %+v, want one more epoch of 400 steps", a)
			}
			if !(a.GainLow <= a.ExpectedGain && a.ExpectedGain <= a.GainHigh) {
				t.Errorf("estimate %g outside its range [%g, %g]", a.ExpectedGain, a.GainLow, a.GainHigh)
			}
			if tt.maxLog > 0 && (a.GainLow <= 0 || math.Log(a.GainHigh/a.GainLow) > tt.maxLog) {
				t.Errorf("range [%g, %g] wider than a factor %g: %+v %+v", a.GainLow, a.GainHigh, math.Exp(tt.maxLog), a.Range, a.Forms)
			}
			truth := tt.f(1200) - tt.f(1600)
			if truth > 0.01 && (truth < a.GainLow/1.5 || truth > a.GainHigh*1.5) {
				t.Errorf("true gain %g far from the range [%g, %g]", truth, a.GainLow, a.GainHigh)
			}
			if tt.form != "" && a.Forms[0].Form != tt.form {
				t.Errorf("forms %+v: want %q chosen", a.Forms, tt.form)
			}
			if a.Forms[0].HeldOutMiss < 0 || a.Range.Refits < bootstrapReps/2 || a.Range.Inflation < 1 {
				t.Errorf("forms %+v, range %+v: want a scored form and a bootstrap", a.Forms, a.Range)
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

// TestHorizonOneDefinition checks the two horizons: the verdict's (one
// epoch, a property of the curve) and the forecast's (the rest of an
// unfinished run, else one epoch), each capped at the span of its data.
func TestHorizonOneDefinition(t *testing.T) {
	unfinished := geometry{planned: 1000, lastStep: 800, logEvery: 10, stepsPerEpoch: 100}
	tests := []struct {
		name    string
		g       geometry
		span    int64
		verdict Horizon
		fc      Horizon
	}{
		{"epoch within the span", geometry{stepsPerEpoch: 250}, 750, Horizon{Kind: HorizonEpoch, Steps: 250, Full: 250}, Horizon{Kind: HorizonEpoch, Steps: 250, Full: 250}},
		{"epoch capped", geometry{stepsPerEpoch: 250}, 149, Horizon{Kind: HorizonEpoch, Steps: 149, Full: 250, Capped: true}, Horizon{Kind: HorizonEpoch, Steps: 149, Full: 250, Capped: true}},
		{"unfinished run", unfinished, 900, Horizon{Kind: HorizonEpoch, Steps: 100, Full: 100}, Horizon{Kind: HorizonRemaining, Steps: 200, Full: 200}},
		{"unknown", geometry{completed: true}, 300, Horizon{Kind: HorizonSpan, Steps: 300}, Horizon{Kind: HorizonSpan, Steps: 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdictHorizon(tt.g).capTo(tt.span); got != tt.verdict {
				t.Errorf("verdict horizon %+v, want %+v", got, tt.verdict)
			}
			if got := forecastHorizon(tt.g).capTo(tt.span); got != tt.fc {
				t.Errorf("forecast horizon %+v, want %+v", got, tt.fc)
			}
		})
	}
	// A 3-epoch run: the trend's segment is 20% of the steps, shorter
	// than an epoch; the forecast's fit covers the whole curve.
	run := synRun(synSpec{n: 750, stepsPerEpoch: 250, completed: true, series: map[string]func(int) float64{
		"loss": noisy(9, 0.02, func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/200) }), "learning_rate": constLR(0)}})
	r := Analyze(run, DefaultOptions)
	if r.AnotherEpoch.HorizonSteps != 250 || r.Trend.HorizonSteps >= 250 || !r.Trend.Horizon.Capped || r.Trend.Horizon.Full != 250 {
		t.Errorf("another epoch %+v, trend %+v: want one epoch, and the trend capped at its segment", r.AnotherEpoch.Horizon, r.Trend.Horizon)
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
	if h := r.TrainLoss.FinalLevel.How; h.Method != MethodWindowMean || h.ToStep != r.Run.LastStep || h.FromStep != r.Trend.LevelFrom || h.N != r.Trend.LevelN ||
		r.AnotherEpoch.LevelN != r.Trend.LevelN || r.AnotherEpoch.LevelFrom != r.Trend.LevelFrom {
		t.Errorf("level windows: %+v / trend %d from %d / forecast %d from %d", h, r.Trend.LevelN, r.Trend.LevelFrom, r.AnotherEpoch.LevelN, r.AnotherEpoch.LevelFrom)
	}
	n := r.Noise
	if !n.LogScale || n.Std <= 0 || n.Std > 3*n.Sigma.Value || n.Sigma.Value > 3*n.Std {
		t.Errorf("noise std %g and sigma %g: want both on the log scale, of the same size for white noise", n.Std, n.Sigma.Value)
	}
	if math.Abs(n.StdErr-n.Std/math.Sqrt(float64(n.N))) > 1e-12 {
		t.Errorf("std err %g, want std/sqrt(n)", n.StdErr)
	}
}

// TestForecastRangeAboveZero: the range of a loss forecast is built on
// the log scale, so that no level it implies is below 0. The real run
// testdata/runs/resumed fell from 4.2 to 0.6 in its first half and sat
// there with 9% noise per log; its range of one more epoch once read a
// level of -0.047 to 0.782.
func TestForecastRangeAboveZero(t *testing.T) {
	run, err := trainlog.Load([]string{"../testdata/runs/resumed"}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := Analyze(run, DefaultOptions).AnotherEpoch
	if a == nil || !a.Available || !a.LogScale {
		t.Fatalf("forecast %+v, want one on the log scale", a)
	}
	if lo := a.LastValue - a.GainHigh; lo <= 0 || a.GainLow > a.ExpectedGain || a.ExpectedGain > a.GainHigh {
		t.Errorf("from %g, gain %g in [%g, %g]: the range reaches a level of %g", a.LastValue, a.ExpectedGain, a.GainLow, a.GainHigh, lo)
	}
}
