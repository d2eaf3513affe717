package analysis

import (
	"fmt"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// accuracyMetrics are the training accuracy series, in order of
// preference.
var accuracyMetrics = []string{"mean_token_accuracy", "accuracy", "rewards/accuracies"}

// accuracy reports the training accuracy at the milestone steps, with the
// caveat that it measures the fit to the training labels (the seed
// article's section 4).
func accuracy(run *trainlog.Run) *Accuracy {
	var s *trainlog.Series
	for _, n := range accuracyMetrics {
		if t := run.Get(n); t.Len() > 0 {
			s = t
			break
		}
	}
	if s == nil {
		return nil
	}
	a := &Accuracy{Metric: s.Name, Rows: []Cited{}, Steps: []int64{}}
	seen := map[int64]bool{}
	for _, step := range milestoneSteps(milestones(run)) {
		p, ok := s.At(step)
		if !ok {
			p, ok = s.Nearest(step)
		}
		if !ok || !p.Finite() || seen[p.Step] {
			continue
		}
		seen[p.Step] = true
		a.Rows = append(a.Rows, *citePoint(p))
		a.Steps = append(a.Steps, p.Step)
	}
	a.Caveat = accuracyCaveat(run, a)
	return a
}

// accuracyCaveat says what the metric measures and what it does not.
func accuracyCaveat(run *trainlog.Run, a *Accuracy) string {
	var b strings.Builder
	if n := len(a.Rows); n > 0 {
		fmt.Fprintf(&b, "%s went from %s at step %d to %s at step %d. ", a.Metric,
			fmtAccuracy(a.Rows[0].Value), a.Steps[0], fmtAccuracy(a.Rows[n-1].Value), a.Steps[n-1])
	}
	switch a.Metric {
	case "mean_token_accuracy":
		b.WriteString("It is the share of next tokens that match the training labels (teacher forcing): it measures how well the model reproduces its training answers, not whether it generalises or answers well; check held-out data or read generations.")
	case "rewards/accuracies":
		b.WriteString("It is the share of training pairs whose chosen answer gets a higher implicit reward than the rejected one: fit to the training preferences, not quality on new prompts.")
	default:
		b.WriteString("It is measured on the training batches: fit to the training labels, not generalisation.")
	}
	if e := run.Get("eval_" + a.Metric); e.Len() > 0 {
		p := e.Points[e.Len()-1]
		fmt.Fprintf(&b, " Held-out eval_%s was logged: %s at step %d (%s).", a.Metric, fmtAccuracy(p.Value), p.Step, p.Source)
	} else {
		fmt.Fprintf(&b, " No held-out eval_%s was logged.", a.Metric)
	}
	return b.String()
}

// fmtAccuracy formats a share in [0, 1] as a percentage, other values as
// numbers.
func fmtAccuracy(v float64) string {
	if v >= 0 && v <= 1 {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return fmtNum(v)
}
