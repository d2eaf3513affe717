package analysis

import (
	"math"
	"sort"
	"strings"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// overfitZ is the rise of the eval metric above its best, in eval noise
// sigmas, beyond which the rise is not noise.
const overfitZ = 2.0

// evaluate builds the generalisation section (methods §7) from the eval
// evidence ev (see evalEvidence: the metric, the best level, the noise
// and the persistence of a worsening), so that the section and the
// verdict say the same. Each evaluation becomes a row with the train
// loss logged at the same step and the gap. The best evaluation is the
// first minimum (maximum when greater is better), as the Trainer's
// strict comparison keeps it. Overfitting is the verdict's rule (see
// EvalEvidence.Overfitting). EarlyStoppingCallback is replayed for a few
// settings. Without eval, the section says that overfitting cannot be
// measured, how to add a held-out split, and lists hints, labelled as
// hints.
func evaluate(run *analyzer, ev *EvalEvidence, opts Options) Eval {
	if ev == nil {
		return noEval(run, opts)
	}
	c := finiteCurve(run, ev.Metric)
	e := Eval{Present: true, Metric: ev.Metric, Greater: ev.Greater}
	train := run.Get("loss")
	for i := range c.len() {
		p := c.point(i)
		row := EvalRow{Step: p.Step, Epoch: p.Epoch, Value: p.Value, Source: p.Source.String(), StepEstimated: stepEstimate(p)}
		if tp, ok := train.At(p.Step); ok && tp.Finite() {
			row.TrainLoss = &Cited{Value: tp.Value, Source: tp.Source.String()}
			row.Gap = p.Value - tp.Value
		}
		e.Rows = append(e.Rows, row)
	}
	e.BestStep = ev.BestStep
	best, last := ev.Best, ev.Last
	e.Best, e.Last = &best, &last
	e.RiseSigma = ev.RiseSigma
	e.Overfitting = ev.Overfitting()
	if e.Overfitting {
		e.Since = ev.BestLevelStep
	}
	e.EarlyStop = replayEarlyStopping(c)
	e.Noise, e.Threshold, e.After, e.TrainRose = ev.Noise, ev.Threshold, ev.After, ev.TrainWorse
	return e
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
				es.BestStep = ev.step(i)
			}
			if counter >= s.patience {
				es.StopStep = ev.step(i)
				break
			}
		}
		out = append(out, es)
	}
	return out
}

// noEval is the generalisation section of a run without per-step
// evaluation: the final values of an end-of-run summary, if any, and
// hints of memorisation.
func noEval(run *analyzer, opts Options) Eval {
	e := Eval{BestStep: -1, Metric: "eval_loss"}
	e.Hints = noEvalHints(run)
	e.Other, e.Gaps, e.TestWorse = summaryEvals(run)
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
// end-of-run summary (all_results.json, wandb-summary.json), each with
// its source, the comparisons of eval values with the last training
// value and with the test value of the same metric, and whether the test
// split scores far worse than the eval split.
func summaryEvals(run *analyzer) (out []Named, gaps []SummaryGap, testWorse bool) {
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
		return nil, nil, false
	}
	sort.Strings(keys)
	named := func(k string, v trainlog.Value) Named {
		return Named{Name: k, Value: v.Value, Source: v.Source.String()}
	}
	for _, k := range keys {
		v := run.Summary[k]
		out = append(out, named(k, v))
		name, ok := strings.CutPrefix(k, "eval_")
		if !ok {
			continue
		}
		if c := finiteCurve(run, name); c.len() > 0 && keyMetric(name) {
			last := c.point(c.len() - 1)
			gaps = append(gaps, SummaryGap{Eval: named(k, v), Against: Named{Name: name, Value: last.Value, Source: last.Source.String()},
				Step: last.Step, NearChance: name == "rewards/accuracies" && v.Value < 0.6})
		}
		t, ok := run.Summary["test_"+name]
		if !ok || !finite(t.Value) || v.Value == 0 {
			continue
		}
		agree := math.Abs(t.Value-v.Value) <= summaryGapRel*math.Abs(v.Value)
		gaps = append(gaps, SummaryGap{Eval: named(k, v), Against: named("test_"+name, t), Test: true, Agree: agree})
		testWorse = testWorse || !agree
	}
	return out, gaps, testWorse
}

// noEvalHints lists indirect signs of memorisation: a training accuracy
// of 95% or more, a final loss under half the first epoch's median, loss
// drops at epoch boundaries; or a HintNone, which proves nothing.
func noEvalHints(run *analyzer) []Hint {
	var hints []Hint
	for _, name := range []string{"mean_token_accuracy", "accuracy"} {
		c := finiteCurve(run, name)
		if c.len() == 0 {
			continue
		}
		last := c.point(c.len() - 1)
		if last.Value >= 0.95 && last.Value <= 1 {
			hints = append(hints, Hint{Kind: HintHighAccuracy, Metric: name, Value: last.Value, Step: last.Step, Source: last.Source.String()})
		}
		break
	}
	loss := finiteCurve(run, "loss")
	bounds := epochBoundaries(run)
	if loss.len() >= 10 && len(bounds) > 0 {
		i1 := sort.Search(loss.len(), func(i int) bool { return loss.step(i) >= bounds[0] })
		if i1 > 0 {
			firstEpoch := stats.Median(loss.y[:i1])
			end := stats.Median(loss.y[loss.tailStart(0.1, 5):])
			if end < 0.5*firstEpoch {
				hints = append(hints, Hint{Kind: HintFarBelow, Metric: "loss", Value: end, Ref: firstEpoch, Count: len(bounds) + 1})
			}
		}
		if n := epochDrops(loss, bounds); n > 0 {
			hints = append(hints, Hint{Kind: HintStaircase, Metric: "loss", Count: n})
		}
	}
	if len(hints) == 0 {
		hints = append(hints, Hint{Kind: HintNone})
	}
	return hints
}

// An epochDrop is the loss level just before and just after an epoch
// boundary.
type epochDrop struct {
	step          int64
	before, after float64
	source        string // the first point after the boundary
	from, to      int64  // the steps of the windows compared: the drop's evidence
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
		i := sort.Search(c.len(), func(i int) bool { return c.step(i) > b })
		k := max(3, min(20, c.len()/50))
		if i-k < 0 || i+k > c.len() {
			continue
		}
		before := stats.Median(c.y[i-k : i])
		after := stats.Median(c.y[i : i+k])
		if before-after > 3*1.2533*sigma*math.Sqrt(2/float64(k)) && before-after > 0.02*before {
			out = append(out, epochDrop{step: b, before: before, after: after, source: c.source(i).String(), from: c.step(i - k), to: c.step(i + k - 1)})
		}
	}
	return out
}

// epochDrops counts the epoch boundaries with a drop (epochDropList).
func epochDrops(c *curve, bounds []int64) int { return len(epochDropList(c, bounds)) }
