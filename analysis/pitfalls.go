package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
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
	// count records that point k was logged n times (1 or 2 or more) in
	// file f.
	count := func(k int, f string, n int) {
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
				c.bothFirst, c.bothSrc = s.Step(k), s.Source(k).String()
			}
			c.both++
			c.bothLast = s.Step(k)
		} else {
			if c.one == 0 {
				c.oneFirst = s.Step(k)
				c.oneSrc = firstSourceIn(s.Point(k), f)
			}
			c.one++
			c.oneLast = s.Step(k)
		}
	}
	for k := range s.Len() {
		src, also, differ := s.Source(k), s.Also(k), s.Differ(k)
		if len(also) == 0 && len(differ) == 0 {
			// One source, as in most logs.
			if src.Line > 0 {
				count(k, src.File, 1)
			}
			continue
		}
		srcs = append(append(append(srcs[:0], src), also...), differ...)
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
			count(k, f, n)
		}
	}
	var out []Finding
	for _, f := range files {
		c := cov[f]
		if c.both == 0 || c.one == 0 {
			continue
		}
		fd := Finding{Kind: KindMissingCallback, Severity: SevInfo, Metric: "loss", File: f, Step: c.oneFirst, FromStep: c.oneFirst, ToStep: c.oneLast,
			Count: c.one, Of: c.both + c.one, Sources: []string{c.bothSrc, c.oneSrc},
			Facts: []Fig{{Name: QStart, Value: float64(c.bothFirst)}, {Name: QEnd, Value: float64(c.bothLast)}}}
		switch {
		case c.oneFirst > c.bothLast:
			fd.Severity, fd.Cause = SevWarning, CausePrinterStopped
		case c.oneLast < c.bothFirst:
			fd.Cause = CausePrinterLate
		default:
			fd.Cause = CausePrinterCadence
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
	for _, src := range append(append([]trainlog.Source{p.Source}, p.Also...), p.Differ...) {
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
			note = ev.Message // "loss: 57 steps disagree ... (first 20 listed)"
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
	detail := evs[0].Message
	if note != "" {
		detail += "; " + note
	}
	return []Finding{{Kind: KindSourceDisagreement, Severity: SevWarning, Detail: detail, Step: evs[0].Step,
		FromStep: evs[0].Step, ToStep: evs[len(evs)-1].Step, Count: len(evs), Value: float64(len(evs)), Sources: srcs}}
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
	for i, v := range s.Values() {
		if finite(v) && v > 0 {
			idx = append(idx, i)
			vals = append(vals, v)
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
	first, last := s.Step(idx[0]), s.Step(idx[n-1])
	startup := float64(first) + gradStartup*float64(last-first)
	var high []trainlog.Point
	for _, j := range body {
		if s.Value(j) > thr && float64(s.Step(j)) > startup {
			high = append(high, s.Point(j))
		}
	}
	if len(high) == 0 {
		return nil
	}
	from, to := s.Step(body[0]), s.Step(body[len(body)-1])
	top := high[0]
	for _, p := range high {
		if p.Value > top.Value {
			top = p
		}
	}
	from, to = s.Step(body[0]), s.Step(body[len(body)-1])
	f := Finding{Kind: KindGradNormHigh, Severity: SevWarning, Cause: CauseIsolated, Metric: "grad_norm", Step: top.Step, FromStep: from, ToStep: to,
		Count: len(high), Of: len(body), Steps: pointSteps(high), Statistic: StatLargestGradNorm, Value: top.Value, Threshold: thr,
		Facts: []Fig{{Name: QP10, Value: p10}, {Name: QP90, Value: p90}, {Name: QRangeFrom, Value: float64(from)}, {Name: QRangeTo, Value: float64(to)},
			{Name: QMax, Value: top.Value, Step: top.Step, Source: top.Source.String()}}}
	for _, p := range high {
		if len(f.Sources) < maxFindingSources {
			f.Sources = append(f.Sources, p.Source.String())
		}
	}
	if l, ok := run.Get("loss").At(top.Step); ok && l.Finite() {
		f.Facts = append(f.Facts, Fig{Name: QLossAt, Value: l.Value, Step: l.Step, Source: l.Source.String()})
	}
	switch many := max(3, len(body)/50); {
	case len(high) == 1:
		f.Cause = CauseSingle
	case len(high) > many:
		f.Severity, f.Cause = SevError, CauseRepeated
	}
	return []Finding{f}
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
	for i, v := range s.Values() {
		if v != 0 {
			continue
		}
		p := s.Point(i)
		zeros = append(zeros, p)
		if j, ok := gn.Index(p.Step); ok && !gn.Finite(j) {
			nanGrad = append(nanGrad, p)
		}
	}
	if len(zeros) == 0 {
		return nil
	}
	f := Finding{Kind: KindZeroLoss, Metric: "loss", Step: zeros[0].Step, FromStep: zeros[0].Step, ToStep: zeros[len(zeros)-1].Step,
		Count: len(zeros), Of: s.Len(), Steps: pointSteps(zeros), Value: float64(len(zeros))}
	pick := zeros
	switch {
	case len(nanGrad) > 0:
		pick = nanGrad
		f.Severity, f.Cause = SevError, CauseNaNWindow
		f.Step, f.Count, f.Steps = nanGrad[0].Step, len(nanGrad), pointSteps(nanGrad)
	case isRLFamily(r.Run.Family):
		f.Severity, f.Cause = SevInfo, CauseByConstruction
	default:
		f.Severity, f.Cause = SevWarning, CauseUnexplained
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
func isRLFamily(family Family) bool {
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
		for i := range s.Len() {
			if !s.Finite(i) {
				bad = append(bad, s.Point(i))
			}
		}
		if len(bad) == 0 {
			continue
		}
		f := Finding{Kind: KindNonFinite, Severity: SevWarning, Cause: CauseMetric, Metric: name, Step: bad[0].Step, FromStep: bad[0].Step,
			ToStep: bad[len(bad)-1].Step, Count: len(bad), Of: s.Len(), Steps: pointSteps(bad), Value: float64(len(bad)),
			Facts: nonFiniteFacts(bad)}
		for _, p := range bad {
			if len(f.Sources) < maxFindingSources {
				f.Sources = append(f.Sources, p.Source.String())
			}
		}
		switch {
		case name == "grad_norm" && skippedSteps(run, bad):
			f.Severity, f.Cause = SevInfo, CauseScalerSkip
		case name == "grad_norm" && len(bad) > max(3, s.Len()/20):
			f.Severity, f.Cause = SevError, CauseOverflowRepeated
		case name == "grad_norm":
			f.Cause = CauseOverflow
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
	i := sort.Search(lr.Len(), func(i int) bool { return lr.Step(i) >= step })
	if i == lr.Len() || lr.Step(i) != step {
		return false
	}
	v := lr.Value(i)
	if v == 0 {
		return true
	}
	return i > 0 && i+1 < lr.Len() && lr.Value(i-1) == v && lr.Value(i+1) != v
}
