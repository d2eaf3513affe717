package report

import (
	"math"
	"strconv"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// seedReport is a hand-built report of the seed article's run (750 steps
// of LoRA SFT, no eval set), with its numbers. It exercises every section
// of the renderers, Markdown metacharacters in messages, and a
// non-finite value.
func seedReport() *analysis.Report {
	f := func(v float64) *float64 { return &v }
	r := &analysis.Report{
		Schema: analysis.SchemaVersion,
		Run: analysis.RunInfo{
			Name: "lora_elderly_single",
			Root: "LoRA_Demo",
			Files: []analysis.FileUse{
				{Path: "all_logs.log", Format: "hf-console", Used: true, Records: 753, Errors: 1},
				{Path: "output/checkpoint-750/trainer_state.json", Format: "trainer-state", Used: true, Records: 751},
				{Path: "verify_lora.py", Used: false, Reason: "not a recognised training log"},
			},
			Library: "transformers 4.46.0",
			Family:  "sft",
			Geometry: []analysis.Fact{
				{Key: "num_examples", Label: "examples", Value: 1000, Source: "all_logs.log:30"},
				{Key: "num_train_epochs", Label: "epochs", Value: 3, Source: "all_logs.log:31"},
				{Key: "total_train_batch_size", Label: "total batch size", Value: 4, Source: "all_logs.log:33"},
				{Key: "max_steps", Label: "total optimization steps", Value: 750, Source: "all_logs.log:35"},
			},
			FirstStep: 1, LastStep: 750, MaxSteps: 750, Epochs: 3,
			Series:    []string{"grad_norm", "learning_rate", "loss", "mean_token_accuracy"},
			Completed: true,
			Events: []analysis.Event{{
				Kind: "disagreement", Step: 500,
				Message: "loss | console 0.1443 vs state 0.14431",
				Sources: []string{"all_logs.log:1040", "output/checkpoint-750/trainer_state.json#log_history[499]"},
			}},
		},
		Milestones: []analysis.Milestone{
			milestone("first", 1, 0.0, 2.8099, 0.436, 3.21, 2.0e-4, 42, 0),
			milestone("epoch 1", 250, 1.0, 0.2402, 0.957, 0.71, 1.34e-4, 540, 249),
			milestone("epoch 2", 500, 2.0, 0.1443, 0.967, 0.66, 6.69e-5, 1040, 499),
			milestone("last", 750, 3.0, 0.1286, 0.963, 1.14, 2.67e-7, 1540, 749),
		},
		Phases: []analysis.Phase{
			{Name: "rapid decline", StartStep: 1, EndStep: 250, StartLevel: der(2.81, "mean of steps 1–5"), EndLevel: der(0.24, "mean of steps 246–250"), ShareOfDrop: 0.9067, SlopePerStep: -0.0098, Boundary: "start"},
			{Name: "slowing", StartStep: 250, EndStep: 500, StartLevel: der(0.24, "mean of steps 246–250"), EndLevel: der(0.14, "mean of steps 496–500"), ShareOfDrop: 0.0375, SlopePerStep: -0.0021, Boundary: "epoch boundary"},
			{Name: "diminishing returns", StartStep: 500, EndStep: 750, StartLevel: der(0.14, "mean of steps 496–500"), EndLevel: der(0.13, "mean of steps 746–750"), ShareOfDrop: 0.0037, SlopePerStep: -0.0003, Boundary: "epoch boundary"},
		},
		TrainLoss: analysis.TrainLoss{
			Reported:       f(0.2587),
			Source:         "all_logs.log:1542",
			RecomputedMean: &analysis.Derived{Value: 0.2591, How: "mean of the 750 logged loss values"},
			FinalLevel:     &analysis.Derived{Value: 0.1105, How: "median of steps 676–750"},
			First:          &analysis.Cited{Value: 2.8099, Source: "all_logs.log:42"},
			Last:           &analysis.Cited{Value: 0.1286, Source: "all_logs.log:1540"},
			Explanation:    "train_loss is the arithmetic mean over 750 steps; the early steps (loss ≈ 2.8) pull it up. Judge the run by the final level, 0.11.",
		},
		Noise: &analysis.Noise{
			FromStep: 676, ToStep: 750, N: 75, Mean: 0.1105, Std: 0.0121, StdErr: 0.0014,
			Sigma:    der(0.0138, "sqrt(mean(diff²)/2) over steps 676–750"),
			LogScale: true,
			Last:     analysis.Cited{Value: 0.1286, Source: "all_logs.log:1540"}, LastStep: 750,
			Deviation: 1.31, Normal: true,
			Text: "The rise at step 750 is within 2σ of the window mean: normal noise from a 2-sample batch.",
		},
		Trend: &analysis.Trend{
			Metric: "loss", FromStep: 676, ToStep: 750, N: 75,
			SlopePerStep: -1.2e-5, SlopeLow: -4.1e-5, SlopeHigh: 1.6e-5,
			MannKendallZ: -0.82, P: 0.41, HorizonSteps: 250, Projected: -0.003, RelProjected: -0.027,
			NoiseSigma: 0.0138, Plateau: true,
			Level: 0.1105, Direction: "flat", HorizonWhat: "one more epoch",
			Text: "No significant trend over the last 10% of the run: a plateau.",
		},
		Accuracy: &analysis.Accuracy{
			Metric: "mean_token_accuracy",
			Rows: []analysis.Cited{
				{Value: 0.436, Source: "all_logs.log:42"},
				{Value: 0.957, Source: "all_logs.log:540"},
				{Value: 0.963, Source: "all_logs.log:1540"},
			},
			Steps:  []int64{1, 250, 750},
			Caveat: "Accuracy measures fit to the labels, not whether the answers are good; check generations.",
		},
		LRSchedule: analysis.LRSchedule{
			Present: true, Kind: "linear", WarmupSteps: 0, Peak: 2.0e-4, Final: 2.67e-7, FitError: 0.0021,
			Rows: []analysis.LRRow{
				{Step: 1, Value: 2.0e-4, Source: "all_logs.log:42"},
				{Step: 250, Value: 1.34e-4, Source: "all_logs.log:540"},
				{Step: 500, Value: 6.69e-5, Source: "all_logs.log:1040"},
				{Step: 750, Value: 2.67e-7, Source: "all_logs.log:1540"},
			},
			Text: "Linear decay to ~0: the loss flattened as the rate reached 0.",
		},
		Throughput: analysis.Throughput{
			RuntimeSeconds: &analysis.Cited{Value: 2484.2, Source: "all_logs.log:1542"},
			RuntimeHMS:     "0:41:24",
			SecondsPerIt:   &analysis.Cited{Value: 3.31, Source: "all_logs.log:1538"},
			SamplesPerSec:  &analysis.Cited{Value: 1.208, Source: "all_logs.log:1542"},
			GPUHourPrice:   2.48,
			GPUHours:       &analysis.Derived{Value: 0.69, How: "train_runtime / 3600 × 1 GPU"},
			Cost:           &analysis.Derived{Value: 1.71, How: "0.69 GPU h × 2.48 per hour"},
			Text:           "41 minutes for 750 steps.",
		},
		Eval: analysis.Eval{
			BestStep: -1,
			Text:     "No evaluation was logged: overfitting cannot be measured.",
			Hints: []string{
				"hint: token accuracy 96.3% at the end: the model reproduces the training answers",
				"hint: *epoch staircase*: the loss drops at each epoch boundary (memorisation)",
			},
			EarlyStop: []analysis.EarlyStop{},
			Other:     []analysis.Cited{},
		},
		Checkpoints: []analysis.CheckpointRow{
			{Step: 500, Path: "output/checkpoint-500", Kind: "checkpoint", TrainLoss: &analysis.Cited{Value: 0.1443, Source: "all_logs.log:1040"}, Use: "loss already low; try it to reduce overfitting risk"},
			{Step: 700, Path: "output/checkpoint-700", Kind: "checkpoint", TrainLoss: &analysis.Cited{Value: 0.0941, Source: "all_logs.log:1440"}, Use: "A/B test if step 750 generations are abnormal"},
			{Step: 750, Path: "output/final_lora", Kind: "final", TrainLoss: &analysis.Cited{Value: 0.1286, Source: "all_logs.log:1540"}, Use: "default deployment"},
		},
		CheckpointsRecommended: analysis.Recommendation{
			Step: 750, Path: "output/final_lora",
			Reason: "No eval set and no anomaly near the end: the final adapter.",
			Alternatives: []analysis.CheckpointRow{
				{Step: 700, Path: "output/checkpoint-700", Use: "A/B test if step 750 generations are abnormal"},
				{Step: 500, Path: "output/checkpoint-500", Use: "loss already low; try it to reduce overfitting risk"},
			},
		},
		AnotherEpoch: &analysis.AnotherEpoch{
			Available: true, HorizonSteps: 250, Method: "power law in the cumulative learning rate",
			ExpectedGain: -0.004, GainLow: -0.011, GainHigh: 0, LastValue: 0.1286,
			CostSeconds: 828, Cost: &analysis.Derived{Value: 0.57, How: "0.23 GPU h × 2.48 per hour"},
			Risk: "high: 1000 samples seen 3 times, no eval set",
			Text: "Not worth it: about -0.004 (range -0.011 to 0) on training loss, which measures memorisation.",
		},
		Spikes: []analysis.Spike{
			{Metric: "grad_norm", Step: 750, Value: 1.14, Z: 3.9, Source: "all_logs.log:1540"},
			{Metric: "grad_norm", Step: 3, Value: math.NaN(), Z: math.Inf(1), Source: "all_logs.log:46"},
		},
		Findings: []analysis.Finding{
			{Kind: "grad-norm-spike", Severity: analysis.SevWarning, Message: "single grad_norm spike at step 750 (1.14 vs usual 0.6–0.9); a single step is acceptable", Step: 750, Statistic: "modified z", Value: 3.9, Threshold: 3.5, Sources: []string{"all_logs.log:1540"}},
			{Kind: "loss-floor", Severity: analysis.SevInfo, Message: "SFT loss is cross-entropy | labels have randomness: a plateau near 0.1 is normal", FromStep: 676, ToStep: 750, Sources: []string{}},
		},
		Verdict: analysis.Verdict{
			Status: analysis.StatusConverged, Confidence: "high", Metric: "loss",
			Reason: "loss 2.81 → 0.13; flat over the last 10% (projected -0.003 over one more epoch, below the noise 0.014)",
		},
		Summary: []string{
			"2.81 → 0.13, main gain in the 1st epoch.",
			"train_loss 0.2587 is the full-run average, not final quality.",
			"Token accuracy 96% only indicates fit to labels.",
		},
		Warnings: []string{"all_logs.log:77: expected a Python dict after '{', got end of line"},
		Primary:  "loss",
	}
	r.Data = seedRun()
	return r
}

func der(v float64, how string) analysis.Derived { return analysis.Derived{Value: v, How: how} }

func milestone(label string, step int64, ep, loss, acc, gn, lr float64, line, idx int) analysis.Milestone {
	con := "all_logs.log:" + itoa(line)
	st := "output/checkpoint-750/trainer_state.json#log_history[" + itoa(idx) + "]"
	return analysis.Milestone{
		Label: label, Step: step, Epoch: ep,
		Metrics: map[string]float64{"loss": loss, "mean_token_accuracy": acc, "grad_norm": gn, "learning_rate": lr},
		MetricSources: map[string]string{
			"loss": con, "mean_token_accuracy": con, "grad_norm": con, "learning_rate": con,
		},
		Source:  con,
		Sources: []string{con, st},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// seedRun is a loss curve shaped like the seed's: a fast fall in the
// first epoch, then slow decline, with deterministic noise and a spike.
func seedRun() *trainlog.Run {
	run := trainlog.NewRun("lora_elderly_single")
	s := &trainlog.Series{Name: "loss", Keys: []string{"loss"}}
	for i := int64(1); i <= 750; i++ {
		v := 0.11 + 2.7*math.Exp(-float64(i)/35) + 0.1*math.Exp(-float64(i)/300)
		v *= 1 + 0.12*math.Sin(float64(i)*12.9898)
		if i == 400 {
			v = 0.9 // a spike the chart must keep
		}
		s.Points = append(s.Points, trainlog.Point{Step: i, Value: v, Epoch: float64(i) / 250,
			Source: trainlog.Source{File: "all_logs.log", Line: int(40 + 2*i)}})
	}
	run.Series["loss"] = s
	return run
}

// emptyReport is what a run with nothing usable looks like.
func emptyReport() *analysis.Report {
	return &analysis.Report{
		Schema:                 analysis.SchemaVersion,
		Run:                    analysis.RunInfo{Name: "empty"},
		Eval:                   analysis.Eval{BestStep: -1},
		CheckpointsRecommended: analysis.Recommendation{Step: -1},
		Verdict:                analysis.Verdict{Status: analysis.StatusInsufficientData, Reason: "no per-step loss was found", Confidence: "low"},
	}
}
