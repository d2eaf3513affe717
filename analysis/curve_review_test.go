package analysis

import (
	"math"
	"slices"
	"testing"
)

// TestPhaseNamesFollowRates checks that a phase's name, share and rate
// agree: the rate shown is the change of level per step the name comes
// from, a falling phase has a negative rate, and a phase at a moderate
// rate that follows nothing faster is a "moderate" one, as the text shows
// it.
func TestPhaseNamesFollowRates(t *testing.T) {
	tests := []struct {
		name      string
		metric    string
		f         func(s int) float64
		wantNames []PhaseName // the first names
	}{
		{"moderate then rapid", "loss", func(s int) float64 {
			switch {
			case s < 1000:
				return 3 - 0.001*float64(s)
			case s < 1300:
				return 2 - float64(s-1000)/300
			}
			return 1
		}, []PhaseName{PhaseModerate, PhaseRapid}},
		// A sparse reward: most values 0, the share of 1s falls then
		// rises. Its median slope is 0, its level is not.
		{"sparse reward", "reward", func(s int) float64 {
			p := 0.3
			switch {
			case s > 400 && s <= 1000:
				p = 0.05
			case s > 1000:
				p = 0.05 + 0.4*float64(s-1000)/1000
			}
			if math.Mod(float64(s)*0.618034, 1) < p {
				return 1
			}
			return 0
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			series := map[string]func(int) float64{tt.metric: tt.f, "learning_rate": constLR(0)}
			if tt.metric == "reward" {
				series["reward_std"] = func(int) float64 { return 0.3 }
			}
			run := synRun(synSpec{n: 2000, completed: true, series: series})
			ps := Analyze(run, DefaultOptions).Phases
			if len(ps) == 0 {
				t.Fatal("no phases")
			}
			var names []PhaseName
			for i, p := range ps {
				names = append(names, p.Name)
				tr := func(v float64) float64 { return v }
				if p.LogScale {
					tr = math.Log
				}
				rate := (tr(p.EndLevel.Value) - tr(p.StartLevel.Value)) / float64(p.EndStep-p.StartStep)
				if math.Abs(p.SlopePerStep-rate) > 1e-12 {
					t.Errorf("phase %s: rate %g, want the level change per step %g", p.Name, p.SlopePerStep, rate)
				}
				switch p.Name {
				case PhaseFalling, PhaseRising:
					if (p.SlopePerStep < 0) != (p.Name == PhaseFalling) {
						t.Errorf("phase %s has rate %g", p.Name, p.SlopePerStep)
					}
				case PhaseSlowing:
					if i == 0 || (ps[i-1].Name != PhaseRapid && ps[i-1].Name != PhaseRapidRise) {
						t.Errorf("phase %d is slowing after %v: nothing faster came before", i, names)
					}
				}
			}
			if len(names) < len(tt.wantNames) || !slices.Equal(names[:len(tt.wantNames)], tt.wantNames) {
				t.Errorf("names %v, want them to start with %v", names, tt.wantNames)
			}
		})
	}
}

// TestSpikesNeedAPeak checks that a point on a steep monotone start-up
// descent is no spike, while a real spike still is, and where the
// initial descent ends.
func TestSpikesNeedAPeak(t *testing.T) {
	peaks := []struct {
		y    []float64
		i    int
		up   bool
		want bool
	}{
		{[]float64{12.45, 4.7, 0.61}, 1, true, false}, // on a descent
		{[]float64{1, 5, 1}, 1, true, true},
		{[]float64{1, 5, 5, 1}, 1, true, true}, // a two-point plateau counts once
		{[]float64{1, 5, 5, 1}, 2, true, false},
		{[]float64{1, 2, 4}, 2, true, true}, // the last point
		{[]float64{1, 0.2, 1}, 1, false, true},
	}
	for _, tt := range peaks {
		if got := localPeak(tt.y, tt.i, tt.up); got != tt.want {
			t.Errorf("localPeak(%v, %d, %v) = %v, want %v", tt.y, tt.i, tt.up, got, tt.want)
		}
	}
	loss := func(s int) float64 {
		switch s {
		case 1:
			return 12.45
		case 2:
			return 4.7
		case 3:
			return 0.61
		case 60:
			return 2.5 // a real spike
		}
		return 0.5 + 0.02*math.Sin(float64(s))
	}
	run := synRun(synSpec{n: 120, completed: true, series: map[string]func(int) float64{"loss": loss}})
	c := finiteCurve(newAnalyzer(run), "loss")
	if got := descentEnd(c); got != 4 {
		t.Errorf("descent ends at step %d, want 4 (after 12.45, 4.7, 0.61)", got)
	}
	r := Analyze(run, DefaultOptions)
	var steps []int64
	for _, sp := range r.Spikes {
		if sp.Metric == "loss" {
			steps = append(steps, sp.Step)
		}
	}
	if len(steps) != 2 || steps[0] != 1 || steps[1] != 60 {
		t.Errorf("loss spikes at %v, want the first point and step 60 only", steps)
	}
	for _, f := range r.Findings {
		if f.Kind == KindSpike && f.Step < 4 {
			t.Errorf("finding %+v: a start-up point reported as a spike", f)
		}
	}
}

// TestGradSpikeFinding checks the summary of grad_norm spikes: whether
// the loss reacted decides its severity, and the table keeps the
// strongest spikeTableMax of each metric.
func TestGradSpikeFinding(t *testing.T) {
	spikeAt := func(s int) bool { return s >= 100 && s%40 == 0 }
	tests := []struct {
		name     string
		react    bool
		severity Severity
		cause    Cause
	}{
		{"loss unaffected", false, SevInfo, CauseNoReaction},
		{"loss set back", true, SevWarning, CauseSetBack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gn := noisy(41, 0.05, func(s int) float64 {
				if spikeAt(s) {
					return 8
				}
				return 1
			})
			loss := noisy(42, 0.01, func(s int) float64 {
				v := 1 + math.Exp(-float64(s)/300)
				for k := 1; k <= 4 && tt.react; k++ {
					if spikeAt(s - k) {
						v *= 1.5
					}
				}
				return v
			})
			run := synRun(synSpec{n: 1000, completed: true, series: map[string]func(int) float64{"loss": loss, "grad_norm": gn, "learning_rate": constLR(0)}})
			r := Analyze(run, DefaultOptions)
			var f *Finding
			for i := range r.Findings {
				if r.Findings[i].Kind == KindGradNormSpikes {
					f = &r.Findings[i]
				}
			}
			if f == nil {
				t.Fatalf("no %s finding in %+v", KindGradNormSpikes, r.Findings)
			}
			if f.Severity != tt.severity || f.Cause != tt.cause || f.Count != 23 {
				t.Errorf("finding %s %s with %d spikes, want %s %s with 23", f.Severity, f.Cause, f.Count, tt.severity, tt.cause)
			}
			if reacted := f.FactsNamed(QReacted); tt.react != (len(reacted) > 0) {
				t.Errorf("%d reactions, want some: %v", len(reacted), tt.react)
			}
			n := 0
			for _, sp := range r.Spikes {
				if sp.Metric == "grad_norm" {
					n++
				}
			}
			if n != spikeTableMax {
				t.Errorf("%d grad_norm spikes in the table, want %d", n, spikeTableMax)
			}
		})
	}
}

// TestScheduleSkippedSteps checks that steps skipped by the fp16 loss
// scaler (grad_norm NaN, the rate not advanced) are stated as such, not
// as a final step beyond the schedule.
func TestScheduleSkippedSteps(t *testing.T) {
	skipped := map[int]bool{1: true, 2: true, 6: true}
	pos := func(s int) float64 { // scheduler steps taken by update s
		n := 0
		for k := 1; k <= s; k++ {
			if !skipped[k] {
				n++
			}
		}
		return float64(n)
	}
	lambda := schedLambda(SchedLinear, 2, 120)
	run := synRun(synSpec{n: 120, completed: true, series: map[string]func(int) float64{
		"loss":          func(s int) float64 { return 1 + math.Exp(-float64(s)/30) },
		"learning_rate": func(s int) float64 { return 2e-4 * lambda(pos(s)) },
		"grad_norm": func(s int) float64 {
			if skipped[s] {
				return math.NaN()
			}
			return 1
		}}})
	ls := Analyze(run, DefaultOptions).LRSchedule
	if !slices.Equal(ls.Skipped, []int64{1, 2, 6}) || ls.LastStep != 120 || ls.TotalSteps != 120 || ls.State != SchedFitted || round(ls.Final, 3) != 5.08e-6 {
		t.Errorf("schedule = %+v: want steps 1, 2, 6 skipped, last step 120 of a 120-step schedule, final 5.08e-6", ls)
	}
	if ls.Kind != SchedLinear || ls.FitError > 0.005 {
		t.Errorf("kind %q fit error %g, want linear fitting within 0.5%%", ls.Kind, ls.FitError)
	}
}

// TestPairwiseAccuracyAtChance checks that a coarse per-batch pairwise
// accuracy is told by window means, and called chance level when the
// loss is still at ln 2.
func TestPairwiseAccuracyAtChance(t *testing.T) {
	quanta := []struct {
		ys   []float64
		want int
	}{
		{[]float64{0, 0.25, 0.5, 1, 0.75, 0.25, 0.5, 1, 0, 0.25}, 4},
		{[]float64{0.28125, 0.25, 0.5, 1, 0.75, 0.25, 0.5, 1, 0, 0.25}, 32},
		{[]float64{0.61, 0.62, 0.6, 0.63, 0.65, 0.64, 0.66, 0.67, 0.69, 0.7}, 0},
	}
	for _, tt := range quanta {
		c := &curve{name: "accuracy", y: tt.ys}
		if got := batchQuantum(c); got != tt.want {
			t.Errorf("batchQuantum(%v) = %d, want %d", tt.ys, got, tt.want)
		}
	}
	acc := func(s int) float64 { return []float64{1, 0.25, 0.5, 0.75, 0.5, 0.25, 0.5, 0.25}[s%8] } // mean 0.5
	run := synRun(synSpec{n: 200, completed: true, series: map[string]func(int) float64{
		"loss":     noisy(51, 0.05, func(int) float64 { return math.Ln2 }),
		"accuracy": acc,
		"margin":   func(int) float64 { return 0.01 },
	}})
	r := Analyze(run, DefaultOptions)
	a := r.Accuracy
	if a == nil || a.FirstLevel == nil || a.FinalLevel == nil {
		t.Fatalf("accuracy %+v: want window means", a)
	}
	if a.Quantum != 4 || a.Kind != AccPairwise || a.CopyOf != "rewards/accuracies" || !a.NearChance || a.LossAtLn2 == nil ||
		math.Abs(a.LossAtLn2.Value-math.Ln2) > 0.05 || math.Abs(a.FinalLevel.Value-0.5) > 0.05 {
		t.Errorf("accuracy = %+v (final level %+v, loss %+v): want a copy of rewards/accuracies, 1/4 steps, at chance with the loss at ln 2",
			a, a.FinalLevel, a.LossAtLn2)
	}
}
