package analysis

import (
	"fmt"
)

// checkpoints lists the checkpoints found on disk with the train loss and
// eval metric logged at their step (the seed article's section 8), and a
// first use case for each: the final weights for deployment, a late
// checkpoint for an A/B test, an earlier low-loss one to fall back to if
// later ones overfit. The choice itself is recommend's.
func checkpoints(run *analyzer, r *Report) []CheckpointRow {
	if len(run.Checkpoints) == 0 {
		return nil
	}
	loss := run.Get("loss")
	evalName := r.Eval.Metric
	if evalName == "" {
		evalName = "eval_loss"
	}
	ev := run.Get(evalName)
	_, lastStep := stepRange(run)
	rows := make([]CheckpointRow, 0, len(run.Checkpoints))
	for _, ck := range run.Checkpoints {
		row := CheckpointRow{Step: ck.Step, Path: ck.Path, Kind: ck.Kind}
		step := ck.Step
		if step < 0 {
			step = lastStep // a final directory holds the weights of the last step
		}
		if p, ok := loss.At(step); ok && p.Finite() {
			row.TrainLoss = citePoint(p)
		}
		if p, ok := ev.At(step); ok && p.Finite() {
			row.Eval = citePoint(p)
		}
		rows = append(rows, row)
	}
	assignUses(rows, r, lastStep, evalName)
	return rows
}

// assignUses fills the Use column.
func assignUses(rows []CheckpointRow, r *Report, lastStep int64, evalName string) {
	final := -1
	for i, row := range rows {
		if row.Step < 0 && final < 0 {
			final = i
		}
	}
	for i, row := range rows {
		if row.Step >= 0 && row.Step == lastStep {
			if final < 0 {
				final = i
			} else {
				rows[i].Use = fmt.Sprintf("last checkpoint (step %d): the same step as %s; resume training from here", row.Step, rows[final].Path)
			}
		}
	}
	// late: the latest checkpoint before the end.
	late := -1
	for i, row := range rows {
		if i != final && row.Use == "" && row.Step >= 0 && (late < 0 || row.Step > rows[late].Step) {
			late = i
		}
	}
	if final >= 0 {
		rows[final].Use = "final weights: default for deployment and verification"
	} else if late >= 0 {
		rows[late].Use = "latest checkpoint on disk (the end of training was not saved): default for deployment and verification"
		final, late = late, -1
		for i, row := range rows {
			if i != final && row.Use == "" && row.Step >= 0 && (late < 0 || row.Step > rows[late].Step) {
				late = i
			}
		}
	}
	if late >= 0 {
		rows[late].Use = fmt.Sprintf("late checkpoint (step %d): A/B test against the final weights if their generations look off", rows[late].Step)
	}
	// earlier: the lowest-loss remaining one.
	early := -1
	for i, row := range rows {
		if row.Use != "" || row.TrainLoss == nil {
			continue
		}
		if early < 0 || row.TrainLoss.Value < rows[early].TrainLoss.Value {
			early = i
		}
	}
	var endLoss *Cited
	if final >= 0 {
		endLoss = rows[final].TrainLoss
	}
	for i, row := range rows {
		switch {
		case row.Use != "":
		case i == early && endLoss != nil && row.TrainLoss.Value <= 1.5*endLoss.Value:
			rows[i].Use = fmt.Sprintf("loss already low (%s vs %s at the end): fall back here to reduce the risk of overfitting", fmtNum(row.TrainLoss.Value), fmtNum(endLoss.Value))
		case i == early:
			rows[i].Use = fmt.Sprintf("earlier, less trained (loss %s): fall back here if later checkpoints overfit", fmtNum(row.TrainLoss.Value))
		case row.TrainLoss != nil:
			rows[i].Use = fmt.Sprintf("intermediate checkpoint (loss %s)", fmtNum(row.TrainLoss.Value))
		default:
			rows[i].Use = "intermediate checkpoint (no loss logged at its step)"
		}
	}
	if r.Eval.Present && r.Eval.BestStep >= 0 {
		for i, row := range rows {
			if row.Step == r.Eval.BestStep && row.Eval != nil {
				best := fmt.Sprintf("best %s (%s): the one to ship when held-out quality matters", evalName, fmtNum(row.Eval.Value))
				if i == final || i == late {
					// Its other role still matters: it is also the
					// final or the late checkpoint.
					best += "; also the " + rows[i].Use
				}
				rows[i].Use = best
			}
		}
	}
}
