package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/internal/seedrun"
	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// A target is one report to verify: a run folder or one of its files.
type target struct {
	name string // for test names
	path string
}

// targets returns every run under root, as a folder and as each of its
// files alone.
func targets(t *testing.T, root, prefix string) []target {
	t.Helper()
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatalf("%s: %v", root, err)
	}
	var out []target
	for _, rd := range d.Runs {
		name := prefix + "/" + rd.Rel
		out = append(out, target{name, rd.Path()})
		if len(rd.Inputs) > 1 {
			for _, in := range rd.Inputs {
				out = append(out, target{name + "/" + in.Name, in.Path})
			}
		}
	}
	return out
}

// generated writes the generated runs into a temporary folder: the seed
// reconstruction in both console layouts, with and without its
// trainer_state.json files, the bursty W&B log and the benchmark's log.
func generated(t *testing.T) []target {
	t.Helper()
	dir := t.TempDir()
	var out []target
	for _, g := range []struct {
		name string
		opts seedrun.Options
	}{
		{"seed", seedrun.Options{}},
		{"seed-state", seedrun.Options{TrainerState: true}},
		{"seed-dict-first", seedrun.Options{Layout: seedrun.LayoutDictFirst}},
		{"seed-dict-first-state", seedrun.Options{Layout: seedrun.LayoutDictFirst, TrainerState: true}},
	} {
		p := filepath.Join(dir, g.name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := seedrun.WriteWith(p, g.opts); err != nil {
			t.Fatal(err)
		}
		out = append(out, targets(t, p, "generated/"+g.name)...)
	}
	for name, data := range map[string][]byte{
		"bursty/output.log":  genlog.NewBursty(genlog.DefaultBursty).Log,
		"console/train.log":  genlog.Console(3000, 500, true),
		"console2/train.log": genlog.Console(3000, 0, false),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, target{"generated/" + name, p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// layouts returns the console logs of trainlog's layout fixtures, each
// alone: one log per console layout of other trainers and capture paths.
func layouts(t *testing.T, root string) []target {
	t.Helper()
	dir := filepath.Join(root, "trainlog", "testdata", "console", "layouts")
	names, err := filepath.Glob(filepath.Join(dir, "*.*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no layouts in %s: %v", dir, err)
	}
	var out []target
	for _, p := range names {
		if filepath.Ext(p) != ".md" {
			out = append(out, target{"layouts/" + filepath.Base(p), p})
		}
	}
	return out
}

// analyze loads and analyses a target.
func analyze(t *testing.T, path string) *analysis.Report {
	t.Helper()
	run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
	if run == nil {
		t.Fatalf("%s: %v", path, err)
	}
	return analysis.Analyze(run, analysis.DefaultOptions)
}

// TestVerifyRuns checks every citation of the report of every example,
// corpus run, real run and generated run, each run as a folder and as
// each of its files alone, from the typed report and, for the examples
// and the generated runs, from its JSON form too.
func TestVerifyRuns(t *testing.T) {
	root := testcorpus.Root(t)
	local := targets(t, filepath.Join(root, "examples"), "examples")
	local = append(local, targets(t, filepath.Join(root, "testdata", "runs"), "testdata/runs")...)
	local = append(local, generated(t)...)
	local = append(local, layouts(t, root)...)
	local = append(local, target{"testdata/swift-logging.jsonl", filepath.Join(root, "trainlog", "testdata", "json", "swift-logging.jsonl")})
	n := verifyTargets(t, local, true)
	t.Run("corpus", func(t *testing.T) {
		n += verifyTargets(t, targets(t, testcorpus.Dir(t), "corpus"), false)
	})
	t.Logf("%d citations checked", n)
}

// verifyTargets verifies each target's report, and its JSON form when
// withJSON is set; it returns the number of citations checked.
func verifyTargets(t *testing.T, all []target, withJSON bool) int {
	total := 0
	for _, tg := range all {
		t.Run(tg.name, func(t *testing.T) {
			rep := analyze(t, tg.path)
			res := Report(rep, Base(tg.path))
			total += res.Checked
			if len(rep.Run.Series) > 0 && res.Checked == 0 {
				t.Errorf("no citation checked")
			}
			for _, p := range res.False {
				t.Errorf("false: %s\n  it reads: %s", p, p.Text)
			}
			if !withJSON {
				return
			}
			var b bytes.Buffer
			if err := report.WriteJSON(&b, rep); err != nil {
				t.Fatal(err)
			}
			jres, _, err := JSON(b.Bytes(), Base(tg.path), nil)
			if err != nil {
				t.Fatal(err)
			}
			if jres.Checked != res.Checked || !jres.OK() {
				t.Errorf("from JSON: %d checked (%d false), from the report %d", jres.Checked, len(jres.False), res.Checked)
				for _, p := range jres.False {
					t.Errorf("false from JSON: %s", p)
				}
			}
		})
	}
	return total
}

// citeRE finds what looks like a citation in any string of a report's
// JSON: file:line or file#fragment.
var citeRE = regexp.MustCompile(`(?:[\w.\-]+/)*[\w.\-]+?(?::\d+\b|#[\w\[\]/.\-]*[\w\]])`)

// TestCitationsCoverJSON walks the JSON form of every report and fails on
// any source-like string that Report.Citations does not list: a field
// added to the report cannot escape verification.
func TestCitationsCoverJSON(t *testing.T) {
	root := testcorpus.Root(t)
	local := targets(t, filepath.Join(root, "examples"), "examples")
	local = append(local, targets(t, filepath.Join(root, "testdata", "runs"), "testdata/runs")...)
	local = append(local, generated(t)...)
	if seen := citationsCoverJSON(t, local); seen < 1000 {
		t.Errorf("only %d citations found in the JSON reports", seen)
	}
	t.Run("corpus", func(t *testing.T) {
		citationsCoverJSON(t, targets(t, testcorpus.Dir(t), "corpus"))
	})
}

// citationsCoverJSON checks the JSON of each target's report and returns
// the number of citations found in it.
func citationsCoverJSON(t *testing.T, all []target) int {
	seen := 0
	for _, tg := range all {
		rep := analyze(t, tg.path)
		listed := map[string]bool{}
		for _, c := range rep.Citations() {
			listed[c.Source] = true
		}
		var b bytes.Buffer
		if err := report.WriteJSON(&b, rep); err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		walkStrings(doc, "", func(path, s string) {
			if path == ".run.root" || strings.HasSuffix(path, ".path") {
				return
			}
			for _, m := range citeRE.FindAllString(s, -1) {
				if !strings.Contains(m, ".") && !strings.Contains(m, "#") {
					continue // "epoch:3", not a file
				}
				seen++
				if !listed[m] {
					t.Errorf("%s: %s cites %s, which Report.Citations does not list (in %q)", tg.name, path, m, excerpt(s, m))
				}
			}
		})
	}
	return seen
}

// walkStrings calls f for every string of a JSON document, with its path.
func walkStrings(x any, path string, f func(path, s string)) {
	switch x := x.(type) {
	case map[string]any:
		for k, y := range x {
			walkStrings(y, path+"."+k, f)
		}
	case []any:
		for i, y := range x {
			walkStrings(y, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case string:
		f(path, x)
	}
}

// TestVerifyFindsFalse makes citations false in the ways a reader can get
// them wrong, one row per way, and checks that verify names each.
func TestVerifyFindsFalse(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed")
	if err := os.MkdirAll(seed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := seedrun.WriteWith(seed, seedrun.Options{Layout: seedrun.LayoutDictFirst, TrainerState: true}); err != nil {
		t.Fatal(err)
	}
	console := filepath.Join(seed, seedrun.LogName)
	bursty := filepath.Join(dir, "bursty", "output.log")
	if err := os.MkdirAll(filepath.Dir(bursty), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bursty, genlog.NewBursty(genlog.DefaultBursty).Log, 0o644); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(testcorpus.Root(t), "examples", "hf_v5_sft_lora_3ep")
	layout := filepath.Join(testcorpus.Root(t), "trainlog", "testdata", "console", "layouts")
	rankBars, trainOutput := filepath.Join(layout, "rank_bars.log"), filepath.Join(layout, "trainoutput.log")
	swift := filepath.Join(testcorpus.Root(t), "trainlog", "testdata", "json", "swift-logging.jsonl")
	milestone := func(r *analysis.Report, step int64) *analysis.Milestone {
		for i := range r.Milestones {
			if r.Milestones[i].Step == step {
				return &r.Milestones[i]
			}
		}
		t.Fatalf("no milestone at step %d", step)
		return nil
	}
	for _, tc := range []struct {
		name   string
		path   string
		mutate func(r *analysis.Report)
		field  string // the false citation's field, or a part of its source
		reason string
	}{
		{"a dict cited one step late (issue 10)", console, func(r *analysis.Report) { milestone(r, 250).Step = 251 },
			"milestones[1].metric_sources.loss", "cited for step 251, but line 540 is step 250 (the callback on line 541 says step 250 with the same values)"},
		{"the previous step's dict", console, func(r *analysis.Report) {
			m := milestone(r, 250)
			m.MetricSources["loss"], m.Metrics["loss"] = seedrun.LogName+":538", 0.2422
		}, "milestones[1].metric_sources.loss", "cited for step 250, but line 538 is step 249"},
		{"a value the line does not hold", console, func(r *analysis.Report) { milestone(r, 250).Metrics["loss"] = 0.1701 },
			"milestones[1].metric_sources.loss", "loss 0.1701 is not on line 540 (its loss: 0.2402)"},
		{"a line past the end", console, func(r *analysis.Report) { milestone(r, 250).MetricSources["loss"] = seedrun.LogName + ":99999" },
			"milestones[1].metric_sources.loss", "line 99999 is beyond the end of all_logs.log (1548 lines)"},
		{"a file that is not there", console, func(r *analysis.Report) { milestone(r, 250).Source = "missing.log:3" },
			"milestones[1].source", "cannot open the cited file"},
		{"a log_history entry of another step", seed, func(r *analysis.Report) {
			m := milestone(r, 250)
			m.MetricSources["loss"] = strings.Replace(m.MetricSources["loss"], "log_history[249]", "log_history[250]", 1)
			m.Metrics["loss"] = seedrun.NewCurve().Logged(251) // what it holds: the step is wrong
		}, "milestones[1].metric_sources.loss", "cited for step 250, but log_history[250] is step 251"},
		{"a TensorBoard record of another step", example, func(r *analysis.Report) { r.Milestones[0].Step++ },
			"#record[", "cited for step 2, but record[3] is step 1"},
		{"an estimated step the bar does not allow", bursty, func(r *analysis.Report) {
			m := &r.Milestones[len(r.Milestones)-1]
			if m.StepEstimated == "" {
				t.Fatal("the bursty log's last step is not estimated")
			}
			m.Step += 1000
		}, "milestones[2].metric_sources.loss", "but the progress bar showed only 2102/6000 before the dict's text reached the log"},
		{"also naming a source that logged another value", seed, func(r *analysis.Report) {
			r.TrainLoss.Last.Also = append(r.TrainLoss.Last.Also, seedrun.LogName+":42")
		}, "train_loss.last.also[1]", "is not on line 42"},
		{"a dict placed by another rank's bar", rankBars, func(r *analysis.Report) { r.Milestones[0].Step++ },
			"milestones[0].metric_sources.loss", "cited for step 6, but tqdm redrew the bar at 5/40 right after the dict"},
		{"TrainOutput's mean loss cited as a step's", trainOutput, func(r *analysis.Report) {
			m := &r.Milestones[len(r.Milestones)-1]
			m.MetricSources["loss"], m.Metrics["loss"] = "trainoutput.log:25", 1.234
		}, "milestones[2].metric_sources.loss", "is what Trainer.train returned (TrainOutput)"},
		{"an ms-swift line of another step", swift, func(r *analysis.Report) { r.Milestones[0].Step++ },
			"milestones[0].metric_sources.loss", "cited for step 2, but line 1 is step 1"},
		{"a runtime cited from a line without it", console, func(r *analysis.Report) { r.Throughput.RuntimeSeconds.Source = seedrun.LogName + ":540" },
			"throughput.runtime_seconds.source", "train_runtime 2484.0731 is not on line 540"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := analyze(t, tc.path)
			if res := Report(rep, Base(tc.path)); !res.OK() {
				t.Fatalf("the report is false before the change: %v", res.False[0])
			}
			tc.mutate(rep)
			res := Report(rep, Base(tc.path))
			for _, p := range res.False {
				if (p.Citation.Field == tc.field || strings.Contains(p.Citation.Source, tc.field)) && strings.Contains(p.Reason, tc.reason) {
					if p.Text == "" && !strings.Contains(tc.reason, "cannot open") && !strings.Contains(tc.reason, "beyond the end") {
						t.Errorf("%s: no text of the cited place", p)
					}
					return
				}
			}
			t.Errorf("no false citation %s: ...%s...; got %d false: %v", tc.field, tc.reason, len(res.False), res.False)
		})
	}
}
