package trainlog

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestWandbCSV(t *testing.T) {
	type point struct {
		series string
		step   int64
		value  float64
		line   int
		epoch  float64 // NaN: not checked
	}
	tests := []struct {
		file   string
		counts map[string]int
		points []point
		notes  []string
		sum    map[string]float64
	}{{
		file:   "wandb_export_chart.csv",
		counts: map[string]int{"loss": 10, "eval_loss": 2},
		points: []point{
			{"loss", 10, 1.6425, 2, math.NaN()}, {"loss", 100, 1.1713, 11, math.NaN()},
			{"eval_loss", 50, 1.3342, 6, math.NaN()}, {"eval_loss", 100, 1.2458, 11, math.NaN()},
		},
		notes: []string{`W&B export holds 2 runs: read "brisk-pond-1", ignored "misty-sun-2"`},
	}, {
		file:   "wandb_export_epoch.csv",
		counts: map[string]int{"loss": 5},
		points: []point{{"loss", 0, 2.3011, 2, 0.08}, {"loss", 3, 1.7105, 4, 0.24}, {"loss", 5, 1.5977, 6, 0.4}},
	}, {
		file: "run_history.csv",
		counts: map[string]int{"loss": 4, "grad_norm": 4, "learning_rate": 4, "eval_loss": 2,
			"eval_runtime": 2, "eval_samples_per_second": 2, "eval_steps_per_second": 2},
		points: []point{
			{"loss", 10, 2.3011, 2, 0.08}, {"loss", 40, 1.6218, 6, 0.32},
			{"grad_norm", 30, math.NaN(), 5, 0.24},
			{"learning_rate", 20, 1.6000000000000003e-05, 3, 0.16},
			{"eval_loss", 20, 1.8764, 4, 0.16}, {"eval_loss", 40, 1.7021, 7, 0.32},
		},
		sum: map[string]float64{"train_runtime": 51.0143, "train_loss": 1.8966, "total_flos": 2.0772363998572052e+16, "step": 40, "epoch": 0.32},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := csvReadFile(t, filepath.Join("testdata", "csv", tt.file))
			recs := csvOpen(t, tt.file, data, Options{}, "wandb-csv")
			csvCheckEntries(t, recs, tt.file)
			if len(recs.errs) != 0 {
				t.Fatalf("errors: %v", recs.errs)
			}
			var notes []string
			for _, m := range recs.metas {
				if m.Event != nil {
					notes = append(notes, m.Event.Message)
					if m.Event.Kind != EventNote || m.Event.Sources[0].String() != tt.file+":1" {
						t.Errorf("note %+v, want an EventNote at %s:1", m.Event, tt.file)
					}
				}
			}
			if strings.Join(notes, "\n") != strings.Join(tt.notes, "\n") {
				t.Errorf("notes %q, want %q", notes, tt.notes)
			}
			run := csvCollect(recs)
			if len(run.Series) != len(tt.counts) {
				t.Errorf("series %v, want %d", run.SeriesNames(), len(tt.counts))
			}
			for name, n := range tt.counts {
				if got := run.Get(name).Len(); got != n {
					t.Errorf("%s: %d points, want %d", name, got, n)
				}
			}
			for _, p := range tt.points {
				got, ok := run.Get(p.series).At(p.step)
				same := got.Value == p.value || (math.IsNaN(got.Value) && math.IsNaN(p.value))
				if !ok || !same || got.Source.Line != p.line || got.StepInferred {
					t.Errorf("%s@%d = %v at %v (found %v, inferred %v), want %v at line %d", p.series, p.step, got.Value, got.Source, ok, got.StepInferred, p.value, p.line)
				}
				if !math.IsNaN(p.epoch) && got.Epoch != p.epoch {
					t.Errorf("%s@%d epoch %v, want %v", p.series, p.step, got.Epoch, p.epoch)
				}
			}
			if len(run.Summary) != len(tt.sum) {
				t.Errorf("summary %v, want %v", run.Summary, tt.sum)
			}
			for k, v := range tt.sum {
				if got := run.Summary[k]; got.Value != v || got.Source.Line != 8 {
					t.Errorf("summary %s = %v at %v, want %v at line 8", k, got.Value, got.Source, v)
				}
			}
		})
	}
}

// TestWandbHistoryTime checks that _timestamp gives the time and the
// pandas index column is not a metric.
func TestWandbHistoryTime(t *testing.T) {
	data := csvReadFile(t, filepath.Join("testdata", "csv", "run_history.csv"))
	recs := csvOpen(t, "run_history.csv", data, Options{}, "wandb-csv")
	e := recs.entries[0]
	if e.Time != 1751437602.2453315 || e.Step != 10 || e.Epoch != 0.08 {
		t.Errorf("first entry time %v step %d epoch %v", e.Time, e.Step, e.Epoch)
	}
	for _, kv := range e.Values {
		if kv.Key == "" || strings.HasPrefix(kv.Key, "_") {
			t.Errorf("key %q read as a metric", kv.Key)
		}
	}
}

// TestWandbCSVNoStep checks a history without train/global_step (the
// step is _step) and a chart with an unknown x-axis (the step is the
// row ordinal).
func TestWandbCSVNoStep(t *testing.T) {
	tests := []struct {
		name, in string
		steps    []int64
		inferred bool
	}{
		{"history", "_step,_runtime,loss\n0,1.5,2.5\n1,3.0,2.25\n", []int64{0, 1}, false},
		{"chart", "Relative Time (Process),\"r - loss\",\"r - loss__MIN\",\"r - loss__MAX\"\n12.5,2.5,2.5,2.5\n25.1,2.25,2.25,2.25\n", []int64{1, 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := csvOpen(t, "w.csv", []byte(tt.in), Options{}, "wandb-csv")
			if len(recs.entries) != len(tt.steps) {
				t.Fatalf("%d entries, want %d", len(recs.entries), len(tt.steps))
			}
			for i, e := range recs.entries {
				if e.Step != tt.steps[i] || e.StepInferred != tt.inferred || e.Values[0].Key != "loss" {
					t.Errorf("entry %d: step %d inferred %v key %s, want %d %v loss", i, e.Step, e.StepInferred, e.Values[0].Key, tt.steps[i], tt.inferred)
				}
			}
		})
	}
}
