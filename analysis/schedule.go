package analysis

import (
	"math"
	"runtime"
	"sync"

	"github.com/plateau-dev/plateau/internal/stats"
)

// ScheduleKind is a Transformers scheduler name (SchedulerType).
type ScheduleKind string

// Learning-rate schedule names (Transformers' SchedulerType values).
const (
	SchedConstant          ScheduleKind = "constant"
	SchedConstantWarmup    ScheduleKind = "constant_with_warmup"
	SchedLinear            ScheduleKind = "linear"
	SchedCosine            ScheduleKind = "cosine"
	SchedCosineRestarts    ScheduleKind = "cosine_with_restarts"
	SchedPolynomial        ScheduleKind = "polynomial"
	SchedInverseSqrt       ScheduleKind = "inverse_sqrt"
	SchedCosineMinLR       ScheduleKind = "cosine_with_min_lr"
	SchedWarmupStableDecay ScheduleKind = "warmup_stable_decay"
	SchedReduceLROnPlateau ScheduleKind = "reduce_lr_on_plateau"
)

const (
	schedSimplerTolerance   = 0.003 // a simpler kind wins when its RMS is within this of the best
	schedAcceptableRMS      = 0.05  // above this normalised RMS the kind is reported as uncertain
	schedMinPoints          = 3
	schedPolynomialLREnd    = 1e-7 // Transformers' default lr_end for polynomial decay
	schedInverseSqrtDefault = 10000
)

// lrSchedule classifies the learning-rate schedule (methods §6). The
// logged rate is normalised by its peak and compared with the closed
// forms of Transformers' schedulers (transformers/optimization.py),
// evaluated at the number of scheduler steps taken before each logged
// step. Steps skipped by the fp16 loss scaler (grad_norm NaN) do not
// advance the scheduler and are left out. The warmup length comes from
// the rising part (lr = peak*s/W). The kind with the least RMS residual
// wins, a simpler kind when it is within schedSimplerTolerance of it.
// Rows give the rate at the first step, each epoch boundary and the last
// step.
func lrSchedule(run *analyzer, opts Options) LRSchedule {
	c := finiteCurve(run, "learning_rate")
	if c.len() == 0 {
		return LRSchedule{State: SchedNotLogged}
	}
	ls := LRSchedule{Present: true, Rows: lrRows(run, c), Points: c.len(), LastStep: c.step(c.len() - 1)}
	skipped := scalerSkips(run)
	peak := 0.0
	for _, v := range c.y {
		peak = math.Max(peak, v)
	}
	ls.Peak = peak
	ls.Final = c.y[c.len()-1]
	if peak <= 0 || c.len() < schedMinPoints {
		ls.State = SchedTooFew
		if peak <= 0 {
			ls.State = SchedAllZero
		}
		return ls
	}
	xs, fs := make([]float64, 0, c.len()), make([]float64, 0, c.len())
	for i, st := range c.steps {
		if skipped.has(st) && c.y[i] == 0 {
			continue
		}
		xs = append(xs, float64(st-skipped.before(st)))
		fs = append(fs, c.y[i]/peak)
	}
	g := runGeometry(run)
	last := float64(g.lastStep - skipped.before(g.lastStep+1))
	totals := []float64{last}
	if g.planned > 0 {
		// The scheduler was built for max_steps scheduler steps; steps
		// the fp16 loss scaler skipped delay it, they do not shorten it.
		totals = []float64{float64(g.planned)}
	} else {
		// The planned length is unknown: the run may have stopped early,
		// so the schedule's length is fitted too (up to 20x the observed).
		for k := 1; k <= 30; k++ {
			totals = append(totals, last*math.Pow(20, float64(k)/30))
		}
	}
	xs, fs = thin(xs, fs, 1000)
	peakAt := 0
	for i, f := range fs {
		if f > fs[peakAt]*(1+1e-9) {
			peakAt = i
		}
	}
	if peakAt == len(fs)-1 && fs[0] < 0.5 {
		ls.WarmupSteps = int64(xs[peakAt])
		ls.State = SchedWarmingUp
		return ls
	}
	best := fitSchedules(xs, fs, totals, peakAt)
	ls.Kind, ls.FitError, ls.WarmupSteps = best.kind, best.rms, int64(math.Round(best.warmup))
	ls.State, ls.TotalSteps, ls.Param, ls.DecayShape = SchedFitted, int64(best.total), best.param, best.shape
	ls.PoorFit = ls.FitError > schedAcceptableRMS
	for _, st := range skipped {
		if st <= ls.LastStep {
			ls.Skipped = append(ls.Skipped, st)
		}
	}
	return ls
}

// stepSet is a sorted set of steps.
type stepSet []int64

func (s stepSet) has(step int64) bool {
	for _, x := range s {
		if x == step {
			return true
		}
	}
	return false
}

// before returns how many steps of s are < step.
func (s stepSet) before(step int64) int64 {
	var n int64
	for _, x := range s {
		if x < step {
			n++
		}
	}
	return n
}

// scalerSkips lists the steps whose update the fp16 loss scaler skipped:
// grad_norm is non-finite and the logged rate is 0 or unchanged. Only
// per-step logs can show them.
func scalerSkips(run *analyzer) stepSet {
	gn := run.Get("grad_norm")
	lr := run.Get("learning_rate")
	if gn.Len() == 0 || lr.Len() == 0 {
		return nil
	}
	var out stepSet
	for i, st := range gn.Steps() {
		if gn.Finite(i) || i > 0 && st-gn.Step(i-1) != 1 {
			continue
		}
		out = append(out, st)
	}
	if len(out) > gn.Len()/4 {
		return nil // not isolated skips: a broken run, not a loss scaler
	}
	return out
}

// lrRows returns the rate at the milestone steps (the first step, each
// epoch end and the last step, as the milestone table shows them), or at
// the nearest logged step.
func lrRows(run *analyzer, c *curve) []LRRow {
	var steps []int64
	for _, m := range milestones(run) {
		steps = append(steps, m.Step)
	}
	if len(steps) == 0 {
		steps = append([]int64{c.step(0)}, epochBoundaries(run)...)
		steps = append(steps, c.step(c.len()-1))
	}
	s := run.Get("learning_rate")
	var rows []LRRow
	seen := map[int64]bool{}
	for _, st := range steps {
		p, ok := s.At(st)
		if !ok || !p.Finite() {
			p, ok = s.Nearest(st)
		}
		if !ok || seen[p.Step] {
			continue
		}
		seen[p.Step] = true
		rows = append(rows, LRRow{Step: p.Step, Value: p.Value, Source: p.Source.String(), StepEstimated: stepEstimate(p)})
	}
	return rows
}

// A schedFit is one candidate schedule fitted to the normalised rate.
type schedFit struct {
	kind   ScheduleKind
	rms    float64
	warmup float64
	param  float64 // the kind's parameter (see LRSchedule.Param)
	shape  string  // warmup_stable_decay's decay shape
	order  int     // simplicity rank: lower is simpler
	total  float64
}

// thin keeps at most n evenly spaced points (always the first and last).
func thin(xs, fs []float64, n int) ([]float64, []float64) {
	if len(xs) <= n {
		return xs, fs
	}
	ox, of := make([]float64, 0, n), make([]float64, 0, n)
	for k := 0; k < n; k++ {
		i := k * (len(xs) - 1) / (n - 1)
		ox = append(ox, xs[i])
		of = append(of, fs[i])
	}
	return ox, of
}

// fitSchedules evaluates every candidate for each schedule length in
// totals and returns the chosen one.
func fitSchedules(xs, fs []float64, totals []float64, peakAt int) schedFit {
	w := estimateWarmup(xs, fs, peakAt)
	// The logged rate at step s is lambda(s-1) when it is read before the
	// scheduler steps (recent Transformers), lambda(s) otherwise. The
	// lengths are fitted on two goroutines when there are several (an
	// unknown planned length: 31); the candidates keep their order.
	offs := []float64{1, 0}
	per := make([][]schedFit, len(totals)*len(offs))
	fit := func(k int) {
		total := totals[k/len(offs)]
		per[k] = scheduleCandidates(xs, fs, total, w, offs[k%len(offs)])
		for i := range per[k] {
			per[k][i].total = total
		}
	}
	if len(per) > 2 && runtime.GOMAXPROCS(0) > 1 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 1; k < len(per); k += 2 {
				fit(k)
			}
		}()
		for k := 0; k < len(per); k += 2 {
			fit(k)
		}
		wg.Wait()
	} else {
		for k := range per {
			fit(k)
		}
	}
	var cands []schedFit
	for _, p := range per {
		cands = append(cands, p...)
	}
	best := cands[0]
	for _, c := range cands {
		if c.rms < best.rms {
			best = c
		}
	}
	chosen := best
	for _, c := range cands {
		if c.rms <= best.rms+schedSimplerTolerance && c.order < chosen.order {
			chosen = c
		}
	}
	return chosen
}

// estimateWarmup returns the warmup length W from the rising points
// (lr/peak = s/W), or 0 when the rate starts at its peak.
func estimateWarmup(xs, fs []float64, peakAt int) float64 {
	if peakAt == 0 || fs[0] > 0.95 {
		return 0
	}
	var wx, wf []float64
	for i := 0; i < peakAt; i++ {
		if fs[i] > 0.02 && fs[i] < 0.98 {
			wx = append(wx, xs[i])
			wf = append(wf, fs[i])
		}
	}
	switch len(wx) {
	case 0:
		return xs[peakAt]
	case 1:
		return math.Max(1, math.Round(wx[0]/wf[0]))
	}
	// lr/peak = (s - offset)/W: the slope gives W whatever the offset.
	fit := stats.OLS(wx, wf)
	if !(fit.Slope > 0) {
		return math.Max(1, math.Round(wx[0]/wf[0]))
	}
	return math.Max(1, math.Round(1/fit.Slope))
}

// scheduleCandidates fits each kind with the scheduler step s-off.
func scheduleCandidates(xs, fs []float64, total, w, off float64) []schedFit {
	pts := newSchedPoints(xs, total, w, off)
	// rmsAt fits the peak too (the logged maximum is not the peak when the
	// first update is not logged) and returns the RMS residual relative
	// to the fitted peak, of the candidate whose rate at point i is l(i).
	ls := make([]float64, len(xs)) // the rate at each point, computed once per candidate
	rmsAt := func(l func(i int) float64) float64 {
		var sfl, sll float64
		for i := range xs {
			v := l(i)
			ls[i] = v
			sfl += fs[i] * v
			sll += v * v
		}
		a := 1.0
		if sll > 0 && sfl > 0 {
			a = sfl / sll
		}
		var ss float64
		for i, v := range ls {
			d := fs[i] - a*v
			ss += d * d
		}
		return math.Sqrt(ss/float64(len(xs))) / a
	}
	// rms is rmsAt of the rate f(s) at the scheduler step s.
	rms := func(f func(s float64) float64) float64 {
		return rmsAt(func(i int) float64 { return f(pts.s[i]) })
	}
	// warm is the candidate that rises linearly over the warmup, then
	// follows after(i).
	warm := func(after func(i int) float64) func(i int) float64 {
		return func(i int) float64 {
			if pts.s[i] < w {
				return pts.warm[i]
			}
			return after(i)
		}
	}
	var out []schedFit
	add := func(kind ScheduleKind, order int, param float64, l func(i int) float64) {
		out = append(out, schedFit{kind: kind, order: order, rms: rmsAt(l), warmup: w, param: param})
	}
	constKind := SchedConstant
	if w > 0 {
		constKind = SchedConstantWarmup
	}
	add(constKind, 0, 0, warm(func(int) float64 { return 1 }))
	add(SchedLinear, 1, 0, warm(func(i int) float64 { return math.Max(0, (total-pts.s[i])/math.Max(1, total-w)) }))
	add(SchedCosine, 2, 0, warm(func(i int) float64 { return pts.cos[i] }))
	out = append(out, polynomialFit(rmsAt, warm, pts, w))
	out = append(out, cosineMinLRFit(fs, rmsAt, warm, pts, w))
	ts := float64(schedInverseSqrtDefault)
	if w > 0 {
		ts = w
	}
	add(SchedInverseSqrt, 5, 0, warm(func(i int) float64 {
		return 1 / math.Sqrt(math.Max(1e-9, (pts.s[i]+ts-w)/ts))
	}))
	for cycles := 2; cycles <= 8; cycles++ {
		cyc := float64(cycles)
		add(SchedCosineRestarts, 6, cyc, warm(func(i int) float64 {
			p := pts.p[i]
			if p >= 1 {
				return 0
			}
			return 0.5 * (1 + math.Cos(math.Pi*math.Mod(cyc*p, 1)))
		}))
	}
	if f, ok := wsdFit(xs, fs, total, w, off, rms); ok {
		out = append(out, f)
	}
	if f, ok := plateauSteps(fs, w); ok {
		out = append(out, f)
	}
	return out
}

// schedPoints holds what the candidates of one schedule length share at
// each point, computed once: the scheduler step, the warmup's rate, the
// progress through the decay and the cosine decay's rate.
type schedPoints struct {
	s    []float64 // the scheduler step: x - off
	warm []float64 // s / max(1, w), the rate during the warmup
	p    []float64 // (s - w) / max(1, total - w), the progress after it
	cos  []float64 // the cosine decay at p, after the warmup
}

func newSchedPoints(xs []float64, total, w, off float64) schedPoints {
	n := len(xs)
	all := make([]float64, 4*n)
	pts := schedPoints{s: all[:n:n], warm: all[n : 2*n : 2*n], p: all[2*n : 3*n : 3*n], cos: all[3*n:]}
	for i, x := range xs {
		s := x - off
		pts.s[i] = s
		pts.p[i] = (s - w) / math.Max(1, total-w)
		if s < w {
			pts.warm[i] = s / math.Max(1, w)
		} else {
			pts.cos[i] = math.Max(0, 0.5*(1+math.Cos(math.Pi*pts.p[i])))
		}
	}
	return pts
}

// polynomialFit fits Transformers' polynomial decay over a grid of powers
// (power 1 is the linear kind and is skipped).
func polynomialFit(rmsAt func(func(int) float64) float64, warm func(func(int) float64) func(int) float64, pts schedPoints, w float64) schedFit {
	best := schedFit{kind: SchedPolynomial, order: 3, rms: math.Inf(1), warmup: w}
	end := schedPolynomialLREnd
	// (1-p)^pw, p clamped to [0, 1], at each point after the warmup, for
	// every power at once (math.Pow's work shared, the same bits).
	pws := []float64{0.3, 0.5, 0.7, 1.5, 2, 2.5, 3, 4, 5}
	n := len(pts.s)
	pow := make([]float64, len(pws)*n) // pow[k*n+i] is point i to the k-th power
	at := make([]float64, len(pws))
	for i, s := range pts.s {
		if s < w {
			continue
		}
		stats.Powers(1-math.Min(1, math.Max(0, pts.p[i])), pws, at)
		for k, v := range at {
			pow[k*n+i] = v
		}
	}
	for k, pw := range pws {
		pk := pow[k*n : (k+1)*n]
		f := warm(func(i int) float64 { return (1-end)*pk[i] + end })
		if r := rmsAt(f); r < best.rms {
			best.rms, best.param = r, pw
		}
	}
	return best
}

// cosineMinLRFit fits cosine decay to a floor min_lr_rate, solved by
// least squares.
func cosineMinLRFit(fs []float64, rmsAt func(func(int) float64) float64, warm func(func(int) float64) func(int) float64, pts schedPoints, w float64) schedFit {
	var num, den float64
	for i, s := range pts.s {
		if s < w {
			continue
		}
		h := pts.cos[i]
		num += (fs[i] - h) * (1 - h)
		den += (1 - h) * (1 - h)
	}
	m := 0.0
	if den > 0 {
		m = math.Max(0, math.Min(1, num/den))
	}
	f := warm(func(i int) float64 { return m + (1-m)*pts.cos[i] })
	return schedFit{kind: SchedCosineMinLR, order: 4, rms: rmsAt(f), warmup: w, param: m}
}

// wsdFit fits warmup-stable-decay: the rate stays at its peak, then decays
// (linear, cosine or 1-sqrt) to a floor at the end.
func wsdFit(xs, fs []float64, total, w, off float64, rms func(func(float64) float64) float64) (schedFit, bool) {
	last := -1
	for i, f := range fs {
		if f >= 0.999 {
			last = i
		}
	}
	if last < 0 || last == len(fs)-1 {
		return schedFit{}, false
	}
	d := xs[last] - off // decay starts after the last step at the peak
	if (d-w)/math.Max(1, total-w) < 0.1 {
		return schedFit{}, false // no real stable phase: a plain decay
	}
	floor := math.Max(0, fs[len(fs)-1])
	best := schedFit{kind: SchedWarmupStableDecay, order: 7, rms: math.Inf(1), warmup: w}
	for _, typ := range []string{"linear", "cosine", "1-sqrt"} {
		f := func(s float64) float64 {
			switch {
			case s < w:
				return s / math.Max(1, w)
			case s <= d:
				return 1
			}
			p := math.Min(1, (s-d)/math.Max(1, total-d))
			var v float64
			switch typ {
			case "linear":
				v = 1 - p
			case "cosine":
				v = 0.5 * (1 + math.Cos(math.Pi*p))
			default:
				v = 1 - math.Sqrt(p)
			}
			return floor + (1-floor)*v
		}
		if r := rms(f); r < best.rms {
			best.rms, best.param, best.shape = r, math.Round(d), typ
		}
	}
	return best, true
}

// plateauSteps recognises ReduceLROnPlateau: no warmup and a rate that is
// piecewise constant with at least one step down.
func plateauSteps(fs []float64, w float64) (schedFit, bool) {
	if w > 0 || len(fs) < 4 {
		return schedFit{}, false
	}
	runs, downs := 1, 0
	for i := 1; i < len(fs); i++ {
		if math.Abs(fs[i]-fs[i-1]) <= 1e-6*math.Max(fs[i], fs[i-1]) {
			continue
		}
		if fs[i] > fs[i-1] || fs[i] > 0.9*fs[i-1] {
			return schedFit{}, false
		}
		runs++
		downs++
	}
	if downs == 0 || runs > max(3, len(fs)/4) {
		return schedFit{}, false
	}
	return schedFit{kind: SchedReduceLROnPlateau, order: 8, rms: 0, param: float64(downs)}, true
}
