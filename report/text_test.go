package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/texttab"
)

func writeText(t *testing.T, r *analysis.Report, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, r, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextColor(t *testing.T) {
	plain := writeText(t, seedReport(t), Options{Chart: true})
	if strings.Contains(plain, "\x1b") {
		t.Error("text without Color holds escape sequences")
	}
	colored := writeText(t, seedReport(t), Options{Color: true})
	for _, want := range []string{
		"\x1b[1;32mconverged\x1b[0m", // verdict status in green
		"\x1b[1;33mwarning\x1b[0m",   // severity in yellow
		"\x1b[1m── Milestones ",      // bold section rule
	} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured text lacks %q", want)
		}
	}
	if strings.ContainsAny(colored, "\x01\x02\x03\x04") {
		t.Error("text holds unrendered inline markup")
	}
}

// TestTextWidth checks that prose and the chart fit the width, and that
// tables fit too when the width leaves room for their unbreakable
// columns (numbers, paths).
func TestTextWidth(t *testing.T) {
	for _, width := range []int{60, 80, 120} {
		out := writeText(t, seedReport(t), Options{Width: width, Chart: true})
		for i, line := range strings.Split(out, "\n") {
			table := strings.HasPrefix(line, "  ")
			if w := texttab.Width(line); w > width && (!table || width >= 120) && !hasLongWord(line, 30) {
				t.Errorf("width %d: line %d is %d wide: %q", width, i+1, w, line)
			}
		}
	}
}

// hasLongWord reports a space-free run longer than n (a source path),
// which wrapping cannot break.
func hasLongWord(line string, n int) bool {
	for _, f := range strings.Fields(line) {
		if texttab.Width(f) > n {
			return true
		}
	}
	return false
}

func TestTextChartOption(t *testing.T) {
	without := writeText(t, seedReport(t), Options{})
	if strings.ContainsFunc(without, isBraille) {
		t.Error("chart drawn without Options.Chart")
	}
	with := writeText(t, seedReport(t), Options{Chart: true})
	if !strings.ContainsFunc(with, isBraille) {
		t.Error("no chart with Options.Chart")
	}
}

func isBraille(r rune) bool { return r >= 0x2800 && r <= 0x28ff }

// TestEmptySections checks that every section of a report with no data
// says so, and says what to log next time.
func TestEmptySections(t *testing.T) {
	txt := writeText(t, emptyReport(), Options{Full: true})
	var md bytes.Buffer
	if err := WriteMarkdown(&md, emptyReport(), Options{Full: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ section, want string }{
		{"1. Run", "No per-step series was found"},
		{"Geometry", "Not logged: no examples"},
		{"2. Milestones", "Next time log it every few steps"},
		{"3. Phases", "Not enough points of loss"},
		{"4. Mean train_loss", "not logged"},
		{"5. End-of-run fluctuation", "Next time log every step"},
		{"6. Token accuracy", "Not logged: no mean_token_accuracy series"},
		{"7. Learning rate", "Not logged: no learning_rate series"},
		{"8. Throughput", "Not logged: no runtime or speed"},
		{"9. Generalisation", `set eval_strategy="steps"`},
		{"10. Checkpoints", "No checkpoint directories were found"},
		{"11. Another epoch?", "Cannot say"},
		{"12. Trend", "No trend test"},
		{"13. Findings", "No findings."},
		{"Spikes", "No spikes"},
		{"Events", "No restarts, crashes"},
		{"Warnings", "No syntax errors"},
		{"Summary", "cannot tell yet: too little of the run was logged to judge its trend."},
	}
	for _, tt := range tests {
		sec := sectionText(txt, tt.section)
		if !strings.Contains(strings.Join(strings.Fields(sec), " "), tt.want) {
			t.Errorf("text section %q does not say %q:\n%s", tt.section, tt.want, sec)
		}
		mdSec := strings.ReplaceAll(sectionText(md.String(), tt.section), "`", "")
		if !strings.Contains(mdSec, tt.want) {
			t.Errorf("markdown section %q does not say %q:\n%s", tt.section, tt.want, mdSec)
		}
	}
}

// sectionText returns the text from the heading line holding title to
// the next heading or rule.
func sectionText(doc, title string) string {
	lines := strings.Split(doc, "\n")
	for i, line := range lines {
		if !isHeadingLine(line) || !strings.Contains(line, title) {
			continue
		}
		var out []string
		for _, l := range lines[i+1:] {
			if isHeadingLine(l) {
				break
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	return ""
}

func isHeadingLine(l string) bool {
	return strings.HasPrefix(l, "#") || strings.HasPrefix(l, "── ") ||
		(strings.HasSuffix(l, ":") && !strings.HasPrefix(l, " ") && !strings.Contains(l, " ") && l != "")
}

func TestNilReport(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, nil, Options{}); err == nil {
		t.Error("WriteText(nil) succeeded")
	}
	if err := WriteMarkdown(&b, nil, Options{}); err == nil {
		t.Error("WriteMarkdown(nil) succeeded")
	}
}

// TestMilestoneSources checks that every number of the milestones table
// is printed next to its sources, as the seed article does.
func TestMilestoneSources(t *testing.T) {
	txt := writeText(t, seedReport(t), Options{Width: 200, Full: true})
	for _, want := range [][]string{
		{"first step", " 1 ", "2.81", "0.436", "2e-4", "all_logs.log:42"},
		{"end of epoch 3, last step", " 750 ", "0.1286", "0.963", "1.14", "2.67e-7", "all_logs.log:1540"},
	} {
		found := false
		for _, line := range strings.Split(txt, "\n") {
			all := true
			for _, w := range want {
				all = all && strings.Contains(line, w)
			}
			found = found || all
		}
		if !found {
			t.Errorf("no line of the text holds all of %q", want)
		}
	}
}

// TestCardTitleEpochNoun checks the run's size in the card title uses the
// singular for exactly one epoch, as testdata/runs/stalled (200 steps in one
// epoch) once read "1 epochs".
func TestCardTitleEpochNoun(t *testing.T) {
	for _, tc := range []struct {
		epochs float64
		want   string
	}{
		{1, "stalled: sft, 200 steps, 1 epoch"},
		{3, "stalled: sft, 200 steps, 3 epochs"},
		{2.99, "stalled: sft, 200 steps, 2.99 epochs"},
		{0.5, "stalled: sft, 200 steps, 0.5 epochs"},
	} {
		r := &analysis.Report{}
		r.Run.Name = "stalled"
		r.Run.Family = "sft"
		r.Run.LastStep = 200
		r.Run.Epochs = tc.epochs
		if got := cardTitle(r); got != tc.want {
			t.Errorf("epochs %v: title %q, want %q", tc.epochs, got, tc.want)
		}
	}
}

// TestFindingCiteNamesStep checks a pitfall line cites the entry of the
// step it names: the example's "5 grad_norm spikes (up to 5.02 at step 31)"
// once cited log_history[1], the start of the scanned window (step 2).
func TestFindingCiteNamesStep(t *testing.T) {
	f := analysis.Finding{
		Step:    31,
		Sources: []string{"trainer_state.json#log_history[1]", "trainer_state.json#log_history[30]"},
		Facts: []analysis.Fig{
			{Name: analysis.QRatio, Value: 1.74},
			{Name: analysis.QMax, Value: 5.02, Step: 31, Source: "trainer_state.json#log_history[30]"},
		},
	}
	if got, want := findingCite(f), "trainer_state.json#log_history[30]"; got != want {
		t.Errorf("cite %q, want %q", got, want)
	}
	f.Facts = nil
	if got, want := findingCite(f), "trainer_state.json#log_history[1]"; got != want {
		t.Errorf("without facts: cite %q, want %q", got, want)
	}
	if got := findingCite(analysis.Finding{Step: 3}); got != "" {
		t.Errorf("no source: cite %q, want none", got)
	}
}
