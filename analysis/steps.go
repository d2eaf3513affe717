package analysis

import (
	"sort"

	"github.com/plateau-dev/plateau/trainlog"
)

// StepsEstimated counts the log entries of one file whose step a reader
// estimated, by the evidence it estimated it from (RunInfo.EstimatedSteps).
// A console dict carries no step; when nothing around it fixes the step
// (see trainlog.StepEvidence), the step is the closest the log allows,
// and a report must say so.
type StepsEstimated struct {
	File string `json:"file"`
	// By names the evidence: "cadence", "lr", "frame", "epoch",
	// "follows", "ordinal", or "callback", "redraw", "bar" where such
	// evidence conflicted.
	By      string `json:"by"`
	Entries int    `json:"entries"`
}

// stepEstimate returns what p's step was estimated from, or "" when it
// was read or fixed exactly.
func stepEstimate(p trainlog.Point) string {
	if !p.StepEstimated {
		return ""
	}
	return p.StepBy.String()
}

// estimatedSteps counts the entries whose step was estimated: each
// cited source (a dict's line) once, over every series.
func estimatedSteps(run *trainlog.Run) []StepsEstimated {
	type key struct{ file, by string }
	seen := map[trainlog.Source]bool{}
	counts := map[key]int{}
	for _, name := range run.SeriesNames() {
		s := run.Series[name]
		for i := range s.Len() {
			if !s.StepEstimated(i) {
				continue
			}
			src := s.Source(i)
			if seen[src] {
				continue
			}
			seen[src] = true
			counts[key{src.File, s.StepBy(i).String()}]++
		}
	}
	out := make([]StepsEstimated, 0, len(counts))
	for k, n := range counts {
		out = append(out, StepsEstimated{File: k.file, By: k.by, Entries: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Entries > out[j].Entries || out[i].Entries == out[j].Entries && out[i].By < out[j].By
	})
	return out
}

// markEstimatedFindings sets Finding.StepEstimated on the findings whose
// step is that of a cited value whose step was estimated (a spike, a
// divergence, a non-finite value found at a console dict's estimated
// step): a fact at the finding's step cites it, or, for a finding that
// only lists the values it is about, the first of them. A finding dated
// by an event (a crash at the bar's position) cites no such value and
// keeps its step as read.
func markEstimatedFindings(run *trainlog.Run, r *Report) {
	var est map[string]string
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Step <= 0 {
			continue
		}
		if est == nil {
			est = estimatedSources(run)
		}
		for _, x := range f.Facts {
			if by, ok := est[x.Source]; ok && x.Step == f.Step && x.Source != "" {
				f.StepEstimated = by
				break
			}
		}
		if f.StepEstimated == "" && len(f.Facts) == 0 && len(f.Sources) > 0 {
			// A finding listing the values it is about: the first one
			// dates it.
			f.StepEstimated = est[f.Sources[0]]
		}
	}
}

// estimatedSources maps the source of every point whose step was
// estimated to the evidence it was estimated from.
func estimatedSources(run *trainlog.Run) map[string]string {
	out := map[string]string{}
	for _, s := range run.Series {
		for i := range s.Len() {
			if s.StepEstimated(i) {
				out[s.Source(i).String()] = s.StepBy(i).String()
			}
		}
	}
	return out
}

// StepEstimated names what step s of the report's data was estimated
// from: "" when a value logged at s had its step read or fixed exactly,
// or none was logged at s. A sentence that prints a step marks it with
// this (a table row marks its step from the row's own StepEstimated).
func (r *Report) StepEstimated(s int64) string {
	if r.Data == nil || s < 0 {
		return ""
	}
	by := ""
	for _, ser := range r.Data.Series {
		for i := ser.Search(s); i < ser.Len() && ser.Step(i) == s; i++ {
			if !ser.StepEstimated(i) {
				return "" // some value was logged at s exactly
			}
			if b := ser.StepBy(i).String(); by == "" || b < by {
				by = b
			}
		}
	}
	return by
}
