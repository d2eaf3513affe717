package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// The default report: each section of the seed article as one table and
// at most two sentences; how each number is computed is in
// docs/methods.md, which each section heading points to, and --full
// writes every detail.

// Limits of the short sections.
const (
	shortEvalRows  = 5 // rows of the eval table
	shortFindings  = 3 // findings listed
	shortTableRows = 4 // rows of the milestones table
	shortLRRows    = 4 // rows of the learning-rate table
)

// buildShort writes the default sections; the pitfalls leave out the
// findings the answer card states (inCard).
func buildShort(d *doc, r *analysis.Report, inCard map[int]bool) {
	shortMilestones(d, r)
	shortPhases(d, r)
	shortTrainLoss(d, r)
	shortNoise(d, r)
	shortAccuracy(d, r)
	shortLR(d, r)
	shortThroughput(d, r)
	shortEval(d, r)
	shortCheckpoints(d, r)
	shortPitfalls(d, r, inCard)
}

func shortMilestones(d *doc, r *analysis.Report) {
	d.section("Milestones", "milestones")
	if len(r.Milestones) == 0 {
		d.para("Not logged: no per-step " + code(primary(r)) + ". Next time log it every few steps (" + code("logging_steps") + ").")
		return
	}
	cols := []string{primary(r)}
	if a := r.Accuracy; a != nil && a.Metric != primary(r) {
		cols = append(cols, a.Metric)
	}
	header := []string{"Step", "Epoch"}
	for _, c := range cols {
		header = append(header, code(c))
	}
	t := newTable(append(header, "Source")...)
	for i := range len(cols) + 2 {
		t.alignRight(i)
	}
	d.para(estimatedStepsShort(r.Run))
	for _, m := range thin(r.Milestones, shortTableRows) {
		row := []string{stepMark(m.Step, m.StepEstimated), epoch(m.Epoch)}
		for _, c := range cols {
			if v, ok := m.Metrics[c]; ok {
				row = append(row, metricValue(c, v))
			} else {
				row = append(row, "")
			}
		}
		src := m.Source
		if src == "" && len(m.Sources) > 0 {
			src = m.Sources[0]
		}
		t.add(append(row, code(src))...)
	}
	d.table(t)
}

func shortPhases(d *doc, r *analysis.Report) {
	d.section("Phases", "phases")
	if len(r.Phases) == 0 {
		d.para("Too few points of " + code(primary(r)) + " to split the curve into phases.")
		return
	}
	metric := r.Phases[0].Metric
	if metric == "" {
		metric = primary(r)
	}
	share := "Share of change"
	start, end := r.Phases[0].StartLevel.Value, r.Phases[len(r.Phases)-1].EndLevel.Value
	switch greater := analysis.GreaterIsBetter(metric); {
	case greater && end > start:
		share = "Share of gain"
	case !greater && end < start:
		share = "Share of drop"
	}
	t := newTable("Phase", "Steps", code(metric)+" (window means)", share).alignRight(1, 2, 3)
	for i, p := range r.Phases {
		t.add(phaseLetter(i)+": "+prose(string(p.Name)), steps(p.StartStep, p.EndStep), num(p.StartLevel.Value)+" → "+num(p.EndLevel.Value), pct(p.ShareOfDrop))
	}
	d.table(t)
}

func shortTrainLoss(d *doc, r *analysis.Report) {
	tl := r.TrainLoss
	d.section("train_loss vs final level", "train-loss")
	t := newTable("Quantity", "Value", "Source or how").alignRight(1)
	if tl.Reported != nil {
		what := " (the run's mean)"
		if tl.Resumed {
			what = " (biased by a resume)"
		}
		t.add(code("train_loss")+what, num(*tl.Reported), code(tl.Source))
	}
	if tl.Resumed && tl.RecomputedMean != nil {
		t.add("mean of the logged losses", num(tl.RecomputedMean.Value), fmt.Sprintf("steps %s (%d points)", steps(tl.RecomputedMean.How.FromStep, tl.RecomputedMean.How.ToStep), tl.RecomputedMean.How.N))
	}
	if tl.FinalLevel != nil {
		t.add("final level", num(tl.FinalLevel.Value), levelWords(tl.FinalLevel.How))
	}
	if tl.Last != nil {
		t.add("last logged", num(tl.Last.Value), code(tl.Last.Source))
	}
	if len(t.rows) > 0 {
		d.table(t)
	}
	d.para(trainLossShort(tl))
}

// levelWords says briefly which window a level is the mean of.
func levelWords(h analysis.How) string {
	if h.Method == analysis.MethodWindowMean {
		return fmt.Sprintf("mean of steps %s (%d points)", steps(h.FromStep, h.ToStep), h.N)
	}
	return howText(h)
}

// trainLossShort says in one or two sentences why the mean differs from
// the final level.
func trainLossShort(tl analysis.TrainLoss) string {
	if tl.Relation != analysis.TLPulledUp || tl.FinalLevel == nil {
		return trainLossText(tl)
	}
	mean, name := 0.0, "The mean of the logged losses"
	if tl.RecomputedMean != nil {
		mean = tl.RecomputedMean.Value
	}
	if tl.Reported != nil && !tl.Resumed {
		mean, name = *tl.Reported, code("train_loss")
	}
	prefix := ""
	if tl.Resumed && tl.Reported != nil {
		prefix = resumeBias(tl) + " "
	}
	return prefix + fmt.Sprintf("%s is the run's mean, pulled up by the early losses (the first %s are %s of the sum); the curve ends at %s, %s lower: judge by that.",
		name, count(int64(tl.EarlyPoints)), wholePct(tl.EarlyShare), num(tl.FinalLevel.Value), wholePct((mean-tl.FinalLevel.Value)/math.Abs(mean)))
}

func shortNoise(d *doc, r *analysis.Report) {
	d.section("End-of-run fluctuation", "noise")
	n := r.Noise
	if n == nil {
		d.para("Too few points at the end of " + code(primary(r)) + " to judge the fluctuation.")
		return
	}
	t := newTable("Statistic", "Value", "Source or how").alignRight(1)
	// The train_loss table above already gives the window's mean and
	// the last value when they are the same numbers: not twice.
	shown := sameWindow(r.TrainLoss, n, primary(r))
	if !shown {
		t.add("mean of the window", num(n.Mean)+" ± "+num(n.StdErr), fmt.Sprintf("steps %s (%d points)", steps(n.FromStep, n.ToStep), n.N))
	}
	t.add("noise σ", num(n.Sigma.Value), "from successive differences")
	if !shown {
		t.add("last value", num(n.Last.Value), code(n.Last.Source))
		t.add("last vs mean", sigma(n.Deviation), noiseJudgement(n))
	} else {
		t.add("last ("+num(n.Last.Value)+") vs final level", sigma(n.Deviation), noiseJudgement(n))
	}
	d.table(t)
}

// sameWindow reports whether the train_loss table shows the noise
// window's mean (as the final level) and its last value.
func sameWindow(tl analysis.TrainLoss, n *analysis.Noise, metric string) bool {
	if metric != "loss" || tl.FinalLevel == nil || tl.Last == nil {
		return false
	}
	h := tl.FinalLevel.How
	return h.Method == analysis.MethodWindowMean && h.FromStep == n.FromStep && h.ToStep == n.ToStep &&
		num(tl.FinalLevel.Value) == num(n.Mean) && tl.Last.Source == n.Last.Source
}

// thin keeps at most n of xs: the first, the last and evenly spaced ones
// between.
func thin[T any](xs []T, n int) []T {
	if len(xs) <= n {
		return xs
	}
	out := make([]T, 0, n)
	for k := range n {
		out = append(out, xs[k*(len(xs)-1)/(n-1)])
	}
	return out
}

// noiseJudgement says whether the last value is ordinary fluctuation.
func noiseJudgement(n *analysis.Noise) string {
	if n.Normal {
		return "within the noise"
	}
	if n.Better {
		return em(styleWarn, "beyond the noise, in the good direction")
	}
	return em(styleWarn, "beyond the noise")
}

func shortAccuracy(d *doc, r *analysis.Report) {
	a := r.Accuracy
	if a == nil || len(a.Rows) == 0 {
		return // --full says what to log
	}
	title := "Token accuracy"
	if a.Kind != analysis.AccTokens {
		title = "Training accuracy"
	}
	d.section(title, "accuracy")
	if inMilestones(r, a.Metric) && len(a.Rows) >= 2 && len(a.Rows) <= len(a.Steps) {
		// The milestones table holds the values: say the change.
		n := len(a.Rows)
		d.para(fmt.Sprintf("%s %s at step %s → %s at step %s (%s): %s", code(a.Metric), share(a.Rows[0].Value), step(a.Steps[0]),
			share(a.Rows[n-1].Value), step(a.Steps[n-1]), code(a.Rows[n-1].Source), lowerFirst(accuracyShort(a))))
		return
	}
	t := newTable("Step", code(a.Metric), "Source").alignRight(0, 1)
	for i, c := range a.Rows {
		s := notAvailable
		if i < len(a.Steps) {
			s = step(a.Steps[i])
		}
		t.add(s, share(c.Value), code(c.Source))
	}
	d.table(t)
	d.para(accuracyShort(a))
}

// inMilestones reports whether the milestones table shows metric.
func inMilestones(r *analysis.Report, metric string) bool {
	return len(r.Milestones) > 0 && r.Accuracy != nil && r.Accuracy.Metric == metric && metric != primary(r)
}

// accuracyShort says what the accuracy measures, in a sentence or two.
func accuracyShort(a *analysis.Accuracy) string {
	s := "Fit to the training labels, not generalisation or answer quality."
	switch a.Kind {
	case analysis.AccPairwise:
		s = "It is the share of training pairs ranked right: fit to the training preferences, not quality on new prompts."
		if a.NearChance {
			s += " It ends at about the 50% chance level: the preference is not learned yet."
		}
	case analysis.AccBatch:
		s = "It is measured on the training batches: fit to the training labels, not generalisation."
	}
	if a.Quantum > 0 && a.FirstLevel != nil && a.FinalLevel != nil {
		s += fmt.Sprintf(" Single values are shares of a batch of %d; the means of the first and last windows are %s and %s.",
			a.Quantum, share(a.FirstLevel.Value), share(a.FinalLevel.Value))
	}
	if a.Eval != nil {
		s += fmt.Sprintf(" Held-out: %s at step %s (%s).", share(a.Eval.Value), step(a.EvalStep), code(a.Eval.Source))
	}
	return s
}

func shortLR(d *doc, r *analysis.Report) {
	d.section("Learning rate", "lr")
	lr := r.LRSchedule
	if !lr.Present {
		d.para("Not logged: the Trainer logs " + code("learning_rate") + " at every logging step; in a custom loop, log " + code("scheduler.get_last_lr()[0]") + ".")
		return
	}
	if len(lr.Rows) > 0 {
		t := newTable("Step", "lr", "Source").alignRight(0, 1)
		for _, row := range thin(lr.Rows, shortLRRows) {
			t.add(stepMark(row.Step, row.StepEstimated), sci(row.Value, 3), code(row.Source))
		}
		d.table(t)
	}
	d.para(scheduleShort(lr))
}

// scheduleShort says the fitted schedule in one line; anything unusual
// (skipped steps, a poor fit, no fit) in scheduleText's words.
func scheduleShort(ls analysis.LRSchedule) string {
	if ls.State != analysis.SchedFitted || len(ls.Skipped) > 0 || ls.PoorFit {
		return scheduleText(ls)
	}
	warm := "no warmup"
	if ls.WarmupSteps > 0 {
		warm = count(ls.WarmupSteps) + " warmup steps"
	}
	fit := "fits the log exactly"
	if ls.FitError >= 1e-4 {
		fit = "off the log by " + pct(ls.FitError) + " of the peak (RMS)"
	}
	return fmt.Sprintf("%s%s: peak %s, %s, %s at step %s of %s; %s.", em(styleStrong, capitalize(clean(string(ls.Kind)))), scheduleParam(ls),
		sci(ls.Peak, 3), warm, sci(ls.Final, 3), step(ls.LastStep), step(ls.TotalSteps), fit)
}

func shortThroughput(d *doc, r *analysis.Report) {
	d.section("Throughput and cost", "throughput")
	tp := r.Throughput
	t := newTable("Metric", "Value", "Source or how").alignRight(1)
	if c := tp.RuntimeSeconds; c != nil {
		name := code("train_runtime")
		if tp.RuntimeFrom != analysis.RuntimeLogged {
			name = "runtime"
		}
		v := seconds(c.Value) + " s"
		if c.Value >= 60 {
			v += " ≈ " + humanDuration(c.Value)
		}
		t.add(name, v, code(c.Source))
	}
	if rt := barRate(tp); rt != nil {
		t.add(rt.unit, num(rt.c.Value), code(rt.c.Source))
	}
	if c := tp.SamplesPerSec; c != nil {
		t.add("samples/s", num(c.Value), code(c.Source))
	}
	if c := tp.TokensPerSec; c != nil {
		t.add("tokens/s", num(c.Value), code(c.Source))
	}
	if h := tp.GPUHours; h != nil {
		how := gpuCount(h.How.GPUs)
		if tp.Cost == nil {
			how += "; cost: " + code("--gpu-hour-price")
		}
		t.add("GPU hours", hours(h.Value)+" h", how)
	}
	if c := tp.Cost; c != nil {
		t.add("cost", money(c.Value), "at "+sig(tp.GPUHourPrice, 6)+" per GPU-hour")
	}
	if len(t.rows) == 0 {
		d.para("Not logged: no runtime or speed. The Trainer's end-of-training summary holds " + code("train_runtime") + "; keep the console output next time.")
		return
	}
	d.table(t)
	var notes []string
	for _, n := range throughputNotes(tp) {
		if !strings.HasPrefix(n, "No cost") && len(notes) < 2 {
			notes = append(notes, n)
		}
	}
	d.para(notes...)
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

func shortEval(d *doc, r *analysis.Report) {
	e := r.Eval
	if !e.Present {
		title := "Generalisation (no eval)"
		if len(e.Other) > 0 {
			title = "Generalisation (final values only)"
		}
		d.section(title, "eval")
		shortNoEval(d, e, r.Accuracy != nil && len(r.Accuracy.Rows) > 0)
		return
	}
	d.section("Generalisation", "eval")
	rows := e.Rows
	if len(rows) > shortEvalRows {
		rows = evenRows(rows, e.BestStep, shortEvalRows)
	}
	t := newTable("Step", code(e.Metric), "Train loss", "Source").alignRight(0, 1, 2)
	for _, row := range rows {
		label := stepMark(row.Step, row.StepEstimated)
		if row.Step == e.BestStep && len(e.Rows) > 1 {
			label = em(styleStrong, label+" best")
		}
		train := ""
		if row.TrainLoss != nil {
			train = num(row.TrainLoss.Value)
		}
		t.add(label, num(row.Value), train, code(row.Source))
	}
	d.table(t)
	d.para(evalShort(e))
}

// evenRows keeps n rows: the first, the best, the last and evenly spaced
// ones between.
func evenRows(rows []analysis.EvalRow, best int64, n int) []analysis.EvalRow {
	keep := map[int]bool{0: true, len(rows) - 1: true}
	for i, r := range rows {
		if r.Step == best {
			keep[i] = true
		}
	}
	for k := 1; len(keep) < n && k < n; k++ {
		keep[k*(len(rows)-1)/(n-1)] = true
	}
	var out []analysis.EvalRow
	for i, r := range rows {
		if keep[i] {
			out = append(out, r)
		}
	}
	return out
}

// evalShort sums up the evaluations in a sentence or two.
func evalShort(e analysis.Eval) string {
	if e.Best == nil || e.Last == nil {
		return ""
	}
	if len(e.Rows) == 1 {
		return "One evaluation shows no trend: evaluate more often (a smaller " + code("eval_steps") + ") to see overfitting."
	}
	s := fmt.Sprintf("%d evaluations; best %s at step %s, last %s (%s of the eval noise).",
		len(e.Rows), num(e.Best.Value), step(e.BestStep), num(e.Last.Value), sigma(e.RiseSigma))
	switch {
	case e.Overfitting:
		// The card says it, with the train loss.
	case e.After == 0:
		s += " The last evaluation is the best: no sign of overfitting."
	case e.TrainRose:
		s += " Eval and train got worse together: instability, not overfitting."
	default:
		s += " Within the noise: no overfitting measured."
	}
	return s
}

// finalValueRank orders the final values of a summary for the short
// table: accuracies and preference margins, then losses, then the rest.
func finalValueRank(name string) int {
	switch {
	case strings.Contains(name, "accurac") || strings.Contains(name, "margins"):
		return 0
	case strings.Contains(name, "loss"):
		return 1
	}
	return 2
}

// gapRank orders the summary's gaps by what matters: a test split far
// off the eval split, a held-out preference near chance, the rest.
func gapRank(g analysis.SummaryGap) int {
	switch {
	case g.Test && !g.Agree:
		return 0
	case g.NearChance:
		return 1
	}
	return 2
}

// shortNoEval writes the seed article's section 7: how to judge without
// eval_loss, and what the summary's final values show when there are
// some.
func shortNoEval(d *doc, e analysis.Eval, accuracyShown bool) {
	if len(e.Other) > 0 {
		// The values the gaps compare first, then the others, at most
		// shortTableRows+1 of them; --full lists all.
		gs := append([]analysis.SummaryGap(nil), e.Gaps...)
		sort.SliceStable(gs, func(i, j int) bool { return gapRank(gs[i]) < gapRank(gs[j]) })
		if len(gs) > 2 {
			gs = gs[:2]
		}
		var rows []analysis.Named
		seen := map[string]bool{}
		for _, g := range gs {
			for _, c := range []analysis.Named{g.Eval, g.Against} {
				if g.Test || c.Name == g.Eval.Name {
					if !seen[c.Name] {
						seen[c.Name] = true
						rows = append(rows, c)
					}
				}
			}
		}
		others := append([]analysis.Named(nil), e.Other...)
		sort.SliceStable(others, func(i, j int) bool { return finalValueRank(others[i].Name) < finalValueRank(others[j].Name) })
		for _, c := range others {
			if !seen[c.Name] && len(rows) <= shortTableRows {
				seen[c.Name] = true
				rows = append(rows, c)
			}
		}
		t := newTable("Final value", "Value", "Source").alignRight(1)
		for _, c := range rows {
			t.add(code(c.Name), num(c.Value), code(c.Source))
		}
		d.table(t)
		var gaps []string
		for _, g := range gs {
			if g.Test && !g.Agree {
				// Both values are cited in the table.
				gaps = append(gaps, fmt.Sprintf("%s %s but %s %s", code(g.Eval.Name), num(g.Eval.Value), code(g.Against.Name), num(g.Against.Value)))
				continue
			}
			gaps = append(gaps, gapText(g))
		}
		if n := len(e.Other) - len(rows); n > 0 {
			gaps = append(gaps, fmt.Sprintf("%d more final values in %s", n, code("--full")))
		}
		var para []string
		if len(gaps) > 0 {
			para = append(para, "Only final values, so overfitting over time cannot be measured; "+strings.Join(gaps, "; ")+".")
		}
		if e.TestWorse {
			para = append(para, "The eval split does not represent the test split (another distribution, or eval examples that leaked into training or picked the model): trust the test numbers.")
		}
		if len(para) > 0 {
			d.para(strings.Join(para, " "))
		}
		return
	}
	t := newTable("Method", "How")
	t.add("quantitative (not done)", "hold out 5-10%; "+code(`eval_strategy="steps"`))
	t.add("qualitative", "generate on prompts not trained on")
	t.add("overfitting signal", "train loss falls, answers repeat training text")
	d.table(t)
	var hints []string
	for _, h := range e.Hints {
		if h.Kind == analysis.HintHighAccuracy && accuracyShown {
			continue // the accuracy section gives it
		}
		if b := hintBrief(h); b != "" {
			hints = append(hints, b)
		}
	}
	if len(hints) > 0 {
		d.para("Hints of memorisation, not measurements: " + strings.Join(hints, "; ") + ".")
	}
}

func shortCheckpoints(d *doc, r *analysis.Report) {
	d.section("Checkpoints", "checkpoints")
	rec := r.CheckpointsRecommended
	if len(r.Checkpoints) == 0 {
		d.para(recommendText(r))
		return
	}
	withEval := false
	for _, c := range r.Checkpoints {
		withEval = withEval || c.Eval != nil
	}
	header := []string{"Directory", "Step", "Train loss"}
	if withEval {
		header = append(header, "Eval")
	}
	t := newTable(append(header, "Use case")...).alignRight(1, 2)
	if withEval {
		t.alignRight(3)
	}
	for _, c := range r.Checkpoints {
		st := stepN(c.Step)
		if c.Step < 0 {
			st = "end"
		}
		row := []string{code(c.Path), st, ""}
		if c.TrainLoss != nil {
			row[2] = num(c.TrainLoss.Value)
		}
		if withEval {
			ev := ""
			if c.Eval != nil {
				ev = num(c.Eval.Value)
			}
			row = append(row, ev)
		}
		use := shortRole(c)
		if c.Path == rec.Path && c.Step == rec.Step {
			switch rec.Basis {
			case analysis.RecBetweenEvals:
				use = "near best eval"
			case analysis.RecBestRemaining:
				use = "best eval left"
			}
			use = em(styleStrong, "use: "+use)
		}
		t.add(append(row, use)...)
	}
	d.table(t)
}

// shortRole says a checkpoint's main role in a few words.
func shortRole(c analysis.CheckpointRow) string {
	if len(c.Roles) == 0 {
		return ""
	}
	switch c.Roles[0] {
	case analysis.RoleFinal:
		return "final"
	case analysis.RoleLatest:
		return "latest saved"
	case analysis.RoleSameAsFinal:
		return "resume here"
	case analysis.RoleLate:
		return "A/B test"
	case analysis.RoleLowLoss:
		return "less overfit"
	case analysis.RoleEarlier:
		return "fallback"
	case analysis.RoleIntermediate:
		return "intermediate"
	case analysis.RoleBestEval:
		return "best eval"
	}
	return clean(string(c.Roles[0]))
}

func shortPitfalls(d *doc, r *analysis.Report, inCard map[int]bool) {
	d.section("Pitfalls", "findings")
	var rest []analysis.Finding
	for i, f := range r.Findings {
		// The generalisation section's hints give the epoch drops of a
		// run without eval.
		staircase := f.Kind == analysis.KindEpochDrop && hasHint(r.Eval, analysis.HintStaircase)
		if !inCard[i] && !staircase {
			rest = append(rest, f)
		}
	}
	fs := sortedFindings(rest)
	switch {
	case len(fs) == 0 && len(inCard) > 0:
		d.para("None besides the problems of the card.")
		return
	case len(fs) == 0:
		d.para("None found in the logs.")
		return
	}
	// Under a card that lists problems, the pitfalls are what it
	// leaves out: fewer of them.
	limit := shortFindings
	if len(inCard) > 0 {
		limit--
	}
	var items []string
	for i, f := range fs {
		if i == limit {
			break
		}
		text := findingBrief(f, r) + "."
		item := em(severityStyle(f.Severity), clean(string(f.Severity))) + ": " + text
		if src := findingCite(f); src != "" {
			item += " (" + code(src) + ")"
		}
		items = append(items, item)
	}
	if n := len(fs) - limit; n > 0 {
		items = append(items, fmt.Sprintf("%s more in %s.", plural(int64(n), "finding"), code("--full")))
	}
	d.list(items)
}

// hasHint reports whether the eval section lists a hint of kind k.
func hasHint(e analysis.Eval, k analysis.HintKind) bool {
	if e.Present || len(e.Other) > 0 {
		return false
	}
	for _, h := range e.Hints {
		if h.Kind == k {
			return true
		}
	}
	return false
}

// findingBrief says an info-level finding in a short clause; the full
// sentence is in --full.
func findingBrief(f analysis.Finding, r *analysis.Report) string {
	m := code(f.Metric)
	fact := func(q analysis.Quantity) analysis.Fig {
		x, _ := f.Fact(q)
		return x
	}
	switch f.Kind {
	case analysis.KindGradNormHigh:
		top := fact(analysis.QMax)
		usual := rangeNum(fact(analysis.QP10).Value) + "-" + rangeNum(fact(analysis.QP90).Value)
		switch f.Cause {
		case analysis.CauseSingle:
			return fmt.Sprintf("grad_norm %s at step %s, above its usual %s: one step is acceptable when the loss stays normal", num(top.Value), step(top.Step), usual)
		case analysis.CauseIsolated:
			return fmt.Sprintf("grad_norm above its usual %s at %d steps, up to %s at step %s: isolated, acceptable when the loss stays normal", usual, f.Count, num(top.Value), step(top.Step))
		}
		return fmt.Sprintf("grad_norm above its usual %s at %d of %d steps, up to %s at step %s: repeated gradient spikes", usual, f.Count, f.Of, num(top.Value), step(top.Step))
	case analysis.KindStepCount:
		s := fmt.Sprintf("the %s steps follow from the batch size and the epochs", sig(f.Value, 6))
		if f.Cause == analysis.CauseStepsExplicit {
			s = fmt.Sprintf("max_steps %s, not the %s that the geometry gives", sig(f.Value, 6), sig(f.Threshold, 6))
		}
		return s + ": compare runs by epoch or samples seen, not by step"
	case analysis.KindGradNormSpikes:
		top := fact(analysis.QMax)
		s := fmt.Sprintf("%s (up to %s at step %s)", plural(int64(f.Count), "grad_norm spike"), num(top.Value), step(top.Step))
		switch f.Cause {
		case analysis.CauseNoReaction:
			return s + "; " + code(r.Primary) + " did not react to them: gradient noise that clipping absorbs"
		case analysis.CauseFewReactions:
			return s + "; " + code(r.Primary) + " reacted to a few: isolated setbacks"
		}
		return s
	case analysis.KindEpochDrop:
		return fmt.Sprintf("the loss drops at %s: expected when the examples are seen again, and a sign of memorisation", pluralY(int64(f.Count), "epoch boundar"))
	case analysis.KindSpike:
		switch f.Cause {
		case analysis.CauseMinor:
			return fmt.Sprintf("%s of %s within 2x of their neighbours: ordinary batch-to-batch variation", plural(int64(f.Count), "outlier"), m)
		case analysis.CauseOneStep:
			return fmt.Sprintf("%s of %s at 2x-3x for one log: single bad batches", plural(int64(f.Count), "one-step spike"), m)
		}
	case analysis.KindStartup:
		return fmt.Sprintf("start-up spike of %s at step %s (%s): early steps are often high", m, step(f.Step), num(fact(analysis.QValue).Value))
	case analysis.KindNonFinite:
		if f.Cause == analysis.CauseScalerSkip {
			return fmt.Sprintf("%s is NaN at %s: fp16 loss-scaler skips, harmless when rare", m, plural(int64(f.Count), "step"))
		}
	case analysis.KindZeroLoss:
		if f.Cause == analysis.CauseByConstruction {
			return fmt.Sprintf("loss is exactly 0 at %s: expected for %s; judge by the reward", plural(int64(f.Count), "step"), clean(string(r.Run.Family)))
		}
	case analysis.KindOverfitting:
		best, end := fact(analysis.QBest), fact(analysis.QEnd)
		return fmt.Sprintf("%s worse since its best at step %s: %s → %s (%s of its noise) while the train loss did not rise",
			m, step(best.Step), num(best.Value), num(end.Value), sigma(f.Value))
	}
	return strings.TrimSuffix(problemText(f, r), ".")
}

// hintBrief says a hint of memorisation in a few words.
func hintBrief(h analysis.Hint) string {
	switch h.Kind {
	case analysis.HintHighAccuracy:
		return fmt.Sprintf("%s %s at step %s", code(h.Metric), share(h.Value), step(h.Step))
	case analysis.HintFarBelow:
		return fmt.Sprintf("loss %s over the last tenth of the run (median), %s below the first epoch's median %s", num(h.Value), wholePct(1-h.Value/h.Ref), num(h.Ref))
	case analysis.HintStaircase:
		return "loss drops at " + pluralY(int64(h.Count), "epoch boundar")
	}
	return ""
}

// findingCite is the source a pitfall line cites: that of the fact at the
// step the line names ("up to 5.02 at step 31"), when the finding has one,
// else its first source (often the start of the window it scanned).
func findingCite(f analysis.Finding) string {
	for _, x := range f.Facts {
		if x.Step == f.Step && x.Source != "" {
			return x.Source
		}
	}
	if len(f.Sources) > 0 {
		return f.Sources[0]
	}
	return ""
}
