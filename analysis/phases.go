package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
)

// PhaseName names a phase by its rate.
type PhaseName string

// Phase names. A metric where greater is better (a reward) "rises" where
// a loss "declines"; its worsening phase is "falling".
const (
	PhaseRapid       PhaseName = "rapid decline"
	PhaseSlowing     PhaseName = "slowing"
	PhaseDiminishing PhaseName = "diminishing returns"
	PhaseRising      PhaseName = "rising"
	PhaseFlat        PhaseName = "flat"
	PhaseRapidRise   PhaseName = "rapid rise"
	PhaseFalling     PhaseName = "falling"
	// PhaseModerate is a phase at the rate of PhaseSlowing (a tenth to a
	// half of the fastest phase's) that does not follow a faster one, so
	// that nothing slowed down; PhaseModerateRise is its reward form.
	PhaseModerate     PhaseName = "moderate decline"
	PhaseModerateRise PhaseName = "moderate rise"
)

// Boundary says why a phase starts where it does.
type Boundary string

// Phase boundaries.
const (
	BoundaryStart  Boundary = "start"
	BoundaryEpoch  Boundary = "epoch boundary"
	BoundaryWarmup Boundary = "end of warmup"
	BoundaryChange Boundary = "change point"
)

// Phase segmentation settings.
const (
	phaseBins      = 200 // the curve is binned to at most this many medians
	phaseMax       = 6   // at most this many phases
	phaseRapidRate = 0.5 // rate >= this fraction of the fastest phase's: rapid
	phaseSlowRate  = 0.1 // rate >= this fraction: slowing; below: diminishing returns
)

// phases splits the curve of the primary metric into phases (methods
// §4); preference runs (DPO, ORPO, KTO) show their loss curve. The curve
// is binned to medians (which also winsorises spikes) and taken on a log
// scale when positive. Known structure comes first: epoch boundaries and
// the end of warmup are boundaries by construction, and when they give
// three phases or more they are the phases (with many epochs, binary
// segmentation chooses among them). Otherwise, inside each known segment,
// binary segmentation with a piecewise-linear cost adds change points
// where a split lowers the squared error by more than the penalty
// 3*sigma²*ln(n) (sigma from second differences). Each phase is named by
// its rate of improvement relative to the fastest phase (see phaseName).
// The phases are returned unmerged: Analyze makes the last one agree with
// the verdict, then merges neighbours with the same name (see
// agreeWithVerdict).
func phases(run *analyzer, opts Options) []Phase {
	metric, family := primaryMetric(run)
	switch family {
	case FamilyDPO, FamilyORPO, FamilyKTO:
		// Judged on the margins, but the curve shown is the loss.
		if hasFinite(run, "loss") {
			metric = "loss"
		}
	}
	c := finiteCurve(run, metric)
	if c.len() < 10 {
		return nil
	}
	logScale := c.positive()
	ty := c.logY(logScale)
	bx, by := stats.Bin(c.x, ty, phaseBins)
	nb := len(bx)
	minSeg := max(3, nb/20)
	if nb < 2*minSeg {
		return nil
	}
	sigma := stats.RobustDiff2Sigma(by)
	if !(sigma > 0) {
		sigma = stats.DiffSigma(by)
	}
	penalty := 3 * sigma * sigma * math.Log(float64(nb))
	cuts := map[int]Boundary{0: BoundaryStart}
	exact := map[int]int64{} // bin index -> the known boundary's step
	known := map[int]Boundary{}
	for _, kb := range knownBoundaries(run) {
		k := sort.SearchFloat64s(bx, float64(kb.step))
		if k < minSeg || nb-k < minSeg || tooClose(known, k, minSeg) {
			continue
		}
		known[k] = kb.why
		exact[k] = kb.step
	}
	pc := newPrefix(bx, by)
	if len(known) < phaseMax {
		for k, why := range known {
			cuts[k] = why
		}
	} else {
		// Many epochs: keep the known boundaries where the slope changes,
		// chosen by binary segmentation among them.
		binSegAt(pc, 0, nb, sortedKeys(known), penalty, known, cuts)
	}
	if len(cuts) < 3 {
		// Too little known structure: let the data add change points.
		ks := sortedKeys(cuts)
		for i, lo := range ks {
			hi := nb
			if i+1 < len(ks) {
				hi = ks[i+1]
			}
			binSeg(pc, lo, hi, minSeg, penalty, cuts)
		}
	}
	ks := sortedKeys(cuts)
	var cs []phaseCut
	for _, k := range ks {
		switch st, ok := exact[k]; {
		case k == 0:
			cs = append(cs, phaseCut{first: 0, start: c.step(0), why: cuts[k]})
		case ok:
			// A known boundary is the last step of what precedes it (the
			// end of an epoch, the peak of warmup): the phase starts
			// there, its points after it.
			cs = append(cs, phaseCut{first: sort.Search(c.len(), func(i int) bool { return c.step(i) > st }), start: st, why: cuts[k], exact: true})
		default:
			f := sort.SearchFloat64s(c.x, bx[k])
			cs = append(cs, phaseCut{first: f, start: c.step(min(f, c.len()-1)), why: cuts[k]})
		}
	}
	return namePhases(c, cs, logScale, opts)
}

// A phaseCut is where a phase begins.
type phaseCut struct {
	first int   // index of its first point
	start int64 // its start step as shown
	why   Boundary
	exact bool // a known boundary: the previous phase ends at start
}

type knownBoundary struct {
	step int64
	why  Boundary
}

// knownBoundaries lists the end of warmup and the epoch boundaries.
func knownBoundaries(run *analyzer) []knownBoundary {
	var out []knownBoundary
	if w := warmupEnd(run); w > 0 {
		out = append(out, knownBoundary{w, BoundaryWarmup})
	}
	for _, b := range epochBoundaries(run) {
		out = append(out, knownBoundary{b, BoundaryEpoch})
	}
	return out
}

// warmupEnd returns the step where a warmup ends (the learning rate
// reaches its peak after starting below half of it), or 0.
func warmupEnd(run *analyzer) int64 {
	c := finiteCurve(run, "learning_rate")
	if c.len() < 3 {
		return 0
	}
	peak, at := c.y[0], 0
	for i, v := range c.y {
		if v > peak*(1+1e-9) {
			peak, at = v, i
		}
	}
	if at == 0 || at == c.len()-1 || c.y[0] > 0.5*peak {
		return 0
	}
	return c.step(at)
}

func tooClose(cuts map[int]Boundary, k, minSeg int) bool {
	for c := range cuts {
		if abs(c-k) < minSeg {
			return true
		}
	}
	return false
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func sortedKeys(m map[int]Boundary) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// prefix holds running sums for O(1) least-squares line costs.
type prefix struct{ n, x, y, xx, xy, yy []float64 }

func newPrefix(xs, ys []float64) *prefix {
	p := &prefix{}
	m := len(xs) + 1
	p.n, p.x, p.y = make([]float64, m), make([]float64, m), make([]float64, m)
	p.xx, p.xy, p.yy = make([]float64, m), make([]float64, m), make([]float64, m)
	for i := range xs {
		x, y := xs[i], ys[i]
		p.n[i+1] = p.n[i] + 1
		p.x[i+1] = p.x[i] + x
		p.y[i+1] = p.y[i] + y
		p.xx[i+1] = p.xx[i] + x*x
		p.xy[i+1] = p.xy[i] + x*y
		p.yy[i+1] = p.yy[i] + y*y
	}
	return p
}

// cost is the residual sum of squares of a line fitted to [lo, hi).
func (p *prefix) cost(lo, hi int) float64 {
	n := p.n[hi] - p.n[lo]
	if n < 2 {
		return 0
	}
	sx, sy := p.x[hi]-p.x[lo], p.y[hi]-p.y[lo]
	sxx := p.xx[hi] - p.xx[lo] - sx*sx/n
	sxy := p.xy[hi] - p.xy[lo] - sx*sy/n
	syy := p.yy[hi] - p.yy[lo] - sy*sy/n
	if sxx <= 0 {
		return math.Max(0, syy)
	}
	return math.Max(0, syy-sxy*sxy/sxx)
}

// binSeg adds change points to cuts inside [lo, hi) by binary
// segmentation.
func binSeg(p *prefix, lo, hi, minSeg int, penalty float64, cuts map[int]Boundary) {
	if len(cuts) >= phaseMax || hi-lo < 2*minSeg {
		return
	}
	whole := p.cost(lo, hi)
	best, bestK := 0.0, -1
	for k := lo + minSeg; k <= hi-minSeg; k++ {
		if g := whole - p.cost(lo, k) - p.cost(k, hi); g > best {
			best, bestK = g, k
		}
	}
	if bestK < 0 || best <= penalty {
		return
	}
	cuts[bestK] = BoundaryChange
	binSeg(p, lo, bestK, minSeg, penalty, cuts)
	binSeg(p, bestK, hi, minSeg, penalty, cuts)
}

// binSegAt adds to cuts, by binary segmentation inside [lo, hi), the
// candidate split points (bin indices) that lower the piecewise-linear
// cost by more than the penalty, labelled as in why.
func binSegAt(p *prefix, lo, hi int, cands []int, penalty float64, why map[int]Boundary, cuts map[int]Boundary) {
	if len(cuts) >= phaseMax {
		return
	}
	whole := p.cost(lo, hi)
	best, bestK := 0.0, -1
	for _, k := range cands {
		if k <= lo || k >= hi {
			continue
		}
		if g := whole - p.cost(lo, k) - p.cost(k, hi); g > best {
			best, bestK = g, k
		}
	}
	if bestK < 0 || best <= penalty {
		return
	}
	cuts[bestK] = why[bestK]
	binSegAt(p, lo, bestK, cands, penalty, why, cuts)
	binSegAt(p, bestK, hi, cands, penalty, why, cuts)
}

// namePhases measures and names the phases that begin at the cuts. Each
// phase starts at the level where the previous one ended, so the shares
// of the drop add up; its rate is its change of level (log scale when
// positive) per step, which names it relative to the fastest phase and is
// what Phase.SlopePerStep reports (see finishPhases), so that the name,
// the share and the rate shown agree.
func namePhases(c *curve, cs []phaseCut, logScale bool, opts Options) []Phase {
	n := c.len()
	tr := func(v float64) float64 {
		if logScale {
			return math.Log(v)
		}
		return v
	}
	sigma := noiseSigma(c.logY(logScale))
	var out []Phase
	var changes, rates, flats []float64
	var prevEnd float64
	for i, cut := range cs {
		e := n
		end := c.step(n - 1)
		if i+1 < len(cs) {
			e = cs[i+1].first
			end = c.step(max(cut.first, e-1))
			if cs[i+1].exact {
				end = cs[i+1].start
			}
		}
		if e-cut.first < 2 {
			continue
		}
		seg := c.y[cut.first:e]
		w := max(1, min(len(seg)/5, max(3, len(seg)/10)))
		if len(out) == 0 {
			prevEnd = windowMean(seg[:w])
		}
		endLevel := windowMean(seg[len(seg)-w:])
		ph := Phase{
			StartStep:  cut.start,
			EndStep:    end,
			StartLevel: Derived{Value: prevEnd, How: levelHow(c, len(out) == 0, cut.first, w)},
			EndLevel:   Derived{Value: endLevel, How: endHow(c, e, w)},
			Boundary:   cut.why,
		}
		change := c.better(tr(prevEnd), tr(endLevel))
		changes = append(changes, change)
		rates = append(rates, change/math.Max(float64(ph.EndStep-ph.StartStep), 1))
		flats = append(flats, math.Max(2*sigma*math.Sqrt(2/float64(w)), opts.PlateauRel))
		out = append(out, ph)
		prevEnd = endLevel
	}
	if len(out) == 0 {
		return nil
	}
	maxRate := 0.0
	for _, r := range rates {
		maxRate = math.Max(maxRate, r)
	}
	improved := false
	for i := range out {
		out[i].Name = phaseName(c.greater, changes[i], rates[i], maxRate, flats[i], improved)
		improved = improved || changes[i] > flats[i]
	}
	for i := range out {
		out[i].Metric, out[i].LogScale = c.name, logScale
	}
	return out
}

// agreeWithVerdict makes the phase table say what the verdict says, from
// the same evidence: the last phase of a converged run is diminishing
// returns (its improvement has practically stopped, whatever its rate
// relative to the fastest phase), and the last phase of an improving run
// is not diminishing returns or flat (it still delivers a practical
// improvement). Then neighbours with the same name are merged, and each
// phase's share of the total drop and its rate are measured.
func agreeWithVerdict(ps []Phase, v Verdict) []Phase {
	if len(ps) == 0 {
		return ps
	}
	out := append([]Phase(nil), ps...)
	last := &out[len(out)-1]
	switch v.Status {
	case StatusConverged:
		switch last.Name {
		case PhaseRapid, PhaseSlowing, PhaseRapidRise:
			last.Name = PhaseDiminishing
		}
	case StatusImproving:
		switch last.Name {
		case PhaseDiminishing, PhaseFlat:
			last.Name = PhaseSlowing
		}
	}
	return finishPhases(out)
}

// finishPhases merges neighbours with the same name and measures each
// phase's share of the total drop and its rate; a slowing phase that
// follows no faster one is a moderate decline (rise).
func finishPhases(out []Phase) []Phase {
	if len(out) == 0 {
		return out
	}
	greater := GreaterIsBetter(out[0].Metric)
	better := func(a, b float64) float64 {
		if greater {
			return b - a
		}
		return a - b
	}
	tr := func(v float64) float64 {
		if out[0].LogScale {
			return math.Log(v)
		}
		return v
	}
	out = mergeSameNames(out)
	total := better(out[0].StartLevel.Value, out[len(out)-1].EndLevel.Value)
	for i := range out {
		if total != 0 {
			out[i].ShareOfDrop = better(out[i].StartLevel.Value, out[i].EndLevel.Value) / total
		}
		out[i].SlopePerStep = (tr(out[i].EndLevel.Value) - tr(out[i].StartLevel.Value)) / math.Max(float64(out[i].EndStep-out[i].StartStep), 1)
		if i > 0 && out[i].Name == PhaseSlowing && out[i-1].Name != PhaseRapid && out[i-1].Name != PhaseRapidRise {
			// Nothing faster came just before: it did not slow down.
			out[i].Name = PhaseModerate
			if greater {
				out[i].Name = PhaseModerateRise
			}
		}
	}
	if out[0].Name == PhaseSlowing {
		out[0].Name = PhaseModerate
		if greater {
			out[0].Name = PhaseModerateRise
		}
	}
	return out
}

// phaseName names a phase from its improvement (in log units when the
// curve is positive) and its rate relative to the fastest phase: at least
// phaseRapidRate of it is a rapid decline, at least phaseSlowRate is
// slowing, less is diminishing returns; a change within flatBelow is flat
// (diminishing returns once the curve has improved before), and a
// worsening beyond it is rising (falling for a reward).
func phaseName(greater bool, change, rate, maxRate, flatBelow float64, after bool) PhaseName {
	switch {
	case change < -flatBelow:
		if greater {
			return PhaseFalling
		}
		return PhaseRising
	case change <= flatBelow:
		if after {
			return PhaseDiminishing
		}
		return PhaseFlat
	case maxRate > 0 && rate >= phaseRapidRate*maxRate:
		if greater {
			return PhaseRapidRise
		}
		return PhaseRapid
	case maxRate > 0 && rate >= phaseSlowRate*maxRate:
		return PhaseSlowing
	}
	return PhaseDiminishing
}

// mergeSameNames merges neighbouring phases with the same name.
func mergeSameNames(ps []Phase) []Phase {
	var out []Phase
	for _, p := range ps {
		if k := len(out); k > 0 && out[k-1].Name == p.Name {
			out[k-1].EndStep = p.EndStep
			out[k-1].EndLevel = p.EndLevel
			continue
		}
		out = append(out, p)
	}
	return out
}

// levelHow says how a phase's start level was measured: the mean of the
// first w points from index i for the first phase, the previous phase's
// end level for the others.
func levelHow(c *curve, first bool, i, w int) How {
	if !first {
		return How{Method: MethodPreviousEnd, Metric: c.name}
	}
	return How{Method: MethodWindowMean, Metric: c.name, FromStep: c.step(i), ToStep: c.step(i + w - 1), N: w, First: true}
}

// endHow says how a phase's end level was measured: the mean of the w
// points before index e.
func endHow(c *curve, e, w int) How {
	return How{Method: MethodWindowMean, Metric: c.name, FromStep: c.step(e - w), ToStep: c.step(e - 1), N: w}
}

func windowMean(xs []float64) float64 { return stats.Mean(xs) }

func logsIf(xs []float64, on bool) []float64 {
	if !on {
		return xs
	}
	return logs(xs)
}
