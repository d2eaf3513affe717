package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
)

// compareExamples compares the two bundled examples, as 'plateau compare'
// does.
func compareExamples(t *testing.T) *analysis.Comparison {
	t.Helper()
	paths := []string{"../examples/hf_v5_sft_lora_3ep", "../examples/hf_v5_overfit_eval"}
	var reps []*analysis.Report
	for _, p := range paths {
		reps = append(reps, loadRun(p)(t))
	}
	return analysis.Compare(reps, paths, analysis.DefaultOptions)
}

// TestCompareGolden renders the comparison of the two examples in every
// format: a LoRA run (4 samples per step, from the console's INFO block)
// and a full fine-tune (8 per step, from the Trainer's rates), aligned on
// samples.
func TestCompareGolden(t *testing.T) {
	c := compareExamples(t)
	var txt, md, js, html bytes.Buffer
	if err := WriteCompareText(&txt, c, Options{Width: DefaultWidth}); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompareMarkdown(&md, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompareJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompareHTML(&html, c); err != nil {
		t.Fatal(err)
	}
	checkReportGolden(t, "compare/examples.txt", txt.Bytes())
	checkReportGolden(t, "compare/examples.md", md.Bytes())
	checkReportGolden(t, "compare/examples.json", js.Bytes())
	checkReportGolden(t, "compare/examples.html", html.Bytes())
	checkMarkdownTables(t, md.String())

	// The numbers the goldens hold, asserted from the inputs.
	var got struct {
		AlignedBy string `json:"aligned_by"`
		Best      int    `json:"best"`
		Runs      []struct {
			Path  string `json:"path"`
			Scale struct {
				PerStep float64  `json:"per_step"`
				Method  string   `json:"method"`
				Sources []string `json:"sources"`
			} `json:"scale"`
			AxisEnd float64 `json:"axis_end"`
			Steps   int64   `json:"steps"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.AlignedBy != "samples" || len(got.Runs) != 2 {
		t.Fatalf("aligned by %q with %d runs", got.AlignedBy, len(got.Runs))
	}
	// sft: "Total train batch size (w. parallel, distributed &
	// accumulation) = 4" at console.log:16, 750 steps = 3,000 samples.
	a := got.Runs[0]
	if a.Scale.PerStep != 4 || a.Scale.Method != "total_train_batch_size" || a.Scale.Sources[0] != "console.log:16" || a.AxisEnd != 3000 {
		t.Errorf("sft run: %+v", a)
	}
	// overfit: 160 examples x 25 epochs / 500 steps = 8 per step, as the
	// summary's rates give it (63.86 samples/s / 7.983 steps/s rounded).
	b := got.Runs[1]
	if b.Scale.Method != "samples_per_second_over_steps_per_second" || b.Scale.PerStep < 7.9 || b.Scale.PerStep > 8.1 || b.Steps != 500 {
		t.Errorf("overfit run: %+v", b)
	}
	for _, want := range []string{"aligned on samples seen", "The geometry differs: samples per step", "The runs did different numbers of steps"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

// TestOverlayChart checks the text chart's layout on two known curves.
func TestOverlayChart(t *testing.T) {
	a := []analysis.AxisPoint{{X: 0, Y: 4}, {X: 50, Y: 2}, {X: 100, Y: 1}}
	b := []analysis.AxisPoint{{X: 0, Y: 4}, {X: 100, Y: 3}}
	lines := overlayChart([][]analysis.AxisPoint{a, b}, 30, 5, func(v float64) string { return num(v) })
	// 30 columns less the labels' 3 and " ┤" leave 24; rows are linear
	// (4/1 spans less than a decade): a's 2 at x=50 lands on row 3 of 5,
	// column 12; b's 3 at x=100 on row 1; both start at 4: '*'.
	want := []string{
		"  4 ┤*",
		"    ┤                       b",
		"2.5 ┤",
		"    ┤            a",
		"  1 ┤                       a",
		"    └────────────────────────",
		"     0                    100",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("chart\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestCompareWarningWords: the warnings agree in number with the runs
// they name, and the advice on the axis holds for any trainer.
func TestCompareWarningWords(t *testing.T) {
	c := &analysis.Comparison{AlignedBy: analysis.AxisEpochs, Runs: make([]analysis.ComparedRun, 2)}
	labels := []string{"a", "b"}
	for _, tc := range []struct {
		w    analysis.CompareWarning
		want string
	}{
		{analysis.CompareWarning{Kind: analysis.WarnAxisFallback, Runs: []int{0}}, "a logs neither its total batch size"},
		{analysis.CompareWarning{Kind: analysis.WarnAxisFallback, Runs: []int{0, 1}}, "a, b log neither their total batch size"},
		{analysis.CompareWarning{Kind: analysis.WarnAxisFallback, Runs: []int{0, 1}}, "Lightning's hparams.yaml"},
		{analysis.CompareWarning{Kind: analysis.WarnEvalSet, Runs: []int{1}}, "Only b evaluates: the other cannot be judged"},
		{analysis.CompareWarning{Kind: analysis.WarnIncomplete, Runs: []int{0, 1}}, "their final levels are not"},
		{analysis.CompareWarning{Kind: analysis.WarnIncomplete, Runs: []int{1}}, "b stopped before the planned steps: its final level"},
	} {
		if got := renderInline(warningText(c, tc.w, labels), textInline{}); !strings.Contains(got, tc.want) {
			t.Errorf("%s %v: %q, want %q in it", tc.w.Kind, tc.w.Runs, got, tc.want)
		}
	}
	c.Runs = make([]analysis.ComparedRun, 3)
	if got := warningText(c, analysis.CompareWarning{Kind: analysis.WarnEvalSet, Runs: []int{1}}, []string{"a", "b", "c"}); !strings.Contains(got, "the others cannot") {
		t.Errorf("one of three evaluates: %q", got)
	}
}
