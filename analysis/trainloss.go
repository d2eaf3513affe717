package analysis

import (
	"math"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// TrainLossTolerance is the relative difference below which train_loss
// and the final level are said to agree.
const TrainLossTolerance = 0.05

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
			tl.Relation = TLSummaryLast
		case tl.Reported != nil:
			tl.Relation = TLSummaryOnly
		default:
			tl.Relation = TLNoLoss
		}
		return tl
	}
	n := c.len()
	first, last := c.point(0), c.point(n-1)
	tl.First, tl.Last = citePoint(first), citePoint(last)
	how := How{Method: MethodRunMean, Metric: "loss", FromStep: first.Step, ToStep: last.Step, N: n}
	if ls := loggingSteps(run); ls > 1 {
		how.Window = ls
	}
	tl.RecomputedMean = &Derived{Value: stats.Mean(c.y), How: how}
	// The final level is the report's one definition of a current level
	// (see finalLevel).
	level, i0 := finalLevel(c, opts)
	tl.FinalLevel = &Derived{Value: level, How: finalLevelDerivation(c, i0, opts)}
	relateTrainLoss(run, &tl, c)
	return tl
}

// finalLevelDerivation says how finalLevel measured the level of c.
func finalLevelDerivation(c *curve, i0 int, opts Options) How {
	last := c.point(c.len() - 1)
	if i0 == c.len()-1 {
		return How{Method: MethodLastValue, Metric: c.name, FromStep: last.Step, ToStep: last.Step, N: 1,
			Sources: []string{last.Source.String()}}
	}
	return How{Method: MethodWindowMean, Metric: c.name, FromStep: c.step(i0), ToStep: last.Step,
		N: c.len() - i0, Fraction: opts.TailFraction}
}

// relateTrainLoss says how the run's mean loss relates to its final
// level: they agree, the early losses pull the mean up, or the loss rose
// late; and whether the reported train_loss differs from the mean of the
// logged losses (a resume biases it low).
func relateTrainLoss(run *analyzer, tl *TrainLoss, c *curve) {
	if tl.Reported != nil {
		rec := tl.RecomputedMean.Value
		if d := relDiff(rec, *tl.Reported); math.Abs(d) > 0.02 {
			tl.ReportedGap = d
			tl.Resumed = hasRestart(run) && *tl.Reported < rec
		}
	}
	// A train_loss biased by a resume says nothing of the curve: the
	// relation is that of the logged losses' own mean.
	mean, level := tl.RecomputedMean.Value, tl.FinalLevel.Value
	if tl.Reported != nil && !tl.Resumed {
		mean = *tl.Reported
	}
	n := c.len()
	rel := relDiff(mean, level)
	switch {
	case n < 2:
		tl.Relation = TLOnePoint
	case nearZeroLoss(c.y):
		tl.Relation = TLNearZero
	case math.Abs(rel) <= TrainLossTolerance:
		tl.Relation = TLAgrees
	case mean > level:
		k := max(1, n/10)
		tl.Relation = TLPulledUp
		tl.EarlyPoints = k
		tl.EarlyShare = stats.KahanSum(c.y[:k]) / stats.KahanSum(c.y)
	default:
		tl.Relation = TLRoseLate
	}
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
		d = append(d, float64(s.Step(i)-s.Step(i-1)))
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
