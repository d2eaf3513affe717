package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// Finding kinds written by curveFindings.
const (
	KindSpike       = "spike"
	KindEpochDrop   = "epoch-drop"
	KindStartup     = "startup-spike"
	KindDivergence  = "divergence"
	KindExploding   = "exploding-gradients"
	KindStall       = "stall"
	KindOverfitting = "overfitting"
)

// Practitioners' conservative spike rules (methods §5), used to confirm a
// statistical spike: Lightning's SpikeDetection (value >= 3x its running
// mean) and LLM Foundry's KillLossSpike (>= 2x the window mean).
const (
	lightningSpikeRatio = 3.0
	foundrySpikeRatio   = 2.0
	maxSpikeFindings    = 10
	explodingRatio      = 100.0 // grad_norm end level / start level
)

// curveFindings reports what the curves show beyond the verdict: spikes
// (with their severity), expected epoch-boundary drops, start-up spikes,
// non-finite values and their known signatures (a NaN window logs loss
// 0.0 with grad_norm nan; the fp16 loss scaler skips steps with grad_norm
// NaN and lr 0, which is information, not divergence), exploding
// gradients, divergence, a stall and overfitting. Each finding quotes its
// numbers and cites its sources.
func curveFindings(run *analyzer, r *Report, opts Options) []Finding {
	var out []Finding
	out = append(out, spikeFindings(run, r)...)
	if f, ok := gradSpikeFinding(run, r); ok {
		out = append(out, f)
	}
	out = append(out, primaryNonFinite(run, r)...)
	if f, ok := epochStaircase(run, r); ok {
		out = append(out, f)
	}
	if f, ok := explodingGradients(run); ok {
		out = append(out, f)
	}
	if f, ok := divergenceFinding(run, r, opts); ok {
		out = append(out, f)
	}
	if b := reboundCheck(run, r.Primary, opts); b.rebound {
		out = append(out, Finding{Kind: KindDivergence, Severity: SevError, Message: b.text, Step: b.bestTo, FromStep: b.bestFrom, ToStep: r.Run.LastStep,
			Statistic: "rise of the final level over the best", Value: b.rise, Threshold: b.threshold, Sources: b.sources})
	}
	if s := stallCheck(run, r.Primary, opts); s.stalled {
		out = append(out, Finding{Kind: KindStall, Severity: SevWarning, Message: s.text, Step: s.to, FromStep: s.from, ToStep: s.to,
			Statistic: "improvement of the median", Value: s.gain, Threshold: s.threshold, Sources: s.sources})
	}
	if e := r.Eval; e.Overfitting {
		out = append(out, Finding{Kind: KindOverfitting, Severity: SevWarning, Step: e.Since, FromStep: e.Since, ToStep: lastRowStep(e),
			Message:   fmt.Sprintf("%s rose from its best %s at step %d to %s (%.1f eval noise sigmas) while the train loss did not rise: overfitting; use the checkpoint of step %d.", e.Metric, fmtNum(e.Best.Value), e.BestStep, fmtNum(e.Last.Value), e.RiseSigma, e.BestStep),
			Statistic: "rise in eval noise sigmas", Value: e.RiseSigma, Threshold: overfitZ, Sources: []string{e.Best.Source, e.Last.Source}})
	}
	return out
}

func lastRowStep(e Eval) int64 {
	if len(e.Rows) == 0 {
		return -1
	}
	return e.Rows[len(e.Rows)-1].Step
}

// spikeFindings turns r.Spikes into findings.
func spikeFindings(run *analyzer, r *Report) []Finding {
	var out []Finding
	var epochDrops []Spike
	confirmed := map[string][]Spike{}
	minor := map[string][]Spike{}
	oneStep := map[string][]Spike{} // 2x-3x for one logged step, recovered
	g := runGeometry(run)
	// Start-up: the first 2% of the steps, or longer while the loss is
	// still in its initial descent (see descentEnd).
	startup := g.firstStep + int64(0.02*float64(g.lastStep-g.firstStep))
	if loss := finiteCurve(run, "loss"); loss.len() > 0 {
		startup = max(startup, descentEnd(loss))
	}
	var spikeFs []Finding
	curves := map[string]*curve{}
	for _, sp := range r.Spikes {
		if lossByConstruction(r) && sp.Metric == "loss" {
			continue // the loss of GRPO-style trainers is about 0 by construction
		}
		if sp.Epoch {
			epochDrops = append(epochDrops, sp)
			continue
		}
		if sp.Metric == "grad_norm" {
			continue // pitfalls reports grad_norm outside its usual range
		}
		if curves[sp.Metric] == nil {
			curves[sp.Metric] = finiteCurve(run, sp.Metric)
		}
		c := curves[sp.Metric]
		ratio := spikeRatio(c, sp)
		f := Finding{Kind: KindSpike, Severity: SevWarning, Step: sp.Step, FromStep: sp.Step, ToStep: sp.Step,
			Statistic: "modified z-score", Value: sp.Z, Threshold: DefaultOptions.SpikeZ, Sources: []string{sp.Source}}
		conf := ""
		switch {
		case ratio >= lightningSpikeRatio:
			conf = fmt.Sprintf("%sx the median of its neighbours (modified z-score %s); Lightning's SpikeDetection rule (3x or more) flags it too", fmtRatio(ratio), fmtZ(sp.Z))
			confirmed[sp.Metric] = append(confirmed[sp.Metric], sp)
		case ratio >= foundrySpikeRatio && sustained(c, sp.Step, foundrySpikeRatio):
			conf = fmt.Sprintf("%sx the median of its neighbours for several logged steps (modified z-score %s); LLM Foundry's KillLossSpike rule (2x or more, sustained) flags it too", fmtRatio(ratio), fmtZ(sp.Z))
			confirmed[sp.Metric] = append(confirmed[sp.Metric], sp)
		case ratio >= foundrySpikeRatio && sp.Step > startup && !c.greater:
			oneStep[sp.Metric] = append(oneStep[sp.Metric], sp)
			continue
		case ratio > 0 && sp.Step > startup && !c.greater:
			// A statistical outlier within 2x of its neighbourhood:
			// ordinary batch-to-batch variation, summarised below.
			minor[sp.Metric] = append(minor[sp.Metric], sp)
			continue
		}
		if conf == "" {
			conf = fmt.Sprintf("modified z-score %s against the rolling median of its neighbours", fmtZ(sp.Z))
		}
		if sp.Step <= startup && !c.greater {
			f.Kind, f.Severity = KindStartup, SevInfo
			f.Message = fmt.Sprintf("Start-up spike: %s is %s at step %d, %s. Early steps are often high; the level after them is what counts.", sp.Metric, fmtNum(sp.Value), sp.Step, conf)
		} else {
			f.Message = fmt.Sprintf("%s spike at step %d: %s, %s.", sp.Metric, sp.Step, fmtNum(sp.Value), conf)
		}
		spikeFs = append(spikeFs, f)
	}
	if len(spikeFs) > maxSpikeFindings {
		sort.SliceStable(spikeFs, func(a, b int) bool { return math.Abs(spikeFs[a].Value) > math.Abs(spikeFs[b].Value) })
		spikeFs = spikeFs[:maxSpikeFindings]
		sort.SliceStable(spikeFs, func(a, b int) bool { return spikeFs[a].Step < spikeFs[b].Step })
	}
	out = append(out, spikeFs...)
	for _, metric := range sortedNames(oneStep) {
		sps := oneStep[metric]
		steps := make([]string, 0, len(sps))
		for i, sp := range sps {
			if i == 8 {
				steps = append(steps, "...")
				break
			}
			steps = append(steps, fmtSteps(sp.Step))
		}
		msg := fmt.Sprintf("%d one-step %s spikes of 2x-3x their neighbourhood (steps %s), each back to normal at the next log: single bad batches; watch them if they grow or repeat at the same data.",
			len(sps), metric, strings.Join(steps, ", "))
		if len(sps) == 1 {
			msg = fmt.Sprintf("one %s spike of 2x-3x its neighbourhood at step %d, back to normal at the next log: a single bad batch; watch for repeats at the same data.",
				metric, sps[0].Step)
		}
		out = append(out, Finding{Kind: KindSpike, Severity: SevWarning, Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
			Message:   msg,
			Statistic: "modified z-score of the largest", Value: maxZ(sps), Threshold: DefaultOptions.SpikeZ, Sources: spikeSources(sps, maxFindingSources)})
	}
	for _, metric := range sortedNames(minor) {
		sps := minor[metric]
		msg := fmt.Sprintf("%d points of %s are statistical outliers (modified z-score above %g, first at step %d) but stay within 2x of their neighbours: ordinary batch-to-batch variation, not instability.",
			len(sps), metric, DefaultOptions.SpikeZ, sps[0].Step)
		if len(sps) == 1 {
			msg = fmt.Sprintf("1 point of %s, at step %d, is a statistical outlier (modified z-score above %g) but stays within 2x of its neighbours: ordinary batch-to-batch variation, not instability.",
				metric, sps[0].Step, DefaultOptions.SpikeZ)
		}
		out = append(out, Finding{Kind: KindSpike, Severity: SevInfo, Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
			Message:   msg,
			Statistic: "outliers within 2x of their neighbours", Value: float64(len(sps)), Sources: spikeSources(sps, maxFindingSources)})
	}
	for _, metric := range sortedNames(confirmed) {
		if sps := confirmed[metric]; len(sps) >= 3 {
			out = append(out, Finding{Kind: KindSpike, Severity: SevError, Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step,
				Message:   fmt.Sprintf("%d %s spikes pass the practitioners' rules (Lightning's 3x, LLM Foundry's sustained 2x) as well as the z-score: repeated spikes mean unstable training (lower the learning rate, clip gradients, check the data at those steps).", len(sps), metric),
				Statistic: "confirmed spikes", Value: float64(len(sps)), Threshold: 3, Sources: spikeSources(sps, maxFindingSources)})
		}
	}
	if len(epochDrops) > 0 && !staircaseFound(run) {
		out = append(out, Finding{Kind: KindEpochDrop, Severity: SevInfo, Step: epochDrops[0].Step, FromStep: epochDrops[0].Step, ToStep: epochDrops[len(epochDrops)-1].Step,
			Message: fmt.Sprintf("The loss drops sharply at %d epoch boundar%s (first at step %d): expected in multi-epoch training, the model sees the same examples again.",
				len(epochDrops), plural(len(epochDrops), "y", "ies"), epochDrops[0].Step),
			Statistic: "modified z-score", Value: epochDrops[0].Z, Threshold: DefaultOptions.SpikeZ, Sources: spikeSources(epochDrops, maxFindingSources)})
	}
	return out
}

// lossByConstruction reports a run judged on its reward whose loss is
// about 0 by construction (GRPO, PPO, RLOO): its loss spikes say nothing
// about stability.
func lossByConstruction(r *Report) bool {
	return r.Primary != "" && r.Primary != "loss" && isRLFamily(r.Run.Family)
}

// sustained reports whether the points just after step (up to 3 logged
// points) also stay at least ratio times the neighbourhood median: LLM
// Foundry's KillLossSpike acts on a high loss over several steps, not
// one batch.
func sustained(c *curve, step int64, ratio float64) bool {
	i := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= step })
	if i+2 >= c.len() {
		return false
	}
	lo := max(0, i-20)
	m := stats.Median(c.y[lo:i])
	if !(m > 0) {
		return false
	}
	for j := i + 1; j <= i+2; j++ {
		if c.y[j] < ratio*m {
			return false
		}
	}
	return true
}

func maxZ(sps []Spike) float64 {
	m := 0.0
	for _, sp := range sps {
		if math.Abs(sp.Z) > math.Abs(m) {
			m = sp.Z
		}
	}
	return m
}

func spikeSources(sps []Spike, k int) []string {
	out := []string{}
	for i, sp := range sps {
		if i == k {
			break
		}
		out = append(out, sp.Source)
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// spikeRatio is the spike's value over the median of its neighbours.
func spikeRatio(c *curve, sp Spike) float64 {
	i := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= sp.Step })
	if i >= c.len() {
		return 0
	}
	k := 10
	var nb []float64
	for j := max(0, i-k); j < min(c.len(), i+k+1); j++ {
		if j != i {
			nb = append(nb, c.y[j])
		}
	}
	m := stats.Median(nb)
	if !(m > 0) || !(sp.Value > 0) {
		return 0
	}
	return sp.Value / m
}

// primaryNonFinite reports NaN/Inf values of the primary metric (pitfalls
// reports those of the other series, and the loss-0.0/grad_norm-NaN
// signature).
func primaryNonFinite(run *analyzer, r *Report) []Finding {
	s := run.Get(r.Primary)
	if s.Len() == 0 {
		return nil
	}
	var bad []trainlog.Point
	for _, p := range s.Points {
		if !p.Finite() {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return []Finding{{Kind: KindNonFinite, Severity: SevError, Step: bad[0].Step, FromStep: bad[0].Step, ToStep: bad[len(bad)-1].Step,
		Message:   fmt.Sprintf("%s is non-finite (%s) at %d of %d logged points, first at step %d: the training diverged numerically there.", r.Primary, fmtNum(bad[0].Value), len(bad), s.Len(), bad[0].Step),
		Statistic: "non-finite points", Value: float64(len(bad)), Sources: firstSources(bad, maxFindingSources)}}
}

// nanWindows returns the logged steps whose loss is exactly 0.0 while
// grad_norm is NaN: every step of the window was non-finite and the NaN
// filter left the window sum at 0.
func nanWindows(run *analyzer) []trainlog.Point {
	gn, loss := run.Get("grad_norm"), run.Get("loss")
	if gn.Len() == 0 || loss.Len() == 0 {
		return nil
	}
	var out []trainlog.Point
	for _, p := range loss.Points {
		if p.Value != 0 {
			continue
		}
		if q, ok := gn.At(p.Step); ok && !q.Finite() {
			out = append(out, p)
		}
	}
	return out
}

func firstSources(ps []trainlog.Point, k int) []string {
	var out []string
	for i, p := range ps {
		if i == k {
			break
		}
		out = append(out, p.Source.String())
	}
	return out
}

// explodingGradients reports a grad_norm whose final level is far above
// its early level.
func explodingGradients(run *analyzer) (Finding, bool) {
	c := finiteCurve(run, "grad_norm")
	if c.len() < 10 {
		return Finding{}, false
	}
	k := max(3, c.len()/10)
	early := stats.Median(c.y[:k])
	late := stats.Median(c.y[c.len()-k:])
	if !(early > 0) || late < explodingRatio*early {
		return Finding{}, false
	}
	maxI := 0
	for i, v := range c.y {
		if v > c.y[maxI] {
			maxI = i
		}
	}
	p := c.pts[maxI]
	return Finding{Kind: KindExploding, Severity: SevError, Step: p.Step, FromStep: c.pts[0].Step, ToStep: c.pts[c.len()-1].Step,
		Message:   fmt.Sprintf("grad_norm grows from a median of %s over its first %d points to %s over its last %d (max %s at step %d): exploding gradients. Lower the learning rate or clip gradients (max_grad_norm).", fmtNum(early), k, fmtNum(late), k, fmtNum(p.Value), p.Step),
		Statistic: "late/early grad_norm median", Value: late / early, Threshold: explodingRatio, Sources: []string{c.pts[0].Source.String(), p.Source.String()}}, true
}

// divergenceFinding reports a primary metric getting worse in its final
// segment beyond noise, or ending worse than it started.
func divergenceFinding(run *analyzer, r *Report, opts Options) (Finding, bool) {
	t := r.Trend
	if t == nil {
		return Finding{}, false
	}
	if t.Direction == "worsening" {
		c := finiteCurve(run, t.Metric)
		i0 := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= t.FromStep })
		return Finding{Kind: KindDivergence, Severity: SevError, Step: t.FromStep, FromStep: t.FromStep, ToStep: t.ToStep,
			Message:   fmt.Sprintf("%s is getting worse over steps %d-%d: Theil-Sen slope %s per step (Mann-Kendall %s), a change of %s (%s) over %d steps.", t.Metric, t.FromStep, t.ToStep, fmtNum(t.SlopePerStep), pIs(t.P), signedNum(t.Projected), fmtPct(t.RelProjected), t.HorizonSteps),
			Statistic: "Mann-Kendall z", Value: t.MannKendallZ, Threshold: stats.NormalQuantile(1 - trendAlpha/2), Sources: []string{c.pts[i0].Source.String(), c.pts[c.len()-1].Source.String()}}, true
	}
	return Finding{}, false
}

// staircaseFound reports whether epochStaircase reports the loss drops
// at epoch boundaries (then the spike-level epoch drops are not repeated).
func staircaseFound(run *analyzer) bool {
	loss := finiteCurve(run, "loss")
	return len(epochDropList(loss, epochBoundaries(run))) > 0
}

// epochStaircase reports the loss drops at epoch boundaries, measured
// between the medians of the windows just before and just after each
// boundary: expected in multi-epoch training, and a sign of memorisation.
func epochStaircase(run *analyzer, r *Report) (Finding, bool) {
	loss := finiteCurve(run, "loss")
	drops := epochDropList(loss, epochBoundaries(run))
	if len(drops) == 0 {
		return Finding{}, false
	}
	var parts, srcs []string
	for i, d := range drops {
		if i < maxListedDrops {
			parts = append(parts, fmt.Sprintf("step %d: %s -> %s", d.step, fmtNum(d.before), fmtNum(d.after)))
		}
		srcs = append(srcs, d.source)
	}
	if n := len(drops) - maxListedDrops; n > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", n))
	}
	return Finding{Kind: KindEpochDrop, Severity: SevInfo, Step: drops[0].step, FromStep: drops[0].step, ToStep: drops[len(drops)-1].step,
		Message: fmt.Sprintf("The loss drops at %d epoch boundar%s (%s; medians of the windows before and after): expected when the model sees the same examples again, and a sign that it memorises them.",
			len(drops), plural(len(drops), "y", "ies"), strings.Join(parts, "; ")),
		Statistic: "drop at the first boundary", Value: drops[0].before - drops[0].after, Sources: srcs}, true
}

// maxListedDrops is how many epoch-boundary drops a finding spells out.
const maxListedDrops = 3

// fmtZ formats a modified z-score: one decimal, none from 100 up.
func fmtZ(z float64) string {
	if math.Abs(z) >= 100 {
		return fmt.Sprintf("%.0f", z)
	}
	return fmt.Sprintf("%.1f", z)
}

// fmtRatio formats a ratio such as a spike's multiple of its
// neighbourhood: one decimal, none from 100 up.
func fmtRatio(r float64) string { return fmtZ(r) }
