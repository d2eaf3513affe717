package analysis

import (
	"fmt"
	"math"
	"os"
	"testing"
)

// The classes of error the previous decision made on runs it had never
// seen (issue 9), each as a generated run read through the real pipeline
// (a trainer_state.json, trainlog.Load, Analyze), and each varied over
// lengths from 30 to 5000 points, logging cadences, noise levels and
// noise correlation, so that no threshold is tuned to one instance.

// A variation is one length, cadence, noise and correlation.
type variation struct {
	points, every int
	noise, ar     float64
	seed          uint64
}

func (v variation) String() string {
	return fmt.Sprintf("n=%d every=%d noise=%g ar=%g seed=%d", v.points, v.every, v.noise, v.ar, v.seed)
}

// variations returns the grid of a class: every length with each cadence,
// noise level and correlation; with PLATEAU_LONG_TESTS set, three
// cadences and two seeds each.
func variations(points []int, noises []float64) []variation {
	cadences, seeds := []int{1, 50}, uint64(1)
	if os.Getenv("PLATEAU_LONG_TESTS") != "" {
		cadences, seeds = []int{1, 10, 50}, 2
	}
	var out []variation
	for _, n := range points {
		for _, every := range cadences {
			for _, noise := range noises {
				for _, ar := range []float64{0, 0.4} {
					for seed := uint64(1); seed <= seeds; seed++ {
						out = append(out, variation{points: n, every: every, noise: noise, ar: ar, seed: seed*7919 + uint64(n) + uint64(every) + uint64(1000*ar)})
					}
				}
			}
		}
	}
	return out
}

// allLengths spans short and long runs; testing.Short trims the grid.
func allLengths() []int {
	if testing.Short() {
		return []int{30, 300}
	}
	return []int{30, 100, 300, 1000, 5000}
}

// checkClass runs check on every variation and fails when more than
// maxFail of them fail. A class decided by the structure of the log (no
// learning signal, a climb thirty-fold) allows none; a class decided
// against the noise allows a few: the tests behind the verdict have
// false-positive rates of 1-5% by design, and a grid of dozens of noise
// realizations hits them.
func checkClass(t *testing.T, maxFail float64, vs []variation, gen func(v variation) synthRun, check func(r *Report) error) {
	t.Helper()
	var bad []string
	for _, v := range vs {
		r := gen(v).analyze(t)
		if err := check(r); err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v (verdict %s by %s; %s)", v, err, r.Verdict.Status, r.Verdict.Reason.Rule, debugLine(r)))
		}
	}
	for _, b := range bad {
		t.Log(b)
	}
	if float64(len(bad)) > maxFail*float64(len(vs)) {
		t.Errorf("%d of %d variations failed, at most %.0f%% may", len(bad), len(vs), 100*maxFail)
	}
}

// Tolerances of checkClass.
const (
	structural = 0
	noiseBound = 0.05
)

func wantStatus(want ...Status) func(r *Report) error {
	return func(r *Report) error {
		for _, s := range want {
			if r.Verdict.Status == s {
				return nil
			}
		}
		return fmt.Errorf("status %s, want one of %v", r.Verdict.Status, want)
	}
}

func notStatus(bad Status) func(r *Report) error {
	return func(r *Report) error {
		if r.Verdict.Status == bad {
			return fmt.Errorf("status %s", bad)
		}
		return nil
	}
}

// TestClassAbsenceOfEvidence: a loss that falls steadily to the end,
// about 3% per fifth of the run, is improving, however short its final
// window: a segment too short to be significant is not a plateau.
func TestClassAbsenceOfEvidence(t *testing.T) {
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.003, 0.01}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: func(p float64) float64 { return 2 * math.Exp(-0.16*p) },
			noise: v.noise, ar: v.ar, lr: constSched, seed: v.seed}
	}, wantStatus(StatusImproving))
}

// TestClassDivergenceClimbing: a loss that climbs at almost every log
// from 1.0 to 30 diverged.
func TestClassDivergenceClimbing(t *testing.T) {
	checkClass(t, structural, variations(allLengths(), []float64{0.01, 0.05}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: func(p float64) float64 { return math.Exp(math.Log(30) * p) },
			noise: v.noise, ar: v.ar, lr: constSched, seed: v.seed}
	}, wantStatus(StatusDiverged))
}

// TestClassDivergenceBlowUp: a loss that falls, blows up far above its
// start at 30% of the run and then sits flat diverged: it is not a
// plateau.
func TestClassDivergenceBlowUp(t *testing.T) {
	checkClass(t, structural, variations(allLengths(), []float64{0.01, 0.05}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: func(p float64) float64 {
			if p > 0.3 {
				return 12
			}
			return expDecay(3, 1, 15)(p)
		}, noise: v.noise, ar: v.ar, lr: constSched, seed: v.seed}
	}, wantStatus(StatusDiverged))
}

// TestClassNoSignal: loss 0.0 with grad_norm 0.0 at every log is no
// learning signal (labels all masked, frozen parameters): stalled.
func TestClassNoSignal(t *testing.T) {
	checkClass(t, structural, variations(allLengths(), []float64{0}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: func(float64) float64 { return 0 }, lr: linearSched, seed: v.seed,
			extra: map[string]func(float64, int) float64{"grad_norm": func(float64, int) float64 { return 0 }}}
	}, wantStatus(StatusStalled))
}

// TestClassEpochStructure: per-step logs of a multi-epoch run whose loss
// drops at each epoch boundary and drifts up inside each epoch are not
// diverged.
func TestClassEpochStructure(t *testing.T) {
	const epochs = 5
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.005, 0.02}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, epochs: epochs, curve: func(p float64) float64 {
			e := math.Min(epochs-1, math.Floor(p*epochs))
			within := p*epochs - e
			return 2 * math.Pow(0.85, e) * (1 + 0.04*within)
		}, noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed}
	}, notStatus(StatusDiverged))
}

// TestClassOneEvalDip: one low evaluation followed by values back at the
// plateau is not overfitting.
func TestClassOneEvalDip(t *testing.T) {
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.01}), func(v variation) synthRun {
		evalEvery := max(1, v.points/12)
		return synthRun{points: v.points, every: v.every, curve: expDecay(3, 1, 6), noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed,
			evalEvery: evalEvery, eval: func(k int, p float64) float64 {
				if k == 6 {
					return 0.9
				}
				return 1 + 0.003*math.Sin(float64(3*k))
			}}
	}, notStatus(StatusOverfitting))
}

// TestClassDPOSaturatedMargins: DPO margins that rose and then saturated,
// flat for the last 70% of the run while the learning rate is still near
// its peak, are converged, not stalled.
func TestClassDPOSaturatedMargins(t *testing.T) {
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.05}), func(v variation) synthRun {
		margins := func(p float64) float64 { return 2 * (1 - math.Exp(-12*p)) }
		return synthRun{points: v.points, every: v.every, metric: "rewards/margins", curve: margins, additive: true,
			noise: v.noise, ar: v.ar, lr: cosineSched, seed: v.seed,
			extra: map[string]func(float64, int) float64{
				"loss":           func(p float64, _ int) float64 { return math.Log1p(math.Exp(-margins(p))) },
				"rewards/chosen": func(p float64, _ int) float64 { return margins(p) / 2 },
			}}
	}, func(r *Report) error {
		if r.Primary != "rewards/margins" {
			return fmt.Errorf("primary %q, want rewards/margins", r.Primary)
		}
		return wantStatus(StatusConverged)(r)
	})
}

// TestClassGRPOEvalReward: for GRPO the best evaluation is chosen on the
// reward, not on a meaningless eval_loss.
func TestClassGRPOEvalReward(t *testing.T) {
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.02}), func(v variation) synthRun {
		evalEvery := max(1, v.points/10)
		return synthRun{points: v.points, every: v.every, metric: "reward", curve: func(p float64) float64 { return 0.2 + 0.5*p }, additive: true,
			noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed, evalEvery: evalEvery, evalKey: "eval_reward",
			eval: func(k int, p float64) float64 { return 0.2 + 0.5*math.Min(p, 0.6) - 0.1*math.Max(0, p-0.6) },
			extra: map[string]func(float64, int) float64{
				"reward_std": func(float64, int) float64 { return 0.3 },
				"kl":         func(p float64, _ int) float64 { return 0.01 * p },
				"loss":       func(float64, int) float64 { return 0 },
			},
			// A GRPO eval loss is about 0 and means nothing; its minimum
			// is not the best checkpoint.
			evalExtra: map[string]func(int, float64) float64{"eval_loss": func(k int, p float64) float64 { return 0.001 * math.Cos(float64(k)) }}}
	}, func(r *Report) error {
		e := r.Eval
		if !e.Present || e.Metric != "eval_reward" || !e.Greater {
			return fmt.Errorf("eval metric %q (greater %v), want eval_reward", e.Metric, e.Greater)
		}
		for _, row := range e.Rows {
			if row.Value > e.Best.Value {
				return fmt.Errorf("best eval %g at step %d, but %g at step %d is higher", e.Best.Value, e.BestStep, row.Value, row.Step)
			}
		}
		return nil
	})
}

// TestClassFlatWhileLRHigh: a loss that went flat while the learning rate
// was still 30-90% of its peak converged: the learning-rate rule is for
// a curve that fell steeply until the rate reached about 0.
func TestClassFlatWhileLRHigh(t *testing.T) {
	checkClass(t, noiseBound, variations(allLengths(), []float64{0.005, 0.02}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: expDecay(3, 1, 18), noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed}
	}, wantStatus(StatusConverged))
}

// TestClassFlatNoisyWhileLRHigh: a loss that fell fast and went flat
// while the learning rate was still 60-90% of its peak, logged with the
// noise of small batches (5-9% per log), converged: the last two fifths
// delivered a negligible share of the total improvement, even where no
// test on the last fifth alone can tell (testdata/runs/resumed).
func TestClassFlatNoisyWhileLRHigh(t *testing.T) {
	checkClass(t, noiseBound, variations(longerLengths(), []float64{0.05, 0.09}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: sigmoidDrop(4.2, 0.63, 0.25, 0.04), noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed}
	}, wantStatus(StatusConverged))
}

// TestClassLiveCutFlat: the same run read live at 55% of its planned
// steps under a cosine schedule (the rate still at half its peak) is
// converged: "can I stop now?" is yes (testdata/runs/cut_pair/cut55).
func TestClassLiveCutFlat(t *testing.T) {
	lengths := longerLengths()[1:] // the cut holds 55% of them: at least 55 points
	checkClass(t, noiseBound, variations(lengths, []float64{0.05, 0.09}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, stopAt: 0.55, curve: sigmoidDrop(4.2, 0.63, 0.1, 0.02), noise: v.noise, ar: v.ar,
			lr: cosineSched, seed: v.seed}
	}, wantStatus(StatusConverged))
}

// TestClassEvalDiminishing: five to ten evaluations whose steps shrink
// (the last two fifths bring under 2% of the eval's improvement) over a
// flat, noisy train loss are not improving: a further decrease of the
// eval loss that is a negligible share of its improvement is
// diminishing returns (testdata/runs/sweep run-a and run-b).
func TestClassEvalDiminishing(t *testing.T) {
	for _, evals := range []int{5, 10} {
		t.Run(fmt.Sprintf("%d evals", evals), func(t *testing.T) {
			checkClass(t, noiseBound, variations(longerLengths(), []float64{0.05, 0.09}), func(v variation) synthRun {
				return synthRun{points: v.points, every: v.every, curve: sigmoidDrop(4.2, 0.63, 0.25, 0.04), noise: v.noise, ar: v.ar, lr: linearSched, seed: v.seed,
					evalEvery: max(1, v.points/evals), eval: func(k int, p float64) float64 { return 0.66 + 2.4*math.Exp(-12*p) }}
			}, wantStatus(StatusConverged))
		})
	}
}

// TestClassTrainAndEvalWorsen: the eval loss bottoms and rises by 3%
// while the train loss rises by as much over the same steps (a learning
// rate too high for the task: the fit itself degrades) is not
// overfitting, which needs the train loss improving or flat
// (testdata/runs/sweep/output/run-d, whose train loss wanders by 0.3%
// per log). The training levels compared are the few points around each
// evaluation, so a noisier log cannot show a rise this small: it stays
// overfitting, the eval's rise beyond its noise being what is known.
func TestClassTrainAndEvalWorsen(t *testing.T) {
	worse := func(p float64) float64 { return 1 + 0.03*math.Min(1, math.Max(0, p-0.25)/0.15) }
	checkClass(t, noiseBound, variations(longerLengths(), []float64{0.002, 0.005}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, curve: func(p float64) float64 { return expDecay(4.4, 3.4, 20)(p) * worse(p) },
			noise: v.noise, ar: v.ar, lr: constSched, seed: v.seed,
			evalEvery: max(1, v.points/5), eval: func(k int, p float64) float64 { return expDecay(4.4, 3.38, 20)(p) * worse(p) }}
	}, notStatus(StatusOverfitting))
}

// TestForecastBounded: the 80% range of a loss forecast is built on the
// log scale, so that no level it implies is below 0, however steep the
// fall and noisy the log.
func TestForecastBounded(t *testing.T) {
	checkClass(t, structural, variations(allLengths(), []float64{0.02, 0.09}), func(v variation) synthRun {
		return synthRun{points: v.points, every: v.every, epochs: 2, stopAt: 0.6, curve: sigmoidDrop(4.2, 0.3, 0.3, 0.1), noise: v.noise, ar: v.ar,
			lr: linearSched, seed: v.seed}
	}, func(r *Report) error {
		a := r.AnotherEpoch
		if a == nil || !a.Available {
			return nil
		}
		if !a.LogScale || a.LastValue-a.GainHigh <= 0 || a.LastValue-a.ExpectedGain <= 0 {
			return fmt.Errorf("forecast from %g: gain %g [%g, %g] (log scale %v) implies a level at or below 0", a.LastValue, a.ExpectedGain, a.GainLow, a.GainHigh, a.LogScale)
		}
		return nil
	})
}

// longerLengths spans the lengths at which a noisy log can show a
// plateau at all (50 points and more); testing.Short trims the grid.
func longerLengths() []int {
	if testing.Short() {
		return []int{50, 100, 300}
	}
	return []int{50, 100, 300, 1000, 5000}
}
