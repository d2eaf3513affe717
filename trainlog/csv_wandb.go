package trainlog

// Weights & Biases CSV exports (format "wandb-csv"), in two shapes.
//
// A chart panel's "Export CSV" (wandb_export_<time>.csv):
//
//	header = xaxis ("," run-column)* NL ;
//	xaxis  = "Step" | "train/global_step" | "epoch" | ... ;  the panel's x-axis, unquoted
//	run-column = '"' run " - " key [ "__MIN" | "__MAX" ] '"' ;
//	run    = run name | "Group: " group name ;
//	row    = x ("," [number])* NL ;                      empty where a run has no point
//
// Every key of a run comes with __MIN and __MAX columns (the bucket's
// range when W&B samples the curve); they are skipped and the plain
// column is read. The first run of the file is read; the others are
// named in an EventNote. With an epoch x-axis each run also has a
// "<run> - _step" column, which then gives the step. The x-axis gives
// the step when it is Step, _step or a global_step, the epoch when it is
// epoch; otherwise the step is the row ordinal (StepInferred).
//
// A run.history() DataFrame saved with to_csv (run_history.csv):
//
//	header = ["" ","] "_step" "," "_runtime" "," "_timestamp" ("," key)* NL ;
//	key    = "train/loss" | "train/learning_rate" | "train/epoch" | "train/global_step"
//	       | "eval/loss" | ... ;                           HF WandbCallback names
//
// Train and eval rows for the same train/global_step are separate rows.
// The step is train/global_step when the file has it (rows without it
// keep the last step seen), else _step (W&B's own counter, +1 per
// wandb.log call). The epoch is train/epoch, the time _timestamp (unix
// seconds) or else _runtime. Columns whose name starts with "_" and the
// pandas index column (an empty name) are skipped; text cells (media
// summaries, strings) are skipped with one error per column.
//
// In both shapes train/<summary key> (train_runtime, train_loss, ...)
// makes a KindSummary entry, eval/ keys KindEval entries, test/ keys
// KindPredict entries, the rest KindTrain entries.

import (
	"fmt"
	"io"
	"strings"
)

func init() {
	Register(Format{
		Name:        "wandb-csv",
		Description: "Weights & Biases chart \"Export CSV\" or run.history() saved as CSV",
		Detect:      detectWandbCSV,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			return newCSVReader(name, r, opts, wandbCSVPlan)
		},
	})
}

// wandbKind classifies a W&B key.
func wandbKind(key string) Kind {
	if k, ok := strings.CutPrefix(key, "train/"); ok && isSummaryKey(k) {
		return KindSummary
	}
	return csvKind(key)
}

// wandbStepRank ranks candidate step columns: a global step beats W&B's
// _step counter.
func wandbStepRank(key string) int {
	switch strings.ToLower(key) {
	case "train/global_step", "global_step", "trainer/global_step":
		return 3
	case "step", "_step":
		return 2
	}
	return 0
}

// wandbPlan collects the roles of a W&B header with step preferences.
type wandbPlan struct {
	*csvPlan
	stepRank int
}

func (w *wandbPlan) offerStep(i, rank int) {
	if rank <= w.stepRank {
		return
	}
	if w.step >= 0 {
		w.cols[w.step].role = csvSkip
	}
	w.stepRank = rank
	w.setRole(i, csvStep)
}

// column maps one column of a key (the run prefix removed).
func (w *wandbPlan) column(i int, key string) {
	switch lk := strings.ToLower(key); {
	case wandbStepRank(key) > 0:
		w.offerStep(i, wandbStepRank(key))
	case lk == "train/epoch" || lk == "epoch":
		if w.epoch < 0 {
			w.setRole(i, csvEpoch)
		}
	case lk == "_timestamp":
		w.setRole(i, csvTime)
	case lk == "_runtime":
		if w.time < 0 {
			w.setRole(i, csvTime)
		}
	case key == "" || strings.HasPrefix(key, "_") || strings.HasPrefix(key, "Unnamed: "):
	default:
		w.cols[i] = csvColumn{role: csvMetric, key: key, kind: wandbKind(key)}
	}
}

// wandbCSVPlan maps either shape of W&B export.
func wandbCSVPlan(header []string, src Source, opts Options) *csvPlan {
	w := &wandbPlan{csvPlan: newCSVPlan(len(header))}
	if !isWandbChart(header) {
		for i, h := range header {
			w.column(i, h)
		}
		return w.csvPlan
	}
	w.strict = true
	w.column(0, header[0])
	if w.cols[0].role == csvMetric {
		w.cols[0].role = csvSkip // an x-axis such as "Relative Time (Process)"
	}
	var first string
	var others []string
	for i := 1; i < len(header); i++ {
		run, key, ok := wandbSplit(header[i])
		if !ok || strings.HasSuffix(key, "__MIN") || strings.HasSuffix(key, "__MAX") {
			continue
		}
		if first == "" {
			first = run
		}
		if run != first {
			if !contains(others, run) {
				others = append(others, run)
			}
			continue
		}
		w.column(i, key)
	}
	if len(others) > 0 {
		w.notes = append(w.notes, &Meta{Event: &Event{
			Kind:    EventNote,
			Step:    -1,
			Message: fmt.Sprintf("W&B export holds %d runs: read %q, ignored %s", len(others)+1, first, wandbQuoteList(others)),
			Sources: []Source{src},
		}})
	}
	return w.csvPlan
}

// wandbSplit splits a chart column "<run> - <key>".
func wandbSplit(h string) (run, key string, ok bool) {
	i := strings.LastIndex(h, " - ")
	if i <= 0 {
		return "", "", false
	}
	return h[:i], h[i+3:], true
}

func wandbQuoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// isWandbChart reports a chart export header: columns after the first
// are "<run> - <key>", with __MIN/__MAX companions or at least all of
// them in that shape.
func isWandbChart(header []string) bool {
	if len(header) < 2 {
		return false
	}
	runCols, other := 0, 0
	for _, h := range header[1:] {
		switch {
		case h == "":
		case strings.Contains(h, " - "):
			runCols++
		default:
			other++
		}
	}
	return runCols > 0 && other == 0
}

// isWandbHistory reports a run.history() header.
func isWandbHistory(header []string) (score int) {
	has := map[string]bool{}
	for _, h := range header {
		has[h] = true
	}
	switch {
	case has["_step"] && (has["_runtime"] || has["_timestamp"]):
		return 85
	case has["train/global_step"]:
		return 70
	}
	return 0
}

func detectWandbCSV(name string, head []byte) int {
	rows := csvSniff(head, 10)
	if len(rows) == 0 || !csvHeaderOK(rows[0]) {
		return 0
	}
	h := rows[0]
	score := 0
	if isWandbChart(h) {
		score = 60
		for _, c := range h[1:] {
			if strings.HasSuffix(c, "__MIN") || strings.HasSuffix(c, "__MAX") {
				score = 90
				break
			}
		}
	} else {
		score = isWandbHistory(h)
	}
	if score > 0 && len(rows) > 1 && !csvDataOK(rows) {
		score = 15
	}
	return score
}
