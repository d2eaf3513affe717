package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// Practitioners' conservative spike rules (methods §5), used to confirm a
// statistical spike: Lightning's SpikeDetection (value >= 3x its running
// mean) and LLM Foundry's KillLossSpike (>= 2x the window mean).
const (
	lightningSpikeRatio = 3.0
	foundrySpikeRatio   = 2.0
	maxSpikeFindings    = 10
)

// curveFindings reports what the curves show beyond the verdict: spikes
// (with their severity), expected epoch-boundary drops, start-up spikes,
// non-finite values and their known signatures (a NaN window logs loss
// 0.0 with grad_norm nan; the fp16 loss scaler skips steps with grad_norm
// NaN and lr 0, which is information, not divergence), exploding
// gradients, divergence, a stall and overfitting. Each finding holds its
// numbers and cites its sources.
func curveFindings(run *analyzer, r *Report, opts Options) []Finding {
	var out []Finding
	out = append(out, spikeFindings(run, r)...)
	exploding, exploded := explodingGradients(run)
	if f, ok := gradSpikeFinding(run, r); ok && !(exploded && f.Severity == SevInfo) {
		// Spikes among exploded gradients are part of the explosion, not
		// noise that clipping absorbs.
		out = append(out, f)
	}
	out = append(out, primaryNonFinite(run, r)...)
	if f, ok := epochStaircase(run, r); ok {
		out = append(out, f)
	}
	if exploded {
		out = append(out, exploding)
	}
	if e := r.Evidence; e != nil && e.Train != nil {
		out = append(out, evidenceFindings(e.Train, r.Primary)...)
	}
	if e := r.Eval; e.Overfitting {
		out = append(out, Finding{Kind: KindOverfitting, Severity: SevWarning, Metric: e.Metric, Step: e.Since, FromStep: e.Since, ToStep: lastRowStep(e),
			Statistic: StatEvalRiseSigma, Value: e.RiseSigma, Threshold: overfitZ, Sources: []string{e.Best.Source, e.Last.Source},
			Facts: []Fig{{Name: QBest, Value: e.Best.Value, Step: e.BestStep, Source: e.Best.Source},
				{Name: QEnd, Value: e.Last.Value, Step: lastRowStep(e), Source: e.Last.Source}}})
	}
	return out
}

// boolNum is 1 for true and 0 for false, for a flag among a finding's
// facts.
func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
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
		f := Finding{Kind: KindSpike, Severity: SevWarning, Cause: CauseZScore, Metric: sp.Metric, Step: sp.Step, FromStep: sp.Step, ToStep: sp.Step,
			Statistic: StatModifiedZ, Value: sp.Z, Threshold: DefaultOptions.SpikeZ, Sources: []string{sp.Source},
			Facts: []Fig{{Name: QValue, Value: sp.Value, Step: sp.Step, Source: sp.Source}}}
		switch {
		case ratio >= lightningSpikeRatio:
			f.Cause = CauseLightning
			confirmed[sp.Metric] = append(confirmed[sp.Metric], sp)
		case ratio >= foundrySpikeRatio && sustained(c, sp.Step, foundrySpikeRatio):
			f.Cause = CauseFoundry
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
		if ratio > 0 {
			f.Facts = append(f.Facts, Fig{Name: QRatio, Value: ratio})
		}
		if sp.Step <= startup && !c.greater {
			f.Kind, f.Severity = KindStartup, SevInfo
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
		out = append(out, Finding{Kind: KindSpike, Severity: SevWarning, Cause: CauseOneStep, Metric: metric,
			Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step, Count: len(sps), Steps: spikeSteps(sps),
			Statistic: StatModifiedZ, Value: maxZ(sps), Threshold: DefaultOptions.SpikeZ, Sources: spikeSources(sps, maxFindingSources)})
	}
	for _, metric := range sortedNames(minor) {
		sps := minor[metric]
		out = append(out, Finding{Kind: KindSpike, Severity: SevInfo, Cause: CauseMinor, Metric: metric,
			Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step, Count: len(sps), Steps: spikeSteps(sps),
			Statistic: StatOutliers, Value: float64(len(sps)), Threshold: DefaultOptions.SpikeZ, Sources: spikeSources(sps, maxFindingSources)})
	}
	for _, metric := range sortedNames(confirmed) {
		if sps := confirmed[metric]; len(sps) >= 3 {
			out = append(out, Finding{Kind: KindSpike, Severity: SevError, Cause: CauseRepeated, Metric: metric,
				Step: sps[0].Step, FromStep: sps[0].Step, ToStep: sps[len(sps)-1].Step, Count: len(sps), Steps: spikeSteps(sps),
				Statistic: StatConfirmed, Value: float64(len(sps)), Threshold: 3, Sources: spikeSources(sps, maxFindingSources)})
		}
	}
	if len(epochDrops) > 0 && !staircaseFound(run) {
		out = append(out, Finding{Kind: KindEpochDrop, Severity: SevInfo, Metric: "loss",
			Step: epochDrops[0].Step, FromStep: epochDrops[0].Step, ToStep: epochDrops[len(epochDrops)-1].Step,
			Count: len(epochDrops), Steps: spikeSteps(epochDrops),
			Statistic: StatModifiedZ, Value: epochDrops[0].Z, Threshold: DefaultOptions.SpikeZ, Sources: spikeSources(epochDrops, maxFindingSources)})
	}
	return out
}

// maxFindingSteps caps the steps a finding lists.
const maxFindingSteps = 8

// spikeSteps lists the steps of sps, at most maxFindingSteps of them.
func spikeSteps(sps []Spike) []int64 {
	out := make([]int64, 0, min(len(sps), maxFindingSteps))
	for i, sp := range sps {
		if i == maxFindingSteps {
			break
		}
		out = append(out, sp.Step)
	}
	return out
}

// pointSteps lists the steps of ps, at most maxFindingSteps of them.
func pointSteps(ps []trainlog.Point) []int64 {
	out := make([]int64, 0, min(len(ps), maxFindingSteps))
	for i, p := range ps {
		if i == maxFindingSteps {
			break
		}
		out = append(out, p.Step)
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
	i := sort.Search(c.len(), func(i int) bool { return c.step(i) >= step })
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
	i := sort.Search(c.len(), func(i int) bool { return c.step(i) >= sp.Step })
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
	for i := range s.Len() {
		if !s.Finite(i) {
			bad = append(bad, s.Point(i))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return []Finding{{Kind: KindNonFinite, Severity: SevError, Cause: CausePrimary, Metric: r.Primary,
		Step: bad[0].Step, FromStep: bad[0].Step, ToStep: bad[len(bad)-1].Step, Count: len(bad), Of: s.Len(), Steps: pointSteps(bad),
		Statistic: StatNonFinite, Value: float64(len(bad)), Sources: firstSources(bad, maxFindingSources),
		Facts: nonFiniteFacts(bad)}}
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
	for i, v := range loss.Values() {
		if v != 0 {
			continue
		}
		if j, ok := gn.Index(loss.Step(i)); ok && !gn.Finite(j) {
			out = append(out, loss.Point(i))
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

// evidenceFindings reports, from the verdict's evidence, the two
// findings the verdict's rules rest on: late divergence (the end window
// worse than the best earlier window beyond the rule's threshold) and a
// stall (no meaningful improvement from the start). Levels are window
// means (the start's is a median) and the values are in the metric's
// units; the thresholds follow the rules (see decide).
func evidenceFindings(tr *SeriesEvidence, metric string) []Finding {
	var out []Finding
	toUnits := func(d, at float64) float64 { return math.Abs(gainAt(-d, at, tr.LogScale)) }
	if tr.Rise > tr.RiseThreshold {
		out = append(out, Finding{Kind: KindDivergence, Severity: SevError, Cause: CauseRebound, Metric: metric,
			Step: tr.Best.ToStep, FromStep: tr.Best.FromStep, ToStep: tr.End.ToStep,
			Statistic: StatRiseOverBest, Value: math.Abs(tr.End.Level - tr.Best.Level), Threshold: toUnits(tr.RiseThreshold, tr.Best.Level),
			Sources: []string{tr.Best.Sources[0], tr.End.Sources[1]},
			Facts: []Fig{{Name: QBest, Value: tr.Best.Level}, {Name: QBestFrom, Value: float64(tr.Best.FromStep)}, {Name: QBestTo, Value: float64(tr.Best.ToStep)},
				{Name: QEnd, Value: tr.End.Level}, {Name: QWindow, Value: float64(tr.End.N)}, {Name: QSigma, Value: tr.Noise},
				{Name: QLogScale, Value: boolNum(tr.LogScale)}, {Name: QPracticalRel, Value: divergeShare}}})
	}
	if tr.Gain < tr.GainThreshold {
		f := Finding{Kind: KindStall, Severity: SevWarning, Metric: metric, Step: tr.Final.ToStep, FromStep: tr.Start.FromStep, ToStep: tr.Final.ToStep,
			Statistic: StatMedianGain, Value: tr.Total, Threshold: toUnits(tr.GainThreshold, tr.Start.Level),
			Sources: []string{tr.Start.Sources[0], tr.Final.Sources[1]},
			Facts: []Fig{{Name: QStart, Value: tr.Start.Level}, {Name: QEnd, Value: tr.Final.Level}, {Name: QWindow, Value: float64(tr.Final.N)},
				{Name: QSigma, Value: tr.Noise}, {Name: QPracticalRel, Value: DefaultOptions.PlateauRel}}}
		if isMargin(metric) {
			f.Cause = CauseMargin
			f.Facts = append(f.Facts, Fig{Name: QPrefStart, Value: sigmoid(tr.Start.Level)}, Fig{Name: QPrefEnd, Value: sigmoid(tr.Final.Level)})
		}
		out = append(out, f)
	}
	return out
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
	// The range spans the windows compared around the first and the last
	// boundary: the cited points (the first after each boundary) lie in it.
	f := Finding{Kind: KindEpochDrop, Severity: SevInfo, Metric: "loss", Step: drops[0].step, FromStep: drops[0].from, ToStep: drops[len(drops)-1].to,
		Count: len(drops), Statistic: StatEpochDrop, Value: drops[0].before - drops[0].after, Sources: []string{}}
	for i, d := range drops {
		if i < maxFindingSteps {
			f.Steps = append(f.Steps, d.step)
			f.Facts = append(f.Facts, Fig{Name: QDropBefore, Value: d.before, Step: d.step}, Fig{Name: QDropAfter, Value: d.after, Step: d.step})
		}
		f.Sources = append(f.Sources, d.source)
	}
	return f, true
}

// nonFiniteFacts counts the NaN and the infinite values among bad (JSON
// holds neither, so the finding says how many of each).
func nonFiniteFacts(bad []trainlog.Point) []Fig {
	nan := 0
	for _, p := range bad {
		if math.IsNaN(p.Value) {
			nan++
		}
	}
	return []Fig{{Name: QNaN, Value: float64(nan)}, {Name: QInf, Value: float64(len(bad) - nan)}}
}
