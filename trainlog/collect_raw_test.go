package trainlog

import (
	"fmt"
	"math"
	"testing"
)

// rawEntry returns a log_history-like entry at step with loss and
// grad_norm derived from the step, so that a test can check every field
// of the points built from it.
func rawEntry(step int64, file string) *Entry {
	e := NewEntry(KindTrain, Source{File: file, Frag: fmt.Sprintf("log_history[%d]", step)})
	e.Step, e.Epoch = step, float64(step)/100
	e.Values = []KV{{Key: "loss", Value: 10 / float64(step), Digits: DigitsFloat64}, {Key: "grad_norm", Value: float64(step % 7), Digits: 4}}
	return e
}

// checkPoint checks that p holds what rawEntry wrote for its step.
func checkPoint(t *testing.T, name string, p Point, file string) {
	t.Helper()
	want := 10 / float64(p.Step)
	digits := DigitsFloat64
	if name == "grad_norm" {
		want, digits = float64(p.Step%7), 4
	}
	frag := fmt.Sprintf("log_history[%d]", p.Step)
	if p.Value != want || p.Digits != digits || p.Epoch != float64(p.Step)/100 || p.Source.File != file || p.Source.Fragment() != frag || p.Source.Line != 0 || !math.IsNaN(p.Time) {
		t.Errorf("%s at step %d = %+v, want value %v digits %d source %s#%s", name, p.Step, p, want, digits, file, frag)
	}
}

// TestCollectorRepeatedSteps checks that a step logged twice in a row
// keeps the later record and leaves the series sorted (no sort and copy
// when Run builds it).
func TestCollectorRepeatedSteps(t *testing.T) {
	c := NewCollector(NewRun("repeat"))
	for s := int64(1); s <= 100; s++ {
		c.Add(rawEntry(s, "a.json"))
		if s%10 == 0 {
			e := rawEntry(s, "a.json")
			e.Values[0].Value = -float64(s)
			c.Add(e)
		}
	}
	for _, o := range c.origins {
		for name, rs := range o.series {
			if !rs.sorted || rs.len() != 100 {
				t.Errorf("%s: sorted %v with %d points, want sorted with 100", name, rs.sorted, rs.len())
			}
		}
	}
	loss := c.Run().Get("loss")
	if loss.Len() != 100 {
		t.Fatalf("loss has %d points, want 100", loss.Len())
	}
	for i, p := range loss.Points() {
		if p.Step != int64(i+1) || (p.Step%10 == 0) != (p.Value == -float64(p.Step)) {
			t.Errorf("loss point %d: step %d value %v", i, p.Step, p.Value)
		}
	}
}

func TestCollectorResumeKeepsLastPerStep(t *testing.T) {
	c := NewCollector(NewRun("resume"))
	for s := int64(1); s <= 30; s++ {
		c.Add(rawEntry(s, "a.json"))
	}
	// Resumed from step 20: steps 21-30 are logged again, with other
	// values, and the run goes on to 40.
	for s := int64(21); s <= 40; s++ {
		e := rawEntry(s, "a.json")
		e.Values[0].Value = -1
		c.Add(e)
	}
	run := c.Run()
	loss := run.Get("loss")
	if loss.Len() != 40 {
		t.Fatalf("loss has %d points, want 40", loss.Len())
	}
	for i, p := range loss.Points() {
		if p.Step != int64(i+1) {
			t.Fatalf("point %d has step %d", i, p.Step)
		}
		if want := p.Step > 20; (p.Value == -1) != want {
			t.Errorf("step %d = %v: the resumed value should win from step 21", p.Step, p.Value)
		}
	}
	for _, p := range run.Get("grad_norm").Points() {
		checkPoint(t, "grad_norm", p, "a.json")
	}
	if n := len(run.Events); n != 1 || run.Events[0].Kind != EventRestart || run.Events[0].Step != 21 {
		t.Errorf("events = %+v, want one restart at step 21", run.Events)
	}
}

func TestCollectorCompactKeepsSources(t *testing.T) {
	tests := []struct {
		n, max int
	}{
		{100, 16},
		{5000, 64},
		{40000, 1000}, // more than one chunk of points
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			c := NewCollector(NewRun("compact"))
			for s := int64(1); s <= int64(tt.n); s++ {
				c.Add(rawEntry(s, "trainer_state.json"))
				if s%997 == 0 {
					c.Compact(tt.max)
				}
			}
			c.Compact(tt.max)
			run := c.Run()
			for _, name := range []string{"loss", "grad_norm"} {
				s := run.Get(name)
				if s.Len() >= tt.n || (tt.n == 100 && s.Len() != 8+2*92/4) {
					t.Errorf("%s has %d of %d points after Compact(%d)", name, s.Len(), tt.n, tt.max)
				}
				for i, p := range s.Points() {
					checkPoint(t, name, p, "trainer_state.json")
					if i > 0 && p.Step <= s.Point(i-1).Step {
						t.Fatalf("%s: step %d after %d", name, p.Step, s.Point(i-1).Step)
					}
				}
				// The newest max/2 points are kept as they are.
				for i, p := range s.Points()[s.Len()-tt.max/2:] {
					if want := int64(tt.n - tt.max/2 + 1 + i); p.Step != want {
						t.Fatalf("%s: recent point %d at step %d, want %d", name, i, p.Step, want)
					}
				}
			}
			// The largest loss (step 1) is an extreme and survives thinning.
			if p := run.Get("loss").Point(0); p.Step != 1 {
				t.Errorf("first loss point at step %d, want the maximum at step 1", p.Step)
			}
			// Sources no point refers to are dropped (each point's
			// fragment is a source of its own).
			for _, o := range c.origins {
				for name, rs := range o.series {
					if len(rs.joined().refs) != rs.len() {
						t.Errorf("%s: %d sources kept for %d points", name, len(rs.joined().refs), rs.len())
					}
				}
			}
		})
	}
}

// TestCollectorChunks reads a series longer than a chunk whose optional
// columns start in later chunks (epochs, times, another precision,
// another source file, a named fragment), once rising and once resumed,
// and checks every point the run returns.
func TestCollectorChunks(t *testing.T) {
	const n = 3*chunkPoints + 123
	point := func(i int) Point {
		p := Point{Step: int64(i + 1), Value: float64(i) / 7, Epoch: math.NaN(), Time: math.NaN(), Digits: DigitsFloat64,
			Source: Source{File: "a.log", Line: 10 + i}}
		if i >= chunkPoints+5 {
			p.Epoch = float64(i) / 1000
		}
		if i >= 2*chunkPoints-3 && i%2 == 0 {
			p.Time = 1e9 + float64(i)
		}
		if i >= 2*chunkPoints+7 {
			p.Digits = 4
		}
		switch {
		case i == n-2:
			p.Source = Source{File: "a.log", Frag: "max_steps"}
		case i >= 3*chunkPoints:
			p.Source = Source{File: "a.log", Array: LogHistory, Index: int32(i)}
		}
		return p
	}
	entry := func(p Point) *Entry {
		e := NewEntry(KindTrain, p.Source)
		e.Step, e.Epoch, e.Time = p.Step, p.Epoch, p.Time
		e.Values = []KV{{Key: "loss", Value: p.Value, Digits: p.Digits}}
		return e
	}
	for _, resumed := range []bool{false, true} {
		c := NewCollector(NewRun("chunks"))
		for i := range n {
			c.Add(entry(point(i)))
		}
		if resumed {
			// Steps 1000-1999 again, with other values: the last wins.
			for i := 999; i < 1999; i++ {
				p := point(i)
				p.Value = -1
				c.Add(entry(p))
			}
		}
		loss := c.Run().Get("loss")
		if loss.Len() != n {
			t.Fatalf("resumed %v: %d points, want %d", resumed, loss.Len(), n)
		}
		for i := range n {
			want := point(i)
			if resumed && i >= 999 && i < 1999 {
				want.Value = -1
			}
			got := loss.Point(i)
			if got.Step != want.Step || got.Value != want.Value || !sameFloat(got.Epoch, want.Epoch) || !sameFloat(got.Time, want.Time) ||
				got.Digits != want.Digits || got.Source != want.Source {
				t.Fatalf("resumed %v: point %d = %+v, want %+v", resumed, i, got, want)
			}
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
