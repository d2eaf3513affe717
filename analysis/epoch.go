package analysis

import (
	"fmt"
	"math"
	"strings"
)

// Projection settings.
const (
	// annealedRatio is the final/peak learning-rate ratio below which a
	// schedule counts as annealed: the loss is then flat partly because
	// the rate is ~0, and more training needs a new schedule.
	annealedRatio = 0.1
	// annealMomentum is the per-step decay of the annealing momentum in
	// the S2 term of Tissue et al. (2024); they use 0.999.
	annealMomentum = 0.999
	// lrAxisMaxSteps bounds the per-step arrays; longer runs are sampled
	// with a stride.
	lrAxisMaxSteps = 1 << 20
)

// anotherEpoch projects the effect of one more epoch (or of the rest of
// an unfinished run; see horizon) on the primary metric (methods §8). The
// metric is fitted against the learning-rate areas of Tissue et al.
// (2024), L = L0 + A*S1^-alpha - C*S2, with S1 = Σ lr the cumulative rate
// and S2 the annealing area, and as a saturating exponential in S1, over
// the points after warmup, so that an annealed schedule's flat end is not
// mistaken for the limit (see project for how the form and the range are
// chosen). Without a logged rate the exponential is fitted against steps.
// The horizon is at the run's mean rate, never more than the observed
// span. The baseline is the current level (see finalLevel). The cost
// comes from the measured throughput and the overfitting risk from the
// eval section.
func anotherEpoch(run *analyzer, r *Report, opts Options) *AnotherEpoch {
	ae := &AnotherEpoch{}
	c := finiteCurve(run, r.Primary)
	g := runGeometry(run)
	if c.len() < minVerdictPoints {
		ae.Reason = fmt.Sprintf("%s has %d finite points: too few to extrapolate.", r.Primary, c.len())
		return ae
	}
	hz := nextHorizon(g)
	if hz.steps <= 0 {
		ae.Reason = "The number of steps per epoch is unknown (no epoch was logged and no max_steps/num_train_epochs), so one more epoch cannot be sized."
		return ae
	}
	span := c.pts[c.len()-1].Step - c.pts[0].Step
	h, what := hz.capped(span, "the whole curve")
	ae.HorizonSteps = h
	ae.HorizonWhat = what
	level, l0 := finalLevel(c, opts)
	ae.LastValue, ae.LevelHow = level, finalLevelHow(c, l0, opts)
	p := project(run, c, h, level)
	ae.Available = true
	if !p.ok {
		ae.Method = "no decreasing fit exists: the curve is not improving, so the current level is the projection"
	} else {
		ae.ExpectedGain, ae.GainLow, ae.GainHigh = p.expected, p.low, p.high
		ae.Method, ae.RangeHow = p.method, p.rangeHow
	}
	ae.CostSeconds, ae.Cost = epochCost(run, r, h, opts)
	ae.Risk = overfitRisk(r)
	ae.Text = anotherEpochText(ae, c, what, p.annealed, level)
	return ae
}

// lrAxes holds, per step, the cumulative learning rate S1 and the
// annealing area S2 of Tissue et al. (2024), both in units of the peak
// rate; without a logged rate, S1 is the step and S2 is 0.
type lrAxes struct {
	stride   int64
	first    int64
	s1, s2   []float64
	meanLR   float64 // per step, in units of the peak
	annealed bool
	ok       bool // a learning rate was logged
	what     string
}

func newLRAxes(run *analyzer) lrAxes {
	lr := finiteCurve(run, "learning_rate")
	ax := lrAxes{meanLR: 1, what: "steps"}
	if lr.len() < 2 {
		return ax
	}
	peak := 0.0
	for _, v := range lr.y {
		peak = math.Max(peak, v)
	}
	if lr.len() < 2 || peak <= 0 {
		return ax
	}
	g := runGeometry(run)
	last := max(g.lastStep, lr.pts[lr.len()-1].Step)
	ax.stride = max(1, last/lrAxisMaxSteps+1)
	n := int(last/ax.stride) + 1
	ax.s1, ax.s2 = make([]float64, n), make([]float64, n)
	lam := math.Pow(annealMomentum, float64(ax.stride))
	var a1, a2, m, prev float64
	j := 0
	for k := 0; k < n; k++ {
		step := float64(int64(k) * ax.stride)
		for j < lr.len()-1 && lr.x[j+1] <= step {
			j++
		}
		eta := lr.y[j] / peak
		if j < lr.len()-1 && step > lr.x[j] {
			t := (step - lr.x[j]) / (lr.x[j+1] - lr.x[j])
			eta = (lr.y[j] + t*(lr.y[j+1]-lr.y[j])) / peak
		}
		if k > 0 {
			a1 += eta * float64(ax.stride)
			m = lam*m + (prev - eta)
			a2 += m * float64(ax.stride)
		}
		prev = eta
		ax.s1[k], ax.s2[k] = a1, a2
	}
	ax.ok = true
	ax.meanLR = a1 / float64(max(1, last))
	ax.annealed = lr.y[lr.len()-1] < annealedRatio*peak
	ax.what = "the cumulative learning rate S1 = sum(lr)/peak and the annealing area S2"
	return ax
}

// at returns S1 and S2 at step (S1 = step without a logged rate).
func (ax lrAxes) at(step int64) (float64, float64) {
	if !ax.ok {
		return float64(step), 0
	}
	k := int(step / ax.stride)
	k = max(0, min(len(ax.s1)-1, k))
	return ax.s1[k], ax.s2[k]
}

// epochCost prices h steps from the measured throughput.
func epochCost(run *analyzer, r *Report, h int64, opts Options) (float64, *Derived) {
	secPerStep := 0.0
	t := r.Throughput
	switch {
	case t.StepsPerSec != nil && t.StepsPerSec.Value > 0:
		secPerStep = 1 / t.StepsPerSec.Value
	case t.SecondsPerIt != nil && t.SecondsPerIt.Value > 0:
		secPerStep = t.SecondsPerIt.Value
	case t.ItPerSecond != nil && t.ItPerSecond.Value > 0:
		secPerStep = 1 / t.ItPerSecond.Value
	case t.RuntimeSeconds != nil && t.RuntimeSeconds.Value > 0 && r.Run.LastStep > 0:
		secPerStep = t.RuntimeSeconds.Value / float64(r.Run.LastStep)
	}
	if secPerStep <= 0 {
		return 0, nil
	}
	secs := secPerStep * float64(h)
	if opts.GPUHourPrice <= 0 {
		return secs, nil
	}
	n, basis, src := billedGPUs(run, opts)
	gpus := max(1, n)
	cost := secs / 3600 * float64(gpus) * opts.GPUHourPrice
	how := How{Method: MethodStepsCost, Steps: h, SecondsPerStep: secPerStep, GPUs: gpus, GPUsFrom: basis, Price: opts.GPUHourPrice}
	if src != "" {
		how.Sources = []string{src}
	}
	return secs, &Derived{Value: cost, How: how}
}

// overfitRisk summarises the eval section for the decision.
func overfitRisk(r *Report) string {
	e := r.Eval
	switch {
	case !e.Present && (r.Primary == "" || r.Primary == "loss"):
		return "cannot tell without eval: the projection is of the train loss, which measures fit to the training set (memorisation), not quality"
	case !e.Present:
		return fmt.Sprintf("cannot tell without eval: the projection is of the training %s, which does not measure quality on unseen data", r.Primary)
	case e.Overfitting:
		return fmt.Sprintf("high: %s has been getting worse since step %d", e.Metric, e.Since)
	case e.Last != nil && e.Best != nil && e.BestStep == lastRowStep(e):
		return fmt.Sprintf("low so far: %s is still at its best at the last evaluation", e.Metric)
	}
	return fmt.Sprintf("moderate: %s is no longer improving clearly (best at step %d)", e.Metric, e.BestStep)
}

func anotherEpochText(ae *AnotherEpoch, c *curve, what string, annealed bool, level float64) string {
	rel := func(v float64) string {
		if level == 0 {
			return ""
		}
		return " (" + fmtRel(v/math.Abs(level)) + ")"
	}
	verb := "lower"
	if c.greater {
		verb = "raise"
	}
	horizon := fmt.Sprintf("%s (%d steps)", capitalizeFirst(what), ae.HorizonSteps)
	if strings.Contains(what, "capped") {
		horizon = fmt.Sprintf("%d more steps (%s)", ae.HorizonSteps, what)
	}
	var s string
	switch {
	case ae.GainLow == 0 && ae.GainHigh == 0:
		s = fmt.Sprintf("%s: no gain is projected, as no improving fit of %s exists; the projection is its current level %s (%s).", horizon, c.name, fmtNum(level), ae.LevelHow)
	case ae.GainLow == ae.GainHigh:
		s = fmt.Sprintf("%s would %s %s by about %s%s, from its current level %s (%s).", horizon, verb, c.name, fmtNum(ae.ExpectedGain), rel(ae.ExpectedGain), fmtNum(level), ae.LevelHow)
	default:
		s = fmt.Sprintf("%s would %s %s by about %s%s, likely range %s to %s%s, from its current level %s (%s).", horizon, verb, c.name, fmtNum(ae.ExpectedGain), rel(ae.ExpectedGain), fmtNum(ae.GainLow), fmtNum(ae.GainHigh), relRange(ae.GainLow, ae.GainHigh, level), fmtNum(level), ae.LevelHow)
	}
	if annealed {
		s += " The learning rate has decayed to ~0, so more training means a new schedule (re-warm, or extend the decay); the projection assumes the run's mean rate."
	}
	if ae.CostSeconds > 0 {
		s += fmt.Sprintf(" It would take about %s", fmtDuration(ae.CostSeconds))
		if ae.Cost != nil {
			s += fmt.Sprintf(" and cost about %.2f", ae.Cost.Value)
		}
		s += " at the measured speed."
	}
	s += " Overfitting risk: " + ae.Risk + "."
	return s
}

// relRange states a range of gains relative to the level: " (1.2% to
// 3.4% of the level)", or "" for a level of 0.
func relRange(lo, hi, level float64) string {
	if level == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s to %s of the level)", fmtRel(lo/math.Abs(level)), fmtRel(hi/math.Abs(level)))
}

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fmtDuration formats seconds as h:mm:ss.
func fmtDuration(secs float64) string {
	d := int64(math.Round(secs))
	return fmt.Sprintf("%d:%02d:%02d", d/3600, d/60%60, d%60)
}
