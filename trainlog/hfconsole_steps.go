package trainlog

import (
	"fmt"
	"math"
)

// hcMaxFitPts bounds the dicts kept to fit the logging cadence on, so
// that memory stays flat over a long watch.
const hcMaxFitPts = 1 << 14

// An hcPend is a queued dict entry whose step may not be known yet.
type hcPend struct {
	e          *Entry
	kind       Kind
	epoch, tol float64 // the printed epoch and half its last unit; NaN when absent
	synced     bool    // printed by tqdm.write right after its clear
	window     bool    // waiting for the bar tqdm redraws after the dict
	barBefore  int64   // training bar position before the dict, -1 none
	redraw     int64   // training bar position redrawn after the dict, -1 none
	cb         int64   // step of a callback line just before, -1 none
	ord        int64   // 1-based ordinal among the training dicts of its segment
	base       int64   // first step of its segment minus one cadence (0, or a resumed step)
	seg        int
	prev       *hcPend // the training dict before an eval dict
	done       bool
}

// hcSteps infers the steps of console dicts; see the file comment of
// hfconsole.go for the order of the rules.
type hcSteps struct {
	// The run's shape as printed.
	infoSPE                   float64 // "Num update steps per epoch"
	examples, totalBatch, ga  float64 // INFO block or Unsloth banner
	maxSteps, epochs          float64
	targsEpochs, targsMaxStep float64 // a TrainingArguments dump
	loggingSteps              int64
	summarySPE, guessSPE      float64
	summarySeen               bool

	spe     float64 // steps per epoch, 0 when unknown
	retries int     // retries of all held-back entries on a new shape
	lenDL   float64 // micro-batches per epoch and process, 0 when unknown

	nTrain             int
	seg                int
	segBase, ord       int64
	resumed            int64
	lastTrain          *hcPend
	lastEpoch, lastTol float64
	lastStep           int64
	evalOrd            int64

	window    []*hcPend
	windowAge int
	cbStep    int64
	cbLine    int

	fitL     int64 // logging cadence fitted to the ordinals, 0 when none
	fitFirst bool  // logging_first_step: the first dict is step 1
	fitSeg   int
	nextFit  int       // fit again when fitPts reaches this length
	fitPts   []hcFitPt // training dicts of the segment to fit the cadence on

	scratch, scratchTrain hcPend // dicts resolved at once need no allocation
}

func (s *hcSteps) init() {
	s.lastEpoch, s.lastStep, s.cbStep, s.resumed, s.nextFit = math.NaN(), -1, -1, -1, 8
}

func (r *consoleReader) newPend() *hcPend {
	if len(r.pends) == 0 {
		r.pends = make([]hcPend, hcSlab)
		for i := range r.pends {
			r.pends[i].seg = 0 // map fresh memory by a write: see rawSeries.fill
		}
	}
	p := &r.pends[0]
	r.pends = r.pends[1:]
	return p
}

// compute derives the steps per epoch from what the log printed, most
// direct source first.
func (s *hcSteps) compute(barTotal int64) {
	s.lenDL = 0
	if s.examples > 0 && s.totalBatch > 0 && s.ga > 0 && s.totalBatch >= s.ga {
		s.lenDL = math.Ceil(s.examples / (s.totalBatch / s.ga))
	}
	spe := 0.0
	switch {
	case s.infoSPE > 0:
		spe = s.infoSPE
	case s.lenDL > 0:
		f, c := math.Max(1, math.Floor(s.lenDL/s.ga)), math.Ceil(s.lenDL/s.ga)
		spe = c
		if s.maxSteps > 0 && s.epochs > 0 {
			if q := s.maxSteps / s.epochs; q == f || q == c {
				spe = q
			}
		}
	case s.maxSteps > 0 && s.epochs > 0:
		spe = s.maxSteps / s.epochs
	case s.targsEpochs > 0 && s.targsMaxStep <= 0 && barTotal > 0:
		spe = float64(barTotal) / s.targsEpochs
	case s.summarySPE > 0:
		spe = s.summarySPE
	case s.guessSPE > 0:
		spe = s.guessSPE
	}
	if s.lenDL > 0 && math.Abs(spe-s.lenDL/s.ga) > 1 {
		s.lenDL = 0
	}
	s.spe = spe
}

// changed is called when the log printed something about the run's shape.
// Held-back entries are retried at most a few dozen times this way; the
// end of the input resolves them all anyway.
func (s *hcSteps) changed(r *consoleReader) {
	old := s.spe
	s.compute(r.bar.total)
	if s.spe != old && s.retries < 64 {
		s.retries++
		s.resolveAll(r, false)
	}
}

// estimate converts an epoch and its tolerance into a step and its
// tolerance. With the dataloader length known it follows the Trainer,
// which counts the epoch in micro-batches.
func (s *hcSteps) estimate(epoch, tol float64) (float64, float64) {
	if s.lenDL > 0 {
		e := math.Floor(epoch + 1e-9)
		k := s.lenDL / s.ga
		return e*s.spe + math.Max(0, epoch-e)*k, tol * k
	}
	return epoch * s.spe, tol * s.spe
}

// addDict queues a dict entry and resolves its step if it can.
func (s *hcSteps) addDict(r *consoleReader, e *Entry, tol float64, synced bool) {
	s.closeWindow(r)
	if e.Step >= 0 {
		if e.Kind == KindTrain {
			s.scratchTrain = hcPend{e: e, kind: e.Kind, epoch: e.Epoch, tol: tol, done: true}
			s.lastTrain = &s.scratchTrain
		}
		r.emit(e)
		return
	}
	if e.Kind == KindSummary {
		if r.bar.n >= 0 {
			e.Step, e.StepInferred = r.bar.n, true
		}
		r.emit(e)
		s.summary(r, e.Epoch, tol)
		return
	}
	p := &s.scratch
	*p = hcPend{e: e, kind: e.Kind, epoch: e.Epoch, tol: tol, synced: synced, barBefore: r.bar.n, redraw: -1, cb: -1}
	if e.Kind == KindTrain {
		if s.cbStep >= 0 && r.line <= s.cbLine+1 {
			p.cb, s.cbStep = s.cbStep, -1
		}
		s.newTrain(p)
		if !synced && p.cb < 0 && !math.IsNaN(p.epoch) && s.fitL == 0 && len(s.fitPts) < hcMaxFitPts {
			s.fitPts = append(s.fitPts, hcFitPt{ord: p.ord, epoch: p.epoch, tol: tol})
		}
	} else {
		if s.lastTrain == &s.scratchTrain {
			q := r.newPend()
			*q = s.scratchTrain
			s.lastTrain = q
		}
		p.prev = s.lastTrain
	}
	if synced && p.cb < 0 {
		p.window = true
	}
	if s.try(r, p, false) {
		// Resolved at once: no need to keep p, except as the training
		// dict a later eval dict may refer to.
		if e.Kind == KindTrain {
			s.scratchTrain = *p
			s.lastTrain = &s.scratchTrain
		}
		r.emit(e)
	} else {
		q := r.newPend()
		*q = *p
		if e.Kind == KindTrain {
			s.lastTrain = q
		}
		if q.window {
			s.window = append(s.window, q)
			s.windowAge = 0
		}
		r.queue = append(r.queue, hcItem{rec: e, p: q})
	}
	if len(s.fitPts) >= s.nextFit && s.fitL == 0 && s.spe > 0 {
		s.nextFit *= 2
		if s.fit(false) {
			s.resolveAll(r, false)
		}
	}
}

// newTrain gives a training dict its ordinal, starting a new segment when
// the epoch goes back or the run was resumed.
func (s *hcSteps) newTrain(p *hcPend) {
	back := !math.IsNaN(p.epoch) && !math.IsNaN(s.lastEpoch) && p.epoch+p.tol+s.lastTol < s.lastEpoch-1e-9
	if back || s.resumed >= 0 {
		s.seg++
		s.ord, s.segBase = 0, max(s.resumed, 0)
		s.resumed, s.fitL, s.nextFit = -1, 0, 8
		s.fitPts = s.fitPts[:0]
	}
	s.ord++
	p.ord, p.seg, p.base = s.ord, s.seg, s.segBase
	if !math.IsNaN(p.epoch) {
		s.lastEpoch, s.lastTol = p.epoch, p.tol
	}
	s.nTrain++
}

// try resolves p's step if what is known allows it. With final set it
// always resolves, falling back to bar positions and ordinals.
func (s *hcSteps) try(r *consoleReader, p *hcPend, final bool) bool {
	if p.done {
		return true
	}
	step := int64(-1)
	switch {
	case p.cb >= 0:
		step = p.cb
	case p.redraw >= 0:
		step = p.redraw
	case p.window && !final:
		return false
	default:
		if p.kind != KindTrain && p.prev != nil {
			if !p.prev.done && !s.try(r, p.prev, final) {
				return false
			}
			if hcSameEpoch(p.epoch, p.prev.epoch) {
				step = p.prev.e.Step
				break
			}
		}
		if st, ok := s.fromEpoch(p, final); ok {
			step = st
			break
		}
		if !final {
			return false
		}
		step = s.fallback(p)
	}
	p.done = true
	p.window = false
	if step >= 0 {
		p.e.Step, p.e.StepInferred = step, true
		if p.kind == KindTrain && step > s.lastStep {
			s.lastStep = step
		}
	}
	return true
}

func hcSameEpoch(a, b float64) bool {
	return !math.IsNaN(a) && !math.IsNaN(b) && math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a))
}

// fromEpoch infers a step from the epoch. It reports false when the steps
// per epoch are unknown, or when the epoch was printed too coarsely to
// tell steps apart and more may be learned later (the summary, a fitted
// cadence).
func (s *hcSteps) fromEpoch(p *hcPend, final bool) (int64, bool) {
	if s.spe <= 0 || math.IsNaN(p.epoch) {
		return 0, false
	}
	est, tol := s.estimate(p.epoch, p.tol)
	if p.kind == KindTrain && s.fitL > 0 && p.seg == s.fitSeg {
		st := p.base + hcFitStep(p.ord, s.fitL, s.fitFirst)
		if math.Abs(float64(st)-est) <= hcSlack(p.epoch, tol) {
			return st, true
		}
		s.fitL, s.nextFit = 0, 8 // a dict is missing: fit again from here
		s.fitPts = append(s.fitPts[:0], hcFitPt{ord: p.ord, epoch: p.epoch, tol: p.tol})
	}
	if tol >= 0.5 && p.synced && p.barBefore >= 0 {
		// Printed live, so the bar before the dict lags the step by a
		// little at most: take the first step the epoch allows at or
		// after it.
		return max(p.barBefore, int64(math.Ceil(est-tol))), true
	}
	if tol >= 0.5 && !final && !s.summarySeen {
		return 0, false
	}
	st := int64(math.Round(est))
	if st < 0 {
		st = 0
	}
	if p.synced && p.barBefore > st {
		st = p.barBefore
	}
	return st, true
}

// fallback is the step of a dict when the epoch cannot tell: the bar
// position for a synced dict, the preceding training step for an eval,
// or the ordinal.
func (s *hcSteps) fallback(p *hcPend) int64 {
	if p.kind != KindTrain {
		switch {
		case p.prev != nil && p.prev.done:
			return p.prev.e.Step
		case p.barBefore >= 0:
			return p.barBefore
		case s.lastStep >= 0:
			return s.lastStep
		}
		s.evalOrd++ // an evaluation-only log: number the evaluations
		return s.evalOrd
	}
	if p.synced && p.barBefore >= 0 {
		return max(p.barBefore, s.lastStep+1)
	}
	return p.base + p.ord
}

// summary learns the steps per epoch from the end-of-training dict: the
// training bar then stands at the last step.
func (s *hcSteps) summary(r *consoleReader, epoch, tol float64) {
	s.summarySeen = true
	if r.bar.n > 0 && epoch > 0 {
		if rr := math.Round(epoch); rr >= 1 && math.Abs(epoch-rr) <= tol+1e-9 {
			epoch = rr
		}
		s.summarySPE = float64(r.bar.n) / epoch
	}
	s.resolveAll(r, false)
}

// guess derives the steps per epoch at the end of an interrupted log from
// the training bar: the smallest whole number of epochs that puts the
// last logged epoch at or before the bar's position.
func (s *hcSteps) guess(r *consoleReader) {
	t, n := r.bar.total, r.bar.n
	lo := s.lastEpoch - s.lastTol
	if t <= 0 || n <= 0 || math.IsNaN(lo) || lo <= 0 {
		return
	}
	for k := int64(1); k <= 10000; k++ {
		if spe := float64(t) / float64(k); lo*spe <= float64(n)+1 {
			s.guessSPE = spe
			return
		}
	}
}

// resolveAll tries every held-back entry; with final set it resolves all.
func (s *hcSteps) resolveAll(r *consoleReader, final bool) {
	if final {
		for _, p := range s.window {
			p.window = false
		}
		s.window = s.window[:0]
	}
	s.compute(r.bar.total)
	if final && s.spe <= 0 {
		s.guess(r)
		s.compute(r.bar.total)
	}
	if final || s.summarySeen {
		s.fit(true)
	}
	for i := r.head; i < len(r.queue); i++ {
		if p := r.queue[i].p; p != nil && !p.done {
			s.try(r, p, final)
		}
	}
}

// retryTail tries the last queued entries after a local event.
func (s *hcSteps) retryTail(r *consoleReader) {
	for i := max(r.head, len(r.queue)-16); i < len(r.queue); i++ {
		if p := r.queue[i].p; p != nil && !p.done {
			s.try(r, p, false)
		}
	}
}

// onBar sees a training bar state: the redraw that follows a synced dict.
func (s *hcSteps) onBar(r *consoleReader, n int64) {
	if len(s.window) == 0 {
		return
	}
	for _, p := range s.window {
		if n >= p.barBefore {
			p.redraw = n
		}
		p.window = false
	}
	s.window = s.window[:0]
	s.retryTail(r)
}

// age counts text pieces after a synced dict; tqdm redraws right away, so
// a few pieces without a bar mean there will be no redraw.
func (s *hcSteps) age(r *consoleReader) {
	if len(s.window) == 0 {
		return
	}
	s.windowAge++
	if s.windowAge > 3 {
		s.closeWindow(r)
	}
}

func (s *hcSteps) closeWindow(r *consoleReader) {
	if len(s.window) == 0 {
		return
	}
	for _, p := range s.window {
		p.window = false
	}
	s.window = s.window[:0]
	s.retryTail(r)
}

// callback records the step of a user callback line for the next dict.
func (s *hcSteps) callback(r *consoleReader, step int64) {
	s.closeWindow(r)
	s.cbStep, s.cbLine = step, r.line
}

// An hcFitPt is a training dict to fit the logging cadence on.
type hcFitPt struct {
	ord        int64
	epoch, tol float64
}

// hcSlack is how far a step inferred from the epoch may be from the true
// step: the epoch's rounding, one step for rounding the estimate, and one
// step per finished epoch, since transformers versions differ on whether
// an epoch's last partial accumulation counts as a step.
func hcSlack(epoch, tol float64) float64 {
	return tol + 1.5 + math.Floor(math.Max(epoch, 0))
}

// fit looks for the logging cadence L such that the k-th training dict of
// the segment is at step base + k×L (or 1, L, 2L, ... with
// logging_first_step), within hcSlack of the step its epoch gives. The
// ordinals are exact where the epoch is not: it is rounded when printed,
// and its relation to the step varies across versions. fit reports
// whether a cadence was found; unless force is set, several fitting
// cadences mean none.
func (s *hcSteps) fit(force bool) bool {
	if s.spe <= 0 || s.fitL > 0 || len(s.fitPts) < 2 {
		return false
	}
	pts := make([]hcFitPt, len(s.fitPts))
	for i, q := range s.fitPts {
		est, tol := s.estimate(q.epoch, q.tol)
		pts[i] = hcFitPt{ord: q.ord, epoch: est, tol: hcSlack(q.epoch, tol)}
	}
	l, first, ok := hcFitCadence(pts, s.segBase, s.loggingSteps, force)
	if ok {
		s.fitL, s.fitFirst, s.fitSeg = l, first, s.seg
	}
	return ok
}

func hcFitStep(k, l int64, first bool) int64 {
	if first {
		if k == 1 {
			return 1
		}
		return (k - 1) * l
	}
	return k * l
}

// hcFitCadence fits L to points whose epoch field holds the estimated
// step and tol field the allowed distance.
func hcFitCadence(pts []hcFitPt, base, prefer int64, force bool) (int64, bool, bool) {
	check := func(l int64, first bool) (float64, bool) {
		sse := 0.0
		for _, q := range pts {
			d := float64(base+hcFitStep(q.ord, l, first)) - q.epoch
			if math.Abs(d) > q.tol {
				return 0, false
			}
			sse += d * d
		}
		return sse, true
	}
	if prefer > 0 {
		for _, first := range []bool{false, true} {
			if _, ok := check(prefer, first); ok {
				return prefer, first, true
			}
		}
	}
	last := pts[len(pts)-1]
	for _, first := range []bool{false, true} {
		k := float64(last.ord)
		if first {
			k--
		}
		if k <= 0 {
			continue
		}
		span := last.epoch - float64(base)
		lo := max(int64(math.Floor((span-last.tol)/k)), 1)
		hi := int64(math.Ceil((span + last.tol) / k))
		if hi-lo > 1000 {
			continue // the epochs allow too many cadences
		}
		bestL, bestSSE, n := int64(0), math.Inf(1), 0
		for l := lo; l <= hi; l++ {
			if sse, ok := check(l, first); ok {
				n++
				if sse < bestSSE {
					bestL, bestSSE = l, sse
				}
			}
		}
		if n == 1 || (n > 1 && force) {
			return bestL, first, true
		}
		if n > 1 {
			return 0, false, false
		}
	}
	return 0, false, false
}

// hcDups counts dicts collapsed because they repeated the previous one.
type hcDups struct {
	n, reported int
	first       Source
}

func (d *hcDups) add(src Source) {
	if d.n == 0 {
		d.first = src
	}
	d.n++
}

func (d *hcDups) report(r *consoleReader) {
	if d.n <= d.reported {
		return
	}
	r.event(EventDuplicate, -1, fmt.Sprintf("%d log dicts repeated the dict printed just before them and were collapsed (each node printing its own copy, as transformers <= 4.40 does on multi-node runs)", d.n-d.reported), d.first)
	d.reported = d.n
}
