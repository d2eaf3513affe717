package analysis

// The typed constants of a Report. Each is a string type so that the
// JSON output keeps readable names; package report turns them into
// sentences (report/explain.go), and analysis never writes English.

// Severity is how much a finding matters.
type Severity string

// Severity levels, from the least to the most severe.
const (
	SevInfo    Severity = "info"
	SevWarning Severity = "warning"
	SevError   Severity = "error"
)

// Rank orders severities: 0 for an error, 1 for a warning, 2 otherwise.
func (s Severity) Rank() int {
	switch s {
	case SevError:
		return 0
	case SevWarning:
		return 1
	}
	return 2
}

// FindingKind names what a finding is about.
type FindingKind string

// Finding kinds. The curve's own kinds come from curveFindings
// (findings.go, gradspikes.go), the log's from pitfalls (pitfalls*.go).
const (
	KindSpike              FindingKind = "spike"
	KindEpochDrop          FindingKind = "epoch-drop"
	KindStartup            FindingKind = "startup-spike"
	KindDivergence         FindingKind = "divergence"
	KindExploding          FindingKind = "exploding-gradients"
	KindStall              FindingKind = "stall"
	KindOverfitting        FindingKind = "overfitting"
	KindGradNormSpikes     FindingKind = "grad-norm-spikes"
	KindMissingCallback    FindingKind = "missing-callback"
	KindSourceDisagreement FindingKind = "source-disagreement"
	KindGradNormHigh       FindingKind = "grad-norm-high"
	KindZeroLoss           FindingKind = "zero-loss"
	KindNonFinite          FindingKind = "non-finite"
	KindLRStuckZero        FindingKind = "lr-stuck-zero"
	KindNoSummary          FindingKind = "no-summary"
	KindIncomplete         FindingKind = "incomplete"
	KindRestart            FindingKind = "restart"
	KindStepCount          FindingKind = "step-count"
)

// Cause names the variant of a finding kind that the evidence points to:
// why a loss is 0, how a run ended, which rule confirmed a spike. Each
// constant says which kinds use it.
type Cause string

// Causes.
const (
	// spike
	CauseLightning Cause = "lightning-3x"         // >= 3x its neighbours (Lightning's SpikeDetection)
	CauseFoundry   Cause = "foundry-sustained-2x" // >= 2x for several logs (LLM Foundry's KillLossSpike)
	CauseZScore    Cause = "z-score"              // a modified z-score beyond the threshold only
	CauseOneStep   Cause = "one-step"             // 2x-3x for one log, back to normal at the next
	CauseMinor     Cause = "within-2x"            // statistical outliers within 2x of their neighbours
	CauseRepeated  Cause = "repeated"             // three or more confirmed spikes of one metric
	// divergence
	CauseWorsening Cause = "worsening" // the final segment's trend goes the wrong way
	CauseRebound   Cause = "rebound"   // the end is worse than an earlier best beyond noise
	// stall
	CauseMargin Cause = "margin" // a preference margin that barely moves the implied probability
	// zero-loss
	CauseNaNWindow      Cause = "nan-window"      // loss 0.0 with grad_norm NaN
	CauseByConstruction Cause = "by-construction" // an RL trainer whose loss is about 0
	CauseUnexplained    Cause = "unexplained"     // rounding, masked labels or a broken batch
	// non-finite
	CausePrimary          Cause = "primary"           // the primary metric itself
	CauseScalerSkip       Cause = "fp16-scaler-skip"  // grad_norm NaN where the scheduler did not step
	CauseOverflowRepeated Cause = "overflow-repeated" // many non-finite grad_norm values
	CauseOverflow         Cause = "overflow"          // a few non-finite grad_norm values
	CauseMetric           Cause = "metric"            // another series
	// missing-callback
	CausePrinterStopped Cause = "printer-stopped"
	CausePrinterLate    Cause = "printer-late"
	CausePrinterCadence Cause = "printer-cadence"
	// lr-stuck-zero
	CauseScheduleEnded Cause = "schedule-ended" // 0 for the last logs
	CauseStuck         Cause = "stuck"          // 0 in the middle of the run
	// no-summary
	CauseCrash        Cause = "crash"
	CauseInterrupted  Cause = "interrupted"       // a KeyboardInterrupt: stopped by hand or by a scheduler
	CauseNoSummaryLog Cause = "format-no-summary" // a format that never writes one (Lightning CSV)
	CauseReachedEnd   Cause = "reached-end"       // the last step is max_steps
	CauseNearEnd      Cause = "near-end"          // within 1% of max_steps
	CauseUnknownEnd   Cause = "unknown"           // interrupted, still running, or a checkpoint's log
	// incomplete
	CauseStoppedOnPurpose Cause = "stopped-on-purpose" // with its summary: early stopping or a callback
	CauseJustBeforeEnd    Cause = "just-before-end"
	CauseStoppedEarly     Cause = "stopped-early"
	// restart
	CauseBiasedTrainLoss Cause = "biased-train-loss"
	// step-count
	CauseStepsMatch    Cause = "matches"
	CauseStepsExplicit Cause = "explicit" // max_steps differs from examples x epochs / batch
	// grad-norm-high
	CauseSingle   Cause = "single"
	CauseIsolated Cause = "isolated"
	// CauseRepeated (above) is also used for many high grad_norm values.
	// grad-norm-spikes
	CauseNoReaction    Cause = "no-reaction"     // the primary metric did not react
	CauseFewReactions  Cause = "few-reactions"   // reacted to a few
	CauseSetBack       Cause = "set-back"        // reacted to many: the updates set training back
	CauseNoPrimaryData Cause = "no-primary-data" // no primary curve to check a reaction on
	// exploding-gradients
	CauseHugeGradNorm Cause = "huge"    // the run's median grad_norm is far above the clipping norm
	CauseGrowing      Cause = "growing" // grad_norm grew beyond noise, tenfold or more
)

// Statistic names the statistic of a finding's Value and Threshold.
type Statistic string

// Statistics.
const (
	StatModifiedZ       Statistic = "modified-z"           // modified z-score of the point (of the largest for a group)
	StatOutliers        Statistic = "outliers-within-2x"   // number of outliers within 2x of their neighbours
	StatConfirmed       Statistic = "confirmed-spikes"     // spikes confirmed by the practitioners' rules
	StatRiseOverBest    Statistic = "rise-over-best"       // rise of the final level over the best
	StatMedianGain      Statistic = "median-improvement"   // improvement of the median, end over start
	StatEvalRiseSigma   Statistic = "eval-rise-sigma"      // (last - best) / eval noise
	StatMannKendallZ    Statistic = "mann-kendall-z"       // Mann-Kendall z of the final segment
	StatEpochDrop       Statistic = "drop-at-first-epoch"  // drop at the first epoch boundary
	StatNonFinite       Statistic = "non-finite-points"    // number of non-finite points
	StatGradGrowth      Statistic = "late-over-early"      // the highest later window median of grad_norm over the first window's
	StatGradMedian      Statistic = "grad-norm-median"     // the run's median grad_norm
	StatLargestGradNorm Statistic = "largest-grad-norm"    // the largest flagged grad_norm
	StatStepsReached    Statistic = "steps-reached"        // steps reached against max_steps
	StatStepCount       Statistic = "max-steps-vs-derived" // max_steps against examples x epochs / total batch
)

// Quantity names one number a finding rests on (Finding.Facts).
type Quantity string

// Quantities.
const (
	QStart         Quantity = "start"            // level at the start (median of the first window)
	QEnd           Quantity = "end"              // level at the end (median of the last window)
	QBest          Quantity = "best"             // best level (median of the best window)
	QBestFrom      Quantity = "best-from"        // first step of the best window
	QBestTo        Quantity = "best-to"          // last step of the best window
	QGain          Quantity = "gain"             // signed improvement, positive is better
	QRise          Quantity = "rise"             // how much worse, positive is worse
	QSigma         Quantity = "noise-sigma"      // point-to-point noise
	QWindow        Quantity = "window-points"    // points per window
	QLogScale      Quantity = "log-scale"        // 1 when measured on log(metric)
	QTailFraction  Quantity = "tail-fraction"    // share of the run per window
	QPracticalRel  Quantity = "practical-rel"    // the practical margin, relative to the level
	QPrefStart     Quantity = "preference-start" // implied preference probability sigmoid(margin) at the start
	QPrefEnd       Quantity = "preference-end"   // and at the end
	QEarly         Quantity = "early-median"     // median of the first points
	QLate          Quantity = "late-median"      // median of the last points (exploding gradients: of the highest later window, Step: its first step)
	QLateTo        Quantity = "late-to"          // last step of that window
	QMedian        Quantity = "median"           // median over the run
	QClipNorm      Quantity = "clip-norm"        // the clipping norm compared with (max_grad_norm, 1.0 by default)
	QMax           Quantity = "max"              // largest value (Step: where)
	QValue         Quantity = "value"            // the value at Step
	QNaN           Quantity = "nan"              // number of NaN points
	QInf           Quantity = "inf"              // number of infinite points
	QRatio         Quantity = "ratio"            // multiple of the neighbourhood median
	QP10           Quantity = "p10"              // 10th percentile of the usual range
	QP90           Quantity = "p90"              // 90th percentile of the usual range
	QRangeFrom     Quantity = "range-from"       // first step of the usual range's points
	QRangeTo       Quantity = "range-to"         // last step of the usual range's points
	QLossAt        Quantity = "loss-at"          // the loss at Step
	QReacted       Quantity = "reacted"          // spikes the primary metric reacted to (Step: each)
	QReactAfter    Quantity = "react-after"      // logs after a spike in the reaction test
	QReactBefore   Quantity = "react-before"     // logs before a spike in the reaction test
	QReactZ        Quantity = "react-z"          // standard errors the reaction must exceed
	QDropBefore    Quantity = "drop-before"      // median before an epoch boundary (Step: the boundary)
	QDropAfter     Quantity = "drop-after"       // median after it
	QExamples      Quantity = "examples"         // training examples
	QBatchPerDev   Quantity = "batch-per-device"
	QWorldSize     Quantity = "world-size"      // processes (Source: how known; see QWorldSizeFrom)
	QWorldSizeFrom Quantity = "world-size-from" // 0 logged, 1 from the total batch (Value of QTotalBatch), 2 assumed 1
	QTotalBatch    Quantity = "total-batch"
	QBatches       Quantity = "batches" // batches per epoch over all processes
	QGradAccum     Quantity = "grad-accum"
	QStepsPerEpoch Quantity = "steps-per-epoch"
	QRoundedDown   Quantity = "rounded-down" // 1 when the steps per epoch were rounded down
	QEpochs        Quantity = "epochs"
	QExpected      Quantity = "expected"     // the step count the geometry gives
	QPlanned       Quantity = "planned"      // max_steps
	QReached       Quantity = "reached"      // last step reached
	QResumedFrom   Quantity = "resumed-from" // global step a resume continued from
	QReported      Quantity = "reported"     // the reported train_loss
	QRecomputed    Quantity = "recomputed"   // the mean of the logged losses
)

// Method names how a derived number was computed (How.Method).
type Method string

// Methods.
const (
	// MethodWindowMean is the mean of N values of Metric over steps
	// FromStep-ToStep; Fraction is set when the window is the final
	// share of the run (Options.TailFraction), First when it is the first.
	MethodWindowMean Method = "window-mean"
	// MethodLastValue is the single value of Metric at ToStep.
	MethodLastValue Method = "last-value"
	// MethodPreviousEnd is the end level of the previous phase.
	MethodPreviousEnd Method = "previous-phase-end"
	// MethodRunMean is the mean of all N logged values of Metric, steps
	// FromStep-ToStep; Window is the logging interval when each logged
	// value is itself a window mean.
	MethodRunMean Method = "run-mean"
	// MethodNoise is the robust successive-difference noise
	// 1.4826*MAD(diff)/sqrt(2) of Metric over steps FromStep-ToStep, on
	// log(Metric) times the geometric mean GeoMean when LogScale (then
	// LogSigma is the noise of the log).
	MethodNoise Method = "successive-difference-noise"
	// MethodGPUHours is Seconds x GPUs / 3600 (GPUsFrom says how the GPUs
	// were counted, Sources where a logged count was read).
	MethodGPUHours Method = "gpu-hours"
	// MethodCost is GPUHours x Price.
	MethodCost Method = "gpu-cost"
	// MethodStepsCost is Steps x SecondsPerStep / 3600 x GPUs x Price.
	MethodStepsCost Method = "steps-cost"
)

// GPUBasis says how the billed GPUs were counted.
type GPUBasis string

// GPU bases.
const (
	GPUsGiven    GPUBasis = "given"      // --gpus
	GPUsLogged   GPUBasis = "world-size" // the logged world size
	GPUsAssumed1 GPUBasis = "assumed"    // not logged: 1 assumed
)

// TrainLossRelation says how the run's mean loss relates to its final
// level (TrainLoss.Relation).
type TrainLossRelation string

// Train-loss relations.
const (
	TLNoLoss      TrainLossRelation = "no-loss"          // neither train_loss nor a per-step loss
	TLSummaryOnly TrainLossRelation = "summary-only"     // train_loss only, no per-step loss
	TLSummaryLast TrainLossRelation = "summary-and-last" // train_loss and the summary's last loss
	TLOnePoint    TrainLossRelation = "one-point"        // one loss was logged
	TLNearZero    TrainLossRelation = "near-zero"        // a loss about 0 by construction (GRPO, PPO)
	TLAgrees      TrainLossRelation = "agrees"           // within TrainLossTolerance
	TLPulledUp    TrainLossRelation = "pulled-up"        // the mean is above the final level: early losses
	TLRoseLate    TrainLossRelation = "rose-late"        // the mean is below the final level
)

// AccuracyKind says what a training accuracy measures.
type AccuracyKind string

// Accuracy kinds.
const (
	AccTokens   AccuracyKind = "token"    // share of next tokens matching the labels
	AccPairwise AccuracyKind = "pairwise" // share of preference pairs ranked right
	AccBatch    AccuracyKind = "batch"    // another accuracy on the training batches
)

// RuntimeBasis says where the runtime comes from.
type RuntimeBasis string

// Runtime bases.
const (
	RuntimeLogged    RuntimeBasis = "train_runtime" // the Trainer's summary
	RuntimeProgress  RuntimeBasis = "progress-bar"  // the elapsed time of the last progress bar
	RuntimeElapsed   RuntimeBasis = "elapsed-time"  // the elapsed time logged with the points
	RuntimeWallClock RuntimeBasis = "wall-clock"    // wall-clock time from the first to the last log
)

// ScheduleState says how far the learning-rate schedule could be told.
type ScheduleState string

// Schedule states.
const (
	SchedNotLogged ScheduleState = "not-logged"
	SchedTooFew    ScheduleState = "too-few-points"
	SchedAllZero   ScheduleState = "all-zero"
	SchedWarmingUp ScheduleState = "still-warming-up"
	SchedFitted    ScheduleState = "fitted"
)

// Role is what a checkpoint is good for (CheckpointRow.Roles).
type Role string

// Checkpoint roles.
const (
	RoleFinal        Role = "final"          // the final weights
	RoleLatest       Role = "latest-on-disk" // the end was not saved: the latest there is
	RoleSameAsFinal  Role = "same-as-final"  // the step of the final weights: resume from here
	RoleLate         Role = "late"           // the latest before the end: an A/B test
	RoleLowLoss      Role = "low-loss"       // loss already low: fall back to reduce overfitting
	RoleEarlier      Role = "earlier"        // earlier, less trained
	RoleIntermediate Role = "intermediate"
	RoleBestEval     Role = "best-eval" // the best evaluation
)

// RecommendBasis says why a checkpoint is recommended.
type RecommendBasis string

// Recommendation bases.
const (
	RecNone           RecommendBasis = "none-on-disk"       // no checkpoint directory was found
	RecBestEval       RecommendBasis = "best-eval"          // the best evaluation
	RecBestRemaining  RecommendBasis = "best-remaining"     // the best was deleted: the best left
	RecBetweenEvals   RecommendBasis = "between-evals"      // the best was deleted: one saved between two evaluations better than any left
	RecLatestNoEval   RecommendBasis = "latest-remaining"   // the best was deleted, none left has an eval
	RecFinalHealthy   RecommendBasis = "final"              // no eval, nothing abnormal near the end
	RecBeforeAnomaly  RecommendBasis = "before-anomaly"     // the last one before an anomaly
	RecAnomalyNoEarly RecommendBasis = "anomaly-no-earlier" // an anomaly, and none before it
)
