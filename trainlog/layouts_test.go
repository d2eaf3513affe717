package trainlog_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testtree"
	"github.com/plateau-dev/plateau/trainlog"
	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

// Layouts people keep runs in, built at test time from the real runs of
// testdata/runs: which folders Discover and Load take for one run.

// TestLoadRefusesOneLoggerTwice: two folders of one logger are two runs,
// even when their values agree (testdata/runs/cut_pair: a run and its own
// first 55%, same seed, identical at every common step). A session writes
// one folder per logger, so TensorBoard folders side by side, or MLflow
// runs side by side, are never views of one session.
func TestLoadRefusesOneLoggerTwice(t *testing.T) {
	for _, layout := range []struct {
		name string
		make func(t *testing.T, root string)
		runs []string
	}{
		{"tensorboard", func(t *testing.T, root string) {
			testtree.Events(t, "../testdata/runs/cut_pair/full", filepath.Join(root, "runs", "Dec04_10-00-00_host"))
			testtree.Events(t, "../testdata/runs/cut_pair/cut55", filepath.Join(root, "runs", "Dec04_11-00-00_host"))
		}, []string{"runs/Dec04_10-00-00_host", "runs/Dec04_11-00-00_host"}},
		{"mlflow", func(t *testing.T, root string) {
			testtree.MLflowFromState(t, "../testdata/runs/cut_pair/full/trainer_state.json", filepath.Join(root, "mlruns", "0", "a1"))
			testtree.MLflowFromState(t, "../testdata/runs/cut_pair/cut55/checkpoint-300/trainer_state.json", filepath.Join(root, "mlruns", "0", "b2"))
		}, []string{"mlruns/0/a1", "mlruns/0/b2"}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			root := t.TempDir()
			layout.make(t, root)
			_, err := trainlog.Load([]string{root}, trainlog.LoadOptions{})
			var me *trainlog.ManyRunsError
			if !errors.As(err, &me) {
				t.Fatalf("Load: error %v, want a ManyRunsError (two runs of one logger)", err)
			}
			var got []string
			for _, r := range me.Runs {
				got = append(got, r.Label())
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(layout.runs, " ") {
				t.Errorf("runs %v, want %v", got, layout.runs)
			}
			d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if trainlog.LoggerViews(d.Runs) {
				t.Errorf("LoggerViews(%v) = true, want false", got)
			}
			if _, err := trainlog.LoadViews(trainlog.Together(d.Runs), trainlog.LoadOptions{}); err == nil {
				t.Error("LoadViews read two runs of one logger as one")
			}
		})
	}
}

// TestDiscoverWandbResumed: a W&B run resumed with the same run id logs
// each session into a new wandb/run-<time>-<id> folder; the folders of
// one id are one run, named by a pattern that matches them all, and the
// later session's values win the steps it repeats.
func TestDiscoverWandbResumed(t *testing.T) {
	root := t.TempDir()
	testtree.WandbResumed(t, "../testdata/runs", root)
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range d.Runs {
		labels = append(labels, r.Label())
	}
	if want := []string{"wandb/run-*-abc123", "wandb/run-20251204_120000-zzz999"}; strings.Join(labels, " ") != strings.Join(want, " ") {
		t.Fatalf("runs %v, want %v", labels, want)
	}
	check := func(what string, run *trainlog.Run, err error, session2 string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		loss := run.Get("loss")
		if first, last := loss.Point(0).Step, loss.Point(loss.Len()-1).Step; first != 5 || last != 400 {
			t.Errorf("%s: loss from step %d to %d, want 5 to 400 (both sessions)", what, first, last)
		}
		if p, ok := loss.At(210); !ok || p.Source.File != session2 {
			t.Errorf("%s: loss at step 210 from %+v, want the resumed session's %s", what, p.Source, session2)
		}
	}
	alone := d.Runs[0].Alone()
	run, err := trainlog.LoadRun(alone, trainlog.LoadOptions{})
	check("LoadRun", run, err, "run-20251204_110000-abc123/files/output.log")
	run, err = trainlog.Load([]string{filepath.Join(root, "wandb", "run-*-abc123")}, trainlog.LoadOptions{})
	check("Load of the pattern", run, err, "run-20251204_110000-abc123/files/output.log")
	if run.Name != "run-*-abc123" {
		t.Errorf("the run read from the pattern is named %q, want the pattern", run.Name)
	}

	_, err = trainlog.Load([]string{root}, trainlog.LoadOptions{})
	var me *trainlog.ManyRunsError
	if !errors.As(err, &me) || len(me.Runs) != 2 {
		t.Errorf("Load(root): %v, want two runs", err)
	}
}

// splitEvents writes the log_history of a real trainer_state.json as a
// TensorBoard run with one writer per split, as TF/Keras and JAX trainers
// do: run/train/ holds the train loss, run/eval/ the eval loss, both under
// the tag "loss". It returns the numbers of train and eval values.
func splitEvents(t *testing.T, state, run, evalDir string) (int, int) {
	t.Helper()
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		LogHistory []map[string]float64 `json:"log_history"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	const wall = 1764842400.0
	train := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall, "brain.Event:2"))
	eval := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(wall, "brain.Event:2"))
	nt, ne := 0, 0
	for _, e := range st.LogHistory {
		step := int64(e["step"])
		if v, ok := e["loss"]; ok {
			train = tfrecord.AppendRecord(train, tfrecord.SummaryEvent(wall+float64(step), step, tfrecord.SimpleValue("loss", float32(v))))
			nt++
		}
		if v, ok := e["eval_loss"]; ok {
			eval = tfrecord.AppendRecord(eval, tfrecord.SummaryEvent(wall+float64(step), step, tfrecord.SimpleValue("loss", float32(v))))
			ne++
		}
	}
	testtree.Write(t, filepath.Join(run, "train", "events.out.tfevents.1764842400.host.7.0"), train)
	testtree.Write(t, filepath.Join(run, evalDir, "events.out.tfevents.1764842400.host.7.1"), eval)
	return nt, ne
}

// TestDiscoverSplitFolders: a TensorBoard run written by one writer per
// split (run/train/, run/eval/ or run/validation/) is one run, the values
// of the eval split its evaluations; runs side by side stay apart.
func TestDiscoverSplitFolders(t *testing.T) {
	root := t.TempDir()
	nt, ne := splitEvents(t, "../testdata/runs/overfit_eval/trainer_state.json", filepath.Join(root, "runs", "exp1"), "eval")
	splitEvents(t, "../testdata/runs/sweep/output/run-a/trainer_state.json", filepath.Join(root, "runs", "exp2"), "validation")
	d, err := trainlog.Discover(root, trainlog.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range d.Runs {
		labels = append(labels, r.Label())
	}
	if strings.Join(labels, " ") != "runs/exp1 runs/exp2" {
		t.Fatalf("runs %v, want runs/exp1 and runs/exp2", labels)
	}
	run, err := trainlog.Load([]string{filepath.Join(root, "runs", "exp1")}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Get("loss").Len() != nt || run.Get("eval_loss").Len() != ne {
		t.Errorf("exp1: %d losses and %d eval losses, want %d and %d", run.Get("loss").Len(), run.Get("eval_loss").Len(), nt, ne)
	}
	// overfit_eval: the eval loss bottoms at 1.724 at step 80.
	if p, ok := run.Get("eval_loss").At(80); !ok || p.Source.File != "eval/events.out.tfevents.1764842400.host.7.1" || math.Abs(p.Value-1.7235) > 1e-3 {
		t.Errorf("eval_loss at step 80: %+v", p)
	}
	run, err = trainlog.Load([]string{filepath.Join(root, "runs", "exp2")}, trainlog.LoadOptions{})
	if err != nil || run.Get("eval_loss").Len() == 0 {
		t.Errorf("exp2 (validation/): %v, %d eval losses", err, run.Get("eval_loss").Len())
	}
}
