package trainlog

import (
	"math"
)

// Step alignment: which optimizer step each dict of a console log
// belongs to. A printed dict carries no step; what is around it does, and
// this file weighs all of it in one procedure. The console reader
// (hfconsole_steps.go) gathers, for each dict, what the log showed around
// it (an alignDict), and calls the procedure when a dict's surroundings
// are known. For each dict, in order:
//
//  1. read: the dict prints its own step ('step', 'global_step').
//  2. callback: a user callback's line next to the dict (the last one
//     printed since the previous dict, on the dict's line or the line
//     before, or the first one on the line after it) states step N, and
//     every value it shares with the dict agrees within rounding (the
//     loss, or at least two values).
//  3. redraw: the dict was printed right after tqdm's clear, and the first
//     bar frame on the next line, before any other text, is the training
//     bar at a position no lower than the frame before the dict: tqdm
//     redraws the bar where it stood when the dict was written, which is
//     the dict's step. A frame that comes later, after other text, is not
//     a redraw: it is the bar moving on to the next step. When stdout
//     held the dict's text back (block-buffered, flushed later), tqdm's
//     clear and redraw are still in the file where the dict was written:
//     a frame drawn right after a clear, with no dict between, is the
//     redraw of the next dict that is not synced, in order (unless its
//     epoch or the bar before the dict contradicts it, after which such
//     marks are no longer trusted).
//
// Exact evidence that disagrees (two callbacks, a callback and a redraw,
// a step below the frame before a synced dict) is a conflict: the step
// that the most other evidence agrees with is taken, and marked
// estimated.
//
//  4. bar: hard bounds. A dict printed right after tqdm's clear (synced)
//     is at or after the frame before it and at or before the first
//     frame after it. A dict that is not synced was flushed later than
//     printed (stdout is block-buffered when redirected), so the frame
//     before it bounds it from above: tqdm redrew the bar at the dict's
//     step before the dict's text reached the file. Training dicts of a
//     session (between resumes) have strictly increasing steps, so the
//     bounds propagate along the session; a dict left with one possible
//     step gets it, exactly.
//
// A dict that no rule above fixes gets an estimated step: each of the
// following proposes a step within the dict's bounds (narrowed to what
// its epoch allows when that fits), and the step most proposals agree on
// wins, ties going to the earlier in this list:
//
//  5. cadence: the k-th dict after a known step is k × L steps later,
//     L being logging_steps when printed, or the one cadence that fits
//     every epoch of the block;
//  6. lr: on a stretch where the learning rate moves linearly (a linear
//     warmup or decay), the lr differences between dicts are whole
//     multiples of one per-step change, which gives the steps between
//     dicts even where dicts are missing; the stretch is placed within
//     the bounds and the epochs;
//  7. frame: the frame just before a synced dict (it may lag the step);
//  8. epoch: the epoch times the steps per epoch;
//  9. ordinal: one step after the previous dict.
//
// The chosen steps are then made strictly increasing within the bounds.
// An evaluation dict takes the step of the training dict printed before
// it when both show the same epoch (follows), estimated when that one's
// step is; otherwise its own evidence as above.

// StepEvidence says what fixed the step of a logged value.
type StepEvidence uint8

// Kinds of step evidence. StepRead is the zero value: formats that write
// the step next to the value need not set anything.
const (
	// StepRead: written next to the value (a step field or column,
	// log_history's step, a TensorBoard record's step).
	StepRead StepEvidence = iota
	// StepCallback: a user callback's line next to the dict states the
	// step, with the same values.
	StepCallback
	// StepRedraw: tqdm redrew the training bar at the step right after
	// the dict.
	StepRedraw
	// StepBar: the progress bar's frames around the dict, with the order
	// of the dicts, leave one possible step.
	StepBar
	// StepFollows: an evaluation (or prediction) entry takes the step of
	// the training log just before it.
	StepFollows
	// StepCadence: the k-th log after a known step is k logging
	// intervals later.
	StepCadence
	// StepLR: the learning rate's progression on a linear stretch of the
	// schedule.
	StepLR
	// StepFrame: the progress bar's frame just before the dict.
	StepFrame
	// StepEpoch: the epoch times the steps per epoch.
	StepEpoch
	// StepOrdinal: the record's position among the logs.
	StepOrdinal
)

var stepEvidenceNames = [...]string{"read", "callback", "redraw", "bar", "follows", "cadence", "lr", "frame", "epoch", "ordinal"}

// String returns the kind's name as the JSON report writes it.
func (k StepEvidence) String() string {
	if int(k) < len(stepEvidenceNames) {
		return stepEvidenceNames[k]
	}
	return "evidence?"
}

// StepEvidences returns every kind of step evidence, in order.
func StepEvidences() []StepEvidence {
	out := make([]StepEvidence, len(stepEvidenceNames))
	for i := range out {
		out[i] = StepEvidence(i)
	}
	return out
}

// Exact reports whether evidence of this kind fixes a step by itself
// (read, callback, redraw, bar); the other kinds estimate it.
func (k StepEvidence) Exact() bool { return k <= StepBar }

// An alignCB is a user callback line seen next to a dict.
type alignCB struct {
	step int64  // -1 when none
	e    *Entry // its values; nil when it printed none
}

// An alignDict is what the console showed around one dict (its entry
// holds the kind, the epoch and the line).
type alignDict struct {
	e      *Entry
	prev   *alignDict // the training dict before an eval dict
	cbs    [2]alignCB // callback lines before and after the dict
	tol    float64    // half the last unit of the printed epoch
	before int64      // training-bar position shown last before the dict, -1 none
	after  int64      // first training-bar position shown after it, -1 none yet
	redraw int64      // position tqdm redrew right after it, -1 none
	mark   int64      // position tqdm redrew after its write when stdout held its text back, -1 none
	ord    int64      // 1-based ordinal among the training dicts of its session
	vis    int        // its line among the lines the alignment sees
	base   int64      // steps of its session are above it
	lo, hi int64      // bounds while solving
	sess   int32      // training session (resumes start a new one)
	synced bool       // printed by tqdm.write right after its clear
	open   bool       // still looking at what follows the dict
	done   bool
}

func (d *alignDict) reset() {
	*d = alignDict{before: -1, after: -1, redraw: -1, mark: -1}
	d.cbs[0].step, d.cbs[1].step = -1, -1
}

// set records the result.
func (d *alignDict) set(step int64, by StepEvidence, estimated bool) {
	d.done, d.open = true, false
	if step < 0 {
		return
	}
	d.e.Step, d.e.StepBy, d.e.StepEstimated, d.e.StepInferred = step, by, estimated, by != StepRead
}

// An alignShape is what the log says about the run's shape.
type alignShape struct {
	spe       float64 // steps per epoch, 0 when unknown
	lenDL, ga float64 // micro-batches per epoch and accumulation, 0 when unknown
	logging   int64   // logging_steps when printed, 0 when unknown
	final     bool    // nothing more will be learned: decide everything
}

// estimate converts an epoch and its tolerance into a step and its
// tolerance. With the dataloader length known it follows the Trainer,
// which counts the epoch in micro-batches.
func (sh *alignShape) estimate(epoch, tol float64) (float64, float64) {
	if sh.lenDL > 0 && sh.ga > 0 {
		e := math.Floor(epoch + 1e-9)
		k := sh.lenDL / sh.ga
		return e*sh.spe + math.Max(0, epoch-e)*k, tol * k
	}
	return epoch * sh.spe, tol * sh.spe
}

// epochRange returns the steps a dict's epoch allows, with hcSlack.
func (sh *alignShape) epochRange(d *alignDict) (lo, hi int64, ok bool) {
	if sh.spe <= 0 || math.IsNaN(d.e.Epoch) || math.IsInf(d.e.Epoch, 0) || d.e.Epoch < 0 {
		return 0, 0, false
	}
	est, tol := sh.estimate(d.e.Epoch, d.tol)
	sl := hcSlack(d.e.Epoch, tol)
	return int64(math.Ceil(est - sl)), int64(math.Floor(est + sl)), true
}

// hcSlack is how far a step inferred from the epoch may be from the true
// step: the epoch's rounding, one step for rounding the estimate, and one
// step per finished epoch, since transformers versions differ on whether
// an epoch's last partial accumulation counts as a step.
func hcSlack(epoch, tol float64) float64 {
	return tol + 1.5 + math.Floor(math.Max(epoch, 0))
}

// cbMatch says how a callback line relates to a dict: 1 when it shares
// the loss or at least two values and all agree, -1 when a shared value
// differs, 0 when it cannot tell.
func cbMatch(d *alignDict, cb *alignCB, canon func(string) string) int {
	if cb.step < 0 || cb.e == nil {
		return 0
	}
	// The names of the callback's values, once (most lines have a few).
	var names [16]string
	cvs := cb.e.Values
	if len(cvs) > len(names) {
		cvs = cvs[:len(names)]
	}
	for i, c := range cvs {
		names[i] = canon(c.Key)
	}
	shared, loss := 0, false
	for _, kv := range d.e.Values {
		name := canon(kv.Key)
		if name == "epoch" {
			continue
		}
		for i, c := range cvs {
			if names[i] != name {
				continue
			}
			if !agreeRounded(kv.Value, kv.Digits, c.Value, c.Digits) {
				return -1
			}
			shared++
			loss = loss || name == "loss"
			break
		}
	}
	if loss || shared >= 2 {
		return 1
	}
	return 0
}

// agreeRounded reports whether two printed values can be the same
// number: they differ by no more than half a unit in the last place of
// each.
func agreeRounded(a float64, da int, b float64, db int) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	tol := halfUnit(a, da) + halfUnit(b, db) + 1e-9*math.Max(math.Abs(a), math.Abs(b))
	return math.Abs(a-b) <= tol
}

// halfUnit is half a unit in the last place of v written with digits
// significant digits.
func halfUnit(v float64, digits int) float64 {
	if digits <= 0 || digits >= DigitsFloat64 {
		return 0
	}
	if v == 0 {
		return 0.5 * pdExp10(-digits)
	}
	return 0.5 * pdExp10(decExp(math.Abs(v))-digits+1)
}

// decExp returns the decimal exponent of x > 0: floor(log10(x)).
func decExp(x float64) int {
	_, e2 := math.Frexp(x) // x = f × 2^e2, 0.5 <= f < 1
	k := int(math.Floor(float64(e2-1) * 0.30102999566398120))
	for k > -300 && pdExp10(k) > x {
		k--
	}
	for k < 300 && pdExp10(k+1) <= x {
		k++
	}
	return k
}

// exact applies rules 1-3 to d. ok is false when none applies. estimated
// is set on a conflict.
func (d *alignDict) exact(sh *alignShape, canon func(string) string) (step int64, by StepEvidence, estimated, ok bool) {
	if d.e.Step >= 0 {
		return d.e.Step, StepRead, false, true
	}
	type cand struct {
		step int64
		by   StepEvidence
	}
	var cands [3]cand
	n := 0
	for i := range d.cbs {
		if cbMatch(d, &d.cbs[i], canon) > 0 {
			cands[n] = cand{d.cbs[i].step, StepCallback}
			n++
		}
	}
	switch {
	case d.redraw >= 0:
		cands[n] = cand{d.redraw, StepRedraw}
		n++
	case d.mark >= 0:
		cands[n] = cand{d.mark, StepRedraw}
		n++
	}
	if n == 0 {
		return 0, 0, false, false
	}
	agree := true
	for i := 1; i < n; i++ {
		agree = agree && cands[i].step == cands[0].step
	}
	if agree && (!d.synced || d.before < 0 || cands[0].step >= d.before) {
		return cands[0].step, cands[0].by, false, true
	}
	// A conflict: the candidate most other evidence agrees with.
	elo, ehi, eok := sh.epochRange(d)
	best, bestScore := 0, -1
	for i := 0; i < n; i++ {
		c := cands[i]
		score := 0
		for j := 0; j < n; j++ {
			if j != i && cands[j].step == c.step {
				score += 2
			}
		}
		if d.synced && d.before >= 0 && c.step >= d.before {
			score++
		}
		if d.synced && d.before == c.step {
			score++
		}
		if eok && c.step >= elo && c.step <= ehi {
			score++
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return cands[best].step, cands[best].by, true, true
}

// An alignBlock is a run of training dicts of one session whose steps no
// exact evidence fixed, between the known steps around them.
type alignBlock struct {
	ds       []*alignDict // training dicts, in order
	prevStep int64        // step of the training dict before them, or the session's base
	prevOrd  int64        // its ordinal, 0 for the base
	next     int64        // step of the training dict after them, -1 when none
	first    bool         // prevStep is the session's base, not a dict
}

// solve assigns steps to the dicts of b (rules 4-9).
func (b *alignBlock) solve(sh *alignShape) {
	n := len(b.ds)
	if n == 0 {
		return
	}
	const inf = math.MaxInt64 / 4
	// Rule 4: hard bounds from the bar and the order.
	for _, d := range b.ds {
		d.lo, d.hi = b.prevStep+1, int64(inf)
		if b.next >= 0 {
			d.hi = b.next - 1
		}
		switch {
		case d.synced && d.before >= 0:
			d.lo = max(d.lo, d.before)
			if d.after >= 0 {
				d.hi = min(d.hi, d.after)
			}
		case !d.synced && d.before >= 0:
			d.hi = min(d.hi, d.before)
		}
	}
	if !propagate(b.ds) {
		// The bar contradicts the order (a second run in one log, a bar
		// that is not the training one): keep the order only.
		for i, d := range b.ds {
			d.lo, d.hi = b.prevStep+1+int64(i), int64(inf)
			if b.next >= 0 {
				d.hi = b.next - int64(n-i)
			}
		}
		propagate(b.ds)
	}
	hard := make([][2]int64, n)
	for i, d := range b.ds {
		hard[i] = [2]int64{d.lo, d.hi}
	}
	// Narrow to what the epochs allow, where that fits.
	narrowed := false
	for _, d := range b.ds {
		if lo, hi, ok := sh.epochRange(d); ok && max(lo, d.lo) <= min(hi, d.hi) {
			d.lo, d.hi = max(lo, d.lo), min(hi, d.hi)
			narrowed = true
		}
	}
	if narrowed && !propagate(b.ds) {
		for i, d := range b.ds {
			d.lo, d.hi = hard[i][0], hard[i][1]
		}
	}
	// Rules 5-9: proposals.
	cad := b.cadence(sh)
	lr := lrProgression(b, sh)
	steps := make([]int64, n)
	bys := make([]StepEvidence, n)
	exact := make([]bool, n)
	for i, d := range b.ds {
		if hard[i][0] == hard[i][1] {
			steps[i], bys[i], exact[i] = hard[i][0], StepBar, true
			continue
		}
		var props [5]struct {
			step int64
			by   StepEvidence
		}
		k := 0
		add := func(s int64, by StepEvidence) {
			if s >= d.lo && s <= d.hi {
				props[k].step, props[k].by = s, by
				k++
			}
		}
		if cad > 0 {
			if b.first && b.prevOrd == 0 {
				add(b.prevStep+hcFitStep(d.ord, cad, sh.first(b, cad)), StepCadence)
			} else {
				add(b.prevStep+(d.ord-b.prevOrd)*cad, StepCadence)
			}
		}
		if lr != nil && lr[i] >= 0 {
			add(lr[i], StepLR)
		}
		if d.synced && d.before >= 0 {
			add(d.before, StepFrame)
		}
		est := int64(-1)
		if sh.spe > 0 && !math.IsNaN(d.e.Epoch) {
			e, _ := sh.estimate(d.e.Epoch, d.tol)
			est = int64(math.Round(e))
			add(est, StepEpoch)
		}
		add(b.prevStep+(d.ord-b.prevOrd), StepOrdinal)
		if k == 0 {
			// Nothing proposed fits: the bound nearest the epoch, or the
			// lowest step allowed.
			s, by := d.lo, StepOrdinal
			if est >= 0 {
				s, by = min(max(est, d.lo), d.hi), StepEpoch
			}
			if s >= inf {
				s = b.prevStep + 1
			}
			steps[i], bys[i] = s, by
			continue
		}
		best, bestVotes := 0, 0
		for x := 0; x < k; x++ {
			votes := 0
			for y := 0; y < k; y++ {
				if props[y].step == props[x].step {
					votes++
				}
			}
			if votes > bestVotes {
				best, bestVotes = x, votes
			}
		}
		steps[i], bys[i] = props[best].step, props[best].by
	}
	// Strictly increasing within the bounds.
	for i := range steps {
		if i > 0 && steps[i] <= steps[i-1] {
			steps[i] = steps[i-1] + 1
		}
		if steps[i] > b.ds[i].hi && b.ds[i].hi >= b.ds[i].lo {
			steps[i] = b.ds[i].hi
		}
	}
	for i := n - 2; i >= 0; i-- {
		if steps[i] >= steps[i+1] {
			steps[i] = steps[i+1] - 1
		}
	}
	for i, d := range b.ds {
		if steps[i] <= 0 && b.prevStep <= 0 {
			steps[i] = max(steps[i], int64(i+1))
		}
		d.set(steps[i], bys[i], !exact[i])
	}
}

// propagate narrows the bounds of strictly increasing steps and reports
// whether every dict keeps at least one step.
func propagate(ds []*alignDict) bool {
	for i := 1; i < len(ds); i++ {
		ds[i].lo = max(ds[i].lo, ds[i-1].lo+1)
	}
	for i := len(ds) - 2; i >= 0; i-- {
		ds[i].hi = min(ds[i].hi, ds[i+1].hi-1)
	}
	for _, d := range ds {
		if d.lo > d.hi {
			return false
		}
	}
	return true
}

// first reports whether the block's cadence starts with
// logging_first_step: the first dict at step 1, then L, 2L, ...
func (sh *alignShape) first(b *alignBlock, l int64) bool {
	if l <= 1 || len(b.ds) == 0 {
		return false
	}
	d := b.ds[0]
	lo, hi, ok := sh.epochRange(d)
	at1 := b.prevStep+1 >= d.lo && b.prevStep+1 <= d.hi
	atL := b.prevStep+l >= d.lo && b.prevStep+l <= d.hi
	if ok {
		at1 = at1 && b.prevStep+1 >= lo && b.prevStep+1 <= hi
		atL = atL && b.prevStep+l >= lo && b.prevStep+l <= hi
	}
	return at1 && !atL
}

// cadence returns the logging cadence of the block: logging_steps when
// printed, else the one cadence that puts every dict within its epoch's
// range (several fitting cadences mean none, unless the input ended), or
// 0.
func (b *alignBlock) cadence(sh *alignShape) int64 {
	if sh.logging > 0 {
		return sh.logging
	}
	if sh.spe <= 0 || len(b.ds) < 2 {
		return 0
	}
	pts := make([]hcFitPt, 0, len(b.ds))
	for _, d := range b.ds {
		if math.IsNaN(d.e.Epoch) {
			continue
		}
		est, tol := sh.estimate(d.e.Epoch, d.tol)
		pts = append(pts, hcFitPt{ord: d.ord - b.prevOrd, epoch: est, tol: hcSlack(d.e.Epoch, tol)})
	}
	if len(pts) < 2 {
		return 0
	}
	l, first, ok := hcFitCadence(pts, b.prevStep, 0, sh.final)
	if !ok || (first && !(b.first && b.prevOrd == 0)) {
		return 0
	}
	return l
}

// An hcFitPt is a training dict to fit the logging cadence on: its
// ordinal, the step its epoch gives and the allowed distance.
type hcFitPt struct {
	ord        int64
	epoch, tol float64
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
// step and tol field the allowed distance: the k-th point at base + k×L
// (or 1, L, 2L, ... with logging_first_step). Unless force is set,
// several fitting cadences mean none.
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

// lrProgression proposes steps for the dicts of b from their learning
// rates (rule 6): -1 for a dict it cannot place, nil when the lr does not
// move linearly over the block.
func lrProgression(b *alignBlock, sh *alignShape) []int64 {
	n := len(b.ds)
	if n < 3 {
		return nil
	}
	lrs := make([]float64, n)
	units := make([]float64, n)
	idx := make([]int, 0, n)
	for i, d := range b.ds {
		lrs[i] = math.NaN()
		for _, kv := range d.e.Values {
			if kv.Key == "learning_rate" || kv.Key == "lr" {
				lrs[i], units[i] = kv.Value, halfUnit(kv.Value, kv.Digits)
				break
			}
		}
		if !math.IsNaN(lrs[i]) && !math.IsInf(lrs[i], 0) {
			idx = append(idx, i)
		}
	}
	if len(idx) < 3 {
		return nil
	}
	// The lr must move the same way between every two dicts, by whole
	// multiples of the smallest move.
	q, sign := math.Inf(1), 0.0
	for j := 1; j < len(idx); j++ {
		dl := lrs[idx[j]] - lrs[idx[j-1]]
		if dl == 0 {
			return nil
		}
		s := math.Copysign(1, dl)
		if sign != 0 && s != sign {
			return nil
		}
		sign = s
		q = math.Min(q, math.Abs(dl))
	}
	rel := make([]int64, len(idx)) // in units of q
	for j := 1; j < len(idx); j++ {
		a, c := idx[j-1], idx[j]
		dl := math.Abs(lrs[c] - lrs[a])
		u := (units[a] + units[c]) / q
		if u > 0.2 {
			return nil // printed too coarsely to count steps
		}
		r := dl / q
		if math.Abs(r-math.Round(r)) > 0.1+u {
			return nil // not linear: a cosine or a change of regime
		}
		rel[j] = rel[j-1] + int64(math.Round(r))
	}
	// Steps per unit of q: the logging cadence when printed, else what
	// the span of the epochs says, else 1.
	g := int64(1)
	switch {
	case sh.logging > 0:
		g = sh.logging
	case sh.spe > 0:
		d0, d1 := b.ds[idx[0]], b.ds[idx[len(idx)-1]]
		if !math.IsNaN(d0.e.Epoch) && !math.IsNaN(d1.e.Epoch) && rel[len(rel)-1] > 0 {
			e0, t0 := sh.estimate(d0.e.Epoch, d0.tol)
			e1, t1 := sh.estimate(d1.e.Epoch, d1.tol)
			span := float64(rel[len(rel)-1])
			lo := int64(math.Ceil((e1 - e0 - t0 - t1 - 2) / span))
			hi := int64(math.Floor((e1 - e0 + t0 + t1 + 2) / span))
			if lo == hi && lo >= 1 {
				g = lo
			} else if lo > 1 {
				return nil
			}
		}
	}
	// Place the stretch: the offset s0 of its first dict within every
	// dict's bounds, nearest the epochs (or the warmup's start).
	lo, hi := int64(math.MinInt64/4), int64(math.MaxInt64/4)
	for j, i := range idx {
		d := b.ds[i]
		lo = max(lo, d.lo-g*rel[j])
		hi = min(hi, d.hi-g*rel[j])
	}
	if lo > hi {
		return nil
	}
	var s0 int64
	sum, cnt := 0.0, 0
	for j, i := range idx {
		d := b.ds[i]
		if sh.spe > 0 && !math.IsNaN(d.e.Epoch) {
			e, _ := sh.estimate(d.e.Epoch, d.tol)
			sum += e - float64(g*rel[j])
			cnt++
		}
	}
	switch {
	case cnt > 0:
		s0 = int64(math.Round(sum / float64(cnt)))
	case sign > 0 && b.first:
		// A warmup from 0: the lr is proportional to the step.
		s0 = int64(math.Round(lrs[idx[0]] / q * float64(g)))
	default:
		s0 = lo
	}
	s0 = min(max(s0, lo), hi)
	out := make([]int64, n)
	for i := range out {
		out[i] = -1
	}
	for j, i := range idx {
		out[i] = s0 + g*rel[j]
	}
	return out
}
