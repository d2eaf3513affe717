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
		for _, p := range run.Series[name].Points {
			if !p.StepEstimated || seen[p.Source] {
				continue
			}
			seen[p.Source] = true
			counts[key{p.Source.File, p.StepBy.String()}]++
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
