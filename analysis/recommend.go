package analysis

import (
	"fmt"
	"math"
	"sort"
)

// recommend picks the checkpoint to use (methods §9). With eval, it is
// the checkpoint with the best eval metric that still exists on disk
// (matched on the checkpoint-N step, since best_model_checkpoint paths
// come from another machine), with a warning when the best one was
// deleted by save_total_limit. Without eval, it is the final checkpoint
// unless an anomaly (a spike, a non-finite value or a rise) sits in the
// last part of the run; then it is the last checkpoint before it. The
// alternatives list the final checkpoint, a late one for an A/B test and
// an earlier one with a low loss, each with its use case.
func recommend(run *analyzer, r *Report, opts Options) Recommendation {
	rows := checkpointRows(run, r)
	rec := Recommendation{Step: -1}
	if len(rows) == 0 {
		rec.Reason = "No checkpoint directory was found next to the logs, so none can be recommended; pass the output directory that holds the checkpoint-N folders."
		if r.Eval.Present {
			rec.Reason += fmt.Sprintf(" The best evaluation was at step %d: use checkpoint-%d if you still have it.", r.Eval.BestStep, r.Eval.BestStep)
		}
		return rec
	}
	final := rows[len(rows)-1]
	var chosen CheckpointRow
	switch {
	case r.Eval.Present:
		chosen, rec.Reason = bestEvalCheckpoint(rows, r)
	default:
		chosen, rec.Reason = healthyCheckpoint(rows, r, opts)
	}
	rec.Step, rec.Path = chosen.Step, chosen.Path
	rec.Alternatives = alternatives(rows, chosen, final, r)
	return rec
}

// checkpointRows returns the checkpoints on disk sorted by step, final
// directories (step -1) last, taking the rows of the report when the
// header already built them.
func checkpointRows(run *analyzer, r *Report) []CheckpointRow {
	rows := append([]CheckpointRow(nil), r.Checkpoints...)
	if len(rows) == 0 {
		for _, ck := range run.Checkpoints {
			row := CheckpointRow{Step: ck.Step, Path: ck.Path, Kind: ck.Kind}
			if p, ok := run.Get("loss").At(ck.Step); ok {
				row.TrainLoss = &Cited{Value: p.Value, Source: p.Source.String()}
			}
			if p, ok := run.Get(r.Eval.Metric).At(ck.Step); ok && r.Eval.Present {
				row.Eval = &Cited{Value: p.Value, Source: p.Source.String()}
			}
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Step, rows[j].Step
		if a < 0 {
			a = math.MaxInt64
		}
		if b < 0 {
			b = math.MaxInt64
		}
		return a < b
	})
	return rows
}

// bestEvalCheckpoint returns the on-disk checkpoint with the best eval.
func bestEvalCheckpoint(rows []CheckpointRow, r *Report) (CheckpointRow, string) {
	e := r.Eval
	for _, row := range rows {
		if row.Step == e.BestStep {
			return row, fmt.Sprintf("%s has the best %s, %s at step %d (%s).", row.Path, e.Metric, fmtNum(e.Best.Value), e.BestStep, e.Best.Source)
		}
	}
	// The best one is gone: take the best eval among those on disk.
	bestIdx := -1
	ev := finiteCurve(r.analyzer(), e.Metric)
	var bestVal float64
	for i, row := range rows {
		p, ok := r.Data.Get(e.Metric).At(row.Step)
		if !ok || !p.Finite() {
			continue
		}
		if bestIdx < 0 || ev.better(bestVal, p.Value) > 0 {
			bestIdx, bestVal = i, p.Value
		}
	}
	warn := fmt.Sprintf("The best evaluation (%s %s at step %d) has no checkpoint on disk: it was deleted (save_total_limit) or never saved.", e.Metric, fmtNum(e.Best.Value), e.BestStep)
	if bestIdx < 0 {
		last := rows[len(rows)-1]
		return last, warn + fmt.Sprintf(" No remaining checkpoint has an evaluation; %s is the latest.", last.Path)
	}
	row := rows[bestIdx]
	return row, warn + fmt.Sprintf(" %s has the best %s among the checkpoints that remain (%s).", row.Path, e.Metric, fmtNum(bestVal))
}

// healthyCheckpoint returns the final checkpoint, or the last one before
// an anomaly near the end of the run.
func healthyCheckpoint(rows []CheckpointRow, r *Report, opts Options) (CheckpointRow, string) {
	final := rows[len(rows)-1]
	g := runGeometry(r.analyzer())
	cut := g.lastStep - int64(opts.TailFraction*float64(g.lastStep-g.firstStep))
	anomaly := int64(-1)
	why := ""
	for _, f := range curveFindings(r.analyzer(), r, opts) {
		if f.Severity != SevError || f.Step < cut {
			continue
		}
		if anomaly < 0 || f.Step < anomaly {
			anomaly, why = f.Step, f.Message
		}
	}
	if anomaly < 0 {
		return final, fmt.Sprintf("No eval was logged and nothing abnormal happens near the end, so the final checkpoint (%s) is the one to use; check it by generating from it.", final.Path)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Step >= 0 && rows[i].Step < anomaly {
			return rows[i], fmt.Sprintf("An anomaly at step %d (%s): %s is the last checkpoint before it.", anomaly, why, rows[i].Path)
		}
	}
	return final, fmt.Sprintf("An anomaly at step %d (%s), and no checkpoint precedes it: inspect %s before using it.", anomaly, why, final.Path)
}

// alternatives lists the other checkpoints worth trying, with their use.
func alternatives(rows []CheckpointRow, chosen, final CheckpointRow, r *Report) []CheckpointRow {
	var out []CheckpointRow
	add := func(row CheckpointRow, use string) {
		for _, o := range out {
			if o.Path == row.Path {
				return
			}
		}
		row.Use = use
		out = append(out, row)
	}
	if final.Path != chosen.Path {
		add(final, "the end of training: compare it with the recommended one")
	} else {
		add(final, "default for deployment and verification")
	}
	// A late checkpoint for an A/B test.
	for i := len(rows) - 2; i >= 0; i-- {
		if rows[i].Path != chosen.Path && rows[i].Step >= 0 {
			add(rows[i], "A/B test if the final one generates abnormally")
			break
		}
	}
	// An earlier one whose loss was already low: less memorisation.
	if len(rows) >= 3 {
		for _, row := range rows[:len(rows)-2] {
			if row.TrainLoss == nil || final.TrainLoss == nil || row.Path == chosen.Path {
				continue
			}
			if row.TrainLoss.Value <= 1.25*final.TrainLoss.Value {
				add(row, fmt.Sprintf("train loss already low (%s): try it to reduce the risk of overfitting", fmtNum(row.TrainLoss.Value)))
				break
			}
		}
	}
	if chosen.Path != final.Path {
		add(chosen, "recommended")
	}
	return out
}
