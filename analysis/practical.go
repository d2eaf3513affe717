package analysis

import (
	"fmt"
	"math"
	"strings"
)

// A change is of practical size when it is at least opts.PlateauRel of
// the current level (methods §3). Preference margins are the exception:
// a DPO-style margin is a log-odds (the implied probability that the
// chosen answer is preferred is sigmoid(margin), the Bradley-Terry model
// the loss -log sigmoid(margin) fits), it starts near 0, and a relative
// change of a level near 0 means nothing. A margin's change is of
// practical size when it moves that implied probability by at least
// opts.PlateauRel (1 percentage point by default).

// isMargin reports a preference margin (rewards/margins of DPO, ORPO,
// KTO; their eval_ copies).
func isMargin(name string) bool { return strings.Contains(strings.ToLower(name), "margin") }

// sigmoid is the logistic function.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// practical reports whether a change of the named metric from level is
// of practical size.
func practical(name string, level, change float64, opts Options) bool {
	if isMargin(name) {
		return math.Abs(sigmoid(level+change)-sigmoid(level)) >= opts.PlateauRel
	}
	return math.Abs(change) >= opts.PlateauRel*math.Abs(level)
}

// practicalGain returns the smallest improvement of the named metric from
// level that is of practical size (in the metric's units).
func practicalGain(name string, level float64, greater bool, opts Options) float64 {
	if !isMargin(name) {
		return opts.PlateauRel * math.Abs(level)
	}
	p := sigmoid(level)
	if greater {
		p = math.Min(p+opts.PlateauRel, 1-1e-12)
	} else {
		p = math.Max(p-opts.PlateauRel, 1e-12)
	}
	return math.Abs(math.Log(p/(1-p)) - level)
}

// practicalWhat says what counts as a change of practical size.
func practicalWhat(name string, opts Options) string {
	if isMargin(name) {
		return fmt.Sprintf("%s percentage point of the implied preference probability sigmoid(margin)", fmtNum(100*opts.PlateauRel))
	}
	return fmtRel(opts.PlateauRel) + " of the level"
}

// impliedPreference describes margins as implied preference
// probabilities: "sigmoid(margin) 50.04% -> 50.07%".
func impliedPreference(from, to float64) string {
	return fmt.Sprintf("implied preference probability sigmoid(margin) %s -> %s", fmtProb(sigmoid(from)), fmtProb(sigmoid(to)))
}

// fmtProb formats a probability as a percentage with enough decimals to
// show a change near 50%.
func fmtProb(p float64) string {
	if math.Abs(p-0.5) < 0.01 {
		return fmt.Sprintf("%.2f%%", 100*p)
	}
	return fmt.Sprintf("%.1f%%", 100*p)
}

// chanceBand is the distance from 0.5 within which a pairwise accuracy
// (the share of preference pairs ranked right) is at about the chance
// level of a pair.
const chanceBand = 0.1

// nearChance reports a pairwise accuracy at about the chance level.
func nearChance(acc float64) bool { return math.Abs(acc-0.5) < chanceBand }

// preferenceAccuracies describes the pairwise accuracies of a preference
// run for a verdict: the mean training rewards/accuracies over the final
// window and the held-out eval_rewards/accuracies, each said to be at
// about the chance level when it is (see nearChance).
func preferenceAccuracies(run *analyzer, opts Options) string {
	var parts []string
	if c := finiteCurve(run, "rewards/accuracies"); c.len() > 0 {
		lvl, i0 := finalLevel(c, opts)
		p := fmt.Sprintf("the training rewards/accuracies averages %s over steps %d-%d", fmtProb(lvl), c.pts[i0].Step, c.pts[c.len()-1].Step)
		if nearChance(lvl) {
			p += ", about the 50% chance level of a pair"
		}
		parts = append(parts, p)
	}
	if v, ok := run.Summary["eval_rewards/accuracies"]; ok && finite(v.Value) {
		p := fmt.Sprintf("the held-out eval_rewards/accuracies is %s (%s)", fmtProb(v.Value), v.Source)
		if nearChance(v.Value) {
			p += ", about the 50% chance level of a pair"
		}
		parts = append(parts, p)
	} else if e := finiteCurve(run, "eval_rewards/accuracies"); e.len() > 0 {
		last := e.pts[e.len()-1]
		p := fmt.Sprintf("the held-out eval_rewards/accuracies is %s at step %d (%s)", fmtProb(last.Value), last.Step, last.Source)
		if nearChance(last.Value) {
			p += ", about the 50% chance level of a pair"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + capitalizeFirst(strings.Join(parts, "; ")) + "."
}
