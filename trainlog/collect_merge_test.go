package trainlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestCollectorMergeSources has one row per rule of merging two sources
// at one step: Also lists only a source that logged the same value, and a
// different value is a disagreement only when both steps were read.
func TestCollectorMergeSources(t *testing.T) {
	state := func(v float64) *Entry {
		e := NewEntry(KindTrain, Source{File: "trainer_state.json", Frag: "log_history[9]"})
		e.Step, e.Values = 10, []KV{{Key: "loss", Value: v, Digits: DigitsFloat64}}
		return e
	}
	console := func(v float64, by StepEvidence, est bool) *Entry {
		e := NewEntry(KindTrain, Source{File: "train.log", Line: 40})
		e.Step, e.StepInferred, e.StepBy, e.StepEstimated = 10, true, by, est
		e.Values = []KV{{Key: "loss", Value: v, Digits: 4}}
		return e
	}
	for _, tc := range []struct {
		name    string
		a, b    *Entry
		value   float64
		source  string
		also    string
		by      StepEvidence
		est     bool
		events  string
		summary string
	}{
		{name: "same value within rounding: also", a: state(0.27391), b: console(0.2739, StepCallback, false),
			value: 0.27391, source: "trainer_state.json#log_history[9]", also: "[train.log:40]", by: StepRead, events: "[]"},
		{name: "different value, both steps exact: disagreement, not also", a: state(0.27391), b: console(0.3005, StepRedraw, false),
			value: 0.27391, source: "trainer_state.json#log_history[9]", also: "[]", by: StepRead, events: "[disagreement]"},
		{name: "different value, the console's step estimated: a note, not also", a: state(0.27391), b: console(0.3005, StepEpoch, true),
			value: 0.27391, source: "trainer_state.json#log_history[9]", also: "[]", by: StepRead, events: "[note]"},
		{name: "the more precise value's step estimated, a different read one: the read one", a: console(0.3005, StepEpoch, true), b: state(0.27391),
			value: 0.27391, source: "trainer_state.json#log_history[9]", also: "[]", by: StepRead, events: "[note]"},
		{name: "an estimated step confirmed by a source that logged the same value there", a: func() *Entry {
			e := console(0.27391, StepEpoch, true)
			e.Values[0].Digits = DigitsFloat64
			return e
		}(), b: func() *Entry {
			e := state(0.2739)
			e.Values[0].Digits = 4
			return e
		}(), value: 0.27391, source: "train.log:40", also: "[trainer_state.json#log_history[9]]", by: StepRead, events: "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollector(NewRun("r"))
			c.Add(tc.a)
			c.Add(tc.b)
			run := c.Run()
			p := run.Get("loss").Point(0)
			var kinds []EventKind
			for _, e := range run.Events {
				kinds = append(kinds, e.Kind)
			}
			if p.Value != tc.value || p.Source.String() != tc.source || fmt.Sprint(p.Also) != tc.also || p.StepBy != tc.by || p.StepEstimated != tc.est || fmt.Sprint(kinds) != tc.events {
				t.Errorf("point %v at %s also %v by %v estimated=%v, events %v; want %v at %s also %s by %v estimated=%v, events %s",
					p.Value, p.Source, p.Also, p.StepBy, p.StepEstimated, kinds, tc.value, tc.source, tc.also, tc.by, tc.est, tc.events)
			}
		})
	}
}

// TestCollectorUnboundedEpochs: the Trainer prints and saves sys.maxsize
// as num_train_epochs when max_steps alone ends the run (an
// IterableDataset); it is no planned number of epochs, and steps per epoch
// computed from it would be nonsense.
func TestCollectorUnboundedEpochs(t *testing.T) {
	for _, tc := range []struct {
		epochs float64
		kept   bool
	}{
		{9223372036854775807, false},
		{3, true},
		{1000, true},
	} {
		run := NewRun("r")
		c := NewCollector(run)
		c.Add(&Meta{Geometry: &Value{Key: GeoEpochs, Value: tc.epochs, Digits: DigitsFloat64, Source: Source{File: "train.log", Line: 3}}})
		_, ok := c.Run().Geometry[GeoEpochs]
		if ok != tc.kept {
			t.Errorf("num_train_epochs %g: kept=%v, want %v", tc.epochs, ok, tc.kept)
		}
	}
	run, err := Load([]string{"testdata/console/layouts/iterable_max_steps.log"}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := run.Geometry[GeoEpochs]; ok {
		t.Errorf("iterable_max_steps.log: num_train_epochs %g from %s, want none", g.Value, g.Source)
	}
	if g := run.Geometry[GeoMaxSteps]; g.Value != 40 {
		t.Errorf("iterable_max_steps.log: max_steps %g, want 40", g.Value)
	}
}

// TestLoadAppendedRuns: a log that holds a second training run from step
// 0 (a second "Running training" block without "Continuing training from
// global step", as '>> train.log', a notebook calling train() twice or a
// hyperparameter search writes) is reported as its last run: the earlier
// run's values, crash and geometry are left out, and an event says so.
func TestLoadAppendedRuns(t *testing.T) {
	run, err := Load([]string{"testdata/console/layouts/appended_runs.log"}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loss := run.Get("loss")
	if loss == nil || loss.Len() != 8 {
		t.Fatalf("loss: %v points, want the second run's 8", loss)
	}
	for i := 0; i < loss.Len(); i++ {
		if src := loss.Source(i); src.Line <= 18 {
			t.Errorf("loss at step %d cited from %s, a line of the first run", loss.Step(i), src)
		}
	}
	var kinds []EventKind
	for _, ev := range run.Events {
		kinds = append(kinds, ev.Kind)
	}
	if fmt.Sprint(kinds) != "[new-run]" {
		t.Errorf("events %v, want [new-run] alone (the first run's crash is not this run's)", kinds)
	} else if ev := run.Events[0]; len(ev.Sources) != 1 || ev.Sources[0].Line != 18 || !strings.Contains(ev.Message, "4 log entries") {
		t.Errorf("new-run event %+v", ev)
	}
}
