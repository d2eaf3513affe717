package analysis

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// synSpec describes a synthetic run: n logged steps 1..n, series given
// as functions of the step, and evaluations every evalEvery steps.
type synSpec struct {
	n             int
	stepsPerEpoch float64
	series        map[string]func(step int) float64
	evalEvery     int
	eval          func(k int) float64 // k-th evaluation, 1-based
	completed     bool
}

// synRun builds a trainlog.Run in memory from spec, as a trainer_state.json
// reader would (one log_history entry per step).
func synRun(spec synSpec) *trainlog.Run {
	run := trainlog.NewRun("syn")
	src := func(i int) trainlog.Source {
		return trainlog.Source{File: "syn.json", Frag: "log_history[" + strconv.Itoa(i) + "]"}
	}
	epoch := func(step int) float64 {
		if spec.stepsPerEpoch <= 0 {
			return math.NaN()
		}
		return float64(step) / spec.stepsPerEpoch
	}
	for name, f := range spec.series {
		s := &trainlog.Series{Name: name, Keys: []string{name}}
		for st := 1; st <= spec.n; st++ {
			s.Append(trainlog.Point{Step: int64(st), Value: f(st), Epoch: epoch(st), Time: math.NaN(),
				Digits: trainlog.DigitsFloat64, Source: src(st - 1)})
		}
		run.Series[name] = s
	}
	if spec.evalEvery > 0 {
		s := &trainlog.Series{Name: "eval_loss", Keys: []string{"eval_loss"}}
		for k := 1; k*spec.evalEvery <= spec.n; k++ {
			st := k * spec.evalEvery
			s.Append(trainlog.Point{Step: int64(st), Value: spec.eval(k), Epoch: epoch(st), Time: math.NaN(),
				Digits: trainlog.DigitsFloat64, Source: src(spec.n + k)})
		}
		run.Series["eval_loss"] = s
	}
	run.Geometry[trainlog.GeoMaxSteps] = trainlog.Value{Key: "max_steps", Value: float64(spec.n), Source: trainlog.Source{File: "syn.json"}}
	if spec.completed {
		run.Summary["train_runtime"] = trainlog.Value{Key: "train_runtime", Value: float64(spec.n), Source: trainlog.Source{File: "syn.json"}}
		run.Summary["train_loss"] = trainlog.Value{Key: "train_loss", Value: 1, Source: trainlog.Source{File: "syn.json"}}
	}
	return run
}

// noisy returns f with multiplicative Gaussian noise of relative size sd.
func noisy(seed uint64, sd float64, f func(int) float64) func(int) float64 {
	r := rand.New(rand.NewPCG(seed, seed+1))
	cache := map[int]float64{}
	return func(s int) float64 {
		if v, ok := cache[s]; ok {
			return v
		}
		v := f(s) * math.Exp(sd*r.NormFloat64())
		cache[s] = v
		return v
	}
}

func constLR(float64) func(int) float64 { return func(int) float64 { return 2e-4 } }

// cosineLR is Transformers' cosine schedule without warmup over n steps,
// as logged (the rate used for update s is lambda(s-1)).
func cosineLR(n int) func(int) float64 {
	return func(s int) float64 { return 1e-3 * 0.5 * (1 + math.Cos(math.Pi*float64(s-1)/float64(n))) }
}

func TestVerdictSynthetic(t *testing.T) {
	const n = 2000
	// S1 of a cosine schedule, normalised to 1 at the end.
	s1 := func(s int) float64 {
		p := float64(s) / n
		return p + math.Sin(math.Pi*p)/math.Pi
	}
	// A warmup-stable-decay schedule: constant, then a linear decay to 0
	// over the last 10% of the steps.
	wsd := func(s int) float64 { return 1e-3 * math.Min(1, float64(n-s)/(0.1*n)) }
	var wsdS1 []float64 // its cumulative rate, in peak units
	for s, a := 0, 0.0; s <= n; s++ {
		wsdS1 = append(wsdS1, a)
		a += wsd(s) / 1e-3
	}
	tests := []struct {
		name    string
		spec    synSpec
		status  Status
		plateau bool
	}{
		{"pure noise is stalled, its trend not a proven plateau", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(1, 0.05, func(int) float64 { return 2 }), "learning_rate": constLR(0)}}, StatusStalled, false},
		{"power-law decay is improving", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(2, 0.005, func(s int) float64 { return 1 + 5*math.Pow(1+float64(s)/10, -0.5) }), "learning_rate": constLR(0)}}, StatusImproving, false},
		{"saturated decay is converged", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(3, 0.01, func(s int) float64 { return 1 + 3*math.Exp(-float64(s)/150) }), "learning_rate": constLR(0)}}, StatusConverged, true},
		// The cosine rate slows the loss down gradually: a long gentle
		// slow-down is convergence of this schedule (the forecast says
		// what a new one would buy).
		{"gently slowed by a cosine schedule", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(4, 0.003, func(s int) float64 { return 2 + 2*math.Exp(-s1(s)) }), "learning_rate": cosineLR(n)}}, StatusConverged, true},
		// Falling steadily at a constant rate until the decay of the last
		// 10% stops it: the schedule stopped it, not the data.
		{"stopped only by the final decay", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(7, 0.003, func(s int) float64 { return 1 + 2*math.Exp(-wsdS1[s]/1500) }), "learning_rate": wsd}}, StatusImproving, false},
		{"flat because it saturated under the same lr", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(5, 0.003, func(s int) float64 { return 2 + 2*math.Exp(-12*s1(s)) }), "learning_rate": cosineLR(n)}}, StatusConverged, true},
		{"rising loss is diverged", synSpec{n: n, completed: true, series: map[string]func(int) float64{
			"loss": noisy(6, 0.01, func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/100) + 0.3*math.Max(0, float64(s-1200))/800 }), "learning_rate": constLR(0)}}, StatusDiverged, false},
		{"too few points", synSpec{n: 8, completed: true, series: map[string]func(int) float64{
			"loss": func(s int) float64 { return 3 - 0.1*float64(s) }}}, StatusInsufficientData, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(synRun(tt.spec), DefaultOptions)
			if r.Verdict.Status != tt.status {
				t.Errorf("status %q (%+v), want %q", r.Verdict.Status, r.Verdict.Reason, tt.status)
			}
			if r.Trend != nil && tt.status != StatusInsufficientData && r.Trend.Plateau != tt.plateau && tt.status != StatusImproving {
				t.Errorf("trend plateau %v, want %v: %+v", r.Trend.Plateau, tt.plateau, *r.Trend)
			}
			if r.Verdict.Reason.Rule == "" || r.Verdict.Metric != "loss" {
				t.Errorf("verdict %+v: want a reason and metric loss", r.Verdict)
			}
		})
	}
}

func TestSpikeFoundAtStep(t *testing.T) {
	const k = 1234
	base := noisy(7, 0.02, func(s int) float64 { return 1 + 2*math.Exp(-float64(s)/500) })
	run := synRun(synSpec{n: 3000, completed: true, series: map[string]func(int) float64{
		"loss": func(s int) float64 {
			if s == k {
				return 3 * base(s)
			}
			return base(s)
		},
		"grad_norm": noisy(8, 0.1, func(int) float64 { return 0.8 }),
	}})
	sp := spikes(newAnalyzer(run), DefaultOptions)
	found := false
	for _, s := range sp {
		if s.Metric == "loss" {
			if s.Step != k {
				t.Errorf("loss spike at step %d (z %.1f), want only %d", s.Step, s.Z, k)
			}
			found = found || s.Step == k
		}
	}
	if !found {
		t.Fatalf("the spike at step %d was not found: %+v", k, sp)
	}
}

func TestEvalUShapeOverfitting(t *testing.T) {
	// Evaluations every 50 steps, minimum at the 10th (step 500).
	run := synRun(synSpec{n: 1500, completed: true, evalEvery: 50,
		eval: func(k int) float64 { return 2 + 0.002*float64((k-10)*(k-10)) },
		series: map[string]func(int) float64{
			"loss":          noisy(9, 0.01, func(s int) float64 { return 0.1 + 2*math.Exp(-float64(s)/300) }),
			"learning_rate": constLR(0),
		}})
	r := Analyze(run, DefaultOptions)
	if r.Verdict.Status != StatusOverfitting || !r.Eval.Overfitting || r.Eval.BestStep != 500 || r.Eval.Since != 500 {
		t.Errorf("status %q, overfitting %v, best %d, since %d; want overfitting at 500 (rise %.1f sigma)", r.Verdict.Status, r.Eval.Overfitting, r.Eval.BestStep, r.Eval.Since, r.Eval.RiseSigma)
	}
	if len(r.Eval.Rows) != 30 || r.Eval.Rows[9].TrainLoss == nil {
		t.Errorf("eval rows %d, want 30 with the train loss at the same step", len(r.Eval.Rows))
	}
}

func TestEarlyStoppingReplay(t *testing.T) {
	// With threshold 0.007 (1% of the best, 0.7) the Trainer updates
	// best_metric on every strict improvement, so 0.894, 0.888 and 0.882
	// each count as "no improvement" against the previous one: stop at
	// the third of them (step 500). Patience 1 without threshold stops at
	// the first worse value, patience 3 never.
	vals := []float64{1.0, 0.9, 0.894, 0.888, 0.882, 0.7, 0.71}
	s := &trainlog.Series{Name: "eval_loss"}
	for i, v := range vals {
		s.Append(trainlog.Point{Step: int64(100 * (i + 1)), Value: v})
	}
	ev := buildCurve(s, "eval_loss")
	got := replayEarlyStopping(ev)
	want := []struct {
		patience  int
		threshold float64
		stop      int64
	}{{1, 0, 700}, {3, 0, -1}, {3, 0.007, 500}}
	for i, w := range want {
		g := got[i]
		if g.Patience != w.patience || math.Abs(g.Threshold-w.threshold) > 1e-12 || g.StopStep != w.stop {
			t.Errorf("replay %d = patience %d threshold %g stop %d, want %d %g %d", i, g.Patience, g.Threshold, g.StopStep, w.patience, w.threshold, w.stop)
		}
	}
}

func TestNoEvalSaysSo(t *testing.T) {
	run := synRun(synSpec{n: 300, stepsPerEpoch: 100, completed: true, series: map[string]func(int) float64{
		"loss":                noisy(10, 0.01, func(s int) float64 { return 0.05 + 3*math.Exp(-float64(s)/60) }),
		"mean_token_accuracy": func(s int) float64 { return 0.99 },
	}})
	e := evaluate(newAnalyzer(run), nil, DefaultOptions)
	if e.Present || e.BestStep != -1 || len(e.Hints) < 2 {
		t.Fatalf("eval = %+v, want absent with hints", e)
	}
	for _, h := range e.Hints {
		if h.Kind == "" || h.Kind == HintNone {
			t.Errorf("hint %+v: want a sign of memorisation", h)
		}
	}
}

func TestResolution(t *testing.T) {
	pts := func(digits int, vs ...float64) *curve {
		s := &trainlog.Series{Name: "loss"}
		for i, v := range vs {
			s.Append(trainlog.Point{Step: int64(i + 1), Value: v, Digits: digits})
		}
		return buildCurve(s, "loss")
	}
	tests := []struct {
		name string
		pts  *curve
		want float64
	}{
		{"4 decimals", pts(17, 0.0005, 0.0012, 0.0007), 1e-4},
		{"4 significant digits", pts(4, 3.242, 3.301), 1e-3},
		{"full precision", pts(17, 3.2421875123, 3.30112), 0},
	}
	for _, tt := range tests {
		if got := resolution(tt.pts, 0); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: resolution %g, want %g", tt.name, got, tt.want)
		}
	}
}

// TestDegenerateRunsDoNotPanic feeds Analyze runs that hold almost
// nothing, or only bad values, and checks that it still returns a
// verdict.
func TestDegenerateRunsDoNotPanic(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		spec synSpec
	}{
		{"empty", synSpec{}},
		{"one point", synSpec{n: 1, series: map[string]func(int) float64{"loss": func(int) float64 { return 1 }}}},
		{"all NaN", synSpec{n: 50, series: map[string]func(int) float64{"loss": func(int) float64 { return nan }, "grad_norm": func(int) float64 { return nan }}}},
		{"inf and zero", synSpec{n: 50, series: map[string]func(int) float64{"loss": func(s int) float64 {
			if s%2 == 0 {
				return inf
			}
			return 0
		}, "learning_rate": func(int) float64 { return 0 }}}},
		{"constant", synSpec{n: 100, completed: true, series: map[string]func(int) float64{"loss": func(int) float64 { return 0.5 }, "learning_rate": func(int) float64 { return 1e-4 }}}},
		{"negative GRPO loss", synSpec{n: 100, series: map[string]func(int) float64{"loss": noisy(11, 0.5, func(int) float64 { return -0.001 }), "reward": func(s int) float64 { return 0 }, "kl": func(int) float64 { return 0.01 }}}},
		{"eval only", synSpec{n: 100, evalEvery: 10, eval: func(k int) float64 { return 1 / float64(k) }}},
		{"eval with NaN", synSpec{n: 100, evalEvery: 10, eval: func(k int) float64 { return nan }, series: map[string]func(int) float64{"loss": func(int) float64 { return 1 }}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := analyzeRecover(synRun(tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict.Status == "" || r.Verdict.Reason.Rule == "" {
				t.Errorf("empty verdict %+v", r.Verdict)
			}
		})
	}
}

// TestPhasesSeedShape checks the three phases of the seed article's run:
// 2.81 -> 0.24 in epoch 1 (rapid decline), 0.24 -> 0.14 in epoch 2
// (slowing), 0.14 -> 0.13 in epoch 3 (diminishing returns), each starting
// at an epoch boundary.
func TestPhasesSeedShape(t *testing.T) {
	level := func(s int) float64 {
		switch {
		case s <= 250:
			return 0.24 + 2.57*math.Exp(-float64(s)/25)
		case s <= 500:
			return 0.144 + 0.096*math.Exp(-float64(s-250)/80)
		}
		return 0.129 + 0.015*math.Exp(-float64(s-500)/100)
	}
	run := synRun(synSpec{n: 750, stepsPerEpoch: 250, completed: true, series: map[string]func(int) float64{
		"loss": noisy(12, 0.02, level), "learning_rate": func(s int) float64 { return 2e-4 * float64(751-s) / 750 },
	}})
	ps := finishPhases(phases(newAnalyzer(run), DefaultOptions))
	want := []struct {
		name  PhaseName
		start int64
	}{{PhaseRapid, 1}, {PhaseSlowing, 250}, {PhaseDiminishing, 500}}
	if len(ps) != len(want) {
		t.Fatalf("%d phases %+v, want 3", len(ps), ps)
	}
	var share float64
	for i, w := range want {
		if ps[i].Name != w.name || ps[i].StartStep != w.start {
			t.Errorf("phase %d = %q from %d, want %q from %d", i, ps[i].Name, ps[i].StartStep, w.name, w.start)
		}
		share += ps[i].ShareOfDrop
	}
	if math.Abs(share-1) > 1e-9 || ps[1].Boundary != "epoch boundary" {
		t.Errorf("shares add to %g, boundary %q", share, ps[1].Boundary)
	}
}

func TestRecommendCheckpoint(t *testing.T) {
	spec := synSpec{n: 1500, completed: true, evalEvery: 50,
		eval: func(k int) float64 { return 2 + 0.002*float64((k-10)*(k-10)) },
		series: map[string]func(int) float64{
			"loss":          noisy(13, 0.01, func(s int) float64 { return 0.1 + 2*math.Exp(-float64(s)/300) }),
			"learning_rate": constLR(0),
		}}
	// eval_loss every 50 steps, best (2.0) at step 500, 2.002 at 450
	// and 550, 2.008 at 600, 2.2 at 1000, 2.242 at 1050.
	tests := []struct {
		name     string
		steps    []int64
		want     int64
		basis    RecommendBasis
		warnGone bool
	}{
		{"best kept", []int64{500, 1450, 1500}, 500, RecBestEval, false},
		{"best deleted", []int64{1400, 1450, 1500}, 1400, RecBestRemaining, true},
		// Saved between the evaluations at 500 and 550 (2.0, 2.002),
		// both better than 1400's own (2.648).
		{"between evaluations", []int64{525, 1400, 1500}, 525, RecBetweenEvals, false},
		// Between 1000 and 1050 (bound 2.242): 600's own 2.008 is better.
		{"evaluated beats between", []int64{600, 1025, 1500}, 600, RecBestRemaining, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := synRun(spec)
			for _, st := range tt.steps {
				run.Checkpoints = append(run.Checkpoints, trainlog.Checkpoint{Step: st, Path: "checkpoint-" + strconv.Itoa(int(st)), Kind: "checkpoint", HasState: true})
			}
			r := Analyze(run, DefaultOptions)
			rec := r.CheckpointsRecommended
			if rec.Step != tt.want {
				t.Errorf("recommended step %d, want %d (%s)", rec.Step, tt.want, rec.Basis)
			}
			if rec.Basis != tt.basis {
				t.Errorf("basis %q, want %q", rec.Basis, tt.basis)
			}
			if tt.basis == RecBetweenEvals && (len(rec.Between) != 2 || rec.Between[0].Step != 500 || rec.Between[1].Step != 550 || rec.Between[1].Value != 2.002) {
				t.Errorf("between %+v, want the evaluations at 500 and 550", rec.Between)
			}
			if gone := rec.Basis == RecBestRemaining; gone != tt.warnGone {
				t.Errorf("basis %q: the best deleted = %v, want %v", rec.Basis, gone, tt.warnGone)
			}
			if len(rec.Alternatives) < 2 {
				t.Errorf("alternatives %+v, want at least the final one and a late one", rec.Alternatives)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestAnotherEpochCost(t *testing.T) {
	run := synRun(synSpec{n: 1000, stepsPerEpoch: 250, completed: true, series: map[string]func(int) float64{
		"loss":          noisy(14, 0.01, func(s int) float64 { return 1 + 3*math.Pow(1+float64(s)/20, -0.7) }),
		"learning_rate": constLR(0),
	}})
	run.Summary["train_steps_per_second"] = trainlog.Value{Key: "train_steps_per_second", Value: 2, Source: trainlog.Source{File: "syn.json"}}
	opts := DefaultOptions
	opts.GPUHourPrice = 3.6
	r := Analyze(run, opts)
	ae := r.AnotherEpoch
	if ae == nil || !ae.Available || ae.HorizonSteps != 250 {
		t.Fatalf("another epoch %+v", ae)
	}
	if !(ae.ExpectedGain > 0) || ae.GainLow > ae.GainHigh || ae.LastValue <= 0 {
		t.Errorf("gain %g in [%g, %g], baseline %g", ae.ExpectedGain, ae.GainLow, ae.GainHigh, ae.LastValue)
	}
	if math.Abs(ae.Cost.Seconds-125) > 1e-9 || math.Abs(ae.Cost.Money-0.125) > 1e-9 || ae.Cost.GPUs != 1 {
		t.Errorf("cost %+v; want 125 s and 0.125 at 3.6 per GPU hour (throughput %+v)", ae.Cost, r.Throughput)
	}
	if ae.Risk != RiskUnknownTrainLoss {
		t.Errorf("risk %q", ae.Risk)
	}
}
