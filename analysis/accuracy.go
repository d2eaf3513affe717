package analysis

import (
	"fmt"
	"math"
	"strings"

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
	if c := finiteCurve(run, s.Name); batchQuantum(c) > 0 {
		// Single values of a coarse per-batch accuracy mean little.
		a.FirstLevel, a.FinalLevel = accuracyLevels(c, opts)
	}
	a.Caveat = accuracyCaveat(run, a)
	return a
}

// accuracyCaveat says what the metric measures and what it does not.
// The start and the end of the run are told by window means (see
// accuracyLevels), not by single logged values: a per-batch accuracy over
// a few pairs or examples jumps by large steps from one log to the next.
func accuracyCaveat(run *analyzer, a *Accuracy) string {
	var b strings.Builder
	c := finiteCurve(run, a.Metric)
	if a.FirstLevel != nil && a.FinalLevel != nil {
		fmt.Fprintf(&b, "%s averages %s over the first steps (%s) and %s over the last (%s). ", a.Metric,
			fmtAccuracy(a.FirstLevel.Value), a.FirstLevel.How, fmtAccuracy(a.FinalLevel.Value), a.FinalLevel.How)
	} else if n := len(a.Rows); n > 0 {
		fmt.Fprintf(&b, "%s went from %s at step %d to %s at step %d. ", a.Metric,
			fmtAccuracy(a.Rows[0].Value), a.Steps[0], fmtAccuracy(a.Rows[n-1].Value), a.Steps[n-1])
	}
	if m := batchQuantum(c); m > 0 {
		fmt.Fprintf(&b, "Each logged value is a multiple of 1/%d: it is the share of a batch of a few pairs or examples, so a single value means little; the window means above are what to read. ", m)
	}
	switch {
	case a.Metric == "mean_token_accuracy":
		b.WriteString("It is the share of next tokens that match the training labels (teacher forcing): it measures how well the model reproduces its training answers, not whether it generalises or answers well; check held-out data or read generations.")
	case pairwiseAccuracy(run, a.Metric):
		if a.Metric == "accuracy" {
			b.WriteString("LLaMA-Factory's accuracy is a copy of rewards/accuracies: ")
		} else {
			b.WriteString("It is ")
		}
		b.WriteString("the share of training pairs whose chosen answer gets a higher reward than the rejected one: fit to the training preferences, not quality on new prompts.")
		if a.FinalLevel != nil && nearChance(a.FinalLevel.Value) {
			fmt.Fprintf(&b, " At %s it is about the 50%% chance level of a pair", fmtAccuracy(a.FinalLevel.Value))
			if lvl, ok := lossAtLn2(run); ok {
				fmt.Fprintf(&b, ", and the loss ends at %s, about ln 2 = 0.693, the loss of a model that cannot yet rank the pairs", fmtNum(lvl))
			}
			b.WriteString(": the preference is not learned yet.")
		}
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
	first = &Derived{Value: stats.Mean(c.y[:j+1]), How: fmt.Sprintf("mean of the %d values over steps %d-%d", j+1, c.pts[0].Step, c.pts[j].Step)}
	final = &Derived{Value: lvl, How: fmt.Sprintf("mean of the %d values over steps %d-%d", c.len()-i0, c.pts[i0].Step, c.pts[c.len()-1].Step)}
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
	switch detectFamily(run) {
	case FamilyDPO, FamilyORPO, FamilyKTO, FamilyReward:
		return true
	}
	return false
}

// lossAtLn2 returns the final level of the loss when it is within 0.05
// of ln 2, the pairwise loss of a model that cannot rank the pair.
func lossAtLn2(run *analyzer) (float64, bool) {
	c := finiteCurve(run, "loss")
	if c.len() < minLevelPoints {
		return 0, false
	}
	lvl, _ := finalLevel(c, DefaultOptions)
	return lvl, math.Abs(lvl-math.Ln2) < 0.05
}

// fmtAccuracy formats a share in [0, 1] as a percentage, other values as
// numbers.
func fmtAccuracy(v float64) string {
	if v >= 0 && v <= 1 {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return fmtNum(v)
}
