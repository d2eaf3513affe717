package analysis

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/plateau-dev/plateau/internal/numfmt"
	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// A curve is the finite part of one series, ready for the statistics.
// Point i of the curve is point at(i) of its series.
type curve struct {
	name    string
	s       *trainlog.Series
	idx     []int     // series index of each point; nil when every point is finite
	steps   []int64   // steps, in order
	x       []float64 // steps as floats
	y       []float64 // values
	greater bool      // greater is better (reward, accuracy, margins)

	pos bool // every value is > 0

	logOnce sync.Once
	ly      []float64 // log(y), built on first use
}

// at returns the series index of point i.
func (c *curve) at(i int) int {
	if c.idx == nil {
		return i
	}
	return c.idx[i]
}

// step returns the step of point i.
func (c *curve) step(i int) int64 { return c.steps[i] }

// point returns point i as a whole.
func (c *curve) point(i int) trainlog.Point { return c.s.Point(c.at(i)) }

// source returns the source of point i.
func (c *curve) source(i int) trainlog.Source { return c.s.Source(c.at(i)) }

// epoch returns the epoch of point i, NaN when unknown.
func (c *curve) epoch(i int) float64 { return c.s.Epoch(c.at(i)) }

// logY returns log(y) (computed once per curve; only for positive
// curves) or y itself when on is false. Callers must not modify it.
func (c *curve) logY(on bool) []float64 {
	if !on {
		return c.y
	}
	c.logOnce.Do(func() { c.ly = logs(c.y) })
	return c.ly
}

// finiteCurve returns the finite points of the named series, or nil when
// the run has no such series. The curve is built once per analysis (see
// analyzer.curve); callers must not modify it.
func finiteCurve(run *analyzer, name string) *curve { return run.curve(name) }

// buildCurve extracts the finite points of s. It reads the columns once:
// on a million-point series each pass over them costs milliseconds. When
// every value is finite, the curve shares the series' steps and values.
func buildCurve(s *trainlog.Series, name string) *curve {
	c := &curve{name: name, greater: greaterIsBetter(name), s: s}
	steps, vals := s.Steps(), s.Values()
	n := 0
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			n++
		}
	}
	c.x = make([]float64, n)
	if n == len(vals) {
		c.steps, c.y = steps, vals // no copy in the common case
		for i, st := range steps {
			c.x[i] = float64(st)
		}
	} else {
		c.idx = make([]int, 0, n)
		c.steps = make([]int64, 0, n)
		c.y = make([]float64, 0, n)
		for i, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			c.x[len(c.idx)] = float64(steps[i])
			c.idx = append(c.idx, i)
			c.steps = append(c.steps, steps[i])
			c.y = append(c.y, v)
		}
	}
	c.pos = n > 0
	for _, v := range c.y {
		if !(v > 0) {
			c.pos = false
			break
		}
	}
	return c
}

// hasFinite reports whether the named series has a finite point.
func hasFinite(run *analyzer, name string) bool {
	s := run.Get(name)
	if s == nil {
		return false
	}
	for i := range s.Len() {
		if s.Finite(i) {
			return true
		}
	}
	return false
}

func (c *curve) len() int {
	if c == nil {
		return 0
	}
	return len(c.y)
}

// positive reports whether every value is > 0, so that a log scale works.
func (c *curve) positive() bool { return c != nil && c.pos }

// tailStart returns the index of the first point of the final window that
// spans frac of the curve's step range, widened to hold at least minPts
// points when the curve has them.
func (c *curve) tailStart(frac float64, minPts int) int {
	n := c.len()
	if n == 0 {
		return 0
	}
	first, last := c.x[0], c.x[n-1]
	cut := last - frac*(last-first)
	i := n - 1
	for i > 0 && c.x[i-1] >= cut {
		i--
	}
	if n-i < minPts {
		i = max(0, n-minPts)
	}
	return i
}

// better reports the improvement from a to b in the metric's good
// direction (positive = better).
func (c *curve) better(a, b float64) float64 {
	if c.greater {
		return b - a
	}
	return a - b
}

// GreaterIsBetter reports metrics whose larger values are better
// (rewards, margins, accuracies, scores), as the analysis judges them.
func GreaterIsBetter(name string) bool { return greaterIsBetter(name) }

// greaterIsBetter reports metrics whose larger values are better.
func greaterIsBetter(name string) bool {
	n := strings.ToLower(name)
	if strings.Contains(n, "loss") || strings.Contains(n, "perplexity") || strings.Contains(n, "ppl") {
		return false
	}
	for _, k := range []string{"reward", "margin", "accurac", "acc", "rouge", "bleu", "f1", "score", "precision", "recall"} {
		if strings.Contains(n, k) {
			return true
		}
	}
	return false
}

// maxNoisePairs bounds the successive differences a noise estimate uses.
const maxNoisePairs = 50000

// noiseSigma returns the point-to-point noise of ys in their own units:
// the robust successive-difference estimate, falling back to the RMS one
// when rounding makes most differences zero.
func noiseSigma(ys []float64) float64 {
	if len(ys) > maxNoisePairs {
		// Long series: estimate from evenly spread successive pairs.
		stride := len(ys) / maxNoisePairs
		d := make([]float64, 0, maxNoisePairs+1)
		for i := 0; i+1 < len(ys); i += stride {
			d = append(d, ys[i+1]-ys[i])
		}
		s := stats.RobustSigma(d) / math.Sqrt2
		if !(s > 0) {
			var ss float64
			for _, v := range d {
				ss += v * v
			}
			s = math.Sqrt(ss / float64(len(d)) / 2)
		}
		return s
	}
	s := stats.RobustDiffSigma(ys)
	if !(s > 0) {
		s = stats.DiffSigma(ys)
	}
	if math.IsNaN(s) {
		return 0
	}
	return s
}

// progressRE matches the counts of a tqdm progress bar.
var progressRE = regexp.MustCompile(`^\s*(\d+)/(\d+)\b`)

// geometry is what the analysis needs to know about the shape of a run.
type geometry struct {
	lastStep      int64
	firstStep     int64
	planned       int64   // max_steps, 0 when unknown
	stepsPerEpoch float64 // 0 when unknown
	completed     bool    // a summary or should_training_stop was found
	logEvery      int64   // median steps between train logs
}

// incomplete reports whether the run stopped before its planned steps,
// by more than one logging interval (the last partial window of a run
// that finished is often not logged).
func (g geometry) incomplete() bool {
	return !g.completed && g.planned > 0 && g.planned-g.lastStep > max(1, g.logEvery)
}

// runGeometry returns the run's shape (computed once per analysis).
func runGeometry(run *analyzer) geometry { return run.geometry() }

// computeGeometry reads the run's shape from its geometry, summary and
// series.
func computeGeometry(run *analyzer) geometry {
	var g geometry
	g.firstStep, g.lastStep = -1, -1
	for _, s := range run.Series {
		if s.Len() == 0 || trainlog.IsEval(s.Name) {
			continue
		}
		if f := s.Step(0); g.firstStep < 0 || f < g.firstStep {
			g.firstStep = f
		}
		if l := s.Step(s.Len() - 1); l > g.lastStep {
			g.lastStep = l
		}
	}
	for _, s := range run.Series {
		if s.Len() > 0 && s.Step(s.Len()-1) > g.lastStep {
			g.lastStep = s.Step(s.Len() - 1)
		}
	}
	if v, ok := run.Geometry[trainlog.GeoMaxSteps]; ok && v.Value > 0 {
		g.planned = int64(v.Value)
	} else if m := progressRE.FindStringSubmatch(run.Info[trainlog.InfoProgress].Value); m != nil {
		// The training progress bar's total ("829/1954 [28:49<...").
		g.planned, _ = strconv.ParseInt(m[2], 10, 64)
	}
	_, hasRuntime := run.Summary["train_runtime"]
	_, hasTrainLoss := run.Summary["train_loss"]
	g.completed = (hasRuntime && hasTrainLoss) || run.Info[trainlog.InfoTrainingStopped].Value == "true" ||
		(g.planned > 0 && g.lastStep >= g.planned)
	g.stepsPerEpoch = stepsPerEpoch(run, g)
	if s := run.Get("loss"); s.Len() > 1 {
		// The median interval of the last (up to 1000) logs.
		d := make([]float64, 0, 1000)
		for i := s.Len() - 1; i > 0 && len(d) < cap(d); i-- {
			d = append(d, float64(s.Step(i)-s.Step(i-1)))
		}
		g.logEvery = int64(stats.Median(d))
	}
	return g
}

// stepsPerEpoch estimates the number of optimizer steps in one epoch from
// the logged (step, epoch) pairs, or from max_steps / num_train_epochs.
func stepsPerEpoch(run *analyzer, g geometry) float64 {
	if v, ok := run.Geometry[trainlog.GeoStepsPerEpoch]; ok && v.Value > 0 {
		return v.Value
	}
	var ratios []float64
	for _, name := range []string{"loss", "learning_rate", "grad_norm", "eval_loss"} {
		s := run.Get(name)
		if s == nil {
			continue
		}
		if spe, ok := flooredStepsPerEpoch(s); ok {
			return spe
		}
		for i := s.Len() - 1; i >= 0 && len(ratios) < 1000; i-- {
			if e, st := s.Epoch(i), s.Step(i); e >= 0.5 && !math.IsNaN(e) && st > 0 {
				ratios = append(ratios, float64(st)/e)
			}
		}
		if len(ratios) > 0 {
			break
		}
	}
	if len(ratios) > 0 {
		// The later points carry the most precise ratio.
		return stats.Median(ratios[:(len(ratios)+1)/2])
	}
	if e, ok := run.Geometry[trainlog.GeoEpochs]; ok && e.Value > 0 && g.planned > 0 {
		return float64(g.planned) / e.Value
	}
	return 0
}

// epochBoundaries returns, for each whole epoch k the run crossed before
// its last step, the logged step nearest to k epochs. Steps per epoch come
// from the logged (step, epoch) pairs (see stepsPerEpoch), which
// tolerates epochs printed with two decimals (a v4 console shows 1.0 one
// step before the boundary).
func epochBoundaries(run *analyzer) []int64 {
	var s *trainlog.Series
	for _, name := range []string{"loss", "learning_rate", "grad_norm"} {
		if t := run.Get(name); t.Len() > 0 {
			s = t
			break
		}
	}
	if s == nil {
		return nil
	}
	g := runGeometry(run)
	spe := g.stepsPerEpoch
	if spe < 1 {
		return nil
	}
	steps := s.Steps()
	last := steps[len(steps)-1]
	var out []int64
	for k := 1.0; k*spe < float64(last)-0.5; {
		j := s.NearestIndex(int64(math.Round(k * spe)))
		if j < 0 {
			break
		}
		step := steps[j]
		if step < last && (len(out) == 0 || step > out[len(out)-1]) {
			out = append(out, step)
		}
		// Every epoch whose step lies before the middle of the gap after
		// p falls on p again: jump to the last of them, so that the loop
		// runs about twice per logged point however large the logged
		// steps are (a step of 10^12 must not mean 10^12 turns). Past
		// 2^53 epochs, k+1 is k again: stop.
		i := j + 1
		if i == len(steps) || k >= 1<<53 {
			break
		}
		mid := (float64(step) + float64(steps[i])) / 2
		k = math.Max(k+1, math.Floor(mid/spe))
	}
	return out
}

// fmtNum formats a number with 4 significant digits, the precision the
// Trainer console prints, as package report writes numbers (numfmt.Sig):
// "0.1286", "24487", "2.67e-7", "1.846e7".
func fmtNum(v float64) string { return numfmt.Sig(v, 4) }
