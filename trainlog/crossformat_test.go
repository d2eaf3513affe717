package trainlog_test

// Cross-format agreement: the example runs hold the same training logged
// three ways (console, trainer_state.json, TensorBoard), and each view,
// read alone, must give the same steps and, within the rounding of the
// less precise view, the same values and epochs.

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// crossSeries are the series every view of a Trainer run logs.
var crossSeries = []string{"loss", "learning_rate", "grad_norm", "eval_loss"}

func TestCrossFormatAgreement(t *testing.T) {
	for _, tc := range []struct {
		dir string
		// evals is the number of eval_loss points (0: the run has no eval).
		steps, evals int
	}{
		{sftDir, 750, 0},
		{overfitDir, 100, 25},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			events, err := filepath.Glob(filepath.Join(tc.dir, "runs", "events.out.tfevents.*"))
			if err != nil || len(events) != 1 {
				t.Fatalf("want one event file, got %v (%v)", events, err)
			}
			ref := loadOne(t, filepath.Join(tc.dir, "trainer_state.json"), "trainer-state")
			if n := ref.Get("loss").Len(); n != tc.steps {
				t.Errorf("trainer_state.json: %d loss points, want %d", n, tc.steps)
			}
			if n := ref.Get("eval_loss").Len(); n != tc.evals {
				t.Errorf("trainer_state.json: %d eval_loss points, want %d", n, tc.evals)
			}
			for _, view := range []struct{ path, format string }{
				{filepath.Join(tc.dir, "console.log"), "hf-console"},
				{events[0], "tensorboard"},
			} {
				run := loadOne(t, view.path, view.format)
				for _, name := range crossSeries {
					for _, msg := range compareSeries(name, ref.Get(name), run.Get(name)) {
						t.Errorf("%s vs trainer_state.json: %s", filepath.Base(view.path), msg)
					}
				}
			}
		})
	}
}

// loadOne loads one file alone and checks the format it was read as.
func loadOne(t *testing.T, path, format string) *trainlog.Run {
	t.Helper()
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	if len(run.Files) != 1 || run.Files[0].Format != format || !run.Files[0].Used {
		t.Fatalf("Load(%s): files %+v, want one used %s file", path, run.Files, format)
	}
	for _, w := range run.Warnings {
		t.Errorf("Load(%s): warning %v", path, w)
	}
	// A console log's dicts and callback lines must agree with each other.
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventDisagreement || ev.Kind == trainlog.EventRestart {
			t.Errorf("Load(%s): %s event: %s", path, ev.Kind, ev.Message)
		}
	}
	return run
}

// compareSeries compares a series of another view against the precise
// reference, step by step: the steps must be the same, and values and
// epochs must agree within the other view's rounding. It returns at most
// a few messages per kind of mismatch.
func compareSeries(name string, ref, other *trainlog.Series) []string {
	var msgs []string
	if ref.Len() == 0 && other.Len() == 0 {
		return nil
	}
	if ref.Len() != other.Len() {
		msgs = append(msgs, fmt.Sprintf("%s: %d points, want %d", name, other.Len(), ref.Len()))
	}
	missing, extra, values, epochs := 0, 0, 0, 0
	note := func(n *int, format string, args ...any) {
		*n++
		if *n <= 3 {
			msgs = append(msgs, fmt.Sprintf(format, args...))
		}
	}
	for _, p := range ref.Points() {
		q, ok := other.At(p.Step)
		if !ok {
			note(&missing, "%s: step %d (%s) missing", name, p.Step, p.Source)
			continue
		}
		if q.Digits <= 0 || q.Digits > p.Digits {
			note(&values, "%s step %d: %s has Digits %d, reference %d", name, p.Step, q.Source, q.Digits, p.Digits)
		}
		if !trainlog.Agree(p.Value, q.Value, q.Digits) {
			note(&values, "%s step %d: %s has %.8g (%d digits), %s has %.8g", name, p.Step, q.Source, q.Value, q.Digits, p.Source, p.Value)
		}
		if !epochAgree(p.Epoch, q.Epoch) {
			note(&epochs, "%s step %d: epoch %.6g at %s, %.6g at %s", name, p.Step, q.Epoch, q.Source, p.Epoch, p.Source)
		}
	}
	for _, q := range other.Points() {
		if _, ok := ref.At(q.Step); !ok {
			note(&extra, "%s: step %d (%s) is not in the reference", name, q.Step, q.Source)
		}
	}
	for _, c := range []struct {
		n    int
		what string
	}{{missing, "missing steps"}, {extra, "extra steps"}, {values, "values"}, {epochs, "epochs"}} {
		if c.n > 3 {
			msgs = append(msgs, fmt.Sprintf("%s: %d mismatches of %s in all", name, c.n, c.what))
		}
	}
	return msgs
}

// epochAgree compares a precise epoch with one printed with at least 4
// significant digits (the v5 console's .4g) or stored as a float32.
func epochAgree(ref, other float64) bool {
	if math.IsNaN(ref) || math.IsNaN(other) {
		return math.IsNaN(ref) && math.IsNaN(other)
	}
	return trainlog.Agree(ref, other, 4)
}
