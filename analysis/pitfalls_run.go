package analysis

import (
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
	var out []Finding
	for i := 0; i < s.Len(); {
		if s.Value(i) != 0 {
			i++
			continue
		}
		j := i
		for j+1 < s.Len() && s.Value(j+1) == 0 {
			j++
		}
		n := j - i + 1
		if n >= 3 {
			f := Finding{Kind: KindLRStuckZero, Severity: SevWarning, Cause: CauseStuck, Metric: "learning_rate", Step: s.Step(i), FromStep: s.Step(i), ToStep: s.Step(j),
				Count: n, Value: float64(n), Sources: []string{s.Source(i).String(), s.Source(j).String()}}
			if j == s.Len()-1 {
				f.Cause = CauseScheduleEnded
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
		f := Finding{Kind: KindNoSummary, Severity: SevWarning, Cause: CauseUnknownEnd, Step: last, FromStep: first, ToStep: last}
		if planned > 0 {
			f.Facts = []Fig{{Name: QPlanned, Value: float64(planned)}, {Name: QReached, Value: float64(reached)}}
		}
		switch {
		case crash != nil:
			f.Severity, f.Cause = SevError, CauseCrash
			f.Detail = strings.TrimRight(crash.Message, ": ")
			if strings.HasPrefix(f.Detail, "KeyboardInterrupt") {
				f.Cause = CauseInterrupted
			}
			f.Sources = sourceStrings(crash.Sources)
		case noSummaryFormat(run):
			f.Severity, f.Cause = SevInfo, CauseNoSummaryLog
		case planned > 0 && reached >= planned:
			f.Severity, f.Cause = SevInfo, CauseReachedEnd
		case planned > 0 && float64(reached) >= 0.99*float64(planned):
			f.Severity, f.Cause = SevInfo, CauseNearEnd
		}
		out = append(out, f)
	}
	if planned <= 0 || reached >= planned {
		return out
	}
	mx := run.Geometry[trainlog.GeoMaxSteps]
	f := Finding{Kind: KindIncomplete, Severity: SevWarning, Cause: CauseStoppedEarly, Step: reached, FromStep: first, ToStep: planned,
		Statistic: StatStepsReached, Value: float64(reached), Threshold: float64(planned),
		Sources: []string{mx.Source.String()}}
	switch {
	case r.Run.Completed:
		f.Severity, f.Cause = SevInfo, CauseStoppedOnPurpose
	case float64(reached) >= 0.99*float64(planned):
		f.Severity, f.Cause = SevInfo, CauseJustBeforeEnd
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
	f := Finding{Kind: KindRestart, Severity: SevInfo, Count: len(evs)}
	var parts []string
	for _, ev := range evs {
		parts = append(parts, ev.Message)
		for _, s := range ev.Sources {
			if len(f.Sources) < maxFindingSources {
				f.Sources = append(f.Sources, s.String())
			}
		}
	}
	f.Detail = strings.Join(parts, "; ")
	if hasResumed {
		f.Step = int64(resumed.Value)
		f.Facts = append(f.Facts, Fig{Name: QResumedFrom, Value: resumed.Value, Step: int64(resumed.Value), Source: resumed.Source.String()})
		f.Sources = append(f.Sources, resumed.Source.String())
	} else {
		f.Step = evs[0].Step
	}
	f.FromStep, f.ToStep = f.Step, f.Step
	tl := r.TrainLoss
	if tl.Reported != nil && tl.RecomputedMean != nil && *tl.Reported < tl.RecomputedMean.Value*0.98 {
		f.Severity, f.Cause = SevWarning, CauseBiasedTrainLoss
		// The reported train_loss is the summary's, logged at the run's
		// last step (not at the resume the finding is about).
		rep := Fig{Name: QReported, Value: *tl.Reported, Source: tl.Source}
		if v, ok := run.Summary["step"]; ok && v.Value > 0 {
			rep.Step = int64(v.Value)
		}
		f.Facts = append(f.Facts, rep, Fig{Name: QRecomputed, Value: tl.RecomputedMean.Value})
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
	wsFrom := 0.0 // logged
	tb, okTB := get(trainlog.GeoTotalBatch)
	if !okWS {
		ws, wsFrom = 1, 2 // assumed
		if okTB && tb >= bs*ga {
			ws, wsFrom = math.Round(tb/(bs*ga)), 1 // from the total batch
		}
	}
	batches := math.Ceil(ex / (bs * ws))
	perEpoch := math.Max(1, math.Ceil(batches/ga))
	expected := math.Ceil(ep * perEpoch)
	floorPer := math.Max(1, math.Floor(batches/ga)) // releases and tools that floor the division
	rounded := false
	if alt := math.Ceil(ep * floorPer); ms != expected && ms == alt {
		perEpoch, expected, rounded = floorPer, alt, true
	}
	src := run.Geometry[trainlog.GeoMaxSteps].Source.String()
	cite := func(key string) string { return run.Geometry[key].Source.String() }
	f := Finding{Kind: KindStepCount, Severity: SevInfo, Cause: CauseStepsMatch, Step: int64(ms), Value: ms, Threshold: expected,
		Statistic: StatStepCount, Sources: []string{src},
		Facts: []Fig{{Name: QExamples, Value: ex, Source: cite(trainlog.GeoExamples)},
			{Name: QBatchPerDev, Value: bs, Source: cite(trainlog.GeoBatchPerDevice)},
			{Name: QWorldSize, Value: ws}, {Name: QWorldSizeFrom, Value: wsFrom},
			{Name: QBatches, Value: batches},
			{Name: QGradAccum, Value: ga, Source: cite(trainlog.GeoGradAccum)},
			{Name: QStepsPerEpoch, Value: perEpoch}, {Name: QRoundedDown, Value: boolNum(rounded)},
			{Name: QEpochs, Value: ep, Source: cite(trainlog.GeoEpochs)},
			{Name: QExpected, Value: expected}, {Name: QPlanned, Value: ms, Source: src}}}
	if okWS {
		f.Facts[2].Source = cite(trainlog.GeoWorldSize)
	}
	if okTB {
		f.Facts = append(f.Facts, Fig{Name: QTotalBatch, Value: tb, Source: cite(trainlog.GeoTotalBatch)})
	}
	if ms != expected {
		f.Cause = CauseStepsExplicit
	}
	return []Finding{f}
}
