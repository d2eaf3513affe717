package analysis

import (
	"fmt"
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

// finalLevelHow says how finalLevel measured the level of c, in the words
// of TrainLoss.FinalLevel.How.
func finalLevelHow(c *curve, i0 int, opts Options) string {
	last := c.pts[c.len()-1]
	if i0 == c.len()-1 {
		return fmt.Sprintf("the last value of %s, at step %d", c.name, last.Step)
	}
	unit := "values of " + c.name
	if c.name == "loss" {
		unit = "logged losses"
	}
	return fmt.Sprintf("mean of the %d %s over steps %d-%d, the last %.0f%% of the run",
		c.len()-i0, unit, c.pts[i0].Step, last.Step, 100*opts.TailFraction)
}

// A horizon is how far ahead the analysis looks, with one definition for
// the trend, the verdict and the another-epoch projection: one more
// epoch when the steps per epoch are known, else the remaining steps of
// an unfinished run. Each projection then caps it at the span of the data
// it was fitted on (a fit is never extrapolated further than it was
// measured): the trend's straight line at the span of the final segment,
// the another-epoch curve at the span of the whole curve.
type horizon struct {
	steps int64  // 0 when unknown
	what  string // "one more epoch", "the rest of the run to max_steps N"
}

// nextHorizon returns the horizon of a run from its geometry.
func nextHorizon(g geometry) horizon {
	switch {
	case g.stepsPerEpoch > 0:
		return horizon{max(1, int64(math.Round(g.stepsPerEpoch))), "one more epoch"}
	case g.incomplete():
		return horizon{g.planned - g.lastStep, fmt.Sprintf("the rest of the run to max_steps %d", g.planned)}
	}
	return horizon{}
}

// capped returns the horizon limited to span steps, the span of the data
// a projection was fitted on (described by over, "the final segment"),
// and says what the result is.
func (h horizon) capped(span int64, over string) (int64, string) {
	span = max(1, span)
	switch {
	case h.steps <= 0:
		return span, "the span of " + over
	case h.steps > span:
		return span, fmt.Sprintf("%s would be %d steps; capped at the %d steps of %s", h.what, h.steps, span, over)
	}
	return h.steps, h.what
}

// withArticle starts a description with "the" ("the mean of ...").
func withArticle(s string) string {
	if s == "" || strings.HasPrefix(s, "the ") {
		return s
	}
	return "the " + s
}
