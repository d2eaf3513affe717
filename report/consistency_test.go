package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// pipedOptions are the text options of `plateau report DIR` written to a
// pipe or a file: 100 columns, no chart, no colour.
var pipedOptions = Options{Width: 100}

// TestAnswerCardFirst checks the acceptance of the answer card on both
// examples and the seed reconstruction: the first 15 lines of the default
// text hold the status, the recommended checkpoint's path and the answer
// to "train more?" with a number, and the whole default text fits in 100
// lines.
func TestAnswerCardFirst(t *testing.T) {
	cases := []struct {
		name string
		r    func(t *testing.T) *analysis.Report
	}{
		{"hf_v5_sft_lora_3ep", loadRun("../examples/hf_v5_sft_lora_3ep")},
		{"hf_v5_overfit_eval", loadRun("../examples/hf_v5_overfit_eval")},
		{"seed", func(t *testing.T) *analysis.Report { return seedReport(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.r(t)
			txt := writeText(t, r, pipedOptions)
			lines := strings.Split(strings.TrimSuffix(txt, "\n"), "\n")
			if len(lines) > 100 {
				t.Errorf("default text is %d lines, want at most 100", len(lines))
			}
			head := strings.Join(lines[:min(15, len(lines))], "\n")
			if !strings.Contains(head, "Status       "+string(r.Verdict.Status)) {
				t.Errorf("the first 15 lines do not give the status %q:\n%s", r.Verdict.Status, head)
			}
			if p := r.CheckpointsRecommended.Path; p == "" || !strings.Contains(head, p) {
				t.Errorf("the first 15 lines do not name the recommended checkpoint %q:\n%s", p, head)
			}
			more := cardLine(head, "Train more?")
			if !strings.ContainsAny(more, "0123456789") {
				t.Errorf("the train-more answer %q holds no number", more)
			}
		})
	}
}

// cardLine returns a card row's text from rendered text, its wrapped
// lines joined.
func cardLine(txt, label string) string {
	var out []string
	in := false
	for _, line := range strings.Split(txt, "\n") {
		switch {
		case strings.HasPrefix(line, label):
			in = true
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, label)))
		case in && strings.HasPrefix(line, "    "):
			out = append(out, strings.TrimSpace(line))
		default:
			in = false
		}
		if len(out) > 0 && !in {
			break
		}
	}
	return strings.Join(out, " ")
}

// TestConsistency renders every example, every real run of testdata/runs
// and every run of the shared corpus, and fails on a contradiction
// between the answer card, the verdict, the phases and the sections.
func TestConsistency(t *testing.T) {
	root := testcorpus.Root(t)
	dirs := []string{filepath.Join(root, "examples"), filepath.Join(root, "testdata", "runs")}
	if c := corpusOrSkip(t); c != "" {
		dirs = append(dirs, c)
	}
	n := 0
	for _, dir := range dirs {
		for _, run := range discoverRuns(t, dir) {
			n++
			rel, _ := filepath.Rel(root, run.path)
			t.Run(rel, func(t *testing.T) {
				r := analysis.Analyze(run.run, analysis.DefaultOptions)
				checkConsistent(t, r)
				// The phases and the verdict agree on how the run ends.
				_, known := knownPhaseContradictions[filepath.ToSlash(rel)]
				switch bad := phaseContradiction(r); {
				case bad != "" && !known:
					t.Error(bad)
				case bad == "" && known:
					t.Errorf("%s no longer contradicts its phases: remove it from knownPhaseContradictions", rel)
				}
			})
		}
	}
	if n < 10 {
		t.Errorf("only %d runs rendered", n)
	}
}

// corpusOrSkip returns the corpus folder, or "" when it is absent and
// not required.
func corpusOrSkip(t *testing.T) string {
	dir := filepath.Join(testcorpus.Root(t), "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("PLATEAU_CORPUS") != "" {
			t.Fatalf("PLATEAU_CORPUS is set but %s is missing", dir)
		}
		t.Logf("corpus %s absent: examples and testdata/runs only", dir)
		return ""
	}
	return dir
}

type foundRun struct {
	path string
	run  *trainlog.Run
}

// discoverRuns loads every run under dir, as `plateau report` does for
// each run folder.
func discoverRuns(t *testing.T, dir string) []foundRun {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []foundRun
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		d, err := trainlog.Discover(p, trainlog.DiscoverOptions{})
		if err != nil || d == nil {
			continue
		}
		for _, rd := range d.Runs {
			rp := filepath.Join(p, filepath.FromSlash(rd.Rel))
			run, err := trainlog.Load([]string{rp}, trainlog.LoadOptions{})
			var many *trainlog.ManyRunsError
			if errors.As(err, &many) || run == nil || (len(run.Series) == 0 && len(run.Summary) == 0) {
				continue
			}
			out = append(out, foundRun{rp, run})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// checkConsistent renders r as default text, full text and the card, and
// checks that they say one thing.
func checkConsistent(t *testing.T, r *analysis.Report) {
	t.Helper()
	short := writeText(t, r, pipedOptions)
	full := writeText(t, r, Options{Width: 100, Full: true})
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r, Options{Summary: true}); err != nil {
		t.Fatal(err)
	}
	// The card, the whole of --summary, fits in 15 lines.
	var sum bytes.Buffer
	if err := WriteText(&sum, r, Options{Width: 100, Summary: true}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(sum.String(), "\n"); n > 15 {
		t.Errorf("the card is %d lines, want at most 15:\n%s", n, sum.String())
	}
	if !strings.HasPrefix(short, sum.String()) || !strings.HasSuffix(short, strings.SplitN(sum.String(), "═\n", 2)[1]) {
		t.Error("the default text does not open and close with the card")
	}
	if !strings.Contains(md.String(), "<details>") {
		t.Error("the Markdown summary does not fold the sections in <details>")
	}
	c := buildCard(r)
	row := func(label string) string {
		for _, x := range c.rows {
			if x.label == label {
				return plain(x.text) + " " + plain(strings.Join(x.items, " "))
			}
		}
		t.Fatalf("the card has no %q row", label)
		return ""
	}
	// The card's status is the verdict's, in the text and the summary.
	status := row("Status")
	if !strings.HasPrefix(status, string(r.Verdict.Status)) {
		t.Errorf("card status %q, verdict %q", status, r.Verdict.Status)
	}
	for _, out := range []string{short, md.String()} {
		if !strings.Contains(out, string(r.Verdict.Status)) {
			t.Errorf("an output does not give the verdict %q", r.Verdict.Status)
		}
	}
	// The recommended checkpoint is the card's, and never one of its
	// alternatives.
	rec := r.CheckpointsRecommended
	if rec.Path != "" && !strings.Contains(row("Use"), rec.Path) {
		t.Errorf("card use %q, recommended %q", row("Use"), rec.Path)
	}
	for _, a := range rec.Alternatives {
		if a.Path == rec.Path && a.Step == rec.Step {
			t.Errorf("the recommended checkpoint %s is among its alternatives", rec.Path)
		}
	}
	if i := strings.Index(full, "Alternatives:"); i >= 0 && rec.Path != "" {
		alts := full[i:]
		if j := strings.Index(alts, "\n\n"); j >= 0 {
			alts = alts[:j]
		}
		if strings.Contains(alts, "- "+rec.Path+":") {
			t.Errorf("the full report lists the recommended %s among the alternatives:\n%s", rec.Path, alts)
		}
	}
	// "Train more?" gives another_epoch's gain, with its direction in
	// words.
	more := row("Train more?")
	if a := r.AnotherEpoch; a != nil && a.Available && r.Verdict.Status != analysis.StatusOverfitting &&
		r.Verdict.Status != analysis.StatusDiverged && r.Verdict.Status != analysis.StatusStalled && r.Verdict.Status != analysis.StatusInsufficientData && max(a.GainLow, a.GainHigh) > 0 && a.ExpectedGain > 0 && len(a.Forms) > 0 {
		if !strings.Contains(more, " by "+sig(a.ExpectedGain, 3)+" ") {
			t.Errorf("train more %q does not give the expected gain %s", more, sig(a.ExpectedGain, 3))
		}
		// Its range is another_epoch's, said as the levels it leads to.
		lo, hi := a.LastValue-a.GainHigh, a.LastValue-a.GainLow
		if analysis.GreaterIsBetter(primary(r)) {
			lo, hi = a.LastValue+a.GainLow, a.LastValue+a.GainHigh
		}
		if want := "(" + sig(min(lo, hi), 3) + " to " + sig(max(lo, hi), 3) + ")"; !strings.Contains(more, want) {
			t.Errorf("train more %q does not give the range %s", more, want)
		}
		verb := "lower"
		if analysis.GreaterIsBetter(primary(r)) {
			verb = "raise"
		}
		if (a.ExpectedGain > 0) != strings.Contains(more, verb+" ") {
			t.Errorf("train more %q: the gain %v and the verb disagree", more, a.ExpectedGain)
		}
	}
	// A run that overfits, diverged or never learned is never told to
	// train more of the same.
	switch r.Verdict.Status {
	case analysis.StatusOverfitting, analysis.StatusDiverged, analysis.StatusStalled:
		if !strings.HasPrefix(more, "no:") {
			t.Errorf("a %s run is not told no: %q", r.Verdict.Status, more)
		}
	}
	// One noise: the card's and the fluctuation section's σ are the same
	// number, and the full report names the trend window's own σ apart.
	if n := r.Noise; n != nil {
		if strings.Contains(status, "noise σ ") && !strings.Contains(status, "noise σ "+num(n.Sigma.Value)) {
			t.Errorf("card status %q quotes a noise other than the section's %s", status, num(n.Sigma.Value))
		}
		if strings.Count(full, "point-to-point noise σ") > 1 || strings.Count(short, "\n  noise σ ") > 1 {
			t.Error("a report shows two rows named noise σ")
		}
	}
	// An estimated step is marked ~ wherever the card quotes it.
	cardText := row("Status") + " " + row("Use") + " " + row("Train more?") + " " + row("Problems") + " " + VerdictSentence(r)
	for _, er := range r.Eval.Rows {
		if er.StepEstimated != "" && er.Step == r.Eval.BestStep && strings.Contains(cardText, "step "+step(er.Step)) {
			t.Errorf("the card quotes the estimated best step %d unmarked: %q", er.Step, cardText)
		}
	}
	// A run still improving is never called a plateau.
	if r.Verdict.Status == analysis.StatusImproving {
		for _, out := range []string{short, full} {
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "plateau" && f[1] == "yes" {
					t.Errorf("status improving, but a row says %q", strings.TrimSpace(line))
				}
			}
		}
	}
	// A change is said with its direction, never as "by only 0" or a
	// bare negative gain.
	for _, bad := range []string{"by only 0 ", "by only 0.", "by -", "gain -"} {
		if strings.Contains(short, bad) {
			t.Errorf("the default text says %q", bad)
		}
	}
}

// knownPhaseContradictions are the runs whose verdict and last phase
// disagree today, a decision issue 9 settles (phases and verdict from
// one evidence model); the test fails when one of them is fixed, so the
// list only shrinks.
var knownPhaseContradictions = map[string]string{}

// phaseContradiction says how the verdict and the last phase disagree,
// or "".
func phaseContradiction(r *analysis.Report) string {
	ps := r.Phases
	if len(ps) == 0 {
		return ""
	}
	last := ps[len(ps)-1].Name
	switch r.Verdict.Status {
	case analysis.StatusConverged:
		if last == "rapid decline" || last == "rapid rise" {
			return "status converged, but the last phase is " + string(last)
		}
	case analysis.StatusImproving:
		if last == "rising" || last == "falling" {
			return "status improving, but the last phase is " + string(last)
		}
	}
	return ""
}

// TestSeedMarkdown checks that the Markdown report of the seed
// reconstruction reads like the seed article: its milestones with their
// log lines, the phases, train_loss 0.2587 against the final level, the
// end-of-run fluctuation judged as noise, token accuracy, the learning
// rate table, throughput and cost, how to judge without eval, the
// checkpoint table, the pitfalls and the summary.
func TestSeedMarkdown(t *testing.T) {
	r := seedReport(t)
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	section := func(title string) string {
		i := strings.Index(md, "## "+title)
		if i < 0 {
			t.Fatalf("no section %q:\n%s", title, md)
		}
		rest := md[i+3:]
		if j := strings.Index(rest, "\n## "); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	checks := []struct {
		section string
		want    []string
	}{
		{"Milestones", []string{"|    1 |  0.00 |   2.81 |", "`all_logs.log:42`", "|  250 |  1.00 | 0.2402 |", "`all_logs.log:540`",
			"|  500 |  2.00 | 0.1443 |", "`all_logs.log:1040`", "|  750 |  3.00 | 0.1286 |", "`all_logs.log:1540`"}},
		{"Phases", []string{"A: rapid decline", "1-250", "| Share of drop |"}},
		{"train_loss vs final level", []string{"0.2587", "`all_logs.log:1542`", "final level", "0.1137", "pulled up by the early losses"}},
		{"End-of-run fluctuation", []string{"0.1286", "within the noise"}},
		{"Token accuracy", []string{"43.6%", "96.3%", "not generalisation"}},
		{"Learning rate", []string{"2e-4", "1.34e-4", "6.69e-5", "2.67e-7", "**Linear**"}},
		{"Throughput and cost", []string{"2484 s ≈ 41 min 24 s", "| s/it ", "3.31", "1.208", "0.69 h", "--gpu-hour-price"}},
		{"Generalisation (no eval)", []string{"quantitative (not done)", "`eval_strategy=\"steps\"`", "qualitative"}},
		{"Checkpoints", []string{"`output/lora_elderly_single/checkpoint-500`", "`output/lora_elderly_single/checkpoint-700`",
			"`output/lora_elderly_single/final_lora`", "**use: final**", "less overfit", "A/B test"}},
		{"Pitfalls", []string{"grad_norm 1.14 at step 750", "0.6-0.9", "compare runs by epoch"}},
		{"Summary", []string{"**Status** **converged**", "**Use** `output/lora_elderly_single/final_lora`", "**Train more?**"}},
	}
	for _, c := range checks {
		sec := section(c.section)
		for _, w := range c.want {
			if !strings.Contains(sec, w) {
				t.Errorf("section %q lacks %q:\n%s", c.section, w, sec)
			}
		}
	}
	if !strings.HasPrefix(md, "# plateau: lora_elderly_single") {
		t.Errorf("the report does not open with the card:\n%.200s", md)
	}
}
