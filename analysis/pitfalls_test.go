package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// band returns a deterministic grad_norm in [0.5625, 0.9375] (usual range
// 0.6-0.9), with the given overrides by step.
func band(over map[int]float64) func(int) float64 {
	return func(s int) float64 {
		if v, ok := over[s]; ok {
			return v
		}
		return 0.5625 + 0.375*math.Mod(float64(s)*0.6180339887, 1)
	}
}

func linearLR(n int) func(int) float64 {
	return func(s int) float64 { return 2e-4 * float64(n-(s-1)) / float64(n) }
}

// findingsOf returns the findings of kind in r's pitfalls.
func findingsOf(t *testing.T, run *trainlog.Run, kind string) []Finding {
	t.Helper()
	r := &Report{Run: header(newAnalyzer(run)), Primary: "loss", Eval: Eval{BestStep: -1}}
	r.TrainLoss = trainLoss(newAnalyzer(run), DefaultOptions)
	var out []Finding
	for _, f := range pitfalls(newAnalyzer(run), r, DefaultOptions) {
		if f.Sources == nil {
			t.Errorf("%s finding has nil Sources", f.Kind)
		}
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

func TestGradNormHigh(t *testing.T) {
	many := map[int]float64{}
	for s := 120; s <= 700; s += 20 {
		many[s] = 2.5
	}
	tests := []struct {
		name     string
		over     map[int]float64
		severity string // "" for no finding
		text     []string
		step     int64
	}{
		{"seed: one step above the usual range", map[int]float64{750: 1.14}, SevWarning,
			[]string{"grad_norm 1.14 at step 750", "above its usual range 0.6-0.9 (10th-90th percentile of steps 38-750)", "a single step like this is acceptable"}, 750},
		{"start-up gradients are not flagged", map[int]float64{1: 4, 2: 3, 3: 2.5, 60: 3, 100: 2}, "", nil, 0},
		{"repeated spikes", many, SevError, []string{"at 30 steps (steps 120, 140, 160, 180, 200, 220, and 24 more), up to 2.5", "repeated gradient spikes"}, 120},
		{"two steps", map[int]float64{300: 1.3, 600: 1.5}, SevWarning, []string{"at 2 steps (steps 300, 600), up to 1.5 at step 600"}, 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := curveRun(750, 1, 250, 2, decay, band(tt.over), linearLR(750))
			fs := findingsOf(t, run, KindGradNormHigh)
			if tt.severity == "" {
				if len(fs) != 0 {
					t.Fatalf("unexpected finding %+v", fs[0])
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Severity != tt.severity || f.Step != tt.step {
				t.Errorf("severity %s step %d, want %s %d", f.Severity, f.Step, tt.severity, tt.step)
			}
			for _, w := range tt.text {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message %q lacks %q", f.Message, w)
				}
			}
			if !strings.HasPrefix(f.Sources[0], "train.log:") {
				t.Errorf("sources = %v", f.Sources)
			}
		})
	}
}

func TestZeroLossAndNonFinite(t *testing.T) {
	nan := math.NaN()
	loss := func(zero map[int]bool) func(int) float64 {
		return func(s int) float64 {
			if zero[s] {
				return 0
			}
			return decay(s)
		}
	}
	// The ModernBERT signature: loss 0.0 with grad_norm nan.
	run := curveRun(100, 1, 50, 2, loss(map[int]bool{60: true, 61: true}), band(map[int]float64{59: nan, 60: nan, 61: nan}), linearLR(100))
	fs := findingsOf(t, run, KindZeroLoss)
	if len(fs) != 1 || fs[0].Severity != SevError || !strings.Contains(fs[0].Message, "loss 0.0 with grad_norm nan at 2 logged steps (steps 60, 61)") ||
		strings.Join(fs[0].Sources, " ") != "train.log:60 train.log:61" {
		t.Errorf("zero-loss = %+v", fs)
	}
	nf := findingsOf(t, run, KindNonFinite)
	if len(nf) != 1 || nf[0].Severity != SevWarning || !strings.Contains(nf[0].Message, "grad_norm is NaN at 3 of 100 logged steps (steps 59, 60, 61)") {
		t.Errorf("non-finite = %+v", nf)
	}
	// A rounded tiny loss.
	run = curveRun(100, 1, 50, 2, loss(map[int]bool{90: true}), nil, nil)
	if fs := findingsOf(t, run, KindZeroLoss); len(fs) != 1 || fs[0].Severity != SevWarning || !strings.Contains(fs[0].Message, "not a perfect model") {
		t.Errorf("zero-loss = %+v", fs)
	}
	// fp16 loss-scaler skips: grad_norm NaN with lr 0 early on.
	lr := func(s int) float64 {
		if s <= 2 || s == 6 {
			return 0
		}
		return 1e-4
	}
	run = curveRun(100, 1, 50, 2, decay, band(map[int]float64{1: nan, 2: nan, 6: nan}), lr)
	if nf := findingsOf(t, run, KindNonFinite); len(nf) != 1 || nf[0].Severity != SevInfo || !strings.Contains(nf[0].Message, "fp16 loss scaler skipped") {
		t.Errorf("non-finite = %+v", nf)
	}
	if fs := findingsOf(t, run, KindLRStuckZero); len(fs) != 0 {
		t.Errorf("lr 0 at skipped steps flagged as stuck: %+v", fs)
	}
}

func TestLRStuckZero(t *testing.T) {
	tests := []struct {
		name string
		zero func(int) bool
		want string
	}{
		{"warmup starts at 0", func(s int) bool { return s == 1 }, ""},
		{"decay ends at 0", func(s int) bool { return s == 100 }, ""},
		{"stuck in the middle", func(s int) bool { return s >= 40 && s <= 50 }, "learning_rate is 0 at 11 consecutive logged steps (steps 40-50)"},
		{"schedule ended early", func(s int) bool { return s > 90 }, "learning_rate is 0 for the last 10 logged steps (steps 91-100)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := curveRun(100, 1, 50, 2, decay, nil, func(s int) float64 {
				if tt.zero(s) {
					return 0
				}
				return 1e-4
			})
			fs := findingsOf(t, run, KindLRStuckZero)
			switch {
			case tt.want == "" && len(fs) > 0:
				t.Errorf("unexpected %+v", fs[0])
			case tt.want != "" && (len(fs) != 1 || !strings.Contains(fs[0].Message, tt.want)):
				t.Errorf("findings = %+v, want %q", fs, tt.want)
			}
		})
	}
}

func TestEndFindings(t *testing.T) {
	crash := &trainlog.Meta{Event: &trainlog.Event{Kind: trainlog.EventCrash, Step: 27, Message: "KeyboardInterrupt",
		Sources: []trainlog.Source{{File: "train.log", Line: 300}}}}
	run := curveRun(27, 1, 1000, -1, decay, nil, nil, crash, geo(trainlog.GeoMaxSteps, 2700, "train.log", 12))
	ns := findingsOf(t, run, KindNoSummary)
	if len(ns) != 1 || ns[0].Severity != SevError || !strings.Contains(ns[0].Message, "it crashed (KeyboardInterrupt)") || ns[0].Sources[0] != "train.log:300" {
		t.Errorf("no-summary = %+v", ns)
	}
	inc := findingsOf(t, run, KindIncomplete)
	if len(inc) != 1 || inc[0].Severity != SevWarning || !strings.Contains(inc[0].Message, "stopped at step 27 of 2700 (1.0%)") {
		t.Errorf("incomplete = %+v", inc)
	}
	// Early stopping: a summary before max_steps.
	run = curveRun(200, 1, 100, -1, decay, nil, nil, geo(trainlog.GeoMaxSteps, 500, "trainer_state.json", 0),
		sum("train_runtime", 10, "train.log", 201), sum("train_loss", 0.5, "train.log", 201))
	if fs := findingsOf(t, run, KindNoSummary); len(fs) != 0 {
		t.Errorf("no-summary on a finished run: %+v", fs)
	}
	if inc := findingsOf(t, run, KindIncomplete); len(inc) != 1 || inc[0].Severity != SevInfo || !strings.Contains(inc[0].Message, "training ended at step 200 of 500 (40.0%) with its summary") {
		t.Errorf("incomplete = %+v", inc)
	}
}

func TestRestartBias(t *testing.T) {
	var recs []trainlog.Record
	for s := 1; s <= 60; s++ {
		recs = append(recs, memEntry("train.log", s, int64(s), math.NaN(), 17, "loss", decay(s)))
	}
	for s := 41; s <= 100; s++ { // resumed from checkpoint-40
		recs = append(recs, memEntry("train.log", 100+s, int64(s), math.NaN(), 17, "loss", decay(s)))
	}
	recs = append(recs, sum("train_loss", 0.3, "train.log", 300), sum("train_runtime", 10, "train.log", 300))
	run := memRun(recs...)
	fs := findingsOf(t, run, KindRestart)
	if len(fs) != 1 || fs[0].Severity != SevWarning || fs[0].Step != 41 || !strings.Contains(fs[0].Message, "steps go back from 60 to 41") ||
		!strings.Contains(fs[0].Message, "train_loss 0.3 is biased low (the mean of the logged losses is 1.079)") || fs[0].Sources[0] != "train.log:141" {
		t.Errorf("restart = %+v", fs)
	}
}

func TestStepCount(t *testing.T) {
	g := func(ws float64, max float64) []trainlog.Record {
		recs := []trainlog.Record{geo(trainlog.GeoExamples, 1000, "a.log", 30), geo(trainlog.GeoEpochs, 3, "a.log", 31),
			geo(trainlog.GeoBatchPerDevice, 2, "a.log", 32), geo(trainlog.GeoTotalBatch, 4*ws, "a.log", 33),
			geo(trainlog.GeoGradAccum, 2, "a.log", 34), geo(trainlog.GeoMaxSteps, max, "a.log", 35)}
		return recs
	}
	tests := []struct {
		name string
		recs []trainlog.Record
		want string
	}{
		{"seed geometry", g(1, 750), "750 steps = 1,000 examples / (2 per device x 1 process) = 500 batches, / 2 accumulation = 250 steps per epoch, x 3 epochs (processes from the total batch 4); another batch size"},
		{"two GPUs", g(2, 375), "375 steps = 1,000 examples / (2 per device x 2 processes) = 250 batches, / 2 accumulation = 125 steps per epoch, x 3 epochs"},
		{"max_steps set", g(1, 1000), "max_steps 1000 differs from the 750 that"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := curveRun(10, 1, 250, 2, decay, nil, nil, tt.recs...)
			fs := findingsOf(t, run, KindStepCount)
			if len(fs) != 1 || fs[0].Severity != SevInfo || !strings.Contains(fs[0].Message, tt.want) || fs[0].Sources[0] != "a.log:35" {
				t.Errorf("step-count = %+v, want %q", fs, tt.want)
			}
		})
	}
}

func TestPrintersAndDisagreement(t *testing.T) {
	var recs []trainlog.Record
	for s := 1; s <= 150; s++ {
		recs = append(recs, memEntry("all_logs.log", 2*s+40, int64(s), math.NaN(), 5, "loss", decay(s)))
		if s <= 100 {
			v := decay(s)
			if s == 77 {
				v += 0.5 // the callback printed something else at step 77
			}
			cb := memEntry("all_logs.log", 2*s+39, int64(s), math.NaN(), 3, "loss", math.Round(v*1000)/1000)
			cb.Origin = "callback"
			recs = append(recs, cb)
		}
	}
	run := memRun(recs...)
	fs := findingsOf(t, run, KindMissingCallback)
	if len(fs) != 1 || fs[0].Severity != SevWarning || fs[0].Step != 101 ||
		!strings.Contains(fs[0].Message, "all_logs.log has two printers of the loss (the Trainer's dicts and a user callback) for steps 1-100, but only one of them from step 101 to 150 (50 steps): the other stopped") {
		t.Errorf("missing-callback = %+v", fs)
	}
	ds := findingsOf(t, run, KindSourceDisagreement)
	if len(ds) != 1 || ds[0].Step != 77 || ds[0].Value != 1 || !strings.Contains(ds[0].Message, "at 1 step (first at step 77: loss at step 77: all_logs.log:194") {
		t.Errorf("source-disagreement = %+v", ds)
	}
}
