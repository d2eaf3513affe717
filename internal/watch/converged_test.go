package watch

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// convergingConsole is a console log of a run planned for planned steps
// whose loss saturates early (3 -> 1, e-folding over 8% of the run) at a
// constant learning rate, logged every 5 steps up to step last.
func convergingConsole(planned, last int) []byte {
	var b bytes.Buffer
	b.WriteString("[transformers] ***** Running training *****\n")
	fmt.Fprintf(&b, "[transformers]   Num Epochs = 1\n[transformers]   Total optimization steps = %d\n", planned)
	rng := rand.New(rand.NewPCG(3, 4))
	for s := 5; s <= last; s += 5 {
		p := float64(s) / float64(planned)
		loss := (1 + 2*math.Exp(-p/0.08)) * math.Exp(0.004*rng.NormFloat64())
		fmt.Fprintf(&b, "{'loss': '%.5g', 'grad_norm': '0.8', 'learning_rate': '1e-4', 'epoch': '%.4g'}\n", loss, p)
	}
	return b.Bytes()
}

// TestConvergedAlertIsTheVerdict replays 60% of a run that converged
// early: the "converged: you can stop" alert fires, and it is the
// verdict's own call and reason, as plateau report gives them for the
// same log.
func TestConvergedAlertIsTheVerdict(t *testing.T) {
	const planned, last = 2000, 1200
	data := convergingConsole(planned, last)
	dir := t.TempDir()
	c, cancel, done := startWatch(t, dir, false)
	replay(t, filepath.Join(dir, "train.log"), data, 40, 5*time.Millisecond, nil)
	// The alert comes from an analysis of the live run: one may still be
	// due when the last line is written, however slow the machine.
	var alert Alert
	waitUntil(t, "the converged alert", func() (ok bool) { alert, _, ok = c.get(KindConverged); return ok })
	cancel()
	<-done
	t.Log(alert.Message)
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	if r.Verdict.Status != analysis.StatusConverged || r.Verdict.Confidence == analysis.ConfidenceLow {
		t.Fatalf("verdict of the full log %s (%s): the alert should not have fired", r.Verdict.Status, r.Verdict.Confidence)
	}
	if !strings.HasPrefix(alert.Message, "converged: you can stop. ") {
		t.Errorf("alert %q", alert.Message)
	}
	// The alert may have fired a few steps before the end: it quotes the
	// verdict of its own analysis, by the same rule.
	if !strings.Contains(alert.Message, "practically") && !strings.Contains(alert.Message, "Diminishing returns") {
		t.Errorf("alert %q does not give the verdict's reason (%s)", alert.Message, report.VerdictSentence(r))
	}
	if !strings.Contains(alert.Message, "steps under the logged schedule are forecast to gain") {
		t.Errorf("alert %q does not give the forecast of the rest of the run", alert.Message)
	}
}
