package analysis

import (
	"math"

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

// trend is the trend section (methods §3), a view of the evidence of the
// primary metric's final segment (see SeriesEvidence), so that it says
// what the verdict read. It returns nil without that evidence.
func trend(e *Evidence) *Trend {
	tr := e.Train
	if tr == nil {
		return nil
	}
	t := &Trend{
		Metric:       tr.Metric,
		FromStep:     tr.SlopeFrom,
		ToStep:       tr.SlopeTo,
		N:            tr.SlopeN,
		LogScale:     tr.LogScale,
		SlopePerStep: tr.Slope.Value,
		SlopeLow:     tr.Slope.Low,
		SlopeHigh:    tr.Slope.High,
		MannKendallZ: tr.MannKendallZ,
		P:            tr.P,
		Horizon:      tr.Horizon,
		HorizonSteps: tr.Horizon.Steps,
		Projected:    tr.Change.Value,
		ProjectedLow: tr.Change.Low,
		ProjectedHi:  tr.Change.High,
		NoiseSigma:   tr.Noise,
		Level:        tr.Final.Level,
		LevelFrom:    tr.Final.FromStep,
		LevelN:       tr.Final.N,
		Significant:  tr.P < trendAlpha,
		Resolution:   tr.Resolution,
		Margin:       tr.Margin,
		MarginKind:   tr.MarginKind,
	}
	if t.Level != 0 {
		t.RelProjected = t.Projected / math.Abs(t.Level)
	}
	t.Direction = changeDirection(tr.Change, tr.Margin)
	t.Plateau = t.Direction == DirectionFlat
	return t
}

// changeDirection classifies a projected improvement with its interval
// against a practical margin: improving or worsening when the interval
// excludes 0 and the estimate is beyond the margin, flat when the whole
// interval is within the margin, unclear otherwise.
func changeDirection(iv Interval, margin float64) Direction {
	switch {
	case iv.Low > 0 && iv.Value > margin:
		return DirectionImproving
	case iv.High < 0 && -iv.Value > margin:
		return DirectionWorsening
	case iv.High <= margin && iv.Low >= -margin:
		return DirectionFlat
	}
	return DirectionUnclear
}

// resolution returns the precision the values were written with: one
// unit in the last printed significant digit (from Point.Digits), or the
// decimal quantum all values share (LLaMA-Factory and older Trainer logs
// round the loss to 4 decimals). A change smaller than this cannot be
// seen in the log. It returns 0 for full-precision values.
func resolution(c *curve, from int) float64 {
	if from >= c.len() {
		return 0
	}
	ys := c.y[from:]
	res := 0.0
	minDigits := trainlog.DigitsFloat64
	var mag float64
	for i, v := range ys {
		if d := c.s.Digits(c.at(from + i)); d > 0 && d < minDigits {
			minDigits = d
		}
		mag = math.Max(mag, math.Abs(v))
	}
	if minDigits < trainlog.DigitsFloat32 && mag > 0 {
		res = math.Pow(10, math.Floor(math.Log10(mag))-float64(minDigits-1))
	}
	for d := 0; d <= 8; d++ {
		q := math.Pow(10, float64(-d))
		all := true
		for _, y := range ys {
			v := y / q
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
