package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// gradRun is a run whose grad_norm follows level(i) for n logs, with a
// log-normal noise of sigma, and a falling loss.
func gradRun(n int, sigma float64, level func(i int) float64) *trainlog.Run {
	rng := rand.New(rand.NewPCG(7, 11))
	run := trainlog.NewRun("g")
	gn, loss := &trainlog.Series{Name: "grad_norm"}, &trainlog.Series{Name: "loss"}
	for i := range n {
		src := trainlog.Source{File: "trainer_state.json", Array: trainlog.LogHistory, Index: int32(i)}
		gn.Append(trainlog.Point{Step: int64(10 * (i + 1)), Value: level(i) * math.Exp(sigma*rng.NormFloat64()), Epoch: math.NaN(), Time: math.NaN(), Digits: -1, Source: src})
		loss.Append(trainlog.Point{Step: int64(10 * (i + 1)), Value: 2 - float64(i)/float64(n), Epoch: math.NaN(), Time: math.NaN(), Digits: -1, Source: src})
	}
	run.Series["grad_norm"], run.Series["loss"] = gn, loss
	return run
}

// TestExplodingGradients is the table of the exploding-gradients rule:
// huge norms over the run, norms that grow beyond noise (an error from
// 100 times, a warning from 10), and what is not an explosion.
func TestExplodingGradients(t *testing.T) {
	tests := []struct {
		name     string
		run      *trainlog.Run
		fires    bool
		cause    Cause
		severity Severity
	}{
		{"healthy", gradRun(100, 0.3, func(int) float64 { return 1.5 }), false, "", ""},
		{"huge from the first log (the corpus' LoRA classifier: 1e5-1e6)", gradRun(75, 1.0, func(int) float64 { return 2.5e5 }), true, CauseHugeGradNorm, SevError},
		{"huge, then collapsing at the end", gradRun(80, 0.5, func(i int) float64 {
			if i >= 70 {
				return 0.2
			}
			return 3e4
		}), true, CauseHugeGradNorm, SevError},
		{"grows 1000x", gradRun(100, 0.3, func(i int) float64 { return 0.5 * math.Pow(1000, float64(i)/99) }), true, CauseGrowing, SevError},
		{"grows 20x to above the clipping norm", gradRun(100, 0.3, func(i int) float64 { return 0.2 * math.Pow(20, float64(i)/99) }), true, CauseGrowing, SevWarning},
		{"grows 20x but stays below the clipping norm", gradRun(100, 0.3, func(i int) float64 { return 0.01 * math.Pow(20, float64(i)/99) }), false, "", ""},
		{"grows 3x: within the range of healthy runs", gradRun(100, 0.2, func(i int) float64 { return 0.5 * math.Pow(3, float64(i)/99) }), false, "", ""},
		{"a 12x rise inside heavy noise", gradRun(30, 2.5, func(i int) float64 { return 0.5 * math.Pow(12, float64(i)/29) }), false, "", ""},
		{"large at start-up, then normal", gradRun(100, 0.3, func(i int) float64 {
			if i < 5 {
				return 40
			}
			return 1
		}), false, "", ""},
		{"isolated spikes to 80 in a normal run", gradRun(200, 0.3, func(i int) float64 {
			if i%50 == 25 {
				return 80
			}
			return 4
		}), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := explodingGradients(newAnalyzer(tt.run))
			if ok != tt.fires {
				t.Fatalf("fired %v (%+v), want %v", ok, f, tt.fires)
			}
			if !ok {
				return
			}
			if f.Cause != tt.cause || f.Severity != tt.severity {
				t.Errorf("cause %s severity %s, want %s %s", f.Cause, f.Severity, tt.cause, tt.severity)
			}
			mx, _ := f.Fact(QMax)
			if mx.Step < f.FromStep || mx.Step > f.ToStep || f.Step != mx.Step {
				t.Errorf("max at step %d, finding at %d over steps %d-%d", mx.Step, f.Step, f.FromStep, f.ToStep)
			}
			gn := tt.run.Series["grad_norm"]
			if i, ok := gn.Index(mx.Step); !ok || gn.Value(i) != mx.Value || gn.Source(i).String() != mx.Source {
				t.Errorf("max %v at step %d cited %s, not the logged point", mx.Value, mx.Step, mx.Source)
			}
		})
	}
}
