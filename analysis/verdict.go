package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
)

// minTrendPower is the number of points below which Mann-Kendall cannot
// reach significance at trendAlpha at all (n = 5 gives p >= 0.028), so
// that its silence says nothing about a plateau.
const minTrendPower = 6

// minVerdictPoints is the number of finite points of the primary metric
// below which no verdict is given.
const minVerdictPoints = 10

// verdict decides the status of the run from the sections computed
// before it, in order:
//   - insufficient-data: fewer than minVerdictPoints finite points of the
//     primary metric, a run stopped during warmup, or one interrupted
//     before minProgress of its planned steps;
//   - diverged: non-finite values (or loss-0.0/grad_norm-NaN windows) at
//     the end;
//   - overfitting: eval rose beyond its noise after its best while the
//     train loss did not rise;
//   - stalled: no improvement beyond noise since the start;
//   - diverged: the end is worse than an earlier level beyond noise, or
//     the final segment is getting worse significantly and practically;
//   - improving or converged: judged on the eval metric when at least 3
//     evaluations exist (the held-out metric is what matters), otherwise
//     on the trend of the primary metric; a flat end is still improving
//     when the learning rate decayed to ~0 or the run stopped early and
//     the another-epoch projection, by both of its forms, expects a gain
//     above opts.PlateauRel (flat because the schedule ended, not because
//     more training cannot help).
func verdict(run *analyzer, r *Report, opts Options) Verdict {
	v := decide(run, r, opts)
	v.Metric = r.Primary
	return v
}

func decide(run *analyzer, r *Report, opts Options) Verdict {
	metric := r.Primary
	c := finiteCurve(run, metric)
	total := run.Get(metric).Len()
	if c.len() < minVerdictPoints {
		return insufficient(run, metric, c.len(), total)
	}
	if v, ok := stoppedInWarmup(run); ok {
		return v
	}
	if v, ok := stoppedAtStart(run); ok {
		return v
	}
	if v, ok := divergedNonFinite(run, r, metric); ok {
		return v
	}
	if e := r.Eval; e.Overfitting {
		conf := "medium"
		if e.RiseSigma >= 2*overfitZ && len(e.Rows)-evalIndex(e, e.BestStep)-1 >= 3 {
			conf = "high"
		}
		return Verdict{Status: StatusOverfitting, Confidence: conf, Reason: fmt.Sprintf(
			"%s bottomed at %s at step %d (%s) and rose to %s by step %d (%s), %.1f noise sigmas, while the train loss did not rise.",
			e.Metric, fmtNum(e.Best.Value), e.BestStep, e.Best.Source, fmtNum(e.Last.Value), lastRowStep(e), e.Last.Source, e.RiseSigma)}
	}
	if s := stallCheck(run, metric, opts); s.stalled {
		return Verdict{Status: StatusStalled, Confidence: confidenceFor(c.len()), Reason: s.text}
	}
	if b := reboundCheck(run, metric, opts); b.rebound {
		return Verdict{Status: StatusDiverged, Confidence: confidenceFor(c.len()), Reason: b.text}
	}
	if t := r.Trend; t != nil && t.Direction == "worsening" {
		return Verdict{Status: StatusDiverged, Confidence: confidenceFor(t.N), Reason: fmt.Sprintf(
			"%s is getting worse at the end: over steps %d-%d its Theil-Sen slope projects a change of %s (%s) over %d steps (%s); Mann-Kendall %s.",
			metric, t.FromStep, t.ToStep, signedNum(t.Projected), fmtPct(t.RelProjected), t.HorizonSteps, t.HorizonWhat, pIs(t.P))}
	}
	if v, ok := evalConvergence(run, r, opts); ok {
		return v
	}
	return trainConvergence(run, r, opts)
}

// insufficient explains a verdict that cannot be given.
func insufficient(run *analyzer, metric string, n, total int) Verdict {
	if total == 0 && len(run.Summary) == 0 {
		return Verdict{Status: StatusInsufficientData, Confidence: "high", Reason: fmt.Sprintf(
			"No per-step %s and no end-of-run values were found in the logs (the files were read, but none holds Trainer dicts, a trainer_state.json log_history or another supported format): next time keep the Trainer's console output or trainer_state.json (see plateau formats).", metric)}
	}
	if total == 0 {
		return Verdict{Status: StatusInsufficientData, Confidence: "high", Reason: fmt.Sprintf(
			"No per-step %s was found in the logs, only end-of-run values: next time keep the per-step log (trainer_state.json, the console output, or the W&B run history rather than only wandb-summary.json).", metric)}
	}
	return Verdict{Status: StatusInsufficientData, Confidence: "high", Reason: fmt.Sprintf(
		"Only %d finite point%s of %s %s logged (at least %d are needed): log more often next time (logging_steps so that a run has at least 50 logs) and keep trainer_state.json or the console output.",
		n, plural(n, "", "s"), metric, plural(n, "was", "were"), minVerdictPoints)}
}

// stoppedInWarmup reports a run that ended while its learning rate was
// still rising: nothing after warmup was observed.
func stoppedInWarmup(run *analyzer) (Verdict, bool) {
	lr := finiteCurve(run, "learning_rate")
	g := runGeometry(run)
	if lr.len() < 3 || g.completed {
		return Verdict{}, false
	}
	last := lr.pts[lr.len()-1]
	for _, v := range lr.y {
		if v > last.Value*(1+1e-9) {
			return Verdict{}, false
		}
	}
	if lr.y[0] > 0.5*last.Value {
		return Verdict{}, false
	}
	planned := ""
	if g.planned > 0 {
		planned = fmt.Sprintf(" of %d planned (%.1f%%)", g.planned, 100*float64(g.lastStep)/float64(g.planned))
	}
	return Verdict{Status: StatusInsufficientData, Confidence: "high", Reason: fmt.Sprintf(
		"The run stopped at step %d%s while the learning rate was still warming up (%s at %s): nothing after warmup was observed. Let the run pass its warmup before judging it.",
		g.lastStep, planned, fmtNum(last.Value), last.Source.String())}, true
}

// minProgress is the share of its planned steps below which an
// interrupted run is still in its start-up transient: no verdict.
const minProgress = 0.05

// stoppedAtStart reports a run interrupted before minProgress of its
// planned steps.
func stoppedAtStart(run *analyzer) (Verdict, bool) {
	g := runGeometry(run)
	if !g.incomplete() || float64(g.lastStep) >= minProgress*float64(g.planned) {
		return Verdict{}, false
	}
	return Verdict{Status: StatusInsufficientData, Confidence: "high", Reason: fmt.Sprintf(
		"The run stopped at step %d of %d planned (%.1f%%): that is the start-up transient, too early for a verdict. Judge it after at least %.0f%% of its steps, or log the full run.",
		g.lastStep, g.planned, 100*float64(g.lastStep)/float64(g.planned), 100*minProgress)}, true
}

// divergedNonFinite reports non-finite values (or NaN windows) in the
// final part of the run.
func divergedNonFinite(run *analyzer, r *Report, metric string) (Verdict, bool) {
	s := run.Get(metric)
	if s.Len() == 0 {
		return Verdict{}, false
	}
	last := s.Points[len(s.Points)-1]
	if !last.Finite() {
		return Verdict{Status: StatusDiverged, Confidence: "high", Reason: fmt.Sprintf(
			"%s is %s at the last logged step %d (%s): the run diverged.", metric, fmtNum(last.Value), last.Step, last.Source.String())}, true
	}
	g := runGeometry(run)
	cut := g.lastStep - int64(0.1*float64(g.lastStep-g.firstStep))
	if w := nanWindows(run); len(w) > 0 && w[len(w)-1].Step >= cut {
		return Verdict{Status: StatusDiverged, Confidence: "high", Reason: fmt.Sprintf(
			"loss is 0.0 with grad_norm nan at %d logging step(s) up to step %d (%s): every step of those windows was non-finite, so the run diverged numerically.",
			len(w), w[len(w)-1].Step, w[len(w)-1].Source.String())}, true
	}
	return Verdict{}, false
}

func evalIndex(e Eval, step int64) int {
	for i, row := range e.Rows {
		if row.Step == step {
			return i
		}
	}
	return 0
}

// evalConvergence judges improving/converged on the eval metric when at
// least 3 evaluations exist and the primary metric is the train loss. The
// trend is measured over the last half of the evaluations, and at least
// minTrendPower of them (fewer cannot reach significance). An improving
// trend whose later half has slowed to less than half the window's rate
// and projects less than a practical change is flattening: converged.
func evalConvergence(run *analyzer, r *Report, opts Options) (Verdict, bool) {
	e := r.Eval
	if !e.Present || len(e.Rows) < 3 || r.Primary != "loss" {
		return Verdict{}, false
	}
	ev := finiteCurve(run, e.Metric)
	g := runGeometry(run)
	i0 := max(0, ev.len()-max(minTrendPower, (ev.len()+1)/2))
	t := segmentTrend(ev, i0, nextHorizon(g), opts)
	conf := "medium"
	if ev.len()-i0 < 5 {
		conf = "low"
	}
	trainNote := ""
	if tr := r.Trend; tr != nil && tr.Direction == "improving" && t.Plateau {
		trainNote = fmt.Sprintf(" The train loss still falls (%s over %d steps), which now only fits the training set better.", fmtPct(tr.RelProjected), tr.HorizonSteps)
	}
	if t.Plateau && !g.completed && !t.Significant && (t.N < minTrendPower || !t.conclusivelyFlat(opts)) {
		// While training goes on, too few or too noisy evaluations do not
		// show a plateau: let the train curve decide.
		return Verdict{}, false
	}
	if t.Plateau {
		return Verdict{Status: StatusConverged, Confidence: conf, Reason: fmt.Sprintf(
			"%s has flattened: over its last %d evaluations (steps %d-%d) its slope projects a change of %s (%s of its level %s, %s) over %d steps (%s), and %s.%s",
			e.Metric, t.N, t.FromStep, t.ToStep, signedNum(t.Projected), fmtPct(t.RelProjected), fmtNum(t.Level), t.LevelHow, t.HorizonSteps, t.HorizonWhat, plateauWhy(t, opts), trainNote)}, true
	}
	if t.Direction != "improving" {
		return Verdict{}, false
	}
	improving := fmt.Sprintf("over its last %d evaluations (steps %d-%d) its Theil-Sen slope projects a change of %s (%s of its level %s) over %d steps (%s); Mann-Kendall %s",
		t.N, t.FromStep, t.ToStep, signedNum(t.Projected), fmtPct(t.RelProjected), fmtNum(t.Level), t.HorizonSteps, t.HorizonWhat, pIs(t.P))
	if f, ok := flattening(ev, t, opts); ok {
		return Verdict{Status: StatusConverged, Confidence: "low", Reason: fmt.Sprintf(
			"%s is flattening: %s, but over its last %d evaluations (steps %d-%d, %s) the slope is %s per step, %.0f%% of the window's, and projects only %s (%s) over the same %d steps, below %s. The curve is levelling off; more training is unlikely to move it much.",
			e.Metric, improving, f.n, f.from, f.to, f.values, fmtNum(f.slope), 100*f.slope/t.SlopePerStep, signedNum(f.projected), fmtPct(f.projected/math.Abs(t.Level)), t.HorizonSteps, practicalWhat(t.Metric, opts))}, true
	}
	return Verdict{Status: StatusImproving, Confidence: conf, Reason: fmt.Sprintf(
		"%s is still improving: %s.", e.Metric, improving)}, true
}

// A flattening is the slower end of an improving trend.
type flat struct {
	n                int
	from, to         int64
	slope, projected float64
	values           string
}

// flatteningRatio is the share of the window's slope below which the
// later half of an improving window has slowed down (decelerated).
const flatteningRatio = 0.5

// flattening checks the later half (at least 3 points) of the window of
// an improving trend t of c: it is flattening when its Theil-Sen slope is
// below flatteningRatio of the window's and projects, over the same
// horizon, less than a practical change.
func flattening(c *curve, t *Trend, opts Options) (flat, bool) {
	n := c.len()
	k := max(3, (t.N+1)/2)
	if t.N < 2*3-1 || k >= t.N || t.SlopePerStep == 0 {
		return flat{}, false
	}
	i0 := n - k
	fit := stats.TheilSen(c.x[i0:], c.y[i0:], 0, 0, 0.95)
	if math.IsNaN(fit.Slope) {
		return flat{}, false
	}
	f := flat{n: k, from: c.pts[i0].Step, to: c.pts[n-1].Step, slope: fit.Slope, projected: fit.Slope * float64(t.HorizonSteps)}
	if c.positive() && !c.greater {
		lf := stats.TheilSen(c.x[i0:], logs(c.y[i0:]), 0, 0, 0.95)
		if !math.IsNaN(lf.Slope) {
			f.projected = t.Level * math.Expm1(lf.Slope*float64(t.HorizonSteps))
		}
	}
	vals := make([]string, 0, k)
	for _, v := range c.y[i0:] {
		vals = append(vals, fmtNum(v))
	}
	f.values = strings.Join(vals, ", ")
	ratio := f.slope / t.SlopePerStep
	return f, ratio < flatteningRatio && !practical(c.name, t.Level, f.projected, opts)
}

// trainConvergence judges improving/converged on the primary metric's
// trend, aware of an annealed learning rate.
func trainConvergence(run *analyzer, r *Report, opts Options) Verdict {
	t := r.Trend
	metric := r.Primary
	if t == nil {
		return Verdict{Status: StatusInsufficientData, Confidence: "low", Reason: "The trend of " + metric + " could not be computed."}
	}
	conf := confidenceFor(t.N)
	if t.Direction == "improving" {
		return Verdict{Status: StatusImproving, Confidence: conf, Reason: fmt.Sprintf(
			"%s is still improving: over steps %d-%d its Theil-Sen slope projects a change of %s (%s of its level %s) over %d steps (%s); Mann-Kendall %s.",
			metric, t.FromStep, t.ToStep, signedNum(t.Projected), fmtPct(t.RelProjected), fmtNum(t.Level), t.HorizonSteps, t.HorizonWhat, pIs(t.P))}
	}
	flat := fmt.Sprintf("over steps %d-%d its slope projects a change of %s (%s of its level %s) over %d steps (%s), and %s",
		t.FromStep, t.ToStep, signedNum(t.Projected), fmtPct(t.RelProjected), fmtNum(t.Level), t.HorizonSteps, t.HorizonWhat, plateauWhy(t, opts))
	if v, ok := flatButNotDone(run, r, t, flat, opts); ok {
		return v
	}
	if v, ok := tooEarly(run, r, t, opts); ok {
		return v
	}
	return Verdict{Status: StatusConverged, Confidence: conf, Reason: fmt.Sprintf(
		"%s has reached a plateau at %s: %s.", metric, fmtNum(t.Level), flat)}
}

// tooEarly handles a run still in progress whose final segment shows no
// significant trend but cannot show a plateau either (the interval of
// the projected change is wider than the threshold): absence of evidence
// is not convergence while training goes on. The whole curve after
// warmup then decides: improving when it falls significantly, otherwise
// too early to tell.
func tooEarly(run *analyzer, r *Report, t *Trend, opts Options) (Verdict, bool) {
	g := runGeometry(run)
	if g.completed || t.Significant || (t.N >= minTrendPower && t.conclusivelyFlat(opts)) {
		return Verdict{}, false
	}
	c := finiteCurve(run, t.Metric)
	i0 := 0
	if w := warmupEnd(run); w > 0 {
		i0 = sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= w })
	}
	interval := fmt.Sprintf("over steps %d-%d its slope is not significant (Mann-Kendall %s), but the 95%% interval of the slope projects %s to %s over %d steps, more than the %s of the level that counts as flat",
		t.FromStep, t.ToStep, pIs(t.P), fmtNum(t.SlopeLow*float64(t.HorizonSteps)), fmtNum(t.SlopeHigh*float64(t.HorizonSteps)), t.HorizonSteps, fmtRel(opts.PlateauRel))
	at := fmt.Sprintf("the run is at step %d of %d", g.lastStep, g.planned)
	if g.planned <= 0 {
		at = fmt.Sprintf("the run is at step %d without an end-of-training summary, so it may not have finished", g.lastStep)
	}
	if c.len()-i0 >= minVerdictPoints {
		mk := stats.MannKendall(c.y[i0:], 0, true)
		if mk.P < trendAlpha && (mk.Z < 0) != c.greater {
			return Verdict{Status: StatusImproving, Confidence: "low", Reason: fmt.Sprintf(
				"%s is still improving over the run so far (steps %d-%d, Mann-Kendall %s), and %s. Its end is too noisy to call a plateau yet: %s.",
				t.Metric, c.pts[i0].Step, c.pts[c.len()-1].Step, pIs(mk.P), at, interval)}, true
		}
	}
	return Verdict{Status: StatusInsufficientData, Confidence: "low", Reason: fmt.Sprintf(
		"Too early to tell: %s, and %s %s.", at, t.Metric, interval)}, true
}

// flatButNotDone handles a flat final segment that is not the end of
// training: the learning rate decayed to ~0 (the loss is flat because
// the schedule ended) or the run stopped before its planned steps (a
// plateau of the current rate). Then the curve is projected against the
// learning-rate areas (see project) at the run's mean rate over the
// trend's horizon, the yardstick of the plateau test this overrides: when
// the low end of the projection's range still expects an improvement of
// practical size (see practicalGain), and above opts.PlateauRel of the
// improvement achieved so far, the run is still improving. Section 11
// projects the same fit over its own, longer, horizon.
func flatButNotDone(run *analyzer, r *Report, t *Trend, flat string, opts Options) (Verdict, bool) {
	c := finiteCurve(run, r.Primary)
	g := runGeometry(run)
	ax := newLRAxes(run)
	if c.len() < minVerdictPoints || !(ax.annealed || g.incomplete()) {
		return Verdict{}, false
	}
	p := project(run, c, t.HorizonSteps, t.Level)
	k := max(3, int(math.Ceil(opts.TailFraction*float64(c.len()))))
	achieved := math.Abs(c.better(stats.Median(c.y[:k]), stats.Median(c.y[c.len()-k:])))
	threshold := math.Max(practicalGain(c.name, t.Level, c.greater, opts), opts.PlateauRel*achieved)
	if !p.ok || p.low <= threshold {
		return Verdict{}, false
	}
	why := fmt.Sprintf("only because the learning rate decayed to ~0 (%s at the end%s, peak %s)", fmtLR(finalLR(run)), lastLRSource(run), fmtLR(r.LRSchedule.Peak))
	if !ax.annealed {
		why = fmt.Sprintf("at the current learning rate, but the run stopped at step %d of %d", g.lastStep, g.planned)
	}
	verb := "lower"
	if c.greater {
		verb = "raise"
	}
	rate := "the run's mean learning rate"
	if ax.annealed {
		rate += " (which needs a new schedule)"
	}
	epoch := ""
	if ae := r.AnotherEpoch; ae != nil && ae.Available && ae.HorizonSteps != t.HorizonSteps {
		epoch = fmt.Sprintf(" Over %d steps (%s), section 11 projects about %s.", ae.HorizonSteps, ae.HorizonWhat, fmtNum(ae.ExpectedGain))
	}
	return Verdict{Status: StatusImproving, Confidence: "medium", Reason: fmt.Sprintf(
		"%s is flat at the end %s: %s. Fitted against the cumulative learning rate (how far the optimizer has moved, rather than the step count), the curve is still improving: over the same %d steps at %s the fit would %s it by about %s, likely range %s to %s%s, above %s.%s",
		r.Primary, why, flat, t.HorizonSteps, rate, verb, fmtNum(p.expected), fmtNum(p.low), fmtNum(p.high), relRange(p.low, p.high, t.Level), practicalWhat(c.name, opts), epoch)}, true
}

// lastLRSource returns ", file:line" of the last logged learning rate.
func lastLRSource(run *analyzer) string {
	if s := run.Get("learning_rate"); s.Len() > 0 {
		return ", " + s.Points[s.Len()-1].Source.String()
	}
	return ""
}

func finalLR(run *analyzer) float64 {
	c := finiteCurve(run, "learning_rate")
	if c.len() == 0 {
		return math.NaN()
	}
	return c.y[c.len()-1]
}

func confidenceFor(n int) string {
	switch {
	case n >= 50:
		return "high"
	case n >= 20:
		return "medium"
	}
	return "low"
}

// A stall is a run whose primary metric never improved meaningfully.
type stall struct {
	stalled         bool
	gain, threshold float64
	start, end      float64 // medians of the first and last k points
	sigma           float64 // point noise, on the metric's scale
	k               int
	margin          bool // a preference margin (see practical)
	from, to        int64
	text            string
	sources         []string
}

// stallCheck compares the start and end levels of metric (medians of the
// first and last opts.TailFraction of the points): the run stalled when
// the improvement is below the larger of opts.PlateauRel of the start
// level and two standard errors of the difference of the two window
// levels (point noise sigma * sqrt(2/k) for windows of k points).
func stallCheck(run *analyzer, metric string, opts Options) stall {
	c := finiteCurve(run, metric)
	n := c.len()
	if n < minVerdictPoints {
		return stall{}
	}
	k := max(3, int(math.Ceil(opts.TailFraction*float64(n))))
	start, end := stats.Median(c.y[:k]), stats.Median(c.y[n-k:])
	logScale := c.positive() && !c.greater
	ys := c.logY(logScale)
	sigma := noiseSigma(ys)
	se := sigma * math.Sqrt(2/float64(k))
	s := stall{gain: c.better(start, end), from: c.pts[0].Step, to: c.pts[n-1].Step,
		sources: []string{c.pts[0].Source.String(), c.pts[n-1].Source.String()}}
	gainT := c.better(stats.Median(ys[:k]), stats.Median(ys[n-k:]))
	thrT := math.Max(2*se, opts.PlateauRel*math.Abs(start))
	s.threshold = thrT
	if logScale {
		thrT = math.Max(2*se, math.Log1p(opts.PlateauRel))
		s.threshold = start * (1 - math.Exp(-thrT))
		sigma *= start
	}
	margin := isMargin(metric)
	if margin {
		// A margin is a log-odds: a gain that barely moves the implied
		// preference probability is no learning (see practical).
		thrT = math.Max(thrT, practicalGain(metric, start, c.greater, opts))
		s.threshold = thrT
	}
	s.stalled = gainT < thrT
	s.start, s.end, s.k, s.margin = start, end, k, margin
	dir := "fell"
	if c.greater {
		dir = "rose"
	}
	moved := fmt.Sprintf("it %s by only %s", dir, fmtNum(s.gain))
	if s.gain < 0 {
		back := "rose"
		if c.greater {
			back = "fell"
		}
		moved = fmt.Sprintf("it %s by %s instead", back, fmtNum(-s.gain))
	}
	s.sigma = sigma
	if margin {
		s.text = fmt.Sprintf("%s never %s meaningfully: its median is %s over the first %d points and %s over the last %d (%s); %s, less than the threshold %s (the larger of 2 standard errors of the difference of the two medians, from a point noise sigma of %s, and the change that moves the implied preference probability by %s percentage point). The preference was barely learned.%s Suspect the learning rate, beta, or pairs whose chosen and rejected answers are too alike.",
			metric, dir, fmtNum(start), k, fmtNum(end), k, impliedPreference(start, end), moved, fmtNum(s.threshold), fmtNum(sigma), fmtNum(100*opts.PlateauRel), preferenceAccuracies(run, opts))
		return s
	}
	suspect := "Suspect the learning rate (too low, or stuck in warmup) or the labels (all masked, or shuffled)."
	if strings.Contains(metric, "reward") {
		suspect = "Suspect the learning rate or the reward function (constant, or zero for every completion)."
	}
	s.text = fmt.Sprintf("%s never %s meaningfully: its median is %s over the first %d points and %s over the last %d; %s, less than the threshold %s (the larger of 2 standard errors of the difference of the two medians, from a point noise sigma of %s, and %s of the start). %s",
		metric, dir, fmtNum(start), k, fmtNum(end), k, moved, fmtNum(s.threshold), fmtNum(sigma), fmtRel(opts.PlateauRel), suspect)
	return s
}

// A rebound is a metric that reached a better level earlier in the run
// and ended worse beyond noise.
type rebound struct {
	rebound          bool
	best, end, rise  float64
	threshold        float64
	sigma            float64 // point noise, of log(metric) when logScale
	k                int
	logScale         bool
	bestFrom, bestTo int64
	text             string
	sources          []string
}

// reboundCheck splits the curve, from its end backwards, into windows of
// k = opts.TailFraction of the points and compares the median of the last
// window with the best median of the earlier ones. The run rebounded
// (diverged late) when the end is worse than that best by more than
// 3 standard errors of the difference of two window medians
// (1.2533*sigma*sqrt(2/k)) and by more than opts.PlateauRel of the best.
// Taking the best of several windows favours a low minimum, hence 3
// standard errors rather than 2.
func reboundCheck(run *analyzer, metric string, opts Options) rebound {
	c := finiteCurve(run, metric)
	n := c.len()
	k := max(3, int(math.Ceil(opts.TailFraction*float64(n))))
	if n < minVerdictPoints || n < 3*k {
		return rebound{}
	}
	// Positive losses are compared on a log scale, where their noise is
	// about constant.
	logScale := c.positive() && !c.greater
	ys := c.logY(logScale)
	endT := stats.Median(ys[n-k:])
	var b rebound
	var bestT float64
	bestI := -1
	for hi := n - k; hi-k >= 0; hi -= k {
		m := stats.Median(ys[hi-k : hi])
		if bestI < 0 || c.better(bestT, m) > 0 {
			bestT, bestI = m, hi-k
		}
	}
	if bestI < k {
		return rebound{} // the best window is the first: never improved
	}
	sigma := noiseSigma(ys)
	b.best, b.end = stats.Median(c.y[bestI:bestI+k]), stats.Median(c.y[n-k:])
	b.rise = c.better(b.end, b.best)
	riseT := c.better(endT, bestT)
	thrT := 3 * 1.2533 * sigma * math.Sqrt(2/float64(k))
	b.threshold = math.Max(thrT, opts.PlateauRel*math.Abs(bestT))
	if logScale {
		b.threshold = b.best * (math.Exp(math.Max(thrT, opts.PlateauRel)) - 1)
	}
	b.bestFrom, b.bestTo = c.pts[bestI].Step, c.pts[bestI+k-1].Step
	b.rebound = riseT > math.Max(thrT, opts.PlateauRel*math.Abs(bestT)) && (!logScale || riseT > math.Log1p(opts.PlateauRel))
	b.sources = []string{c.pts[bestI].Source.String(), c.pts[n-1].Source.String()}
	b.sigma, b.k, b.logScale = sigma, k, logScale
	scale := ""
	if logScale {
		scale = " of log(" + metric + ")"
	}
	b.text = fmt.Sprintf("%s reached %s (median of steps %d-%d) and ended at %s (median of the last %d points, to step %d): worse by %s, beyond the threshold %s (3 standard errors of the difference of two window medians, from a point noise sigma%s of %s, and at least %s of the best). Training became unstable late: lower the learning rate or stop earlier.",
		metric, fmtNum(b.best), b.bestFrom, b.bestTo, fmtNum(b.end), k, c.pts[n-1].Step, fmtNum(b.rise), fmtNum(b.threshold), scale, fmtNum(sigma), fmtRel(opts.PlateauRel))
	return b
}
