package analysis

// Status is the verdict's answer: what the primary metric is doing at
// the end of the logged run (docs/methods.md, "Verdict").
type Status string

// Verdict statuses.
const (
	// StatusConverged: improvement has practically stopped.
	StatusConverged Status = "converged"
	// StatusImproving: still clearly improving at the end.
	StatusImproving Status = "improving"
	// StatusOverfitting: the held-out metric got worse after its best,
	// persistently, while the training metric did not.
	StatusOverfitting Status = "overfitting"
	// StatusDiverged: non-finite values, or far worse than its best and
	// not coming back.
	StatusDiverged Status = "diverged"
	// StatusStalled: the metric never meaningfully improved.
	StatusStalled Status = "stalled"
	// StatusInsufficientData: too few points to tell, or a summary only.
	StatusInsufficientData Status = "insufficient-data"
)

// Confidence is how strongly the evidence supports a verdict.
type Confidence string

// Confidence levels.
const (
	ConfidenceLow    Confidence = "low"
	ConfidenceMedium Confidence = "medium"
	ConfidenceHigh   Confidence = "high"
)

// Direction is which way a trend goes, in the metric's good direction.
type Direction string

// Trend directions.
const (
	DirectionImproving Direction = "improving"
	DirectionWorsening Direction = "worsening"
	DirectionFlat      Direction = "flat"
	// DirectionUnclear: the interval is too wide to tell.
	DirectionUnclear Direction = "unclear"
)

// Verdict is the one-line conclusion: a status, how sure, about which
// metric, and the reason (the rule that decided and its numbers). Package
// report writes the sentence.
type Verdict struct {
	Status     Status     `json:"status"`
	Confidence Confidence `json:"confidence"`
	Metric     string     `json:"metric"`
	Reason     Reason     `json:"reason"`
}

// A Reason is why the verdict's rule fired: the statistic it tested,
// with its interval and the threshold it was compared with, over the
// steps it looked at, and the sources of the values behind it. Each
// Rule's comment says what its Value, Low, High, Threshold, Share, Count
// and Of hold; unused fields are 0. All the numbers are also in the
// run's Evidence.
type Reason struct {
	Rule Rule `json:"rule"`
	// Metric is the series the rule tested: the primary metric, its
	// held-out copy, or the learning rate.
	Metric   string  `json:"metric"`
	FromStep int64   `json:"from_step"`
	ToStep   int64   `json:"to_step"`
	Value    float64 `json:"value"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	// Threshold is what Value (or its interval) was compared with.
	Threshold float64 `json:"threshold"`
	// Level is the metric's current level (see Evidence: the final
	// window's mean), the reference of a relative change.
	Level float64 `json:"level"`
	// Share is a share of the run's total improvement.
	Share float64 `json:"share,omitempty"`
	// LRFraction is a learning rate as a fraction of its peak.
	LRFraction float64 `json:"lr_fraction,omitempty"`
	Count      int     `json:"count,omitempty"`
	Of         int     `json:"of,omitempty"`
	// Horizon is the horizon of a projected change.
	Horizon *Horizon `json:"horizon,omitempty"`
	Sources []string `json:"sources"`
}

// Rule identifies the decision rule that gave a verdict (see decide).
type Rule string

// Decision rules, in the order decide tries them.
const (
	// RuleNoData: no per-step values and no summary were found.
	RuleNoData Rule = "no-data"
	// RuleSummaryOnly: only end-of-run summary values; Count is their
	// number.
	RuleSummaryOnly Rule = "summary-only"
	// RuleTooFewPoints: Count finite points, Of = minVerdictPoints
	// needed.
	RuleTooFewPoints Rule = "too-few-points"
	// RuleStoppedInWarmup: the learning rate was still rising at the
	// last log; Value is that rate, ToStep the last step, Of the planned
	// steps (0 when unknown).
	RuleStoppedInWarmup Rule = "stopped-in-warmup"
	// RuleStoppedAtStart: ToStep of Of planned steps, below minProgress
	// (Threshold).
	RuleStoppedAtStart Rule = "stopped-at-start"
	// RuleNonFinite: the last value is NaN or Inf (at ToStep); Count is
	// the number of non-finite values.
	RuleNonFinite Rule = "non-finite"
	// RuleNaNWindows: Count logs of loss 0.0 with grad_norm NaN, the
	// last at ToStep, Of of them in the final window.
	RuleNaNWindows Rule = "nan-windows"
	// RuleNoSignal: Count of Of logged losses are exactly 0 with a
	// gradient norm of exactly 0 (or none logged): no learning signal.
	RuleNoSignal Rule = "no-learning-signal"
	// RuleWorseThanBest: the end window (FromStep-ToStep) is worse than
	// the best earlier window by Value on the decision scale (a relative
	// change for a loss), beyond Threshold; Low is the best window's
	// level, High the end window's.
	RuleWorseThanBest Rule = "worse-than-best"
	// RuleEvalWorse: the held-out metric is worse than its best level
	// (Low, at FromStep) at the Count last evaluations of Of after it
	// (each by more than the eval noise), the last (High, at ToStep) by
	// Value, beyond Threshold.
	RuleEvalWorse Rule = "eval-worse-than-best"
	// RuleNeverImproved: the improvement from the start level (Low) to
	// the final level (High) is Value on the decision scale, below
	// Threshold.
	RuleNeverImproved Rule = "never-improved"
	// RuleStoppedBySchedule: the curve fell steeply (Low is the late
	// stretch's projected improvement, above Threshold, the margin) and
	// went flat (Value, the final stretch's) only once the learning rate
	// was LRFraction of its peak.
	RuleStoppedBySchedule Rule = "stopped-by-schedule"
	// RuleFlatWithinMargin: the change projected over the horizon by the
	// final segment's slope, Value [Low, High] (95%), is within the
	// practical margin Threshold either way.
	RuleFlatWithinMargin Rule = "flat-within-margin"
	// RuleStillImproving: the projected improvement Value [Low, High] is
	// above 0 with 95% confidence (and Mann-Kendall p < TrendAlpha) and
	// above the margin Threshold, and so is its combination with the last
	// fifth's.
	RuleStillImproving Rule = "still-improving"
	// RuleFifthsImproving: every fifth of the run is better than the one
	// before beyond noise, and the last one's improvement, scaled to the
	// horizon, Value [Low, High], is above the margin Threshold; Share is
	// the last fifth's share of the improvement.
	RuleFifthsImproving Rule = "fifths-improving"
	// RuleDiminishing: the last fifth's change scaled to the horizon,
	// Value [Low, High], is within the margin Threshold either way with
	// 95% confidence; Share is its share of the improvement.
	RuleDiminishing Rule = "diminishing-returns"
	// RuleSmallLateShare: the improvement from the third fifth's level
	// (FromStep) to the fifth's (ToStep) is Value [Low, High] (95%) of the
	// run's total improvement (for an unfinished run, extended to the
	// rest of the run at that rate), within ±Threshold (smallShare), and
	// the learning rate over the third fifth was LRFraction of its peak
	// (-1 when not logged).
	RuleSmallLateShare Rule = "small-late-share"
	// RuleEvalImproving: the held-out metric's last Count evaluations
	// (from FromStep) project an improvement over the horizon, Value
	// [Low, High], above 0 with 95% confidence and above its margin
	// Threshold.
	RuleEvalImproving Rule = "eval-improving"
	// RuleEvalFlat: the training metric's tests are inconclusive, and the
	// held-out metric's last Count evaluations project an improvement
	// Value [Low, High] within its margin Threshold.
	RuleEvalFlat Rule = "eval-flat"
	// RuleEvalDiminishing: the training metric's tests are
	// inconclusive, and by its estimate the held-out metric improved by
	// Value [Low, High] of its improvement since the first of its Count
	// evaluations over its last two fifths (from FromStep), below
	// Threshold (smallShare).
	RuleEvalDiminishing Rule = "eval-diminishing"
	// RuleInconclusiveImproving and RuleInconclusiveFlat: neither test is
	// conclusive; Value is the best estimate of the recent improvement
	// over the horizon (the final segment's and the last fifth's,
	// combined by their precision), Low and High the final segment's 95%
	// interval. Improving when Value is above the margin Threshold, flat
	// otherwise.
	RuleInconclusiveImproving Rule = "inconclusive-improving"
	RuleInconclusiveFlat      Rule = "inconclusive-flat"
)

// minVerdictPoints is the number of finite points of the primary metric
// below which no verdict is given.
const minVerdictPoints = 10

// verdict decides the status of the run from its evidence.
func verdict(e *Evidence) Verdict {
	v := decide(e)
	v.Metric = e.Metric
	if v.Reason.Sources == nil {
		v.Reason.Sources = []string{}
	}
	return v
}
