package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// Finding kinds produced by pitfalls. curveFindings (verdict.go) owns the
// curve's own kinds (spikes, divergence, stalls, NaN in the primary
// curve).
const (
	KindMissingCallback    = "missing-callback"
	KindSourceDisagreement = "source-disagreement"
	KindGradNormHigh       = "grad-norm-high"
	KindZeroLoss           = "zero-loss"
	KindNonFinite          = "non-finite"
	KindLRStuckZero        = "lr-stuck-zero"
	KindNoSummary          = "no-summary"
	KindIncomplete         = "incomplete"
	KindRestart            = "restart"
	KindStepCount          = "step-count"
)

// maxFindingSources caps the sources listed in one finding.
const maxFindingSources = 10

// gradStartup is the share of the run, at its start, whose large
// gradients are expected and not flagged.
const gradStartup = 0.15

// pitfalls detects the seed article's pitfalls and the problems of the
// run's logs rather than of its curve: printers that disagree or stop,
// grad_norm above its usual range, a loss of exactly 0, non-finite
// values, a learning rate stuck at 0, a run that ended without a summary
// or before its planned steps, resumes, and the step count's dependence
// on the run's geometry.
func pitfalls(run *analyzer, r *Report, opts Options) []Finding {
	var out []Finding
	for _, f := range []func(*analyzer, *Report) []Finding{
		printerFindings,
		disagreementFindings,
		gradNormFindings,
		zeroLossFindings,
		nonFiniteFindings,
		lrStuckFindings,
		endFindings,
		restartFindings,
		stepCountFindings,
	} {
		out = append(out, f(run, r)...)
	}
	for i := range out {
		if out[i].Sources == nil {
			out[i].Sources = []string{}
		}
	}
	return out
}

// printerFindings compares the printers of one console file, such as the
// Trainer's dicts and a user callback's lines (the seed article's pitfall
// 1): when both logged some steps but only one logged others, one of them
// stopped, started late, or logs on its own cadence.
func printerFindings(run *analyzer, _ *Report) []Finding {
	s := run.Get("loss")
	if s.Len() == 0 {
		return nil
	}
	type coverage struct {
		both, one       int
		bothFirst       int64
		bothLast        int64
		oneFirst        int64
		oneLast         int64
		oneSrc, bothSrc string
	}
	cov := map[string]*coverage{}
	var files []string
	var srcs []trainlog.Source
	var lastF string // the file of lastC, which saves a lookup per point
	var lastC *coverage
	// count records that p was logged n times (1 or 2 or more) in file f.
	count := func(p *trainlog.Point, f string, n int) {
		c := lastC
		if c == nil || f != lastF {
			c = cov[f]
			if c == nil {
				c = &coverage{bothFirst: -1, oneFirst: -1}
				cov[f] = c
				files = append(files, f)
			}
			lastF, lastC = f, c
		}
		if n >= 2 {
			if c.both == 0 {
				c.bothFirst, c.bothSrc = p.Step, p.Source.String()
			}
			c.both++
			c.bothLast = p.Step
		} else {
			if c.one == 0 {
				c.oneFirst = p.Step
				c.oneSrc = firstSourceIn(*p, f)
			}
			c.one++
			c.oneLast = p.Step
		}
	}
	for k := range s.Points {
		p := &s.Points[k]
		if len(p.Also) == 0 {
			// One source, as in most logs.
			if p.Source.Line > 0 {
				count(p, p.Source.File, 1)
			}
			continue
		}
		srcs = append(append(srcs[:0], p.Source), p.Also...)
		for i, src := range srcs {
			if src.Line == 0 || seenBefore(srcs[:i], src.File) {
				continue
			}
			f, n := src.File, 0
			for _, o := range srcs[i:] {
				if o.Line > 0 && o.File == f {
					n++
				}
			}
			count(p, f, n)
		}
	}
	var out []Finding
	for _, f := range files {
		c := cov[f]
		if c.both == 0 || c.one == 0 {
			continue
		}
		fd := Finding{Kind: KindMissingCallback, Severity: SevInfo, Step: c.oneFirst, FromStep: c.oneFirst, ToStep: c.oneLast,
			Sources: []string{c.bothSrc, c.oneSrc}}
		switch {
		case c.oneFirst > c.bothLast:
			fd.Severity = SevWarning
			fd.Message = fmt.Sprintf("%s has two printers of the loss (the Trainer's dicts and a user callback) for steps %d-%d, but only one of them from step %d to %d (%d steps): the other stopped; both should agree, and a callback that falls silent may have been removed or may have crashed", f, c.bothFirst, c.bothLast, c.oneFirst, c.oneLast, c.one)
		case c.oneLast < c.bothFirst:
			fd.Message = fmt.Sprintf("%s has only one printer of the loss for steps %d-%d, and two (the Trainer's dicts and a user callback) from step %d: the second one started late", f, c.oneFirst, c.oneLast, c.bothFirst)
		default:
			fd.Message = fmt.Sprintf("%s has two printers of the loss (the Trainer's dicts and a user callback) at %d steps but only one at %d steps (first at step %d): they log on different cadences, or one skipped steps", f, c.both, c.one, c.oneFirst)
		}
		out = append(out, fd)
	}
	return out
}

// seenBefore reports whether a line source of file f is in srcs.
func seenBefore(srcs []trainlog.Source, f string) bool {
	for _, s := range srcs {
		if s.Line > 0 && s.File == f {
			return true
		}
	}
	return false
}

// firstSourceIn returns the source of p in file f.
func firstSourceIn(p trainlog.Point, f string) string {
	for _, src := range append([]trainlog.Source{p.Source}, p.Also...) {
		if src.File == f {
			return src.String()
		}
	}
	return p.Source.String()
}

// disagreementFindings summarises the values that two sources logged
// differently for the same step.
func disagreementFindings(run *analyzer, _ *Report) []Finding {
	var evs []trainlog.Event
	note := ""
	for _, ev := range run.Events {
		switch {
		case ev.Kind != trainlog.EventDisagreement:
		case ev.Step < 0:
			note = "; " + ev.Message // "loss: 57 steps disagree ... (first 20 listed)"
		default:
			evs = append(evs, ev)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	var srcs []string
	for _, ev := range evs {
		for _, s := range ev.Sources {
			if len(srcs) < maxFindingSources {
				srcs = append(srcs, s.String())
			}
		}
	}
	steps := "steps"
	if len(evs) == 1 {
		steps = "step"
	}
	msg := fmt.Sprintf("two sources logged different values for the same step beyond rounding at %d %s (first at step %d: %s%s); a callback may print another quantity (a per-batch loss rather than the window mean), or files of two runs were mixed; the most precise source is used",
		len(evs), steps, evs[0].Step, evs[0].Message, note)
	return []Finding{{Kind: KindSourceDisagreement, Severity: SevWarning, Message: msg, Step: evs[0].Step,
		FromStep: evs[0].Step, ToStep: evs[len(evs)-1].Step, Value: float64(len(evs)), Sources: srcs}}
}

// gradNormFindings flags grad_norm values above the run's usual range
// (the seed article's pitfall 2: "step 750 grad_norm=1.14 is slightly
// higher than the common 0.6-0.9; a single step is acceptable"). The
// usual range is the 10th-90th percentile of the positive values after
// the first 5% of the points (the start of training has large gradients
// by nature); a point is above it when it exceeds p90 by half the range's
// width on a log scale. Points in the first 15% of the run are start-up
// and not flagged. A few such points are a warning, many an error.
func gradNormFindings(run *analyzer, r *Report) []Finding {
	s := run.Get("grad_norm")
	if s.Len() < 10 {
		return nil
	}
	// The finite, positive points (GRPO logs 0 without signal) and their
	// values, read in one pass over the points.
	idx := make([]int, 0, s.Len())
	vals := make([]float64, 0, s.Len())
	for i := range s.Points {
		if p := &s.Points[i]; p.Finite() && p.Value > 0 {
			idx = append(idx, i)
			vals = append(vals, p.Value)
		}
	}
	n := len(idx)
	if n < 10 {
		return nil
	}
	skip := max(1, n/20)
	body := idx[skip:]
	p10, p90 := stats.QuantileInPlace(vals[skip:], 0.1), stats.QuantileInPlace(vals[skip:], 0.9)
	if !(p10 > 0) {
		return nil
	}
	thr := p90 * math.Sqrt(p90/p10)
	first, last := s.Points[idx[0]].Step, s.Points[idx[n-1]].Step
	startup := float64(first) + gradStartup*float64(last-first)
	var high []trainlog.Point
	for _, j := range body {
		if p := &s.Points[j]; p.Value > thr && float64(p.Step) > startup {
			high = append(high, *p)
		}
	}
	if len(high) == 0 {
		return nil
	}
	from, to := s.Points[body[0]].Step, s.Points[body[len(body)-1]].Step
	top := high[0]
	for _, p := range high {
		if p.Value > top.Value {
			top = p
		}
	}
	rng := fmt.Sprintf("%s-%s (10th-90th percentile of steps %d-%d) and its flag level p90*sqrt(p90/p10) = %s", fmtRange(p10), fmtRange(p90), from, to, fmtNum(thr))
	f := Finding{Kind: KindGradNormHigh, Severity: SevWarning, Step: top.Step, FromStep: from, ToStep: to,
		Statistic: "largest grad_norm", Value: top.Value, Threshold: thr}
	for _, p := range high {
		if len(f.Sources) < maxFindingSources {
			f.Sources = append(f.Sources, p.Source.String())
		}
	}
	lossNote := ""
	if l, ok := run.Get("loss").At(top.Step); ok && l.Finite() {
		lossNote = fmt.Sprintf(" (loss there %s)", fmtNum(l.Value))
	}
	many := max(3, len(body)/50)
	switch {
	case len(high) == 1:
		f.Message = fmt.Sprintf("grad_norm %s at step %d%s is above its usual range %s: a single step like this is acceptable when the loss stays normal; watch for repeats", fmtNum(top.Value), top.Step, lossNote, rng)
	case len(high) <= many:
		f.Message = fmt.Sprintf("grad_norm is above its usual range %s at %d steps (%s), up to %s at step %d%s: isolated steps are acceptable when the loss stays normal", rng, len(high), listSteps(high, 6), fmtNum(top.Value), top.Step, lossNote)
	default:
		f.Severity = SevError
		f.Message = fmt.Sprintf("grad_norm is above its usual range %s at %d steps (%s), up to %s at step %d%s: repeated gradient spikes; check the learning rate, gradient clipping (max_grad_norm) and the batches at those steps", rng, len(high), listSteps(high, 6), fmtNum(top.Value), top.Step, lossNote)
	}
	return []Finding{f}
}

// fmtRange formats a range bound with 2 significant digits, as a reader
// quotes a usual range ("0.6-0.9").
func fmtRange(v float64) string {
	if math.Abs(v) >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// listSteps lists the steps of pts, at most n of them.
func listSteps(pts []trainlog.Point, n int) string {
	var parts []string
	for i, p := range pts {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(pts)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%d", p.Step))
	}
	return "steps " + strings.Join(parts, ", ")
}

// zeroLossFindings diagnoses a logged loss of exactly 0: with grad_norm
// NaN it means every step of the logging window was non-finite
// (Transformers' NaN filter), not a perfect model.
func zeroLossFindings(run *analyzer, r *Report) []Finding {
	s := run.Get("loss")
	if s.Len() == 0 {
		return nil
	}
	gn := run.Get("grad_norm")
	var zeros, nanGrad []trainlog.Point
	for _, p := range s.Points {
		if p.Value != 0 {
			continue
		}
		zeros = append(zeros, p)
		if g, ok := gn.At(p.Step); ok && !g.Finite() {
			nanGrad = append(nanGrad, p)
		}
	}
	if len(zeros) == 0 {
		return nil
	}
	f := Finding{Kind: KindZeroLoss, Step: zeros[0].Step, FromStep: zeros[0].Step, ToStep: zeros[len(zeros)-1].Step,
		Value: float64(len(zeros))}
	pick := zeros
	switch {
	case len(nanGrad) > 0:
		pick = nanGrad
		f.Severity = SevError
		f.Step = nanGrad[0].Step
		f.Message = fmt.Sprintf("loss 0.0 with grad_norm nan at %d logged steps (%s): every step of those logging windows was non-finite and Transformers' NaN filter left the window sum at 0; this is numerical failure, not a perfect model (use bf16 rather than fp16, lower the learning rate, or check the data)", len(nanGrad), listSteps(nanGrad, 6))
	case isRLFamily(r.Run.Family):
		f.Severity = SevInfo
		f.Message = fmt.Sprintf("loss is exactly 0 at %d logged steps (%s): expected for %s, whose loss is about 0 by construction; judge the run by its reward", len(zeros), listSteps(zeros, 6), r.Run.Family)
	default:
		f.Severity = SevWarning
		f.Message = fmt.Sprintf("loss is exactly 0 at %d logged steps (%s): not a perfect model; a 4-decimal console rounding of a tiny loss, labels all masked (-100), or a broken batch", len(zeros), listSteps(zeros, 6))
	}
	for _, p := range pick {
		if len(f.Sources) < maxFindingSources {
			f.Sources = append(f.Sources, p.Source.String())
		}
	}
	return []Finding{f}
}

// isRLFamily reports trainer families whose loss is about 0 by
// construction.
func isRLFamily(family string) bool {
	switch family {
	case "grpo", "ppo", "rloo", "online-dpo":
		return true
	}
	return false
}

// nonFiniteFindings reports NaN and infinite values in the training
// series other than the primary one (whose NaNs curveFindings reports).
// A few non-finite grad_norm values at steps whose learning rate is 0
// or at the very start are the fp16 loss scaler skipping steps: info.
func nonFiniteFindings(run *analyzer, r *Report) []Finding {
	var out []Finding
	for _, name := range trainSeriesNames(run) {
		if name == r.Primary {
			continue
		}
		s := run.Series[name]
		var bad []trainlog.Point
		for _, p := range s.Points {
			if !p.Finite() {
				bad = append(bad, p)
			}
		}
		if len(bad) == 0 {
			continue
		}
		f := Finding{Kind: KindNonFinite, Severity: SevWarning, Step: bad[0].Step, FromStep: bad[0].Step,
			ToStep: bad[len(bad)-1].Step, Value: float64(len(bad))}
		for _, p := range bad {
			if len(f.Sources) < maxFindingSources {
				f.Sources = append(f.Sources, p.Source.String())
			}
		}
		what := fmt.Sprintf("%s is %s at %d of %d logged steps (%s)", name, fmtNum(bad[0].Value), len(bad), s.Len(), listSteps(bad, 6))
		switch {
		case name == "grad_norm" && skippedSteps(run, bad):
			f.Severity = SevInfo
			f.Message = what + ": the fp16 loss scaler skipped those updates (the learning rate is 0 or did not advance there); harmless when rare"
		case name == "grad_norm" && len(bad) > max(3, s.Len()/20):
			f.Severity = SevError
			f.Message = what + ": gradients overflow repeatedly; use bf16 rather than fp16 or lower the learning rate"
		case name == "grad_norm":
			f.Message = what + ": gradient overflow (usually fp16); the loss scaler skips those updates, harmless when rare"
		default:
			f.Message = what + ": a non-finite metric; check the steps around it"
		}
		out = append(out, f)
	}
	return out
}

// skippedSteps reports non-finite grad_norm points that look like fp16
// loss-scaler skips: few of them, each at a learning rate of 0 or
// unchanged from the previous log while the schedule moves (the scheduler
// did not step), or within the first 1% of the run.
func skippedSteps(run *analyzer, bad []trainlog.Point) bool {
	if len(bad) > 5 {
		return false
	}
	lr := run.Get("learning_rate")
	_, last := stepRange(run)
	for _, p := range bad {
		if p.Step <= max(3, last/100) || lrHeld(lr, p.Step) {
			continue
		}
		return false
	}
	return true
}

// lrHeld reports whether the learning rate at step is 0, or equal to the
// previous log's while the next log's differs.
func lrHeld(lr *trainlog.Series, step int64) bool {
	if lr.Len() == 0 {
		return false
	}
	i := sort.Search(lr.Len(), func(i int) bool { return lr.Points[i].Step >= step })
	if i == lr.Len() || lr.Points[i].Step != step {
		return false
	}
	v := lr.Points[i].Value
	if v == 0 {
		return true
	}
	return i > 0 && i+1 < lr.Len() && lr.Points[i-1].Value == v && lr.Points[i+1].Value != v
}
