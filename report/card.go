package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// The answer card answers the four questions of the seed article in a
// few lines, each backed by the run's own numbers: the status and why,
// which checkpoint to use, whether to train more, and the top problems
// with their likely cause and what to change next time. It opens and
// closes the text report, and it is the whole of --summary.

// maxCardProblems is the most problems the card lists, and
// maxCardLines the most lines the text card takes (its title included);
// the text writer drops the last problems to fit.
const (
	maxCardProblems = 3
	maxCardLines    = 15
)

// A cardRow is one answer: a short label and its text (inline markup).
type cardRow struct {
	label string
	text  string
	items []string // numbered sub-items (the problems)
	// itemFindings are, for each item, the indexes in Report.Findings
	// of the findings it states (none for a problem of what the logs
	// lack).
	itemFindings [][]int
}

// A card is the answer card of a report.
type card struct {
	title string // run name, family, size
	rows  []cardRow
}

// items are the card's rows as list items, each led by its label, for
// renderers without a card layout.
func (c card) items() []string {
	var out []string
	for _, row := range c.rows {
		text := row.text
		for k, item := range row.items {
			text += fmt.Sprintf(" %d. %s", k+1, item)
		}
		out = append(out, em(styleStrong, row.label)+" "+strings.TrimSpace(text))
	}
	return out
}

// buildCard answers the four questions from r.
func buildCard(r *analysis.Report) card {
	c := card{title: cardTitle(r)}
	c.rows = append(c.rows, cardRow{label: "Status", text: statusLine(r)})
	c.rows = append(c.rows, cardRow{label: "Use", text: useLine(r)})
	c.rows = append(c.rows, cardRow{label: "Train more?", text: trainMoreLine(r)})
	if ps, fs := topProblems(r); len(ps) > 0 {
		c.rows = append(c.rows, cardRow{label: "Problems", items: ps, itemFindings: fs})
	} else {
		c.rows = append(c.rows, cardRow{label: "Problems", text: "none found in the logs."})
	}
	return c
}

// cardTitle names the run and its size: "hf_v5_sft_lora_3ep: sft,
// 750 steps, 3 epochs".
func cardTitle(r *analysis.Report) string {
	name := prose(r.Run.Name)
	if name == "" {
		name = "unnamed run"
	}
	var parts []string
	if r.Run.Family != "" {
		parts = append(parts, prose(string(r.Run.Family)))
	}
	if r.Run.LastStep > 0 {
		s := count(r.Run.LastStep) + " steps"
		if r.Run.MaxSteps > r.Run.LastStep {
			s = count(r.Run.LastStep) + " of " + count(r.Run.MaxSteps) + " steps"
		}
		parts = append(parts, s)
	}
	if r.Run.Epochs > 0 {
		parts = append(parts, epochCount(sig(r.Run.Epochs, 3)))
	}
	if len(parts) == 0 {
		return name
	}
	return name + ": " + strings.Join(parts, ", ")
}

// epochCount is a formatted number of epochs with its noun: "1 epoch",
// "2.99 epochs".
func epochCount(n string) string {
	if n == "1" {
		return n + " epoch"
	}
	return n + " epochs"
}

// statusLine is the status and a one-line reason in plain words with the
// numbers that decide it.
func statusLine(r *analysis.Report) string {
	status := r.Verdict.Status
	if status == "" {
		status = "not decided"
	}
	line := em(statusStyle(r.Verdict.Status), prose(string(status)))
	if why := verdictLine(r); why != "" {
		line += ": " + why
	}
	return line + "."
}

// verdictLine says in plain words why the run has its status, with the
// two or three numbers that decide it. It reads the typed sections
// (level, trend, eval, findings) the verdict is decided from.
func verdictLine(r *analysis.Report) string {
	m := primary(r)
	level, haveLevel := currentLevel(r)
	switch r.Verdict.Status {
	case analysis.StatusOverfitting:
		if s := overfitLine(r); s != "" {
			return s
		}
	case analysis.StatusDiverged:
		for _, f := range r.Findings {
			if f.Severity != analysis.SevError {
				continue
			}
			switch f.Kind {
			case analysis.KindNonFinite:
				if f.Cause == analysis.CausePrimary {
					return fmt.Sprintf("%s is NaN or infinite at %d logged points, first at step %s", code(f.Metric), f.Count, findingStep(f, f.Step))
				}
			case analysis.KindDivergence:
				if best, ok := f.Fact(analysis.QBest); ok && f.Cause == analysis.CauseRebound {
					end, _ := f.Fact(analysis.QEnd)
					return fmt.Sprintf("%s reached %s, then ended at %s, worse beyond its noise", code(f.Metric), num(best.Value), num(end.Value))
				}
				return code(f.Metric) + " is getting worse at the end, beyond its noise"
			case analysis.KindZeroLoss:
				return "loss 0.0 with grad_norm NaN: the updates were non-finite"
			}
		}
	case analysis.StatusStalled:
		if s := stallLine(r); s != "" {
			return s
		}
	case analysis.StatusInsufficientData:
		if g, ok := summaryGap(r); ok {
			return "only the end-of-run summary was logged: " + g
		}
		if len(r.Milestones) == 0 {
			return "no per-step " + code(m) + " was logged"
		}
		return "too few points of " + code(m) + " to judge"
	}
	if !haveLevel {
		return ""
	}
	first, haveFirst := firstValue(r)
	s := code(m) + " " + num(level) + " at the end"
	if haveFirst {
		s = code(m) + " " + num(first) + " → " + num(level)
	}
	if w := verdictShort(r); w != "" {
		s += ", " + w
	}
	return s
}

// improvingWord says which way an improving metric goes.
func improvingWord(m string) string {
	if analysis.GreaterIsBetter(m) {
		return "rising"
	}
	return "falling"
}

// annealed reports a schedule that decayed to under a tenth of its peak.
func annealed(lr analysis.LRSchedule) bool {
	return lr.Present && lr.Peak > 0 && lr.Final < 0.1*lr.Peak
}

// currentLevel is the level the primary metric ended at: the final level
// of the loss, else the mean of the final noise window.
func currentLevel(r *analysis.Report) (float64, bool) {
	if primary(r) == "loss" && r.TrainLoss.FinalLevel != nil {
		return r.TrainLoss.FinalLevel.Value, true
	}
	if a := r.AnotherEpoch; a != nil && a.Available {
		return a.LastValue, true
	}
	if n := r.Noise; n != nil {
		return n.Mean, true
	}
	return 0, false
}

// firstValue is the primary metric at the first milestone.
func firstValue(r *analysis.Report) (float64, bool) {
	if len(r.Milestones) == 0 {
		return 0, false
	}
	v, ok := r.Milestones[0].Metrics[primary(r)]
	return v, ok
}

// summaryGap says what an end-of-run summary shows when it holds an eval
// split that disagrees with the test split: the fact that matters.
func summaryGap(r *analysis.Report) (string, bool) {
	for _, g := range r.Eval.Gaps {
		if g.Test && !g.Agree {
			return gapText(g) + ": the eval split overstates quality", true
		}
	}
	for _, g := range r.Eval.Gaps {
		return gapText(g), true
	}
	return "", false
}

// useLine says which checkpoint to use and why.
func useLine(r *analysis.Report) string {
	rec := r.CheckpointsRecommended
	if rec.Basis == analysis.RecNone || (rec.Path == "" && rec.Step < 0) {
		s := "no checkpoint folder was found next to the logs"
		if rec.BestStep >= 0 && r.Eval.Present {
			s += "; the best evaluation was at step " + evalStep(r, rec.BestStep) + " (" + code("checkpoint-"+step(rec.BestStep)) + " if it was saved)"
		}
		return s + "."
	}
	what := orCode(rec.Path, "step "+stepN(rec.Step))
	if rec.Step >= 0 {
		what += " (step " + stepN(rec.Step) + ")"
	}
	e := r.Eval
	switch rec.Basis {
	case analysis.RecBestEval:
		return fmt.Sprintf("%s: the best %s, %s.", what, code(e.Metric), citedPtr(rec.Eval))
	case analysis.RecBetweenEvals:
		if len(rec.Between) == 2 {
			lo, hi := rec.Between[0], rec.Between[1]
			s := fmt.Sprintf("%s: saved between the evaluations at steps %s (%s) and %s (%s), nearer the best (step %s, no checkpoint) than any checkpoint evaluated itself",
				what, stepMark(lo.Step, lo.StepEstimated), num(lo.Value), stepMark(hi.Step, hi.StepEstimated), num(hi.Value), evalStep(r, rec.BestStep))
			if o := bestEvaluatedCheckpoint(r); o != nil {
				s += fmt.Sprintf(" (%s, %s)", code(o.Path), num(o.Eval.Value))
			}
			return s + "."
		}
	case analysis.RecBestRemaining:
		return fmt.Sprintf("%s: the best %s left on disk (%s); the best, at step %s, has no checkpoint.", what, code(e.Metric), num(rec.Eval.Value), evalStep(r, rec.BestStep))
	case analysis.RecLatestNoEval:
		return fmt.Sprintf("%s: the latest; the best evaluation (step %s) has no checkpoint left.", what, step(rec.BestStep))
	case analysis.RecFinalHealthy:
		if r.Verdict.Status == analysis.StatusStalled {
			return what + " holds the final weights, but the run did not learn (see Status): fix the setup and retrain rather than ship it."
		}
		return what + ": the final weights; no eval was logged and nothing abnormal happens near the end."
	case analysis.RecBeforeAnomaly:
		return fmt.Sprintf("%s: the last one before the %s at step %s.", what, kindName(rec.AnomalyKind), step(rec.Anomaly))
	case analysis.RecAnomalyNoEarly:
		return fmt.Sprintf("%s, but inspect it first: %s at step %s and no earlier checkpoint.", what, kindName(rec.AnomalyKind), step(rec.Anomaly))
	}
	return what + "."
}

// bestEvaluatedCheckpoint is the checkpoint with the best evaluation at
// its own step, nil when none has one.
func bestEvaluatedCheckpoint(r *analysis.Report) *analysis.CheckpointRow {
	var out *analysis.CheckpointRow
	greater := r.Eval.Greater
	for i := range r.Checkpoints {
		c := &r.Checkpoints[i]
		if c.Eval == nil {
			continue
		}
		if out == nil || (greater && c.Eval.Value > out.Eval.Value) || (!greater && c.Eval.Value < out.Eval.Value) {
			out = c
		}
	}
	return out
}

// trainMoreLine answers "train more?" with the expected gain, its range
// and the cost in time (and money with a price), signs in words.
func trainMoreLine(r *analysis.Report) string {
	a := r.AnotherEpoch
	if r.Verdict.Status == analysis.StatusOverfitting && r.Eval.Overfitting {
		return fmt.Sprintf("no: %s has got worse since its best at step %s; more training would fit the training set further.", code(r.Eval.Metric), evalStep(r, r.Eval.BestStep))
	}
	switch r.Verdict.Status {
	case analysis.StatusDiverged:
		return "no: fix the instability first (see the problems below)."
	case analysis.StatusStalled:
		return "no: the run has not learned; more steps of the same setup will not help. Change the setup first (see the problems below)."
	}
	if r.Verdict.Status == analysis.StatusInsufficientData {
		// A projection from too little data would contradict the status.
		return "cannot tell yet: too little of the run was logged to judge its trend."
	}
	if a == nil || !a.Available {
		if a != nil && a.Missing != "" {
			return "cannot tell: " + strings.TrimSuffix(forecastMissing(a), ".") + "."
		}
		return "cannot tell: no projection could be made."
	}
	m := primary(r)
	greater := analysis.GreaterIsBetter(m)
	horizon := horizonWords(r, a.HorizonSteps)
	verb := "lower"
	if greater {
		verb = "raise"
	}
	level := a.LastValue
	gain, lo, hi := a.ExpectedGain, a.GainLow, a.GainHigh
	if lo > hi {
		lo, hi = hi, lo
	}
	if hi <= 0 || gain <= 0 || (len(a.Forms) == 0 && a.Basis != analysis.BasisRecentRate) {
		return fmt.Sprintf("no: no further gain is projected; %s would stay about %s.", code(m), num(level))
	}
	target := level - gain
	if greater {
		target = level + gain
	}
	rel := ""
	if level != 0 {
		rel = " (" + pct(gain/math.Abs(level)) + ")"
	}
	// The range as levels, which carry no sign to misread: the gain's
	// range from hi (best) to lo (worst).
	best, worst := level-hi, level-lo
	if greater {
		best, worst = level+hi, level+lo
	}
	answer, underMargin := "yes", false
	switch {
	case level != 0 && hi < 0.01*math.Abs(level):
		answer = "little to gain"
	case a.Margin > 0 && hi <= a.Margin:
		// Even the range's best case is within the practical margin
		// that the verdict says would matter.
		answer = "little to gain"
		underMargin = true
	case lo <= 0:
		answer = "maybe"
	case r.Verdict.Status != analysis.StatusImproving:
		answer = "a little"
	}
	s := fmt.Sprintf("%s: %s would likely %s %s by %s%s, to about %s (%s to %s)",
		answer, horizon, verb, code(m), sig(gain, 3), rel, sig(target, 3), sig(min(worst, best), 3), sig(max(worst, best), 3))
	if a.Cost.Seconds > 0 {
		s += "; " + humanDuration(a.Cost.Seconds)
		if a.Cost.Money > 0 {
			s += ", cost " + money(a.Cost.Money)
		}
	}
	var notes []string
	if underMargin {
		notes = append(notes, fmt.Sprintf("even its best case is within the %s that would matter over %s steps", sig(a.Margin, 3), count(a.HorizonSteps)))
	}
	if annealed(r.LRSchedule) {
		notes = append(notes, "needs a new schedule (the learning rate decayed to ~0)")
	}
	if len(notes) > 0 {
		s += "; " + strings.Join(notes, "; ")
	}
	return s + "."
}

// findingStep formats a step a finding quotes, marked ~ when the
// finding's steps were estimated (the log does not print them).
func findingStep(f analysis.Finding, s int64) string {
	return stepMark(s, f.StepEstimated)
}

// horizonWords names a horizon of h steps: one more epoch, the rest of
// an unfinished run, or so many more steps.
func horizonWords(r *analysis.Report, h int64) string {
	steps := plural(h, "step")
	switch {
	case h > 0 && h == epochSteps(r):
		return "one more epoch (" + steps + ")"
	case h > 0 && !r.Run.Completed && r.Run.MaxSteps-r.Run.LastStep == h:
		return "the rest of the run (" + steps + ")"
	}
	return count(h) + " more steps"
}

// epochSteps is the number of optimizer steps per epoch as logged, or
// max_steps over the planned epochs when they divide; 0 when unknown.
func epochSteps(r *analysis.Report) int64 {
	var planned, epochs float64
	for _, g := range r.Run.Geometry {
		switch g.Key {
		case trainlog.GeoStepsPerEpoch:
			return int64(g.Value)
		case trainlog.GeoMaxSteps:
			planned = g.Value
		case trainlog.GeoEpochs:
			epochs = g.Value
		}
	}
	if planned > 0 && epochs >= 1 && epochs == math.Trunc(epochs) && math.Mod(planned, epochs) == 0 {
		return int64(planned / epochs)
	}
	return 0
}

// topProblems are the card's problems: the most severe findings that
// call for a change, each with its likely cause and what to change next
// time, then a missing eval split.
// The second result holds, for each problem, the findings it states.
func topProblems(r *analysis.Report) ([]string, [][]int) {
	var out []string
	var fs [][]int
	for _, p := range findingProblems(r) {
		out = append(out, strings.Join(p.what, "; ")+"; likely "+p.advice.cause+"; next time "+p.advice.change+".")
		fs = append(fs, p.findings)
	}
	if !r.Eval.Present && len(r.Milestones) == 0 && len(r.Eval.Other) > 0 {
		if r.Eval.TestWorse && len(out) < maxCardProblems {
			out = append(out, "The test split scores far worse than the eval split; likely the eval data do not represent the test data, or leaked into training; next time evaluate on a split drawn like the test set.")
		}
		if len(out) < maxCardProblems {
			out = append(out, "Only the end-of-run summary was kept; next time keep the per-step log ("+code("trainer_state.json")+", the console or the W&B history).")
		}
	}
	if len(out) < maxCardProblems && !r.Eval.Present && len(r.Milestones) > 0 {
		out = append(out, noEvalProblem(r))
	}
	return out, fs
}

// shownFindings are the findings the card states among its problems.
func (c card) shownFindings() map[int]bool {
	in := map[int]bool{}
	for _, row := range c.rows {
		for k := range row.items {
			if k < len(row.itemFindings) {
				for _, i := range row.itemFindings[k] {
					in[i] = true
				}
			}
		}
	}
	return in
}

// A problem is one of the card's problems drawn from findings: what
// went wrong (one clause per finding with the same advice), the advice,
// and the indexes of those findings in Report.Findings.
type problem struct {
	rank     int
	what     []string
	advice   advice
	findings []int
}

// findingProblems are the card's problems from findings, most severe
// first, at most maxCardProblems.
func findingProblems(r *analysis.Report) []*problem {
	var ps []*problem
	byAdvice := map[advice]*problem{}
	incomplete := false
	for _, f := range r.Findings {
		incomplete = incomplete || (f.Kind == analysis.KindIncomplete && f.Cause == analysis.CauseStoppedEarly)
	}
	for i, f := range r.Findings {
		if f.Severity == analysis.SevInfo || (incomplete && f.Kind == analysis.KindNoSummary && f.Cause == analysis.CauseUnknownEnd) {
			continue
		}
		adv, ok := findingAdvice(f, r)
		if !ok {
			continue
		}
		rank := f.Severity.Rank()*10000 + i
		if curveKind(f.Kind) {
			rank -= 5000 // what the curve did before what the logs lack
		}
		what := strings.TrimSuffix(problemText(f, r), ".")
		if p := byAdvice[adv]; p != nil {
			// One cause, one problem: its signs are listed together.
			p.what = append(p.what, what)
			p.rank = min(p.rank, rank)
			p.findings = append(p.findings, i)
			continue
		}
		p := &problem{rank: rank, what: []string{what}, advice: adv, findings: []int{i}}
		byAdvice[adv] = p
		ps = append(ps, p)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].rank < ps[j].rank })
	if len(ps) > maxCardProblems {
		ps = ps[:maxCardProblems]
	}
	return ps
}

// noEvalProblem is the card's problem of a run without evaluations
// during training: none at all, or only the final values of an
// end-of-run summary, one of which may show the fit does not carry over.
func noEvalProblem(r *analysis.Report) string {
	steps := code(`eval_strategy="steps"`)
	if len(r.Eval.Other) == 0 {
		switch r.Run.Family {
		case "grpo", "ppo":
			return "No held-out eval, so whether the reward carries over to new prompts cannot be measured; next time score held-out prompts during training (an " + code("eval_dataset") + " with " + steps + ")."
		}
		return "No held-out eval, so overfitting cannot be measured; next time hold out 5-10% of the data with " + steps + "."
	}
	for _, g := range r.Eval.Gaps {
		if g.NearChance {
			return fmt.Sprintf("%s %s on held-out pairs, near the 0.5 of chance (%s %s in training); likely the preference does not carry over: too few steps, or pairs too alike; next time evaluate during training (%s) and check the pairs.",
				code(g.Eval.Name), num(g.Eval.Value), code(g.Against.Name), num(g.Against.Value), steps)
		}
	}
	return "Only a final evaluation was logged, so overfitting over time cannot be measured; next time evaluate during training (" + steps + ")."
}

// curveKind reports the kinds about what the curve did (rather than
// about what the logs hold).
func curveKind(k analysis.FindingKind) bool {
	switch k {
	case analysis.KindDivergence, analysis.KindExploding, analysis.KindStall, analysis.KindOverfitting,
		analysis.KindNonFinite, analysis.KindZeroLoss, analysis.KindSpike, analysis.KindGradNormSpikes, analysis.KindGradNormHigh:
		return true
	}
	return false
}

// problemText says a problem in one short clause with its numbers.
func problemText(f analysis.Finding, r *analysis.Report) string {
	m := code(f.Metric)
	fact := func(q analysis.Quantity) analysis.Fig {
		x, _ := f.Fact(q)
		return x
	}
	switch f.Kind {
	case analysis.KindGradNormHigh:
		p90 := fact(analysis.QP90).Value
		top := fact(analysis.QMax)
		s := fmt.Sprintf("grad_norm up to %s (step %s)", num(top.Value), findingStep(f, top.Step))
		if p90 > 0 {
			s += fmt.Sprintf(", %sx its usual top", sig(top.Value/p90, 2))
		}
		return s + "."
	case analysis.KindSpike:
		return fmt.Sprintf("%d confirmed %s spikes (%s).", f.Count, m, stepsList(f.Steps, 4))
	case analysis.KindExploding:
		mx := fact(analysis.QMax)
		if f.Cause == analysis.CauseHugeGradNorm {
			return fmt.Sprintf("grad_norm huge throughout: median %s, up to %s at step %s (clipping norm %s).",
				num(f.Value), num(mx.Value), findingStep(f, mx.Step), num(fact(analysis.QClipNorm).Value))
		}
		return fmt.Sprintf("grad_norm grew %sx, from a median of %s to %s (steps %s).", sig(f.Value, 2), num(fact(analysis.QEarly).Value), num(fact(analysis.QLate).Value),
			steps(fact(analysis.QLate).Step, int64(fact(analysis.QLateTo).Value)))
	case analysis.KindNoSummary:
		if f.Cause == analysis.CauseCrash || f.Cause == analysis.CauseInterrupted {
			return "The run crashed at step " + findingStep(f, f.ToStep) + " (" + clean(f.Detail) + ")."
		}
		return "No end-of-training summary; the last logged step is " + findingStep(f, f.ToStep) + "."
	case analysis.KindIncomplete:
		return fmt.Sprintf("Stopped at step %s of %s (%s).", step(int64(f.Value)), stepN(int64(f.Threshold)), pct(f.Value/f.Threshold))
	case analysis.KindOverfitting:
		best := fact(analysis.QBest)
		s := fmt.Sprintf("%s worse after step %s", m, evalStep(r, best.Step))
		if ep := evalEpoch(r, best.Step); ep > 0 && r.Run.Epochs > 0 {
			s = fmt.Sprintf("%s worse after epoch %s of %s", m, sig(ep, 2), sig(r.Run.Epochs, 3))
		}
		return s + "."
	case analysis.KindStall:
		if r.Verdict.Status == analysis.StatusStalled && r.Verdict.Reason.Metric == f.Metric {
			return m + " never improved meaningfully."
		}
		start, end := fact(analysis.QStart), fact(analysis.QEnd)
		return fmt.Sprintf("%s barely moved (%s → %s, %s).", m, num(start.Value), num(end.Value), changeWords(end.Value-start.Value, analysis.GreaterIsBetter(f.Metric)))
	case analysis.KindDivergence:
		if f.Cause == analysis.CauseRebound {
			return fmt.Sprintf("%s rose from its best %s to %s.", m, num(fact(analysis.QBest).Value), num(fact(analysis.QEnd).Value))
		}
		return fmt.Sprintf("%s is getting worse over steps %s.", m, steps(f.FromStep, f.ToStep))
	case analysis.KindZeroLoss:
		if f.Cause == analysis.CauseNaNWindow {
			return fmt.Sprintf("Loss 0.0 with grad_norm NaN at %s (%s).", plural(int64(f.Count), "step"), stepsList(f.Steps, 3))
		}
		if f.Of > 0 {
			return fmt.Sprintf("Loss exactly 0 at %d of %d logged steps (%s).", f.Count, f.Of, stepsList(f.Steps, 3))
		}
		return fmt.Sprintf("Loss exactly 0 at %s (%s).", plural(int64(f.Count), "logged step"), stepsList(f.Steps, 3))
	case analysis.KindNonFinite:
		return fmt.Sprintf("%s is NaN or infinite at %d of %d points (%s).", m, f.Count, f.Of, stepsList(f.Steps, 3))
	case analysis.KindGradNormSpikes:
		return fmt.Sprintf("%s set back by %d of %s.", code(r.Primary), len(f.FactsNamed(analysis.QReacted)), plural(int64(f.Count), "grad_norm spike"))
	case analysis.KindLRStuckZero:
		return fmt.Sprintf("The learning rate is 0 over steps %s.", steps(f.FromStep, f.ToStep))
	case analysis.KindMissingCallback:
		return fmt.Sprintf("A printer of the loss stopped at step %s.", step(int64(fact(analysis.QEnd).Value)))
	case analysis.KindSourceDisagreement:
		return fmt.Sprintf("Two sources disagree at %s (first at step %s).", plural(int64(f.Count), "step"), findingStep(f, f.Step))
	case analysis.KindRestart:
		return fmt.Sprintf("train_loss %s is biased low by a resume (the logged losses average %s).", num(fact(analysis.QReported).Value), num(fact(analysis.QRecomputed).Value))
	}
	return findingText(f, r)
}
