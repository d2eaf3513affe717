package analysis

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

func analyzePath(t *testing.T, p string) *Report {
	t.Helper()
	run, err := trainlog.Load([]string{p}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(run, DefaultOptions)
}

func hasWarning(c *Comparison, k CompareWarningKind) bool {
	for _, w := range c.Warnings {
		if w.Kind == k {
			return true
		}
	}
	return false
}

// TestCompareLawLlama3: the LoRA and the full fine-tune of the same data
// (corpus lf-law-llama3-*) log no batch size, but their summaries'
// samples and steps per second give about 32 samples per step each: they
// are aligned on samples, 750 and 370 steps reaching about 24,000 and
// 12,000 samples.
func TestCompareLawLlama3(t *testing.T) {
	lora := testcorpus.Path(t, "lf-law-llama3-lora-sft")
	full := testcorpus.Path(t, "lf-law-llama3-full-sft")
	c := Compare([]*Report{analyzePath(t, lora), analyzePath(t, full)}, []string{lora, full}, DefaultOptions)
	if c.AlignedBy != AxisSamples {
		t.Fatalf("aligned by %s, want samples", c.AlignedBy)
	}
	// lora: 4.19 samples/s / 0.131 steps/s; full: 1.975 / 0.061.
	for i, want := range []float64{4.19 / 0.131, 1.975 / 0.061} {
		sc := c.Runs[i].Scale
		if sc == nil || sc.Method != ScaleRates || math.Abs(sc.PerStep-want) > 1e-9 || sc.Exact {
			t.Errorf("run %d scale %+v, want %g from the rates", i, sc, want)
		}
	}
	if e := c.Runs[0].AxisEnd; math.Abs(e-750*4.19/0.131) > 1e-6 {
		t.Errorf("lora ends at %g samples", e)
	}
	if e := c.Runs[1].AxisEnd; math.Abs(e-370*1.975/0.061) > 1e-6 {
		t.Errorf("full ends at %g samples", e)
	}
	if !hasWarning(c, WarnSteps) || !hasWarning(c, WarnTrainOnly) || hasWarning(c, WarnBatch) {
		t.Errorf("warnings %+v: want steps-differ and train-only, no batch-differs (32 and 32.4 per step)", c.Warnings)
	}
	// Ranked on the final train loss: the full fine-tune memorises
	// (0.0077) where LoRA ends at 0.71, far beyond the noise.
	if c.Basis != BasisTrain || c.Best != 1 {
		t.Fatalf("basis %s best %d", c.Basis, c.Best)
	}
	d := c.Runs[0].VsBest
	if d == nil || d.Significance != BeyondNoise || d.Delta < 0.6 || d.Delta > 0.8 {
		t.Errorf("difference %+v", d)
	}
}

// TestCompareSweep: run-a (8 samples per step) and run-b (4 x accumulation
// 4 = 16) of testdata/runs/sweep, whose INFO blocks log the total batch
// size, aligned on samples and ranked on their best eval_loss.
func TestCompareSweep(t *testing.T) {
	a, b := "../testdata/runs/sweep/output/run-a", "../testdata/runs/sweep/output/run-b"
	c := Compare([]*Report{analyzePath(t, a), analyzePath(t, b)}, []string{a, b}, DefaultOptions)
	if c.AlignedBy != AxisSamples {
		t.Fatalf("aligned by %s", c.AlignedBy)
	}
	for i, want := range []float64{8, 16} {
		sc := c.Runs[i].Scale
		if sc.PerStep != want || sc.Method != ScaleTotalBatch || !sc.Exact || sc.Sources[0] != "console.log:8" {
			t.Errorf("run %d scale %+v, want %g from console.log:8", i, sc, want)
		}
		if c.Runs[i].AxisEnd != 4000 {
			t.Errorf("run %d ends at %g samples, want 4000", i, c.Runs[i].AxisEnd)
		}
	}
	if !hasWarning(c, WarnBatch) || !hasWarning(c, WarnLogging) || !hasWarning(c, WarnSteps) {
		t.Errorf("warnings %+v", c.Warnings)
	}
	// eval_loss: run-a 0.6629 at step 500, run-b 0.688 at step 250.
	if c.Basis != BasisEval || c.Best != 0 || c.Runs[0].BestEval.Value != 0.6629424095153809 || c.Runs[1].BestEvalStep != 250 {
		t.Fatalf("basis %s best %d: %+v / %+v", c.Basis, c.Best, c.Runs[0].BestEval, c.Runs[1].BestEval)
	}
	// run-b's evaluations still fall (0.7625, 0.7031, 0.688): the 0.025
	// gap is within their recent changes, a bound of the noise.
	if d := c.Runs[1].VsBest; d == nil || d.Significance != NotShown || !d.NoiseBound {
		t.Errorf("difference %+v", d)
	}
}

// syntheticRun is a run of loss points at the given steps, with epochs
// when spe > 0 (steps per epoch).
func syntheticRun(name string, steps []int64, spe float64) *trainlog.Run {
	r := trainlog.NewRun(name)
	s := &trainlog.Series{Name: "loss"}
	for i, st := range steps {
		e := math.NaN()
		if spe > 0 {
			e = float64(st) / spe
		}
		s.Append(trainlog.Point{Step: st, Value: 2 / float64(i+1), Epoch: e, Time: math.NaN(), Digits: 17})
	}
	r.Series["loss"] = s
	return r
}

// TestCompareAxisFallback: without samples per step the runs fall back
// to epochs when every run logs them, else to steps, with a warning that
// names the runs that lack them.
func TestCompareAxisFallback(t *testing.T) {
	steps := []int64{10, 20, 30, 40, 50, 60, 70, 80}
	for _, tc := range []struct {
		name  string
		speB  float64
		axis  Axis
		endsB float64
	}{
		{"epochs", 20, AxisEpochs, 4},
		{"steps", 0, AxisSteps, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(syntheticRun("a", steps, 40), DefaultOptions)
			b := Analyze(syntheticRun("b", steps, tc.speB), DefaultOptions)
			c := Compare([]*Report{a, b}, []string{"a", "b"}, DefaultOptions)
			if c.AlignedBy != tc.axis || c.Runs[1].AxisEnd != tc.endsB {
				t.Fatalf("aligned by %s, b ends at %g; want %s, %g", c.AlignedBy, c.Runs[1].AxisEnd, tc.axis, tc.endsB)
			}
			if !hasWarning(c, WarnAxisFallback) {
				t.Errorf("no axis-fallback warning: %+v", c.Warnings)
			}
		})
	}
}
