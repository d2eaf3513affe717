package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// maxSummaryBullets is the most bullets summary writes.
const maxSummaryBullets = 6

// A bullet is one candidate summary line; rank orders what is kept when
// there are too many (lower is more important).
type bullet struct {
	rank int
	text string
}

// summary writes the closing bullets (the seed article's section 10),
// each backed by a number of the report: the loss trajectory, train_loss
// against the final level, the verdict, the most severe problem, token
// accuracy, runtime, evaluation and end-of-run noise, the most important
// six kept in that order.
func summary(r *Report) []string {
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
func trajectoryBullet(r *Report) string {
	tl := r.TrainLoss
	if (r.Primary == "" || r.Primary == "loss") && tl.First != nil && tl.FinalLevel != nil {
		first, level := tl.First.Value, tl.FinalLevel.Value
		text := fmt.Sprintf("loss %s at step %d -> %s (%s), the final level: %s", fmtNum(first), r.Run.FirstStep, fmtNum(level),
			fmtPct(relDiff(level, first)), tl.FinalLevel.How)
		if tl.Last != nil {
			text += fmt.Sprintf("; last logged %s at step %d", fmtNum(tl.Last.Value), r.Run.LastStep)
		}
		if m, ok := epochOneEnd(r); ok && first > level {
			v := m.Metrics["loss"]
			if share := (first - v) / (first - level); share > 0 {
				text += fmt.Sprintf("; %.0f%% of the drop in epoch 1 (%s by step %d)", 100*math.Min(share, 1), fmtNum(v), m.Step)
			}
		}
		return text
	}
	if r.Data == nil || r.Primary == "" {
		return ""
	}
	c := finiteCurve(r.analyzer(), r.Primary)
	if c.len() < 2 {
		return ""
	}
	first, last := c.pts[0], c.pts[c.len()-1]
	change := func(to float64) string {
		if math.Abs(first.Value) < 1e-9 {
			return "" // a change relative to 0 means nothing
		}
		return " (" + fmtPct(relDiff(to, first.Value)) + ")"
	}
	if n := r.Noise; n != nil && n.N >= 3 && n.ToStep == last.Step {
		// The mean of the last points says more than the noisy last one.
		return fmt.Sprintf("%s %s at step %d (%s) -> %s%s, the mean of steps %d-%d; last logged %s at step %d (%s)", r.Primary, fmtNum(first.Value), first.Step, first.Source,
			fmtNum(n.Mean), change(n.Mean), n.FromStep, n.ToStep, fmtNum(last.Value), last.Step, last.Source)
	}
	return fmt.Sprintf("%s %s -> %s%s from step %d to step %d (%s, %s)", r.Primary, fmtNum(first.Value), fmtNum(last.Value),
		change(last.Value), first.Step, last.Step, first.Source, last.Source)
}

// epochOneEnd returns the milestone at the end of epoch 1, when it is not
// the last step.
func epochOneEnd(r *Report) (Milestone, bool) {
	for i, m := range r.Milestones {
		rest, ok := strings.CutPrefix(m.Label, "end of epoch 1")
		if !ok || (rest != "" && rest[0] >= '0' && rest[0] <= '9') || i == len(r.Milestones)-1 {
			continue
		}
		if _, ok := m.Metrics["loss"]; ok {
			return m, true
		}
	}
	return Milestone{}, false
}

// trainLossBullet contrasts train_loss with the final level.
func trainLossBullet(r *Report) string {
	tl := r.TrainLoss
	if tl.Reported == nil || tl.FinalLevel == nil {
		return ""
	}
	rep, level := *tl.Reported, tl.FinalLevel.Value
	if math.Abs(relDiff(rep, level)) <= trainLossTol {
		return fmt.Sprintf("train_loss %s (%s) agrees with the final level %s", fmtNum(rep), tl.Source, fmtNum(level))
	}
	if rep > level {
		return fmt.Sprintf("train_loss %s (%s) is the mean of the whole run, pulled up by the early losses, not the final level %s", fmtNum(rep), tl.Source, fmtNum(level))
	}
	return fmt.Sprintf("train_loss %s (%s) is below the final level %s: the loss rose late in the run, or a resume biased train_loss low", fmtNum(rep), tl.Source, fmtNum(level))
}

// verdictBullet states the verdict and its reason.
func verdictBullet(r *Report) string {
	v := r.Verdict
	if v.Status == "" {
		return ""
	}
	if v.Reason == "" {
		return "verdict: " + v.Status
	}
	return fmt.Sprintf("verdict: %s (%s confidence): %s", v.Status, v.Confidence, v.Reason)
}

// problemBullet quotes the first error-severity finding, if any.
func problemBullet(r *Report) string {
	for _, f := range r.Findings {
		if f.Severity != SevError {
			continue
		}
		text := "problem: " + f.Message
		if len(f.Sources) > 0 {
			text += " (" + f.Sources[0] + ")"
		}
		return text
	}
	return ""
}

// accuracyBullet gives the first and last training accuracy.
// It quotes window means (Accuracy.FirstLevel, FinalLevel) when there
// are enough points, and says when a pairwise accuracy is at about the
// chance level.
func accuracyBullet(r *Report) string {
	a := r.Accuracy
	if a == nil || len(a.Rows) < 2 {
		return ""
	}
	if a.FirstLevel != nil && a.FinalLevel != nil {
		text := fmt.Sprintf("%s %s (%s) -> %s (%s)", a.Metric, fmtAccuracy(a.FirstLevel.Value), a.FirstLevel.How,
			fmtAccuracy(a.FinalLevel.Value), a.FinalLevel.How)
		if r.Data != nil && pairwiseAccuracy(r.analyzer(), a.Metric) {
			if nearChance(a.FinalLevel.Value) {
				return text + ": about the 50% chance level of a preference pair, the preference is not learned yet"
			}
			return text + ": fit to the training preferences, not quality on new prompts"
		}
		return text + ": fit to the training labels, not generalisation; check generations or held-out data"
	}
	n := len(a.Rows)
	return fmt.Sprintf("%s %s -> %s (step %d): fit to the training labels, not generalisation; check generations or held-out data",
		a.Metric, fmtAccuracy(a.Rows[0].Value), fmtAccuracy(a.Rows[n-1].Value), a.Steps[n-1])
}

// runtimeBullet gives the runtime, speed and GPU hours (and cost).
func runtimeBullet(r *Report) string {
	t := r.Throughput
	if t.RuntimeSeconds == nil {
		return ""
	}
	steps := ""
	if r.Run.LastStep > 0 {
		steps = fmt.Sprintf(" for %d steps", r.Run.LastStep)
	}
	var rates []string
	if sec, ok := displayedRate(r.analyzer(), t); ok {
		rates = append(rates, fmtNum(sec.Value)+" s/it ("+sec.Source+")")
	} else if t.ItPerSecond != nil {
		rates = append(rates, fmtNum(t.ItPerSecond.Value)+" it/s ("+t.ItPerSecond.Source+")")
	}
	if t.SamplesPerSec != nil {
		rates = append(rates, fmtNum(t.SamplesPerSec.Value)+" samples/s ("+t.SamplesPerSec.Source+")")
	}
	text := fmt.Sprintf("runtime %s (%s s, %s)%s", humanDuration(t.RuntimeSeconds.Value), fmtSeconds(t.RuntimeSeconds.Value), t.RuntimeSeconds.Source, steps)
	if t.RuntimeSeconds.Value < 60 {
		text = fmt.Sprintf("runtime %s s (%s)%s", fmtSeconds(t.RuntimeSeconds.Value), t.RuntimeSeconds.Source, steps)
	}
	if len(rates) > 0 {
		text += " at " + strings.Join(rates, ", ")
	}
	if t.GPUHours != nil {
		text += fmt.Sprintf("; %s GPU-hours (%s)", fmtHours(t.GPUHours.Value), t.GPUHours.How)
	}
	if t.Cost != nil {
		text += fmt.Sprintf(", about %.2f at %g per GPU-hour", t.Cost.Value, t.GPUHourPrice)
	}
	return text
}

// evalBullet summarises the evaluation, or says that overfitting cannot
// be told without one.
func evalBullet(r *Report) string {
	e := r.Eval
	if !e.Present && len(e.Other) > 0 && r.Data != nil {
		_, _, gaps := summaryEvals(r.analyzer())
		if len(gaps) == 0 {
			return fmt.Sprintf("no per-step evaluation, so overfitting over time cannot be told; the summary holds %d final eval/test values (section Generalisation)", len(e.Other))
		}
		return "final evaluation only (no per-step eval): " + strings.Join(gaps, "; ")
	}
	if !e.Present {
		return "overfitting: cannot tell, no evaluation was logged; hold out a validation split (eval_strategy=\"steps\") or check generations on unseen prompts"
	}
	metric := e.Metric
	if metric == "" {
		metric = "eval"
	}
	if len(e.Rows) == 1 && e.Best != nil {
		return fmt.Sprintf("1 evaluation only: %s %s at step %d (%s), too few to judge overfitting", metric, fmtNum(e.Best.Value), e.BestStep, e.Best.Source)
	}
	if n := len(e.Rows); n >= 3 && e.Best != nil && e.BestStep == e.Rows[n-1].Step {
		first := e.Rows[0]
		return fmt.Sprintf("%s %s at step %d (%s) -> %s at step %d (%s): the last of its %d evaluations is the best one: no overfitting so far", metric,
			fmtNum(first.Value), first.Step, first.Source, fmtNum(e.Best.Value), e.BestStep, e.Best.Source, n)
	}
	var parts []string
	if e.Best != nil {
		parts = append(parts, fmt.Sprintf("best %s %s at step %d (%s)", metric, fmtNum(e.Best.Value), e.BestStep, e.Best.Source))
	}
	if e.Last != nil {
		parts = append(parts, fmt.Sprintf("last %s (%s)", fmtNum(e.Last.Value), e.Last.Source))
	}
	switch {
	case e.Overfitting && e.Since > 0:
		parts = append(parts, fmt.Sprintf("overfitting since step %d", e.Since))
	case e.Overfitting:
		parts = append(parts, "overfitting")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s was logged at %d evaluations", metric, len(e.Rows))
	}
	return strings.Join(parts, ", ")
}

// noiseBullet says whether the last value's deviation is noise.
func noiseBullet(r *Report) string {
	n := r.Noise
	if n == nil || n.N < 2 {
		return ""
	}
	verdict := "within noise"
	if !n.Normal {
		verdict = "beyond noise"
	}
	return fmt.Sprintf("the last value %s at step %d is %s: %.1f sigma from the mean %s of steps %d-%d", fmtNum(n.Last.Value), n.LastStep, verdict,
		math.Abs(n.Deviation), fmtNum(n.Mean), n.FromStep, n.ToStep)
}
