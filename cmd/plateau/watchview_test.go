package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/watch"
	"github.com/plateau-dev/plateau/trainlog"
)

// TestLiveText checks the terminal view: one line per item, none wider
// than the terminal (so the view can be erased and redrawn in place), and
// the numbers with their sources.
func TestLiveText(t *testing.T) {
	run := trainlog.NewRun("r")
	loss := &trainlog.Series{Name: "loss"}
	for i := int64(1); i <= 300; i++ {
		loss.Points = append(loss.Points, trainlog.Point{Step: i, Value: 3 - float64(i)/200, Source: trainlog.Source{File: "console.log", Line: int(i) + 20}})
	}
	run.Series["loss"] = loss
	run.Series["eval_loss"] = &trainlog.Series{Name: "eval_loss", Points: []trainlog.Point{{Step: 300, Value: 2.1, Source: trainlog.Source{File: "console.log", Line: 330}}}}
	st := watch.Status{Run: run, Step: 300, Total: 750, StepsPerSecond: 10, ETA: 45 * time.Second,
		Report: &analysis.Report{Verdict: analysis.Verdict{Status: "improving", Reason: strings.Repeat("a long reason ", 20)}},
		Alerts: []watch.Alert{{Kind: watch.KindLossSpike, Severity: "warning", Step: 120, Message: "loss spike at step 120", Sources: []string{"console.log:140"}}}}
	text := fitWidth(liveText(st, "run/", 80), 80)
	for _, want := range []string{"step 300/750 (40%)", "ETA 45s", "loss 1.5", "(console.log:320)", "eval_loss 2.1 at step 300 (console.log:330)", "verdict: improving", "alert: [warning] loss spike at step 120 (console.log:140)"} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n >= 80 {
			t.Errorf("line of %d runes on an 80-column terminal: %q", n, line)
		}
	}
}
