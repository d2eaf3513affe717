package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// Evidence settings.
const (
	// marginShareOfRun is the share of the run's total improvement below
	// which the current rate of improvement is of no practical size when
	// kept up for the rest of the run, or, for a finished run, for
	// another run as long as this one: it would add less than 3% to what
	// the run achieved (diminishing returns; a memorised loss at 0.003
	// that still halves has nothing left to give). Over a horizon of h
	// steps it is marginShareOfRun * total * h / length, length the
	// steps after warmup or the steps left to max_steps, the larger.
	marginShareOfRun = 0.03
	// startShare and startMax bound the points of the start window: 2%
	// of the points, between 3 and startMax; their median is the level
	// the run started from, which a start-up spike does not move.
	startShare = 0.02
	startMax   = 10
	// stallShare and stallMax bound the start window of the stall test:
	// 5% of the points, between 3 and stallMax.
	stallShare = 0.05
	stallMax   = 50
	// minSegmentPoints is the fewest points of the final segment the
	// slope is measured on.
	minSegmentPoints = 10
	// minStretchPoints is the fewest points of the late stretch and of
	// the final stretch.
	minStretchPoints = 5
	// lateShareSpan is the share of the steps the late share is
	// measured over: the last two fifths.
	lateShareSpan = 0.4
	// lateFrom, finalFrom: the late stretch is 70-90% of the way from
	// the end of warmup to the last step, the final stretch the rest.
	lateFrom  = 0.7
	finalFrom = 0.9
	// divergeShare is how much worse than its best level (relative, for a
	// loss) the end must be to call a run diverged: far worse, not a
	// drift.
	divergeShare = 0.05
	// divergeSE and stallSE are the standard errors of the difference of
	// two levels beyond which a worsening, or an improvement, is not
	// noise. Taking the best of several windows favours a low one, hence
	// 3 rather than 2.
	divergeSE = 3.0
	stallSE   = 2.0
	// z95 is the normal quantile of a two-sided 95% interval.
	z95 = 1.959964
)

// evidenceOf computes the run's Evidence for its primary metric r.Primary
// (and family r.Run.Family).
func evidenceOf(a *analyzer, r *Report, opts Options) *Evidence {
	e := &Evidence{Metric: r.Primary, Family: r.Run.Family}
	g := runGeometry(a)
	e.Run = runFacts(a, r.Primary, g)
	e.Pitfalls = pitfallFacts(a, r.Primary, opts)
	c := finiteCurve(a, r.Primary)
	if c.len() >= minVerdictPoints {
		e.Train = seriesEvidence(a, c, g, opts)
	}
	e.Eval = evalEvidence(a, r.Primary, r.Run.Family, opts)
	if e.Eval != nil && e.Train != nil && !trainlog.IsEval(r.Primary) {
		trainWorseOver(c, e.Train, e.Eval, opts)
	}
	if isMargin(r.Primary) && e.Train != nil {
		e.Preference = preferenceFacts(a, e.Train, opts)
	}
	return e
}

// runFacts reads the run's shape.
func runFacts(a *analyzer, metric string, g geometry) RunFacts {
	f := RunFacts{FirstStep: g.firstStep, LastStep: g.lastStep, PlannedSteps: g.planned, Completed: g.completed,
		StepsPerEpoch: g.stepsPerEpoch, WarmupEnd: warmupEnd(a), SummaryValues: len(a.Summary)}
	if s := a.Get(metric); s != nil {
		f.Logged = s.Len()
	}
	f.Points = finiteCurve(a, metric).len()
	if lr := finiteCurve(a, "learning_rate"); lr.len() > 0 {
		last := lr.point(lr.len() - 1)
		f.LastLR, f.LastLRSource = last.Value, last.Source.String()
		for _, v := range lr.y {
			f.PeakLR = math.Max(f.PeakLR, v)
		}
		// Still rising at the last log, from below half of it: the run
		// stopped during warmup.
		n := lr.len()
		f.InWarmup = !g.completed && n >= 3 && last.Value > lr.y[n-2]*(1+1e-9) &&
			last.Value >= f.PeakLR && lr.y[0] <= 0.5*last.Value
	}
	f.StoppedAtStart = g.incomplete() && float64(g.lastStep) < minProgress*float64(g.planned)
	return f
}

// minProgress is the share of its planned steps below which an
// interrupted run is still in its start-up transient: no verdict.
const minProgress = 0.05

// pitfallFacts counts the values that make the primary curve meaningless.
func pitfallFacts(a *analyzer, metric string, opts Options) PitfallFacts {
	var f PitfallFacts
	if s := a.Get(metric); s.Len() > 0 {
		for _, v := range s.Values() {
			if !finite(v) {
				f.NonFinite++
			}
		}
		if last := s.Point(s.Len() - 1); !last.Finite() {
			f.NonFiniteLast, f.NonFiniteStep, f.NonFiniteSource = true, last.Step, last.Source.String()
		}
	}
	g := runGeometry(a)
	lateFrom := g.lastStep - int64(opts.TailFraction*float64(g.lastStep-g.firstStep))
	for _, p := range nanWindows(a) {
		f.NaNWindows++
		if p.Step >= lateFrom {
			f.NaNWindowsLate++
		}
		f.LastNaNWindowStep, f.LastNaNWindowSource = p.Step, p.Source.String()
	}
	loss, gn := a.Get("loss"), a.Get("grad_norm")
	for i, v := range loss.Values() {
		if !finite(v) {
			continue
		}
		f.LossPoints++
		if v != 0 {
			continue
		}
		if gn.Len() > 0 {
			if j, ok := gn.Index(loss.Step(i)); !ok || gn.Value(j) != 0 {
				continue
			}
		}
		f.ZeroSignal++
		if len(f.ZeroSources) < 2 {
			f.ZeroSources = append(f.ZeroSources, loss.Source(i).String())
		} else {
			f.ZeroSources[1] = loss.Source(i).String()
		}
	}
	bounds := epochBoundaries(a)
	f.EpochsLogged = len(bounds)
	f.EpochDrops = epochDrops(finiteCurve(a, "loss"), bounds)
	return f
}

// decisionScale returns the series on its decision scale u, where lower
// is better and a change of u is comparable along the curve: log(y) for
// a positive metric where lower is better, y for another lower-is-better
// metric, -y where greater is better.
func decisionScale(c *curve) (us []float64, logScale bool) {
	switch {
	case c.positive() && !c.greater:
		return c.logY(true), true
	case c.greater:
		us = make([]float64, c.len())
		for i, v := range c.y {
			us[i] = -v
		}
		return us, false
	}
	return c.y, false
}

// gainAt converts an improvement du on the decision scale into the
// metric's units at level (positive = better).
func gainAt(du, level float64, logScale bool) float64 {
	if logScale {
		return level * -math.Expm1(-du)
	}
	return du
}

// gainInterval converts an interval of improvements on the decision
// scale into the metric's units at level.
func gainInterval(du, lo, hi, level float64, logScale bool) Interval {
	return Interval{Value: gainAt(du, level, logScale), Low: gainAt(lo, level, logScale), High: gainAt(hi, level, logScale)}
}

// seriesEvidence measures c (at least minVerdictPoints finite points).
func seriesEvidence(a *analyzer, c *curve, g geometry, opts Options) *SeriesEvidence {
	n := c.len()
	us, logScale := decisionScale(c)
	se := &SeriesEvidence{Metric: c.name, Greater: c.greater, LogScale: logScale, Points: n}
	i0 := 0
	if w := warmupEnd(a); w > 0 && !trainlog.IsEval(c.name) {
		i0 = min(sort.Search(n, func(i int) bool { return c.step(i) >= w }), n-minVerdictPoints)
	}
	se.FromStep, se.ToStep = c.step(i0), c.step(n-1)
	nm := newNoiseModel(c.x[i0:], us[i0:])
	se.Noise, se.Lag1 = nm.sigma, nm.lag1
	lr := newLRFractions(a)

	// Start: the median of the first points, which a start-up spike does
	// not move.
	k0 := max(3, min(startMax, int(math.Ceil(startShare*float64(n)))))
	se.Start = c.window(WindowStart, 0, k0, us, nm, lr)
	se.Start.Level = stats.Median(c.y[:k0])
	se.Start.t = stats.Median(us[:k0])
	// The standard error of a median, from the series' robust point
	// noise: a start-up spike must move neither the level nor its
	// uncertainty.
	se.Start.NEff = math.Max(1, float64(k0)*(1-nm.lag1)/(1+nm.lag1))
	se.Start.StdErr = 1.2533 * nm.sigma / math.Sqrt(se.Start.NEff)

	// Final: the report's one current level.
	f0 := c.tailStart(opts.TailFraction, minLevelPoints)
	se.Final = c.window(WindowFinal, f0, n, us, nm, lr)
	level := se.Final.Level
	se.Total = c.better(se.Start.Level, level)

	// Fifths of the steps after warmup.
	span := c.x[n-1] - c.x[i0]
	bound := func(f float64) int {
		return sort.SearchFloat64s(c.x, c.x[i0]+f*span)
	}
	idx := []int{i0, bound(0.2), bound(0.4), bound(0.6), bound(0.8), n}
	fifths := make([]Window, 0, 5)
	names := []WindowName{WindowFifth1, WindowFifth2, WindowFifth3, WindowFifth4, WindowFifth5}
	for k := 0; k < 5; k++ {
		if idx[k+1]-idx[k] < 2 {
			fifths = nil
			break
		}
		fifths = append(fifths, c.window(names[k], idx[k], idx[k+1], us, nm, lr))
	}
	se.Fifths = fifths

	// Learning: the improvement from the start window of the stall test
	// (the median of the first stallShare of the points, at most
	// stallMax: more points than the start level's, which must catch
	// the first values of a fast descent, because a noisy run must not
	// look as if it learned) to the final level, against 2 standard
	// errors of the two levels and a practical step.
	k1 := max(3, min(stallMax, int(math.Ceil(stallShare*float64(n)))))
	se.GainFrom = c.window(WindowStart, 0, k1, us, nm, lr)
	se.GainFrom.Level, se.GainFrom.t = stats.Median(c.y[:k1]), stats.Median(us[:k1])
	// A start-up spike must move neither the level nor its uncertainty:
	// the standard error of the median from the robust point noise.
	se.GainFrom.NEff = math.Max(1, float64(k1)*(1-nm.lag1)/(1+nm.lag1))
	se.GainFrom.StdErr = 1.2533 * nm.sigma / math.Sqrt(se.GainFrom.NEff)
	se.Gain = se.GainFrom.t - se.Final.t
	se.GainThreshold = math.Max(stallSE*math.Hypot(se.GainFrom.StdErr, se.Final.StdErr), practicalStep(c, se.GainFrom.Level, se.GainFrom.t, logScale, opts))

	// The final segment, its slope and the horizon.
	s0 := min(idx[4], n-minSegmentPoints)
	mk := stats.MannKendall(us[s0:], 0, true)
	fit := stats.TheilSen(c.x[s0:], us[s0:], 0, mk.VarCorrected, 0.95)
	if math.IsNaN(fit.Slope) {
		fit.Slope, fit.Low, fit.High = 0, 0, 0
	}
	se.Slope = Interval{fit.Slope, fit.Low, fit.High}
	se.SlopeFrom, se.SlopeTo, se.SlopeN = c.step(s0), c.step(n-1), n-s0
	se.MannKendallZ, se.P = mk.Z, mk.P
	se.Horizon = verdictHorizon(g).capTo(se.SlopeTo - se.SlopeFrom)
	h := float64(se.Horizon.Steps)
	se.Change = gainInterval(-fit.Slope*h, -fit.High*h, -fit.Low*h, level, logScale)
	se.Resolution = resolution(c, s0)

	if len(fifths) == 5 {
		f4, f5 := fifths[3], fifths[4]
		d := f4.t - f5.t
		sd := math.Hypot(f4.StdErr, f5.StdErr)
		dist := meanX(c, idx[4], idx[5]) - meanX(c, idx[3], idx[4])
		scale := h / math.Max(dist, 1)
		iv := gainInterval(d*scale, (d-z95*sd)*scale, (d+z95*sd)*scale, level, logScale)
		se.FifthChange = &iv
		se.LateShare = lateShare(fifths[2], f5, se.Total, logScale)
		se.LateScale = restScale(g, meanX(c, idx[4], idx[5])-meanX(c, idx[2], idx[3]))
		se.LateShare = scaled(se.LateShare, se.LateScale)
		se.LateLR = fifths[2].LRFraction
		se.Shares = make([]float64, 5)
		prev := se.Start.Level
		total := c.better(se.Start.Level, f5.Level)
		for k, w := range fifths {
			if total != 0 {
				se.Shares[k] = c.better(prev, w.Level) / total
			}
			prev = w.Level
		}
	}
	se.FinalStretchLR = -1
	l0, l1 := bound(lateFrom), bound(finalFrom)
	if l1-l0 >= minStretchPoints && n-l1 >= minStretchPoints {
		se.LateChange = stretchChange(c, us, l0, l1, h, level, logScale)
		se.FinalStretchChange = stretchChange(c, us, l1, n, h, level, logScale)
		if lr != nil {
			se.FinalStretchLR = lr.mean(c.step(l1), c.step(n-1))
		}
	}

	length := span
	if g.incomplete() {
		length = math.Max(span, float64(g.planned-g.lastStep))
	}
	se.Margin, se.MarginKind = margin(c, level, se.Total*h/math.Max(1, length), se.Resolution, opts)
	rebound(a, c, us, se, nm, opts)
	return se
}

// lateShare is the improvement from window a's level to window b's, as
// a share of the total improvement total (in the metric's units), with
// its 95% interval from the two levels' standard errors; nil without a
// total improvement.
func lateShare(a, b Window, total float64, logScale bool) *Interval {
	if !(total > 0) {
		return nil
	}
	d, sd := a.t-b.t, math.Hypot(a.StdErr, b.StdErr)
	// On a log scale the improvement in units from a's level to b's
	// (both measured on the log scale) is b's level times e^d - 1.
	units := func(du float64) float64 {
		if logScale {
			return math.Exp(b.t) * math.Expm1(du)
		}
		return du
	}
	return &Interval{Value: units(d) / total, Low: units(d-z95*sd) / total, High: units(d+z95*sd) / total}
}

// restScale is the factor that extends a change measured over dist
// steps to the rest of an unfinished run, when the rest is longer: at
// that rate, what would the rest of the run deliver? It is 1 for a
// finished run.
func restScale(g geometry, dist float64) float64 {
	if !g.incomplete() || !(dist > 0) {
		return 1
	}
	return math.Max(1, float64(g.planned-g.lastStep)/dist)
}

// scaled returns the interval multiplied by k (nil stays nil).
func scaled(iv *Interval, k float64) *Interval {
	if iv == nil {
		return nil
	}
	return &Interval{Value: k * iv.Value, Low: k * iv.Low, High: k * iv.High}
}

// meanX returns the mean step of the points [lo, hi) of c.
func meanX(c *curve, lo, hi int) float64 { return stats.Mean(c.x[lo:hi]) }

// stretchChange projects the Theil-Sen slope of the points [lo, hi) over
// h steps, with its 95% interval.
func stretchChange(c *curve, us []float64, lo, hi int, h, level float64, logScale bool) *Interval {
	mk := stats.MannKendall(us[lo:hi], 0, true)
	fit := stats.TheilSen(c.x[lo:hi], us[lo:hi], 0, mk.VarCorrected, 0.95)
	if math.IsNaN(fit.Slope) {
		return nil
	}
	iv := gainInterval(-fit.Slope*h, -fit.High*h, -fit.Low*h, level, logScale)
	return &iv
}

// practicalStep returns the least improvement on the decision scale that
// counts as learning from a start level: PlateauRel of it (a relative
// change on a log scale), or for a preference margin the change that
// moves the implied preference probability by PlateauRel.
func practicalStep(c *curve, level, t float64, logScale bool, opts Options) float64 {
	switch {
	case isMargin(c.name):
		return practicalGain(c.name, level, c.greater, opts)
	case logScale:
		return math.Log1p(opts.PlateauRel)
	}
	return opts.PlateauRel * math.Abs(t)
}

// margin returns the practical margin of a change at level (see
// MarginKind): the largest of PlateauRel of the level (for a preference
// margin, the change that moves sigmoid(margin) by PlateauRel),
// marginShareOfRun of total, the total improvement scaled to the
// horizon, and the log's resolution.
func margin(c *curve, level, total, res float64, opts Options) (float64, MarginKind) {
	m, kind := opts.PlateauRel*math.Abs(level), MarginLevel
	if isMargin(c.name) {
		m, kind = practicalGain(c.name, level, c.greater, opts), MarginPreference
	}
	if t := marginShareOfRun * total; t > m {
		m, kind = t, MarginTotal
	}
	if res > m {
		m, kind = res, MarginResolution
	}
	return m, kind
}

// rebound fills the comparison windows of the divergence rule: the curve
// is cut, from its end, into windows of TailFraction of its points (at
// least 3), or into whole epochs when the loss drops at its epoch
// boundaries; Best is the best window before the last, End the last.
func rebound(a *analyzer, c *curve, us []float64, se *SeriesEvidence, nm noiseModel, opts Options) {
	n := c.len()
	var cuts []int // window starts, ascending; the last window ends at n
	g := runGeometry(a)
	if spe := g.stepsPerEpoch; spe >= 1 && epochDrops(c, epochBoundaries(a)) > 0 {
		// Whole epochs, as many per window as make TailFraction of the
		// steps: the drift inside an epoch averages out.
		per := math.Max(1, math.Ceil(opts.TailFraction*(c.x[n-1]-c.x[0])/spe))
		width := per * spe
		for k := 0.0; ; k++ {
			i := sort.SearchFloat64s(c.x, k*width+0.5)
			if i >= n {
				break
			}
			if len(cuts) == 0 || i > cuts[len(cuts)-1] {
				cuts = append(cuts, i)
			}
		}
		cuts[0] = 0
		if len(cuts) > 1 && n-cuts[len(cuts)-1] < 3 {
			cuts = cuts[:len(cuts)-1] // a last partial window too short to measure
		}
		se.EpochAligned = len(cuts) >= 2
	}
	if !se.EpochAligned {
		k := max(3, int(math.Ceil(opts.TailFraction*float64(n))))
		cuts = cuts[:0]
		for hi := n; hi-k >= 0; hi -= k {
			cuts = append([]int{hi - k}, cuts...)
		}
		if len(cuts) > 0 && cuts[0] < k && cuts[0] > 0 {
			cuts[0] = 0 // the first window takes the remainder
		}
	}
	if len(cuts) < 2 {
		return
	}
	windows := make([]Window, len(cuts))
	for i, lo := range cuts {
		hi := n
		if i+1 < len(cuts) {
			hi = cuts[i+1]
		}
		windows[i] = c.window(WindowBest, lo, hi, us, nm, nil)
	}
	// Not coming back: with four windows or more, the last two must each
	// be worse than the best window before them (Rise is the smaller of
	// the two rises), so that one high window of a slow, correlated
	// wander is not read as a divergence.
	last := len(windows) - 1
	if len(windows) >= 4 {
		last--
	}
	best := 0
	for i := range windows[:last] {
		if windows[i].t < windows[best].t {
			best = i
		}
	}
	se.Best = windows[best]
	se.End = windows[len(windows)-1]
	se.End.Name = WindowEnd
	se.Rise = math.Min(se.End.t, windows[last].t) - se.Best.t
	far := math.Log1p(divergeShare)
	if !se.LogScale {
		far = divergeShare * math.Max(math.Abs(se.Best.t), math.Abs(se.Best.t-se.Start.t))
	}
	// The noise of a difference of two window levels: from the windows'
	// own standard errors, and, with five windows or more, from the
	// spread of the second differences of their levels (robust; a
	// second difference cancels the trend, and its variance is 6 times a
	// level's, 3 times a difference's), which holds the slow wander of
	// correlated noise that a window's few points cannot show.
	noise := math.Hypot(se.Best.StdErr, se.End.StdErr)
	if len(windows) >= 5 {
		noise = math.Max(noise, windowWander(windows))
	}
	se.RiseThreshold = math.Max(divergeSE*noise, far)
}

// windowWander is the noise of a difference of two window levels from
// the spread of the second differences of the levels (robust; a second
// difference cancels the trend, and its variance is 6 times a level's,
// 3 times a difference's).
func windowWander(windows []Window) float64 {
	d2 := make([]float64, 0, len(windows)-2)
	for i := 2; i < len(windows); i++ {
		d2 = append(d2, windows[i].t-2*windows[i-1].t+windows[i-2].t)
	}
	return stats.RobustSigma(d2) / math.Sqrt(3)
}

// evalEvidence measures the held-out metric (see evalMetricFor).
func evalEvidence(a *analyzer, primary string, family Family, opts Options) *EvalEvidence {
	name := evalMetricFor(a, primary, family)
	ev := finiteCurve(a, name)
	n := ev.len()
	if n == 0 {
		return nil
	}
	e := &EvalEvidence{Metric: name, Greater: ev.greater, N: n}
	bi := 0
	for i, v := range ev.y {
		if ev.better(ev.y[bi], v) > 0 {
			bi = i
		}
	}
	best, last := ev.point(bi), ev.point(n-1)
	e.Best, e.BestStep = Cited{Value: best.Value, Source: best.Source.String()}, best.Step
	e.Last, e.LastStep = Cited{Value: last.Value, Source: last.Source.String()}, last.Step
	e.Noise = evalNoise(ev.y)
	thr := func(level float64) float64 { return math.Max(overfitZ*e.Noise, opts.PlateauRel*math.Abs(level)) }
	// The best level is the best evaluation that is not an isolated dip:
	// one evaluation better than both neighbours by more than the
	// threshold, after which the values are back at their level, is
	// noise of the eval set, not a minimum the later evaluations fell
	// from.
	worse := func(v, ref float64) float64 { return ev.better(v, ref) }
	li := -1
	for i, v := range ev.y {
		t := thr(v)
		dip := i > 0 && i < n-1 && worse(ev.y[i-1], v) > t && worse(ev.y[i+1], v) > t
		if !dip && (li < 0 || ev.better(ev.y[li], v) > 0) {
			li = i
		}
	}
	if li < 0 {
		li = bi
	}
	e.BestLevel, e.BestLevelStep = ev.y[li], ev.step(li)
	e.Threshold = thr(e.BestLevel)
	e.After = n - 1 - li
	// Persistently worse: the last evaluations are each worse than the
	// best level by more than one noise sigma (at least a tenth of the
	// threshold when the noise is ~0); the last by Rise.
	each := math.Max(e.Noise, e.Threshold/overfitZ/5)
	for j := n - 1; j > li && worse(ev.y[j], e.BestLevel) > each; j-- {
		e.Persist++
	}
	e.Rise = worse(last.Value, e.BestLevel)
	if e.Noise > 0 {
		e.RiseSigma = worse(last.Value, e.BestLevel) / e.Noise
	}
	e.First = Cited{Value: ev.y[0], Source: ev.source(0).String()}
	e.LateShare, e.LateFrom = evalLateShare(ev, e.Noise, runGeometry(a))
	if n >= minEvalTrend {
		us, logScale := decisionScale(ev)
		i0 := n - max(minEvalTrend, (n+2)/3)
		mk := stats.MannKendall(us[i0:], 0, true)
		fit := stats.TheilSen(ev.x[i0:], us[i0:], 0, mk.VarCorrected, 0.95)
		if !math.IsNaN(fit.Slope) {
			e.TrendHorizon = verdictHorizon(runGeometry(a)).capTo(ev.step(n-1) - ev.step(i0))
			h := float64(e.TrendHorizon.Steps)
			iv := gainInterval(-fit.Slope*h, -fit.High*h, -fit.Low*h, last.Value, logScale)
			e.Trend, e.TrendFrom, e.TrendN, e.TrendLevel = &iv, ev.step(i0), n-i0, last.Value
			e.Margin, _ = margin(ev, last.Value, ev.better(ev.y[0], e.BestLevel)*h/math.Max(1, ev.x[n-1]-ev.x[0]), 0, opts)
		}
	}
	return e
}

// evalLateShare is the held-out metric's improvement over the last
// lateShareSpan of its steps (from its level at the start of that
// stretch, interpolated between the evaluations around it, to the last
// evaluation) as a share of its improvement from the first evaluation
// to the last, extended to the rest of an unfinished run (see
// restScale), with a 95% interval from the eval noise sigma; nil with
// fewer than 3 evaluations or without an improvement.
func evalLateShare(ev *curve, noise float64, g geometry) (*Interval, int64) {
	n := ev.len()
	if n < 3 {
		return nil, 0
	}
	total := ev.better(ev.y[0], ev.y[n-1])
	if !(total > 0) {
		return nil, 0
	}
	x0 := ev.x[n-1] - lateShareSpan*(ev.x[n-1]-ev.x[0])
	i := sort.SearchFloat64s(ev.x, x0)
	if i == 0 || i >= n {
		return nil, 0
	}
	f := (x0 - ev.x[i-1]) / (ev.x[i] - ev.x[i-1])
	from := ev.y[i-1] + f*(ev.y[i]-ev.y[i-1])
	d, sd := ev.better(from, ev.y[n-1]), math.Sqrt2*noise
	k := restScale(g, ev.x[n-1]-x0) / total
	return &Interval{Value: k * d, Low: k * (d - z95*sd), High: k * (d + z95*sd)}, int64(math.Round(x0))
}

// evalMetricFor chooses the held-out metric: the eval copy of the
// primary metric where the loss means nothing (the reward of GRPO and
// PPO, whose loss is about 0 by construction), else eval_loss, else an
// accuracy.
func evalMetricFor(a *analyzer, primary string, family Family) string {
	var names []string
	if isRLFamily(family) && primary != "loss" {
		names = append(names, "eval_"+primary)
	}
	names = append(names, "eval_loss", "eval_accuracy")
	for _, n := range names {
		if finiteCurve(a, n).len() > 0 {
			return n
		}
	}
	return "eval_loss"
}

// trainWorseOver compares the training metric c over the span of the
// eval's rise: its level at the eval's best level (the minLevelPoints
// points nearest that step: the same model the evaluation measured)
// against its level at the last evaluation. When the later one is worse
// beyond the noise of the two levels (z95 standard errors of the
// difference) and by a practical step (PlateauRel of the level, as for
// the eval's own threshold), the training metric got worse with the
// held-out one: the fit itself degraded, which is not overfitting.
func trainWorseOver(c *curve, tr *SeriesEvidence, e *EvalEvidence, opts Options) {
	if e.After == 0 || c.len() < 2*minLevelPoints {
		return
	}
	us, logScale := decisionScale(c)
	nm := noiseModel{sigma: tr.Noise, lag1: tr.Lag1}
	from, to := c.windowAt(e.BestLevelStep, minLevelPoints, us, nm), c.windowAt(e.LastStep, minLevelPoints, us, nm)
	if to.FromStep <= from.ToStep {
		return // the rise spans too few training points to compare
	}
	e.TrainFrom, e.TrainTo = from.ToStep, to.ToStep
	e.TrainRise = to.t - from.t
	e.TrainRiseThreshold = math.Max(z95*math.Hypot(from.StdErr, to.StdErr), practicalStep(c, from.Level, from.t, logScale, opts))
	e.TrainWorse = e.TrainRise > e.TrainRiseThreshold
}

// preferenceFacts reads the implied preference probabilities and the
// pairwise accuracies of a preference run.
func preferenceFacts(a *analyzer, se *SeriesEvidence, opts Options) *PreferenceFacts {
	p := &PreferenceFacts{StartProbability: sigmoid(se.Start.Level), EndProbability: sigmoid(se.Final.Level), Accuracy: -1, EvalAccuracy: -1}
	if c := finiteCurve(a, "rewards/accuracies"); c.len() > 0 {
		p.Accuracy, _ = finalLevel(c, opts)
	}
	if v, ok := a.Summary["eval_rewards/accuracies"]; ok && finite(v.Value) {
		p.EvalAccuracy, p.EvalSource = v.Value, v.Source.String()
	} else if c := finiteCurve(a, "eval_rewards/accuracies"); c.len() > 0 {
		last := c.point(c.len() - 1)
		p.EvalAccuracy, p.EvalSource = last.Value, last.Source.String()
	}
	return p
}
