package analysis

// Evidence is everything the verdict reads, computed once per run (see
// evidenceOf) before any decision: the run's shape, the primary metric's
// levels over named windows, its trend, the held-out metric, the
// family's metric facts and the pitfall facts. decide reads only this
// value, so that the verdict, the trend section, the phase names and the
// another-epoch forecast all quote the same numbers.
type Evidence struct {
	// Metric is the primary metric (see primaryMetric).
	Metric string `json:"metric"`
	Family Family `json:"family"`
	// Run holds the shape of the run.
	Run RunFacts `json:"run"`
	// Train is the evidence of the primary metric; nil when it has no
	// finite point.
	Train *SeriesEvidence `json:"train,omitempty"`
	// Eval is the evidence of the held-out metric; nil without one.
	Eval *EvalEvidence `json:"eval,omitempty"`
	// Pitfalls are the facts of the log that make a curve meaningless.
	Pitfalls PitfallFacts `json:"pitfalls"`
	// Preference holds the facts of a preference run (DPO, ORPO, KTO,
	// reward model); nil otherwise.
	Preference *PreferenceFacts `json:"preference,omitempty"`
}

// RunFacts are the facts of the run's shape that the decision needs.
type RunFacts struct {
	// Logged is the number of points of the primary metric, finite or
	// not; Points the finite ones.
	Logged int `json:"logged"`
	Points int `json:"points"`
	// SummaryValues is the number of end-of-run summary values (a run
	// with a summary and no per-step series is a summary only).
	SummaryValues int   `json:"summary_values"`
	FirstStep     int64 `json:"first_step"`
	LastStep      int64 `json:"last_step"`
	// PlannedSteps is max_steps (0 when unknown).
	PlannedSteps int64 `json:"planned_steps,omitempty"`
	// Completed reports an end-of-training summary, should_training_stop,
	// or a last step at max_steps.
	Completed bool `json:"completed"`
	// StepsPerEpoch is 0 when unknown.
	StepsPerEpoch float64 `json:"steps_per_epoch,omitempty"`
	// WarmupEnd is the step where the learning rate peaked after a
	// warmup (0 without a warmup).
	WarmupEnd int64 `json:"warmup_end,omitempty"`
	// InWarmup reports a run that ended while its learning rate was still
	// rising; LastLR is the rate at its last log, LastLRSource its source.
	InWarmup     bool    `json:"in_warmup,omitempty"`
	LastLR       float64 `json:"last_lr,omitempty"`
	LastLRSource string  `json:"last_lr_source,omitempty"`
	PeakLR       float64 `json:"peak_lr,omitempty"`
	// StoppedAtStart reports an unfinished run that stopped before
	// minProgress of its planned steps.
	StoppedAtStart bool `json:"stopped_at_start,omitempty"`
}

// Progress returns the share of the planned steps done, or 0 when the
// plan is unknown.
func (f RunFacts) Progress() float64 {
	if f.PlannedSteps <= 0 {
		return 0
	}
	return float64(f.LastStep) / float64(f.PlannedSteps)
}

// A Window is a stretch of a series, named for what the decision uses it
// for, with its level and the level's uncertainty.
type Window struct {
	Name     WindowName `json:"name"`
	FromStep int64      `json:"from_step"`
	ToStep   int64      `json:"to_step"`
	N        int        `json:"n"`
	// Level is the mean of the window's values (the median for the
	// start window, which a start-up spike must not move).
	Level float64 `json:"level"`
	// StdErr is the standard error of the level on the decision scale
	// (see SeriesEvidence.LogScale): the spread of the values around the
	// window's own straight-line trend, divided by the square root of
	// the effective number of independent points, NEff, which the lag-1
	// autocorrelation of that spread lowers below N.
	StdErr float64 `json:"std_err"`
	NEff   float64 `json:"n_eff"`
	// LRFraction is the mean learning rate over the window divided by
	// the run's peak, or -1 when no rate was logged.
	LRFraction float64 `json:"lr_fraction"`
	// Sources are the sources of the window's first and last points.
	Sources []string `json:"sources"`

	t float64 // the mean (median for the start) on the decision scale
}

// WindowName names a window of SeriesEvidence.
type WindowName string

// Window names.
const (
	WindowStart  WindowName = "start"   // the first points of the run
	WindowFifth1 WindowName = "fifth-1" // the fifths of the steps after warmup
	WindowFifth2 WindowName = "fifth-2"
	WindowFifth3 WindowName = "fifth-3"
	WindowFifth4 WindowName = "fifth-4"
	WindowFifth5 WindowName = "fifth-5"
	WindowFinal  WindowName = "final" // the last TailFraction of the steps: the level
	WindowBest   WindowName = "best"  // the best of the comparison windows
	WindowEnd    WindowName = "end"   // the last comparison window
)

// An Interval is an estimate with the bounds of its confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// SeriesEvidence is the evidence of one series, on its decision scale:
// log(value) for a positive metric where lower is better (a loss decays
// multiplicatively and its noise shrinks with it), the value itself
// otherwise. Changes are in the metric's units and its good direction
// (positive = better).
type SeriesEvidence struct {
	Metric   string `json:"metric"`
	Greater  bool   `json:"greater_is_better"`
	LogScale bool   `json:"log_scale"`
	Points   int    `json:"points"`
	// FromStep is the first step after warmup: the fifths, the trend and
	// the projections use the steps from it on.
	FromStep int64 `json:"from_step"`
	ToStep   int64 `json:"to_step"`
	// Noise is the point-to-point noise sigma on the decision scale, from
	// successive differences (robust; see noiseSigma).
	Noise float64 `json:"noise_sigma"`
	// Lag1 is the lag-1 autocorrelation of the series' spread around its
	// local trend, pooled over the series: the floor of every window's
	// own (see Window.NEff).
	Lag1 float64 `json:"lag1"`
	// Resolution is the precision the values were logged with (0 for
	// full precision): a change below it cannot be seen.
	Resolution float64 `json:"resolution,omitempty"`

	Start Window `json:"start"`
	// Fifths are the five fifths of the steps from FromStep; nil when a
	// fifth would hold fewer than 2 points.
	Fifths []Window `json:"fifths,omitempty"`
	// Final is the final window, the last TailFraction of the steps: its
	// mean is the one current level every section quotes.
	Final Window `json:"final"`
	// Total is the improvement from the start level to the final level.
	Total float64 `json:"total_improvement"`
	// Shares is, per fifth, its share of the improvement from the start
	// level to the last fifth's level (the first fifth's share counts from
	// the start level).
	Shares []float64 `json:"shares,omitempty"`
	// LateShare is the improvement over the last two fifths (from the
	// third fifth's level to the fifth's) as a share of Total, with its
	// 95% interval, multiplied by LateScale: 1 for a finished run; for
	// an unfinished one, the rest of the run over the span the change
	// was measured on, when the rest is longer (the share the rest of the
	// run would add at that rate). Nil without fifths or without an
	// improvement. LateLR is the learning rate over the third fifth as a
	// fraction of its peak (-1 without a logged rate): where the last two
	// fifths begin.
	LateShare *Interval `json:"late_share,omitempty"`
	LateScale float64   `json:"late_scale,omitempty"`
	LateLR    float64   `json:"late_lr_fraction,omitempty"`

	// Horizon is how far ahead the changes below are projected: one more
	// epoch or the rest of an unfinished run, capped at the span of the
	// final segment the slope is measured on.
	Horizon Horizon `json:"horizon"`
	// Slope is the Theil-Sen slope per step, on the decision scale, of
	// the final segment (the last fifth, at least 10 points), with its
	// 95% interval from the Mann-Kendall variance corrected for
	// autocorrelation (Hamed and Rao 1998); P is the Mann-Kendall p.
	Slope        Interval `json:"slope"`
	SlopeFrom    int64    `json:"slope_from"`
	SlopeTo      int64    `json:"slope_to"`
	SlopeN       int      `json:"slope_n"`
	MannKendallZ float64  `json:"mann_kendall_z"`
	P            float64  `json:"p"`
	// Change is the improvement the final segment's slope projects over
	// the horizon, with its 95% interval.
	Change Interval `json:"change"`
	// FifthChange is the improvement from the fourth fifth's level to the
	// fifth's, scaled to the horizon, with its 95% interval from the two
	// levels' standard errors.
	FifthChange *Interval `json:"fifth_change,omitempty"`
	// LateChange and FinalStretchChange are the improvements projected
	// over the horizon by the slopes of the steps 70-90% and 90-100% of
	// the way from FromStep: the stretch before the flattening and the
	// flattening itself, for the learning-rate rule.
	LateChange         *Interval `json:"late_change,omitempty"`
	FinalStretchChange *Interval `json:"final_stretch_change,omitempty"`
	// FinalStretchLR is the mean learning rate over the final stretch
	// divided by the peak (-1 without a logged rate).
	FinalStretchLR float64 `json:"final_stretch_lr_fraction"`
	// Margin is the practical margin over the horizon: a change smaller
	// than this is of no practical size (see MarginKind).
	Margin     float64    `json:"margin"`
	MarginKind MarginKind `json:"margin_kind"`

	// Best and End are the comparison windows of the divergence rule: the
	// best window before the last one, and the last one. They are whole
	// epochs when the run's loss drops at its epoch boundaries, so that
	// the drift inside an epoch is not read as a trend.
	Best         Window `json:"best"`
	End          Window `json:"end"`
	EpochAligned bool   `json:"epoch_aligned,omitempty"`
	// Rise is how much worse than Best the last windows are on the
	// decision scale (relative when LogScale): with four windows or more,
	// the smaller of the rises of the last two (both must be worse: not
	// coming back), Best then being the best window before them.
	// RiseThreshold is the rise beyond which the run diverged.
	Rise          float64 `json:"rise"`
	RiseThreshold float64 `json:"rise_threshold"`
	// Gain is the improvement from GainFrom (the median of the first 5%
	// of the points, at most 50) to Final on the decision scale,
	// GainThreshold the least that counts as learning.
	Gain          float64 `json:"gain"`
	GainThreshold float64 `json:"gain_threshold"`
	GainFrom      Window  `json:"gain_from"`
}

// MarginKind says which term sets SeriesEvidence.Margin.
type MarginKind string

// Margin kinds.
const (
	// MarginLevel is PlateauRel (1%) of the current level.
	MarginLevel MarginKind = "share-of-level"
	// MarginTotal is marginShareOfRun of the run's total improvement
	// per run length, scaled to the horizon:
	// what is left is a small share of what the run achieved.
	MarginTotal MarginKind = "share-of-total"
	// MarginResolution is the precision of the log.
	MarginResolution MarginKind = "resolution"
	// MarginPreference is the change of a preference margin that moves
	// the implied preference probability by PlateauRel.
	MarginPreference MarginKind = "preference-probability"
)

// Horizon is how far ahead a projection looks.
type Horizon struct {
	Kind HorizonKind `json:"kind"`
	// Steps is the horizon used; Full is the horizon before the cap (0
	// when the kind is HorizonSpan).
	Steps int64 `json:"steps"`
	Full  int64 `json:"full,omitempty"`
	// Capped reports that Full was longer than the data the projection
	// was fitted on, and Steps is that span.
	Capped bool `json:"capped,omitempty"`
}

// HorizonKind says what a horizon is.
type HorizonKind string

// Horizon kinds.
const (
	HorizonEpoch     HorizonKind = "one-more-epoch"
	HorizonRemaining HorizonKind = "rest-of-run"
	// HorizonSpan is the span of the data itself, when neither the epoch
	// length nor the planned steps are known.
	HorizonSpan HorizonKind = "span-of-data"
)

// EvalEvidence is the evidence of the held-out metric.
type EvalEvidence struct {
	Metric  string `json:"metric"`
	Greater bool   `json:"greater_is_better"`
	N       int    `json:"n"`
	// Best is the best evaluation as the Trainer keeps it (the first
	// minimum, maximum when greater is better).
	Best     Cited `json:"best"`
	BestStep int64 `json:"best_step"`
	Last     Cited `json:"last"`
	LastStep int64 `json:"last_step"`
	// BestLevel is the best evaluation that is not an isolated dip (one
	// evaluation better than both neighbours by more than Threshold): the
	// level later evaluations are compared with.
	BestLevel     float64 `json:"best_level"`
	BestLevelStep int64   `json:"best_level_step"`
	// Noise is the eval noise sigma from second differences.
	Noise float64 `json:"noise_sigma"`
	// Threshold is the worsening beyond BestLevel that is not noise: the
	// larger of overfitZ noise sigmas and PlateauRel of the best level.
	Threshold float64 `json:"threshold"`
	// After is the number of evaluations after the best level; Persist
	// the number of consecutive evaluations at the end that are each
	// worse than BestLevel by more than a noise sigma, and Rise how much
	// worse than BestLevel the last one is.
	After   int     `json:"after"`
	Persist int     `json:"persist"`
	Rise    float64 `json:"rise"`
	// RiseSigma is the last evaluation's distance from BestLevel in noise
	// sigmas (positive = worse).
	RiseSigma float64 `json:"rise_sigma"`
	// Trend is the improvement projected over the horizon by the slope of
	// the last third of the evaluations (at least minEvalTrend of them:
	// the recent rate, not the average of a decelerating series),
	// with its 95% interval, and Margin its practical margin; nil with
	// fewer evaluations.
	Trend        *Interval `json:"trend,omitempty"`
	TrendFrom    int64     `json:"trend_from,omitempty"`
	TrendN       int       `json:"trend_n,omitempty"`
	TrendLevel   float64   `json:"trend_level,omitempty"`
	Margin       float64   `json:"margin,omitempty"`
	TrendHorizon Horizon   `json:"trend_horizon"`
	// LateShare is the improvement over the last two fifths of the
	// evaluations' steps as a share of their improvement from the first
	// evaluation, extended to the rest of an unfinished run, with a 95%
	// interval from the eval noise (see evalLateShare); nil with fewer
	// than 3 evaluations or without an improvement. LateFrom is the step
	// the last two fifths start at.
	LateShare *Interval `json:"late_share,omitempty"`
	LateFrom  int64     `json:"late_from,omitempty"`
	// First is the first evaluation, the reference of LateShare.
	First Cited `json:"first"`
	// TrainWorse reports that the primary training metric got worse over
	// the same steps beyond its noise and by a practical step (see
	// trainWorseOver): then a worse eval is a degradation of the fit
	// itself, not overfitting. TrainRise is how much worse the training
	// level at the last evaluation (TrainTo) is than at the best level
	// (TrainFrom), on its decision scale; TrainRiseThreshold the rise
	// beyond its noise and the practical step.
	TrainWorse         bool    `json:"train_worse"`
	TrainRise          float64 `json:"train_rise,omitempty"`
	TrainRiseThreshold float64 `json:"train_rise_threshold,omitempty"`
	TrainFrom          int64   `json:"train_from,omitempty"`
	TrainTo            int64   `json:"train_to,omitempty"`
}

// Overfitting reports the overfitting rule's test: the evaluations got
// worse than the best level persistently (minPersist or more at the end,
// each by more than the noise, the last by more than the threshold)
// while the training metric did not get worse.
func (e *EvalEvidence) Overfitting() bool {
	return e != nil && e.Persist >= minPersist && e.Rise > e.Threshold && !e.TrainWorse
}

// diminishing reports that the last two fifths of the evaluations'
// steps delivered less than smallShare of their improvement (see
// EvalEvidence.LateShare), by its estimate: the eval's further decrease
// is of no practical size, the same diminishing-returns test as the
// training metric's.
func (e *EvalEvidence) diminishing() bool {
	return e.LateShare != nil && e.LateShare.Value < smallShare
}

// minEvalTrend is the fewest evaluations whose trend the verdict reads:
// fewer cannot reach a 95% interval that excludes 0.
const minEvalTrend = 5

// minPersist is the number of consecutive evaluations, at the end, that
// must be worse than the best level for overfitting: one worse
// evaluation is noise until the next confirms it.
const minPersist = 2

// PitfallFacts are the facts of the log that make a curve meaningless.
type PitfallFacts struct {
	// NonFinite is the number of non-finite values of the primary metric;
	// NonFiniteLast reports the last logged one non-finite, at
	// NonFiniteStep (NonFiniteSource).
	NonFinite       int    `json:"non_finite"`
	NonFiniteLast   bool   `json:"non_finite_last,omitempty"`
	NonFiniteStep   int64  `json:"non_finite_step,omitempty"`
	NonFiniteSource string `json:"non_finite_source,omitempty"`
	// NaNWindows is the number of logs with loss 0.0 and grad_norm NaN
	// (every step of the logging window was non-finite and the Trainer's
	// NaN filter logged 0.0), NaNWindowsLate those in the final window,
	// the last at LastNaNWindowStep (LastNaNWindowSource).
	NaNWindows          int    `json:"nan_windows"`
	NaNWindowsLate      int    `json:"nan_windows_late"`
	LastNaNWindowStep   int64  `json:"last_nan_window_step,omitempty"`
	LastNaNWindowSource string `json:"last_nan_window_source,omitempty"`
	// ZeroSignal is the number of logs of loss exactly 0 with grad_norm
	// exactly 0 (or not logged) among LossPoints finite losses: no
	// learning signal (all labels masked, frozen parameters).
	ZeroSignal   int      `json:"zero_signal"`
	LossPoints   int      `json:"loss_points"`
	ZeroSources  []string `json:"zero_sources,omitempty"`
	EpochDrops   int      `json:"epoch_drops"`
	EpochsLogged int      `json:"epochs_logged"`
}

// PreferenceFacts are the facts of a preference run.
type PreferenceFacts struct {
	// StartProbability and EndProbability are sigmoid(margin) at the
	// start and final levels of the margins: the implied probability that
	// the chosen answer is preferred (Bradley-Terry).
	StartProbability float64 `json:"start_probability"`
	EndProbability   float64 `json:"end_probability"`
	// Accuracy is the mean training rewards/accuracies over its final
	// window (-1 when not logged), EvalAccuracy the held-out one (-1).
	Accuracy     float64 `json:"accuracy"`
	EvalAccuracy float64 `json:"eval_accuracy"`
	EvalSource   string  `json:"eval_source,omitempty"`
}
