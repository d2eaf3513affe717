package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

func buildThroughput(d *doc, r *analysis.Report) {
	d.section("8. Throughput and cost", "throughput")
	tp := r.Throughput
	t := newTable("Metric", "Value", "Source or how").alignRight(1)
	if tp.RuntimeSeconds != nil {
		t.add(code("train_runtime"), duration(tp.RuntimeSeconds.Value), code(tp.RuntimeSeconds.Source))
	}
	rates := []struct {
		name string
		c    *analysis.Cited
	}{
		{"s/it", tp.SecondsPerIt},
		{"it/s", tp.ItPerSecond},
		{"samples/s", tp.SamplesPerSec},
		{"steps/s", tp.StepsPerSec},
		{"tokens/s", tp.TokensPerSec},
	}
	for _, rt := range rates {
		if rt.c != nil {
			t.add(rt.name, num(rt.c.Value), code(rt.c.Source))
		}
	}
	if tp.GPUHours != nil {
		t.add("GPU hours", num(tp.GPUHours.Value)+" h", howText(tp.GPUHours.How))
	}
	if tp.Cost != nil {
		t.add("cost", money(tp.Cost.Value), howText(tp.Cost.How))
	}
	if len(t.rows) == 0 {
		d.para("Not logged: no runtime or speed was found. The Trainer's end-of-training summary holds " +
			code("train_runtime") + " and " + code("train_samples_per_second") + ", and the tqdm bar shows s/it; " +
			"keep the console output next time.")
	} else {
		d.table(t)
	}
	d.para(throughputNotes(tp)...)
}

func buildEval(d *doc, r *analysis.Report) {
	d.section("9. Generalisation", "eval")
	e := r.Eval
	if !e.Present {
		buildNoEval(d, e)
		return
	}
	metric := e.Metric
	if metric == "" {
		metric = "eval_loss"
	}
	better := "lower is better"
	if e.Greater {
		better = "higher is better"
	}
	d.para("Metric " + code(metric) + " (" + better + ").")
	rows, note := thinEvalRows(e.Rows, e.BestStep)
	withTrain := false
	for _, row := range rows {
		withTrain = withTrain || row.TrainLoss != nil
	}
	t := newTable("Step", "Epoch", code(metric), "Train loss", "Gap", "Source(s)").alignRight(0, 1, 2, 3, 4)
	if !withTrain {
		t = newTable("Step", "Epoch", code(metric), "Source").alignRight(0, 1, 2)
	}
	for _, row := range rows {
		train, gap, srcs := "", "", []string{row.Source}
		if row.TrainLoss != nil {
			train, gap = num(row.TrainLoss.Value), signed(row.Gap)
			srcs = append(srcs, row.TrainLoss.Source)
		}
		label := stepMark(row.Step, row.StepEstimated)
		if row.Step == e.BestStep && len(e.Rows) > 1 {
			label = em(styleStrong, label+" (best)")
		}
		if withTrain {
			t.add(label, epoch(row.Epoch), num(row.Value), train, gap, codes(srcs))
		} else {
			t.add(label, epoch(row.Epoch), num(row.Value), codes(srcs))
		}
	}
	d.table(t)
	if withTrain {
		note = strings.TrimSpace("Gap is the eval value minus the train loss logged at the same step. " + note)
	} else {
		note = strings.TrimSpace("No train loss was logged at the evaluation steps, so the gap cannot be shown. " + note)
	}
	d.para(note)
	if len(e.Rows) < 2 {
		d.para(evalText(e))
		return
	}
	s := newTable("Statistic", "Value", "Source or how").alignRight(1)
	if e.Best != nil {
		s.add("best", num(e.Best.Value)+" at step "+step(e.BestStep), code(e.Best.Source))
	}
	if e.Last != nil {
		s.add("last", num(e.Last.Value), code(e.Last.Source))
	}
	s.add("rise after the best", sigma(e.RiseSigma), "(last − best) / eval noise")
	over := "no"
	if e.Overfitting {
		over = em(styleWarn, "yes")
		if e.Since > 0 {
			over = em(styleWarn, "yes, since step "+step(e.Since))
		}
	}
	s.add("overfitting", over, "criterion: eval worse than its best by more than its noise while the train loss did not rise")
	d.table(s)
	if len(e.EarlyStop) > 0 && len(e.Rows) >= 3 {
		d.heading(3, "Early-stopping replay")
		d.para("What Transformers' " + code("EarlyStoppingCallback") + " would have done on these evaluations: it stops after " +
			code("early_stopping_patience") + " evaluations in a row that do not beat the best by more than " +
			code("early_stopping_threshold") + ", and " + code("load_best_model_at_end") + " then keeps the best checkpoint.")
		es := newTable("Patience", "Threshold", "Would stop at", "Best checkpoint kept").alignRight(0, 1, 2, 3)
		for _, x := range e.EarlyStop {
			stop := "would not stop"
			if x.StopStep >= 0 {
				stop = "step " + step(x.StopStep)
			}
			es.add(fmt.Sprint(x.Patience), num(x.Threshold), stop, "step "+step(x.BestStep))
		}
		d.table(es)
	}
	if len(e.Other) > 0 {
		d.heading(3, "Other evaluation values")
		o := newTable("Value", "Source").alignRight(0)
		for _, c := range e.Other {
			o.add(num(c.Value), code(c.Source))
		}
		d.table(o)
	}
	d.para(evalText(e))
}

// buildNoEval writes the generalisation section of a run without
// per-step evaluation: what the summary's final values show, how to
// measure overfitting next time, and hints.
func buildNoEval(d *doc, e analysis.Eval) {
	if len(e.Other) > 0 {
		d.para("No per-step evaluation was logged, only the final eval or test values of the end-of-run summary, so overfitting over time cannot be measured.")
		o := newTable("Final value", "Value", "Source").alignRight(1)
		for _, c := range e.Other {
			o.add(code(c.Name), num(c.Value), code(c.Source))
		}
		d.table(o)
		var gaps []string
		for _, g := range e.Gaps {
			gaps = append(gaps, gapText(g))
		}
		d.list(gaps)
		if e.TestWorse {
			d.para(testWorseText)
		}
	} else {
		d.para("No evaluation was logged, so overfitting cannot be measured: the train loss only shows how well the model fits the training set.")
	}
	d.para(noEvalAdvice())
	if len(e.Hints) > 0 {
		d.para("Hints only, not measurements:")
		items := make([]string, len(e.Hints))
		for i, h := range e.Hints {
			items[i] = "Hint (not a measurement): " + hintText(h)
		}
		d.list(items)
	}
}

// thinEvalRows keeps at most maxEvalRows rows, always the first, the best
// and the last, and says how many were left out.
func thinEvalRows(rows []analysis.EvalRow, best int64) ([]analysis.EvalRow, string) {
	if len(rows) <= maxEvalRows {
		return rows, ""
	}
	stride := (len(rows) + maxEvalRows - 3) / (maxEvalRows - 2)
	var out []analysis.EvalRow
	for i, row := range rows {
		if i == 0 || i == len(rows)-1 || i%stride == 0 || row.Step == best {
			out = append(out, row)
		}
	}
	return out, fmt.Sprintf("%d of %d evaluations shown (every %d-th, plus the first, best and last); the JSON output has all of them.",
		len(out), len(rows), stride)
}

func buildCheckpoints(d *doc, r *analysis.Report) {
	d.section("10. Checkpoints", "checkpoints")
	if len(r.Checkpoints) == 0 {
		d.para("No checkpoint directories were found next to the logs. Next time keep the output directory " +
			"(" + code("checkpoint-N/") + " folders, written every " + code("save_steps") + ") with the logs so one can be chosen.")
	} else {
		t := newTable("Directory", "Step", "Kind", "Train loss", "Eval", "Use case", "Sources").alignRight(1, 3, 4)
		for _, c := range r.Checkpoints {
			train, ev, srcs := "", "", []string{}
			if c.TrainLoss != nil {
				train = num(c.TrainLoss.Value)
				srcs = append(srcs, c.TrainLoss.Source)
			}
			if c.Eval != nil {
				ev = num(c.Eval.Value)
				srcs = append(srcs, c.Eval.Source)
			}
			t.add(code(c.Path), stepN(c.Step), prose(c.Kind), train, ev, roleText(c, r.Checkpoints), codes(srcs))
		}
		d.table(t)
	}
	rec := r.CheckpointsRecommended
	if rec.Path == "" && rec.Step < 0 {
		d.para("No checkpoint to recommend. " + recommendText(r))
	} else {
		what := code(rec.Path)
		if what == "" {
			what = "step " + stepN(rec.Step)
		} else if rec.Step >= 0 {
			what += " (step " + stepN(rec.Step) + ")"
		}
		d.para("Recommended: " + em(styleStrong, what) + ". " + recommendText(r))
	}
	if len(rec.Alternatives) > 0 {
		d.para("Alternatives:")
		var items []string
		for _, a := range rec.Alternatives {
			items = append(items, orCode(a.Path, "step "+stepN(a.Step))+": "+orNA(roleText(a, r.Checkpoints)))
		}
		d.list(items)
	}
}

// orCode marks s as code, or returns alt when s is empty.
func orCode(s, alt string) string {
	if c := code(s); c != "" {
		return c
	}
	return alt
}

func buildAnotherEpoch(d *doc, r *analysis.Report) {
	d.section("11. Another epoch?", "another-epoch")
	a := r.AnotherEpoch
	switch {
	case a == nil:
		d.para("Cannot say: no forecast was made (it needs the primary metric over a known epoch length, " +
			"so log " + code("epoch") + " with the loss and keep the " + code("num_train_epochs") + " setting).")
		return
	case !a.Available:
		d.para("Cannot say: " + orNA(forecastMissing(a)))
		return
	}
	t := newTable("Quantity", "Value", "How").alignRight(1)
	t.add("horizon", strconv.FormatInt(a.HorizonSteps, 10)+" steps", forecastHorizon(a))
	t.add("expected gain in "+code(a.Metric), num(a.ExpectedGain), forecastMethod(a))
	if a.GainLow != a.GainHigh {
		t.add("range of the gain", num(a.GainLow)+" to "+num(a.GainHigh), forecastRange(a))
	}
	t.add("current level", num(a.LastValue), fmt.Sprintf("mean of the %d points from step %d: the forecast if nothing changes", a.LevelN, a.LevelFrom))
	if a.Cost.Seconds > 0 {
		t.add("time", duration(a.Cost.Seconds), "measured speed × horizon")
	}
	if a.Cost.Money > 0 {
		t.add("cost", money(a.Cost.Money), costHow(a.Cost, a.HorizonSteps))
	}
	d.table(t)
	if w := riskWords(a); w != "" {
		d.para("Overfitting risk: " + w + ".")
	}
	d.para(forecastSentence(a))
}

func buildTrend(d *doc, r *analysis.Report) {
	d.section("12. Trend and plateau evidence", "trend")
	tr := r.Trend
	if tr == nil {
		d.para("No trend test: too few points at the end of " + code(primary(r)) + ". " +
			"Next time log more often so the final segment holds at least about ten points.")
		return
	}
	metric := tr.Metric
	if metric == "" {
		metric = primary(r)
	}
	what := code(metric)
	if tr.LogScale {
		what = "log(" + what + ")"
	}
	t := newTable("Statistic", "Value").alignRight(1)
	t.add("window of "+code(metric), "steps "+steps(tr.FromStep, tr.ToStep)+fmt.Sprintf(" (%d points)", tr.N))
	t.add("Theil-Sen slope of "+what+" per step", sci(tr.SlopePerStep, 3)+" ["+sci(tr.SlopeLow, 3)+", "+sci(tr.SlopeHigh, 3)+"]")
	t.add("Mann-Kendall z", sig(tr.MannKendallZ, 3))
	t.add("p", pvalue(tr.P))
	t.add("significant (p < "+sig(analysis.TrendAlpha, 2)+")", yesNo(tr.Significant))
	t.add(fmt.Sprintf("current level (mean of the %d points from step %d)", tr.LevelN, tr.LevelFrom), num(tr.Level))
	h := tr.Horizon
	change := signed(tr.Projected) + " [" + signed(tr.ProjectedLow) + ", " + signed(tr.ProjectedHi) + "]"
	if tr.Level != 0 {
		change += " (" + pct(tr.RelProjected) + " of the level)"
	}
	t.add("projected improvement over "+horizonText(&h), change)
	t.add("practical margin", num(tr.Margin))
	t.add("noise σ of "+what+" over this window (the end-of-run σ is in section 5)", num(tr.NoiseSigma))
	if tr.Resolution > 0 {
		t.add("logging resolution", num(tr.Resolution))
	}
	t.add("direction", string(tr.Direction))
	t.add("flat over this window", yesNo(tr.Plateau))
	d.table(t)
	d.para(trendExplanation(r))
}

func buildFindings(d *doc, r *analysis.Report) {
	d.section("13. Findings and pitfalls", "findings")
	if len(r.Findings) == 0 {
		d.para("No findings.")
	} else {
		var items []string
		for _, f := range sortedFindings(r.Findings) {
			items = append(items, finding(f, r))
		}
		d.list(items)
	}

	d.heading(3, "Spikes")
	spikes, hidden := shownSpikes(r)
	switch {
	case len(spikes) == 0 && hidden == 0:
		d.para("No spikes: no point's modified z-score exceeded the threshold.")
	case len(spikes) > 0:
		t := newTable("Metric", "Step", "Value", "z", "Kind", "Source").alignRight(1, 2, 3)
		for _, s := range spikes {
			t.add(code(s.Metric), stepMark(s.Step, s.StepEstimated), num(s.Value), sig(s.Z, 3), spikeKind(s), code(s.Source))
		}
		d.table(t)
		d.para("z is the modified z-score of a point against the rolling median of its neighbours (on a log scale for positive series); " +
			"points beyond 3.5 are listed. The findings above say which of them matter; an epoch-boundary drop is expected in multi-epoch training.")
	}
	if hidden > 0 {
		d.para(fmt.Sprintf("%s outliers of %s are not listed: the loss of a %s run is about 0 by construction, so its spikes say nothing about stability.",
			count(int64(hidden)), code("loss"), prose(string(r.Run.Family))))
	}

	d.heading(3, "Events")
	events := dedupEvents(r.Run.Events)
	if len(events) == 0 {
		d.para("No restarts, crashes or disagreements between sources were found.")
	} else {
		t := newTable("Kind", "Step", "Message", "Sources").alignRight(1)
		for _, e := range events {
			t.add(prose(e.Kind), step(e.Step), prose(e.Message), codes(e.Sources))
		}
		d.table(t)
	}

	d.heading(3, "Warnings")
	if len(r.Warnings) == 0 {
		d.para("No syntax errors or read problems.")
		return
	}
	var items []string
	for i, w := range r.Warnings {
		if i == maxWarnings {
			break
		}
		if w.Source != "" {
			items = append(items, code(w.Source)+": "+prose(w.Message))
		} else {
			items = append(items, prose(w.Message))
		}
	}
	d.list(items)
	if n := len(r.Warnings) - maxWarnings; n > 0 {
		d.para(fmt.Sprintf("… and %s more (all are in the JSON output).", count(int64(n))))
	}
}

// maxFindingSourcesShown is how many sources a finding lists; the JSON
// output has all of them.
const maxFindingSourcesShown = 4

// sortedFindings orders findings by severity (errors first), keeping the
// analysis order within a severity.
func sortedFindings(fs []analysis.Finding) []analysis.Finding {
	out := append([]analysis.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity.Rank() < out[j].Severity.Rank() })
	return out
}

// finding formats one finding as a list item: severity, steps, message,
// evidence and sources.
func finding(f analysis.Finding, r *analysis.Report) string {
	head := em(severityStyle(f.Severity), clean(string(f.Severity)))
	if st := findingSteps(f); st != "" {
		head += " (" + stepWord(st) + ")"
	}
	item := head + ": " + findingText(f, r)
	if ev := evidence(f); ev != "" {
		item += " Evidence: " + ev + "."
	}
	if len(f.Sources) > 0 {
		srcs := f.Sources
		more := ""
		if len(srcs) > maxFindingSourcesShown {
			more = fmt.Sprintf(" and %d more", len(srcs)-maxFindingSourcesShown)
			srcs = srcs[:maxFindingSourcesShown]
		}
		item += " Sources: " + codes(srcs) + more + "."
	}
	return item
}

// stepWord prefixes a step or step range with "step" or "steps".
func stepWord(s string) string {
	if strings.Contains(s, "-") {
		return "steps " + s
	}
	return "step " + s
}

// shownSpikes returns the spikes to list, leaving out the loss spikes of
// a run whose loss is about 0 by construction (GRPO-style trainers judged
// on their reward), and how many were left out.
func shownSpikes(r *analysis.Report) ([]analysis.Spike, int) {
	if r.Primary == "" || r.Primary == "loss" || !rlFamily(r.Run.Family) {
		return r.Spikes, 0
	}
	var out []analysis.Spike
	for _, s := range r.Spikes {
		if s.Metric != "loss" {
			out = append(out, s)
		}
	}
	return out, len(r.Spikes) - len(out)
}

// rlFamily reports the trainer families whose loss is about 0 by
// construction.
func rlFamily(f analysis.Family) bool {
	switch f {
	case "grpo", "ppo", "rloo", "online-dpo":
		return true
	}
	return false
}

// spikeKind says what a spike is: a rise, a drop, or the expected drop
// at an epoch boundary.
func spikeKind(s analysis.Spike) string {
	switch {
	case s.Epoch:
		return "epoch-boundary drop"
	case s.Z < 0:
		return "drop"
	}
	return "rise"
}

// dedupEvents drops events that repeat an earlier one: the same kind at
// the same step with the same message up to trailing punctuation (a
// traceback's "KeyboardInterrupt" and "KeyboardInterrupt:").
func dedupEvents(evs []analysis.Event) []analysis.Event {
	var out []analysis.Event
	seen := map[string]bool{}
	for _, e := range evs {
		key := e.Kind + "\x00" + step(e.Step) + "\x00" + strings.TrimRight(strings.TrimSpace(e.Message), ":.;, ")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

// findingSteps formats the steps a finding is about.
func findingSteps(f analysis.Finding) string {
	switch {
	case f.ToStep > f.FromStep:
		return steps(f.FromStep, f.ToStep)
	case f.Step > 0:
		return stepMark(f.Step, f.StepEstimated)
	}
	return ""
}

// evidence formats a finding's statistic and threshold.
func evidence(f analysis.Finding) string {
	if f.Statistic == "" {
		return ""
	}
	s := statisticName(f.Statistic) + " = " + num(f.Value)
	if f.Threshold != 0 {
		s += " (threshold " + num(f.Threshold) + ")"
	}
	return s
}

// orDefault returns s, or def when s is empty (a report decoded from an
// older JSON lacks the newer How fields).
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
