package analysis

import (
	"math"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// minLevelPoints is the fewest points the final window holds when the
// current level is measured.
const minLevelPoints = 5

// finalLevel returns the current level of a curve: the mean of its final
// window (opts.TailFraction of the step range, at least minLevelPoints
// points), with the index of the window's first point. It is the one
// definition of "the level" a report quotes (TrainLoss.FinalLevel,
// Trend.Level, AnotherEpoch.LastValue): a single logged value moves with
// its batch, and a fitted end value depends on the model fitted.
//
// An evaluation is already a mean over the eval set, and evaluations are
// few: its final window needs only one point.
func finalLevel(c *curve, opts Options) (float64, int) {
	minPts := minLevelPoints
	if trainlog.IsEval(c.name) {
		minPts = 1
	}
	i0 := c.tailStart(opts.TailFraction, minPts)
	return stats.Mean(c.y[i0:]), i0
}

// verdictHorizon returns the horizon over which the verdict and the
// trend judge whether a change is of practical size: one more epoch when
// the steps per epoch are known, otherwise the span of the data (see
// capTo). It is a property of the curve, not of what is left of the run:
// two steps before the end of a run nothing can change in two steps, and
// that says nothing about the curve.
func verdictHorizon(g geometry) Horizon {
	if g.stepsPerEpoch > 0 {
		return Horizon{Kind: HorizonEpoch, Full: max(1, int64(math.Round(g.stepsPerEpoch)))}
	}
	return Horizon{Kind: HorizonSpan}
}

// forecastHorizon returns how far ahead the forecast looks: for a run
// that stopped before its planned steps, the rest of the run to
// max_steps; otherwise one more epoch when the steps per epoch are known;
// otherwise unknown. Each projection caps a horizon at the span of the
// data it was fitted on (see capTo): a fit is never extrapolated further
// than it was measured.
func forecastHorizon(g geometry) Horizon {
	if g.incomplete() {
		return Horizon{Kind: HorizonRemaining, Full: g.planned - g.lastStep}
	}
	return verdictHorizon(g)
}

// capTo returns the horizon limited to span steps, the span of the data
// a projection was fitted on.
func (h Horizon) capTo(span int64) Horizon {
	span = max(1, span)
	switch {
	case h.Kind == HorizonSpan || h.Full <= 0:
		h.Kind, h.Full, h.Steps = HorizonSpan, 0, span
	case h.Full > span:
		h.Steps, h.Capped = span, true
	default:
		h.Steps = h.Full
	}
	return h
}

// withArticle starts a description with "the" ("the mean of ...").
func withArticle(s string) string {
	if s == "" || strings.HasPrefix(s, "the ") {
		return s
	}
	return "the " + s
}
