package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/trainlog"
)

// TestEstimatedSteps renders a W&B console whose dicts carry no step and
// whose steps only the learning rate's progression estimates: the report
// must say so, and mark each such step, never print it as read.
func TestEstimatedSteps(t *testing.T) {
	b := genlog.NewBursty(genlog.DefaultBursty)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "output.log"), b.Log, 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	out := writeText(t, r, Options{Width: 200, Full: true})
	short := writeText(t, r, Options{Width: 200})
	if want := "~ marks a step the log does not print, estimated (1,664 entries of output.log from the learning rate's progression)."; !strings.Contains(short, want) {
		t.Errorf("the default text does not say that the steps are estimated: lacks %q", want)
	}
	// The card marks the estimated steps it quotes too.
	// The card marks the estimated steps it quotes too (a crash's step,
	// read from the bar, is not estimated).
	card := writeText(t, r, Options{Width: 200, Summary: true})
	for _, f := range r.Findings {
		if f.StepEstimated != "" && strings.Contains(card, "step "+step(f.Step)+" ") {
			t.Errorf("the card quotes the estimated step %d unmarked:\n%s", f.Step, card)
		}
	}
	if want := "Steps estimated: 1,664 entries of output.log have their step estimated from the learning rate's progression."; !strings.Contains(out, want) {
		t.Errorf("text lacks %q", want)
	}
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  first step ") || strings.HasPrefix(line, "  last step ") {
			rows++
			if f := strings.Fields(line); f[2][0] != '~' {
				t.Errorf("milestone row %q: step not marked as estimated", line)
			}
		}
	}
	if rows != 2 {
		t.Errorf("%d milestone rows found", rows)
	}
	for _, m := range r.Milestones {
		if m.StepEstimated != "lr" {
			t.Errorf("milestone at step %d: step_estimated %q, want lr", m.Step, m.StepEstimated)
		}
	}
	// The grad_norm spike is at its step by the lr's warmup slope, not at
	// the dict's ordinal, and marked estimated.
	spike := false
	for _, sp := range r.Spikes {
		if sp.Metric == "grad_norm" && sp.Value > 100 {
			spike = sp.Step == b.SpikeStep && sp.StepEstimated == "lr"
		}
	}
	if !spike {
		t.Errorf("no grad_norm spike at step %d estimated from the lr: %+v", b.SpikeStep, r.Spikes)
	}
	for _, f := range r.Findings {
		if f.Kind == analysis.KindGradNormSpikes && (f.Step != b.SpikeStep || f.StepEstimated != "lr") {
			t.Errorf("grad_norm spike finding at step %d estimated %q, want %d from lr", f.Step, f.StepEstimated, b.SpikeStep)
		}
	}
	if !strings.Contains(out, "(step ~1482)") {
		t.Errorf("the findings do not mark the spike's step as estimated")
	}
	if r.Run.LastStep > b.Crash || r.Run.LastStep < b.Crash-5 {
		t.Errorf("last step %d, the bar shows the crash at %d", r.Run.LastStep, b.Crash)
	}
	// A report of exact steps says nothing about estimates.
	if out := writeText(t, seedReport(t), Options{}); strings.Contains(out, "Steps estimated") || strings.Contains(out, "  ~") {
		t.Error("the seed report marks steps as estimated")
	}
}

// stepRE finds a step a sentence or cell prints: "step 40", "steps
// 15-40", "at step ~40", "steps ~15-~40".
var stepRE = regexp.MustCompile(`\bsteps? (~?)(\d+)(?:-(~?)(\d+))?\b`)

// skipRE finds what TestEstimatedStepsInSentences leaves out: a
// finding's label, marked from the finding's own step_estimated (see
// TestEstimatedSteps), and the charts (SVG and their script data), whose
// point labels are not sentences.
var skipRE = regexp.MustCompile(`(?s)(?:info|warning|error) \(steps? [^)]*\)|class="meta">\(steps? [^)]*\)|<svg.*?</svg>|<script.*?</script>`)

// TestEstimatedStepsInSentences renders a console log whose every step
// is estimated in every format: wherever a sentence or a cell says "step
// N" for a step of the data, N is marked "~", and no format, charts
// included, leaks the marks' markup.
func TestEstimatedStepsInSentences(t *testing.T) {
	path := filepath.Join("..", "trainlog", "testdata", "console", "layouts", "crlf_pasted.log")
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	if r.StepEstimated(40) == "" || r.StepEstimated(20) == "" {
		t.Fatal("the fixture's steps are not estimated")
	}
	outputs := map[string]string{
		"text":       writeText(t, r, Options{Width: 120, Full: true}),
		"text-short": writeText(t, r, Options{Width: 120}),
		"verdict":    VerdictSentence(r),
	}
	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, r, Options{Width: 100, Full: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, r, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	outputs["md"], outputs["html"] = md.String(), html.String()
	files, err := ChartFiles(r, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		outputs["chart "+f.Name] = string(f.Data)
	}
	marked := 0
	for name, out := range outputs {
		if strings.ContainsAny(out, string([]rune{stepOpen, stepClose})) {
			t.Errorf("%s: the step markup leaks into the output", name)
		}
		for _, m := range stepRE.FindAllStringSubmatch(skipRE.ReplaceAllString(out, ""), -1) {
			for _, p := range [][2]string{{m[1], m[2]}, {m[3], m[4]}} {
				if p[1] == "" {
					continue
				}
				n, _ := strconv.ParseInt(p[1], 10, 64)
				switch {
				case p[0] == "~":
					marked++
				case r.StepEstimated(n) != "":
					t.Errorf("%s: %q prints estimated step %s as read", name, m[0], p[1])
				}
			}
		}
	}
	if marked == 0 {
		t.Error("no step marked ~ in any output")
	}
	// A report of exact steps marks none.
	if out := writeText(t, seedReport(t), Options{Full: true}); strings.Contains(out, "step ~") {
		t.Error("the seed report marks a step as estimated")
	}
}
