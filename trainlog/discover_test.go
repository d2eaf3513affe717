package trainlog_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// copyTree copies the regular files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// inputNames returns the names of a run's inputs.
func inputNames(r trainlog.RunDir) []string {
	var out []string
	for _, in := range r.Inputs {
		out = append(out, in.Name)
	}
	return out
}

func runByRel(t *testing.T, d *trainlog.Discovery, rel string) trainlog.RunDir {
	t.Helper()
	for _, r := range d.Runs {
		if r.Rel == rel {
			return r
		}
	}
	var rels []string
	for _, r := range d.Runs {
		rels = append(rels, r.Rel)
	}
	t.Fatalf("no run %s among %v", rel, rels)
	return trainlog.RunDir{}
}

// TestDiscoverLayouts lays out the usual ways of keeping runs side by
// side, from real files: two Trainer output folders (with checkpoints and
// TensorBoard under runs/), one TensorBoard folder per run, an MLflow
// file store, and a W&B folder whose latest-run is a copy of a run.
func TestDiscoverLayouts(t *testing.T) {
	root := t.TempDir()
	copyTree(t, sftDir, filepath.Join(root, "out", "sft"))
	copyTree(t, overfitDir, filepath.Join(root, "out", "overfit"))
	copyTree(t, "testdata/tfevents/lightning", filepath.Join(root, "tb", "run1"))
	copyTree(t, "testdata/tfevents/killed", filepath.Join(root, "tb", "run2"))
	copyTree(t, "testdata/mlflow", root)
	copyFile(t, filepath.Join(overfitDir, "console.log"), filepath.Join(root, "wandb", "run-20250101_000000-abc", "files", "output.log"))
	copyFile(t, filepath.Join(overfitDir, "console.log"), filepath.Join(root, "wandb", "latest-run", "files", "output.log"))
	writeFile(t, filepath.Join(root, "README.txt"), []byte("Runs of the reversal task.\n"))

	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range d.Runs {
		rels = append(rels, r.Rel)
	}
	want := []string{"mlruns/0/8c1b2a7e4f3d4e5b9a6c0d1e2f3a4b5c", "out/overfit", "out/sft", "tb/run1", "tb/run2", "wandb/run-20250101_000000-abc"}
	if !reflect.DeepEqual(rels, want) {
		t.Fatalf("runs %v, want %v", rels, want)
	}

	sft := runByRel(t, d, "out/sft")
	if got, want := inputNames(sft), []string{"out/sft/trainer_state.json", "out/sft/runs/events.out.tfevents.1795725322.vm.464.0", "out/sft/console.log"}; !reflect.DeepEqual(got, want) {
		t.Errorf("out/sft inputs %v, want %v (trainer_state first, TensorBoard under runs/ belongs to the output folder)", got, want)
	}
	var steps []int64
	for _, ck := range sft.Checkpoints {
		steps = append(steps, ck.Step)
	}
	if !reflect.DeepEqual(steps, []int64{250, 500, 750}) {
		t.Errorf("out/sft checkpoints at %v, want 250, 500, 750", steps)
	}
	if len(sft.Skipped) != 3 {
		t.Errorf("out/sft skipped %+v, want the three checkpoint states", sft.Skipped)
	}
	for _, f := range sft.Skipped {
		if !strings.Contains(f.Reason, "earlier copy of out/sft/trainer_state.json") {
			t.Errorf("skipped %s: %q", f.Path, f.Reason)
		}
	}

	ml := runByRel(t, d, "mlruns/0/8c1b2a7e4f3d4e5b9a6c0d1e2f3a4b5c")
	if len(ml.Inputs) != 8 || len(ml.Settings) != 1 || ml.Settings[0].Kind != "mlflow-params" {
		t.Errorf("MLflow run: %d inputs, settings %+v; want 8 metric files and its params", len(ml.Inputs), ml.Settings)
	}
	if got := runByRel(t, d, "tb/run1").Formats(); !reflect.DeepEqual(got, []string{"tensorboard"}) {
		t.Errorf("tb/run1 formats %v", got)
	}

	var copies, readme bool
	for _, f := range d.Ignored {
		copies = copies || (f.Path == "wandb/latest-run/files/output.log" && strings.Contains(f.Reason, "a copy of wandb/run-20250101_000000-abc/files/output.log"))
		readme = readme || f.Path == "README.txt"
	}
	if !copies || !readme {
		t.Errorf("ignored %+v: want latest-run as a copy, and README.txt", d.Ignored)
	}

	// Alone reads the run as if named by itself.
	alone := sft.Alone()
	if alone.Root != filepath.Join(root, "out", "sft") || alone.Rel != "." || alone.Inputs[0].Name != "trainer_state.json" || alone.Checkpoints[0].Path != "checkpoint-250" {
		t.Errorf("Alone: %+v", alone)
	}
	self, err := trainlog.Discover(filepath.Join(root, "out", "sft"), trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(self.Runs) != 1 || !reflect.DeepEqual(self.Runs[0], alone) {
		t.Errorf("Discover of the run folder\n%+v\nwant Alone()\n%+v", self.Runs, alone)
	}
}

// TestDiscoverSessions covers an output folder reused by a second
// session: states whose log_history starts differently are another run,
// and of one session's states the longest is read.
func TestDiscoverSessions(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	for _, ck := range []string{"checkpoint-250", "checkpoint-750", "checkpoint-500"} {
		copyFile(t, filepath.Join(sftDir, ck, "trainer_state.json"), filepath.Join(out, ck, "trainer_state.json"))
	}
	for _, ck := range []string{"checkpoint-80", "checkpoint-480"} {
		copyFile(t, filepath.Join(overfitDir, ck, "trainer_state.json"), filepath.Join(out, ck, "trainer_state.json"))
	}
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 2 {
		t.Fatalf("runs %+v, want two sessions", d.Runs)
	}
	// The folder's session is that of its latest checkpoint, 750; the
	// other session is named by its latest checkpoint, 480.
	other := runByRel(t, d, "out")
	if got := inputNames(other); !reflect.DeepEqual(got, []string{"out/checkpoint-750/trainer_state.json"}) {
		t.Errorf("out reads %v, want the longest state of its session", got)
	}
	second := runByRel(t, d, "out/checkpoint-480")
	if got := inputNames(second); !reflect.DeepEqual(got, []string{"out/checkpoint-480/trainer_state.json"}) {
		t.Errorf("the other session reads %v", got)
	}
	var steps []int64
	for _, ck := range second.Checkpoints {
		steps = append(steps, ck.Step)
	}
	if !reflect.DeepEqual(steps, []int64{80, 480}) {
		t.Errorf("other session's checkpoints %v, want 80 and 480", steps)
	}
	steps = nil
	for _, ck := range other.Checkpoints {
		steps = append(steps, ck.Step)
	}
	if !reflect.DeepEqual(steps, []int64{250, 500, 750}) {
		t.Errorf("folder session's checkpoints %v, want 250, 500, 750", steps)
	}
}

// TestDiscoverWeakLogs: a custom logger's text makes a run only where no
// other run lies above or below it.
func TestDiscoverWeakLogs(t *testing.T) {
	root := t.TempDir()
	custom := []byte("2024-01-01 10:00:00 starting\nepoch 1 done, Final training loss: 1.1465\n")
	writeFile(t, filepath.Join(root, "phi2", "training.log"), custom)
	writeFile(t, filepath.Join(root, "proj", "install.log"), custom)
	copyTree(t, sftDir, filepath.Join(root, "proj", "output"))
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range d.Runs {
		rels = append(rels, r.Rel)
	}
	if !reflect.DeepEqual(rels, []string{"phi2", "proj/output"}) {
		t.Fatalf("runs %v, want phi2 (its log alone) and proj/output", rels)
	}
	if r := runByRel(t, d, "phi2"); !strings.Contains(r.Inputs[0].Note, "no Trainer output was recognised") {
		t.Errorf("phi2 input note %q", r.Inputs[0].Note)
	}
	found := false
	for _, f := range d.Ignored {
		found = found || f.Path == "proj/install.log"
	}
	if !found {
		t.Errorf("proj/install.log not listed as ignored: %+v", d.Ignored)
	}
}

// TestDiscoverCorpus: every folder of the shared corpus is one run.
func TestDiscoverCorpus(t *testing.T) {
	dir := testcorpus.Dir(t)
	d, err := trainlog.Discover(dir, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, e := range ents {
		if e.IsDir() {
			want = append(want, e.Name())
		}
	}
	for _, r := range d.Runs {
		got = append(got, r.Rel)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runs\n%v\nwant one per folder\n%v", got, want)
	}
}

// TestDiscoverConsoleAbove: a training script's captured console output
// above the one output folder it wrote is that run's log (the seed
// article's layout); above two output folders it is a run of its own.
func TestDiscoverConsoleAbove(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	copyFile(t, filepath.Join(sftDir, "console.log"), filepath.Join(proj, "train.log"))
	for _, f := range []string{"trainer_state.json", "checkpoint-250/trainer_state.json", "checkpoint-500/trainer_state.json"} {
		copyFile(t, filepath.Join(sftDir, f), filepath.Join(proj, "output", "lora", f))
	}
	d, err := trainlog.Discover(proj, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 1 {
		t.Fatalf("runs %+v, want one", d.Runs)
	}
	r := d.Runs[0]
	if got, want := inputNames(r), []string{"output/lora/trainer_state.json", "train.log"}; r.Rel != "." || !reflect.DeepEqual(got, want) || len(r.Checkpoints) != 2 {
		t.Errorf("run %s reads %v with %d checkpoints, want . reading %v with 2", r.Rel, got, len(r.Checkpoints), want)
	}
	if _, err := trainlog.LoadRun(r, trainlog.LoadOptions{}); err != nil {
		t.Errorf("LoadRun: %v", err)
	}

	copyFile(t, filepath.Join(overfitDir, "trainer_state.json"), filepath.Join(proj, "output", "full", "trainer_state.json"))
	d, err = trainlog.Discover(proj, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range d.Runs {
		rels = append(rels, r.Rel)
	}
	if !reflect.DeepEqual(rels, []string{".", "output/full", "output/lora"}) {
		t.Errorf("runs %v, want the console alone beside two output folders", rels)
	}
}
