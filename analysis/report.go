package analysis

import "github.com/plateau-dev/plateau/trainlog"

// SchemaVersion identifies the JSON schema of a Report (docs/json-schema.md).
const SchemaVersion = "plateau.report/v1"

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
	Summary                []string       `json:"summary"`
	Warnings               []string       `json:"warnings"`

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
	How   string  `json:"how"`
}

// A Fact is one labelled, cited number of the run's header.
type Fact struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// FileUse says how one input file was used.
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
	Name      string    `json:"name"`
	Root      string    `json:"root"`
	Files     []FileUse `json:"files"`
	Library   string    `json:"library,omitempty"`
	Family    string    `json:"family"` // sft, pretrain, dpo, orpo, kto, reward, grpo, ppo, classification
	Geometry  []Fact    `json:"geometry"`
	FirstStep int64     `json:"first_step"`
	LastStep  int64     `json:"last_step"`
	MaxSteps  int64     `json:"max_steps,omitempty"`
	Epochs    float64   `json:"epochs,omitempty"`
	Series    []string  `json:"series"`
	Completed bool      `json:"completed"` // a summary or should_training_stop was found
	Events    []Event   `json:"events"`
}

// An Event is a restart, crash, disagreement or note found in the logs.
type Event struct {
	Kind    string   `json:"kind"`
	Step    int64    `json:"step"`
	Message string   `json:"message"`
	Sources []string `json:"sources"`
}

// A Milestone is the state of the run at a notable step: the first step,
// each epoch boundary, the last step.
type Milestone struct {
	Label   string             `json:"label"`
	Step    int64              `json:"step"`
	Epoch   float64            `json:"epoch"`
	Metrics map[string]float64 `json:"metrics"`
	// MetricSources gives the source of each metric.
	MetricSources map[string]string `json:"metric_sources"`
	// Source is the primary source (that of the loss when logged).
	Source string `json:"source"`
	// Sources lists every source that logged this step, primary first.
	Sources []string `json:"sources"`
}

// A Phase is a stretch of the training curve with one behaviour.
type Phase struct {
	// Name is the phase's name as reports show it (see the Phase*
	// constants): "rapid decline", "slowing" (after a faster phase),
	// "moderate decline", "diminishing returns", "rising", "flat"; for a
	// metric where greater is better, "rapid rise", "moderate rise",
	// "falling".
	Name       string  `json:"name"`
	StartStep  int64   `json:"start_step"`
	EndStep    int64   `json:"end_step"`
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
	// Boundary says why the phase starts where it does: "start", "epoch
	// boundary", "end of warmup", "schedule kink", "change point".
	Boundary string `json:"boundary"`
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
	Explanation    string   `json:"explanation"`
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
	Text      string  `json:"text"`
}

// Trend is the slope test over the final segment.
type Trend struct {
	Metric       string  `json:"metric"`
	FromStep     int64   `json:"from_step"`
	ToStep       int64   `json:"to_step"`
	N            int     `json:"n"`
	SlopePerStep float64 `json:"slope_per_step"` // Theil-Sen, in metric units per step
	SlopeLow     float64 `json:"slope_low"`
	SlopeHigh    float64 `json:"slope_high"`
	MannKendallZ float64 `json:"mann_kendall_z"`
	P            float64 `json:"p"`
	HorizonSteps int64   `json:"horizon_steps"`
	Projected    float64 `json:"projected_change"` // over the horizon
	RelProjected float64 `json:"relative_change"`  // projected / level
	NoiseSigma   float64 `json:"noise_sigma"`
	Plateau      bool    `json:"plateau"`
	Text         string  `json:"text"`
	// Level is the current level of the metric, the reference of
	// RelProjected: the mean of its final window, as
	// TrainLoss.FinalLevel (see LevelHow).
	Level float64 `json:"level"`
	// LevelHow says how Level was measured.
	LevelHow string `json:"level_how,omitempty"`
	// Significant reports Mann-Kendall p < TrendAlpha (0.01).
	Significant bool `json:"significant"`
	// Direction is "improving", "worsening" or "flat" (a plateau).
	Direction string `json:"direction"`
	// HorizonWhat says what HorizonSteps is ("one more epoch", ...), and
	// why it was capped at the span of the segment.
	HorizonWhat string `json:"horizon_what"`
	// Resolution is the precision the values were logged with (0 for
	// full precision); a projected change below it is not measurable.
	Resolution float64 `json:"resolution,omitempty"`
}

// Accuracy summarises token accuracy (mean_token_accuracy) with its caveat.
type Accuracy struct {
	Metric string  `json:"metric"`
	Rows   []Cited `json:"rows"`
	Steps  []int64 `json:"steps"`
	Caveat string  `json:"caveat"`
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
}

// LRSchedule describes the learning-rate schedule.
type LRSchedule struct {
	Present bool `json:"present"`
	// Kind is a Transformers scheduler name (constant,
	// constant_with_warmup, linear, cosine, cosine_with_restarts,
	// polynomial, inverse_sqrt, cosine_with_min_lr, warmup_stable_decay,
	// reduce_lr_on_plateau) or "" when unknown.
	Kind        string  `json:"kind"`
	WarmupSteps int64   `json:"warmup_steps"`
	Peak        float64 `json:"peak"`
	Final       float64 `json:"final"`
	FitError    float64 `json:"fit_error"` // RMS residual of the normalised fit
	Rows        []LRRow `json:"rows"`
	Text        string  `json:"text"`
}

// Throughput is speed and cost.
type Throughput struct {
	RuntimeSeconds *Cited   `json:"runtime_seconds,omitempty"`
	RuntimeHMS     string   `json:"runtime_hms,omitempty"`
	SecondsPerIt   *Cited   `json:"seconds_per_it,omitempty"`
	ItPerSecond    *Cited   `json:"it_per_second,omitempty"`
	SamplesPerSec  *Cited   `json:"samples_per_second,omitempty"`
	StepsPerSec    *Cited   `json:"steps_per_second,omitempty"`
	TokensPerSec   *Cited   `json:"tokens_per_second,omitempty"`
	GPUHourPrice   float64  `json:"gpu_hour_price,omitempty"`
	GPUHours       *Derived `json:"gpu_hours,omitempty"`
	Cost           *Derived `json:"cost,omitempty"`
	Text           string   `json:"text"`
	// Notes are the facts of Text that the fields above do not hold (how
	// a missing runtime was estimated, tokens seen, caveats), for
	// renderers that show the fields as a table.
	Notes []string `json:"notes,omitempty"`
}

// EvalRow is one evaluation.
type EvalRow struct {
	Step      int64   `json:"step"`
	Epoch     float64 `json:"epoch"`
	Value     float64 `json:"value"`
	Source    string  `json:"source"`
	TrainLoss *Cited  `json:"train_loss,omitempty"` // train loss at the same step when logged
	Gap       float64 `json:"gap"`                  // eval - train
}

// EarlyStop is a replay of Transformers' EarlyStoppingCallback.
type EarlyStop struct {
	Patience  int     `json:"patience"`
	Threshold float64 `json:"threshold"`
	StopStep  int64   `json:"stop_step"` // -1: would not have stopped
	BestStep  int64   `json:"best_step"`
	Text      string  `json:"text"`
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
	Other       []Cited     `json:"other"` // other eval/test values, e.g. from summary files
	Text        string      `json:"text"`
	Hints       []string    `json:"hints"` // labelled hints when no eval exists
}

// CheckpointRow is one checkpoint found on disk.
type CheckpointRow struct {
	Step      int64  `json:"step"`
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	TrainLoss *Cited `json:"train_loss,omitempty"`
	Eval      *Cited `json:"eval,omitempty"`
	Use       string `json:"use"`
}

// Recommendation is the checkpoint to ship, with alternatives.
type Recommendation struct {
	Step         int64           `json:"step"`
	Path         string          `json:"path"`
	Reason       string          `json:"reason"`
	Alternatives []CheckpointRow `json:"alternatives"`
}

// AnotherEpoch is the projection of one more epoch.
type AnotherEpoch struct {
	Available    bool   `json:"available"`
	Reason       string `json:"reason"`
	HorizonSteps int64  `json:"horizon_steps"`
	// HorizonWhat says what HorizonSteps is: "one more epoch", "the
	// remaining steps of the run", or why it was capped.
	HorizonWhat string `json:"horizon_what,omitempty"`
	Method      string `json:"method"`
	// ExpectedGain is the gain the better-extrapolating form projects;
	// GainLow and GainHigh bound its likely range (see RangeHow).
	ExpectedGain float64 `json:"expected_gain"`
	GainLow      float64 `json:"gain_low"`
	GainHigh     float64 `json:"gain_high"`
	// RangeHow says how GainLow and GainHigh were found.
	RangeHow string `json:"range_how,omitempty"`
	// LastValue is the naive baseline, the projection if nothing
	// changes: the current level, the mean of the final window (see
	// LevelHow), as TrainLoss.FinalLevel.
	LastValue float64 `json:"last_value_baseline"`
	// LevelHow says how LastValue was measured.
	LevelHow    string   `json:"level_how,omitempty"`
	CostSeconds float64  `json:"cost_seconds"`
	Cost        *Derived `json:"cost,omitempty"`
	Risk        string   `json:"overfitting_risk"`
	Text        string   `json:"text"`
}

// A Spike is an outlier of a series.
type Spike struct {
	Metric string  `json:"metric"`
	Step   int64   `json:"step"`
	Value  float64 `json:"value"`
	Z      float64 `json:"z"`
	Source string  `json:"source"`
	Epoch  bool    `json:"epoch_boundary"` // an expected epoch-boundary drop
}

// Severity levels.
const (
	SevInfo    = "info"
	SevWarning = "warning"
	SevError   = "error"
)

// A Finding is one conclusion or problem, with its evidence.
type Finding struct {
	Kind      string   `json:"kind"`
	Severity  string   `json:"severity"`
	Message   string   `json:"message"`
	Step      int64    `json:"step"`
	FromStep  int64    `json:"from_step"`
	ToStep    int64    `json:"to_step"`
	Statistic string   `json:"statistic,omitempty"`
	Value     float64  `json:"value,omitempty"`
	Threshold float64  `json:"threshold,omitempty"`
	Sources   []string `json:"sources"`
}

// Verdict statuses.
const (
	StatusConverged        = "converged"
	StatusImproving        = "improving"
	StatusOverfitting      = "overfitting"
	StatusDiverged         = "diverged"
	StatusStalled          = "stalled"
	StatusInsufficientData = "insufficient-data"
)

// Verdict is the one-line conclusion.
type Verdict struct {
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Confidence string `json:"confidence"` // low, medium, high
	Metric     string `json:"metric"`
}
