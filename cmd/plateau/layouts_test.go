package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plateau-dev/plateau/internal/testtree"
)

// The layouts people keep runs in, built at test time from the real runs
// of testdata/runs: report on the folder refuses and lists the runs,
// scan lists each run once with the status report gives it alone.

// runsDir returns testdata/runs/<rel>.
func runsDir(t *testing.T, rel string) string {
	return filepath.Join(repoRoot(t), "testdata", "runs", filepath.FromSlash(rel))
}

// TestScanLayouts: Trainer output folders side by side (one resumed in
// place), a console log above its output folder, a runs/ folder of
// TensorBoard runs, an MLflow store of two experiments, and a Lightning
// session seen by a CSV and a TensorBoard logger, and W&B run folders
// that captured the consoles of exp1 and of output/run-c (two folders:
// its two sessions, one run id). The TensorBoard runs
// and two of the MLflow runs are a run and its own first 55% (cut_pair,
// same seed: identical at every common step): two runs each, not one.
func TestScanLayouts(t *testing.T) {
	root := t.TempDir()
	testtree.Copy(t, runsDir(t, "sweep/output/run-a"), filepath.Join(root, "output", "run-a"))
	testtree.Copy(t, runsDir(t, "sweep/output/run-b"), filepath.Join(root, "output", "run-b"))
	testtree.Copy(t, runsDir(t, "resumed"), filepath.Join(root, "output", "run-c"))
	testtree.Copy(t, runsDir(t, "overfit_eval/console.log"), filepath.Join(root, "exp1", "train.log"))
	for _, f := range []string{"trainer_state.json", "checkpoint-90", "checkpoint-180", "runs"} {
		testtree.Copy(t, runsDir(t, "overfit_eval/"+f), filepath.Join(root, "exp1", "output", f))
	}
	testtree.Events(t, runsDir(t, "cut_pair/full"), filepath.Join(root, "runs", "Dec04_10-00-00_host"))
	testtree.Events(t, runsDir(t, "cut_pair/cut55"), filepath.Join(root, "runs", "Dec04_11-00-00_host"))
	testtree.MLflowFromState(t, runsDir(t, "multi_epoch_perstep/trainer_state.json"), filepath.Join(root, "mlruns", "1", "a1"))
	testtree.MLflowFromState(t, runsDir(t, "stalled_frozen/trainer_state.json"), filepath.Join(root, "mlruns", "1", "b2"))
	testtree.MLflowFromState(t, runsDir(t, "cut_pair_improving/full/trainer_state.json"), filepath.Join(root, "mlruns", "2", "c3"))
	testtree.MLflowFromState(t, runsDir(t, "cut_pair_improving/cut55/checkpoint-240/trainer_state.json"), filepath.Join(root, "mlruns", "2", "d4"))
	testtree.Copy(t, runsDir(t, "lightning_csv"), filepath.Join(root, "lightning"))
	testtree.WandbResumed(t, runsDir(t, ""), root)

	want := []string{"output/run-a", "output/run-b",
		"runs/Dec04_10-00-00_host", "runs/Dec04_11-00-00_host",
		"mlruns/1/a1", "mlruns/1/b2", "mlruns/2/c3", "mlruns/2/d4", "lightning",
		// The W&B runs captured the consoles of output/run-c's two sessions
		// and of exp1's: one session seen by two loggers each.
		"output/run-c + wandb/run-*-abc123", "exp1 + wandb/run-20251204_120000-zzz999"}
	checkScanMatchesReport(t, root, want)

	// The pattern that names the resumed W&B run reads it whole, cited
	// from the folder that holds its sessions: every citation holds.
	var vout, verr bytes.Buffer
	if code := runWith([]string{"verify", filepath.Join(root, "wandb", "run-*-abc123")}, testStreams(nil, &vout, &verr)); code != 0 || !strings.Contains(vout.String(), "all true") {
		t.Errorf("verify of the resumed W&B run: exit %d: %s%s", code, vout.String(), verr.String())
	}

	for _, dir := range []string{"", "runs", "mlruns", "mlruns/2", "output", "wandb"} {
		var out, errb bytes.Buffer
		if code := runWith([]string{"report", filepath.Join(root, dir)}, testStreams(nil, &out, &errb)); code != exitUsage {
			t.Errorf("report %s: exit %d, want 2 (several runs): %s", dir, code, errb.String())
		}
		// The resumed W&B run is listed by a pattern, quoted so that the
		// shell leaves it to plateau.
		if pattern := "'" + filepath.Join(root, "wandb", "run-*-abc123") + "'"; (dir == "" || dir == "wandb") && !strings.Contains(errb.String(), pattern) {
			t.Errorf("report %s lists %s, want %s among the runs", dir, errb.String(), pattern)
		}
	}
}

// TestScanEdges: a folder that is one run, a folder without runs, a file,
// and a run whose file holds no readable record beside a good run.
func TestScanEdges(t *testing.T) {
	scan := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runWith(append([]string{"scan"}, args...), testStreams(nil, &out, &errb))
		return code, out.String(), errb.String()
	}
	pkgDir, _ := os.Getwd()
	chdir(t, repoRoot(t))
	defer chdir(t, pkgDir)
	run := filepath.Join("testdata", "runs", "overfit_eval")
	code, out, errs := scan(run)
	if code != 0 || !strings.Contains(out, "overfitting  testdata/runs/") {
		t.Errorf("scan of one run: exit %d (%s), want its row named by the folder given:\n%s", code, errs, out)
	}

	empty := t.TempDir()
	if code, _, errs := scan(empty); code != exitInput || !strings.Contains(errs, "no run under it") {
		t.Errorf("scan of an empty folder: exit %d, %q; want 1 and no run found", code, errs)
	}
	testtree.Write(t, filepath.Join(empty, "notes.txt"), []byte("lr 1e-4 looked best\n"))
	if code, _, errs := scan(empty); code != exitInput || !strings.Contains(errs, "notes.txt: text without training records") {
		t.Errorf("scan of a folder of notes: exit %d, %q; want 1 and the file named with the reason", code, errs)
	}
	if code, _, errs := scan(filepath.Join(run, "console.log")); code != exitUsage || !strings.Contains(errs, "plateau report") {
		t.Errorf("scan of a file: exit %d, %q; want 2 and the hint to use report", code, errs)
	}

	root := t.TempDir()
	testtree.Copy(t, runsDir(t, "sweep/output/run-a"), filepath.Join(root, "good"))
	testtree.Write(t, filepath.Join(root, "broken", "trainer_state.json"), []byte("{\n  \"global_step\": 10,\n  \"log_history\": [\n    {\"epoch\": 0.1, oops\n"))
	code, out, errs = scan(root)
	// An input problem exits 1, as in report, each problem said with its
	// run, file and line; the scan covers what was readable.
	if code != exitInput || !strings.Contains(errs, "broken: trainer_state.json:4: column 20: unexpected word") || !strings.Contains(errs, "1 input problem(s); the scan covers what was readable") {
		t.Errorf("scan with a broken run: exit %d, %q", code, errs)
	}
	if !regexp.MustCompile(`insufficient +broken .*\n +Problems: input-problem\n`).MatchString(out) || !regexp.MustCompile(`\n  (converged|improving) +good +sft +0\.6128 +0\.6629 @500 `).MatchString(out) {
		t.Errorf("scan with a broken run: want the broken run's input problem on its row and the good run read:\n%s", out)
	}
}

// TestScanTextWidth: the text table of the real runs fits 100 columns,
// each run's problems on the line below it when any, and no line says a
// run has none.
func TestScanTextWidth(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith([]string{"scan", runsDir(t, "")}, testStreams(nil, &out, &errb)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	rows := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if w := utf8.RuneCountInString(line); w > 100 {
			t.Errorf("line of %d columns: %q", w, line)
		}
		if strings.Contains(line, "Problems: none") || regexp.MustCompile(`Problems: \d+:`).MatchString(line) {
			t.Errorf("problems line %q", line)
		}
		if strings.HasPrefix(line, "      Problems: ") {
			rows++
		}
	}
	if rows == 0 {
		t.Errorf("no run's problems on a line of their own:\n%s", out.String())
	}
}

// TestScanConsoleAboveRuns: the console log of one of several runs kept
// in the folder above them (python train.py > output/train.log, with
// output/run-a and output/run-b below) is named by its file, which
// report reads; scan reads it with the run it logged, and report's
// refusal of the folder lists them as scan does.
func TestScanConsoleAboveRuns(t *testing.T) {
	root := t.TempDir()
	testtree.Copy(t, runsDir(t, "sweep/output/run-a"), filepath.Join(root, "output", "run-a"))
	testtree.Copy(t, runsDir(t, "sweep/output/run-b"), filepath.Join(root, "output", "run-b"))
	testtree.Copy(t, runsDir(t, "sweep/output/run-b/console.log"), filepath.Join(root, "output", "train.log"))
	var out, errb bytes.Buffer
	if code := runWith([]string{"report", filepath.Join(root, "output")}, testStreams(nil, &out, &errb)); code != exitUsage ||
		!strings.Contains(errb.String(), filepath.Join(root, "output", "train.log")+" + "+filepath.Join(root, "output", "run-b")+"  hf-console, trainer-state, tensorboard") {
		t.Errorf("report output: exit %d, want 2 and the console named by its file:\n%s", code, errb.String())
	}
	checkScanMatchesReport(t, root, []string{"output/run-a", "output/train.log + output/run-b"})
}
