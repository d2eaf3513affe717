package analysis

import (
	"fmt"
	"math"
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
	var how string
	t.RuntimeSeconds = sum("train_runtime")
	if t.RuntimeSeconds == nil {
		t.RuntimeSeconds, how = derivedRuntime(run)
	}
	t.SecondsPerIt = sum("tqdm_seconds_per_it")
	t.ItPerSecond = sum("tqdm_it_per_second")
	// The progress bar prints one of the two rates; the other is its
	// inverse, cited with how it was derived.
	switch {
	case t.SecondsPerIt == nil && t.ItPerSecond != nil:
		t.SecondsPerIt = &Cited{Value: 1 / t.ItPerSecond.Value, Source: fmt.Sprintf("derived: 1 / %s it/s (%s)", fmtNum(t.ItPerSecond.Value), t.ItPerSecond.Source)}
	case t.ItPerSecond == nil && t.SecondsPerIt != nil:
		t.ItPerSecond = &Cited{Value: 1 / t.SecondsPerIt.Value, Source: fmt.Sprintf("derived: 1 / %s s/it (%s)", fmtNum(t.SecondsPerIt.Value), t.SecondsPerIt.Source)}
	}
	t.SamplesPerSec = sum("train_samples_per_second")
	t.StepsPerSec = sum("train_steps_per_second")
	t.TokensPerSec = sum("train_tokens_per_second")
	var parts []string
	if t.RuntimeSeconds != nil {
		secs := t.RuntimeSeconds.Value
		t.RuntimeHMS = hms(secs)
		first, last := stepRange(run)
		text := "train_runtime " + secondsAndHuman(secs)
		if how != "" {
			text = fmt.Sprintf("runtime about %s, %s", secondsAndHuman(secs), how)
			t.Notes = append(t.Notes, fmt.Sprintf("No train_runtime was logged: the runtime is %s.", how))
		}
		if last > 0 {
			text += fmt.Sprintf(" for steps %d-%d", first, last)
		}
		parts = append(parts, text)
		gpus, gpuHow := billedGPUs(run, opts)
		h := secs * float64(gpus) / 3600
		t.GPUHours = &Derived{Value: h, How: fmt.Sprintf("%s s x %d GPU / 3600; %s", fmtSeconds(secs), gpus, gpuHow)}
		if opts.GPUHourPrice > 0 {
			t.GPUHourPrice = opts.GPUHourPrice
			t.Cost = &Derived{Value: h * opts.GPUHourPrice, How: fmt.Sprintf("%s GPU-hours x %g per GPU-hour", fmtHours(h), opts.GPUHourPrice)}
		}
	} else {
		parts = append(parts, "no runtime was logged (no train_runtime, progress bar or timestamps)")
	}
	parts = append(parts, rateTexts(run, t)...)
	if tok := tokensSeen(run); tok != nil {
		parts = append(parts, fmt.Sprintf("%s input tokens seen (%s)", fmtCount(tok.Value), tok.Source))
		t.Notes = append(t.Notes, fmt.Sprintf("%s input tokens seen (%s).", fmtCount(tok.Value), tok.Source))
	}
	text := strings.Join(parts, "; ") + "."
	switch {
	case t.Cost != nil:
		text += fmt.Sprintf(" %s GPU-hours cost about %.2f at %g per GPU-hour.", fmtHours(t.GPUHours.Value), t.Cost.Value, t.GPUHourPrice)
	case t.GPUHours != nil:
		text += fmt.Sprintf(" %s GPU-hours: %s. No price was given: pass --gpu-hour-price PRICE to get the cost.", fmtHours(t.GPUHours.Value), t.GPUHours.How)
		t.Notes = append(t.Notes, "No cost: no price was given; pass --gpu-hour-price PRICE to get it.")
	}
	if t.SamplesPerSec != nil && stoppedEarly(run) {
		note := "The Trainer computes its per-second rates from the planned steps, so they are inflated when training stops early."
		text += " " + note
		t.Notes = append(t.Notes, note)
	}
	t.Text = text
	return t
}

// rateTexts describes the logged rates.
func rateTexts(run *analyzer, t Throughput) []string {
	var out []string
	if sec, ok := displayedRate(run, t); ok {
		out = append(out, fmt.Sprintf("%s s/it (progress bar, %s)", fmtNum(sec.Value), sec.Source))
	} else if t.ItPerSecond != nil {
		out = append(out, fmt.Sprintf("%s it/s (progress bar, %s)", fmtNum(t.ItPerSecond.Value), t.ItPerSecond.Source))
	}
	if t.SamplesPerSec != nil {
		out = append(out, fmt.Sprintf("%s samples/s", fmtNum(t.SamplesPerSec.Value)))
	}
	if t.StepsPerSec != nil {
		out = append(out, fmt.Sprintf("%s steps/s", fmtNum(t.StepsPerSec.Value)))
	}
	if t.TokensPerSec != nil {
		out = append(out, fmt.Sprintf("%s tokens/s", fmtNum(t.TokensPerSec.Value)))
	}
	return out
}

// displayedRate returns the seconds per iteration when the progress bar
// displayed its rate that way (tqdm shows s/it below 1 it/s, it/s above;
// the console reader stores both).
func displayedRate(run *analyzer, t Throughput) (*Cited, bool) {
	if t.SecondsPerIt == nil {
		return nil, false
	}
	if t.ItPerSecond == nil || run == nil {
		return t.SecondsPerIt, true
	}
	if bar := run.Info[trainlog.InfoProgress].Value; bar != "" {
		return t.SecondsPerIt, strings.Contains(bar, "s/it")
	}
	return t.SecondsPerIt, t.SecondsPerIt.Value >= 1
}

// derivedRuntime estimates the runtime when no train_runtime was logged:
// from the progress bar's elapsed time, else from the points' elapsed or
// wall-clock times. It returns the value cited at its last source and how
// it was obtained.
func derivedRuntime(run *analyzer) (*Cited, string) {
	if v, ok := run.Summary["tqdm_elapsed_seconds"]; ok && finite(v.Value) && v.Value > 0 {
		return citeValue(v), "the elapsed time of the last progress bar"
	}
	ref := refSeries(run)
	if ref == nil {
		return nil, ""
	}
	var first, last trainlog.Point
	n := 0
	for _, p := range ref.Points {
		if !finite(p.Time) {
			continue
		}
		if n == 0 {
			first = p
		}
		last = p
		n++
	}
	switch {
	case n == 0:
		return nil, ""
	case last.Time < 1e8: // elapsed seconds since the start
		return &Cited{Value: last.Time, Source: last.Source.String()}, fmt.Sprintf("the elapsed time logged at step %d", last.Step)
	case n >= 2 && last.Time > first.Time:
		return &Cited{Value: last.Time - first.Time, Source: last.Source.String()},
			fmt.Sprintf("the wall-clock time from step %d to step %d (the time before the first log is not counted)", first.Step, last.Step)
	}
	return nil, ""
}

// billedGPUs returns the number of GPUs to bill and how it was chosen.
func billedGPUs(run *analyzer, opts Options) (int, string) {
	if opts.GPUs > 0 {
		return opts.GPUs, "GPUs as given"
	}
	if v, ok := run.Geometry[trainlog.GeoWorldSize]; ok && v.Value >= 1 {
		return int(v.Value), "GPUs from the logged world size, " + v.Source.String()
	}
	return 1, "world size not logged, 1 GPU assumed (--gpus changes it)"
}

// tokensSeen returns the number of input tokens seen, when logged.
func tokensSeen(run *analyzer) *Cited {
	if v, ok := run.Summary["num_input_tokens_seen"]; ok && finite(v.Value) && v.Value > 0 {
		return citeValue(v)
	}
	for _, n := range []string{"num_input_tokens_seen", "num_tokens"} {
		if s := run.Get(n); s.Len() > 0 {
			if p := s.Points[s.Len()-1]; p.Finite() && p.Value > 0 {
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

// secondsAndHuman formats a duration as "2484 s (41 min 24 s)", or
// "16.84 s" under a minute, where a second form would repeat the first.
func secondsAndHuman(secs float64) string {
	if secs < 60 {
		return fmtSeconds(secs) + " s"
	}
	return fmt.Sprintf("%s s (%s)", fmtSeconds(secs), humanDuration(secs))
}

// fmtSeconds formats a duration in seconds: whole seconds from 100 s on.
func fmtSeconds(secs float64) string {
	if secs >= 100 {
		return fmt.Sprintf("%.0f", secs)
	}
	return fmtNum(secs)
}

// fmtHours formats GPU hours with 2 significant digits, or whole hours
// from 10 on.
func fmtHours(h float64) string {
	if h >= 10 {
		return fmt.Sprintf("%.0f", h)
	}
	return fmt.Sprintf("%.2g", h)
}

// hms formats seconds as h:mm:ss.
func hms(secs float64) string {
	t := int64(math.Round(secs))
	return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
}

// humanDuration formats seconds as "41 min 24 s", "2 h 05 min" or
// "12.5 s".
func humanDuration(secs float64) string {
	t := int64(math.Round(secs))
	switch {
	case secs < 60:
		return fmt.Sprintf("%.3g s", secs)
	case t < 3600:
		return fmt.Sprintf("%d min %02d s", t/60, t%60)
	}
	return fmt.Sprintf("%d h %02d min", t/3600, t/60%60)
}

// fmtCount formats a large count with thousands separators.
func fmtCount(v float64) string {
	if math.Abs(v) >= 1e15 || v != math.Trunc(v) {
		return fmtNum(v)
	}
	s := fmt.Sprintf("%d", int64(math.Abs(v)))
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
