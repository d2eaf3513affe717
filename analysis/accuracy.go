package analysis

import (
	"math"

	"github.com/plateau-dev/plateau/internal/stats"

	"github.com/plateau-dev/plateau/trainlog"
)

// accuracyMetrics are the training accuracy series, in order of
// preference.
var accuracyMetrics = []string{"mean_token_accuracy", "accuracy", "rewards/accuracies"}

// accuracy reports the training accuracy at the milestone steps, with the
// caveat that it measures the fit to the training labels (the seed
// article's section 4). When the logged values are coarse (multiples of
// 1/m for a batch of m pairs or examples, see batchQuantum), single
// values mean little, and the means of the first and final windows tell
// the start and the end instead.
func accuracy(run *analyzer, opts Options) *Accuracy {
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
	c := finiteCurve(run, s.Name)
	if a.Quantum = batchQuantum(c); a.Quantum > 0 {
		// Single values of a coarse per-batch accuracy mean little.
		a.FirstLevel, a.FinalLevel = accuracyLevels(c, opts)
	}
	switch {
	case a.Metric == "mean_token_accuracy":
		a.Kind = AccTokens
	case pairwiseAccuracy(run, a.Metric):
		a.Kind = AccPairwise
		if a.Metric == "accuracy" {
			a.CopyOf = "rewards/accuracies"
		}
		if a.FinalLevel != nil && nearChance(a.FinalLevel.Value) {
			a.NearChance = true
			if lvl, how, ok := lossAtLn2(run); ok {
				a.LossAtLn2 = &Derived{Value: lvl, How: how}
			}
		}
	default:
		a.Kind = AccBatch
	}
	if e := run.Get("eval_" + a.Metric); e.Len() > 0 {
		p := e.Point(e.Len() - 1)
		a.Eval, a.EvalStep = citePoint(p), p.Step
	}
	return a
}

// accuracyLevels returns the means of the first and of the final window
// of an accuracy curve (opts.TailFraction of the steps each, at least
// minLevelPoints points; see finalLevel), or nil without enough points.
func accuracyLevels(c *curve, opts Options) (first, final *Derived) {
	if c.len() < 2*minLevelPoints {
		return nil, nil
	}
	lvl, i0 := finalLevel(c, opts)
	j := c.len() - 1
	cut := c.x[0] + opts.TailFraction*(c.x[c.len()-1]-c.x[0])
	for j > 0 && c.x[j] > cut {
		j--
	}
	j = max(j, minLevelPoints-1)
	first = &Derived{Value: stats.Mean(c.y[:j+1]), How: How{Method: MethodWindowMean, Metric: c.name,
		FromStep: c.step(0), ToStep: c.step(j), N: j + 1, First: true}}
	final = &Derived{Value: lvl, How: finalLevelDerivation(c, i0, opts)}
	return first, final
}

// batchQuantum returns the smallest m (up to 64) such that every value of
// c is a multiple of 1/m, or 0: the values then come from batches of m
// items (or a divisor of m).
func batchQuantum(c *curve) int {
	if c.len() < 2*minLevelPoints {
		return 0
	}
	for m := 1; m <= 64; m++ {
		ok := true
		for _, v := range c.y {
			x := v * float64(m)
			if math.Abs(x-math.Round(x)) > 1e-6 {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	return 0
}

// pairwiseAccuracy reports an accuracy over preference pairs:
// rewards/accuracies, or the accuracy of a preference or reward-model run
// (LLaMA-Factory's trainer_log.jsonl copies rewards/accuracies into
// accuracy).
func pairwiseAccuracy(run *analyzer, metric string) bool {
	if metric == "rewards/accuracies" {
		return true
	}
	if metric != "accuracy" {
		return false
	}
	switch run.family().family {
	case FamilyDPO, FamilyORPO, FamilyKTO, FamilyReward:
		return true
	}
	return false
}

// lossAtLn2 returns the final level of the loss when it is within 0.05
// of ln 2, the pairwise loss of a model that cannot rank the pair.
func lossAtLn2(run *analyzer) (float64, How, bool) {
	c := finiteCurve(run, "loss")
	if c.len() < minLevelPoints {
		return 0, How{}, false
	}
	lvl, i0 := finalLevel(c, DefaultOptions)
	return lvl, finalLevelDerivation(c, i0, DefaultOptions), math.Abs(lvl-math.Ln2) < 0.05
}
