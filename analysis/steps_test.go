package analysis

import (
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// TestReportStepEstimated has one row per case of a step printed in a
// sentence: estimated only when every value logged at that step had its
// step estimated.
func TestReportStepEstimated(t *testing.T) {
	pt := func(step int64, by trainlog.StepEvidence, est bool) trainlog.Point {
		return trainlog.Point{Step: step, Value: 1, StepBy: by, StepEstimated: est}
	}
	run := trainlog.NewRun("r")
	run.Series["loss"] = trainlog.NewSeries("loss",
		pt(5, trainlog.StepCadence, true), pt(10, trainlog.StepRedraw, false), pt(15, trainlog.StepCadence, true), pt(20, trainlog.StepLR, true))
	run.Series["eval_loss"] = trainlog.NewSeries("eval_loss",
		pt(15, trainlog.StepRead, false), pt(20, trainlog.StepFollows, true))
	r := &Report{Data: run}
	for _, tc := range []struct {
		step int64
		want string
	}{
		{5, "cadence"},  // the only value at 5 was estimated
		{10, ""},        // fixed exactly
		{15, ""},        // the eval at 15 was read
		{20, "follows"}, // both estimated: the first name in order
		{7, ""},         // nothing logged at 7
		{-1, ""},        // no step
	} {
		if got := r.StepEstimated(tc.step); got != tc.want {
			t.Errorf("StepEstimated(%d) = %q, want %q", tc.step, got, tc.want)
		}
	}
	if got := (&Report{}).StepEstimated(5); got != "" {
		t.Errorf("a report without data: %q", got)
	}
}
