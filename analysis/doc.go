/*
Package analysis turns a trainlog.Run into a Report: what a fine-tuning run
did, whether it converged, which checkpoint to use and whether more training
would help. Analyze is a pure function of the run and its Options: it reads
no file and formats nothing, and it never fails. When the data cannot
support a conclusion, the Report says so, and says what to log next time.

Every number in a Report is either Cited (a value read from a log, with its
source: file:line, or file#log_history[i] for JSON) or Derived (a value
computed by plateau, with a How saying how, as data: the method, the
window, the inputs). Kinds, causes, severities and roles are typed
constants (kinds.go); the Report holds no English sentence of its own,
and package report writes every sentence from these fields. Package report
renders a Report as text, Markdown, JSON (schema plateau.report/v2, see
docs/json-schema.md) and HTML. docs/methods.md explains every method for
users, section by section of the report.

# The Report

Analyze fills the Report in this order; later parts read earlier ones.

  - Run: the header: files read and ignored, library, trainer family
    (sft, pretrain, dpo, orpo, kto, reward, grpo, ppo, classification),
    the geometry the logs state (nothing is guessed), the step range,
    whether the run completed, and the events met (restarts, crashes,
    disagreements between sources).
  - Primary: the series the verdict is about: loss; the reward for
    GRPO/PPO (their loss is about 0 by construction); rewards/margins for
    DPO/ORPO/KTO; eval_loss for a run that logged no train loss.
  - Milestones: every per-step training metric at the first step, at the
    end of each epoch (all of them up to 12, else 6 evenly spread) and at
    the last step.
  - TrainLoss: the end-of-training train_loss (a mean over the whole run)
    against the recomputed mean of the logged losses and the final level.
  - Noise: whether the last value is ordinary fluctuation.
  - Trend: the slope test of the final segment and its practical effect.
  - Phases: the curve cut into named stretches.
  - Spikes: outliers of loss, the primary metric and grad_norm.
  - Accuracy: training token accuracy at the milestones, and what it
    measures (tokens, preference pairs).
  - LRSchedule: the Transformers scheduler that fits the logged rate.
  - Throughput: runtime, rates, GPU hours and, given a price, the cost.
  - Eval: the generalisation section, or why it cannot be measured.
  - Checkpoints and CheckpointsRecommended: the checkpoints on disk, each
    with its roles, and the one to use with the basis of the choice.
  - AnotherEpoch: the forecast of more training (the rest of an unfinished
    run under its schedule, or one more epoch), its 80% range and cost.
  - Findings: each conclusion or problem with its Kind, Cause, Severity
    (info, warning, error), Statistic, Value, Threshold, the other numbers
    it rests on (Facts), step range and Sources.
  - Verdict: converged, improving, overfitting, diverged, stalled or
    insufficient-data, with a confidence and a Reason: the Rule that
    decided, its numbers and sources.
  - Evidence: what the verdict, the trend and the forecast were decided
    from, computed once.
  - Warnings: the read problems of the run (syntax errors with file:line).

Data holds the run itself for renderers that draw curves; it is not part of
the JSON.

# Windows and noise

Options.TailFraction (0.1) sets the final window: the last 10% of the
logged step range, widened to a minimum number of points. A noise sigma is
the point-to-point noise from successive differences,
1.4826*MAD(diff)/sqrt(2) (the RMS form when rounding makes the MAD 0),
which a smooth trend barely affects; it is taken on log(value) when every
value is positive, because a loss's spread shrinks with its level.
Evaluations are few and trending, so their noise comes from second
differences, 1.4826*MAD(d2)/sqrt(6). Pairwise statistics (Theil-Sen,
Mann-Kendall) bin long series to at most 400 medians first.

The current level of a metric, wherever a report quotes "the level", is
one number (see finalLevel): the mean of the final window, with at least 5
points for a training series and 1 for an evaluation series. The verdict
and the trend judge the recent rate over one more epoch (see
verdictHorizon); the forecast looks over the rest of an unfinished run,
else one more epoch (see forecastHorizon); each projection caps its
horizon at the span of its own data and says so.

# Methods and thresholds

Noise: window = the final TailFraction, at least 10 points. The last value
is ordinary fluctuation when it lies within 2 noise sigmas of the window
mean.

Trend: window = the final 2*TailFraction, at least 10 points. Theil-Sen
slope with its 95% interval; Mann-Kendall test with the Hamed and Rao
(1998) autocorrelation correction, significant at p < 0.01. The slope is
projected over the horizon capped at the window's span, on a log scale
for a positive loss. The curve is a plateau when the slope is not
significant, or the projected change is below Options.PlateauRel (1%) of
the current level, or below the precision the values were logged with.
A preference margin is a log-odds, so its change counts (see practical)
when it moves the implied preference probability sigmoid(margin) by at
least PlateauRel.

Phases: the primary curve (the loss for DPO/ORPO/KTO), binned to 200
medians, on a log scale when positive. The end of warmup and the epoch
boundaries are cuts by construction; when they give fewer than three
phases, binary segmentation on a piecewise-linear cost adds change points
whose split lowers the squared error by more than 3*sigma²*ln(n) (sigma
from second differences), up to 6 phases of at least n/20 bins. A phase is
named by its rate, the change of its level per step (Phase.SlopePerStep),
against the fastest phase's: rapid decline (at least half of it), slowing
(at least a tenth, after a faster phase; moderate decline otherwise),
diminishing returns (less, or flat after an improvement); flat or rising
when it changed by less, or worsened by more, than its noise.

Spikes: modified z-score 0.6745*(r-median(r))/MAD(r) of the residuals
from a centred rolling median of 5 to 25 points, on a log scale for
positive series; |z| > Options.SpikeZ (3.5, Iglewicz and Hoaglin). Only
the harmful direction counts, at a local peak (a point on a monotone
stretch is no spike); a loss drop just after an epoch boundary is kept and
marked as expected. A loss spike is then compared with the median
of its 20 neighbours: at least 3x (Lightning's SpikeDetection) or at least
2x for three logged steps (LLM Foundry's KillLossSpike) confirms it, and
three confirmed spikes are an error; a spike in the first 2% of the run, or
in the loss's initial descent (see descentEnd), is a start-up spike (info); single 2x-3x steps are grouped as bad batches
(warning), and outliers below 2x as batch-to-batch variation (info).
grad_norm is flagged above p90*sqrt(p90/p10) of its values after the first
5% of points, ignoring the first 15% of the run; gradients have exploded
when the run's median grad_norm is 100x the clipping norm (1.0) or more, or
when a later window's median grew 10x or more above the first window's,
beyond noise and to the clipping norm (explode.go). One finding summarises the grad_norm
spikes and whether the primary metric reacted after them; the Spikes table
keeps the 8 strongest of each metric.

Learning-rate schedule: the rate normalised by its peak is fitted with the
closed forms of Transformers' schedulers (constant, linear, cosine,
polynomial, cosine_with_min_lr, inverse_sqrt, cosine_with_restarts with 2
to 8 cycles, warmup_stable_decay, and step-downs for reduce_lr_on_plateau),
with the warmup length from the rising part and the schedule length from
max_steps (fitted when unknown). The least RMS residual wins; a simpler
kind within 0.003 of it is preferred; above 0.05 no scheduler fits well.

Eval: the eval copy of the reward for GRPO and PPO, else eval_loss, else
eval_accuracy. The best evaluation is the first minimum (maximum where
greater is better), as the Trainer keeps it. Overfitting is the verdict's
rule (below). Transformers' EarlyStoppingCallback is replayed with
(patience, threshold) = (1, 0), (3, 0) and (3, 1% of the best). Without
eval, overfitting cannot be measured: the section says how to add an eval
split and lists hints (token accuracy at least 0.95, a final loss below
half the first epoch's, drops at epoch boundaries), labelled as hints.

Another epoch (the forecast): the primary curve after warmup (log(loss)
for a positive loss) is fitted against the cumulative learning rate S1 =
sum(lr)/peak and the annealing area S2 with L = L0 + A*S1^-alpha - C*S2
(Tissue et al. 2024), and with L = L0 + A*exp(-S1/tau). Each is also
fitted without the last 20% of the points and scored by its miss of their
change; the better one gives the forecast: over the rest of an unfinished
run with the logged schedule continued to max_steps, or over one more
epoch at the run's mean rate (capped at the observed span). The 80% range
adds in quadrature the bootstrap's spread (inflated for the residuals'
autocorrelation), the model form's (the other form when it extrapolates
about as well, and the chosen form's miss on a held-out tail as long as
the horizon) and the noise of an observed level; the backtest in
docs/methods.md checks it. The baseline is the current level. The cost
comes from the measured speed, the risk from the eval section.

Checkpoints: with eval, the best evaluation's checkpoint when it is on
disk (matched on checkpoint-N), else the best of those left, with a
warning; without eval, the final checkpoint unless an error-severity
finding sits in the final window, then the last one before it.

Findings also cover the logs themselves: printers that stop, sources that
disagree, loss exactly 0 (with grad_norm NaN: every step of the window was
non-finite), non-finite values, a learning rate stuck at 0, a missing
end-of-training summary, an incomplete run, resumes (and the low bias they
put on train_loss), and the step count explained by the batch geometry.

# Verdict

The verdict is computed from one Evidence value (evidenceOf) by one rule
list (decide), read top to bottom; the first rule that holds wins. On the
metric's decision scale (log(value) for a positive loss), with changes in
the metric's good direction and a practical margin (the largest of
PlateauRel of the level, 3% of the run's total improvement per run length
scaled to the horizon, and the log's precision):

 1. insufficient-data: nothing per step was logged.
 2. diverged: the last value is non-finite.
 3. insufficient-data: fewer than 10 finite points; the rate still rising
    at the last log; an unfinished run stopped before 5% of its steps.
 4. diverged: loss 0.0 with grad_norm NaN in the final window.
 5. stalled: loss and grad_norm exactly 0 at 90% of the logs or more.
 6. diverged: the last two comparison windows (whole epochs when the
    loss drops at epoch boundaries) each worse than the best earlier one
    by more than 3 standard errors and 5%: not coming back.
 7. overfitting: two or more evaluations at the end each worse than the
    best level (not an isolated dip) by more than their noise, the last
    by more than 2 eval noise sigmas and PlateauRel, while the training
    metric did not get worse (its level near the last evaluation not
    above its level near the best one by 1.96 standard errors and
    PlateauRel).
 8. stalled: from the start to the final level, less than 2 standard
    errors or PlateauRel of the start.
 9. improving: the late stretch fell steeply, the final stretch is flat,
    and the rate there averaged under 10% of its peak.
 10. improving: the held-out metric's recent trend is improving beyond its
    margin with 95% confidence, and its last two fifths brought at least
    5% of its improvement.
 11. converged: the 95% interval of the final segment's projected change
    lies within the margin (an equivalence test).
 12. improving: the final segment's projected improvement is above 0 (95%,
    Mann-Kendall p < 0.01) and the margin, and so is its combination with
    the last fifth's change.
 13. improving: every fifth better than the one before beyond noise, the
    last by the margin and a standard error.
 14. converged: the last fifth's change within the margin (95%).
 15. converged: the last two fifths' share of the total improvement
    within ±5% and no improvement beyond noise (95%; extended to the rest
    of an unfinished run), the rate still 30% of its peak or more there.
 16. converged: the training curve cannot tell and the held-out trend is
    within its margin.
 17. converged, low confidence: the training curve cannot tell and, by
    its estimate, the held-out metric's last two fifths brought under 5%
    of its improvement.
 18. improving or converged, low confidence: the precision-weighted estimate
    of the recent improvement is above, or within, the margin.

docs/methods.md gives the semantics of each status and the details; the
Rule constants say which numbers each rule puts in its Reason.
*/
package analysis
