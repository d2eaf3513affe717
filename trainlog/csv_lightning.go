package trainlog

// Lightning CSVLogger metrics.csv (format "lightning-csv").
//
// Written by lightning.pytorch.loggers.CSVLogger (and Fabric's) to
// <save_dir>/<name>/version_<n>/metrics.csv. Grammar as observed in real
// files (corpus lightning-slm-wikitext103-10ep, lightning-turngpt-gpt2-finetune):
//
//	file   = header row* ;
//	header = name ("," name)* NL ;  sorted (current) or first-seen order (old)
//	row    = cell ("," cell)* NL ;  sparse: one row per log_metrics call
//	cell   = "" | int | float ;     Python str(): 7.628580570220947, nan, inf
//
// Columns:
//
//   - step: the trainer's global step (_batches_that_stepped), 49, 99, ...
//     with log_every_n_steps=50; validation and epoch-end rows repeat the
//     current step, so several rows share a step.
//   - epoch: the 0-based current_epoch (an int). Entry.Epoch follows the
//     Trainer's meaning, epochs completed: a row is inside epoch e, so
//     its Entry.Epoch is e (the floor of the fractional epoch), except a
//     row holding a training <name>_epoch aggregate, which is logged when
//     epoch e has ended and so gets e+1 (the last such row of a 10-epoch
//     run says 10).
//   - every other column is a metric, named as self.log named it. A
//     metric logged with on_step and on_epoch is split into <name>_step
//     (per-step rows) and <name>_epoch (epoch-end rows); both keep their
//     key (Canonical maps train_loss_step to "loss", keeps
//     train_loss_epoch, and maps val_loss_epoch to "eval_loss").
//
// A row whose values are all val_*, valid_*, validation_* or eval* keys
// is a KindEval entry, test_* a KindPredict entry, anything else
// KindTrain; a row mixing them is split (see csv.go). The source of each
// entry is the 1-based line of its row. Digits are counted as written:
// a float32 metric printed through a double shows up to 17 digits.
//
// Current releases rewrite the whole file with a new sorted header when
// a new key appears; older ones could leave a second header line later in
// the file, which is read as a new header. Rows are buffered and flushed
// every flush_logs_every_n_steps (100) steps, so a killed run may leave
// only the header. A row with too few or too many cells is a
// *SyntaxError at its line.

import (
	"io"
	"path"
	"strings"
)

func init() {
	Register(Format{
		Name:        "lightning-csv",
		Description: "PyTorch Lightning CSVLogger metrics.csv",
		Detect:      detectLightningCSV,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			return newCSVReader(name, r, opts, lightningCSVPlan)
		},
	})
}

// lightningCSVPlan maps a metrics.csv header: step, epoch, and metrics.
func lightningCSVPlan(header []string, src Source, opts Options) *csvPlan {
	p := newCSVPlan(len(header))
	p.strict = true
	for i, h := range header {
		switch {
		case h == "":
		case h == "step" && p.step < 0:
			p.setRole(i, csvStep)
		case h == "epoch" && p.epoch < 0:
			p.setRole(i, csvEpoch)
		default:
			k := csvKind(h)
			p.cols[i] = csvColumn{role: csvMetric, key: h, kind: k, endsEpoch: k == KindTrain && strings.HasSuffix(h, "_epoch")}
		}
	}
	return p
}

// detectLightningCSV wants a CSV header with a step column, and an epoch
// column or <name>_step/<name>_epoch columns; the name metrics.csv adds
// confidence.
func detectLightningCSV(name string, head []byte) int {
	rows := csvSniff(head, 10)
	if len(rows) == 0 || !csvHeaderOK(rows[0]) {
		return 0
	}
	hasStep, hasEpoch, hasSplit := false, false, false
	for _, h := range rows[0] {
		switch {
		case h == "step":
			hasStep = true
		case h == "epoch":
			hasEpoch = true
		case h == "_step" || h == "_runtime" || h == "_timestamp" || strings.Contains(h, " - "):
			return 0 // a W&B export
		case strings.HasSuffix(h, "_step") || strings.HasSuffix(h, "_epoch"):
			hasSplit = true
		}
	}
	if !hasStep {
		return 0
	}
	score := 45
	if hasEpoch || hasSplit {
		score = 75
	}
	if len(rows) > 1 && !csvDataOK(rows) {
		score = 20
	}
	if path.Base(strings.ReplaceAll(name, "\\", "/")) == "metrics.csv" {
		score += 10
	}
	return score
}
