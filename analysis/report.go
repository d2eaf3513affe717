package analysis

import "github.com/plateau-dev/plateau/trainlog"

// SchemaVersion identifies the JSON schema of a Report (docs/json-schema.md).
const SchemaVersion = "plateau.report/v2"

// A Report is everything plateau concludes about one run. It is plain
// data: renderers in package report only format it. Numbers read from a
// log are Cited (value plus source); derived numbers are Derived (value
// plus how it was computed).
type Report struct {
	Schema      string          `json:"schema"`
	Run         RunInfo         `json:"run"`
	Milestones  []Milestone     `json:"milestones"`
	Phases      []Phase         `json:"phases"`
	TrainLoss   TrainLoss       `json:"train_loss"`
	Noise       *Noise          `json:"noise,omitempty"`
	Trend       *Trend          `json:"trend,omitempty"`
	Accuracy    *Accuracy       `json:"token_accuracy,omitempty"`
	LRSchedule  LRSchedule      `json:"lr_schedule"`
	Throughput  Throughput      `json:"throughput"`
	Eval        Eval            `json:"eval"`
	Checkpoints []CheckpointRow `json:"checkpoints"`
	// CheckpointsRecommended is the checkpoint to use; Step is -1 when
	// none exists on disk.
	CheckpointsRecommended Recommendation `json:"checkpoints_recommended"`
	AnotherEpoch           *AnotherEpoch  `json:"another_epoch,omitempty"`
	Spikes                 []Spike        `json:"spikes"`
	Findings               []Finding      `json:"findings"`
	Verdict                Verdict        `json:"verdict"`
	// Evidence is what the verdict, the trend and the forecast were
	// decided from.
	Evidence *Evidence `json:"evidence,omitempty"`
	Warnings []Warning `json:"warnings"`

	// Data is the run the report was computed from, for renderers that
	// draw curves (HTML, terminal charts). It is not part of the JSON.
	Data *trainlog.Run `json:"-"`
	// Primary is the canonical name of the series the verdict is about
	// (usually "loss"; "reward" for GRPO, "rewards/margins" for DPO).
	Primary string `json:"primary_metric"`

	// an is the analyzer of Data while Analyze runs (nil afterwards).
	an *analyzer
}

// analyzer returns the analyzer of r.Data: the one of the running
// Analyze call, or a fresh one for a report built by hand.
func (r *Report) analyzer() *analyzer {
	if r.an == nil {
		r.an = newAnalyzer(r.Data)
	}
	return r.an
}

// Cited is a number taken from a log, with where it was read.
type Cited struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	// Also lists other sources that logged the same value.
	Also []string `json:"also,omitempty"`
}

// Derived is a number computed by plateau, with how.
type Derived struct {
	Value float64 `json:"value"`
	How   How     `json:"how"`
}

// How says how a derived number was computed, as data: the method and
// its inputs. Which fields are set depends on the method (see the Method
// constants).
type How struct {
	Method   Method `json:"method"`
	Metric   string `json:"metric,omitempty"`
	FromStep int64  `json:"from_step,omitempty"`
	ToStep   int64  `json:"to_step,omitempty"`
	N        int    `json:"n,omitempty"`
	// Fraction is the share of the run's steps a final window covers
	// (Options.TailFraction); 0 for other windows.
	Fraction float64 `json:"tail_fraction,omitempty"`
	// First marks the first window of the run (or of a phase).
	First bool `json:"first,omitempty"`
	// Window is the logging interval when each logged value is the mean
	// of that many steps (MethodRunMean).
	Window   int64   `json:"logging_steps,omitempty"`
	LogScale bool    `json:"log_scale,omitempty"`
	LogSigma float64 `json:"log_sigma,omitempty"`
	GeoMean  float64 `json:"geometric_mean,omitempty"`
	// Seconds, GPUs, GPUHours, Price, Steps and SecondsPerStep are the
	// terms of the GPU-hour and cost methods.
	Seconds        float64  `json:"seconds,omitempty"`
	Steps          int64    `json:"steps,omitempty"`
	SecondsPerStep float64  `json:"seconds_per_step,omitempty"`
	GPUs           int      `json:"gpus,omitempty"`
	GPUsFrom       GPUBasis `json:"gpus_from,omitempty"`
	GPUHours       float64  `json:"gpu_hours,omitempty"`
	Price          float64  `json:"price,omitempty"`
	// Sources are the logged inputs, where there are any.
	Sources []string `json:"sources,omitempty"`
}

// A Fact is one cited number of the run's header, named by its
// trainlog geometry key (trainlog.GeoExamples, ...).
type Fact struct {
	Key    string  `json:"key"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// A Warning is a non-fatal read problem: a syntax error at Source
// (file:line), or a problem with no position (Source empty).
type Warning struct {
	Source  string `json:"source,omitempty"`
	Message string `json:"message"`
}

// FileUse says how one input file was used. Reason is the reader's
// note on an ignored file, as package trainlog states it.
type FileUse struct {
	Path    string `json:"path"`
	Format  string `json:"format"`
	Used    bool   `json:"used"`
	Reason  string `json:"reason,omitempty"`
	Records int    `json:"records"`
	Errors  int    `json:"errors"`
}

// RunInfo is the report header.
type RunInfo struct {
	Name    string    `json:"name"`
	Root    string    `json:"root"`
	Files   []FileUse `json:"files"`
	Library string    `json:"library,omitempty"`
	// Family is the kind of training (sft, pretrain, dpo, orpo, kto,
	// reward, grpo, ppo, classification); FamilyEvidence lists what the
	// files show of it, the deciding family's evidence first and
	// strongest first; FamilyAssumed is set when they show nothing and
	// the run is taken for sft.
	Family         Family           `json:"family"`
	FamilyAssumed  bool             `json:"family_assumed,omitempty"`
	FamilyEvidence []FamilyEvidence `json:"family_evidence,omitempty"`
	Geometry       []Fact           `json:"geometry"`
	FirstStep      int64            `json:"first_step"`
	LastStep       int64            `json:"last_step"`
	MaxSteps       int64            `json:"max_steps,omitempty"`
	Epochs         float64          `json:"epochs,omitempty"`
	Series         []string         `json:"series"`
	Completed      bool             `json:"completed"` // a summary or should_training_stop was found
	// EpochEnds is the number of epoch ends found in the log; the
	// milestones show some of them, evenly spaced, when there are many.
	EpochEnds int     `json:"epoch_ends"`
	Events    []Event `json:"events"`
	// EstimatedSteps counts the entries whose step was estimated, by
	// file and evidence; their steps are marked by StepEstimated below.
	EstimatedSteps []StepsEstimated `json:"estimated_steps,omitempty"`
	// Tuning says what the run trained, as its files show (a PEFT
	// adapter or the whole model), and TuningSource the evidence;
	// empty when the files do not tell.
	Tuning       Tuning `json:"tuning,omitempty"`
	TuningSource string `json:"tuning_source,omitempty"`
}

// An Event is a restart, crash, disagreement or note found in the logs;
// Message is the reader's description (trainlog), quoting the log.
type Event struct {
	Kind    string   `json:"kind"`
	Step    int64    `json:"step"`
	Message string   `json:"message"`
	Sources []string `json:"sources"`
}

// A Milestone is the state of the run at a notable step: the first step,
// each epoch boundary, the last step.
type Milestone struct {
	// First and Last mark the first and the last logged step.
	First bool `json:"first,omitempty"`
	Last  bool `json:"last,omitempty"`
	// EpochEnd is the epoch whose end this step is, 0 when none.
	EpochEnd int                `json:"epoch_end,omitempty"`
	Step     int64              `json:"step"`
	Epoch    float64            `json:"epoch"`
	Metrics  map[string]float64 `json:"metrics"`
	// MetricSources gives the source of each metric.
	MetricSources map[string]string `json:"metric_sources"`
	// Source is the primary source (that of the loss when logged).
	Source string `json:"source"`
	// Sources lists every source that logged this step, primary first.
	Sources []string `json:"sources"`
	// StepEstimated names what Step was estimated from (see
	// StepsEstimated.By); empty when it was read or fixed exactly.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// A Phase is a stretch of the training curve with one behaviour.
type Phase struct {
	// Name is the phase's name (see the Phase* constants).
	Name      PhaseName `json:"name"`
	StartStep int64     `json:"start_step"`
	EndStep   int64     `json:"end_step"`
	// StartLevel is the previous phase's end level, or for the first
	// phase the mean of its first points; EndLevel is the mean of the
	// phase's last points (How says which).
	StartLevel Derived `json:"start_level"`
	EndLevel   Derived `json:"end_level"`
	// ShareOfDrop is the fraction of the run's total drop that happened in
	// this phase.
	ShareOfDrop float64 `json:"share_of_drop"`
	// SlopePerStep is the phase's rate: the change from StartLevel to
	// EndLevel of log(metric) (of the metric itself when LogScale is
	// false), per step. It is the rate the name is derived from.
	SlopePerStep float64 `json:"slope_per_step"`
	// Metric is the series the phases split: the primary metric, or the
	// loss of a preference run judged on its margins.
	Metric string `json:"metric,omitempty"`
	// LogScale reports whether the levels were compared, and the slope
	// taken, on log(Metric) (a positive curve).
	LogScale bool `json:"log_scale,omitempty"`
	// Boundary says why the phase starts where it does.
	Boundary Boundary `json:"boundary"`
}

// TrainLoss compares the end-of-training mean train_loss with the final
// level of the curve (the seed article's section 3.2).
type TrainLoss struct {
	Reported       *float64 `json:"reported"`
	Source         string   `json:"source"`
	RecomputedMean *Derived `json:"recomputed_mean,omitempty"`
	FinalLevel     *Derived `json:"final_level,omitempty"`
	First          *Cited   `json:"first,omitempty"`
	Last           *Cited   `json:"last,omitempty"`
	// Relation says how the mean relates to the final level.
	Relation TrainLossRelation `json:"relation"`
	// EarlyPoints is the number of first logged losses (a tenth) whose
	// share of the sum is EarlyShare: what pulls the mean up.
	EarlyPoints int     `json:"early_points,omitempty"`
	EarlyShare  float64 `json:"early_share,omitempty"`
	// ReportedGap is (recomputed mean - reported) / reported when it
	// exceeds 2%: the logged losses do not cover every step, or a resume
	// biased train_loss (Resumed).
	ReportedGap float64 `json:"reported_gap,omitempty"`
	Resumed     bool    `json:"resumed,omitempty"`
}

// Noise is the judgement of the end-of-run fluctuation.
type Noise struct {
	FromStep int64   `json:"from_step"`
	ToStep   int64   `json:"to_step"`
	N        int     `json:"n"`
	Mean     float64 `json:"mean"`
	// Std is the standard deviation of the window, on the scale of
	// Sigma: of log(value) times the geometric mean when LogScale.
	Std       float64 `json:"std"`
	StdErr    float64 `json:"std_err"`
	Sigma     Derived `json:"sigma"` // point-to-point noise from successive differences
	LogScale  bool    `json:"log_scale"`
	Last      Cited   `json:"last"`
	LastStep  int64   `json:"last_step"`
	Deviation float64 `json:"deviation_sigma"` // (last - mean) / sigma
	Normal    bool    `json:"normal"`
	// Better reports a last value beyond the noise in the good direction.
	Better bool `json:"better,omitempty"`
	// NoiseZ is the deviation, in sigmas, within which the last value is
	// ordinary fluctuation.
	NoiseZ float64 `json:"noise_z"`
}

// Trend is the slope test over the final segment of the primary metric:
// a view of Evidence.Train, so that it says what the verdict read.
type Trend struct {
	Metric   string `json:"metric"`
	FromStep int64  `json:"from_step"`
	ToStep   int64  `json:"to_step"`
	N        int    `json:"n"`
	// LogScale reports that the slope is of log(Metric) (a positive
	// loss), whose change per step is a relative change.
	LogScale bool `json:"log_scale"`
	// SlopePerStep is the Theil-Sen slope per step with its 95% interval
	// (of log(Metric) when LogScale).
	SlopePerStep float64 `json:"slope_per_step"`
	SlopeLow     float64 `json:"slope_low"`
	SlopeHigh    float64 `json:"slope_high"`
	MannKendallZ float64 `json:"mann_kendall_z"`
	P            float64 `json:"p"`
	// Significant reports Mann-Kendall p < TrendAlpha (0.01).
	Significant bool    `json:"significant"`
	Horizon     Horizon `json:"horizon"`
	// HorizonSteps is Horizon.Steps.
	HorizonSteps int64 `json:"horizon_steps"`
	// Projected is the improvement the slope projects over the horizon,
	// in the metric's units (positive = better), with its 95% interval;
	// RelProjected is Projected / Level.
	Projected    float64 `json:"projected_change"`
	ProjectedLow float64 `json:"projected_change_low"`
	ProjectedHi  float64 `json:"projected_change_high"`
	RelProjected float64 `json:"relative_change"`
	// Margin is the practical margin (see SeriesEvidence.Margin).
	Margin     float64    `json:"margin"`
	MarginKind MarginKind `json:"margin_kind"`
	NoiseSigma float64    `json:"noise_sigma"`
	// Level is the current level: the mean of the LevelN points of the
	// final window, from step LevelFrom to the last.
	Level     float64 `json:"level"`
	LevelFrom int64   `json:"level_from"`
	LevelN    int     `json:"level_n"`
	// Direction is improving or worsening (the interval excludes 0 and
	// the estimate is beyond the margin), flat (the whole interval is
	// within the margin) or unclear.
	Direction Direction `json:"direction"`
	Plateau   bool      `json:"plateau"`
	// Resolution is the precision the values were logged with (0 for
	// full precision); a projected change below it is not measurable.
	Resolution float64 `json:"resolution,omitempty"`
}

// Accuracy summarises a training accuracy (mean_token_accuracy, a
// preference accuracy) and what it measures.
type Accuracy struct {
	Metric string  `json:"metric"`
	Rows   []Cited `json:"rows"`
	Steps  []int64 `json:"steps"`
	// Kind says what the accuracy measures.
	Kind AccuracyKind `json:"kind"`
	// CopyOf names the series this one copies (LLaMA-Factory's accuracy
	// is rewards/accuracies), or "".
	CopyOf string `json:"copy_of,omitempty"`
	// Quantum is m when every value is a multiple of 1/m (a share of a
	// batch of m items), 0 otherwise.
	Quantum int `json:"quantum,omitempty"`
	// NearChance reports a pairwise accuracy at about 50%; LossAtLn2 is
	// then the final loss level when it is about ln 2.
	NearChance bool     `json:"near_chance,omitempty"`
	LossAtLn2  *Derived `json:"loss_at_ln2,omitempty"`
	// Eval is the last held-out value of eval_<Metric>, logged at
	// EvalStep, when there is one.
	Eval     *Cited `json:"eval_value,omitempty"`
	EvalStep int64  `json:"eval_step,omitempty"`
	// FirstLevel and FinalLevel are the means of the first and of the
	// final window (as TrainLoss.FinalLevel), set when the logged values
	// are coarse per-batch shares (multiples of 1/m for a small m), whose
	// single values, in Rows, say little; nil otherwise.
	FirstLevel *Derived `json:"first_level,omitempty"`
	FinalLevel *Derived `json:"final_level,omitempty"`
}

// LRRow is the learning rate at one step.
type LRRow struct {
	Step   int64   `json:"step"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	// StepEstimated names what Step was estimated from; empty when read.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// LRSchedule describes the learning-rate schedule.
type LRSchedule struct {
	Present bool `json:"present"`
	// Kind is a Transformers scheduler name (constant,
	// constant_with_warmup, linear, cosine, cosine_with_restarts,
	// polynomial, inverse_sqrt, cosine_with_min_lr, warmup_stable_decay,
	// reduce_lr_on_plateau) or "" when unknown.
	Kind        ScheduleKind `json:"kind"`
	WarmupSteps int64        `json:"warmup_steps"`
	Peak        float64      `json:"peak"`
	Final       float64      `json:"final"`
	FitError    float64      `json:"fit_error"` // RMS residual of the normalised fit
	Rows        []LRRow      `json:"rows"`
	// State says how far the schedule could be told.
	State ScheduleState `json:"state"`
	// Points is the number of logged rates; LastStep the last one's step.
	Points   int   `json:"points"`
	LastStep int64 `json:"last_step,omitempty"`
	// TotalSteps is the length of the fitted schedule, in scheduler steps.
	TotalSteps int64 `json:"total_steps,omitempty"`
	// Skipped lists the optimizer steps the fp16 loss scaler skipped up to
	// the last step (they do not advance the scheduler).
	Skipped []int64 `json:"skipped_steps,omitempty"`
	// Param is the fitted kind's parameter: the cycles of
	// cosine_with_restarts, the power of polynomial, the min_lr_rate of
	// cosine_with_min_lr, the decay's first step of warmup_stable_decay,
	// the steps down of reduce_lr_on_plateau; 0 otherwise.
	Param float64 `json:"param,omitempty"`
	// DecayShape is warmup_stable_decay's decay ("linear", "cosine",
	// "1-sqrt"), "" otherwise.
	DecayShape string `json:"decay_shape,omitempty"`
	// PoorFit reports that no Transformers scheduler fits well (FitError
	// above 5% of the peak): Kind is the closest.
	PoorFit bool `json:"poor_fit,omitempty"`
}

// Throughput is speed and cost.
type Throughput struct {
	RuntimeSeconds *Cited `json:"runtime_seconds,omitempty"`
	// RuntimeFrom says where the runtime comes from; RuntimeFromStep and
	// RuntimeToStep bound the logs it was measured over when it was not
	// logged as train_runtime.
	RuntimeFrom     RuntimeBasis `json:"runtime_from,omitempty"`
	RuntimeFromStep int64        `json:"runtime_from_step,omitempty"`
	RuntimeToStep   int64        `json:"runtime_to_step,omitempty"`
	// SecondsPerIt and ItPerSecond are the progress bar's rates as logged
	// (either may be nil); BarShowsSecondsPerIt reports which one the bar
	// displayed.
	SecondsPerIt         *Cited   `json:"seconds_per_it,omitempty"`
	BarShowsSecondsPerIt bool     `json:"bar_shows_seconds_per_it,omitempty"`
	ItPerSecond          *Cited   `json:"it_per_second,omitempty"`
	SamplesPerSec        *Cited   `json:"samples_per_second,omitempty"`
	StepsPerSec          *Cited   `json:"steps_per_second,omitempty"`
	TokensPerSec         *Cited   `json:"tokens_per_second,omitempty"`
	GPUHourPrice         float64  `json:"gpu_hour_price,omitempty"`
	GPUHours             *Derived `json:"gpu_hours,omitempty"`
	Cost                 *Derived `json:"cost,omitempty"`
	// TokensSeen is the number of input tokens seen, when logged.
	TokensSeen *Cited `json:"tokens_seen,omitempty"`
	// RatesInflated reports a run that stopped before its planned steps:
	// the Trainer computes its per-second rates from the planned steps.
	RatesInflated bool `json:"rates_inflated,omitempty"`
}

// EvalRow is one evaluation.
type EvalRow struct {
	Step      int64   `json:"step"`
	Epoch     float64 `json:"epoch"`
	Value     float64 `json:"value"`
	Source    string  `json:"source"`
	TrainLoss *Cited  `json:"train_loss,omitempty"` // train loss at the same step when logged
	Gap       float64 `json:"gap"`                  // eval - train
	// StepEstimated names what Step was estimated from; empty when read.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// EarlyStop is a replay of Transformers' EarlyStoppingCallback.
type EarlyStop struct {
	Patience  int     `json:"patience"`
	Threshold float64 `json:"threshold"`
	StopStep  int64   `json:"stop_step"` // -1: would not have stopped
	BestStep  int64   `json:"best_step"`
}

// Eval is the generalisation section.
type Eval struct {
	Present     bool        `json:"present"`
	Metric      string      `json:"metric"`
	Greater     bool        `json:"greater_is_better"`
	Rows        []EvalRow   `json:"rows"`
	BestStep    int64       `json:"best_step"` // -1 without eval
	Best        *Cited      `json:"best,omitempty"`
	Last        *Cited      `json:"last,omitempty"`
	RiseSigma   float64     `json:"rise_sigma"`  // (last - best) / eval noise
	Overfitting bool        `json:"overfitting"` // eval rose beyond its noise while train did not rise
	Since       int64       `json:"overfitting_since,omitempty"`
	EarlyStop   []EarlyStop `json:"early_stopping"`
	// Noise is the eval metric's noise (from second differences);
	// Threshold the rise above the best beyond which it is overfitting
	// (the larger of OverfitZ noise sigmas and Options.PlateauRel of the
	// best); After the number of evaluations after the best; TrainRose
	// reports a train loss that rose significantly meanwhile (then a
	// worse eval is instability, not overfitting).
	Noise     float64 `json:"noise"`
	Threshold float64 `json:"threshold"`
	After     int     `json:"evals_after_best"`
	TrainRose bool    `json:"train_rose,omitempty"`
	// Other are the final eval_* and test_* values of an end-of-run
	// summary (all_results.json, wandb-summary.json).
	Other []Named `json:"other"`
	// Gaps compare those final values with the last training value of
	// the same metric or with the test split; TestWorse reports a test
	// split far worse than the eval split.
	Gaps      []SummaryGap `json:"gaps"`
	TestWorse bool         `json:"test_worse,omitempty"`
	// Hints are indirect signs of memorisation when no eval was logged:
	// hints, not measurements.
	Hints []Hint `json:"hints"`
}

// OverfitZ is the rise of the eval metric above its best, in eval noise
// sigmas, beyond which the rise is not noise.
const OverfitZ = overfitZ

// Named is a value read from a log under a name (a summary key).
type Named struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// A SummaryGap compares a final eval value of the summary (Eval) with
// another value of the same metric (Against): the last training value
// (Test false) or the test split's value (Test true).
type SummaryGap struct {
	Eval    Named `json:"eval"`
	Against Named `json:"against"`
	// Step is the training step of Against when it is a training value.
	Step int64 `json:"step,omitempty"`
	Test bool  `json:"test,omitempty"`
	// Agree reports test and eval within SummaryGapRel of each other.
	Agree bool `json:"agree,omitempty"`
	// NearChance reports a held-out preference accuracy near 0.5.
	NearChance bool `json:"near_chance,omitempty"`
}

// SummaryGapRel is the relative difference between an eval and a test
// value of the same metric beyond which the two splits disagree.
const SummaryGapRel = summaryGapRel

// HintKind names an indirect sign of memorisation.
type HintKind string

// Hint kinds.
const (
	HintHighAccuracy HintKind = "high-accuracy"     // a training accuracy of 95% or more
	HintFarBelow     HintKind = "far-below-epoch-1" // final loss under half the first epoch's median
	HintStaircase    HintKind = "epoch-staircase"   // drops at epoch boundaries
	HintNone         HintKind = "none"              // no sign found, which proves nothing
)

// A Hint is an indirect sign of memorisation, not a measurement.
type Hint struct {
	Kind   HintKind `json:"kind"`
	Metric string   `json:"metric,omitempty"`
	Value  float64  `json:"value,omitempty"`
	Step   int64    `json:"step,omitempty"`
	Source string   `json:"source,omitempty"`
	// Ref is the first epoch's median loss (HintFarBelow).
	Ref float64 `json:"ref,omitempty"`
	// Count is the times each example was seen (HintFarBelow) or the
	// number of boundary drops (HintStaircase).
	Count int `json:"count,omitempty"`
}

// CheckpointRow is one checkpoint found on disk.
type CheckpointRow struct {
	Step      int64  `json:"step"`
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	TrainLoss *Cited `json:"train_loss,omitempty"`
	Eval      *Cited `json:"eval,omitempty"`
	// Roles are what the checkpoint is good for, the main one first.
	Roles []Role `json:"roles"`
}

// Recommendation is the checkpoint to ship, with alternatives. The
// alternatives never include the recommended checkpoint.
type Recommendation struct {
	Step int64  `json:"step"`
	Path string `json:"path"`
	// Basis says why this checkpoint: the best evaluation, the final
	// weights of a healthy run, the last one before an anomaly, ...
	Basis RecommendBasis `json:"basis"`
	// Anomaly is the step of the anomaly a RecBeforeAnomaly or
	// RecAnomalyNoEarly recommendation avoids (-1 when none) and
	// AnomalyKind its finding's kind.
	Anomaly     int64       `json:"anomaly_step"`
	AnomalyKind FindingKind `json:"anomaly_kind,omitempty"`
	// Eval is the chosen checkpoint's evaluation (RecBestEval,
	// RecBestRemaining), nil otherwise.
	Eval *Cited `json:"eval,omitempty"`
	// BestStep is the step of the best evaluation (-1 without eval), which
	// may have no checkpoint left on disk.
	BestStep     int64           `json:"best_eval_step"`
	Alternatives []CheckpointRow `json:"alternatives"`
	// Between are the evaluations just before and just after a
	// RecBetweenEvals checkpoint, which was not evaluated itself; the
	// worse of the two bounds it if the eval metric moved steadily
	// between them.
	Between []EvalPoint `json:"between,omitempty"`
}

// An EvalPoint is one evaluation, cited.
type EvalPoint struct {
	Step   int64   `json:"step"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
	// StepEstimated names what Step was estimated from; empty when read.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// AnotherEpoch is the forecast (methods §8): for a run that stopped
// before its planned steps, the level at the end of the rest of the run
// under the logged schedule; for a finished run, the gain of one more
// epoch under a new schedule. Both come with an 80% range, calibrated by
// the backtest (docs/methods.md, "Backtest").
type AnotherEpoch struct {
	Available bool `json:"available"`
	// Missing says why no forecast was made.
	Missing ForecastMissing `json:"missing,omitempty"`
	Metric  string          `json:"metric"`
	Kind    ForecastKind    `json:"kind"`
	// Horizon is how far ahead the forecast looks, capped at the span of
	// the curve it was fitted on; HorizonSteps is Horizon.Steps.
	Horizon      Horizon `json:"horizon"`
	HorizonSteps int64   `json:"horizon_steps"`
	// Schedule is the learning rate the forecast assumes over the
	// horizon.
	Schedule ScheduleAssumption `json:"schedule"`
	// ExpectedGain is the forecast improvement over the horizon (positive
	// = better, in the metric's units); GainLow and GainHigh bound its
	// 80% range.
	ExpectedGain float64 `json:"expected_gain"`
	GainLow      float64 `json:"gain_low"`
	GainHigh     float64 `json:"gain_high"`
	// LastValue is the current level, the naive baseline (the projection
	// if nothing changes): the mean of the LevelN points of the final
	// window, from step LevelFrom on.
	LastValue float64 `json:"last_value_baseline"`
	LevelFrom int64   `json:"level_from"`
	LevelN    int     `json:"level_n"`
	// Basis says what the forecast extrapolates: a long-range form (the
	// first of Forms) or the final segment's slope.
	Basis ForecastBasis `json:"basis,omitempty"`
	// Forms are the model forms fitted, the chosen one first.
	Forms []FormFit `json:"forms"`
	// SegmentChange is the improvement measured over the final segment
	// (steps SegmentFrom to SegmentTo, the verdict's) with its 95%
	// interval: a form whose own change there is outside it is not used.
	SegmentFrom   int64    `json:"segment_from,omitempty"`
	SegmentTo     int64    `json:"segment_to,omitempty"`
	SegmentChange Interval `json:"segment_change"`
	// Margin is the practical margin at the horizon: the verdict's margin
	// with its share of the run's total improvement scaled to the
	// horizon. A converged run's expected gain is at most Margin.
	Margin float64 `json:"margin"`
	// Bounded reports a forecast brought within what the verdict's
	// evidence allows while its range reached there: a converged or
	// stalled run's expected gain at most Margin (see forecast.go).
	Bounded bool `json:"bounded,omitempty"`
	// Range says how the 80% range was built.
	Range RangeBuild `json:"range"`
	// FitFrom and FitTo are the steps the forms were fitted on; LogScale
	// reports a fit of log(metric); Axis what the forms were fitted
	// against.
	FitFrom  int64    `json:"fit_from"`
	FitTo    int64    `json:"fit_to"`
	LogScale bool     `json:"log_scale"`
	Axis     FitAxis  `json:"axis"`
	Annealed bool     `json:"annealed"`
	Cost     CostEst  `json:"cost"`
	Risk     RiskKind `json:"overfitting_risk"`
	// RiskStep is the step the risk refers to (the best evaluation).
	RiskStep   int64  `json:"risk_step,omitempty"`
	EvalMetric string `json:"eval_metric,omitempty"`
}

// ForecastMissing says why no forecast was made.
type ForecastMissing string

// Reasons for no forecast.
const (
	MissingPoints  ForecastMissing = "too-few-points"
	MissingHorizon ForecastMissing = "unknown-horizon"
	// MissingStatus: the verdict is diverged or insufficient-data:
	// there is no learning curve to extrapolate.
	MissingStatus ForecastMissing = "no-learning-curve"
	// MissingNonFinite: the extrapolation gives no finite number.
	MissingNonFinite ForecastMissing = "no-finite-forecast"
	// MissingDisagrees: the forecast contradicts the verdict (a
	// converged or stalled run whose whole range is beyond the margin,
	// an improving run forecast no more than the margin): the log cannot
	// settle it.
	MissingDisagrees ForecastMissing = "disagrees-with-verdict"
)

// ForecastKind says what a forecast answers.
type ForecastKind string

// Forecast kinds.
const (
	// ForecastRestOfRun: the level at max_steps (or at the capped
	// horizon) of a run that stopped early, under its logged schedule.
	ForecastRestOfRun ForecastKind = "rest-of-run"
	// ForecastMoreTraining: the gain of more training (one more epoch)
	// of a finished run, under a new schedule at the run's mean rate.
	ForecastMoreTraining ForecastKind = "more-training"
)

// ScheduleAssumption is the learning rate a forecast assumes.
type ScheduleAssumption string

// Schedule assumptions.
const (
	// ScheduleLogged continues the logged schedule to max_steps.
	ScheduleLogged ScheduleAssumption = "logged-schedule"
	// ScheduleMeanRate is a new schedule at the run's mean rate.
	ScheduleMeanRate ScheduleAssumption = "mean-rate"
	// ScheduleNone: no rate was logged; the forms are fitted against steps.
	ScheduleNone ScheduleAssumption = "steps"
)

// FitAxis is what the forecast forms were fitted against.
type FitAxis string

// Fit axes.
const (
	// FitLRArea: the cumulative learning rate S1 = sum(lr)/peak and the
	// annealing area S2 (Tissue et al. 2024).
	FitLRArea FitAxis = "lr-area"
	FitSteps  FitAxis = "steps"
)

// FormFit is one model form fitted by the forecast.
type FormFit struct {
	Form FormName `json:"form"`
	// Params are the fitted shape parameters: alpha and C for the power
	// law, tau for the exponential.
	Alpha float64 `json:"alpha,omitempty"`
	C     float64 `json:"c,omitempty"`
	Tau   float64 `json:"tau,omitempty"`
	// HeldOutMiss is how far, fitted without the last holdoutShare of the
	// points, the form's predicted change over them missed the observed
	// change, HeldOutObserved (both on the fitted scale); -1 when not
	// scored.
	HeldOutMiss     float64 `json:"held_out_miss"`
	HeldOutObserved float64 `json:"held_out_observed"`
	// Gain is the form's own forecast over the horizon.
	Gain float64 `json:"gain"`
	// SegmentChange is the form's change over the final segment, to
	// compare with AnotherEpoch.SegmentChange.
	SegmentChange float64 `json:"segment_change"`
	// Rejected says why the form was not used ("" when it could be).
	Rejected FormRejection `json:"rejected,omitempty"`
	// InRange reports that the form's gain bounds the range (it predicts
	// the held-out points about as well as the chosen form).
	InRange bool `json:"in_range"`
}

// FormName names a forecast model form.
type FormName string

// Model forms.
const (
	// FormPowerLaw is L = L0 + A*S1^-alpha - C*S2 (Tissue et al. 2024).
	FormPowerLaw FormName = "power-law-lr-area"
	// FormExp is L = L0 + A*exp(-S1/tau).
	FormExp FormName = "saturating-exponential"
)

// RangeBuild says how a forecast's 80% range was built: the bootstrap
// interval of the chosen form's refits, widened by the forms that
// extrapolate about as well and by the held-out miss, then inflated.
type RangeBuild struct {
	Refits    int      `json:"refits"`
	Bootstrap Interval `json:"bootstrap"`
	// RelMiss is the chosen form's relative held-out miss used to widen
	// the range (0 when not measurable).
	RelMiss float64 `json:"rel_miss"`
	// Inflation is the factor the half-widths were multiplied by.
	Inflation float64 `json:"inflation"`
	// RateSpread is, for a forecast of the recent rate, the largest
	// distance of the other measured rates from it over the horizon: how
	// much the curve may bend.
	RateSpread float64 `json:"rate_spread,omitempty"`
}

// CostEst is the time and money the horizon would take.
type CostEst struct {
	Seconds        float64 `json:"seconds"`
	SecondsPerStep float64 `json:"seconds_per_step"`
	GPUs           int     `json:"gpus,omitempty"`
	GPUHourPrice   float64 `json:"gpu_hour_price,omitempty"`
	Money          float64 `json:"money,omitempty"`
}

// RiskKind grades the overfitting risk of more training.
type RiskKind string

// Overfitting risks.
const (
	// RiskUnknownTrainLoss: no eval, and the forecast is of the train
	// loss, which measures fit to the training set.
	RiskUnknownTrainLoss RiskKind = "cannot-tell-train-loss"
	// RiskUnknown: no eval; the forecast is of a training metric.
	RiskUnknown  RiskKind = "cannot-tell"
	RiskHigh     RiskKind = "high"
	RiskLow      RiskKind = "low"
	RiskModerate RiskKind = "moderate"
)

// A Spike is an outlier of a series.
type Spike struct {
	Metric string  `json:"metric"`
	Step   int64   `json:"step"`
	Value  float64 `json:"value"`
	Z      float64 `json:"z"`
	Source string  `json:"source"`
	Epoch  bool    `json:"epoch_boundary"` // an expected epoch-boundary drop
	// StepEstimated names what Step was estimated from; empty when read.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// A Finding is one conclusion or problem, with its evidence: what it is
// (Kind, and Cause for the variant), the steps, the statistic against
// its threshold, the other numbers it rests on (Facts) and the sources.
type Finding struct {
	Kind     FindingKind `json:"kind"`
	Severity Severity    `json:"severity"`
	Cause    Cause       `json:"cause,omitempty"`
	// Metric is the series the finding is about, when one is.
	Metric   string `json:"metric,omitempty"`
	Step     int64  `json:"step"`
	FromStep int64  `json:"from_step"`
	ToStep   int64  `json:"to_step"`
	// Count is the number of points, steps or spikes concerned and Of
	// the number they are out of (0 when not meaningful).
	Count int `json:"count,omitempty"`
	Of    int `json:"of,omitempty"`
	// Steps lists the steps concerned, at most maxFindingSteps of them.
	Steps     []int64   `json:"steps,omitempty"`
	Statistic Statistic `json:"statistic,omitempty"`
	Value     float64   `json:"value,omitempty"`
	Threshold float64   `json:"threshold,omitempty"`
	// Facts are the other numbers the finding rests on.
	Facts []Fig `json:"facts,omitempty"`
	// File is the file a finding about one file's printers is about.
	File string `json:"file,omitempty"`
	// Detail is text quoted from a log (a crash's last line, a reader's
	// note on a disagreement), never text written by plateau.
	Detail  string   `json:"detail,omitempty"`
	Sources []string `json:"sources"`
	// StepEstimated names what Step was estimated from when it is the
	// step of a cited value whose step was estimated; empty otherwise.
	StepEstimated string `json:"step_estimated,omitempty"`
}

// A Fig is one named number of a finding, with the step it is at and its
// source when it was read from a log.
type Fig struct {
	Name   Quantity `json:"name"`
	Value  float64  `json:"value"`
	Step   int64    `json:"step,omitempty"`
	Source string   `json:"source,omitempty"`
}

// Fact returns the value of the named fact of f and whether it is there.
func (f Finding) Fact(name Quantity) (Fig, bool) {
	for _, x := range f.Facts {
		if x.Name == name {
			return x, true
		}
	}
	return Fig{}, false
}

// FactsNamed returns every fact of f with the given name, in order.
func (f Finding) FactsNamed(name Quantity) []Fig {
	var out []Fig
	for _, x := range f.Facts {
		if x.Name == name {
			out = append(out, x)
		}
	}
	return out
}
