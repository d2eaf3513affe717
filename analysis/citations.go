package analysis

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// A Citation is one place where a report says it read something from a
// log: a value (Value, named Metric, at Step) or the evidence of a
// finding, an event or a warning. Report.Citations lists them all, so
// that a checker (plateau verify) can re-open each source.
type Citation struct {
	// Field is where the report holds the citation, as a path into its
	// JSON form: "milestones[1].metric_sources.loss".
	Field string
	// Source is the cited place as the report prints it: file:line,
	// file#log_history[i], file#record[i] or file#key.
	Source string
	Kind   CitationKind
	// Metric names the value: a canonical series name, a summary or
	// geometry key as logged; "" when the report does not say which of
	// the numbers at the source it is.
	Metric string
	// Value is the number the report says the source holds (NaN for a
	// non-finite one), for CiteValue and CiteAlso.
	Value float64
	// Step is the step the source is cited for; -1 when it belongs to no
	// step (a summary value, a geometry fact, the evidence of a finding
	// that spans steps).
	Step int64
	// StepEstimated is set when the report marks Step as estimated: the
	// source need not state the step, only allow it.
	StepEstimated bool
}

// CitationKind says what a Citation claims about its source.
type CitationKind string

// Kinds of citation.
const (
	// CiteValue: the source holds Value (named Metric) at Step.
	CiteValue CitationKind = "value"
	// CiteAlso: another source that logged the same value at Step.
	CiteAlso CitationKind = "also"
	// CiteEvidence: the source is where evidence is (a finding's,
	// an event's, a warning's, a derived number's input); it must exist,
	// and be at Step when Step is set. No value is claimed.
	CiteEvidence CitationKind = "evidence"
	// CiteDerived: a computed number; Source starts with "derived: " and
	// names its inputs, which are listed again as evidence. Nothing is
	// claimed to be read at a derived source.
	CiteDerived CitationKind = "derived"
)

// IsDerived reports whether a source string names a derived number
// rather than a place in a log.
func IsDerived(src string) bool { return strings.HasPrefix(src, derivedPrefix) }

// Citations returns every citation of the report, in the order of its
// JSON form. It is the one list of what the report claims to have read:
// every source a report shows is in it (a test walks the JSON output to
// keep it so).
func (r *Report) Citations() []Citation {
	var c citer
	ri := r.Run
	for i, e := range ri.FamilyEvidence {
		if e.Source == "" {
			continue // a name in the run's folder
		}
		if e.Value != nil {
			c.value(field("run.family_evidence", i, "source"), e.Source, e.Read, *e.Value, -1, false)
		} else {
			c.evidence(field("run.family_evidence", i, "source"), e.Source, -1)
		}
	}
	for i, g := range ri.Geometry {
		c.value(field("run.geometry", i, "source"), g.Source, g.Key, g.Value, -1, false)
	}
	for i, ev := range ri.Events {
		for j, s := range ev.Sources {
			c.evidence(field("run.events", i, "sources")+idx(j), s, -1)
		}
	}
	for i, m := range r.Milestones {
		base := field("milestones", i, "")
		est := m.StepEstimated != ""
		names := make([]string, 0, len(m.MetricSources))
		for k := range m.MetricSources {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v, ok := m.Metrics[k]
			if !ok {
				v = math.NaN()
			}
			c.value(base+".metric_sources."+k, m.MetricSources[k], k, v, m.Step, est)
		}
		c.stepEvidence(base+".source", m.Source, m.Step, est)
		for j, s := range m.Sources {
			c.stepEvidence(base+".sources"+idx(j), s, m.Step, est)
		}
	}
	for i, p := range r.Phases {
		c.derived(field("phases", i, "start_level"), &p.StartLevel)
		c.derived(field("phases", i, "end_level"), &p.EndLevel)
	}
	tl := r.TrainLoss
	if tl.Reported != nil {
		c.value("train_loss.source", tl.Source, "train_loss", *tl.Reported, -1, false)
	} else {
		c.evidence("train_loss.source", tl.Source, -1)
	}
	c.derived("train_loss.recomputed_mean", tl.RecomputedMean)
	c.derived("train_loss.final_level", tl.FinalLevel)
	c.cited("train_loss.first", tl.First, "loss", -1, false)
	c.cited("train_loss.last", tl.Last, "loss", -1, false)
	if n := r.Noise; n != nil {
		c.derived("noise.sigma", &n.Sigma)
		c.cited("noise.last", &n.Last, r.Primary, n.LastStep, false)
	}
	if a := r.Accuracy; a != nil {
		for i := range a.Rows {
			st := int64(-1)
			if i < len(a.Steps) {
				st = a.Steps[i]
			}
			c.cited(field("token_accuracy.rows", i, ""), &a.Rows[i], a.Metric, st, false)
		}
		c.cited("token_accuracy.eval_value", a.Eval, "eval_"+strings.TrimPrefix(a.Metric, "eval_"), a.EvalStep, false)
		c.derived("token_accuracy.loss_at_ln2", a.LossAtLn2)
		c.derived("token_accuracy.first_level", a.FirstLevel)
		c.derived("token_accuracy.final_level", a.FinalLevel)
	}
	for i, row := range r.LRSchedule.Rows {
		c.value(field("lr_schedule.rows", i, "source"), row.Source, "learning_rate", row.Value, row.Step, row.StepEstimated != "")
	}
	r.throughputCitations(&c)
	e := r.Eval
	for i, row := range e.Rows {
		est := row.StepEstimated != ""
		c.value(field("eval.rows", i, "source"), row.Source, e.Metric, row.Value, row.Step, est)
		c.cited(field("eval.rows", i, "train_loss"), row.TrainLoss, "loss", row.Step, est)
	}
	c.cited("eval.best", e.Best, e.Metric, e.BestStep, rowEstimated(e.Rows, e.BestStep))
	if n := len(e.Rows); n > 0 {
		c.cited("eval.last", e.Last, e.Metric, e.Rows[n-1].Step, e.Rows[n-1].StepEstimated != "")
	} else {
		c.cited("eval.last", e.Last, e.Metric, -1, false)
	}
	for i, o := range e.Other {
		c.value(field("eval.other", i, "source"), o.Source, o.Name, o.Value, -1, false)
	}
	for i, g := range e.Gaps {
		c.value(field("eval.gaps", i, "eval.source"), g.Eval.Source, g.Eval.Name, g.Eval.Value, -1, false)
		c.value(field("eval.gaps", i, "against.source"), g.Against.Source, g.Against.Name, g.Against.Value, -1, false)
	}
	for i, h := range e.Hints {
		if h.Source == "" {
			continue
		}
		st := h.Step
		if st == 0 {
			st = -1
		}
		c.value(field("eval.hints", i, "source"), h.Source, h.Metric, h.Value, st, false)
	}
	for i, ck := range r.Checkpoints {
		r.checkpointCitations(&c, field("checkpoints", i, ""), ck)
	}
	rec := r.CheckpointsRecommended
	c.cited("checkpoints_recommended.eval", rec.Eval, e.Metric, rec.Step, rowEstimated(e.Rows, rec.Step))
	for i, b := range rec.Between {
		c.value(field("checkpoints_recommended.between", i, "source"), b.Source, e.Metric, b.Value, b.Step, b.StepEstimated != "")
	}
	for i, ck := range rec.Alternatives {
		r.checkpointCitations(&c, field("checkpoints_recommended.alternatives", i, ""), ck)
	}
	for i, s := range r.Spikes {
		c.value(field("spikes", i, "source"), s.Source, s.Metric, s.Value, s.Step, s.StepEstimated != "")
	}
	for i, f := range r.Findings {
		base := field("findings", i, "")
		for j, x := range f.Facts {
			if x.Source == "" {
				continue
			}
			st := x.Step
			if st == 0 {
				st = -1
			}
			c.value(base+".facts"+idx(j)+".source", x.Source, figMetric(f, x), x.Value, st, f.StepEstimated != "" && x.Step == f.Step)
		}
		for j, s := range f.Sources {
			c.evidence(base+".sources"+idx(j), s, -1)
		}
	}
	r.verdictCitations(&c)
	for i, w := range r.Warnings {
		c.evidence(field("warnings", i, "source"), w.Source, -1)
	}
	return c.out
}

// throughputCitations lists the throughput section's citations.
func (r *Report) throughputCitations(c *citer) {
	t := r.Throughput
	if rt := t.RuntimeSeconds; rt != nil {
		metric := ""
		if t.RuntimeFrom == RuntimeLogged || t.RuntimeFrom == "" {
			metric = "train_runtime"
		}
		c.cited("throughput.runtime_seconds", rt, metric, -1, false)
	}
	c.cited("throughput.seconds_per_it", t.SecondsPerIt, "", -1, false)
	c.cited("throughput.it_per_second", t.ItPerSecond, "", -1, false)
	c.cited("throughput.samples_per_second", t.SamplesPerSec, "train_samples_per_second", -1, false)
	c.cited("throughput.steps_per_second", t.StepsPerSec, "train_steps_per_second", -1, false)
	c.cited("throughput.tokens_per_second", t.TokensPerSec, "train_tokens_per_second", -1, false)
	c.cited("throughput.tokens_seen", t.TokensSeen, "", -1, false)
	c.derived("throughput.gpu_hours", t.GPUHours)
	c.derived("throughput.cost", t.Cost)
}

// checkpointCitations lists the citations of a checkpoint row.
func (r *Report) checkpointCitations(c *citer, base string, ck CheckpointRow) {
	est := rowEstimated(r.Eval.Rows, ck.Step)
	c.cited(base+".train_loss", ck.TrainLoss, "loss", ck.Step, est)
	c.cited(base+".eval", ck.Eval, r.Eval.Metric, ck.Step, est)
}

// rowEstimated reports whether the eval row at step has an estimated step.
func rowEstimated(rows []EvalRow, step int64) bool {
	for _, row := range rows {
		if row.Step == step {
			return row.StepEstimated != ""
		}
	}
	return false
}

// figMetric names the value of a finding's fact.
func figMetric(f Finding, x Fig) string {
	switch x.Name {
	case QLossAt:
		return "loss"
	case QReported:
		return "train_loss"
	case QResumedFrom:
		return ""
	}
	return f.Metric
}

// A citer collects citations.
type citer struct{ out []Citation }

func (c *citer) add(x Citation) {
	if x.Source == "" {
		return
	}
	if IsDerived(x.Source) {
		x.Kind, x.Value, x.Metric, x.Step = CiteDerived, math.NaN(), "", -1
		c.out = append(c.out, x)
		for i, in := range strings.Split(strings.TrimPrefix(x.Source, derivedPrefix), derivedMinus) {
			c.evidence(x.Field+".input"+idx(i), strings.TrimSpace(in), -1)
		}
		return
	}
	c.out = append(c.out, x)
}

func (c *citer) value(f, src, metric string, v float64, step int64, est bool) {
	c.add(Citation{Field: f, Source: src, Kind: CiteValue, Metric: metric, Value: v, Step: step, StepEstimated: est})
}

func (c *citer) cited(f string, x *Cited, metric string, step int64, est bool) {
	if x == nil {
		return
	}
	c.value(f+".source", x.Source, metric, x.Value, step, est)
	for i, a := range x.Also {
		c.add(Citation{Field: f + ".also" + idx(i), Source: a, Kind: CiteAlso, Metric: metric, Value: x.Value, Step: step, StepEstimated: est})
	}
}

func (c *citer) evidence(f, src string, step int64) {
	c.add(Citation{Field: f, Source: src, Kind: CiteEvidence, Value: math.NaN(), Step: step})
}

func (c *citer) stepEvidence(f, src string, step int64, est bool) {
	c.add(Citation{Field: f, Source: src, Kind: CiteEvidence, Value: math.NaN(), Step: step, StepEstimated: est})
}

func (c *citer) derived(f string, d *Derived) {
	if d == nil {
		return
	}
	for i, s := range d.How.Sources {
		c.evidence(f+".how.sources"+idx(i), s, -1)
	}
}

func field(list string, i int, rest string) string {
	if rest == "" {
		return list + idx(i)
	}
	return list + idx(i) + "." + rest
}

func idx(i int) string { return "[" + strconv.Itoa(i) + "]" }
