package report

import (
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// bigReport is the seed report with a million-step loss series behind
// the chart, 2,000 evaluations and 5,000 warnings: the size of a long
// pretraining log.
func bigReport(b *testing.B) *analysis.Report {
	b.Helper()
	r := seedReport(b)
	run := trainlog.NewRun("big")
	s := &trainlog.Series{Name: "loss"}
	for i := range 1_000_000 {
		s.Append(trainlog.Point{Step: int64(i + 1), Value: 0.1 + 3*math.Exp(-float64(i)/1e5) + 0.01*math.Sin(float64(i))})
	}
	run.Series["loss"] = s
	r.Data = run
	r.Eval.Present, r.Eval.Metric, r.Eval.BestStep = true, "eval_loss", 1000
	for i := range 2000 {
		r.Eval.Rows = append(r.Eval.Rows, analysis.EvalRow{Step: int64(i * 500), Value: 1 + float64(i)/1e4,
			Source: "trainer_state.json#log_history[" + strconv.Itoa(i) + "]"})
	}
	for i := range 5000 {
		r.Warnings = append(r.Warnings, analysis.Warning{Source: "console.log:" + strconv.Itoa(i), Message: "expected a Python dict"})
	}
	return r
}

func BenchmarkWriteText(b *testing.B) {
	r := bigReport(b)
	for b.Loop() {
		if err := WriteText(io.Discard, r, Options{Chart: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteMarkdown(b *testing.B) {
	r := bigReport(b)
	for b.Loop() {
		if err := WriteMarkdown(io.Discard, r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJSON(b *testing.B) {
	r := bigReport(b)
	for b.Loop() {
		if err := WriteJSON(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
