package watch

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/plateau-dev/plateau/trainlog"
)

// Alert kinds.
const (
	KindNonFinite     = "non-finite"
	KindZeroLossNaN   = "zero-loss-nan-grad"
	KindLossSpike     = "loss-spike"
	KindGradNormSpike = "grad-norm-spike"
	KindDivergence    = "divergence"
	KindStall         = "stall"
	KindOverfitting   = "overfitting"
	KindConverged     = "converged"
)

// Kinds lists every alert kind, for --exit-on and the documentation.
var Kinds = []string{KindNonFinite, KindZeroLossNaN, KindLossSpike, KindGradNormSpike, KindDivergence, KindStall, KindOverfitting, KindConverged}

// An Alert is something the user should act on. Each kind is raised once.
type Alert struct {
	Kind     string
	Severity string // warning or error; converged is info
	Step     int64
	Message  string
	Sources  []string
	At       time.Time
}

func (a Alert) String() string {
	s := fmt.Sprintf("[%s] %s", a.Severity, a.Message)
	if len(a.Sources) > 0 {
		s += " (" + a.Sources[0] + ")"
	}
	return s
}

// Thresholds of the streaming rules; DefaultThresholds are conservative so
// that a healthy run raises nothing.
type Thresholds struct {
	// Window is the number of recent points the spike rules compare with.
	Window int
	// SpikeZ is the modified z-score of a spike (on log values).
	SpikeZ float64
	// LossSpikeRatio: a loss spike must also be this many times the
	// window median (Lightning's SpikeDetection uses 3x the mean).
	LossSpikeRatio float64
	// GradSpikeRatio: a grad_norm spike must be this many times the
	// window median.
	GradSpikeRatio float64
	// DivergeRatio: the mean of the last Window losses above this many
	// times the lowest window mean seen (and above the starting level)
	// is a divergence.
	DivergeRatio float64
	// StallAfter is the minimum silence before a stall alert; the rule
	// also waits StallFactor times the usual time between steps.
	StallAfter  time.Duration
	StallFactor float64
}

// DefaultThresholds are used unless told otherwise.
var DefaultThresholds = Thresholds{
	Window:         50,
	SpikeZ:         6,
	LossSpikeRatio: 2,
	GradSpikeRatio: 10,
	DivergeRatio:   1.5,
	StallAfter:     2 * time.Minute,
	StallFactor:    10,
}

// rules holds the state of the streaming rules.
type rules struct {
	th       Thresholds
	raised   map[string]bool
	lastStep int64 // the latest step of any entry
	// lossStep and gradStep are the latest steps whose loss and
	// grad_norm were checked: a step logged twice (a callback line, then
	// the Trainer's dict) has each value checked once, from whichever
	// line brings it.
	lossStep, gradStep int64
	losses             []float64 // recent finite losses
	grads              []float64 // recent finite log grad norms
	startMean          float64
	startN             int
	minMean            float64
	lastNew            time.Time
	gaps               []float64 // recent seconds between new steps, measured live
	// live is set once the watcher has caught up with what the files held
	// when it started: only steps arriving after that measure the usual
	// time between steps (a backlog arrives all at once).
	live bool
}

func newRules(th Thresholds) *rules {
	return &rules{th: th, raised: map[string]bool{}, lastStep: -1, lossStep: -1, gradStep: -1, minMean: math.Inf(1)}
}

// restart forgets the steps seen: a file that starts over (truncated or
// rotated) brings its steps again. Raised alerts stay raised.
func (r *rules) restart() {
	r.lastStep, r.lossStep, r.gradStep = -1, -1, -1
}

func (r *rules) raise(out []Alert, a Alert) []Alert {
	if r.raised[a.Kind] {
		return out
	}
	r.raised[a.Kind] = true
	if a.At.IsZero() {
		a.At = time.Now()
	}
	return append(out, a)
}

// entry checks one training entry. Every value is checked for being
// finite; the windowed rules take each metric once per step, so that a
// second view of a step (a callback line, then the Trainer's dict) adds
// what the first lacked and counts nothing twice.
func (r *rules) entry(e *trainlog.Entry, now time.Time) []Alert {
	if e.Kind != trainlog.KindTrain {
		return nil
	}
	if e.Step > r.lastStep {
		if r.live && r.lastStep >= 0 && !r.lastNew.IsZero() {
			r.gaps = appendCap(r.gaps, now.Sub(r.lastNew).Seconds(), 64)
		}
		r.lastStep, r.lastNew = e.Step, now
	}
	var out []Alert
	src := []string{e.Source.String()}
	loss, hasLoss := math.NaN(), false
	grad, hasGrad := math.NaN(), false
	for _, kv := range e.Values {
		switch trainlog.Canonical(e.Kind, kv.Key) {
		case "loss":
			loss, hasLoss = kv.Value, true
		case "grad_norm":
			grad, hasGrad = kv.Value, true
		}
	}
	if hasLoss && loss == 0 && hasGrad && math.IsNaN(grad) {
		out = r.raise(out, Alert{Kind: KindZeroLossNaN, Severity: "error", Step: e.Step, Sources: src,
			Message: fmt.Sprintf("loss 0.0 with grad_norm nan at step %d: every update in this logging window was non-finite (the NaN filter logs 0.0); this is a failure, not a perfect model — check fp16/bf16 overflow and the learning rate", e.Step)})
	} else if (hasLoss && !finite(loss)) || (hasGrad && !finite(grad)) {
		what, v := "loss", loss
		if !hasLoss || finite(loss) {
			what, v = "grad_norm", grad
		}
		out = r.raise(out, Alert{Kind: KindNonFinite, Severity: "error", Step: e.Step, Sources: src,
			Message: fmt.Sprintf("non-finite %s (%v) at step %d", what, v, e.Step)})
	}
	if hasLoss && finite(loss) && e.Step > r.lossStep {
		r.lossStep = e.Step
		out = r.checkLoss(out, e.Step, loss, src)
	}
	if hasGrad && finite(grad) && grad > 0 && e.Step > r.gradStep {
		r.gradStep = e.Step
		out = r.checkGrad(out, e.Step, grad, src)
	}
	return out
}

func (r *rules) checkLoss(out []Alert, step int64, loss float64, src []string) []Alert {
	w := r.th.Window
	if len(r.losses) >= w/2 && loss > 0 {
		// The level is the median of the last few points and the noise the
		// robust sigma of successive differences of log(loss), which a
		// trend barely affects (methods.md §2, §5).
		lg := logs(r.losses)
		level, _ := medianMAD(lg[max(0, len(lg)-10):])
		sigma := diffSigma(lg)
		z := 0.6745 * (math.Log(loss) - level) / math.Max(sigma, 0.01)
		if z > r.th.SpikeZ && loss > r.th.LossSpikeRatio*math.Exp(level) {
			out = r.raise(out, Alert{Kind: KindLossSpike, Severity: "warning", Step: step, Sources: src,
				Message: fmt.Sprintf("loss spike at step %d: %.4g is %.1fx the recent level %.4g (z %.1f > %.1f against the point-to-point noise of the last %d points)", step, loss, loss/math.Exp(level), math.Exp(level), z, r.th.SpikeZ, len(lg))})
		}
	}
	r.losses = appendCap(r.losses, loss, w)
	if r.startN < w {
		r.startMean = (r.startMean*float64(r.startN) + loss) / float64(r.startN+1)
		r.startN++
	}
	if len(r.losses) == w {
		m := mean(r.losses)
		if m < r.minMean {
			r.minMean = m
		}
		if r.startN == w && m > r.th.DivergeRatio*r.minMean && m > r.startMean {
			out = r.raise(out, Alert{Kind: KindDivergence, Severity: "error", Step: step, Sources: src,
				Message: fmt.Sprintf("divergence at step %d: the mean loss of the last %d points, %.4g, is above the starting level %.4g and %.1fx the lowest window mean %.4g", step, w, m, r.startMean, m/r.minMean, r.minMean)})
		}
	}
	return out
}

// diffSigma is the robust noise of a series from its successive
// differences: 1.4826 MAD(diff) / sqrt(2).
func diffSigma(xs []float64) float64 {
	if len(xs) < 3 {
		return math.NaN()
	}
	d := make([]float64, len(xs)-1)
	for i := range d {
		d[i] = xs[i+1] - xs[i]
	}
	_, mad := medianMAD(d)
	return 1.4826 * mad / math.Sqrt2
}

func (r *rules) checkGrad(out []Alert, step int64, grad float64, src []string) []Alert {
	lg := math.Log(grad)
	if len(r.grads) >= r.th.Window/2 {
		med, _ := medianMAD(r.grads)
		z := 0.6745 * (lg - med) / math.Max(diffSigma(r.grads), 0.05)
		if z > r.th.SpikeZ && grad > r.th.GradSpikeRatio*math.Exp(med) {
			out = r.raise(out, Alert{Kind: KindGradNormSpike, Severity: "warning", Step: step, Sources: src,
				Message: fmt.Sprintf("grad_norm spike at step %d: %.4g is %.0fx the median %.4g of the last %d points (z on log scale %.1f > %.1f)", step, grad, grad/math.Exp(med), math.Exp(med), len(r.grads), z, r.th.SpikeZ)})
		}
	}
	r.grads = appendCap(r.grads, lg, r.th.Window)
	return out
}

// tick checks time-based rules.
func (r *rules) tick(now time.Time, done bool) []Alert {
	if done || r.lastNew.IsZero() || len(r.gaps) < 3 {
		return nil
	}
	usual, _ := medianMAD(r.gaps)
	wait := time.Duration(usual * r.th.StallFactor * float64(time.Second))
	if wait < r.th.StallAfter {
		wait = r.th.StallAfter
	}
	silent := now.Sub(r.lastNew)
	if silent < wait {
		return nil
	}
	return r.raise(nil, Alert{Kind: KindStall, Severity: "error", Step: r.lastStep,
		Message: fmt.Sprintf("no new step for %s after step %d (usually one every %.1fs): training may be hung or dead", silent.Round(time.Second), r.lastStep, usual)})
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func appendCap(s []float64, v float64, n int) []float64 {
	if len(s) >= n {
		copy(s, s[1:])
		s = s[:n-1]
	}
	return append(s, v)
}

func logs(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if x > 0 {
			out = append(out, math.Log(x))
		}
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// medianMAD returns the median and the median absolute deviation.
func medianMAD(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med := quantile(s)
	for i := range s {
		s[i] = math.Abs(s[i] - med)
	}
	sort.Float64s(s)
	return med, quantile(s)
}

func quantile(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
