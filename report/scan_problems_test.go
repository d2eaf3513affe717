package report

import (
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

// TestScanProblemsCell: the Problems cell names each kind once, the most
// severe first, with its count when found more than once, after the
// run's input problems; it is empty for a run without problems.
func TestScanProblemsCell(t *testing.T) {
	f := func(kind analysis.FindingKind, sev analysis.Severity) analysis.Finding {
		return analysis.Finding{Kind: kind, Severity: sev}
	}
	for _, c := range []struct {
		row  analysis.ScanRun
		want string
	}{
		{analysis.ScanRun{}, ""},
		{analysis.ScanRun{Problems: []analysis.Finding{f("overfitting", analysis.SevWarning)}}, "overfitting"},
		{analysis.ScanRun{Problems: []analysis.Finding{f("divergence", analysis.SevError), f("divergence", analysis.SevError), f("grad-norm-high", analysis.SevWarning)}}, "divergence ×2, grad-norm-high"},
		{analysis.ScanRun{InputProblems: 3, Problems: []analysis.Finding{f("no-summary", analysis.SevWarning)}}, "input-problem ×3, no-summary"},
		{analysis.ScanRun{InputProblems: 1}, "input-problem"},
		{analysis.ScanRun{Error: "x: permission denied"}, "not read"},
	} {
		if got := scanProblems(c.row); got != c.want {
			t.Errorf("%+v: %q, want %q", c.row.Problems, got, c.want)
		}
	}
}
