package analysis

import (
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

// chanceBand is the distance from 0.5 within which a pairwise accuracy
// (the share of preference pairs ranked right) is at about the chance
// level of a pair.
const chanceBand = 0.1

// nearChance reports a pairwise accuracy at about the chance level.
func nearChance(acc float64) bool { return math.Abs(acc-0.5) < chanceBand }
