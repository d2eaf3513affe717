package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// trainLossTol is the relative difference below which train_loss and the
// final level are said to agree.
const trainLossTol = 0.05

// trainLoss compares the end-of-training train_loss, which is the mean of
// the whole run, with the level the loss curve ends at (the seed
// article's section 3.2: "train_loss 0.2587 vs final 0.1286").
func trainLoss(run *analyzer, opts Options) TrainLoss {
	var tl TrainLoss
	if v, ok := run.Summary["train_loss"]; ok && finite(v.Value) {
		x := v.Value
		tl.Reported, tl.Source = &x, v.Source.String()
	}
	c := finiteCurve(run, "loss")
	if c.len() == 0 {
		last, hasLast := run.Summary["loss"]
		hasLast = hasLast && finite(last.Value)
		if hasLast {
			tl.Last = citeValue(last)
		}
		switch {
		case tl.Reported != nil && hasLast:
			tl.Explanation = fmt.Sprintf("train_loss %s is the mean loss of the whole run. No per-step loss was logged, only the last one in the summary, %s (%s): one batch's loss, noisy, but it shows where the run ended better than the mean does.", fmtNum(*tl.Reported), fmtNum(last.Value), last.Source)
		case tl.Reported != nil:
			tl.Explanation = fmt.Sprintf("train_loss %s is the mean loss of the whole run; no per-step loss was logged, so the level the run ended at cannot be told.", fmtNum(*tl.Reported))
		default:
			tl.Explanation = "No train_loss and no per-step loss were logged: cannot compare the run's mean with its final level."
		}
		return tl
	}
	n := c.len()
	first, last := c.pts[0], c.pts[n-1]
	tl.First, tl.Last = citePoint(first), citePoint(last)
	how := fmt.Sprintf("sum of the %d logged losses (steps %d-%d) / %d", n, first.Step, last.Step, n)
	if ls := loggingSteps(run); ls > 1 {
		how += fmt.Sprintf("; each logged loss is the mean of a %d-step window, and Transformers computes train_loss as the sum of the window losses (times their length) / global_step, so the two agree up to the last partial window", ls)
	}
	tl.RecomputedMean = &Derived{Value: stats.Mean(c.y), How: how}
	// The final level is the report's one definition of a current level
	// (see finalLevel).
	level, i0 := finalLevel(c, opts)
	tl.FinalLevel = &Derived{Value: level, How: finalLevelHow(c, i0, opts)}
	tl.Explanation = explainTrainLoss(run, tl, c)
	return tl
}

// explainTrainLoss says in plain words why the run's mean loss differs
// from its final level, or that they agree.
func explainTrainLoss(run *analyzer, tl TrainLoss, c *curve) string {
	mean, level := tl.RecomputedMean.Value, tl.FinalLevel.Value
	name := "the mean of the logged losses"
	if tl.Reported != nil {
		mean, name = *tl.Reported, "train_loss "+fmtNum(*tl.Reported)
	}
	n := c.len()
	if n < 2 {
		return fmt.Sprintf("Only one loss was logged (%s at step %d): %s cannot be compared with a final level.", fmtNum(c.y[0]), c.pts[0].Step, name)
	}
	var text string
	rel := relDiff(mean, level)
	switch {
	case nearZeroLoss(c.y):
		text = fmt.Sprintf("The loss is near 0 or negative throughout (%s at step %d, final level %s), as in GRPO- and PPO-style trainers whose loss is about 0 by construction: %s and the final level say nothing about learning; judge the run by its reward.",
			fmtNum(c.y[0]), c.pts[0].Step, fmtNum(level), name)
	case math.Abs(rel) <= trainLossTol:
		text = fmt.Sprintf("%s and the final level %s agree within %.0f%%: the loss moved little over the run, so its mean is also where it ended.",
			capitalise(name), fmtNum(level), 100*trainLossTol)
	case mean > level:
		k := max(1, n/10)
		early := stats.KahanSum(c.y[:k]) / stats.KahanSum(c.y)
		text = fmt.Sprintf("%s is the mean over all %d logged steps, not the loss at the end: the early, high losses (%s at step %d) pull it up; the first %d logged steps alone make up %.0f%% of the sum. The curve ends at %s (%s), %.0f%% lower. Judge the run by the final level, not by train_loss.",
			capitalise(name), n, fmtNum(c.y[0]), c.pts[0].Step, k, 100*early, fmtNum(level), tl.FinalLevel.How, 100*(mean-level)/math.Abs(mean))
	default:
		text = fmt.Sprintf("%s is below the final level %s (%s): the loss ended higher than its run average, so it rose late in the run.",
			capitalise(name), fmtNum(level), tl.FinalLevel.How)
	}
	if tl.Reported != nil {
		rec := tl.RecomputedMean.Value
		if d := relDiff(rec, *tl.Reported); math.Abs(d) > 0.02 {
			text += fmt.Sprintf(" The mean of the logged losses is %s (%+.0f%% from train_loss)", fmtNum(rec), 100*d)
			if hasRestart(run) && *tl.Reported < rec {
				text += ": the run was resumed, and Transformers restarts the loss accumulator at 0 on resume while global_step does not, so train_loss is biased low."
			} else {
				text += ": the logged losses are window means or do not cover every step."
			}
		}
	}
	return text
}

// nearZeroLoss reports a loss that is about 0 by construction: negative
// values, or all values below 0.001 in magnitude.
func nearZeroLoss(ys []float64) bool {
	small := true
	for _, y := range ys {
		if y < 0 {
			return true
		}
		if math.Abs(y) >= 1e-3 {
			small = false
		}
	}
	return small
}

// relDiff returns (a-b)/|b|, or a-b when b is near 0 (GRPO-style losses).
func relDiff(a, b float64) float64 {
	if math.Abs(b) < 1e-9 {
		return a - b
	}
	return (a - b) / math.Abs(b)
}

// hasRestart reports whether the run was resumed.
func hasRestart(run *analyzer) bool {
	if _, ok := run.Geometry[trainlog.GeoResumedFrom]; ok {
		return true
	}
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventRestart {
			return true
		}
	}
	return false
}

// loggingSteps returns the logging interval: logging_steps when logged,
// else the median spacing of the logged losses (0 when unknown).
func loggingSteps(run *analyzer) int64 {
	if v, ok := run.Geometry[trainlog.GeoLoggingSteps]; ok && v.Value >= 1 {
		return int64(v.Value)
	}
	s := run.Get("loss")
	if s.Len() < 3 {
		return 0
	}
	d := make([]float64, 0, s.Len()-1)
	for i := 1; i < s.Len(); i++ {
		d = append(d, float64(s.Points[i].Step-s.Points[i-1].Step))
	}
	return int64(stats.MedianInPlace(d))
}

// capitalise upper-cases a leading "the", leaving metric names such as
// train_loss as they are logged.
func capitalise(s string) string {
	if strings.HasPrefix(s, "the ") {
		return "The" + s[3:]
	}
	return s
}
