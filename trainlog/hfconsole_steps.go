package trainlog

import (
	"fmt"
	"math"
)

// hcMaxBlock bounds the training dicts held back without a known step,
// so that memory stays flat on a log without any exact evidence: past it
// the older half is decided with what is known so far.
const hcMaxBlock = 1 << 14

// hcSteps feeds what a console log shows to the step alignment
// (stepalign.go): the run's shape, the training bar's frames, callback
// lines and dicts. A dict's step is decided once what follows it is
// known (its window: the rest of its line and the next line), at once
// when exact evidence fixes it, else when the next dict with exact
// evidence, the end of its session or the end of the input bounds the
// block of dicts it belongs to. Records keep their file order: the
// reader's queue holds an entry until its dict is decided.
type hcSteps struct {
	// The run's shape as printed.
	infoSPE                   float64 // "Num update steps per epoch"
	examples, totalBatch, ga  float64 // INFO block or Unsloth banner
	maxSteps, epochs          float64
	targsEpochs, targsMaxStep float64 // a TrainingArguments dump
	loggingSteps              int64
	summarySPE, guessSPE      float64
	summarySeen               bool

	spe   float64 // steps per epoch, 0 when unknown
	lenDL float64 // micro-batches per epoch and process, 0 when unknown

	// Sessions: a resume or an epoch going back starts a new one.
	nTrain, nEval      int
	sess               int32
	ord                int64
	base               int64 // steps of the session are above it
	resumed            int64 // announced resume, for the next training dict; -1 none
	lastEpoch, lastTol float64
	lastTrain          *alignDict
	evalOrd            int64

	// The chain: the last training dict whose step is decided (or the
	// session's base), which the next block starts from.
	chainSess  int32
	chainStep  int64
	chainOrd   int64
	chainFirst bool

	win      []*alignDict // dicts still looking at what follows them
	block    []*alignDict // training dicts waiting for a bound after them
	evalWait []*alignDict // eval dicts waiting for their training dict
	noAfter  []*alignDict // dicts waiting for the next frame of the bar

	// marks are the positions of the frames tqdm.write redrew after a
	// dict whose text stdout held back: the k-th is the step of the k-th
	// dict that is not synced. marksBad is set once a mark contradicted
	// its dict's epoch.
	marks    []int64
	marksBad bool

	cb       alignCB // the last callback line since the last dict
	cbVis    int
	tokLine  int  // line of the last token
	lineText bool // a token other than a bar frame was seen on tokLine
	barVis   int  // vis of the last training-bar frame
	// vis numbers the lines the alignment sees: the lines of the process
	// that logs (another rank's lines, which a launcher interleaves, are
	// not between a dict and tqdm's redraw of it).
	vis     int
	canon   map[string]string
	canonFn func(string) string // s.canonical, bound once
}

func (s *hcSteps) init() {
	s.lastEpoch, s.resumed, s.cb.step = math.NaN(), -1, -1
	s.chainFirst = true
	s.canon = map[string]string{}
	s.canonFn = s.canonical
}

func (r *consoleReader) newPend() *alignDict {
	if len(r.pends) == 0 {
		r.pends = make([]alignDict, hcSlab)
		for i := range r.pends {
			r.pends[i].sess = 0 // map fresh memory by a write: see rawSeries.fill
		}
	}
	p := &r.pends[0]
	r.pends = r.pends[1:]
	p.reset()
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
func (s *hcSteps) changed(r *consoleReader) { s.compute(r.bar.total) }

// shape returns the shape the alignment works with.
func (s *hcSteps) shape(final bool) alignShape {
	return alignShape{spe: s.spe, lenDL: s.lenDL, ga: s.ga, logging: s.loggingSteps, final: final}
}

// canonical returns the canonical name of a training key, cached.
func (s *hcSteps) canonical(k string) string {
	switch k {
	case "loss", "grad_norm", "learning_rate", "epoch":
		return k // the Trainer's own keys are canonical
	}
	if v, ok := s.canon[k]; ok {
		return v
	}
	v := Canonical(KindTrain, k)
	if len(s.canon) < 1024 {
		s.canon[k] = v
	}
	return v
}

// token is called for every token, before it is handled: it closes the
// windows of dicts two lines back.
func (s *hcSteps) token(r *consoleReader, line int, bar bool) {
	if line != s.tokLine {
		s.tokLine, s.lineText = line, false
		s.vis++
	}
	for len(s.win) > 0 && s.vis >= s.win[0].vis+2 {
		s.close(r)
	}
	if !bar {
		s.lineText = true
	}
}

// addDict queues a dict entry.
func (s *hcSteps) addDict(r *consoleReader, e *Entry, tol float64, synced bool) {
	for len(s.win) > 0 {
		s.close(r) // a dict ends the windows of those before it
	}
	if e.Kind == KindSummary {
		if !synced {
			s.takeMark()
		}
		if r.bar.n >= 0 {
			e.Step, e.StepInferred, e.StepBy, e.StepEstimated = r.bar.n, true, StepFrame, true
		}
		r.emit(e)
		s.summary(r, e.Epoch, tol)
		return
	}
	d := r.newPend()
	d.e, d.tol, d.synced = e, tol, synced
	if r.bar.total > 0 {
		d.before = r.bar.n
	}
	if !synced {
		d.mark = s.takeMark()
	}
	d.vis = s.vis
	if s.cb.step >= 0 && s.cbVis >= s.vis-1 {
		d.cbs[0] = s.cb
	}
	s.cb = alignCB{step: -1}
	if e.Kind == KindTrain {
		s.newTrain(d)
		s.lastTrain = d
	} else {
		d.prev = s.lastTrain
		s.nEval++
	}
	d.open = true
	s.win = append(s.win, d)
	if len(s.noAfter) >= 64+2*(len(s.block)+len(s.evalWait)) {
		// A log without frames: forget the dicts already decided.
		kept := s.noAfter[:0]
		for _, q := range s.noAfter {
			if !q.done {
				kept = append(kept, q)
			}
		}
		clear(s.noAfter[len(kept):])
		s.noAfter = kept
	}
	s.noAfter = append(s.noAfter, d)
	r.queue = append(r.queue, hcItem{rec: e, p: d})
	if e.Step >= 0 {
		s.close(r) // its own step: nothing to wait for
	}
}

// newTrain gives a training dict its session and ordinal, starting a new
// session when the epoch goes back or the run was resumed.
func (s *hcSteps) newTrain(d *alignDict) {
	back := !math.IsNaN(d.e.Epoch) && !math.IsNaN(s.lastEpoch) && d.e.Epoch+d.tol+s.lastTol < s.lastEpoch-1e-9
	if back || s.resumed >= 0 {
		s.sess++
		s.ord, s.base = 0, max(s.resumed, 0)
		s.resumed = -1
	}
	s.ord++
	d.ord, d.sess, d.base = s.ord, s.sess, s.base
	if !math.IsNaN(d.e.Epoch) {
		s.lastEpoch, s.lastTol = d.e.Epoch, d.tol
	}
	s.nTrain++
}

// hcMaxMarks bounds the marks waiting for their dicts.
const hcMaxMarks = 1 << 16

// takeMark returns the oldest mark, -1 when none.
func (s *hcSteps) takeMark() int64 {
	if len(s.marks) == 0 {
		return -1
	}
	m := s.marks[0]
	s.marks = s.marks[1:]
	if len(s.marks) == 0 {
		s.marks = s.marks[:0:0]
	}
	return m
}

// onBar sees a frame of the training bar at position n; cleared reports
// one drawn right after tqdm's clear.
func (s *hcSteps) onBar(r *consoleReader, n int64, cleared bool) {
	if cleared && !s.marksBad {
		if len(s.marks) >= hcMaxMarks {
			s.marks, s.marksBad = nil, true
		} else {
			s.marks = append(s.marks, n)
		}
	}
	first := s.barVis != s.vis && !s.lineText
	s.barVis = s.vis
	for _, d := range s.win {
		if first && d.synced && d.redraw < 0 && s.vis == d.vis+1 && n >= d.before {
			d.redraw = n
		}
	}
	for _, d := range s.noAfter {
		d.after = n
	}
	clear(s.noAfter)
	s.noAfter = s.noAfter[:0]
}

// callback records a user callback line stating step: the line after
// the dicts whose windows are open, the line before the next dict.
func (s *hcSteps) callback(r *consoleReader, step int64, e *Entry) {
	cb := alignCB{step: step, e: e}
	for _, d := range s.win {
		if d.cbs[1].step < 0 && s.vis <= d.vis+1 {
			d.cbs[1] = cb
		}
	}
	s.cb, s.cbVis = cb, s.vis
}

// close ends the window of the oldest open dict and places it.
func (s *hcSteps) close(r *consoleReader) {
	d := s.win[0]
	n := copy(s.win, s.win[1:])
	s.win[n] = nil
	s.win = s.win[:n]
	d.open = false
	s.place(r, d, false)
}

// place decides d when exact evidence fixes its step, and otherwise
// holds it in the block (a training dict) or until its training dict is
// decided (an eval dict).
func (s *hcSteps) place(r *consoleReader, d *alignDict, final bool) {
	sh := s.shape(final)
	if d.mark >= 0 && !s.markFits(d, &sh) {
		// The marks and the dicts are out of step (a dict lost, another
		// writer): trust neither from here.
		d.mark, s.marksBad, s.marks = -1, true, nil
	}
	step, by, est, ok := d.exact(&sh, s.canonFn)
	if d.e.Kind != KindTrain {
		switch {
		case ok:
			d.set(step, by, est)
		case d.prev == nil || d.prev.done:
			s.decideEval(d, &sh)
		default:
			s.evalWait = append(s.evalWait, d)
		}
		return
	}
	if d.sess != s.chainSess {
		s.solve(r, -1, final)
		s.chainSess, s.chainStep, s.chainOrd, s.chainFirst = d.sess, d.base, 0, true
	}
	if !ok {
		s.block = append(s.block, d)
		if len(s.block) > hcMaxBlock {
			s.solveHalf(r)
		}
		return
	}
	s.solve(r, step, final)
	d.set(step, by, est)
	s.chainStep, s.chainOrd, s.chainFirst = step, d.ord, false
	s.decideEvals(&sh)
}

// markFits reports whether d's mark agrees with its epoch and the bar.
func (s *hcSteps) markFits(d *alignDict, sh *alignShape) bool {
	if s.marksBad || (d.before >= 0 && d.mark > d.before) {
		return false
	}
	lo, hi, ok := sh.epochRange(d)
	return !ok || (d.mark >= lo && d.mark <= hi)
}

// solve decides the held-back block, bounded by next (-1 for none).
func (s *hcSteps) solve(r *consoleReader, next int64, final bool) {
	if len(s.block) == 0 {
		return
	}
	sh := s.shape(final || next < 0)
	b := alignBlock{ds: s.block, prevStep: s.chainStep, prevOrd: s.chainOrd, next: next, first: s.chainFirst}
	b.solve(&sh)
	last := s.block[len(s.block)-1]
	s.chainStep, s.chainOrd, s.chainFirst = last.e.Step, last.ord, false
	clear(s.block)
	s.block = s.block[:0]
	s.decideEvals(&sh)
}

// solveHalf decides the older half of an overlong block.
func (s *hcSteps) solveHalf(r *consoleReader) {
	h := len(s.block) / 2
	rest := append([]*alignDict(nil), s.block[h:]...)
	s.block = s.block[:h]
	s.solve(r, -1, false)
	s.block = append(s.block[:0], rest...)
}

// decideEvals decides the eval dicts whose training dict is decided.
func (s *hcSteps) decideEvals(sh *alignShape) {
	kept := s.evalWait[:0]
	for _, d := range s.evalWait {
		if d.prev == nil || d.prev.done {
			s.decideEval(d, sh)
			continue
		}
		kept = append(kept, d)
	}
	clear(s.evalWait[len(kept):])
	s.evalWait = kept
}

// decideEval decides an eval dict without exact evidence (rule 10).
func (s *hcSteps) decideEval(d *alignDict, sh *alignShape) {
	p := d.prev
	if p != nil && p.done && p.e.Step >= 0 && (math.IsNaN(d.e.Epoch) || hcSameEpoch(d.e.Epoch, p.e.Epoch)) {
		d.set(p.e.Step, StepFollows, p.e.StepEstimated)
		return
	}
	if d.synced && d.before >= 0 {
		d.set(d.before, StepFrame, true)
		return
	}
	if lo, hi, ok := sh.epochRange(d); ok {
		est, _ := sh.estimate(d.e.Epoch, d.tol)
		st := max(int64(math.Round(est)), 0)
		if p != nil && p.done && p.e.Step >= lo && p.e.Step <= hi {
			st = p.e.Step // an eval runs right after a training step
		}
		if !d.synced && d.before >= 0 {
			st = min(st, d.before)
		}
		d.set(max(min(st, hi), lo, 0), StepEpoch, true)
		return
	}
	switch {
	case p != nil && p.done:
		d.set(p.e.Step, StepFollows, true)
	case d.before >= 0:
		d.set(d.before, StepFrame, true)
	default:
		s.evalOrd++ // an evaluation-only log: number the evaluations
		d.set(s.evalOrd, StepOrdinal, true)
	}
}

func hcSameEpoch(a, b float64) bool {
	return !math.IsNaN(a) && !math.IsNaN(b) && math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a))
}

// resolveAll decides every held-back dict with what is known: at the end
// of the input, or when a live input has nothing more for now.
func (s *hcSteps) resolveAll(r *consoleReader, final bool) {
	s.compute(r.bar.total)
	if final && s.spe <= 0 {
		s.guess(r)
		s.compute(r.bar.total)
	}
	for len(s.win) > 0 {
		s.close(r)
	}
	s.solve(r, -1, true)
	sh := s.shape(true)
	for _, d := range s.evalWait {
		s.decideEval(d, &sh)
	}
	clear(s.evalWait)
	s.evalWait = s.evalWait[:0]
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
	s.compute(r.bar.total)
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
