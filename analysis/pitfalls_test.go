package analysis

import (
	"math"
	"slices"
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
func findingsOf(t *testing.T, run *trainlog.Run, kind FindingKind) []Finding {
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
		severity Severity // "" for no finding
		cause    Cause
		count    int
		top      float64
		step     int64
	}{
		{"seed: one step above the usual range", map[int]float64{750: 1.14}, SevWarning, CauseSingle, 1, 1.14, 750},
		{"start-up gradients are not flagged", map[int]float64{1: 4, 2: 3, 3: 2.5, 60: 3, 100: 2}, "", "", 0, 0, 0},
		{"repeated spikes", many, SevError, CauseRepeated, 30, 2.5, 120},
		{"two steps", map[int]float64{300: 1.3, 600: 1.5}, SevWarning, CauseIsolated, 2, 1.5, 600},
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
			if f.Severity != tt.severity || f.Cause != tt.cause || f.Step != tt.step || f.Count != tt.count || f.Value != tt.top {
				t.Errorf("%s %s at step %d, %d steps up to %v; want %s %s at %d, %d up to %v",
					f.Severity, f.Cause, f.Step, f.Count, f.Value, tt.severity, tt.cause, tt.step, tt.count, tt.top)
			}
			// The usual range of the band is 0.6-0.9, over steps 38-750.
			p10, _ := f.Fact(QP10)
			p90, _ := f.Fact(QP90)
			from, _ := f.Fact(QRangeFrom)
			if round(p10.Value, 1) != 0.6 || round(p90.Value, 1) != 0.9 || from.Value != 38 {
				t.Errorf("usual range %v-%v from step %v, want 0.6-0.9 from 38", p10.Value, p90.Value, from.Value)
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
	if len(fs) != 1 || fs[0].Severity != SevError || fs[0].Cause != CauseNaNWindow || fs[0].Count != 2 || !slices.Equal(fs[0].Steps, []int64{60, 61}) ||
		strings.Join(fs[0].Sources, " ") != "train.log:60 train.log:61" {
		t.Errorf("zero-loss = %+v", fs)
	}
	nf := findingsOf(t, run, KindNonFinite)
	if len(nf) != 1 || nf[0].Severity != SevWarning || nf[0].Cause != CauseOverflow || nf[0].Metric != "grad_norm" || nf[0].Count != 3 || nf[0].Of != 100 ||
		!slices.Equal(nf[0].Steps, []int64{59, 60, 61}) {
		t.Errorf("non-finite = %+v", nf)
	}
	// A rounded tiny loss.
	run = curveRun(100, 1, 50, 2, loss(map[int]bool{90: true}), nil, nil)
	if fs := findingsOf(t, run, KindZeroLoss); len(fs) != 1 || fs[0].Severity != SevWarning || fs[0].Cause != CauseUnexplained {
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
	if nf := findingsOf(t, run, KindNonFinite); len(nf) != 1 || nf[0].Severity != SevInfo || nf[0].Cause != CauseScalerSkip {
		t.Errorf("non-finite = %+v", nf)
	}
	if fs := findingsOf(t, run, KindLRStuckZero); len(fs) != 0 {
		t.Errorf("lr 0 at skipped steps flagged as stuck: %+v", fs)
	}
}

func TestLRStuckZero(t *testing.T) {
	tests := []struct {
		name     string
		zero     func(int) bool
		want     Cause // "" for no finding
		count    int
		from, to int64
	}{
		{"warmup starts at 0", func(s int) bool { return s == 1 }, "", 0, 0, 0},
		{"decay ends at 0", func(s int) bool { return s == 100 }, "", 0, 0, 0},
		{"stuck in the middle", func(s int) bool { return s >= 40 && s <= 50 }, CauseStuck, 11, 40, 50},
		{"schedule ended early", func(s int) bool { return s > 90 }, CauseScheduleEnded, 10, 91, 100},
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
			case tt.want != "" && (len(fs) != 1 || fs[0].Cause != tt.want || fs[0].Count != tt.count || fs[0].FromStep != tt.from || fs[0].ToStep != tt.to):
				t.Errorf("findings = %+v, want %s, %d steps %d-%d", fs, tt.want, tt.count, tt.from, tt.to)
			}
		})
	}
}

func TestEndFindings(t *testing.T) {
	crash := &trainlog.Meta{Event: &trainlog.Event{Kind: trainlog.EventCrash, Step: 27, Message: "KeyboardInterrupt",
		Sources: []trainlog.Source{{File: "train.log", Line: 300}}}}
	run := curveRun(27, 1, 1000, -1, decay, nil, nil, crash, geo(trainlog.GeoMaxSteps, 2700, "train.log", 12))
	ns := findingsOf(t, run, KindNoSummary)
	if len(ns) != 1 || ns[0].Severity != SevError || ns[0].Cause != CauseInterrupted || ns[0].Detail != "KeyboardInterrupt" || ns[0].Sources[0] != "train.log:300" {
		t.Errorf("no-summary = %+v", ns)
	}
	inc := findingsOf(t, run, KindIncomplete)
	if len(inc) != 1 || inc[0].Severity != SevWarning || inc[0].Cause != CauseStoppedEarly || inc[0].Value != 27 || inc[0].Threshold != 2700 {
		t.Errorf("incomplete = %+v", inc)
	}
	// Early stopping: a summary before max_steps.
	run = curveRun(200, 1, 100, -1, decay, nil, nil, geo(trainlog.GeoMaxSteps, 500, "trainer_state.json", 0),
		sum("train_runtime", 10, "train.log", 201), sum("train_loss", 0.5, "train.log", 201))
	if fs := findingsOf(t, run, KindNoSummary); len(fs) != 0 {
		t.Errorf("no-summary on a finished run: %+v", fs)
	}
	if inc := findingsOf(t, run, KindIncomplete); len(inc) != 1 || inc[0].Severity != SevInfo || inc[0].Cause != CauseStoppedOnPurpose || inc[0].Value != 200 || inc[0].Threshold != 500 {
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
	if len(fs) != 1 {
		t.Fatalf("restart findings = %+v", fs)
	}
	f := fs[0]
	rep, _ := f.Fact(QReported)
	rec, _ := f.Fact(QRecomputed)
	if f.Severity != SevWarning || f.Cause != CauseBiasedTrainLoss || f.Step != 41 || !strings.Contains(f.Detail, "steps go back from 60 to 41") ||
		rep.Value != 0.3 || round(rec.Value, 4) != 1.079 || f.Sources[0] != "train.log:141" {
		t.Errorf("restart = %+v", f)
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
		name     string
		recs     []trainlog.Record
		cause    Cause
		ws       float64 // processes, from the total batch
		batches  float64
		perEpoch float64
		expected float64
	}{
		{"seed geometry", g(1, 750), CauseStepsMatch, 1, 500, 250, 750},
		{"two GPUs", g(2, 375), CauseStepsMatch, 2, 250, 125, 375},
		{"max_steps set", g(1, 1000), CauseStepsExplicit, 1, 500, 250, 750},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := curveRun(10, 1, 250, 2, decay, nil, nil, tt.recs...)
			fs := findingsOf(t, run, KindStepCount)
			if len(fs) != 1 || fs[0].Severity != SevInfo || fs[0].Cause != tt.cause || fs[0].Threshold != tt.expected || fs[0].Sources[0] != "a.log:35" {
				t.Fatalf("step-count = %+v, want %s expecting %v", fs, tt.cause, tt.expected)
			}
			for q, want := range map[Quantity]float64{QWorldSize: tt.ws, QWorldSizeFrom: 1, QBatches: tt.batches, QStepsPerEpoch: tt.perEpoch, QExpected: tt.expected} {
				if x, _ := fs[0].Fact(q); x.Value != want {
					t.Errorf("%s = %v, want %v", q, x.Value, want)
				}
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
	if len(fs) != 1 || fs[0].Severity != SevWarning || fs[0].Cause != CausePrinterStopped || fs[0].Step != 101 || fs[0].File != "all_logs.log" ||
		fs[0].Count != 50 || fs[0].FromStep != 101 || fs[0].ToStep != 150 {
		t.Errorf("missing-callback = %+v", fs)
	}
	ds := findingsOf(t, run, KindSourceDisagreement)
	if len(ds) != 1 || ds[0].Step != 77 || ds[0].Count != 1 || !strings.Contains(ds[0].Detail, "loss at step 77: all_logs.log:194") {
		t.Errorf("source-disagreement = %+v", ds)
	}
}
