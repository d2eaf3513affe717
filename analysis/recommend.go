package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/trainlog"
)

// recommend picks the checkpoint to use (methods §9). With eval, it is
// the checkpoint with the best eval metric that still exists on disk
// (matched on the checkpoint-N step, since best_model_checkpoint paths
// come from another machine), noting when the best one was deleted by
// save_total_limit. Without eval, it is the final checkpoint unless an
// anomaly (an error-severity finding of the curve) sits in the last part
// of the run; then it is the last checkpoint before it. The alternatives
// list the final checkpoint, a late one for an A/B test and an earlier
// one with a low loss, never the recommended one itself.
func recommend(run *analyzer, r *Report, opts Options) Recommendation {
	rows := checkpointRows(run, r)
	rec := Recommendation{Step: -1, Anomaly: -1, BestStep: -1}
	if r.Eval.Present {
		rec.BestStep = r.Eval.BestStep
	}
	if len(rows) == 0 {
		rec.Basis = RecNone
		return rec
	}
	final := rows[len(rows)-1]
	var chosen CheckpointRow
	switch {
	case r.Eval.Present:
		chosen = bestEvalCheckpoint(rows, r, &rec)
	default:
		chosen = healthyCheckpoint(rows, r, opts, &rec)
	}
	rec.Step, rec.Path = chosen.Step, chosen.Path
	rec.Alternatives = alternatives(rows, chosen, final)
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
func bestEvalCheckpoint(rows []CheckpointRow, r *Report, rec *Recommendation) CheckpointRow {
	e := r.Eval
	for _, row := range rows {
		if row.Step == e.BestStep {
			rec.Basis, rec.Eval = RecBestEval, e.Best
			return row
		}
	}
	// The best one is gone: take the best eval among those on disk.
	bestIdx := -1
	ev := finiteCurve(r.analyzer(), e.Metric)
	var best trainlog.Point
	for i, row := range rows {
		p, ok := r.Data.Get(e.Metric).At(row.Step)
		if !ok || !p.Finite() {
			continue
		}
		if bestIdx < 0 || ev.better(best.Value, p.Value) > 0 {
			bestIdx, best = i, p
		}
	}
	// A checkpoint saved between two evaluations that are both better
	// than any checkpoint evaluated at its own step is nearer the best:
	// the worse of the two bounds it when the metric moved steadily
	// between them (eval every 20 steps, save every 90).
	if i, between := bracketedCheckpoint(rows, e, ev, best, bestIdx >= 0); i >= 0 {
		rec.Basis, rec.Between = RecBetweenEvals, between
		return rows[i]
	}
	if bestIdx < 0 {
		rec.Basis = RecLatestNoEval
		return rows[len(rows)-1]
	}
	rec.Basis, rec.Eval = RecBestRemaining, citePoint(best)
	return rows[bestIdx]
}

// bracketedCheckpoint returns the index of the checkpoint, not evaluated
// at its own step, whose two neighbouring evaluations bound it best, if
// that bound (the worse of the two) beats the best checkpoint evaluated
// itself (best, when have); and those two evaluations. It returns -1
// when none does.
func bracketedCheckpoint(rows []CheckpointRow, e Eval, ev *curve, best trainlog.Point, have bool) (int, []EvalPoint) {
	idx, bound := -1, 0.0
	var out []EvalPoint
	for i, row := range rows {
		if row.Step < 0 || row.Eval != nil {
			continue
		}
		k := sort.Search(len(e.Rows), func(k int) bool { return e.Rows[k].Step > row.Step })
		if k == 0 || k == len(e.Rows) || e.Rows[k-1].Step == row.Step {
			continue
		}
		lo, hi := e.Rows[k-1], e.Rows[k]
		if math.IsNaN(lo.Value) || math.IsNaN(hi.Value) || math.IsInf(lo.Value, 0) || math.IsInf(hi.Value, 0) {
			continue
		}
		worse := lo.Value
		if ev.better(worse, hi.Value) < 0 {
			worse = hi.Value
		}
		if have && ev.better(best.Value, worse) <= 0 {
			continue // not better than a checkpoint evaluated itself
		}
		if idx < 0 || ev.better(bound, worse) > 0 {
			idx, bound = i, worse
			out = []EvalPoint{
				{Step: lo.Step, Value: lo.Value, Source: lo.Source, StepEstimated: lo.StepEstimated},
				{Step: hi.Step, Value: hi.Value, Source: hi.Source, StepEstimated: hi.StepEstimated},
			}
		}
	}
	return idx, out
}

// healthyCheckpoint returns the final checkpoint, or the last one before
// an anomaly near the end of the run.
func healthyCheckpoint(rows []CheckpointRow, r *Report, opts Options, rec *Recommendation) CheckpointRow {
	final := rows[len(rows)-1]
	g := runGeometry(r.analyzer())
	cut := g.lastStep - int64(opts.TailFraction*float64(g.lastStep-g.firstStep))
	for _, f := range curveFindings(r.analyzer(), r, opts) {
		if f.Severity != SevError || f.Step < cut {
			continue
		}
		if rec.Anomaly < 0 || f.Step < rec.Anomaly {
			rec.Anomaly, rec.AnomalyKind = f.Step, f.Kind
		}
	}
	if rec.Anomaly < 0 {
		rec.Basis = RecFinalHealthy
		return final
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Step >= 0 && rows[i].Step < rec.Anomaly {
			rec.Basis = RecBeforeAnomaly
			return rows[i]
		}
	}
	rec.Basis = RecAnomalyNoEarly
	return final
}

// alternatives lists the other checkpoints worth trying, each with its
// role: the final weights (when not chosen), a late one for an A/B test
// and an earlier one whose loss was already low. The chosen checkpoint is
// never among them.
func alternatives(rows []CheckpointRow, chosen, final CheckpointRow) []CheckpointRow {
	out := []CheckpointRow{}
	add := func(row CheckpointRow, role Role) {
		if row.Path == chosen.Path && row.Step == chosen.Step {
			return
		}
		for _, o := range out {
			if o.Path == row.Path {
				return
			}
		}
		row.Roles = []Role{role}
		out = append(out, row)
	}
	add(final, RoleFinal)
	// A late checkpoint for an A/B test.
	for i := len(rows) - 2; i >= 0; i-- {
		if rows[i].Path != chosen.Path && rows[i].Step >= 0 {
			add(rows[i], RoleLate)
			break
		}
	}
	// An earlier one whose loss was already low: less memorisation.
	if len(rows) >= 3 && final.TrainLoss != nil {
		for _, row := range rows[:len(rows)-2] {
			if row.TrainLoss == nil || row.Path == chosen.Path {
				continue
			}
			if row.TrainLoss.Value <= lowLossRatio*final.TrainLoss.Value {
				add(row, RoleLowLoss)
				break
			}
		}
	}
	return out
}
