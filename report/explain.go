package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// This file and explain_findings.go hold the report's sentences: package
// analysis returns typed values (kinds, causes, numbers, sources), and
// these functions say them in words, with inline markup (document.go) for
// sources and names. The verdict's and the forecasts' own sentences are
// in their own file.

// howText says in words how a derived number was computed.
func howText(h analysis.How) string {
	switch h.Method {
	case analysis.MethodWindowMean:
		s := "mean of " + valuesOf(h.N, h.Metric) + " over steps " + steps(h.FromStep, h.ToStep)
		if h.Fraction > 0 {
			s += ", the last " + wholePct(h.Fraction) + " of the run"
		}
		return s
	case analysis.MethodLastValue:
		s := "the last value of " + code(h.Metric) + ", at step " + step(h.ToStep)
		if len(h.Sources) > 0 {
			s += " (" + code(h.Sources[0]) + ")"
		}
		return s
	case analysis.MethodPreviousEnd:
		return "the previous phase's end level"
	case analysis.MethodRunMean:
		s := fmt.Sprintf("sum of %s (steps %s) / %d", valuesOf(h.N, h.Metric), steps(h.FromStep, h.ToStep), h.N)
		if h.Window > 1 {
			s += fmt.Sprintf("; each logged loss is the mean of a %d-step window, and Transformers computes "+
				"train_loss as the sum of the window losses (times their length) / global_step, so the two agree up to the last partial window", h.Window)
		}
		return s
	case analysis.MethodNoise:
		if h.LogScale {
			return fmt.Sprintf("robust successive-difference noise of log(%s) over steps %s, 1.4826*MAD(diff)/sqrt(2) = %s, times the geometric mean %s",
				code(h.Metric), steps(h.FromStep, h.ToStep), num(h.LogSigma), num(h.GeoMean))
		}
		return fmt.Sprintf("robust successive-difference noise of %s over steps %s, 1.4826*MAD(diff)/sqrt(2)", code(h.Metric), steps(h.FromStep, h.ToStep))
	case analysis.MethodGPUHours:
		return fmt.Sprintf("%s s x %s / 3600; %s", seconds(h.Seconds), gpuCount(h.GPUs), gpuBasis(h))
	case analysis.MethodCost:
		return fmt.Sprintf("%s GPU-hours x %s per GPU-hour", hours(h.GPUHours), sig(h.Price, 6))
	case analysis.MethodStepsCost:
		return fmt.Sprintf("%s steps x %s s/step = %s h x %s (%s) x %s per GPU-hour", count(h.Steps), sig(h.SecondsPerStep, 3),
			sig(float64(h.Steps)*h.SecondsPerStep/3600, 3), gpuCount(h.GPUs), gpuBasis(h), sig(h.Price, 6))
	}
	return clean(string(h.Method))
}

// valuesOf names n values of a metric: "the 75 logged losses", "the 12
// values of eval_loss".
func valuesOf(n int, metric string) string {
	switch {
	case metric == "loss" && n == 1:
		return "the 1 logged loss"
	case metric == "loss":
		return "the " + count(int64(n)) + " logged losses"
	case n == 1:
		return "the 1 value of " + code(metric)
	}
	return "the " + count(int64(n)) + " values of " + code(metric)
}

func gpuCount(n int) string {
	if n == 1 {
		return "1 GPU"
	}
	return strconv.Itoa(n) + " GPUs"
}

// gpuBasis says how the billed GPUs were counted.
func gpuBasis(h analysis.How) string {
	switch h.GPUsFrom {
	case analysis.GPUsGiven:
		return "GPUs as given (--gpus)"
	case analysis.GPUsLogged:
		if len(h.Sources) > 0 {
			return "GPUs from the logged world size, " + code(h.Sources[0])
		}
		return "GPUs from the logged world size"
	}
	return "world size not logged, 1 GPU assumed (--gpus changes it)"
}

// wholePct formats a fraction as a whole percentage: 0.1 → "10%".
func wholePct(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + "%" }

// hugeFixed is where the fixed-point formats below give way to num's
// short scientific notation: beyond it, 'f' would write up to 309 digits
// (a log's train_runtime of 1e300).
const hugeFixed = 1e15

// seconds formats a duration in seconds: whole seconds from 100 s on.
func seconds(secs float64) string {
	if math.Abs(secs) >= hugeFixed {
		return sig(secs, 6)
	}
	if secs >= 100 {
		return strconv.FormatFloat(secs, 'f', 0, 64)
	}
	return num(secs)
}

// hours formats GPU hours with 2 significant digits, or whole hours from
// 10 on.
func hours(h float64) string {
	if math.Abs(h) >= hugeFixed {
		return sig(h, 3)
	}
	if h >= 10 {
		return strconv.FormatFloat(h, 'f', 0, 64)
	}
	return sig(h, 2)
}

// humanDuration formats seconds for a sentence: "41 min 24 s", "2 h 05
// min", "12.5 s".
func humanDuration(secs float64) string {
	if math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 {
		return notAvailable
	}
	if secs >= 3600*hugeFixed {
		// Beyond int64 seconds: hours, in short scientific notation.
		return sig(secs/3600, 3) + " h"
	}
	t := int64(math.Round(secs))
	switch {
	case secs < 60:
		return sig(secs, 3) + " s"
	case t < 3600:
		return fmt.Sprintf("%d min %02d s", t/60, t%60)
	}
	return fmt.Sprintf("%d h %02d min", t/3600, t/60%60)
}

// money formats a cost with two decimals.
func money(v float64) string {
	if math.Abs(v) >= hugeFixed {
		return sig(v, 6)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// geometryLabels names the run-shape facts of the header.
var geometryLabels = map[string]string{
	trainlog.GeoExamples:        "training examples",
	trainlog.GeoEpochs:          "epochs planned",
	trainlog.GeoBatchPerDevice:  "batch size per device",
	trainlog.GeoGradAccum:       "gradient accumulation steps",
	trainlog.GeoWorldSize:       "world size (processes)",
	trainlog.GeoTotalBatch:      "total batch size",
	trainlog.GeoStepsPerEpoch:   "optimizer steps per epoch",
	trainlog.GeoMaxSteps:        "total optimizer steps",
	trainlog.GeoGlobalStep:      "global step reached",
	trainlog.GeoTrainableParams: "trainable parameters",
	trainlog.GeoTotalParams:     "all parameters",
	trainlog.GeoLoggingSteps:    "logging every N steps",
	trainlog.GeoEvalSteps:       "evaluation every N steps",
	trainlog.GeoSaveSteps:       "checkpoint every N steps",
	trainlog.GeoResumedFrom:     "resumed from step",
}

// geometryLabel names a geometry key.
func geometryLabel(key string) string {
	if l, ok := geometryLabels[key]; ok {
		return l
	}
	return key
}

// milestoneLabel names a milestone: "first step", "end of epoch 2",
// "end of epoch 3, last step".
func milestoneLabel(m analysis.Milestone) string {
	var parts []string
	if m.First {
		parts = append(parts, "first step")
	}
	if m.EpochEnd > 0 {
		parts = append(parts, "end of epoch "+strconv.Itoa(m.EpochEnd))
	}
	if m.Last {
		parts = append(parts, "last step")
	}
	if m.First && m.Last && m.EpochEnd == 0 {
		return "first and last step"
	}
	return strings.Join(parts, ", ")
}

// shownEpochEnds says how many of the epoch ends the milestones show,
// when not all.
func shownEpochEnds(r *analysis.Report) string {
	shown := 0
	for _, m := range r.Milestones {
		if m.EpochEnd > 0 {
			shown++
		}
	}
	if shown == 0 || shown >= r.Run.EpochEnds {
		return ""
	}
	return fmt.Sprintf("Only %d of the %d epoch ends are shown, evenly spaced.", shown, r.Run.EpochEnds)
}

// trainLossText says why the run's mean loss differs from its final
// level, or that they agree (the seed article's section 3.2).
func trainLossText(tl analysis.TrainLoss) string {
	name := "The mean of the logged losses"
	mean := 0.0
	if tl.RecomputedMean != nil {
		mean = tl.RecomputedMean.Value
	}
	if tl.Reported != nil && !tl.Resumed {
		name, mean = code("train_loss")+" "+num(*tl.Reported), *tl.Reported
	}
	if tl.Resumed && tl.RecomputedMean != nil {
		name += " " + num(mean)
	}
	var text string
	switch tl.Relation {
	case analysis.TLNoLoss:
		return "No " + code("train_loss") + " and no per-step loss were logged: cannot compare the run's mean with its final level."
	case analysis.TLSummaryOnly:
		return name + " is the mean loss of the whole run; no per-step loss was logged, so the level the run ended at cannot be told."
	case analysis.TLSummaryLast:
		return name + " is the mean loss of the whole run. No per-step loss was logged, only the last one in the summary, " +
			cited(tl.Last.Value, tl.Last.Source) + ": one batch's loss, noisy, but it shows where the run ended better than the mean does."
	case analysis.TLOnePoint:
		if tl.First != nil {
			return "Only one loss was logged (" + cited(tl.First.Value, tl.First.Source) + "): the run's mean cannot be compared with a final level."
		}
		return "Only one loss was logged: the run's mean cannot be compared with a final level."
	case analysis.TLNearZero:
		text = "The loss is near 0 or negative throughout, as in GRPO- and PPO-style trainers whose loss is about 0 by construction: " +
			"the mean and the final level say nothing about learning; judge the run by its reward."
	case analysis.TLAgrees:
		text = fmt.Sprintf("%s and the final level %s agree within %s: the loss moved little over the run, so its mean is also where it ended.",
			name, num(tl.FinalLevel.Value), wholePct(analysis.TrainLossTolerance))
	case analysis.TLPulledUp:
		first := ""
		if tl.First != nil {
			first = " (" + num(tl.First.Value) + " at step " + step(firstStep(tl)) + ")"
		}
		text = fmt.Sprintf("%s is the mean over the whole run, not the loss at the end: the early, high losses%s pull it up; the first %s logged losses alone make up %s of the sum. "+
			"The curve ends at %s, %s lower. Judge the run by the final level, not by %s.",
			name, first, count(int64(tl.EarlyPoints)), wholePct(tl.EarlyShare), num(tl.FinalLevel.Value),
			wholePct((mean-tl.FinalLevel.Value)/math.Abs(mean)), code("train_loss"))
	case analysis.TLRoseLate:
		text = fmt.Sprintf("%s is below the final level %s: the loss ended higher than its run average, so it rose late in the run.",
			name, num(tl.FinalLevel.Value))
	}
	if tl.Resumed && tl.Reported != nil {
		return resumeBias(tl) + " " + text
	}
	if tl.ReportedGap != 0 && tl.RecomputedMean != nil {
		text += fmt.Sprintf(" The mean of the logged losses is %s (%s from %s): the logged losses are window means or do not cover every step.",
			num(tl.RecomputedMean.Value), signedPct(tl.ReportedGap), code("train_loss"))
	}
	return text
}

// resumeBias says why a resumed run's train_loss is biased low.
func resumeBias(tl analysis.TrainLoss) string {
	return fmt.Sprintf("%s %s is biased low: the run was resumed, and Transformers restarts the loss accumulator at 0 on resume while global_step does not.",
		code("train_loss"), num(*tl.Reported))
}

// firstStep returns the step of the first logged loss.
func firstStep(tl analysis.TrainLoss) int64 {
	if tl.RecomputedMean != nil {
		return tl.RecomputedMean.How.FromStep
	}
	return -1
}

// signedPct formats a relative change as a whole signed percentage.
func signedPct(f float64) string {
	s := strconv.FormatFloat(100*f, 'f', 0, 64) + "%"
	if f > 0 {
		s = "+" + s
	}
	return s
}

// noiseText judges the last value against the end-of-run noise (the seed
// article's section 3.3).
func noiseText(n *analysis.Noise, metric string) string {
	dir := "above"
	if n.Deviation < 0 {
		dir = "below"
	}
	verdict := "within the usual fluctuation, not a change of trend"
	if !n.Normal {
		verdict = "beyond " + strconv.FormatFloat(n.NoiseZ, 'f', 0, 64) + " sigma: larger than the usual fluctuation"
		if n.Better {
			verdict += " (in the good direction)"
		}
	}
	s := fmt.Sprintf("The last %s, %s at step %s, is %s sigma %s the mean %s of the last %d points (steps %s), where sigma %s is the step-to-step noise: %s.",
		code(metric), cited(n.Last.Value, n.Last.Source), step(n.LastStep), strconv.FormatFloat(math.Abs(n.Deviation), 'f', 1, 64), dir,
		num(n.Mean), n.N, steps(n.FromStep, n.ToStep), num(n.Sigma.Value), verdict)
	if n.Normal {
		s += " A single logged value moves with its batch; judge the end of the run by the mean " + num(n.Mean) + "."
	}
	return s
}

// accuracyText says what a training accuracy measures and what it does
// not (the seed article's section 4).
func accuracyText(a *analysis.Accuracy) string {
	var b strings.Builder
	m := code(a.Metric)
	if a.FirstLevel != nil && a.FinalLevel != nil {
		fmt.Fprintf(&b, "%s averages %s over the first steps (%s) and %s over the last (%s). ", m,
			share(a.FirstLevel.Value), howText(a.FirstLevel.How), share(a.FinalLevel.Value), howText(a.FinalLevel.How))
	} else if n := len(a.Rows); n > 0 && n <= len(a.Steps) {
		fmt.Fprintf(&b, "%s went from %s at step %s to %s at step %s. ", m,
			share(a.Rows[0].Value), step(a.Steps[0]), share(a.Rows[n-1].Value), step(a.Steps[n-1]))
	}
	if a.Quantum > 0 {
		fmt.Fprintf(&b, "Each logged value is a multiple of 1/%d: it is the share of a batch of a few pairs or examples, so a single value means little; the window means above are what to read. ", a.Quantum)
	}
	switch a.Kind {
	case analysis.AccTokens:
		b.WriteString("It is the share of next tokens that match the training labels (teacher forcing): it measures how well the model reproduces its training answers, not whether it generalises or answers well; check held-out data or read generations.")
	case analysis.AccPairwise:
		if a.CopyOf != "" {
			b.WriteString("LLaMA-Factory's " + m + " is a copy of " + code(a.CopyOf) + ": ")
		} else {
			b.WriteString("It is ")
		}
		b.WriteString("the share of training pairs whose chosen answer gets a higher reward than the rejected one: fit to the training preferences, not quality on new prompts.")
		if a.NearChance && a.FinalLevel != nil {
			fmt.Fprintf(&b, " At %s it is about the 50%% chance level of a pair", share(a.FinalLevel.Value))
			if a.LossAtLn2 != nil {
				fmt.Fprintf(&b, ", and the loss ends at %s, about ln 2 = 0.693, the loss of a model that cannot yet rank the pairs", num(a.LossAtLn2.Value))
			}
			b.WriteString(": the preference is not learned yet.")
		}
	default:
		b.WriteString("It is measured on the training batches: fit to the training labels, not generalisation.")
	}
	if a.Eval != nil {
		fmt.Fprintf(&b, " Held-out %s was logged: %s at step %s (%s).", code("eval_"+a.Metric), share(a.Eval.Value), step(a.EvalStep), code(a.Eval.Source))
	} else {
		fmt.Fprintf(&b, " No held-out %s was logged.", code("eval_"+a.Metric))
	}
	return b.String()
}

// share formats a value in [0, 1] as a percentage, other values as
// numbers.
func share(v float64) string {
	if v >= 0 && v <= 1 {
		return pct(v)
	}
	return num(v)
}

// scheduleText describes the learning-rate schedule (the seed article's
// section 5). The scheduler counts only the steps it took: steps skipped
// by the fp16 loss scaler do not advance it.
func scheduleText(ls analysis.LRSchedule) string {
	switch ls.State {
	case analysis.SchedNotLogged:
		return "No learning rate was logged, so the schedule cannot be described."
	case analysis.SchedTooFew:
		return fmt.Sprintf("The learning rate was logged at %d point(s), too few to classify the schedule.", ls.Points)
	case analysis.SchedAllZero:
		return "The logged learning rate is 0 throughout: the optimizer never moved the weights (warmup longer than the run, or a wrong scheduler)."
	case analysis.SchedWarmingUp:
		return fmt.Sprintf("The learning rate was still rising when the log ends (%s at step %s): the run stopped during warmup, so the schedule after it cannot be told.",
			sci(ls.Final, 3), step(ls.LastStep))
	}
	warm := "no warmup"
	if ls.WarmupSteps > 0 {
		warm = count(ls.WarmupSteps) + " warmup steps"
	}
	fit := "the logged rates fit it exactly"
	if ls.FitError >= 1e-4 {
		fit = "the logged rates differ from it by " + pct(ls.FitError) + " of the peak (RMS)"
	}
	s := fmt.Sprintf("Schedule %s%s, peak %s, %s, final %s at step %s", em(styleStrong, clean(string(ls.Kind))), scheduleParam(ls),
		sci(ls.Peak, 3), warm, sci(ls.Final, 3), step(ls.LastStep))
	if n := int64(len(ls.Skipped)); n > 0 {
		s += fmt.Sprintf(", which is scheduler step %s of %s: the fp16 loss scaler skipped %s (grad_norm NaN, learning rate 0 or unchanged: %s), "+
			"and a skipped step does not advance the scheduler, so the run ended %s before the end of its schedule",
			stepN(ls.LastStep-n), count(ls.TotalSteps), plural(n, "step"), stepsList(ls.Skipped, 6), plural(n, "scheduler step"))
	} else {
		s += " of " + count(ls.TotalSteps)
	}
	s += "; " + fit + "."
	if ls.PoorFit {
		s += " No Transformers scheduler fits well: the closest is shown."
	}
	return s
}

// scheduleParam states a fitted kind's parameter: " (3 cycles)".
func scheduleParam(ls analysis.LRSchedule) string {
	switch ls.Kind {
	case analysis.SchedCosineRestarts:
		return fmt.Sprintf(" (%s cycles)", sig(ls.Param, 3))
	case analysis.SchedPolynomial:
		if ls.Param != 0 {
			return fmt.Sprintf(" (power %s)", sig(ls.Param, 3))
		}
	case analysis.SchedCosineMinLR:
		return fmt.Sprintf(" (min_lr_rate %s)", sig(ls.Param, 3))
	case analysis.SchedWarmupStableDecay:
		return fmt.Sprintf(" (%s decay from step %s)", clean(ls.DecayShape), step(int64(ls.Param)))
	case analysis.SchedReduceLROnPlateau:
		return fmt.Sprintf(" (%s down)", plural(int64(ls.Param), "step"))
	}
	return ""
}

// plural says "1 step", "3 steps".
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return count(n) + " " + what + "s"
}

// stepsList lists steps, at most n of them: "steps 3, 5 and 2 more".
func stepsList(ss []int64, n int) string {
	var parts []string
	for i, s := range ss {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(ss)-n))
			break
		}
		parts = append(parts, step(s))
	}
	word := "steps "
	if len(ss) == 1 {
		word = "step "
	}
	return word + strings.Join(parts, ", ")
}

// throughputNotes are the facts of the throughput section that its
// table does not show: how a missing runtime was measured, tokens seen,
// why there is no cost, and inflated rates.
func throughputNotes(tp analysis.Throughput) []string {
	var notes []string
	switch tp.RuntimeFrom {
	case analysis.RuntimeProgress:
		notes = append(notes, "No "+code("train_runtime")+" was logged: the runtime is the elapsed time of the last progress bar.")
	case analysis.RuntimeElapsed:
		notes = append(notes, "No "+code("train_runtime")+" was logged: the runtime is the elapsed time logged at step "+step(tp.RuntimeToStep)+".")
	case analysis.RuntimeWallClock:
		notes = append(notes, fmt.Sprintf("No %s was logged: the runtime is the wall-clock time from step %s to step %s (the time before the first log is not counted).",
			code("train_runtime"), step(tp.RuntimeFromStep), step(tp.RuntimeToStep)))
	}
	if t := tp.TokensSeen; t != nil {
		notes = append(notes, metricValue("num_tokens", t.Value)+" input tokens seen ("+code(t.Source)+").")
	}
	if tp.GPUHours != nil && tp.Cost == nil {
		notes = append(notes, "No cost: no price was given; pass "+code("--gpu-hour-price PRICE")+" to get it.")
	}
	if tp.RatesInflated {
		notes = append(notes, "The Trainer computes its per-second rates from the planned steps, so they are inflated when training stops early.")
	}
	return notes
}

// roleText says what a checkpoint is good for, from its main role.
func roleText(row analysis.CheckpointRow, rows []analysis.CheckpointRow) string {
	if len(row.Roles) == 0 {
		return ""
	}
	var parts []string
	for i, role := range row.Roles {
		t := oneRole(role, row, rows)
		if i > 0 {
			t = "also the " + t
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "; ")
}

func oneRole(role analysis.Role, row analysis.CheckpointRow, rows []analysis.CheckpointRow) string {
	loss := func() string {
		if row.TrainLoss == nil {
			return ""
		}
		return num(row.TrainLoss.Value)
	}
	switch role {
	case analysis.RoleFinal:
		return "final weights: default for deployment and verification"
	case analysis.RoleLatest:
		return "latest checkpoint on disk (the end of training was not saved): default for deployment and verification"
	case analysis.RoleSameAsFinal:
		final := ""
		for _, o := range rows {
			if o.Path != row.Path && hasRole(o, analysis.RoleFinal) {
				final = " as " + code(o.Path)
			}
		}
		return "last checkpoint (step " + stepN(row.Step) + "): the same step" + final + "; resume training from here"
	case analysis.RoleLate:
		return "late checkpoint (step " + stepN(row.Step) + "): A/B test against the final weights if their generations look off"
	case analysis.RoleLowLoss:
		end := ""
		for _, o := range rows {
			if (hasRole(o, analysis.RoleFinal) || hasRole(o, analysis.RoleLatest)) && o.TrainLoss != nil {
				end = " vs " + num(o.TrainLoss.Value) + " at the end"
			}
		}
		return "loss already low (" + loss() + end + "): try it to reduce the risk of overfitting"
	case analysis.RoleEarlier:
		return "earlier, less trained (loss " + loss() + "): fall back here if later checkpoints overfit"
	case analysis.RoleIntermediate:
		if l := loss(); l != "" {
			return "intermediate checkpoint (loss " + l + ")"
		}
		return "intermediate checkpoint (no loss logged at its step)"
	case analysis.RoleBestEval:
		if row.Eval != nil {
			return "best evaluation (" + num(row.Eval.Value) + "): the one to ship when held-out quality matters"
		}
		return "best evaluation: the one to ship when held-out quality matters"
	}
	return clean(string(role))
}

func hasRole(row analysis.CheckpointRow, role analysis.Role) bool {
	for _, r := range row.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// recommendText says why the recommended checkpoint is the one to use.
func recommendText(r *analysis.Report) string {
	rec := r.CheckpointsRecommended
	e := r.Eval
	switch rec.Basis {
	case analysis.RecNone:
		s := "No checkpoint directory was found next to the logs, so none can be recommended; pass the output directory that holds the " + code("checkpoint-N") + " folders."
		if rec.BestStep >= 0 {
			s += " The best evaluation was at step " + step(rec.BestStep) + ": use " + code("checkpoint-"+step(rec.BestStep)) + " if you still have it."
		}
		return s
	case analysis.RecBestEval:
		return fmt.Sprintf("It has the best %s, %s at step %s.", code(e.Metric), citedPtr(rec.Eval), step(rec.BestStep))
	case analysis.RecBetweenEvals:
		if len(rec.Between) == 2 {
			lo, hi := rec.Between[0], rec.Between[1]
			return fmt.Sprintf("The best evaluation (%s %s at step %s) has no checkpoint on disk. This one was saved between the evaluations at steps %s (%s) and %s (%s), both better than any checkpoint evaluated at its own step: if %s moved steadily between them, it is no worse than the worse of the two.",
				code(e.Metric), citedPtr(e.Best), step(rec.BestStep), stepMark(lo.Step, lo.StepEstimated), cited(lo.Value, lo.Source),
				stepMark(hi.Step, hi.StepEstimated), cited(hi.Value, hi.Source), code(e.Metric))
		}
	case analysis.RecBestRemaining, analysis.RecLatestNoEval:
		s := fmt.Sprintf("The best evaluation (%s %s at step %s) has no checkpoint on disk: it was deleted (save_total_limit) or never saved.",
			code(e.Metric), citedPtr(e.Best), step(rec.BestStep))
		if rec.Basis == analysis.RecLatestNoEval {
			return s + " No remaining checkpoint has an evaluation; this is the latest."
		}
		return s + " This one has the best " + code(e.Metric) + " among the checkpoints that remain, " + citedPtr(rec.Eval) + "."
	case analysis.RecFinalHealthy:
		return "No eval was logged and nothing abnormal happens near the end, so the final checkpoint is the one to use; check it by generating from it."
	case analysis.RecBeforeAnomaly:
		return "It is the last checkpoint before the anomaly at step " + step(rec.Anomaly) + " (" + kindName(rec.AnomalyKind) + ")."
	case analysis.RecAnomalyNoEarly:
		return "An anomaly at step " + step(rec.Anomaly) + " (" + kindName(rec.AnomalyKind) + "), and no checkpoint precedes it: inspect it before using it."
	}
	return ""
}

// citedPtr formats a cited value, or n/a.
func citedPtr(c *analysis.Cited) string {
	if c == nil {
		return notAvailable
	}
	return cited(c.Value, c.Source)
}

// earlyStopText says what one replayed EarlyStoppingCallback setting
// would have done.
func earlyStopText(x analysis.EarlyStop) string {
	set := fmt.Sprintf("EarlyStoppingCallback(patience=%d, threshold=%s)", x.Patience, num(x.Threshold))
	if x.StopStep < 0 {
		return set + " would not have stopped the run."
	}
	return fmt.Sprintf("%s would have stopped at step %s, keeping the best checkpoint of step %s.", set, step(x.StopStep), step(x.BestStep))
}

// evalText sums up the evaluations: the best, the last, and whether the
// rise after the best is overfitting.
func evalText(e analysis.Eval) string {
	if len(e.Rows) == 0 || e.Best == nil || e.Last == nil {
		return ""
	}
	if len(e.Rows) == 1 {
		return fmt.Sprintf("1 evaluation of %s: %s at step %s. One evaluation shows no trend, so overfitting cannot be judged yet; evaluate more often (a smaller %s) to see one.",
			code(e.Metric), citedPtr(e.Best), step(e.BestStep), code("eval_steps"))
	}
	word := "minimum"
	if e.Greater {
		word = "maximum"
	}
	last := e.Rows[len(e.Rows)-1]
	s := fmt.Sprintf("%d evaluations of %s. Its %s is %s at step %s; the last is %s at step %s, %s eval noise sigmas (sigma %s) from the best.",
		len(e.Rows), code(e.Metric), word, citedPtr(e.Best), step(e.BestStep), citedPtr(e.Last), step(last.Step),
		strconv.FormatFloat(e.RiseSigma, 'f', 1, 64), num(e.Noise))
	switch {
	case e.Overfitting:
		s += fmt.Sprintf(" Overfitting since step %s: %s got worse by %s over the %d later evaluations (more than the threshold %s) while the train loss did not rise.",
			step(e.Since), code(e.Metric), num(math.Abs(e.Last.Value-e.Best.Value)), e.After, num(e.Threshold))
	case e.After == 0:
		s += " The best evaluation is the last one: no sign of overfitting."
	case e.TrainRose:
		s += " The eval metric worsened, but so did the train loss: that is instability, not overfitting."
	case e.After < 2:
		s += fmt.Sprintf(" Only %d evaluation follows the best: too few to call a rise.", e.After)
	default:
		s += fmt.Sprintf(" The later evaluations stay within the threshold %s (the larger of %s noise sigmas and 1%% of the best): no overfitting measured.",
			num(e.Threshold), sig(analysis.OverfitZ, 2))
	}
	return s
}

// noEvalAdvice says how to measure overfitting next time.
func noEvalAdvice() string {
	return "Hold out 5-10% of the data as an eval split and set " + code(`eval_strategy="steps"`) + " with " + code("eval_steps") +
		" (e.g. the same as " + code("save_steps") + ") so that the Trainer logs " + code("eval_loss") + "; with " +
		code("load_best_model_at_end=True") + " and " + code(`metric_for_best_model="eval_loss"`) + " it also keeps the best checkpoint."
}

// gapText says what one comparison of a summary's final eval value shows.
func gapText(g analysis.SummaryGap) string {
	if g.Test {
		if g.Agree {
			return fmt.Sprintf("%s %s and %s %s agree within %s", code(g.Eval.Name), num(g.Eval.Value), code(g.Against.Name), num(g.Against.Value), wholePct(analysis.SummaryGapRel))
		}
		return fmt.Sprintf("%s %s but %s %s", code(g.Eval.Name), cited(g.Eval.Value, g.Eval.Source), code(g.Against.Name), cited(g.Against.Value, g.Against.Source))
	}
	s := fmt.Sprintf("%s %s against %s %s at the last training step %s", code(g.Eval.Name), num(g.Eval.Value),
		code(g.Against.Name), cited(g.Against.Value, g.Against.Source), step(g.Step))
	if g.NearChance {
		s += ": near 0.5, the chance level of a preference pair, so the preference barely carries over to held-out pairs"
	}
	return s
}

// testWorseText explains a test split far worse than the eval split.
const testWorseText = "The test split scores far worse than the eval split: the eval data do not represent the test data " +
	"(another distribution, or eval examples that leaked into training or were used to pick the model), so the eval numbers overstate quality; trust the test split."

// hintText says one indirect sign of memorisation.
func hintText(h analysis.Hint) string {
	switch h.Kind {
	case analysis.HintHighAccuracy:
		return fmt.Sprintf("%s reaches %s at step %s (%s): the model reproduces its training labels almost token for token, which is what memorisation looks like.",
			code(h.Metric), num(h.Value), step(h.Step), code(h.Source))
	case analysis.HintFarBelow:
		return fmt.Sprintf("the final train loss level %s is %s below the first-epoch median %s: the model has seen each example %d times and fits the training set far better than it did in the first pass.",
			num(h.Value), wholePct(1-h.Value/h.Ref), num(h.Ref), h.Count)
	case analysis.HintStaircase:
		return fmt.Sprintf("the train loss drops at %s (a staircase): seeing the same examples again lowers their loss at once, a sign of memorisation.",
			pluralY(int64(h.Count), "epoch boundar"))
	}
	return "no indirect sign of memorisation was found, but without an eval split this proves nothing."
}

// pluralY says "1 epoch boundary", "2 epoch boundaries".
func pluralY(n int64, stem string) string {
	if n == 1 {
		return "1 " + stem + "y"
	}
	return count(n) + " " + stem + "ies"
}
