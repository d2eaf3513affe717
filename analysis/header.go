package analysis

import (
	"errors"
	"math"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// geometryKeys lists the run-shape facts of the header, in the order
// they are shown.
var geometryKeys = []string{
	trainlog.GeoExamples,
	trainlog.GeoEpochs,
	trainlog.GeoBatchPerDevice,
	trainlog.GeoGradAccum,
	trainlog.GeoWorldSize,
	trainlog.GeoTotalBatch,
	trainlog.GeoStepsPerEpoch,
	trainlog.GeoMaxSteps,
	trainlog.GeoGlobalStep,
	trainlog.GeoTrainableParams,
	trainlog.GeoTotalParams,
	trainlog.GeoLoggingSteps,
	trainlog.GeoEvalSteps,
	trainlog.GeoSaveSteps,
	trainlog.GeoResumedFrom,
}

// header builds the report header: what was read, the run's shape as
// logged, the step range and the events met. Geometry facts are only
// those a log states; values that could be derived but were not logged
// are left out rather than guessed.
func header(run *analyzer) RunInfo {
	info := RunInfo{
		Name:      run.Name,
		Root:      run.Root,
		Files:     []FileUse{},
		Geometry:  []Fact{},
		Series:    run.SeriesNames(),
		Events:    []Event{},
		FirstStep: -1,
		LastStep:  -1,
	}
	for _, f := range run.Files {
		info.Files = append(info.Files, FileUse{Path: f.Path, Format: f.Format, Used: f.Used,
			Reason: f.Reason, Records: f.Records, Errors: f.Errors})
	}
	info.Library = run.Info[trainlog.InfoLibrary].Value
	info.Geometry = geometryFacts(run)
	info.FirstStep, info.LastStep = stepRange(run)
	info.EstimatedSteps = estimatedSteps(run.Run)
	if v, ok := run.Geometry[trainlog.GeoMaxSteps]; ok && v.Value > 0 {
		info.MaxSteps = int64(v.Value)
	}
	info.Epochs = epochReached(run)
	info.Completed = runCompleted(run)
	info.Tuning, info.TuningSource = tuning(run.Run)
	for _, ev := range run.Events {
		info.Events = append(info.Events, Event{Kind: string(ev.Kind), Step: ev.Step,
			Message: ev.Message, Sources: nonNil(sourceStrings(ev.Sources))})
	}
	return info
}

// geometryFacts returns the logged geometry values as cited facts.
func geometryFacts(run *analyzer) []Fact {
	out := []Fact{}
	for _, key := range geometryKeys {
		v, ok := run.Geometry[key]
		if !ok || math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			continue
		}
		out = append(out, Fact{Key: key, Value: v.Value, Source: v.Source.String()})
	}
	return out
}

// warnings turns the run's read problems into warnings: a syntax error
// keeps its position apart from its message.
func warnings(run *analyzer) []Warning {
	out := make([]Warning, 0, len(run.Warnings))
	for _, w := range run.Warnings {
		var se *trainlog.SyntaxError
		if errors.As(w, &se) {
			if src := (trainlog.Source{File: se.File, Line: se.Line, Frag: se.Frag}).String(); src != "" {
				out = append(out, Warning{Source: src, Message: se.Msg})
				continue
			}
		}
		out = append(out, Warning{Message: w.Error()})
	}
	return out
}

// runCompleted reports whether the run finished: an end-of-training
// summary (train_runtime and train_loss) was logged, or the trainer
// state says training stopped.
func runCompleted(run *analyzer) bool {
	_, rt := run.Summary["train_runtime"]
	_, tl := run.Summary["train_loss"]
	return (rt && tl) || strings.EqualFold(run.Info[trainlog.InfoTrainingStopped].Value, "true")
}

// isTrainSeries reports whether a canonical series name is a per-step
// training metric: not an evaluation, prediction or end-of-training
// value, nor a bookkeeping field.
func isTrainSeries(name string) bool {
	if trainlog.IsEval(name) || strings.HasPrefix(name, "test_") || strings.HasPrefix(name, "predict_") {
		return false
	}
	switch name {
	case "train_runtime", "train_samples_per_second", "train_steps_per_second", "train_tokens_per_second",
		"train_loss", "total_flos", "epoch", "step", "global_step":
		return false
	}
	return true
}

// trainSeriesNames returns the per-step training series of run, sorted.
func trainSeriesNames(run *analyzer) []string {
	var out []string
	for _, n := range run.SeriesNames() {
		if isTrainSeries(n) && run.Series[n].Len() > 0 {
			out = append(out, n)
		}
	}
	return out
}

// refSeries returns the series that defines the run's steps: the loss
// when logged, else the training series with the most points.
func refSeries(run *analyzer) *trainlog.Series {
	if s := run.Get("loss"); s.Len() > 0 {
		return s
	}
	var best *trainlog.Series
	for _, n := range trainSeriesNames(run) {
		if s := run.Series[n]; s.Len() > best.Len() {
			best = s
		}
	}
	return best
}

// stepRange returns the first and last logged training steps, or -1, -1.
func stepRange(run *analyzer) (first, last int64) {
	first, last = -1, -1
	for _, n := range trainSeriesNames(run) {
		s := run.Series[n]
		if f := s.Step(0); first < 0 || f < first {
			first = f
		}
		if l := s.Step(s.Len() - 1); l > last {
			last = l
		}
	}
	return first, last
}

// epochReached returns the epoch at the last logged training step (or the
// summary's epoch), 0 when no epoch was logged.
func epochReached(run *analyzer) float64 {
	if v, ok := run.Summary["epoch"]; ok && finite(v.Value) {
		return v.Value
	}
	if s := refSeries(run); s.Len() > 0 {
		for i := s.Len() - 1; i >= 0; i-- {
			if e := s.Epoch(i); finite(e) {
				return e
			}
		}
	}
	return 0
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nonNil returns ss, or an empty slice for nil, so that JSON shows [].
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// pointSources returns the sources of p, the chosen one first.
func pointSources(p trainlog.Point) []string {
	out := []string{}
	if s := p.Source.String(); s != "" {
		out = append(out, s)
	}
	for _, a := range p.Also {
		if s := a.String(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// citePoint returns p as a Cited value.
func citePoint(p trainlog.Point) *Cited {
	c := &Cited{Value: p.Value, Source: p.Source.String()}
	if len(p.Also) > 0 {
		c.Also = sourceStrings(p.Also)
	}
	return c
}

// citeValue returns a summary or geometry value as a Cited value.
func citeValue(v trainlog.Value) *Cited {
	return &Cited{Value: v.Value, Source: v.Source.String()}
}
