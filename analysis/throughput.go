package analysis

import (
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// throughput reports speed and cost (the seed article's section 6):
// train_runtime, the progress bar's rate, the Trainer's per-second
// rates, GPU hours and, when a price is given, the cost.
func throughput(run *analyzer, opts Options) Throughput {
	var t Throughput
	sum := func(key string) *Cited {
		if v, ok := run.Summary[key]; ok && finite(v.Value) && v.Value > 0 {
			return citeValue(v)
		}
		return nil
	}
	t.RuntimeSeconds = sum("train_runtime")
	if t.RuntimeSeconds != nil {
		t.RuntimeFrom = RuntimeLogged
	} else {
		t.RuntimeSeconds, t.RuntimeFrom, t.RuntimeFromStep, t.RuntimeToStep = derivedRuntime(run)
	}
	t.SecondsPerIt = sum("tqdm_seconds_per_it")
	t.ItPerSecond = sum("tqdm_it_per_second")
	t.BarShowsSecondsPerIt = displayedRate(run, t)
	t.SamplesPerSec = sum("train_samples_per_second")
	t.StepsPerSec = sum("train_steps_per_second")
	t.TokensPerSec = sum("train_tokens_per_second")
	if t.RuntimeSeconds != nil {
		secs := t.RuntimeSeconds.Value
		gpus, basis, src := billedGPUs(run, opts)
		h := secs * float64(gpus) / 3600
		how := How{Method: MethodGPUHours, Seconds: secs, GPUs: gpus, GPUsFrom: basis}
		if src != "" {
			how.Sources = []string{src}
		}
		t.GPUHours = &Derived{Value: h, How: how}
		if opts.GPUHourPrice > 0 {
			t.GPUHourPrice = opts.GPUHourPrice
			t.Cost = &Derived{Value: h * opts.GPUHourPrice, How: How{Method: MethodCost, GPUHours: h, Price: opts.GPUHourPrice}}
		}
	}
	t.TokensSeen = tokensSeen(run)
	t.RatesInflated = t.SamplesPerSec != nil && stoppedEarly(run)
	return t
}

// displayedRate reports whether the progress bar displayed its rate as
// seconds per iteration (tqdm shows s/it below 1 it/s, it/s above; the
// console reader may store both).
func displayedRate(run *analyzer, t Throughput) bool {
	if t.SecondsPerIt == nil {
		return false
	}
	if t.ItPerSecond == nil || run == nil {
		return true
	}
	if bar := run.Info[trainlog.InfoProgress].Value; bar != "" {
		return strings.Contains(bar, "s/it")
	}
	return t.SecondsPerIt.Value >= 1
}

// derivedRuntime estimates the runtime when no train_runtime was logged:
// from the progress bar's elapsed time, else from the points' elapsed or
// wall-clock times. It returns the value, where it comes from and the
// steps it spans (0, 0 for the progress bar). A runtime read from the log
// is cited where it was read; a difference of two wall-clock times is
// derived, and its source says so and names the two times' sources
// ("derived: B − A").
func derivedRuntime(run *analyzer) (*Cited, RuntimeBasis, int64, int64) {
	if v, ok := run.Summary["tqdm_elapsed_seconds"]; ok && finite(v.Value) && v.Value > 0 {
		return citeValue(v), RuntimeProgress, 0, 0
	}
	ref := refSeries(run)
	if ref == nil {
		return nil, "", 0, 0
	}
	fi, li, n := -1, -1, 0
	for i := range ref.Len() {
		if !finite(ref.Time(i)) {
			continue
		}
		if n == 0 {
			fi = i
		}
		li = i
		n++
	}
	if n == 0 {
		return nil, "", 0, 0
	}
	first, last := ref.Point(fi), ref.Point(li)
	switch {
	case last.Time < 1e8: // elapsed seconds since the start
		return &Cited{Value: last.Time, Source: last.Source.String()}, RuntimeElapsed, 0, last.Step
	case n >= 2 && last.Time > first.Time:
		// A difference of two logged times: derived, not read anywhere.
		src := derivedPrefix + last.Source.String() + derivedMinus + first.Source.String()
		return &Cited{Value: last.Time - first.Time, Source: src}, RuntimeWallClock, first.Step, last.Step
	}
	return nil, "", 0, 0
}

// derivedPrefix starts the source of a value that was computed, not
// read: "derived: " and the sources of its inputs.
const derivedPrefix = "derived: "

// derivedMinus separates the inputs of a derived difference.
const derivedMinus = " − "

// billedGPUs returns the number of GPUs to bill, how it was chosen and
// the source of a logged count.
func billedGPUs(run *analyzer, opts Options) (int, GPUBasis, string) {
	if opts.GPUs > 0 {
		return opts.GPUs, GPUsGiven, ""
	}
	if v, ok := run.Geometry[trainlog.GeoWorldSize]; ok && v.Value >= 1 {
		return int(v.Value), GPUsLogged, v.Source.String()
	}
	return 1, GPUsAssumed1, ""
}

// tokensSeen returns the number of input tokens seen, when logged.
func tokensSeen(run *analyzer) *Cited {
	if v, ok := run.Summary["num_input_tokens_seen"]; ok && finite(v.Value) && v.Value > 0 {
		return citeValue(v)
	}
	for _, n := range []string{"num_input_tokens_seen", "num_tokens"} {
		if s := run.Get(n); s.Len() > 0 {
			if p := s.Point(s.Len() - 1); p.Finite() && p.Value > 0 {
				return citePoint(p)
			}
		}
	}
	return nil
}

// stoppedEarly reports a run that ended before its planned steps by more
// than one logging interval.
func stoppedEarly(run *analyzer) bool {
	reached, planned := stepsReached(run)
	return planned > 0 && reached > 0 && planned-reached >= max(1, loggingSteps(run))
}

// stepsReached returns the last step the run reached (the last logged
// step, or the global step or summary step when larger) and max_steps (0
// when unknown).
func stepsReached(run *analyzer) (reached, planned int64) {
	_, reached = stepRange(run)
	if v, ok := run.Summary["step"]; ok && finite(v.Value) && int64(v.Value) > reached {
		reached = int64(v.Value)
	}
	if v, ok := run.Geometry[trainlog.GeoGlobalStep]; ok && finite(v.Value) && int64(v.Value) > reached {
		reached = int64(v.Value)
	}
	if v, ok := run.Geometry[trainlog.GeoMaxSteps]; ok && finite(v.Value) && v.Value > 0 {
		planned = int64(v.Value)
	}
	return reached, planned
}
