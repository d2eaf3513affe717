package analysis

// verdictCitations lists the citations of the verdict's reason and of the
// evidence it was decided from (see Report.Citations).
func (r *Report) verdictCitations(c *citer) {
	for j, s := range r.Verdict.Reason.Sources {
		c.evidence("verdict.reason.sources"+idx(j), s, -1)
	}
	e := r.Evidence
	if e == nil {
		return
	}
	c.value("evidence.run.last_lr_source", e.Run.LastLRSource, "learning_rate", e.Run.LastLR, -1, false)
	if tr := e.Train; tr != nil {
		win := func(f string, w Window) {
			for j, s := range w.Sources {
				c.evidence("evidence.train."+f+".sources"+idx(j), s, -1)
			}
		}
		win("start", tr.Start)
		for i, w := range tr.Fifths {
			win("fifths"+idx(i), w)
		}
		win("final", tr.Final)
		win("best", tr.Best)
		win("end", tr.End)
		win("gain_from", tr.GainFrom)
	}
	if ev := e.Eval; ev != nil {
		c.value("evidence.eval.best.source", ev.Best.Source, ev.Metric, ev.Best.Value, ev.BestStep, false)
		c.value("evidence.eval.last.source", ev.Last.Source, ev.Metric, ev.Last.Value, ev.LastStep, false)
	}
	p := e.Pitfalls
	c.evidence("evidence.pitfalls.non_finite_source", p.NonFiniteSource, p.NonFiniteStep)
	c.evidence("evidence.pitfalls.last_nan_window_source", p.LastNaNWindowSource, p.LastNaNWindowStep)
	for j, s := range p.ZeroSources {
		c.evidence("evidence.pitfalls.zero_sources"+idx(j), s, -1)
	}
	if pf := e.Preference; pf != nil && pf.EvalSource != "" {
		c.value("evidence.preference.eval_source", pf.EvalSource, "eval_rewards/accuracies", pf.EvalAccuracy, -1, false)
	}
}
