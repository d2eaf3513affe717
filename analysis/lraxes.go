package analysis

import "math"

// Learning-rate axes of the forecast (Tissue et al. 2024).
const (
	// annealedRatio is the learning rate, as a fraction of its peak,
	// below which a schedule counts as annealed: a curve is then flat
	// partly because the rate is ~0, and more training needs a new
	// schedule.
	annealedRatio = 0.1
	// annealMomentum is the per-step decay of the annealing momentum in
	// the S2 term of Tissue et al. (2024); they use 0.999.
	annealMomentum = 0.999
	// lrAxisMaxSteps bounds the per-step arrays; longer runs are sampled
	// with a stride.
	lrAxisMaxSteps = 1 << 20
)

// lrAxes holds, per step, the cumulative learning rate S1 and the
// annealing area S2 of Tissue et al. (2024), both in units of the peak
// rate; without a logged rate, S1 is the step and S2 is 0.
type lrAxes struct {
	stride   int64
	s1, s2   []float64
	meanLR   float64 // per step, in units of the peak
	annealed bool
	ok       bool // a learning rate was logged
	peak     float64
	// The state at the last step, to continue the areas into the future.
	last      int64
	lastEta   float64
	momentum  float64
	lastS1    float64
	lastS2    float64
	lrLastLog int64 // the step of the last logged rate
}

func newLRAxes(run *analyzer) lrAxes {
	lr := finiteCurve(run, "learning_rate")
	ax := lrAxes{meanLR: 1}
	if lr.len() < 2 {
		return ax
	}
	peak := 0.0
	for _, v := range lr.y {
		peak = math.Max(peak, v)
	}
	if peak <= 0 {
		return ax
	}
	g := runGeometry(run)
	last := max(g.lastStep, lr.step(lr.len()-1))
	ax.stride = max(1, last/lrAxisMaxSteps+1)
	n := int(last/ax.stride) + 1
	ax.s1, ax.s2 = make([]float64, n), make([]float64, n)
	lam := math.Pow(annealMomentum, float64(ax.stride))
	var a1, a2, m, prev float64
	// The annealing momentum starts at the end of warmup: a rising rate
	// is not a negative annealing (it would make S2 fall for as long as
	// the momentum remembers the warmup, and the S2 term fit the first
	// descent).
	wEnd := warmupEnd(run)
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
			if int64(k)*ax.stride > wEnd {
				m = lam*m + (prev - eta)
				a2 += m * float64(ax.stride)
			}
		}
		prev = eta
		ax.s1[k], ax.s2[k] = a1, a2
	}
	ax.ok = true
	ax.peak = peak
	ax.meanLR = a1 / float64(max(1, last))
	ax.annealed = lr.y[lr.len()-1] < annealedRatio*peak
	ax.last, ax.lastEta, ax.momentum, ax.lastS1, ax.lastS2 = int64(n-1)*ax.stride, prev, m, a1, a2
	ax.lrLastLog = lr.step(lr.len() - 1)
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

// extend returns S1 and S2 after h more steps from the last step, with
// eta(step) the future rate in units of the peak.
func (ax lrAxes) extend(h int64, eta func(step int64) float64) (float64, float64) {
	if !ax.ok {
		return float64(ax.last + h), 0
	}
	lam := math.Pow(annealMomentum, float64(ax.stride))
	a1, a2, m, prev := ax.lastS1, ax.lastS2, ax.momentum, ax.lastEta
	for s := ax.last + ax.stride; s <= ax.last+h; s += ax.stride {
		e := eta(s)
		a1 += e * float64(ax.stride)
		m = lam*m + (prev - e)
		a2 += m * float64(ax.stride)
		prev = e
	}
	return a1, a2
}

// loggedSchedule returns the future rate, in units of the peak, of the
// logged schedule continued to its planned end: the closed form of the
// fitted scheduler kind (see lrSchedule), scaled to agree with the last
// logged rate; a kind without a closed form here holds the last rate.
func (ax lrAxes) loggedSchedule(ls LRSchedule, planned int64) func(int64) float64 {
	hold := func(int64) float64 { return ax.lastEta }
	if !ax.ok || planned <= 0 {
		return hold
	}
	w := float64(ls.WarmupSteps)
	total := float64(planned)
	span := math.Max(1, total-w)
	var f func(s float64) float64
	switch ls.Kind {
	case SchedConstant, SchedConstantWarmup:
		return hold
	case SchedLinear, SchedPolynomial:
		f = func(s float64) float64 { return math.Max(0, (total-s)/span) }
	case SchedCosine:
		f = func(s float64) float64 { return 0.5 * (1 + math.Cos(math.Pi*math.Min(1, (s-w)/span))) }
	case SchedInverseSqrt:
		ts := math.Max(1, w)
		f = func(s float64) float64 { return 1 / math.Sqrt(math.Max(1e-9, (s+ts-w)/ts)) }
	default:
		return hold
	}
	ref := f(float64(ax.lrLastLog))
	if !(ref > 0) {
		return func(int64) float64 { return 0 }
	}
	scale := ax.lastEta / ref
	return func(s int64) float64 {
		if float64(s) >= total {
			return 0
		}
		return math.Max(0, scale*f(float64(s)))
	}
}
