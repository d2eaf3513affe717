package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// lrStuckFindings flags a learning rate of 0 over three or more
// consecutive logs. A 0 at the first log (warmup) or the last one (the
// end of a decay) is expected, and a constant learning rate is
// legitimate.
func lrStuckFindings(run *analyzer, _ *Report) []Finding {
	s := run.Get("learning_rate")
	if s.Len() < 5 {
		return nil
	}
	pts := s.Points
	var out []Finding
	for i := 0; i < len(pts); {
		if pts[i].Value != 0 {
			i++
			continue
		}
		j := i
		for j+1 < len(pts) && pts[j+1].Value == 0 {
			j++
		}
		n := j - i + 1
		if n >= 3 {
			f := Finding{Kind: KindLRStuckZero, Severity: SevWarning, Step: pts[i].Step, FromStep: pts[i].Step, ToStep: pts[j].Step,
				Value: float64(n), Sources: []string{pts[i].Source.String(), pts[j].Source.String()}}
			if j == len(pts)-1 {
				f.Message = fmt.Sprintf("learning_rate is 0 for the last %d logged steps (steps %d-%d): the schedule ended before training did, so those steps changed nothing", n, pts[i].Step, pts[j].Step)
			} else {
				f.Message = fmt.Sprintf("learning_rate is 0 at %d consecutive logged steps (steps %d-%d): no update happened there (a schedule stuck at 0, or skipped optimizer steps)", n, pts[i].Step, pts[j].Step)
			}
			out = append(out, f)
		}
		i = j + 1
	}
	return out
}

// endFindings reports a run that ended without its end-of-training
// summary and one that stopped before its planned steps.
func endFindings(run *analyzer, r *Report) []Finding {
	first, last := stepRange(run)
	if last < 0 {
		return nil
	}
	var out []Finding
	var crash *trainlog.Event
	for i, ev := range run.Events {
		if ev.Kind == trainlog.EventCrash {
			crash = &run.Events[i]
		}
	}
	reached, planned := stepsReached(run)
	if !r.Run.Completed {
		f := Finding{Kind: KindNoSummary, Severity: SevWarning, Step: last, FromStep: first, ToStep: last}
		switch {
		case crash != nil:
			f.Severity = SevError
			msg := strings.TrimRight(crash.Message, ": ")
			f.Message = fmt.Sprintf("the run ended without an end-of-training summary: it crashed (%s); the last logged step is %d", msg, last)
			if strings.HasPrefix(msg, "KeyboardInterrupt") {
				f.Message += "; a KeyboardInterrupt means the process was stopped by hand (Ctrl-C) or by a job scheduler, not by a training error"
			}
			f.Sources = sourceStrings(crash.Sources)
		case noSummaryFormat(run):
			f.Severity = SevInfo
			f.Message = fmt.Sprintf("the logs hold no end-of-training summary: Lightning's metrics.csv never writes one, so whether the run finished cannot be checked; the last logged step is %d", last)
		case planned > 0 && reached >= planned:
			f.Severity = SevInfo
			f.Message = fmt.Sprintf("no end-of-training summary (train_runtime, train_loss) was found, but the last logged step %d is the planned max_steps %d: training reached its end and only the summary is missing (for example, only trainer_state.json was kept)", last, planned)
		case planned > 0 && float64(reached) >= 0.99*float64(planned):
			f.Severity = SevInfo
			f.Message = fmt.Sprintf("no end-of-training summary (train_runtime, train_loss) was found, and the log ends at step %d of %d planned: training probably finished, and the log read is a checkpoint's trainer_state.json saved just before the end", last, planned)
		default:
			f.Message = fmt.Sprintf("no end-of-training summary (train_runtime, train_loss) was found: the run was interrupted, is still running, or only a checkpoint's log was read; the last logged step is %d", last)
		}
		out = append(out, f)
	}
	if planned <= 0 || reached >= planned {
		return out
	}
	mx := run.Geometry[trainlog.GeoMaxSteps]
	pct := 100 * float64(reached) / float64(planned)
	f := Finding{Kind: KindIncomplete, Severity: SevWarning, Step: reached, FromStep: first, ToStep: planned,
		Statistic: "steps reached / max_steps", Value: float64(reached), Threshold: float64(planned),
		Sources: []string{mx.Source.String()}}
	switch {
	case r.Run.Completed:
		f.Severity = SevInfo
		f.Message = fmt.Sprintf("training ended at step %d of %d (%.1f%%) with its summary: it stopped early on purpose (early stopping or a callback)", reached, planned, pct)
	case pct >= 99:
		f.Severity = SevInfo
		f.Message = fmt.Sprintf("stopped at step %d of %d (%.1f%%): the log ends just before the planned last step", reached, planned, pct)
	default:
		f.Message = fmt.Sprintf("stopped at step %d of %d (%.1f%%): the run is incomplete, so the schedule did not finish and the last steps' levels are not final", reached, planned, pct)
	}
	return append(out, f)
}

// noSummaryFormat reports a run read only from formats that never hold
// an end-of-training summary (Lightning's metrics.csv), whose missing
// summary says nothing about how the run ended.
func noSummaryFormat(run *analyzer) bool {
	used := 0
	for _, f := range run.Files {
		if !f.Used {
			continue
		}
		if f.Format != "lightning-csv" {
			return false
		}
		used++
	}
	return used > 0
}

// restartFindings reports resumed runs and the bias they put on
// train_loss (the accumulator restarts at 0 on resume, global_step does
// not).
func restartFindings(run *analyzer, r *Report) []Finding {
	var evs []trainlog.Event
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventRestart {
			evs = append(evs, ev)
		}
	}
	resumed, hasResumed := run.Geometry[trainlog.GeoResumedFrom]
	if len(evs) == 0 && !hasResumed {
		return nil
	}
	f := Finding{Kind: KindRestart, Severity: SevInfo}
	var parts []string
	for _, ev := range evs {
		parts = append(parts, ev.Message)
		for _, s := range ev.Sources {
			if len(f.Sources) < maxFindingSources {
				f.Sources = append(f.Sources, s.String())
			}
		}
	}
	if hasResumed {
		f.Step = int64(resumed.Value)
		parts = append(parts, fmt.Sprintf("training continued from global step %d (%s)", int64(resumed.Value), resumed.Source))
		f.Sources = append(f.Sources, resumed.Source.String())
	} else {
		f.Step = evs[0].Step
	}
	f.FromStep, f.ToStep = f.Step, f.Step
	f.Message = "the run was resumed: " + strings.Join(parts, "; ")
	tl := r.TrainLoss
	if tl.Reported != nil && tl.RecomputedMean != nil && *tl.Reported < tl.RecomputedMean.Value*0.98 {
		f.Severity = SevWarning
		f.Message += fmt.Sprintf("; train_loss %s is biased low (the mean of the logged losses is %s): Transformers restarts its loss accumulator at 0 on resume but divides by the full global_step", fmtNum(*tl.Reported), fmtNum(tl.RecomputedMean.Value))
	}
	return []Finding{f}
}

// stepCountFindings explains the run's step count from its geometry (the
// seed article's pitfall 4: changing the batch size or the epochs changes
// the number of steps, so curves of two runs cannot be compared step by
// step).
func stepCountFindings(run *analyzer, _ *Report) []Finding {
	get := func(k string) (float64, bool) {
		v, ok := run.Geometry[k]
		return v.Value, ok && v.Value > 0
	}
	ex, ok1 := get(trainlog.GeoExamples)
	bs, ok2 := get(trainlog.GeoBatchPerDevice)
	ga, ok3 := get(trainlog.GeoGradAccum)
	ep, ok4 := get(trainlog.GeoEpochs)
	ms, ok5 := get(trainlog.GeoMaxSteps)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return nil
	}
	ws, okWS := get(trainlog.GeoWorldSize)
	wsNote := ""
	if !okWS {
		ws, wsNote = 1, " (world size not logged: 1 process assumed)"
		if tb, ok := get(trainlog.GeoTotalBatch); ok && tb >= bs*ga {
			ws, wsNote = math.Round(tb/(bs*ga)), fmt.Sprintf(" (processes from the total batch %g)", tb)
		}
	}
	batches := math.Ceil(ex / (bs * ws))
	perEpoch := math.Max(1, math.Ceil(batches/ga))
	expected := math.Ceil(ep * perEpoch)
	floorPer := math.Max(1, math.Floor(batches/ga)) // releases and tools that floor the division
	rounding := ""
	if alt := math.Ceil(ep * floorPer); ms != expected && ms == alt {
		perEpoch, expected, rounding = floorPer, alt, " (rounded down)"
	}
	src := run.Geometry[trainlog.GeoMaxSteps].Source.String()
	procs := "processes"
	if ws == 1 {
		procs = "process"
	}
	formula := fmt.Sprintf("%s examples / (%g per device x %g %s) = %g batches, / %g accumulation = %g steps per epoch%s, x %g epochs",
		fmtCount(ex), bs, ws, procs, batches, ga, perEpoch, rounding, ep)
	f := Finding{Kind: KindStepCount, Severity: SevInfo, Step: int64(ms), Value: ms, Threshold: expected, Statistic: "max_steps vs examples x epochs / total batch",
		Sources: []string{src}}
	if ms == expected {
		f.Message = fmt.Sprintf("%g steps = %s%s; another batch size, accumulation or number of epochs gives another step count, so compare runs by epoch or samples seen, not by step", ms, formula, wsNote)
	} else {
		f.Message = fmt.Sprintf("max_steps %g differs from the %g that %s gives%s: max_steps was set explicitly, or the dataset was packed or filtered; compare runs by epoch or samples seen, not by step", ms, expected, formula, wsNote)
	}
	return []Finding{f}
}
