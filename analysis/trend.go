package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// trendAlpha is the significance level of the Mann-Kendall trend test.
// It is 1%, not 5%: logs are long, window means are correlated (even
// after the Hamed-Rao correction the test is approximate), and a trend
// call changes the verdict, so a conservative level is used.
const trendAlpha = 0.01

// TrendAlpha is the significance level behind Trend.Significant, for
// renderers that label it.
const TrendAlpha = trendAlpha

// trend tests the slope of the final segment of metric (methods §3). The
// segment is the last 2*opts.TailFraction of the steps (at least 10
// points). Its slope is the Theil-Sen median of pairwise slopes, tested
// with Mann-Kendall, whose variance is corrected for the autocorrelation
// of window means (Hamed and Rao 1998); long series are binned first. The
// slope is then turned into a practical effect: the change it projects
// over the run's horizon (see horizon: one more epoch, else the rest of
// an unfinished run), capped at the span of the segment, compared with
// opts.PlateauRel of the current level (see finalLevel). The curve is a
// plateau when the slope is not significant or its projected change is
// below that threshold. A positive loss is projected on a log scale (it
// decays multiplicatively and stays above 0). It returns nil with fewer
// than 5 points.
func trend(run *analyzer, metric string, opts Options) *Trend {
	c := finiteCurve(run, metric)
	if c.len() < 5 {
		return nil
	}
	g := runGeometry(run)
	t := segmentTrend(c, c.tailStart(2*opts.TailFraction, 10), nextHorizon(g), opts)
	t.Text = trendText(t, c, g, opts)
	return t
}

// segmentTrend computes the trend of c from index i0 to its end, projected
// over h capped at the segment's span.
func segmentTrend(c *curve, i0 int, h horizon, opts Options) *Trend {
	x, y := c.x[i0:], c.y[i0:]
	mk := stats.MannKendall(y, 0, true)
	fit := stats.TheilSen(x, y, 0, mk.VarCorrected, 0.95)
	t := &Trend{
		Metric:       c.name,
		FromStep:     c.pts[i0].Step,
		ToStep:       c.pts[c.len()-1].Step,
		N:            len(y),
		SlopePerStep: fit.Slope,
		SlopeLow:     fit.Low,
		SlopeHigh:    fit.High,
		MannKendallZ: mk.Z,
		P:            mk.P,
		NoiseSigma:   noiseSigma(y),
	}
	if math.IsNaN(fit.Slope) {
		t.SlopePerStep, t.SlopeLow, t.SlopeHigh = 0, 0, 0
	}
	lvl, l0 := finalLevel(c, opts)
	t.Level, t.LevelHow = lvl, finalLevelHow(c, l0, opts)
	t.HorizonSteps, t.HorizonWhat = h.capped(t.ToStep-t.FromStep, "the final segment the slope was measured on")
	t.Projected = t.SlopePerStep * float64(t.HorizonSteps)
	if c.positive() && !c.greater {
		// A loss decays multiplicatively and cannot go below 0: project
		// the Theil-Sen slope of log(loss) instead of a straight line.
		lf := stats.TheilSen(x, logs(y), 0, mk.VarCorrected, 0.95)
		if !math.IsNaN(lf.Slope) {
			t.Projected = lvl * math.Expm1(lf.Slope*float64(t.HorizonSteps))
		}
	}
	if t.Level != 0 {
		t.RelProjected = t.Projected / math.Abs(t.Level)
	}
	t.Significant = mk.P < trendAlpha
	t.Resolution = resolution(c.pts[i0:])
	t.Plateau = !t.Significant || !practical(c.name, t.Level, t.Projected, opts) ||
		math.Abs(t.Projected) < t.Resolution
	switch {
	case t.Plateau:
		t.Direction = "flat"
	case c.better(0, t.Projected) > 0:
		t.Direction = "improving"
	default:
		t.Direction = "worsening"
	}
	return t
}

// plateauWhy says which test made the trend a plateau.
func plateauWhy(t *Trend, opts Options) string {
	switch {
	case !t.Significant:
		return fmt.Sprintf("the slope is not significant (Mann-Kendall %s, above the %g level)", pIs(t.P), trendAlpha)
	case t.Resolution > 0 && math.Abs(t.Projected) < t.Resolution:
		return fmt.Sprintf("the change is smaller than the precision the log was written with (%s), although the slope is significant (Mann-Kendall %s)", fmtNum(t.Resolution), pIs(t.P))
	}
	return fmt.Sprintf("the change is below %s, although the slope is significant (Mann-Kendall %s)", practicalWhat(t.Metric, opts), pIs(t.P))
}

// fmtRel formats a positive fraction as a percentage.
func fmtRel(f float64) string { return strings.TrimPrefix(fmtPct(f), "+") }

func trendText(t *Trend, c *curve, g geometry, opts Options) string {
	sig := "significant"
	if !t.Significant {
		sig = "not significant"
	}
	s := fmt.Sprintf("Over steps %d-%d (%d points) the Theil-Sen slope of %s (the median of the slopes between all pairs of points, which spikes do not move) is %s per step, 95%% interval %s to %s. The Mann-Kendall test (do later points tend to be %s than earlier ones? corrected for autocorrelation by Hamed and Rao) gives z = %.2f, %s: %s at the %g level.",
		t.FromStep, t.ToStep, t.N, t.Metric, fmtNum(t.SlopePerStep), fmtNum(t.SlopeLow), fmtNum(t.SlopeHigh), lowerHigher(c), t.MannKendallZ, pIs(t.P), sig, trendAlpha)
	s += fmt.Sprintf(" Over %d steps (%s) the slope changes %s by %s", t.HorizonSteps, t.HorizonWhat, t.Metric, signedNum(t.Projected))
	if t.Level != 0 {
		s += fmt.Sprintf(", %s of its level %s (%s; point-to-point noise sigma %s).", fmtPct(t.RelProjected), fmtNum(t.Level), withArticle(t.LevelHow), fmtNum(t.NoiseSigma))
	} else {
		s += fmt.Sprintf(" (point-to-point noise sigma %s).", fmtNum(t.NoiseSigma))
	}
	switch t.Direction {
	case "flat":
		s += " A plateau: " + plateauWhy(t, opts) + "."
	case "improving":
		s += fmt.Sprintf(" %s is still improving.", capitalizeFirst(t.Metric))
	default:
		s += fmt.Sprintf(" %s is getting worse.", capitalizeFirst(t.Metric))
	}
	return s
}

// lowerHigher says which way a curve improves: "lower" for a loss,
// "higher" for a reward.
func lowerHigher(c *curve) string {
	if c.greater {
		return "higher"
	}
	return "lower"
}

// signedNum formats v like fmtNum with an explicit sign for a positive
// value.
func signedNum(v float64) string {
	if v > 0 {
		return "+" + fmtNum(v)
	}
	return fmtNum(v)
}

// resolution returns the precision the values were written with: one
// unit in the last printed significant digit (from Point.Digits), or the
// decimal quantum all values share (LLaMA-Factory and older Trainer logs
// round the loss to 4 decimals). A change smaller than this cannot be
// seen in the log. It returns 0 for full-precision values.
func resolution(pts []trainlog.Point) float64 {
	if len(pts) == 0 {
		return 0
	}
	res := 0.0
	minDigits := trainlog.DigitsFloat64
	var mag float64
	for _, p := range pts {
		if p.Digits > 0 && p.Digits < minDigits {
			minDigits = p.Digits
		}
		mag = math.Max(mag, math.Abs(p.Value))
	}
	if minDigits < trainlog.DigitsFloat32 && mag > 0 {
		res = math.Pow(10, math.Floor(math.Log10(mag))-float64(minDigits-1))
	}
	for d := 0; d <= 8; d++ {
		q := math.Pow(10, float64(-d))
		all := true
		for _, p := range pts {
			v := p.Value / q
			if math.Abs(v-math.Round(v)) > 1e-6+1e-12*math.Abs(v) {
				all = false
				break
			}
		}
		if all {
			return math.Max(res, q)
		}
	}
	return res
}

// conclusivelyFlat reports whether the whole 95% interval of the slope,
// projected over the horizon, stays below a practical change (see
// practical) and the logging resolution: evidence of a plateau, not only
// the absence of evidence of a slope.
func (t *Trend) conclusivelyFlat(opts Options) bool {
	h := float64(t.HorizonSteps)
	flat := func(d float64) bool {
		return !practical(t.Metric, t.Level, d, opts) || math.Abs(d) < t.Resolution
	}
	return flat(t.SlopeLow*h) && flat(t.SlopeHigh*h)
}
