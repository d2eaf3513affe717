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
		loss.Append(trainlog.Point{Step: i, Value: 3 - float64(i)/200, Source: trainlog.Source{File: "console.log", Line: int(i) + 20}})
	}
	run.Series["loss"] = loss
	run.Series["eval_loss"] = trainlog.NewSeries("eval_loss", trainlog.Point{Step: 300, Value: 2.1, Source: trainlog.Source{File: "console.log", Line: 330}})
	st := watch.Status{Run: run, Step: 300, Total: 750, StepsPerSecond: 10, ETA: 45 * time.Second,
		Report: &analysis.Report{Verdict: analysis.Verdict{Status: analysis.StatusImproving, Reason: analysis.Reason{Rule: analysis.RuleTooFewPoints, Metric: strings.Repeat("a long metric ", 20)}}},
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

// TestLiveViewDropsInputEscapes: a file named with an OSC title sequence
// and a clear-screen sequence (issue 13, item 7) is shown in the live
// view and the plain lines without them: the only escapes written are
// the view's own (cursor up, clear to the end).
func TestLiveViewDropsInputEscapes(t *testing.T) {
	const name = "x\x1b]0;pwned\x07\x1b[2J.log"
	run := trainlog.NewRun("r")
	loss := &trainlog.Series{Name: "loss"}
	for i := int64(1); i <= 5; i++ {
		loss.Append(trainlog.Point{Step: i, Value: 2, Source: trainlog.Source{File: name, Line: int(i)}})
	}
	run.Series["loss"] = loss
	run.Series["eval_loss"] = trainlog.NewSeries("eval_loss", trainlog.Point{Step: 5, Value: 2.1, Source: trainlog.Source{File: name, Line: 9}})
	st := watch.Status{Run: run, Step: 5, Total: 10, Done: true,
		Alerts: []watch.Alert{{Kind: watch.KindNonFinite, Severity: "error", Step: 3, Message: "non-finite loss \x1b[2J", Sources: []string{name + ":3"}}}}
	for _, tty := range []bool{true, false} {
		var out strings.Builder
		s := testStreams(nil, &out, &out)
		s.outIsTTY = tty
		v := newWatchView(s, "run/"+name)
		v.update(st)
		v.alert(st.Alerts[0])
		v.update(st)
		got := out.String()
		mine := strings.NewReplacer("\x1b[J", "", "\x1b[1A", "", "\x1b[2A", "", "\x1b[3A", "", "\x1b[4A", "", "\x1b[5A", "", "\x1b[6A", "", "\x1b[7A", "").Replace(got)
		if strings.ContainsAny(mine, "\x1b\x07") {
			t.Errorf("terminal %v: escapes from the input reach the output:\n%q", tty, got)
		}
		if !strings.Contains(got, "x]0;pwned[2J.log:") {
			t.Errorf("terminal %v: the file name is not shown:\n%q", tty, got)
		}
	}
}
