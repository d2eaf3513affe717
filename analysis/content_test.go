package analysis

import (
	"encoding/json"
	"math"
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
		wantLabels []string
	}{
		{"v4 console epochs rounded to 2 decimals", curveRun(750, 1, 250, 2, decay, nil, nil),
			[]int64{1, 250, 500, 750}, []string{"first step", "end of epoch 1", "end of epoch 2", "end of epoch 3, last step"}},
		{"full precision epochs", curveRun(750, 1, 250, -1, decay, nil, nil),
			[]int64{1, 250, 500, 750}, nil},
		{"logging every 10 steps, 500-step epochs, 2 decimals", curveRun(1500, 10, 500, 2, decay, nil, nil),
			[]int64{10, 500, 1000, 1500}, nil},
		{"1000-step epochs rounded to 2 decimals (11 steps read 1.0)", curveRun(2500, 1, 1000, 2, decay, nil, nil),
			[]int64{1, 1000, 2000, 2500}, []string{"first step", "end of epoch 1", "end of epoch 2", "last step"}},
		{"no epochs, steps per epoch logged", curveRun(30, 1, math.Inf(1), -1, decay, nil, nil, geo(trainlog.GeoStepsPerEpoch, 10, "a.log", 3)),
			[]int64{1, 10, 20, 30}, nil},
		{"single point", curveRun(1, 1, 10, -1, decay, nil, nil),
			[]int64{1}, []string{"first and last step"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := milestones(newAnalyzer(tt.run))
			got := milestoneSteps(ms)
			if !equalSteps(got, tt.wantSteps) {
				t.Fatalf("steps = %v, want %v", got, tt.wantSteps)
			}
			for i, l := range tt.wantLabels {
				if ms[i].Label != l {
					t.Errorf("label %d = %q, want %q", i, ms[i].Label, l)
				}
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
	if l := ms[2].Label; l != "end of epoch 27 (6 of 131 epoch ends shown)" {
		t.Errorf("label = %q", l)
	}
	if l := ms[len(ms)-1].Label; l != "end of epoch 131 (6 of 131 epoch ends shown), last step" {
		t.Errorf("last label = %q", l)
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
		wantText  []string
	}{
		{"early losses pull the mean up", curveRun(100, 1, 100, -1, decay, nil, nil), 0.9,
			1.0790, 0.3487, []string{"train_loss 0.9 is the mean over all 100 logged steps", "pull it up", "the first 10 logged steps alone make up 23% of the sum", "The curve ends at 0.3487 (mean of the 10 logged losses over steps 91-100", "Judge the run by the final level", "The mean of the logged losses is 1.079 (+20% from train_loss)"}},
		{"flat run agrees", curveRun(100, 1, 100, -1, flat, nil, nil), 2.0,
			2.0000, 1.9981, []string{"train_loss 2 and the final level 1.998 agree within 5%"}},
		{"logging every 5 steps", curveRun(100, 5, 100, -1, decay, nil, nil), 0,
			1.0307, 0.3890, []string{"The mean of the logged losses is the mean over all 20 logged steps"}},
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
			for _, w := range tt.wantText {
				if !strings.Contains(tl.Explanation, w) {
					t.Errorf("explanation %q lacks %q", tl.Explanation, w)
				}
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
	if !strings.Contains(tl.RecomputedMean.How, "5-step window") || !strings.Contains(tl.FinalLevel.How, "5 logged losses over steps 80-100") {
		t.Errorf("how = %q / %q", tl.RecomputedMean.How, tl.FinalLevel.How)
	}
}

func TestThroughput(t *testing.T) {
	run := curveRun(750, 1, 250, 2, decay, nil, nil,
		sum("train_runtime", 2484.0731, "all_logs.log", 1542), sum("train_samples_per_second", 1.208, "all_logs.log", 1542),
		sum("train_steps_per_second", 0.302, "all_logs.log", 1542), sum("tqdm_seconds_per_it", 3.31, "all_logs.log", 1543))
	tp := throughput(newAnalyzer(run), DefaultOptions)
	if tp.RuntimeSeconds.Value != 2484.0731 || tp.RuntimeSeconds.Source != "all_logs.log:1542" || tp.RuntimeHMS != "0:41:24" {
		t.Errorf("runtime = %+v %q", tp.RuntimeSeconds, tp.RuntimeHMS)
	}
	if math.Abs(tp.GPUHours.Value-0.69) > 0.001 || tp.Cost != nil {
		t.Errorf("GPU hours = %+v, cost %+v", tp.GPUHours, tp.Cost)
	}
	for _, w := range []string{"train_runtime 2484 s (41 min 24 s)", "3.31 s/it (progress bar, all_logs.log:1543)", "1.208 samples/s", "0.302 steps/s", "0.69 GPU-hours", "--gpu-hour-price"} {
		if !strings.Contains(tp.Text, w) {
			t.Errorf("text %q lacks %q", tp.Text, w)
		}
	}
	priced := throughput(newAnalyzer(run), Options{GPUHourPrice: 2.5, GPUs: 8})
	if math.Abs(priced.Cost.Value-2484.0731*8/3600*2.5) > 1e-9 || !strings.Contains(priced.Text, "cost about 13.80 at 2.5 per GPU-hour") {
		t.Errorf("cost = %+v, text %q", priced.Cost, priced.Text)
	}
	// No runtime: elapsed times (LLaMA-Factory elapsed_time) give it.
	el := memRun(
		&trainlog.Entry{Kind: trainlog.KindTrain, Step: 10, Epoch: math.NaN(), Time: 35, Source: trainlog.Source{File: "trainer_log.jsonl", Line: 1}, Values: []trainlog.KV{{Key: "loss", Value: 1, Digits: 17}}},
		&trainlog.Entry{Kind: trainlog.KindTrain, Step: 20, Epoch: math.NaN(), Time: 71.5, Source: trainlog.Source{File: "trainer_log.jsonl", Line: 2}, Values: []trainlog.KV{{Key: "loss", Value: 1, Digits: 17}}},
	)
	tp = throughput(newAnalyzer(el), DefaultOptions)
	if tp.RuntimeSeconds == nil || tp.RuntimeSeconds.Value != 71.5 || tp.RuntimeSeconds.Source != "trainer_log.jsonl:2" || !strings.Contains(tp.Text, "the elapsed time logged at step 20") {
		t.Errorf("derived runtime = %+v, text %q", tp.RuntimeSeconds, tp.Text)
	}
	if tp := throughput(newAnalyzer(curveRun(5, 1, 5, -1, decay, nil, nil)), DefaultOptions); tp.RuntimeSeconds != nil || !strings.Contains(tp.Text, "no runtime was logged") {
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
		step int64
		src  string
		use  string
	}{
		{500, "train.log:500", "loss already low"},
		{700, "train.log:700", "A/B test"},
		{-1, "train.log:750", "default for deployment"},
	}
	for i, w := range wants {
		r := rows[i]
		if r.Step != w.step || r.TrainLoss == nil || r.TrainLoss.Source != w.src || !strings.Contains(r.Use, w.use) {
			t.Errorf("row %d = %+v (loss %+v), want step %d, %s, use %q", i, r, r.TrainLoss, w.step, w.src, w.use)
		}
	}
	// With eval: the best one says so; a checkpoint at the last step
	// without a final directory is the final weights.
	var recs []trainlog.Record
	for s := 20; s <= 100; s += 20 {
		recs = append(recs, &trainlog.Entry{Kind: trainlog.KindEval, Step: int64(s), Epoch: math.NaN(), Time: math.NaN(),
			Source: trainlog.Source{File: "trainer_state.json", Frag: "log_history[" + fmtSteps(int64(s)) + "]"},
			Values: []trainlog.KV{{Key: "eval_loss", Value: 1 + math.Abs(float64(s-40))/100, Digits: 17}}})
	}
	run = curveRun(100, 1, 20, -1, decay, nil, nil, recs...)
	run.Checkpoints = []trainlog.Checkpoint{{Step: 40, Path: "checkpoint-40", Kind: "checkpoint"}, {Step: 80, Path: "checkpoint-80", Kind: "checkpoint"}, {Step: 100, Path: "checkpoint-100", Kind: "checkpoint"}}
	rows = checkpoints(newAnalyzer(run), &Report{Eval: Eval{Present: true, Metric: "eval_loss", BestStep: 40}})
	if !strings.HasPrefix(rows[0].Use, "best eval_loss (1)") || rows[0].Eval == nil || rows[0].Eval.Value != 1 {
		t.Errorf("best row = %+v", rows[0])
	}
	if !strings.Contains(rows[1].Use, "A/B") || !strings.Contains(rows[2].Use, "final weights") {
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
	if len(r.Summary) < 3 || len(r.Summary) > 6 {
		t.Errorf("summary has %d bullets: %q", len(r.Summary), r.Summary)
	}
}
