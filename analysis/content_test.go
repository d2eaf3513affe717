package analysis

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

func decay(s int) float64 { return 0.1 + 2.7*math.Exp(-float64(s)/40) }

func TestMilestoneSteps(t *testing.T) {
	tests := []struct {
		name       string
		run        *trainlog.Run
		wantSteps  []int64
		wantEpochs []int // the EpochEnd of each milestone
	}{
		{"v4 console epochs rounded to 2 decimals", curveRun(750, 1, 250, 2, decay, nil, nil),
			[]int64{1, 250, 500, 750}, []int{0, 1, 2, 3}},
		{"full precision epochs", curveRun(750, 1, 250, -1, decay, nil, nil),
			[]int64{1, 250, 500, 750}, nil},
		{"logging every 10 steps, 500-step epochs, 2 decimals", curveRun(1500, 10, 500, 2, decay, nil, nil),
			[]int64{10, 500, 1000, 1500}, nil},
		{"1000-step epochs rounded to 2 decimals (11 steps read 1.0)", curveRun(2500, 1, 1000, 2, decay, nil, nil),
			[]int64{1, 1000, 2000, 2500}, []int{0, 1, 2, 0}},
		{"no epochs, steps per epoch logged", curveRun(30, 1, math.Inf(1), -1, decay, nil, nil, geo(trainlog.GeoStepsPerEpoch, 10, "a.log", 3)),
			[]int64{1, 10, 20, 30}, nil},
		{"single point", curveRun(1, 1, 10, -1, decay, nil, nil),
			[]int64{1}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := milestones(newAnalyzer(tt.run))
			got := milestoneSteps(ms)
			if !equalSteps(got, tt.wantSteps) {
				t.Fatalf("steps = %v, want %v", got, tt.wantSteps)
			}
			for i, e := range tt.wantEpochs {
				if ms[i].EpochEnd != e {
					t.Errorf("milestone %d ends epoch %d, want %d", i, ms[i].EpochEnd, e)
				}
			}
			if !ms[0].First || !ms[len(ms)-1].Last || (len(ms) > 1 && (ms[0].Last || ms[len(ms)-1].First)) {
				t.Errorf("first/last marks: %+v", ms)
			}
		})
	}
}

func TestMilestonesManyEpochs(t *testing.T) {
	run := curveRun(1310, 1, 10, 2, decay, nil, nil)
	ms := milestones(newAnalyzer(run))
	got := milestoneSteps(ms)
	want := []int64{1, 10, 270, 530, 790, 1050, 1310}
	if !equalSteps(got, want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	if e := ms[2].EpochEnd; e != 27 {
		t.Errorf("milestone 2 ends epoch %d, want 27", e)
	}
	if m := ms[len(ms)-1]; m.EpochEnd != 131 || !m.Last {
		t.Errorf("last milestone = %+v, want the end of epoch 131 and the last step", m)
	}
	if n := epochEndCount(newAnalyzer(run)); n != 131 {
		t.Errorf("%d epoch ends, want 131", n)
	}
}

func equalSteps(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMilestoneMetricsAndSources checks that a step logged by a console
// dict and a trainer_state entry cites both, the precise one first, and
// that every per-step training metric is in the row (but no eval or
// summary key).
func TestMilestoneMetricsAndSources(t *testing.T) {
	run := memRun(
		memEntry("console.log", 523, 250, 1, 4, "loss", 4.571, "grad_norm", 3.9, "learning_rate", 0.0006680, "entropy", 1.25),
		memEntry("trainer_state.json", 0, 250, 1, 17, "loss", 4.571234, "grad_norm", 3.9012, "learning_rate", 0.000668, "mean_token_accuracy", 0.31),
		memEntry("console.log", 521, 1, 0.004, 4, "loss", 6.284),
		&trainlog.Entry{Kind: trainlog.KindEval, Step: 250, Epoch: 1, Time: math.NaN(), Source: trainlog.Source{File: "console.log", Line: 524},
			Values: []trainlog.KV{{Key: "eval_loss", Value: 5.1, Digits: 4}}},
		sum("train_runtime", 65.02, "console.log", 900),
	)
	ms := milestones(newAnalyzer(run))
	if len(ms) != 2 {
		t.Fatalf("%d milestones, want 2", len(ms))
	}
	m := ms[1]
	if m.Source != "trainer_state.json#log_history[249]" {
		t.Errorf("Source = %q", m.Source)
	}
	if got, want := strings.Join(m.Sources, " "), "trainer_state.json#log_history[249] console.log:523"; got != want {
		t.Errorf("Sources = %q, want %q", got, want)
	}
	want := map[string]float64{"loss": 4.571234, "grad_norm": 3.9012, "learning_rate": 0.000668, "mean_token_accuracy": 0.31, "entropy": 1.25}
	if len(m.Metrics) != len(want) {
		t.Errorf("Metrics = %v, want %v", m.Metrics, want)
	}
	for k, v := range want {
		if m.Metrics[k] != v {
			t.Errorf("Metrics[%s] = %v, want %v", k, m.Metrics[k], v)
		}
	}
	if m.MetricSources["entropy"] != "console.log:523" || m.MetricSources["mean_token_accuracy"] != "trainer_state.json#log_history[249]" {
		t.Errorf("MetricSources = %v", m.MetricSources)
	}
	if m.Epoch != 1 {
		t.Errorf("Epoch = %v", m.Epoch)
	}
}

func TestHeader(t *testing.T) {
	run := curveRun(20, 1, 10, -1, decay, nil, nil,
		geo(trainlog.GeoExamples, 1000, "a.log", 31), geo(trainlog.GeoBatchPerDevice, 2, "a.log", 33),
		geo(trainlog.GeoMaxSteps, 750, "a.log", 36),
		&trainlog.Meta{Info: &trainlog.Text{Key: trainlog.InfoLibrary, Value: "transformers 4.51.3"}},
		&trainlog.Meta{Event: &trainlog.Event{Kind: trainlog.EventCrash, Step: 20, Message: "KeyboardInterrupt", Sources: []trainlog.Source{{File: "a.log", Line: 99}}}},
	)
	run.Files = []trainlog.File{{Path: "a.log", Format: "hf-console", Used: true, Records: 20}, {Path: "notes.txt", Reason: "ignored: not a recognised training log"}}
	h := header(newAnalyzer(run))
	if h.Library != "transformers 4.51.3" || h.FirstStep != 1 || h.LastStep != 20 || h.MaxSteps != 750 || h.Completed || h.Epochs != 2 {
		t.Errorf("header = %+v", h)
	}
	var keys []string
	for _, f := range h.Geometry {
		keys = append(keys, f.Key+"="+fmtNum(f.Value)+"@"+f.Source)
	}
	if got, want := strings.Join(keys, " "), "num_examples=1000@a.log:31 per_device_train_batch_size=2@a.log:33 max_steps=750@a.log:36"; got != want {
		t.Errorf("geometry = %s, want %s", got, want)
	}
	if len(h.Files) != 2 || h.Files[1].Used || h.Files[1].Reason == "" {
		t.Errorf("files = %+v", h.Files)
	}
	if len(h.Events) != 1 || h.Events[0].Kind != "crash" || h.Events[0].Sources[0] != "a.log:99" {
		t.Errorf("events = %+v", h.Events)
	}
	run.Summary["train_runtime"] = trainlog.Value{Value: 1}
	run.Summary["train_loss"] = trainlog.Value{Value: 1}
	if !header(newAnalyzer(run)).Completed {
		t.Error("a run with a summary is not completed")
	}
}

func TestTrainLoss(t *testing.T) {
	flat := func(s int) float64 { return 2 + 0.01*math.Sin(float64(s)) }
	tests := []struct {
		name      string
		run       *trainlog.Run
		reported  float64
		wantMean  float64
		wantLevel float64
		relation  TrainLossRelation
		early     float64 // share of the first tenth
		gap       float64 // (recomputed - reported) / reported
	}{
		{"early losses pull the mean up", curveRun(100, 1, 100, -1, decay, nil, nil), 0.9,
			1.0790, 0.3487, TLPulledUp, 0.23, 0.20},
		{"flat run agrees", curveRun(100, 1, 100, -1, flat, nil, nil), 2.0,
			2.0000, 1.9981, TLAgrees, 0, 0},
		{"logging every 5 steps", curveRun(100, 5, 100, -1, decay, nil, nil), 0,
			1.0307, 0.3890, TLPulledUp, 0.23, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reported != 0 {
				tt.run.Summary["train_loss"] = trainlog.Value{Key: "train_loss", Value: tt.reported, Source: trainlog.Source{File: "train.log", Line: 101}}
			}
			tl := trainLoss(newAnalyzer(tt.run), DefaultOptions)
			if math.Abs(tl.RecomputedMean.Value-tt.wantMean) > 5e-4 || math.Abs(tl.FinalLevel.Value-tt.wantLevel) > 5e-4 {
				t.Errorf("mean %.4f, level %.4f; want %.4f, %.4f", tl.RecomputedMean.Value, tl.FinalLevel.Value, tt.wantMean, tt.wantLevel)
			}
			if tl.Relation != tt.relation || math.Abs(tl.EarlyShare-tt.early) > 0.005 || math.Abs(tl.ReportedGap-tt.gap) > 0.005 {
				t.Errorf("relation %q, early share %.3f, gap %.3f; want %q, %.2f, %.2f", tl.Relation, tl.EarlyShare, tl.ReportedGap, tt.relation, tt.early, tt.gap)
			}
			if tt.reported != 0 && (tl.Reported == nil || *tl.Reported != tt.reported || tl.Source != "train.log:101") {
				t.Errorf("reported = %v from %q", tl.Reported, tl.Source)
			}
			if tl.First.Source != "train.log:1" {
				t.Errorf("first = %+v", tl.First)
			}
		})
	}
	tl := trainLoss(newAnalyzer(curveRun(100, 5, 100, -1, decay, nil, nil)), DefaultOptions)
	want := How{Method: MethodRunMean, Metric: "loss", FromStep: 5, ToStep: 100, N: 20, Window: 5}
	if !reflect.DeepEqual(tl.RecomputedMean.How, want) {
		t.Errorf("mean how = %+v, want %+v", tl.RecomputedMean.How, want)
	}
	want = How{Method: MethodWindowMean, Metric: "loss", FromStep: 80, ToStep: 100, N: 5, Fraction: 0.1}
	if !reflect.DeepEqual(tl.FinalLevel.How, want) {
		t.Errorf("level how = %+v, want %+v", tl.FinalLevel.How, want)
	}
}

func TestThroughput(t *testing.T) {
	run := curveRun(750, 1, 250, 2, decay, nil, nil,
		sum("train_runtime", 2484.0731, "all_logs.log", 1542), sum("train_samples_per_second", 1.208, "all_logs.log", 1542),
		sum("train_steps_per_second", 0.302, "all_logs.log", 1542), sum("tqdm_seconds_per_it", 3.31, "all_logs.log", 1543))
	tp := throughput(newAnalyzer(run), DefaultOptions)
	if tp.RuntimeSeconds.Value != 2484.0731 || tp.RuntimeSeconds.Source != "all_logs.log:1542" || tp.RuntimeFrom != RuntimeLogged {
		t.Errorf("runtime = %+v from %q", tp.RuntimeSeconds, tp.RuntimeFrom)
	}
	if tp.SecondsPerIt == nil || tp.SecondsPerIt.Value != 3.31 || tp.SecondsPerIt.Source != "all_logs.log:1543" || !tp.BarShowsSecondsPerIt || tp.ItPerSecond != nil {
		t.Errorf("rate = %+v (bar s/it %v), it/s %+v", tp.SecondsPerIt, tp.BarShowsSecondsPerIt, tp.ItPerSecond)
	}
	if tp.SamplesPerSec == nil || tp.SamplesPerSec.Value != 1.208 || tp.StepsPerSec == nil || tp.StepsPerSec.Value != 0.302 {
		t.Errorf("rates = %+v, %+v", tp.SamplesPerSec, tp.StepsPerSec)
	}
	wantHow := How{Method: MethodGPUHours, Seconds: 2484.0731, GPUs: 1, GPUsFrom: GPUsAssumed1}
	if math.Abs(tp.GPUHours.Value-0.69) > 0.001 || !reflect.DeepEqual(tp.GPUHours.How, wantHow) || tp.Cost != nil {
		t.Errorf("GPU hours = %+v, cost %+v", tp.GPUHours, tp.Cost)
	}
	priced := throughput(newAnalyzer(run), Options{GPUHourPrice: 2.5, GPUs: 8})
	if math.Abs(priced.Cost.Value-2484.0731*8/3600*2.5) > 1e-9 || priced.Cost.How.Method != MethodCost || priced.Cost.How.Price != 2.5 ||
		priced.GPUHours.How.GPUsFrom != GPUsGiven || priced.GPUHours.How.GPUs != 8 {
		t.Errorf("cost = %+v, hours %+v", priced.Cost, priced.GPUHours)
	}
	// No runtime: elapsed times (LLaMA-Factory elapsed_time) give it.
	el := memRun(
		&trainlog.Entry{Kind: trainlog.KindTrain, Step: 10, Epoch: math.NaN(), Time: 35, Source: trainlog.Source{File: "trainer_log.jsonl", Line: 1}, Values: []trainlog.KV{{Key: "loss", Value: 1, Digits: 17}}},
		&trainlog.Entry{Kind: trainlog.KindTrain, Step: 20, Epoch: math.NaN(), Time: 71.5, Source: trainlog.Source{File: "trainer_log.jsonl", Line: 2}, Values: []trainlog.KV{{Key: "loss", Value: 1, Digits: 17}}},
	)
	tp = throughput(newAnalyzer(el), DefaultOptions)
	if tp.RuntimeSeconds == nil || tp.RuntimeSeconds.Value != 71.5 || tp.RuntimeSeconds.Source != "trainer_log.jsonl:2" || tp.RuntimeFrom != RuntimeElapsed || tp.RuntimeToStep != 20 {
		t.Errorf("derived runtime = %+v from %q to step %d", tp.RuntimeSeconds, tp.RuntimeFrom, tp.RuntimeToStep)
	}
	if tp := throughput(newAnalyzer(curveRun(5, 1, 5, -1, decay, nil, nil)), DefaultOptions); tp.RuntimeSeconds != nil || tp.RuntimeFrom != "" || tp.GPUHours != nil {
		t.Errorf("no runtime: %+v", tp)
	}
}

func TestCheckpointUses(t *testing.T) {
	run := curveRun(750, 1, 250, 2, func(s int) float64 { return 0.1 + 2.7*math.Exp(-float64(s)/40) }, nil, nil)
	run.Checkpoints = []trainlog.Checkpoint{
		{Step: 500, Path: "out/checkpoint-500", Kind: "checkpoint", Adapter: true},
		{Step: 700, Path: "out/checkpoint-700", Kind: "checkpoint", Adapter: true},
		{Step: -1, Path: "out/final_lora", Kind: "adapter", Adapter: true},
	}
	rows := checkpoints(newAnalyzer(run), &Report{Eval: Eval{BestStep: -1}})
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	wants := []struct {
		step  int64
		src   string
		roles []Role
	}{
		{500, "train.log:500", []Role{RoleLowLoss}},
		{700, "train.log:700", []Role{RoleLate}},
		{-1, "train.log:750", []Role{RoleFinal}},
	}
	for i, w := range wants {
		r := rows[i]
		if r.Step != w.step || r.TrainLoss == nil || r.TrainLoss.Source != w.src || !slices.Equal(r.Roles, w.roles) {
			t.Errorf("row %d = %+v (loss %+v), want step %d, %s, roles %v", i, r, r.TrainLoss, w.step, w.src, w.roles)
		}
	}
	// With eval: the best one says so; a checkpoint at the last step
	// without a final directory is the final weights.
	var recs []trainlog.Record
	for s := 20; s <= 100; s += 20 {
		recs = append(recs, &trainlog.Entry{Kind: trainlog.KindEval, Step: int64(s), Epoch: math.NaN(), Time: math.NaN(),
			Source: trainlog.Source{File: "trainer_state.json", Frag: "log_history[" + strconv.Itoa(s) + "]"},
			Values: []trainlog.KV{{Key: "eval_loss", Value: 1 + math.Abs(float64(s-40))/100, Digits: 17}}})
	}
	run = curveRun(100, 1, 20, -1, decay, nil, nil, recs...)
	run.Checkpoints = []trainlog.Checkpoint{{Step: 40, Path: "checkpoint-40", Kind: "checkpoint"}, {Step: 80, Path: "checkpoint-80", Kind: "checkpoint"}, {Step: 100, Path: "checkpoint-100", Kind: "checkpoint"}}
	rows = checkpoints(newAnalyzer(run), &Report{Eval: Eval{Present: true, Metric: "eval_loss", BestStep: 40}})
	if !slices.Equal(rows[0].Roles, []Role{RoleBestEval, RoleEarlier}) || rows[0].Eval == nil || rows[0].Eval.Value != 1 {
		t.Errorf("best row = %+v", rows[0])
	}
	if !slices.Equal(rows[1].Roles, []Role{RoleLate}) || !slices.Equal(rows[2].Roles, []Role{RoleFinal}) {
		t.Errorf("rows = %+v", rows)
	}
}

// TestReportJSON checks that a report of a run with NaN values still
// encodes as JSON.
func TestReportJSON(t *testing.T) {
	run := curveRun(50, 1, 25, 2, decay, func(s int) float64 {
		if s == 30 {
			return math.NaN()
		}
		return 0.8
	}, func(int) float64 { return 1e-4 })
	r := Analyze(run, DefaultOptions)
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	if f := findingOf(r, KindNonFinite); f.Metric != "grad_norm" || f.Count != 1 || !slices.Equal(f.Steps, []int64{30}) {
		t.Errorf("non-finite finding = %+v, want grad_norm at step 30", f)
	}
}

// findingOf returns the first finding of kind in r, or a zero Finding.
func findingOf(r *Report, kind FindingKind) Finding {
	for _, f := range r.Findings {
		if f.Kind == kind {
			return f
		}
	}
	return Finding{}
}
