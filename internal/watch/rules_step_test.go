package watch

import (
	"math"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestRulesSecondViewOfAStep: a console logs a step twice, first as a
// callback line without grad_norm, then as the Trainer's dict with
// 'grad_norm': 'nan'. Each value is checked once per step, whichever
// line brings it: the NaN of the second view raises non-finite, and a
// value already checked at that step is not counted twice in the
// windows.
func TestRulesSecondViewOfAStep(t *testing.T) {
	entry := func(step int64, line int, kv ...trainlog.KV) *trainlog.Entry {
		e := trainlog.NewEntry(trainlog.KindTrain, trainlog.Source{File: "console.log", Line: line})
		e.Step, e.Values = step, kv
		return e
	}
	r := newRules(DefaultThresholds)
	now := time.Now()
	for s := int64(1); s <= 10; s++ {
		r.entry(entry(s, int(2*s), trainlog.KV{Key: "loss", Value: 2}), now)
		if got := r.entry(entry(s, int(2*s+1), trainlog.KV{Key: "loss", Value: 2}, trainlog.KV{Key: "grad_norm", Value: 1}), now); len(got) != 0 {
			t.Fatalf("step %d: alerts on healthy values: %v", s, got)
		}
	}
	if len(r.losses) != 10 || len(r.grads) != 10 {
		t.Errorf("windows hold %d losses and %d grad norms, want 10 each (one per step)", len(r.losses), len(r.grads))
	}
	r.entry(entry(11, 30, trainlog.KV{Key: "loss", Value: 2}), now)
	got := r.entry(entry(11, 31, trainlog.KV{Key: "loss", Value: 2}, trainlog.KV{Key: "grad_norm", Value: math.NaN()}), now)
	if len(got) != 1 || got[0].Kind != KindNonFinite || got[0].Step != 11 || got[0].Sources[0] != "console.log:31" {
		t.Fatalf("second view of step 11 with grad_norm nan: alerts %v, want one non-finite at step 11 citing console.log:31", got)
	}
	// A file that starts over (truncated, rotated) brings its steps again.
	r.restart()
	if got := r.entry(entry(1, 1, trainlog.KV{Key: "loss", Value: math.Inf(1)}), now); len(got) != 0 {
		t.Errorf("non-finite raised twice: %v", got)
	}
	if r.lastStep != 1 {
		t.Errorf("after restart the last step is %d, want 1", r.lastStep)
	}
}
