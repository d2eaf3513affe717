package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
)

// overfitZ is the rise of the eval metric above its best, in eval noise
// sigmas, beyond which the rise is not noise.
const overfitZ = 2.0

// evaluate builds the generalisation section (methods §7). The eval
// metric is eval_loss, or eval_accuracy (greater is better) when no eval
// loss was logged. Each evaluation becomes a row with the train loss
// logged at the same step and the gap. The best evaluation is the first
// minimum (maximum when greater is better), as the Trainer's strict
// comparison keeps it. Overfitting is a rise after the best of more than
// overfitZ eval noise sigmas (sigma from second differences, which cancel
// a trend) and more than opts.PlateauRel of the best value, over at least
// two later evaluations, while the train loss did not rise over the same
// steps. EarlyStoppingCallback is replayed for a few settings. Without
// eval, the section says that overfitting cannot be measured, how to add
// a held-out split, and lists hints, labelled as hints.
func evaluate(run *analyzer, opts Options) Eval {
	name := evalMetric(run)
	ev := finiteCurve(run, name)
	if ev.len() == 0 {
		return noEval(run, opts)
	}
	e := Eval{Present: true, Metric: name, Greater: ev.greater}
	train := run.Get("loss")
	for _, p := range ev.pts {
		row := EvalRow{Step: p.Step, Epoch: p.Epoch, Value: p.Value, Source: p.Source.String()}
		if tp, ok := train.At(p.Step); ok && tp.Finite() {
			row.TrainLoss = &Cited{Value: tp.Value, Source: tp.Source.String()}
			row.Gap = p.Value - tp.Value
		}
		e.Rows = append(e.Rows, row)
	}
	bi := 0
	for i, v := range ev.y {
		if ev.better(ev.y[bi], v) > 0 {
			bi = i
		}
	}
	best, last := ev.pts[bi], ev.pts[ev.len()-1]
	e.BestStep = best.Step
	e.Best = &Cited{Value: best.Value, Source: best.Source.String()}
	e.Last = &Cited{Value: last.Value, Source: last.Source.String()}
	sigma := evalNoise(ev.y)
	rise := ev.better(last.Value, best.Value) // > 0 when last is worse
	if sigma > 0 {
		e.RiseSigma = rise / sigma
	}
	after := ev.len() - 1 - bi
	threshold := math.Max(overfitZ*sigma, opts.PlateauRel*math.Abs(best.Value))
	trainRose := trainRoseBetween(run, best.Step, last.Step)
	e.Overfitting = after >= 2 && rise > threshold && !trainRose
	if e.Overfitting {
		e.Since = best.Step
	}
	e.EarlyStop = replayEarlyStopping(ev)
	e.Text = evalText(e, ev, bi, sigma, threshold, after, trainRose)
	return e
}

// evalMetric chooses the eval series: eval_loss, else an accuracy.
func evalMetric(run *analyzer) string {
	for _, n := range []string{"eval_loss", "eval_accuracy"} {
		if finiteCurve(run, n).len() > 0 {
			return n
		}
	}
	return "eval_loss"
}

// evalNoise estimates the noise of an eval series from its second
// differences, falling back to successive differences for 3 points.
func evalNoise(ys []float64) float64 {
	s := stats.RobustDiff2Sigma(ys)
	if !(s > 0) {
		s = stats.DiffSigma(ys) / 2
	}
	if math.IsNaN(s) {
		return 0
	}
	return s
}

// trainRoseBetween reports a train loss that rose significantly between
// two steps (then a rising eval is divergence, not overfitting).
func trainRoseBetween(run *analyzer, from, to int64) bool {
	c := finiteCurve(run, "loss")
	if c.len() == 0 {
		return false
	}
	i0 := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step >= from })
	i1 := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step > to })
	if i1-i0 < 5 {
		return false
	}
	mk := stats.MannKendall(c.y[i0:i1], 0, true)
	return mk.P < trendAlpha && mk.Z > 0
}

// replayEarlyStopping replays Transformers' EarlyStoppingCallback
// (trainer_callback.py) on the eval series for (patience, threshold) in
// {(1, 0), (3, 0), (3, 1% of the best value)}: an evaluation resets the
// patience counter when it beats state.best_metric by more than the
// threshold, otherwise the counter grows, and training stops when it
// reaches the patience. state.best_metric itself is updated by the
// Trainer after the callback on any strict improvement, threshold or not.
func replayEarlyStopping(ev *curve) []EarlyStop {
	bestAbs := math.Abs(ev.y[0])
	for _, v := range ev.y {
		if ev.better(bestAbs, math.Abs(v)) > 0 {
			bestAbs = math.Abs(v)
		}
	}
	settings := []struct {
		patience  int
		threshold float64
	}{{1, 0}, {3, 0}, {3, 0.01 * bestAbs}}
	var out []EarlyStop
	for _, s := range settings {
		es := EarlyStop{Patience: s.patience, Threshold: s.threshold, StopStep: -1, BestStep: -1}
		var best float64
		have := false
		counter := 0
		for i, v := range ev.y {
			if !have || (ev.better(best, v) > 0 && math.Abs(v-best) > s.threshold) {
				counter = 0
			} else {
				counter++
			}
			if !have || ev.better(best, v) > 0 {
				best, have = v, true
				es.BestStep = ev.pts[i].Step
			}
			if counter >= s.patience {
				es.StopStep = ev.pts[i].Step
				break
			}
		}
		if es.StopStep >= 0 {
			es.Text = fmt.Sprintf("EarlyStoppingCallback(patience=%d, threshold=%s) would have stopped at step %d, keeping the best checkpoint of step %d.",
				s.patience, fmtNum(s.threshold), es.StopStep, es.BestStep)
		} else {
			es.Text = fmt.Sprintf("EarlyStoppingCallback(patience=%d, threshold=%s) would not have stopped the run.", s.patience, fmtNum(s.threshold))
		}
		out = append(out, es)
	}
	return out
}

func evalText(e Eval, ev *curve, bi int, sigma, threshold float64, after int, trainRose bool) string {
	word := "minimum"
	if e.Greater {
		word = "maximum"
	}
	if ev.len() == 1 {
		return fmt.Sprintf("1 evaluation of %s: %s at step %d (%s). One evaluation shows no trend, so overfitting cannot be judged yet; evaluate more often (a smaller eval_steps) to see one.",
			e.Metric, fmtNum(e.Best.Value), e.BestStep, e.Best.Source)
	}
	s := fmt.Sprintf("%d evaluations of %s. Its %s is %s at step %d (%s); the last is %s at step %d (%s), %.1f eval noise sigmas (sigma %s) from the best.",
		ev.len(), e.Metric, word, fmtNum(e.Best.Value), e.BestStep, e.Best.Source, fmtNum(e.Last.Value), ev.pts[ev.len()-1].Step, e.Last.Source, e.RiseSigma, fmtNum(sigma))
	switch {
	case e.Overfitting:
		s += fmt.Sprintf(" Overfitting since step %d: %s got worse by %s over the %d later evaluations (more than the threshold %s) while the train loss did not rise.",
			e.Since, e.Metric, fmtNum(math.Abs(e.Last.Value-e.Best.Value)), after, fmtNum(threshold))
	case after == 0:
		s += " The best evaluation is the last one: no sign of overfitting."
	case trainRose:
		s += " The eval metric worsened, but so did the train loss: that is instability, not overfitting."
	case after < 2:
		s += fmt.Sprintf(" Only %d evaluation follows the best: too few to call a rise.", after)
	default:
		s += fmt.Sprintf(" The later evaluations stay within the threshold %s (the larger of %.0f noise sigmas and %s of the best): no overfitting measured.",
			fmtNum(threshold), overfitZ, "1%")
	}
	return s
}

// noEval explains why overfitting cannot be measured and lists hints.
func noEval(run *analyzer, opts Options) Eval {
	e := Eval{BestStep: -1, Metric: "eval_loss"}
	e.Text = "No evaluation was logged, so overfitting cannot be measured: the train loss only shows how well the model fits the training set. " +
		"Hold out 5-10% of the data as an eval split and set eval_strategy=\"steps\" with eval_steps (e.g. the same as save_steps) so that the Trainer logs eval_loss; " +
		"with load_best_model_at_end=True and metric_for_best_model=\"eval_loss\" it also keeps the best checkpoint."
	e.Hints = noEvalHints(run)
	if other, _, gaps := summaryEvals(run); len(other) > 0 {
		e.Other = other
		e.Text = "No per-step evaluation was logged, only the final eval or test values of the end-of-run summary, so overfitting over time cannot be measured."
		if len(gaps) > 0 {
			e.Text += " " + capitalise(strings.Join(gaps, "; ")) + "."
		}
		e.Text += " Next time set eval_strategy=\"steps\" with eval_steps (e.g. the same as save_steps) so that the Trainer logs eval_loss during training; " +
			"with load_best_model_at_end=True and metric_for_best_model=\"eval_loss\" it also keeps the best checkpoint."
	}
	return e
}

// keyMetric reports the summary metrics worth a sentence: losses,
// accuracies and preference margins.
func keyMetric(name string) bool {
	for _, k := range []string{"loss", "accurac", "margin"} {
		if strings.Contains(name, k) && !strings.Contains(name, "odds") && !strings.Contains(name, "sft") {
			return true
		}
	}
	return false
}

// summaryGapRel is the relative difference between an eval and a test
// value of the same metric beyond which the two splits are said to
// disagree.
const summaryGapRel = 0.1

// summaryEvals returns the final eval_* and test_* values of the
// end-of-run summary (all_results.json, wandb-summary.json), each quoted
// with its source, and the comparisons of eval with test values of the
// same metric.
func summaryEvals(run *analyzer) (out []Cited, parts, gaps []string) {
	wide := false
	var keys []string
	for k, v := range run.Summary {
		if !(strings.HasPrefix(k, "eval_") || strings.HasPrefix(k, "test_")) || !finite(v.Value) {
			continue
		}
		if strings.HasSuffix(k, "_runtime") || strings.HasSuffix(k, "_per_second") {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, nil, nil
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := run.Summary[k]
		out = append(out, *citeValue(v))
		parts = append(parts, fmt.Sprintf("%s %s (%s)", k, fmtNum(v.Value), v.Source))
		name, ok := strings.CutPrefix(k, "eval_")
		if !ok {
			continue
		}
		if c := finiteCurve(run, name); c.len() > 0 && keyMetric(name) {
			last := c.pts[c.len()-1]
			gap := fmt.Sprintf("%s %s against %s %s at the last training step %d (%s)", k, fmtNum(v.Value), name, fmtNum(last.Value), last.Step, last.Source)
			if name == "rewards/accuracies" && v.Value < 0.6 {
				gap += ": near 0.5, the chance level of a preference pair, so the preference barely carries over to held-out pairs"
			}
			gaps = append(gaps, gap)
		}
		t, ok := run.Summary["test_"+name]
		if !ok || !finite(t.Value) || v.Value == 0 {
			continue
		}
		d := math.Abs(t.Value - v.Value)
		if d > summaryGapRel*math.Abs(v.Value) {
			gaps = append(gaps, fmt.Sprintf("%s %s but test_%s %s (%s)", k, fmtNum(v.Value), name, fmtNum(t.Value), t.Source))
			wide = true
		} else {
			gaps = append(gaps, fmt.Sprintf("%s %s and test_%s %s agree within %.0f%%", k, fmtNum(v.Value), name, fmtNum(t.Value), 100*summaryGapRel))
		}
	}
	if wide {
		gaps = append(gaps, "the test split scores far worse than the eval split: the eval data do not represent the test data (another distribution, or eval examples that leaked into training or were used to pick the model), so the eval numbers overstate quality; trust the test split")
	}
	return out, parts, gaps
}

// noEvalHints lists indirect signs of memorisation, each labelled as a
// hint.
func noEvalHints(run *analyzer) []string {
	var hints []string
	for _, name := range []string{"mean_token_accuracy", "accuracy"} {
		c := finiteCurve(run, name)
		if c.len() == 0 {
			continue
		}
		last := c.pts[c.len()-1]
		if last.Value >= 0.95 && last.Value <= 1 {
			hints = append(hints, fmt.Sprintf("Hint (not a measurement): %s reaches %s at step %d (%s): the model reproduces its training labels almost token for token, which is what memorisation looks like.",
				name, fmtNum(last.Value), last.Step, last.Source.String()))
		}
		break
	}
	loss := finiteCurve(run, "loss")
	bounds := epochBoundaries(run)
	if loss.len() >= 10 && len(bounds) > 0 {
		i1 := sort.Search(loss.len(), func(i int) bool { return loss.pts[i].Step >= bounds[0] })
		if i1 > 0 {
			firstEpoch := stats.Median(loss.y[:i1])
			end := stats.Median(loss.y[loss.tailStart(0.1, 5):])
			if end < 0.5*firstEpoch {
				hints = append(hints, fmt.Sprintf("Hint (not a measurement): the final train loss level %s is %s below the first-epoch median %s: the model has seen each example %d times and fits the training set far better than it did in the first pass.",
					fmtNum(end), fmtShare(1-end/firstEpoch), fmtNum(firstEpoch), len(bounds)+1))
			}
		}
		if n := epochDrops(loss, bounds); n > 0 {
			hints = append(hints, fmt.Sprintf("Hint (not a measurement): the train loss drops at %d epoch boundar%s (a staircase): seeing the same examples again lowers their loss at once, a sign of memorisation.",
				n, plural(n, "y", "ies")))
		}
	}
	if len(hints) == 0 {
		hints = append(hints, "Hint: no indirect sign of memorisation was found, but without an eval split this proves nothing.")
	}
	return hints
}

// An epochDrop is the loss level just before and just after an epoch
// boundary.
type epochDrop struct {
	step          int64
	before, after float64
	source        string
}

// epochDropList returns the epoch boundaries where the loss drops by more
// than 3 standard errors of the two window medians and by more than 2%:
// the windows hold k points on each side (3 to 20, 2% of the curve).
func epochDropList(c *curve, bounds []int64) []epochDrop {
	if c.len() < 10 {
		return nil
	}
	sigma := noiseSigma(c.y)
	var out []epochDrop
	for _, b := range bounds {
		i := sort.Search(c.len(), func(i int) bool { return c.pts[i].Step > b })
		k := max(3, min(20, c.len()/50))
		if i-k < 0 || i+k > c.len() {
			continue
		}
		before := stats.Median(c.y[i-k : i])
		after := stats.Median(c.y[i : i+k])
		if before-after > 3*1.2533*sigma*math.Sqrt(2/float64(k)) && before-after > 0.02*before {
			out = append(out, epochDrop{step: b, before: before, after: after, source: c.pts[i].Source.String()})
		}
	}
	return out
}

// epochDrops counts the epoch boundaries with a drop (epochDropList).
func epochDrops(c *curve, bounds []int64) int { return len(epochDropList(c, bounds)) }

// fmtShare formats a fraction as a whole percentage, with one decimal
// near 100% so that 99.9% is not rounded to 100%.
func fmtShare(f float64) string {
	if f > 0.99 && f < 1 {
		return fmt.Sprintf("%.1f%%", 100*f)
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
