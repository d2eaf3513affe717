package report

import (
	"math"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/seedrun"
	"github.com/plateau-dev/plateau/trainlog"
)

// seedReport is the report of the seed article's run, reconstructed by
// internal/seedrun (750 steps of LoRA SFT, no eval set, checkpoints 500
// and 700 and a final adapter) and analysed as the CLI does. Its root is
// shown as "LoRA_Demo", as in the article, so the goldens do not depend
// on the temporary directory.
func seedReport(t testing.TB) *analysis.Report {
	t.Helper()
	dir := t.TempDir()
	if err := seedrun.Write(dir); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run.Name, run.Root = "lora_elderly_single", "LoRA_Demo"
	return analysis.Analyze(run, analysis.DefaultOptions)
}

// seedRun is a synthetic loss curve shaped like the seed's: a fast fall in the
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
		s.Append(trainlog.Point{Step: i, Value: v, Epoch: float64(i) / 250,
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
		CheckpointsRecommended: analysis.Recommendation{Step: -1, Basis: analysis.RecNone, BestStep: -1, Anomaly: -1},
		Verdict:                analysis.Verdict{Status: analysis.StatusInsufficientData, Reason: analysis.Reason{Rule: analysis.RuleNoData, Metric: "loss"}, Confidence: analysis.ConfidenceHigh},
		LRSchedule:             analysis.LRSchedule{State: analysis.SchedNotLogged},
		TrainLoss:              analysis.TrainLoss{Relation: analysis.TLNoLoss},
	}
}
