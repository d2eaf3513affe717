package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// maxSummaryBullets is the most bullets the summary holds.
const maxSummaryBullets = 6

// summaryBullets writes the closing bullets (the seed article's section
// 10), each backed by a number of the report: the trajectory of the
// primary metric, train_loss against the final level, the verdict, the
// most severe problem, token accuracy, runtime, evaluation and
// end-of-run noise; the six most important are kept, in that order.
func summaryBullets(r *analysis.Report) []string {
	type bullet struct {
		rank int
		text string
	}
	var cands []bullet
	add := func(rank int, text string) {
		if text != "" {
			cands = append(cands, bullet{rank, text})
		}
	}
	add(1, trajectoryBullet(r))
	add(5, trainLossBullet(r))
	add(2, verdictBullet(r))
	add(3, problemBullet(r))
	add(7, accuracyBullet(r))
	add(6, runtimeBullet(r))
	add(4, evalBullet(r))
	add(8, noiseBullet(r))
	if len(cands) > maxSummaryBullets {
		ranks := make([]int, len(cands))
		for i, c := range cands {
			ranks[i] = c.rank
		}
		sort.Ints(ranks)
		cut := ranks[maxSummaryBullets-1]
		kept := cands[:0]
		for _, c := range cands {
			if c.rank <= cut {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	out := make([]string, 0, len(cands))
	for _, c := range cands {
		out = append(out, c.text)
	}
	return out
}

// trajectoryBullet describes the primary metric from its first value to
// its final level, and the share of the change made in the first epoch.
func trajectoryBullet(r *analysis.Report) string {
	tl := r.TrainLoss
	if primary(r) == "loss" && tl.First != nil && tl.FinalLevel != nil {
		first, level := tl.First.Value, tl.FinalLevel.Value
		text := fmt.Sprintf("loss %s at step %s → %s, the final level (%s)", num(first), step(r.Run.FirstStep), num(level), howText(tl.FinalLevel.How))
		if tl.Last != nil {
			text += fmt.Sprintf("; last logged %s at step %s", num(tl.Last.Value), step(r.Run.LastStep))
		}
		if m, ok := epochOneEnd(r); ok && first > level {
			v := m.Metrics["loss"]
			if share := (first - v) / (first - level); share > 0 {
				text += fmt.Sprintf("; %s of the drop in epoch 1 (%s by step %s)", wholePct(math.Min(share, 1)), num(v), step(m.Step))
			}
		}
		return text
	}
	n := r.Noise
	if n == nil || len(r.Milestones) == 0 {
		return ""
	}
	m0 := r.Milestones[0]
	first, ok := m0.Metrics[primary(r)]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s %s at step %s (%s) → %s, the mean of steps %s; last logged %s at step %s",
		code(primary(r)), num(first), step(m0.Step), code(m0.MetricSources[primary(r)]), num(n.Mean), steps(n.FromStep, n.ToStep),
		cited(n.Last.Value, n.Last.Source), step(n.LastStep))
}

// epochOneEnd returns the milestone at the end of epoch 1, when it is not
// the last step.
func epochOneEnd(r *analysis.Report) (analysis.Milestone, bool) {
	for _, m := range r.Milestones {
		if m.EpochEnd == 1 && !m.Last {
			if _, ok := m.Metrics["loss"]; ok {
				return m, true
			}
		}
	}
	return analysis.Milestone{}, false
}

// trainLossBullet contrasts train_loss with the final level.
func trainLossBullet(r *analysis.Report) string {
	tl := r.TrainLoss
	if tl.Reported == nil || tl.FinalLevel == nil {
		return ""
	}
	rep, level := *tl.Reported, tl.FinalLevel.Value
	switch tl.Relation {
	case analysis.TLAgrees:
		return fmt.Sprintf("%s %s agrees with the final level %s", code("train_loss"), cited(rep, tl.Source), num(level))
	case analysis.TLPulledUp:
		return fmt.Sprintf("%s %s is the mean of the whole run, pulled up by the early losses, not the final level %s", code("train_loss"), cited(rep, tl.Source), num(level))
	case analysis.TLRoseLate:
		return fmt.Sprintf("%s %s is below the final level %s: the loss rose late in the run, or a resume biased it low", code("train_loss"), cited(rep, tl.Source), num(level))
	}
	return ""
}

// verdictBullet states the verdict.
func verdictBullet(r *analysis.Report) string {
	v := r.Verdict
	if v.Status == "" {
		return ""
	}
	if v.Confidence == "" {
		return "verdict: " + prose(v.Status)
	}
	return "verdict: " + prose(v.Status) + " (" + prose(v.Confidence) + " confidence)"
}

// problemBullet states the first error-severity finding, if any.
func problemBullet(r *analysis.Report) string {
	for _, f := range r.Findings {
		if f.Severity == analysis.SevError {
			return "problem: " + findingText(f, r)
		}
	}
	return ""
}

// accuracyBullet gives the first and last training accuracy.
func accuracyBullet(r *analysis.Report) string {
	a := r.Accuracy
	if a == nil || len(a.Rows) < 2 {
		return ""
	}
	what := ": fit to the training labels, not generalisation; check generations or held-out data"
	if a.Kind == analysis.AccPairwise {
		what = ": fit to the training preferences, not quality on new prompts"
		if a.NearChance {
			what = ": about the 50% chance level of a preference pair, the preference is not learned yet"
		}
	}
	if a.FirstLevel != nil && a.FinalLevel != nil {
		return fmt.Sprintf("%s %s → %s (window means)%s", code(a.Metric), share(a.FirstLevel.Value), share(a.FinalLevel.Value), what)
	}
	n := len(a.Rows)
	return fmt.Sprintf("%s %s → %s (step %s)%s", code(a.Metric), share(a.Rows[0].Value), share(a.Rows[n-1].Value), step(a.Steps[n-1]), what)
}

// runtimeBullet gives the runtime, speed and GPU hours (and cost).
func runtimeBullet(r *analysis.Report) string {
	t := r.Throughput
	if t.RuntimeSeconds == nil {
		return ""
	}
	text := "runtime " + humanDuration(t.RuntimeSeconds.Value) + " (" + code(t.RuntimeSeconds.Source) + ")"
	if r.Run.LastStep > 0 {
		text += " for " + count(r.Run.LastStep) + " steps"
	}
	var rates []string
	if c := barRate(t); c != nil {
		rates = append(rates, num(c.c.Value)+" "+c.unit)
	}
	if t.SamplesPerSec != nil {
		rates = append(rates, num(t.SamplesPerSec.Value)+" samples/s")
	}
	if len(rates) > 0 {
		text += " at " + strings.Join(rates, ", ")
	}
	if t.GPUHours != nil {
		text += "; " + hours(t.GPUHours.Value) + " GPU-hours"
	}
	if t.Cost != nil {
		text += ", cost about " + money(t.Cost.Value)
	}
	return text
}

// A rate is the progress bar's rate as it displayed it.
type rate struct {
	unit string
	c    *analysis.Cited
}

// barRate returns the progress bar's rate in the unit it displayed.
func barRate(t analysis.Throughput) *rate {
	switch {
	case t.SecondsPerIt != nil && t.BarShowsSecondsPerIt:
		return &rate{"s/it", t.SecondsPerIt}
	case t.ItPerSecond != nil:
		return &rate{"it/s", t.ItPerSecond}
	case t.SecondsPerIt != nil:
		return &rate{"s/it", t.SecondsPerIt}
	}
	return nil
}

// evalBullet summarises the evaluation, or says that overfitting cannot
// be told without one.
func evalBullet(r *analysis.Report) string {
	e := r.Eval
	if !e.Present && len(e.Other) > 0 {
		if len(e.Gaps) == 0 {
			return fmt.Sprintf("no per-step evaluation, so overfitting over time cannot be told; the summary holds %d final eval/test values", len(e.Other))
		}
		var gaps []string
		for _, g := range e.Gaps {
			gaps = append(gaps, gapText(g))
		}
		return "final evaluation only (no per-step eval): " + strings.Join(gaps, "; ")
	}
	if !e.Present {
		return "overfitting: cannot tell, no evaluation was logged; hold out a validation split or check generations on unseen prompts"
	}
	metric := code(e.Metric)
	if len(e.Rows) == 1 && e.Best != nil {
		return fmt.Sprintf("1 evaluation only: %s %s at step %s, too few to judge overfitting", metric, citedPtr(e.Best), step(e.BestStep))
	}
	var parts []string
	if e.Best != nil {
		parts = append(parts, fmt.Sprintf("best %s %s at step %s", metric, citedPtr(e.Best), step(e.BestStep)))
	}
	if e.Last != nil && e.After > 0 {
		parts = append(parts, "last "+citedPtr(e.Last))
	}
	switch {
	case e.Overfitting:
		parts = append(parts, "overfitting since step "+step(e.Since))
	case e.After == 0 && len(e.Rows) >= 3:
		parts = append(parts, "the last evaluation is the best: no overfitting so far")
	}
	return strings.Join(parts, ", ")
}

// noiseBullet says whether the last value's deviation is noise.
func noiseBullet(r *analysis.Report) string {
	n := r.Noise
	if n == nil || n.N < 2 {
		return ""
	}
	verdict := "within noise"
	if !n.Normal {
		verdict = "beyond noise"
	}
	return fmt.Sprintf("the last value %s at step %s is %s: %s sigma from the mean %s of steps %s", num(n.Last.Value), step(n.LastStep), verdict,
		sig(math.Abs(n.Deviation), 2), num(n.Mean), steps(n.FromStep, n.ToStep))
}
