package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// The answer card's reasons for an overfitting or a stalled run, said
// with the run's own numbers: how much worse the eval got and what the
// train loss did meanwhile; where a run that never learned started and
// ended.

// overfitLine says why a run is overfitting: the best evaluation, how
// much worse the last one is (as a change a reader can check, and in
// units of the eval noise) and what the train loss did meanwhile.
func overfitLine(r *analysis.Report) string {
	e := r.Eval
	if e.Best == nil || e.Last == nil {
		return ""
	}
	s := fmt.Sprintf("%s best at step %s (%s), %s at the end", code(e.Metric), evalStep(r, e.BestStep), num(e.Best.Value), num(e.Last.Value))
	var why []string
	if e.Best.Value != 0 {
		why = append(why, signedPctOne((e.Last.Value-e.Best.Value)/math.Abs(e.Best.Value)))
	}
	if e.RiseSigma > 0 {
		why = append(why, sig(e.RiseSigma, 2)+"× its noise")
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, ", ") + ")"
	}
	at, last := evalTrainLoss(e, e.BestStep), evalTrainLoss(e, -1)
	switch {
	case at == nil || last == nil:
		return s + " while the train loss did not rise"
	case last.Value < at.Value:
		return s + fmt.Sprintf(" while the train loss fell %s → %s", num(at.Value), num(last.Value))
	}
	return s + fmt.Sprintf(" while the train loss stayed within its noise (%s → %s)", num(at.Value), num(last.Value))
}

// evalTrainLoss is the train loss logged with the evaluation at step s
// (the last evaluation when s is negative), nil when none was.
func evalTrainLoss(e analysis.Eval, s int64) *analysis.Cited {
	if len(e.Rows) == 0 {
		return nil
	}
	if s < 0 {
		return e.Rows[len(e.Rows)-1].TrainLoss
	}
	for _, row := range e.Rows {
		if row.Step == s {
			return row.TrainLoss
		}
	}
	return nil
}

// evalStep formats the step of an evaluation, marked ~ when it was
// estimated.
func evalStep(r *analysis.Report, s int64) string {
	for _, row := range r.Eval.Rows {
		if row.Step == s {
			return stepMark(s, row.StepEstimated)
		}
	}
	return step(s)
}

// evalEpoch is the epoch of the evaluation at step s, 0 when unknown.
func evalEpoch(r *analysis.Report, s int64) float64 {
	for _, row := range r.Eval.Rows {
		if row.Step == s {
			return row.Epoch
		}
	}
	return 0
}

// stallLine says why a run is stalled: no learning signal at all, or
// where the metric started and ended and why that is no improvement.
func stallLine(r *analysis.Report) string {
	rs := r.Verdict.Reason
	switch rs.Rule {
	case analysis.RuleNoSignal:
		return fmt.Sprintf("%s is exactly 0 with %s 0 or not logged at %d of %d logs: no learning signal (labels all masked, or nothing trainable), not a perfect fit",
			code("loss"), code("grad_norm"), rs.Count, rs.Of)
	case analysis.RuleNeverImproved:
		var ev *analysis.SeriesEvidence
		if r.Evidence != nil {
			ev = r.Evidence.Train
		}
		m := rs.Metric
		if m == "" {
			m = primary(r)
		}
		start, end := rs.Low, rs.High
		s := fmt.Sprintf("%s never improved meaningfully: %s at the start, %s at the end", code(m), num(start), num(end))
		if ev != nil && ev.GainFrom.N > 0 {
			start, end = ev.GainFrom.Level, ev.Final.Level
			s = fmt.Sprintf("%s never improved meaningfully: from %s (median of steps %s) to %s (mean of steps %s)", code(m), num(start),
				steps(ev.GainFrom.FromStep, ev.GainFrom.ToStep), num(end), steps(ev.Final.FromStep, ev.Final.ToStep))
		}
		greater := analysis.GreaterIsBetter(m)
		d := end - start
		if better := (d > 0) == greater; better && d != 0 && rs.Threshold > 0 {
			return s + fmt.Sprintf(", a gain of %s, less than the %s that would count", num(math.Abs(d)), num(rs.Threshold))
		}
		return s + ", " + changeWords(d, greater)
	}
	for _, f := range r.Findings {
		if f.Kind == analysis.KindStall {
			start, _ := f.Fact(analysis.QStart)
			end, _ := f.Fact(analysis.QEnd)
			return fmt.Sprintf("%s %s at the start, %s at the end (%s): it never improved meaningfully",
				code(f.Metric), num(start.Value), num(end.Value), changeWords(end.Value-start.Value, analysis.GreaterIsBetter(f.Metric)))
		}
	}
	return ""
}

// signedPctOne formats a relative change with its sign and one decimal:
// "+7.5%", "-0.3%".
func signedPctOne(f float64) string {
	s := pct(f)
	if math.Abs(f) >= 1 {
		s = wholePct(f)
	}
	if f > 0 {
		s = "+" + s
	}
	return s
}

// gainWords says a projected change in words, its sign never bare: a gain
// (an improvement is positive in the analysis) is "better", a loss
// "worse": "0.003178 better", "0.004058 worse".
func gainWords(v float64) string {
	switch {
	case v > 0:
		return num(v) + " better"
	case v < 0:
		return num(-v) + " worse"
	}
	return "no change"
}
