package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// Comparing runs (methods §10): runs are set side by side on a common
// axis, the samples or tokens they have seen when every run logs or lets
// derive it, else their epochs, else their steps (a step means a
// different amount of data when the batch differs, the seed's pitfall 4).
// The comparison is typed data: package report writes its sentences.

// CompareSchemaVersion identifies the JSON schema of a Comparison.
const CompareSchemaVersion = "plateau.compare/v1"

// An Axis is what runs are aligned on.
type Axis string

// Axes, from the most to the least comparable.
const (
	AxisTokens  Axis = "tokens"
	AxisSamples Axis = "samples"
	AxisEpochs  Axis = "epochs"
	AxisSteps   Axis = "steps"
)

// A ScaleMethod says how a run's samples per optimizer step were found.
type ScaleMethod string

// Scale methods.
const (
	// ScaleTotalBatch: the logged total train batch size.
	ScaleTotalBatch ScaleMethod = "total_train_batch_size"
	// ScaleBatchProduct: per-device batch x gradient accumulation x
	// world size, all three logged.
	ScaleBatchProduct ScaleMethod = "batch_x_accumulation_x_world_size"
	// ScaleRates: train_samples_per_second / train_steps_per_second of
	// the end-of-training summary (the Trainer computes both from the
	// planned samples and steps, so their ratio is the mean samples per
	// step; rounded rates make it approximate).
	ScaleRates ScaleMethod = "samples_per_second_over_steps_per_second"
	// ScaleExamples: examples x epochs / max_steps, all logged.
	ScaleExamples ScaleMethod = "examples_x_epochs_over_max_steps"
)

// A Scale is a run's samples per optimizer step.
type Scale struct {
	PerStep float64     `json:"per_step"`
	Method  ScaleMethod `json:"method"`
	// Sources are the logged values it comes from.
	Sources []string `json:"sources"`
	// Exact is false when it is a ratio of rounded values.
	Exact bool `json:"exact"`
}

// A Significance says whether a difference exceeds the noise.
type Significance string

// Significances.
const (
	// BeyondNoise: the difference exceeds compareZ standard errors.
	BeyondNoise Significance = "beyond-noise"
	// WithinNoise: it does not, the noise being an estimate.
	WithinNoise Significance = "within-noise"
	// NotShown: it does not exceed a bound of the noise that includes
	// the curves' own trend (evaluations are too few to separate them),
	// so it may or may not be real.
	NotShown Significance = "not-shown"
	// NoiseUnknown: the noise could not be estimated.
	NoiseUnknown Significance = "unknown"
)

// The bases a comparison can judge runs on.
const (
	BasisEval  = "eval"  // the best evaluation of each run
	BasisTrain = "train" // the final level of the train metric
	BasisNone  = "none"  // the runs cannot be ranked
)

// compareZ is the number of standard errors of a difference beyond which
// it is not noise.
const compareZ = 2.0

// A Difference is how much worse a run is than the best one.
type Difference struct {
	// Delta is the run's value minus the best's, signed so that a
	// positive Delta is worse; Relative divides it by the best value.
	Delta    float64 `json:"delta"`
	Relative float64 `json:"relative"`
	// Noise is the standard error of Delta (the runs' errors combined);
	// Z is Delta / Noise. NoiseBound is set when Noise is an upper bound
	// (the evaluations' recent changes, trend included).
	Noise        float64      `json:"noise"`
	NoiseBound   bool         `json:"noise_is_bound,omitempty"`
	Z            float64      `json:"z"`
	Significance Significance `json:"significance"`
}

// An AxisPoint is one value of a curve on the common axis.
type AxisPoint struct {
	X    float64
	Y    float64
	Step int64
}

// A ComparedRun is one run of a comparison.
type ComparedRun struct {
	// Path is the run as the user named it.
	Path    string  `json:"path"`
	Name    string  `json:"name"`
	Family  Family  `json:"family"`
	Verdict Verdict `json:"verdict"`
	Metric  string  `json:"metric"`
	// Scale is the run's samples per step, when known.
	Scale *Scale `json:"scale,omitempty"`
	// Steps is the last step reached; Planned is max_steps (0 when
	// unknown); Epochs the epochs done, when known.
	Steps   int64   `json:"steps"`
	Planned int64   `json:"planned_steps,omitempty"`
	Epochs  float64 `json:"epochs,omitempty"`
	// AxisEnd is where the run ends on the common axis.
	AxisEnd float64 `json:"axis_end"`
	// FinalLevel is the final level of the train metric (the report's
	// TrainLoss.FinalLevel, or the mean of its final window); FinalSE is
	// its standard error (point noise / sqrt(points)).
	FinalLevel *Derived `json:"final_level,omitempty"`
	FinalSE    float64  `json:"final_level_std_err,omitempty"`
	// AtCommon is the train metric's level where the shortest run ends
	// on the common axis (the mean of the points in the last
	// TailFraction of that span).
	AtCommon *float64 `json:"at_common_end,omitempty"`
	// EvalMetric, BestEval (at BestEvalStep, BestEvalAt on the axis),
	// LastEval and EvalNoise describe the evaluations; BestEvalStep is -1
	// without. EvalNoise bounds the noise of one evaluation: the
	// successive-difference noise of the last half of the evaluations (at
	// least three), whose trend it includes; 0 with fewer.
	EvalMetric   string  `json:"eval_metric,omitempty"`
	BestEval     *Cited  `json:"best_eval,omitempty"`
	BestEvalStep int64   `json:"best_eval_step"`
	BestEvalAt   float64 `json:"best_eval_at,omitempty"`
	LastEval     *Cited  `json:"last_eval,omitempty"`
	EvalNoise    float64 `json:"eval_noise,omitempty"`
	// EvalExamples is the eval set size, eval_runtime x
	// eval_samples_per_second at the last evaluation (0 when unknown).
	EvalExamples float64 `json:"eval_examples,omitempty"`
	// LoggingSteps is the train logging interval in steps, and
	// LoggingWindow the same on the common axis.
	LoggingSteps  int64   `json:"logging_steps,omitempty"`
	LoggingWindow float64 `json:"logging_window,omitempty"`
	// Speed and cost, as the run's report has them; AxisPerSecond is the
	// speed on the common axis (derived from steps per second when not
	// logged).
	Runtime       *Cited      `json:"runtime_seconds,omitempty"`
	SamplesPerSec *Cited      `json:"samples_per_second,omitempty"`
	StepsPerSec   *Cited      `json:"steps_per_second,omitempty"`
	TokensPerSec  *Cited      `json:"tokens_per_second,omitempty"`
	AxisPerSecond float64     `json:"axis_per_second,omitempty"`
	Cost          *Derived    `json:"cost,omitempty"`
	Completed     bool        `json:"completed"`
	VsBest        *Difference `json:"vs_best,omitempty"`
	Curve         []AxisPoint `json:"-"`
	EvalCurve     []AxisPoint `json:"-"`
	Report        *Report     `json:"-"`
}

// A CompareWarningKind names something that makes runs less comparable.
type CompareWarningKind string

// Comparison warnings.
const (
	// WarnAxisFallback: some runs lack what a better axis needs (Runs).
	WarnAxisFallback CompareWarningKind = "axis-fallback"
	// WarnBatch: the samples per step differ (Values per run).
	WarnBatch CompareWarningKind = "batch-differs"
	// WarnSteps: the steps done or planned differ (Values: steps).
	WarnSteps CompareWarningKind = "steps-differ"
	// WarnEvalSet: the eval sets differ (by size, Values), or only some
	// runs evaluate (Runs), or the eval metrics differ.
	WarnEvalSet CompareWarningKind = "eval-set-differs"
	// WarnLogging: the logging window on the common axis differs (Values).
	WarnLogging CompareWarningKind = "logging-window-differs"
	// WarnMetric: the runs' primary metrics or families differ, so they
	// are not ranked.
	WarnMetric CompareWarningKind = "metric-differs"
	// WarnNoLevel: some runs logged no finite value of their main metric
	// (Runs: every value NaN or infinite, or none), so no run is ranked.
	WarnNoLevel CompareWarningKind = "no-finite-level"
	// WarnIncomplete: some runs stopped before their planned steps (Runs).
	WarnIncomplete CompareWarningKind = "incomplete"
	// WarnTrainOnly: the runs are ranked on the train metric, which
	// measures fit to the training data, not quality.
	WarnTrainOnly CompareWarningKind = "train-only"
)

// A CompareWarning is one reason to read a comparison with care.
type CompareWarning struct {
	Kind CompareWarningKind `json:"kind"`
	// Runs are the indexes of the runs concerned (all when empty).
	Runs []int `json:"runs,omitempty"`
	// Values are per-run values (indexed like Comparison.Runs; NaN when
	// unknown) for the kinds that have them.
	Values []float64 `json:"values,omitempty"`
}

// A Comparison sets several analysed runs side by side.
type Comparison struct {
	Schema    string           `json:"schema"`
	AlignedBy Axis             `json:"aligned_by"`
	Runs      []ComparedRun    `json:"runs"`
	Warnings  []CompareWarning `json:"warnings"`
	// Basis is what the ranking uses (BasisEval, BasisTrain, BasisNone);
	// Best is the index of the best run, -1 with BasisNone.
	Basis string `json:"basis"`
	Best  int    `json:"best"`
	// CommonEnd is where the shortest run ends on the axis.
	CommonEnd float64 `json:"common_end"`
}

// Compare sets analysed runs side by side. reports[i].Data must hold
// the run read; paths[i] names it.
func Compare(reports []*Report, paths []string, opts Options) *Comparison {
	if opts.TailFraction <= 0 || opts.TailFraction > 0.5 {
		opts.TailFraction = DefaultOptions.TailFraction
	}
	cmp := &Comparison{Schema: CompareSchemaVersion, Best: -1, Basis: BasisNone, Warnings: []CompareWarning{}}
	ans := make([]*analyzer, len(reports))
	for i, r := range reports {
		ans[i] = newAnalyzer(r.Data)
		cmp.Runs = append(cmp.Runs, describeRun(ans[i], r, paths[i], opts))
	}
	cmp.AlignedBy, cmp.Warnings = chooseAxis(ans, cmp.Runs)
	for i := range cmp.Runs {
		placeOnAxis(ans[i], &cmp.Runs[i], cmp.AlignedBy)
	}
	cmp.CommonEnd = math.Inf(1)
	for _, cr := range cmp.Runs {
		cmp.CommonEnd = math.Min(cmp.CommonEnd, cr.AxisEnd)
	}
	if math.IsInf(cmp.CommonEnd, 1) || cmp.CommonEnd <= 0 {
		cmp.CommonEnd = 0
	}
	for i := range cmp.Runs {
		cmp.Runs[i].AtCommon = levelAt(cmp.Runs[i].Curve, cmp.CommonEnd, opts.TailFraction)
	}
	cmp.Warnings = append(cmp.Warnings, comparability(cmp)...)
	rank(cmp)
	return cmp
}

// describeRun collects what the comparison needs from one report.
func describeRun(an *analyzer, r *Report, path string, opts Options) ComparedRun {
	g := runGeometry(an)
	cr := ComparedRun{Path: path, Name: r.Run.Name, Family: r.Run.Family, Verdict: r.Verdict, Metric: r.Primary,
		Steps: g.lastStep, Planned: g.planned, Completed: !g.incomplete(), BestEvalStep: -1, Report: r,
		Runtime: r.Throughput.RuntimeSeconds, SamplesPerSec: r.Throughput.SamplesPerSec,
		StepsPerSec: r.Throughput.StepsPerSec, TokensPerSec: r.Throughput.TokensPerSec, Cost: r.Throughput.Cost}
	if cr.Metric == "" {
		cr.Metric = "loss"
	}
	if c := finiteCurve(an, cr.Metric); c.len() > 0 {
		level, i0 := finalLevel(c, opts)
		cr.FinalLevel = &Derived{Value: level, How: finalLevelDerivation(c, i0, opts)}
		if cr.Metric == "loss" && r.TrainLoss.FinalLevel != nil {
			cr.FinalLevel = r.TrainLoss.FinalLevel
		}
		if n := c.len() - i0; n >= 2 {
			cr.FinalSE = noiseSigma(c.y[max(0, i0-1):]) / math.Sqrt(float64(n))
		}
		if last := c.point(c.len() - 1); !math.IsNaN(last.Epoch) {
			cr.Epochs = last.Epoch
		}
	}
	if cr.Epochs == 0 && g.stepsPerEpoch > 0 {
		cr.Epochs = float64(g.lastStep) / g.stepsPerEpoch
	}
	if r.Eval.Present {
		cr.EvalMetric = r.Eval.Metric
		cr.BestEval, cr.BestEvalStep, cr.LastEval = r.Eval.Best, r.Eval.BestStep, r.Eval.Last
		if c := finiteCurve(an, r.Eval.Metric); c.len() >= 3 {
			tail := c.y[min(c.len()/2, c.len()-3):]
			cr.EvalNoise = stats.DiffSigma(tail)
		}
		cr.EvalExamples = evalExamples(an)
	}
	cr.Scale = samplesPerStep(an, g)
	cr.LoggingSteps = g.logEvery
	if v, ok := an.Geometry[trainlog.GeoLoggingSteps]; ok && v.Value >= 1 {
		cr.LoggingSteps = int64(v.Value)
	}
	return cr
}

// evalExamples returns the eval set size at the last evaluation that
// logged both its runtime and its rate.
func evalExamples(an *analyzer) float64 {
	rt, rate := an.Get("eval_runtime"), an.Get("eval_samples_per_second")
	for i := rt.Len() - 1; i >= 0; i-- {
		p := rt.Point(i)
		if q, ok := rate.At(p.Step); ok && p.Finite() && q.Finite() && p.Value > 0 && q.Value > 0 {
			return p.Value * q.Value
		}
	}
	return 0
}

// samplesPerStep finds a run's samples per optimizer step (see the
// Scale methods, in the order tried).
func samplesPerStep(an *analyzer, g geometry) *Scale {
	geo := func(k string) (trainlog.Value, bool) {
		v, ok := an.Geometry[k]
		return v, ok && finite(v.Value) && v.Value > 0
	}
	if v, ok := geo(trainlog.GeoTotalBatch); ok {
		return &Scale{PerStep: v.Value, Method: ScaleTotalBatch, Sources: []string{v.Source.String()}, Exact: true}
	}
	bs, ok1 := geo(trainlog.GeoBatchPerDevice)
	ga, ok2 := geo(trainlog.GeoGradAccum)
	ws, ok3 := geo(trainlog.GeoWorldSize)
	if ok1 && ok2 && ok3 {
		return &Scale{PerStep: bs.Value * ga.Value * ws.Value, Method: ScaleBatchProduct,
			Sources: []string{bs.Source.String(), ga.Source.String(), ws.Source.String()}, Exact: true}
	}
	sps, ok1 := an.Summary["train_samples_per_second"]
	st, ok2 := an.Summary["train_steps_per_second"]
	if ok1 && ok2 && finite(sps.Value) && finite(st.Value) && sps.Value > 0 && st.Value > 0 {
		return &Scale{PerStep: sps.Value / st.Value, Method: ScaleRates, Sources: []string{sps.Source.String(), st.Source.String()}}
	}
	ex, ok1 := geo(trainlog.GeoExamples)
	ep, ok2 := geo(trainlog.GeoEpochs)
	if ok1 && ok2 && g.planned > 0 {
		ms := an.Geometry[trainlog.GeoMaxSteps]
		return &Scale{PerStep: ex.Value * ep.Value / float64(g.planned), Method: ScaleExamples,
			Sources: []string{ex.Source.String(), ep.Source.String(), ms.Source.String()}}
	}
	return nil
}

// tokenSeries returns a run's series of tokens seen, when logged at two
// points or more.
func tokenSeries(an *analyzer) *trainlog.Series {
	for _, n := range []string{"num_input_tokens_seen", "num_tokens"} {
		if s := an.Get(n); s.Len() >= 2 {
			return s
		}
	}
	return nil
}

// hasEpochs reports whether a run's train points carry their epoch, or
// its steps per epoch are known.
func hasEpochs(an *analyzer, metric string) bool {
	if runGeometry(an).stepsPerEpoch > 0 {
		return true
	}
	s := an.Get(metric)
	return s.Len() > 0 && !math.IsNaN(s.Epoch(s.Len()-1))
}

// chooseAxis picks the best axis every run supports.
func chooseAxis(ans []*analyzer, runs []ComparedRun) (Axis, []CompareWarning) {
	var noTokens, noSamples, noEpochs []int
	for i, an := range ans {
		if tokenSeries(an) == nil {
			noTokens = append(noTokens, i)
		}
		if runs[i].Scale == nil {
			noSamples = append(noSamples, i)
		}
		if !hasEpochs(an, runs[i].Metric) {
			noEpochs = append(noEpochs, i)
		}
	}
	var warns []CompareWarning
	switch {
	case len(noTokens) == 0:
		return AxisTokens, nil
	case len(noSamples) == 0:
		return AxisSamples, nil
	case len(noEpochs) == 0:
		warns = append(warns, CompareWarning{Kind: WarnAxisFallback, Runs: noSamples})
		return AxisEpochs, warns
	}
	warns = append(warns, CompareWarning{Kind: WarnAxisFallback, Runs: union(noSamples, noEpochs)})
	return AxisSteps, warns
}

func union(a, b []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range append(append([]int(nil), a...), b...) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Ints(out)
	return out
}

// placeOnAxis computes a run's curves and end on the common axis.
func placeOnAxis(an *analyzer, cr *ComparedRun, axis Axis) {
	g := runGeometry(an)
	tokens := tokenSeries(an)
	x := func(p trainlog.Point) float64 {
		switch axis {
		case AxisTokens:
			return valueAt(tokens, p.Step)
		case AxisSamples:
			return float64(p.Step) * cr.Scale.PerStep
		case AxisEpochs:
			if !math.IsNaN(p.Epoch) {
				return p.Epoch
			}
			if g.stepsPerEpoch > 0 {
				return float64(p.Step) / g.stepsPerEpoch
			}
			return math.NaN()
		}
		return float64(p.Step)
	}
	curve := func(name string) []AxisPoint {
		s := an.Get(name)
		out := make([]AxisPoint, 0, s.Len())
		for i := 0; i < s.Len(); i++ {
			p := s.Point(i)
			if xv := x(p); p.Finite() && !math.IsNaN(xv) {
				out = append(out, AxisPoint{X: xv, Y: p.Value, Step: p.Step})
			}
		}
		return out
	}
	cr.Curve = curve(cr.Metric)
	if cr.EvalMetric != "" {
		cr.EvalCurve = curve(cr.EvalMetric)
		for _, p := range cr.EvalCurve {
			if p.Step == cr.BestEvalStep {
				cr.BestEvalAt = p.X
			}
		}
	}
	end := trainlog.Point{Step: g.lastStep, Epoch: math.NaN()}
	if n := len(cr.Curve); n > 0 {
		cr.AxisEnd = cr.Curve[n-1].X
	}
	if xe := x(end); !math.IsNaN(xe) && xe > cr.AxisEnd {
		cr.AxisEnd = xe
	}
	per := 1.0
	switch axis {
	case AxisSamples:
		per = cr.Scale.PerStep
	case AxisTokens:
		if g.lastStep > 0 {
			per = cr.AxisEnd / float64(g.lastStep)
		}
	case AxisEpochs:
		if g.stepsPerEpoch > 0 {
			per = 1 / g.stepsPerEpoch
		} else {
			per = 0
		}
	}
	cr.LoggingWindow = float64(cr.LoggingSteps) * per
	switch {
	case axis == AxisSamples && cr.SamplesPerSec != nil:
		cr.AxisPerSecond = cr.SamplesPerSec.Value
	case axis == AxisTokens && cr.TokensPerSec != nil:
		cr.AxisPerSecond = cr.TokensPerSec.Value
	case cr.StepsPerSec != nil:
		cr.AxisPerSecond = cr.StepsPerSec.Value * per
	case cr.Runtime != nil && cr.Runtime.Value > 0 && g.lastStep > 0:
		cr.AxisPerSecond = float64(g.lastStep) / cr.Runtime.Value * per
	}
}

// valueAt interpolates a series (tokens seen) at a step.
func valueAt(s *trainlog.Series, step int64) float64 {
	i := sort.Search(s.Len(), func(i int) bool { return s.Step(i) >= step })
	switch {
	case i < s.Len() && s.Step(i) == step:
		return s.Value(i)
	case i == 0 || i == s.Len():
		return math.NaN() // outside the logged range: not extrapolated
	}
	a, b := s.Point(i-1), s.Point(i)
	f := float64(step-a.Step) / float64(b.Step-a.Step)
	return a.Value + f*(b.Value-a.Value)
}

// levelAt returns the mean of a curve's points in the last frac of
// [0, end] (the nearest point at or before end when none falls there).
func levelAt(c []AxisPoint, end, frac float64) *float64 {
	if len(c) == 0 || end <= 0 {
		return nil
	}
	lo := end * (1 - frac)
	var sum float64
	n := 0
	last := -1
	for i, p := range c {
		if p.X <= end*(1+1e-9) {
			last = i
			if p.X >= lo {
				sum += p.Y
				n++
			}
		}
	}
	if n == 0 {
		if last < 0 {
			return nil
		}
		v := c[last].Y
		return &v
	}
	v := sum / float64(n)
	return &v
}

// comparability lists what makes the runs less comparable.
func comparability(cmp *Comparison) []CompareWarning {
	var out []CompareWarning
	n := len(cmp.Runs)
	values := func(f func(ComparedRun) float64) []float64 {
		v := make([]float64, n)
		for i, cr := range cmp.Runs {
			v[i] = f(cr)
		}
		return v
	}
	differ := func(v []float64, rel float64) bool {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range v {
			if math.IsNaN(x) {
				continue
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		return hi > lo && (hi-lo) > rel*math.Abs(hi)
	}
	batch := values(func(cr ComparedRun) float64 {
		if cr.Scale == nil {
			return math.NaN()
		}
		return cr.Scale.PerStep
	})
	if differ(batch, 0.02) {
		out = append(out, CompareWarning{Kind: WarnBatch, Values: batch})
	}
	steps := values(func(cr ComparedRun) float64 { return float64(cr.Steps) })
	if differ(steps, 0) {
		out = append(out, CompareWarning{Kind: WarnSteps, Values: steps})
	}
	var evalRuns []int
	metrics := map[string]bool{}
	for i, cr := range cmp.Runs {
		if cr.EvalMetric != "" {
			evalRuns = append(evalRuns, i)
			metrics[cr.EvalMetric] = true
		}
	}
	size := values(func(cr ComparedRun) float64 {
		if cr.EvalExamples <= 0 {
			return math.NaN()
		}
		return cr.EvalExamples
	})
	switch {
	case len(evalRuns) > 0 && len(evalRuns) < n:
		out = append(out, CompareWarning{Kind: WarnEvalSet, Runs: evalRuns})
	case len(metrics) > 1:
		out = append(out, CompareWarning{Kind: WarnEvalSet})
	case differ(size, 0.02):
		out = append(out, CompareWarning{Kind: WarnEvalSet, Values: size})
	}
	window := values(func(cr ComparedRun) float64 {
		if cr.LoggingWindow <= 0 {
			return math.NaN()
		}
		return cr.LoggingWindow
	})
	if differ(window, 0.02) {
		out = append(out, CompareWarning{Kind: WarnLogging, Values: window})
	}
	var partial []int
	for i, cr := range cmp.Runs {
		if !cr.Completed {
			partial = append(partial, i)
		}
	}
	if len(partial) > 0 {
		out = append(out, CompareWarning{Kind: WarnIncomplete, Runs: partial})
	}
	return out
}

// rank picks the best run: on the best evaluation when every run
// evaluates the same metric, else on the final level of the train
// metric when every run has the same one; and measures how far each
// other run is from it against the noise.
func rank(cmp *Comparison) {
	n := len(cmp.Runs)
	sameEval, sameMetric := true, true
	for _, cr := range cmp.Runs {
		sameEval = sameEval && cr.BestEval != nil && cr.EvalMetric == cmp.Runs[0].EvalMetric
		sameMetric = sameMetric && cr.FinalLevel != nil && cr.Metric == cmp.Runs[0].Metric && cr.Family == cmp.Runs[0].Family
	}
	value := func(cr ComparedRun) (float64, float64, bool) {
		if sameEval {
			return cr.BestEval.Value, cr.EvalNoise, greaterIsBetter(cr.EvalMetric)
		}
		return cr.FinalLevel.Value, cr.FinalSE, greaterIsBetter(cr.Metric)
	}
	switch {
	case n < 2:
		return
	case sameEval:
		cmp.Basis = BasisEval
	case sameMetric:
		cmp.Basis = BasisTrain
		cmp.Warnings = append(cmp.Warnings, CompareWarning{Kind: WarnTrainOnly})
	default:
		// Say why: runs without a finite level, and runs whose metrics
		// or families differ, each only when so.
		var none []int
		first := -1
		differ := false
		for i, cr := range cmp.Runs {
			switch {
			case cr.FinalLevel == nil:
				none = append(none, i)
			case first < 0:
				first = i
			default:
				differ = differ || cr.Metric != cmp.Runs[first].Metric || cr.Family != cmp.Runs[first].Family
			}
		}
		if len(none) > 0 {
			cmp.Warnings = append(cmp.Warnings, CompareWarning{Kind: WarnNoLevel, Runs: none})
		}
		if differ || len(none) == 0 {
			cmp.Warnings = append(cmp.Warnings, CompareWarning{Kind: WarnMetric})
		}
		return
	}
	best := 0
	for i := 1; i < n; i++ {
		v, _, greater := value(cmp.Runs[i])
		b, _, _ := value(cmp.Runs[best])
		if (greater && v > b) || (!greater && v < b) {
			best = i
		}
	}
	cmp.Best = best
	bv, bn, greater := value(cmp.Runs[best])
	for i := range cmp.Runs {
		if i == best {
			continue
		}
		v, vn, _ := value(cmp.Runs[i])
		d := &Difference{Delta: v - bv, Significance: NoiseUnknown}
		if greater {
			d.Delta = bv - v
		}
		if bv != 0 {
			d.Relative = d.Delta / math.Abs(bv)
		}
		if bn > 0 && vn > 0 {
			d.Noise = math.Hypot(bn, vn)
			d.NoiseBound = cmp.Basis == BasisEval
			d.Z = d.Delta / d.Noise
			switch {
			case d.Z > compareZ:
				d.Significance = BeyondNoise
			case d.NoiseBound:
				d.Significance = NotShown
			default:
				d.Significance = WithinNoise
			}
		}
		cmp.Runs[i].VsBest = d
	}
}
