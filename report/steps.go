package report

import (
	"strings"

	"github.com/plateau-dev/plateau/analysis"
)

// stepMark formats a step for a table cell, with "~" before a step that
// was estimated (by names the evidence; empty for a step that was read).
func stepMark(s int64, by string) string {
	if by == "" || s < 0 {
		return stepN(s)
	}
	return "~" + stepN(s)
}

// estimatedStepsShort is estimatedStepsNote in one sentence, for the
// default report.
func estimatedStepsShort(ri analysis.RunInfo) string {
	if len(ri.EstimatedSteps) == 0 {
		return ""
	}
	var parts []string
	for _, e := range ri.EstimatedSteps {
		parts = append(parts, count(int64(e.Entries))+" entries of "+code(e.File)+" from "+estimatedBy(e.By))
	}
	return "~ marks a step the log does not print, estimated (" + strings.Join(parts, "; ") + ")."
}

// estimatedBy names the evidence a step was estimated from, for a
// sentence: "step estimated from the epoch".
func estimatedBy(by string) string {
	switch by {
	case "cadence":
		return "the logging cadence"
	case "lr":
		return "the learning rate's progression"
	case "frame":
		return "the progress bar"
	case "epoch":
		return "the epoch"
	case "follows":
		return "the training log printed before it"
	case "ordinal":
		return "its position in the file"
	case "callback", "redraw", "bar":
		return "conflicting evidence (" + by + ")"
	}
	return by
}

// estimatedStepsNote says which steps are estimated, and that "~" marks
// them; "" when every step was read or fixed exactly.
func estimatedStepsNote(ri analysis.RunInfo) string {
	if len(ri.EstimatedSteps) == 0 {
		return ""
	}
	var parts []string
	for _, e := range ri.EstimatedSteps {
		parts = append(parts, count(int64(e.Entries))+" entries of "+code(e.File)+" have their step estimated from "+estimatedBy(e.By))
	}
	return "Steps estimated: " + strings.Join(parts, "; ") + ". The log does not print them next to the values: " +
		"wherever this report gives the step of one of these entries, it is the step the evidence around the entry allows, " +
		"not a step read from the log (the tables mark it ~)."
}
