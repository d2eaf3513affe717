package analysis

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// Transformers' scheduler lambdas (transformers/optimization.py), as a
// function of the number of scheduler steps taken.
func warmupThen(w float64, after func(s float64) float64) func(float64) float64 {
	return func(s float64) float64 {
		if s < w {
			return s / math.Max(1, w)
		}
		return after(s)
	}
}

func schedLambda(kind ScheduleKind, w, total float64) func(float64) float64 {
	progress := func(s float64) float64 { return (s - w) / math.Max(1, total-w) }
	cos := func(p float64) float64 { return math.Max(0, 0.5*(1+math.Cos(math.Pi*p))) }
	switch kind {
	case SchedConstant, SchedConstantWarmup:
		return warmupThen(w, func(float64) float64 { return 1 })
	case SchedLinear:
		return warmupThen(w, func(s float64) float64 { return math.Max(0, (total-s)/math.Max(1, total-w)) })
	case SchedCosine:
		return warmupThen(w, func(s float64) float64 { return cos(progress(s)) })
	case SchedCosineRestarts: // num_cycles = 3
		return warmupThen(w, func(s float64) float64 {
			p := progress(s)
			if p >= 1 {
				return 0
			}
			return math.Max(0, 0.5*(1+math.Cos(math.Pi*math.Mod(3*p, 1))))
		})
	case SchedPolynomial: // power 2, lr_end 1e-7 with lr_init 1e-3
		return warmupThen(w, func(s float64) float64 {
			if s > total {
				return 1e-4
			}
			return ((1e-3-1e-7)*math.Pow(1-progress(s), 2) + 1e-7) / 1e-3
		})
	case SchedInverseSqrt:
		ts := w
		return warmupThen(w, func(s float64) float64 { return 1 / math.Sqrt((s+ts-w)/ts) })
	case SchedCosineMinLR: // min_lr_rate 0.1
		return warmupThen(w, func(s float64) float64 { return 0.1 + 0.9*cos(progress(s)) })
	case SchedWarmupStableDecay: // stable until 70%, then cosine decay to 0
		stable := 0.7*total - w
		decay := total - w - stable
		return warmupThen(w, func(s float64) float64 {
			if s < w+stable {
				return 1
			}
			return cos((s - w - stable) / decay)
		})
	case SchedReduceLROnPlateau: // halvings at 40% and 75%
		return func(s float64) float64 {
			switch {
			case s >= 0.75*total:
				return 0.25
			case s >= 0.4*total:
				return 0.5
			}
			return 1
		}
	}
	panic(kind)
}

// lrRun logs the rate used for update s, lambda(s-1), every `every` steps.
func lrRun(kind ScheduleKind, w float64, total, every int) *trainlog.Run {
	f := schedLambda(kind, w, float64(total))
	run := trainlog.NewRun("lr")
	s := &trainlog.Series{Name: "learning_rate"}
	for st := every; st <= total; st += every {
		s.Append(trainlog.Point{Step: int64(st), Value: 1e-3 * f(float64(st-1)), Epoch: math.NaN(), Time: math.NaN(),
			Digits: trainlog.DigitsFloat64, Source: trainlog.Source{File: "lr.json", Line: st / every}})
	}
	run.Series["learning_rate"] = s
	run.Geometry[trainlog.GeoMaxSteps] = trainlog.Value{Key: "max_steps", Value: float64(total)}
	return run
}

func TestScheduleKinds(t *testing.T) {
	tests := []struct {
		kind   ScheduleKind
		warmup float64
		every  int
	}{
		{SchedConstant, 0, 1},
		{SchedConstantWarmup, 100, 5},
		{SchedLinear, 0, 1},
		{SchedLinear, 100, 10},
		{SchedCosine, 0, 10},
		{SchedCosine, 50, 1},
		{SchedCosineRestarts, 0, 5},
		{SchedPolynomial, 0, 5},
		{SchedInverseSqrt, 100, 5},
		{SchedCosineMinLR, 30, 5},
		{SchedWarmupStableDecay, 50, 5},
		{SchedReduceLROnPlateau, 0, 10},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			ls := lrSchedule(newAnalyzer(lrRun(tt.kind, tt.warmup, 1000, tt.every)), DefaultOptions)
			if ls.Kind != tt.kind {
				t.Errorf("kind %q (fit %.3g), want %q: %s", ls.Kind, ls.FitError, tt.kind, ls.State)
			}
			if d := math.Abs(float64(ls.WarmupSteps) - tt.warmup); d > float64(tt.every) {
				t.Errorf("warmup %d, want %g", ls.WarmupSteps, tt.warmup)
			}
			if ls.FitError > 0.01 {
				t.Errorf("fit error %.3g, want < 1%%", ls.FitError)
			}
		})
	}
}

func TestScheduleRows(t *testing.T) {
	run := lrRun(SchedLinear, 0, 750, 1)
	ls := lrSchedule(newAnalyzer(run), DefaultOptions)
	if len(ls.Rows) < 2 || ls.Rows[0].Step != 1 || ls.Rows[len(ls.Rows)-1].Step != 750 || ls.Rows[0].Source != "lr.json:1" {
		t.Errorf("rows %+v: want the first and last steps with their sources", ls.Rows)
	}
	if math.Abs(ls.Peak-1e-3) > 1e-12 || math.Abs(ls.Final-1e-3/750) > 1e-12 {
		t.Errorf("peak %g final %g", ls.Peak, ls.Final)
	}
}

func TestScheduleStoppedInWarmup(t *testing.T) {
	run := lrRun(SchedLinear, 500, 1000, 10)
	s := &trainlog.Series{Name: "learning_rate"}
	for _, p := range run.Series["learning_rate"].Points()[:20] { // stops at step 200, mid-warmup
		s.Append(p)
	}
	run.Series["learning_rate"] = s
	ls := lrSchedule(newAnalyzer(run), DefaultOptions)
	if ls.Kind != "" || !ls.Present {
		t.Errorf("kind %q: a run stopped in warmup has no classifiable decay (%s)", ls.Kind, ls.State)
	}
}
