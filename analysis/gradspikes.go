package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
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
	f := Finding{Kind: KindGradNormSpikes, Severity: SevInfo, Step: top.Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
		Statistic: "modified z-score of the largest", Value: top.Z, Threshold: DefaultOptions.SpikeZ,
		Sources: spikeSources(sps, maxFindingSources)}
	listed := ""
	if len(sps) > spikeTableMax {
		listed = fmt.Sprintf("; the %d strongest are listed under Spikes", spikeTableMax)
	}
	ratio := ""
	if x := spikeRatio(gn, top); x > 0 {
		ratio = fmt.Sprintf(", %sx the median of its neighbours", fmtRatio(x))
	}
	head := fmt.Sprintf("%d grad_norm spikes (modified z-score above %g against its rolling median, first at step %d%s), the strongest %s at step %d (z %s%s)",
		len(sps), DefaultOptions.SpikeZ, sps[0].Step, listed, fmtNum(top.Value), top.Step, fmtZ(top.Z), ratio)
	them := "any of them"
	if len(sps) == 1 {
		head = fmt.Sprintf("1 grad_norm spike: %s at step %d (modified z-score %s against its rolling median%s)",
			fmtNum(top.Value), top.Step, fmtZ(top.Z), ratio)
		them = "it"
	}
	what := r.Primary
	if pc.len() == 0 {
		f.Message = head + ": isolated gradient spikes are usually absorbed by gradient clipping (max_grad_norm); watch them if they grow or repeat."
		return f, true
	}
	rule := fmt.Sprintf("the median of the %d logs after it worse than that of the %d before by more than %g standard errors", reactionAfter, reactionBefore, reactionZ)
	if len(reacted) == 0 {
		f.Message = fmt.Sprintf("%s. %s did not react to %s (a reaction: %s). Gradient spikes the %s does not feel are noise of the gradient estimate, which clipping (max_grad_norm) absorbs; on their own they need no action.",
			head, capitalizeFirst(what), them, rule, what)
		return f, true
	}
	steps := make([]string, 0, len(reacted))
	for i, sp := range reacted {
		if i == 6 {
			steps = append(steps, fmt.Sprintf("and %d more", len(reacted)-6))
			break
		}
		steps = append(steps, fmtSteps(sp.Step))
	}
	if len(reacted) < reactionMany && len(reacted)*reactionShare < len(sps) {
		f.Message = fmt.Sprintf("%s. %s reacted to only %d of them (a reaction: %s; step%s %s): isolated setbacks; watch them if they become frequent.",
			head, capitalizeFirst(what), len(reacted), rule, plural(len(reacted), "", "s"), strings.Join(steps, ", "))
		return f, true
	}
	f.Severity = SevWarning
	f.Message = fmt.Sprintf("%s. %s reacted to %d of them (a reaction: %s; step%s %s): those updates set the training back. Check the batches at those steps, the learning rate and gradient clipping (max_grad_norm).",
		head, capitalizeFirst(what), len(reacted), rule, plural(len(reacted), "", "s"), strings.Join(steps, ", "))
	return f, true
}

// reactedAt reports whether curve c reacted to a gradient spike at step
// (see the reaction settings); sigma is its point noise (on a log scale
// for a positive loss).
func reactedAt(c *curve, step int64, sigma float64) bool {
	i := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= step })
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
