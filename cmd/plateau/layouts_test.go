package main

import (
	"bytes"
	"path/filepath"
	"testing"

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

	for _, dir := range []string{"", "runs", "mlruns", "mlruns/2", "output", "wandb"} {
		var out, errb bytes.Buffer
		if code := runWith([]string{"report", filepath.Join(root, dir)}, testStreams(nil, &out, &errb)); code != exitUsage {
			t.Errorf("report %s: exit %d, want 2 (several runs): %s", dir, code, errb.String())
		}
	}
}
