package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
)

// Spike list sizes: spikes keeps up to spikeKeepPerMetric outliers of a
// series for the findings, and the report's table shows the
// spikeTableMax strongest of each.
const (
	spikeKeepPerMetric = 200
	spikeTableMax      = 8
)

// Reaction test settings: the primary metric reacted to a gradient spike
// when the median of the reactionAfter logs after the spike is worse
// than the median of the reactionBefore logs before it by more than
// reactionZ standard errors of the difference of the two medians. The
// spike's own step is left out: a hard batch raises its loss and its
// gradient together, which is a cause, not a reaction.
const (
	reactionBefore = 5
	reactionAfter  = 3
	reactionZ      = 3.0
	// The reactions are a warning from reactionMany of them, or from one
	// in reactionShare spikes; fewer are isolated setbacks (info).
	reactionMany  = 3
	reactionShare = 10
)

// gradSpikeFinding summarises the grad_norm spikes in one finding: how
// many there are, the largest, the usual level, and whether the primary
// metric (the reward of a GRPO-style run, whose loss is about 0 by
// construction) reacted at those steps. A gradient spike the loss or
// reward does not feel is noise of the gradient estimate that clipping
// absorbs (info); one it feels is a warning.
func gradSpikeFinding(run *analyzer, r *Report) (Finding, bool) {
	var sps []Spike
	for _, sp := range r.Spikes {
		if sp.Metric == "grad_norm" && sp.Z > 0 {
			sps = append(sps, sp)
		}
	}
	gn := finiteCurve(run, "grad_norm")
	if len(sps) == 0 || gn.len() == 0 {
		return Finding{}, false
	}
	top := sps[0]
	for _, sp := range sps {
		if sp.Z > top.Z {
			top = sp
		}
	}
	pc := finiteCurve(run, r.Primary)
	sigma := noiseSigma(pc.logY(pc.positive() && !pc.greater))
	var reacted []Spike
	for _, sp := range sps {
		if reactedAt(pc, sp.Step, sigma) {
			reacted = append(reacted, sp)
		}
	}
	f := Finding{Kind: KindGradNormSpikes, Severity: SevInfo, Metric: "grad_norm", Step: top.Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
		Count: len(sps), Statistic: StatModifiedZ, Value: top.Z, Threshold: DefaultOptions.SpikeZ,
		Sources: spikeSources(sps, maxFindingSources),
		Facts:   []Fig{{Name: QMax, Value: top.Value, Step: top.Step, Source: top.Source}}}
	if x := spikeRatio(gn, top); x > 0 {
		f.Facts = append(f.Facts, Fig{Name: QRatio, Value: x})
	}
	if pc.len() == 0 {
		f.Cause = CauseNoPrimaryData
		return f, true
	}
	f.Facts = append(f.Facts, Fig{Name: QReactBefore, Value: reactionBefore}, Fig{Name: QReactAfter, Value: reactionAfter},
		Fig{Name: QReactZ, Value: reactionZ})
	for _, sp := range reacted {
		f.Facts = append(f.Facts, Fig{Name: QReacted, Value: sp.Value, Step: sp.Step, Source: sp.Source})
	}
	switch {
	case len(reacted) == 0:
		f.Cause = CauseNoReaction
	case len(reacted) < reactionMany && len(reacted)*reactionShare < len(sps):
		f.Cause = CauseFewReactions
	default:
		f.Cause, f.Severity = CauseSetBack, SevWarning
	}
	return f, true
}

// reactedAt reports whether curve c reacted to a gradient spike at step
// (see the reaction settings); sigma is its point noise (on a log scale
// for a positive loss).
func reactedAt(c *curve, step int64, sigma float64) bool {
	i := sort.Search(c.len(), func(i int) bool { return c.step(i) >= step })
	if i < reactionBefore || i+1+reactionAfter > c.len() || !(sigma > 0) {
		return false
	}
	y := c.logY(c.positive() && !c.greater)
	before := stats.Median(y[i-reactionBefore : i])
	after := stats.Median(y[i+1 : i+1+reactionAfter])
	se := 1.2533 * sigma * math.Sqrt(1/float64(reactionBefore)+1/float64(reactionAfter))
	return c.better(after, before) > reactionZ*se
}

// tableSpikes keeps, for the report's table, the spikeTableMax strongest
// spikes of each metric, in step order; the findings have already used
// the full list.
func tableSpikes(sps []Spike) []Spike {
	by := map[string][]Spike{}
	for _, sp := range sps {
		by[sp.Metric] = append(by[sp.Metric], sp)
	}
	var out []Spike
	for _, sp := range sps {
		list := by[sp.Metric]
		if len(list) <= spikeTableMax {
			out = append(out, sp)
			continue
		}
		// Keep sp when fewer than spikeTableMax spikes of its metric
		// are stronger (ties broken by step).
		stronger := 0
		for _, o := range list {
			if math.Abs(o.Z) > math.Abs(sp.Z) || (math.Abs(o.Z) == math.Abs(sp.Z) && o.Step < sp.Step) {
				stronger++
			}
		}
		if stronger < spikeTableMax {
			out = append(out, sp)
		}
	}
	return out
}
