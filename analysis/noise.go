package analysis

import (
	"fmt"
	"math"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// noiseZ is the deviation, in noise sigmas, within which the last point
// counts as ordinary fluctuation (methods §2: "a rise inside ~2 sigma is
// noise").
const noiseZ = 2.0

// endNoise judges the end-of-run fluctuation (methods §2): the last value
// of metric against the mean of the final window (opts.TailFraction of
// the steps, at least 10 points), in units of the point-to-point noise
// estimated from successive differences. The noise is estimated on
// log(value) when every value is positive, because the spread of a loss
// shrinks with its level; the standard deviation of the window (Std) is
// then measured on the same scale (the standard deviation of log(value)
// times the geometric mean), so that Std and Sigma compare. It returns
// nil with fewer than 5 points.
func endNoise(run *analyzer, metric string, opts Options) *Noise {
	c := finiteCurve(run, metric)
	if c.len() < 5 {
		return nil
	}
	i0 := c.tailStart(opts.TailFraction, 10)
	w := c.y[i0:]
	last := c.pts[c.len()-1]
	nz := &Noise{
		FromStep: c.pts[i0].Step,
		ToStep:   last.Step,
		N:        len(w),
		Mean:     stats.Mean(w),
		Std:      stats.StdDev(w),
		Last:     Cited{Value: last.Value, Source: last.Source.String(), Also: sourceStrings(last.Also)},
		LastStep: last.Step,
	}
	nz.StdErr = nz.Std / math.Sqrt(float64(len(w)))
	nz.LogScale = c.positive()
	var sigma, dev float64
	if nz.LogScale {
		lw := logs(w)
		sl := noiseSigma(lw)
		gm := math.Exp(stats.Mean(lw))
		sigma = sl * gm
		if sl > 0 {
			dev = (math.Log(last.Value) - stats.Mean(lw)) / sl
		}
		nz.Sigma = Derived{Value: sigma, How: fmt.Sprintf(
			"robust successive-difference noise of log(%s) over steps %d-%d, 1.4826*MAD(diff)/sqrt(2) = %s, times the geometric mean %s",
			metric, nz.FromStep, nz.ToStep, fmtNum(sl), fmtNum(gm))}
		// The spread on the same scale as sigma: the standard deviation
		// of log(value), times the geometric mean.
		nz.Std = stats.StdDev(lw) * gm
		nz.StdErr = nz.Std / math.Sqrt(float64(len(w)))
	} else {
		sigma = noiseSigma(w)
		if sigma > 0 {
			dev = (last.Value - nz.Mean) / sigma
		}
		nz.Sigma = Derived{Value: sigma, How: fmt.Sprintf(
			"robust successive-difference noise of %s over steps %d-%d, 1.4826*MAD(diff)/sqrt(2)", metric, nz.FromStep, nz.ToStep)}
	}
	nz.Deviation = dev
	nz.Normal = math.Abs(dev) <= noiseZ
	dir := "above"
	if dev < 0 {
		dir = "below"
	}
	verdict := "within the usual fluctuation, not a change of trend"
	if !nz.Normal {
		verdict = fmt.Sprintf("beyond %.0f sigma: larger than the usual fluctuation", noiseZ)
		if c.better(nz.Mean, last.Value) > 0 {
			verdict += " (in the good direction)"
		}
	}
	nz.Text = fmt.Sprintf("The last %s, %s at step %d (%s), is %.1f sigma %s the mean %s of the last %d points (steps %d-%d), where sigma %s is the step-to-step noise: %s.",
		metric, fmtNum(last.Value), last.Step, nz.Last.Source, math.Abs(dev), dir, fmtNum(nz.Mean), nz.N,
		nz.FromStep, nz.ToStep, fmtNum(sigma), verdict)
	if nz.Normal {
		nz.Text += fmt.Sprintf(" A single logged value moves with its batch; judge the end of the run by the mean %s.", fmtNum(nz.Mean))
	}
	return nz
}

func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

func sourceStrings(ss []trainlog.Source) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.String())
	}
	return out
}
