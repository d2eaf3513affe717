/*
Plateau reads the logs of a machine-learning fine-tuning run and tells what
the run did, with numbers you can verify: did it converge, what each phase of
the loss curve means, whether the last wiggle is noise, which checkpoint to
ship, whether another epoch is worth it, and what went wrong. Every number
taken from a log is cited as file:line (or file#log_history[i] for JSON
files), so it can be checked with grep; every derived number says how it was
derived.

Usage:

	plateau report PATH... [--format text|md|json|html] [-o FILE] [flags]
	plateau scan DIR [--format text|md|json|html] [-o FILE|DIR] [--fail-on STATUSES]
	plateau compare PATH PATH [PATH...] [--format text|md|json|html] [-o FILE]
	plateau verify PATH... [--report FILE]
	plateau watch PATH [flags]
	plateau formats

PATH is a run directory (searched for console logs, trainer_state.json in
the run and its checkpoint-N folders, trainer_log.jsonl, TensorBoard event
files, metrics.csv, W&B and MLflow files), a single log file, or - for
standard input. A report is about one run: a directory that holds several
runs is refused with the list of them (exit status 2). Several paths are
merged only when they are views of one run (the same values at the same
steps, or a resumed session): the most precise value for each step wins,
every value keeps its source, and values that disagree beyond rounding are
reported; paths that hold different runs are refused with the values that
differ.

# Report

The report opens with the answer card: the status with the two or three
numbers that decide it, the checkpoint to use and why, whether to train
more (the expected gain, its range, the time and, with a price, the cost)
and the top problems, each with its likely cause and what to change next
time. Then come the sections of a careful hand-written run review, each a
short table: milestones (first step, each epoch boundary, last step),
phases, the end-of-run mean train_loss against the final level, the end
fluctuation in noise units, token accuracy, the learning-rate schedule,
throughput and cost, generalisation, checkpoints and pitfalls; each section
names the part of docs/methods.md that explains it, and the card closes the
report again. --full writes every section whole (files, geometry, every
evaluation, the early-stopping replay, another epoch, the trend test, all
findings, spikes and events); --summary writes the card alone (in Markdown,
the card with the sections folded in a details element, for a pull-request
comment).

	$ plateau report examples/hf_v5_overfit_eval --format json
	"status": "overfitting"

Output goes to standard output, or to the file given with -o (written
atomically; plateau refuses to overwrite one of its inputs). Text output
uses colour only on a terminal and never when NO_COLOR is set. When the
inputs hold more than 50 MB and standard error is a terminal, a progress
line there shows the bytes read, then "analysing...", and is erased before
the report is written.

The formats: text for a terminal (with a compact loss chart when standard
output is a terminal), md for Markdown (pull requests, wikis), json for
pipelines (schema plateau.report/v2, documented in docs/json-schema.md), and
html for one self-contained offline page with annotated charts
(--smoothing sets the EMA weight of the smoothed line, --charts DIR also
writes each chart as an SVG file).

--gpu-hour-price P (and --gpus N) turn the measured runtime into a cost;
without them no price is invented. --fail-on STATUSES makes the exit status
3 when the verdict is one of them, to gate a pipeline:

	$ plateau report examples/hf_v5_overfit_eval --fail-on overfitting
	exit status 3

Generic CSV and JSON-lines files are read with --step COLUMN and
--metric NAME=COLUMN (repeatable), e.g. --metric loss=train_loss.

A console dict prints no step. plateau aligns each one with what the log
shows around it: the dict's own step key, a user callback's line next to
it that states the step with the same values ("[Step N/M] loss=...",
"Step N/M | loss ...", "step=N ..."), tqdm's redraw of the progress bar
right after it, the bar's frames before and after it and the order of the
dicts. When none of these fixes the step, it is estimated from the
logging cadence, the learning rate's progression, the progress bar, the
epoch or the dict's position; the report then says so ("Steps
estimated: ... from the epoch") and marks each such step with ~. A value
cited next to a source that logged the same step lists it as "also" only
when that source logged the same value; a different value is a
disagreement when both steps are known, a note when one was estimated.

# Scanning a folder of runs

scan finds every run under a folder (output folders with their
checkpoints, TensorBoard folders, MLflow and W&B runs, log folders), reads
and analyses them in parallel (--jobs), and writes one row per run: path,
trainer family, status, final level, best evaluation and its step,
recommended checkpoint, steps done / planned, runtime and problems found.
The rows are sorted by how urgently the run needs a look, then by final
level; each status is the one report gives the run alone. --fail-on applies
across the runs. --format html -o DIR writes an offline folder: an index
linking each run's full report.

	$ plateau scan examples/
	plateau scan: 2 runs under
	overfitting  hf_v5_overfit_eval

	$ plateau scan examples/ --fail-on overfitting
	exit status 3

# Comparing runs

compare sets two runs or more side by side on a common axis: the tokens or
samples they have seen when every run logs or lets derive them (samples per
step from the logged total batch size, batch x accumulation x world size, or
the Trainer's samples and steps per second), else their epochs, else their
steps, and says which. It tabulates the final level, the level where the
shortest run ends, the best evaluation, speed and cost; says which run is
better, by how much and whether that exceeds the noise; warns when the
batch, the steps, the eval set or the logging window differ; and overlays
the curves (text, md, json with aligned_by and runs[], or html).

	$ plateau compare examples/hf_v5_sft_lora_3ep examples/hf_v5_overfit_eval
	plateau compare: 2 runs aligned on samples seen
	The geometry differs: samples per step

# Verify

plateau verify PATH makes the report of a run, re-opens every source it
cites and checks that the source holds the cited value (within the
rounding of the digits the log printed) at the cited step, then prints
each false citation with the text of the cited place. With --report FILE
it checks a report saved by plateau report --format json (PATH, when
given, is the run folder the report was made from). Several paths are the
views of one run that plateau report merged, such as a console log and a
trainer_state.json kept in different folders; each cited file is found
where reading them puts it.

	$ plateau verify examples/hf_v5_sft_lora_3ep
	citations checked: all true

# Exit status

0 when the report was written; 1 when an input could not be read, wholly
or in part (a report of whatever was readable is still written, and each
problem is printed as file:line: what was expected); 2 for a usage error,
or a path that holds several runs where one is expected; 3 when the verdict
matched --fail-on; 4 when plateau watch stopped on an alert named by
--exit-on; 5 when plateau verify found a false citation; 128 plus the
signal's number when plateau watch was stopped by a signal, after its
final report (130 for Ctrl-C, 143 for SIGTERM).

# Watch

plateau watch PATH follows a run while it trains (a folder or a log file,
which may not exist yet), with no change to the training code. It reads
what is already there, then polls for appended bytes, new checkpoint
folders and new event files, and raises each alert once, with numbers and
file:line: non-finite loss or grad_norm, loss 0.0 with grad_norm nan, loss
spike, grad_norm spike, divergence, stall, overfitting (with the checkpoint
to roll back to) and converged (with the time and money stopping now
saves). See docs/watch.md.

# Formats

	$ plateau formats
	hf-console

lists the formats plateau detects (by content, not by file name).
*/
package main
