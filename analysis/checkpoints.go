package analysis

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

// assignUses fills the Roles column: the final weights (or, when the
// end was not saved, the latest checkpoint), a late checkpoint for an A/B
// test, the lowest-loss earlier one to fall back to, intermediate ones,
// and the best evaluation, which leads the roles of its row.
func assignUses(rows []CheckpointRow, r *Report, lastStep int64, evalName string) {
	has := func(i int) bool { return len(rows[i].Roles) > 0 }
	set := func(i int, role Role) { rows[i].Roles = append(rows[i].Roles, role) }
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
				set(i, RoleSameAsFinal)
			}
		}
	}
	// late: the latest checkpoint before the end.
	latest := func(skip int) int {
		late := -1
		for i, row := range rows {
			if i != skip && !has(i) && row.Step >= 0 && (late < 0 || row.Step > rows[late].Step) {
				late = i
			}
		}
		return late
	}
	late := latest(final)
	if final >= 0 {
		set(final, RoleFinal)
	} else if late >= 0 {
		final = late
		set(final, RoleLatest)
		late = latest(final)
	}
	if late >= 0 {
		set(late, RoleLate)
	}
	// earlier: the lowest-loss remaining one.
	early := -1
	for i, row := range rows {
		if has(i) || row.TrainLoss == nil {
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
		case has(i):
		case i == early && endLoss != nil && row.TrainLoss.Value <= lowLossRatio*endLoss.Value:
			set(i, RoleLowLoss)
		case i == early:
			set(i, RoleEarlier)
		default:
			set(i, RoleIntermediate)
		}
	}
	if r.Eval.Present && r.Eval.BestStep >= 0 {
		for i, row := range rows {
			if row.Step == r.Eval.BestStep && row.Eval != nil {
				rows[i].Roles = append([]Role{RoleBestEval}, rows[i].Roles...)
			}
		}
	}
}

// lowLossRatio is how far above the final loss an earlier checkpoint's
// loss may be and still count as already low (RoleLowLoss), in the
// checkpoint table and among the alternatives alike.
const lowLossRatio = 1.25
