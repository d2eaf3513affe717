package analysis

import (
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
	last := c.point(c.len() - 1)
	nz := &Noise{
		FromStep: c.step(i0),
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
		nz.Sigma = Derived{Value: sigma, How: How{Method: MethodNoise, Metric: metric, FromStep: nz.FromStep, ToStep: nz.ToStep,
			N: len(w), LogScale: true, LogSigma: sl, GeoMean: gm}}
		// The spread on the same scale as sigma: the standard deviation
		// of log(value), times the geometric mean.
		nz.Std = stats.StdDev(lw) * gm
		nz.StdErr = nz.Std / math.Sqrt(float64(len(w)))
	} else {
		sigma = noiseSigma(w)
		if sigma > 0 {
			dev = (last.Value - nz.Mean) / sigma
		}
		nz.Sigma = Derived{Value: sigma, How: How{Method: MethodNoise, Metric: metric, FromStep: nz.FromStep, ToStep: nz.ToStep, N: len(w)}}
	}
	nz.Deviation = dev
	nz.Normal = math.Abs(dev) <= noiseZ
	nz.NoiseZ = noiseZ
	nz.Better = !nz.Normal && c.better(nz.Mean, last.Value) > 0
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
