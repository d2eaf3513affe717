package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// KindGradNormSpikes is the finding that summarises the grad_norm spikes
// of the Spikes table.
const KindGradNormSpikes = "grad-norm-spikes"

// Spike list sizes: spikes keeps up to spikeKeepPerMetric outliers of a
// series for the findings, and the report's table shows the
// spikeTableMax strongest of each.
const (
	spikeKeepPerMetric = 200
	spikeTableMax      = 8
)

// Reaction test settings: the primary metric reacted to a gradient spike
// when, at the spike's step or the next log, it is worse than the median
// of the reactionWindow points before by more than reactionZ point-noise
// sigmas.
const (
	reactionWindow = 5
	reactionZ      = 3.0
)

// gradSpikeFinding summarises the grad_norm spikes in one finding: how
// many there are, the largest, the usual level, and whether the primary
// metric (the reward of a GRPO-style run, whose loss is about 0 by
// construction) reacted at those steps. A gradient spike the loss or
// reward does not feel is noise of the gradient estimate that clipping
// absorbs (info); one it feels is a warning.
func gradSpikeFinding(run *trainlog.Run, r *Report) (Finding, bool) {
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
	f := Finding{Kind: KindGradNormSpikes, Severity: SevInfo, Step: top.Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
		Statistic: "modified z-score of the largest", Value: top.Z, Threshold: DefaultOptions.SpikeZ,
		Sources: spikeSources(sps, maxFindingSources)}
	listed := ""
	if len(sps) > spikeTableMax {
		listed = fmt.Sprintf("; the %d strongest are listed under Spikes", spikeTableMax)
	}
	head := fmt.Sprintf("%d grad_norm spike%s (modified z-score above %g against its rolling median, first at step %d%s), the largest %s at step %d (z %s), against a median grad_norm of %s",
		len(sps), plural(len(sps), "", "s"), DefaultOptions.SpikeZ, sps[0].Step, listed, fmtNum(top.Value), top.Step, fmtZ(top.Z), fmtNum(stats.Median(gn.y)))
	what := r.Primary
	if pc.len() == 0 {
		f.Message = head + ": isolated gradient spikes are usually absorbed by gradient clipping (max_grad_norm); watch them if they grow or repeat."
		return f, true
	}
	if len(reacted) == 0 {
		f.Message = fmt.Sprintf("%s. %s did not react: at none of them, nor at the next log, was it worse than the median of its %d previous points by more than %g point-noise sigmas. Gradient spikes the %s does not feel are noise of the gradient estimate that clipping (max_grad_norm) absorbs; no action is needed.",
			head, capitalizeFirst(what), reactionWindow, reactionZ, what)
		return f, true
	}
	f.Severity = SevWarning
	steps := make([]string, 0, len(reacted))
	for i, sp := range reacted {
		if i == 6 {
			steps = append(steps, fmt.Sprintf("and %d more", len(reacted)-6))
			break
		}
		steps = append(steps, fmtSteps(sp.Step))
	}
	f.Message = fmt.Sprintf("%s. %s reacted at %d of them (step%s %s): it was worse than the median of its %d previous points by more than %g point-noise sigmas at the spike or the next log. Check the batches at those steps, the learning rate and gradient clipping (max_grad_norm).",
		head, capitalizeFirst(what), len(reacted), plural(len(reacted), "", "s"), strings.Join(steps, ", "), reactionWindow, reactionZ)
	return f, true
}

// reactedAt reports whether curve c, at step or at its next logged point,
// is worse than the median of the reactionWindow points before step by
// more than reactionZ point-noise sigmas (sigma, on a log scale for a
// positive loss).
func reactedAt(c *curve, step int64, sigma float64) bool {
	i := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= step })
	if i < reactionWindow || i >= c.len() {
		return false
	}
	y := c.logY(c.positive() && !c.greater)
	if !(sigma > 0) {
		return false
	}
	before := stats.Median(y[i-reactionWindow : i])
	for j := i; j <= min(i+1, c.len()-1); j++ {
		if c.better(y[j], before) > reactionZ*sigma {
			return true
		}
	}
	return false
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
