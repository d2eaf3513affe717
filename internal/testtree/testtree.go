// Package testtree builds, for tests, the folder layouts people keep
// their runs in (output/run-a next to output/run-b, a runs/ folder of
// TensorBoard runs, an MLflow file store, W&B run folders) from the real
// runs of the repository (testdata/runs, examples) and of the shared
// corpus, copied into a temporary folder at test time. Nothing it writes
// is committed.
package testtree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Copy copies the regular files under src (a folder or a file) to dst.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "." {
			rel = ""
		}
		Write(t, filepath.Join(dst, rel), read(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Write writes data to dst, creating its folder.
func Write(t testing.TB, dst string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Events copies the TensorBoard event files of a Trainer output folder
// (its runs/ subfolder) into dst, as a folder of one TensorBoard run.
func Events(t testing.TB, run, dst string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(run, "runs", "events.out.tfevents.*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no event files under %s/runs", run)
	}
	for _, f := range files {
		Write(t, filepath.Join(dst, filepath.Base(f)), read(t, f))
	}
}

// MLflowFromState writes the log_history of a real trainer_state.json
// into an MLflow file store as the Trainer's MLflowCallback logs it: one
// file per key under dir/metrics, a line "<timestamp_ms> <value> <step>"
// per logged value, with the run's meta.yaml and runName tag, and the
// experiment's meta.yaml in the folder above. dir is
// mlruns/<experiment>/<run_id>.
func MLflowFromState(t testing.TB, state, dir string) {
	t.Helper()
	var st struct {
		LogHistory []map[string]any `json:"log_history"`
	}
	if err := json.Unmarshal(read(t, state), &st); err != nil {
		t.Fatalf("%s: %v", state, err)
	}
	lines := map[string]*strings.Builder{}
	ts := int64(1727000073969)
	for _, e := range st.LogHistory {
		step, _ := e["step"].(float64)
		ts += 1000
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := e[k].(float64)
			if !ok || k == "step" {
				continue
			}
			if lines[k] == nil {
				lines[k] = &strings.Builder{}
			}
			fmt.Fprintf(lines[k], "%d %v %d\n", ts, f, int64(step))
		}
	}
	for k, b := range lines {
		Write(t, filepath.Join(dir, "metrics", filepath.FromSlash(k)), []byte(b.String()))
	}
	id := filepath.Base(dir)
	exp := filepath.Base(filepath.Dir(dir))
	Write(t, filepath.Join(dir, "meta.yaml"), []byte("experiment_id: '"+exp+"'\nrun_id: "+id+"\nrun_name: "+id+"\nstatus: 3\n"))
	Write(t, filepath.Join(dir, "tags", "mlflow.runName"), []byte(id))
	Write(t, filepath.Join(filepath.Dir(dir), "meta.yaml"), []byte("experiment_id: '"+exp+"'\nname: experiment-"+exp+"\n"))
}

// WandbResumed lays out under root/wandb, from the real runs in runs
// (testdata/runs), the W&B folders of a run that was interrupted and
// resumed with the same run id: resumed/console.log split where its
// second session starts, each part the files/output.log of its session's
// run-<time>-abc123 folder; a run with another id (overfit_eval's
// console, run-20251204_120000-zzz999); and the latest-run link to it.
// Each folder has the files W&B writes beside (wandb-metadata.json,
// config.yaml, the binary run-<id>.wandb).
func WandbResumed(t testing.TB, runs, root string) {
	t.Helper()
	data := read(t, filepath.Join(runs, "resumed", "console.log"))
	cut := bytes.Index(data, []byte("[make_runs] transformers 5.17.0 torch 2.11.0+cu130 job resumed session 2/2"))
	if cut < 0 {
		t.Fatal("no second session in resumed/console.log")
	}
	logs := map[string][]byte{
		"run-20251204_100000-abc123": data[:cut],
		"run-20251204_110000-abc123": data[cut:],
		"run-20251204_120000-zzz999": read(t, filepath.Join(runs, "overfit_eval", "console.log")),
	}
	for name, log := range logs {
		dir := filepath.Join(root, "wandb", name)
		Write(t, filepath.Join(dir, "files", "output.log"), log)
		Write(t, filepath.Join(dir, "files", "wandb-metadata.json"), []byte(`{"program": "train.py", "host": "vm"}`))
		Write(t, filepath.Join(dir, "files", "config.yaml"), []byte("wandb_version: 1\n"))
		id := name[strings.LastIndex(name, "-")+1:]
		Write(t, filepath.Join(dir, "run-"+id+".wandb"), []byte(":W&B\xbe\xe1\x00"))
	}
	if err := os.Symlink("run-20251204_120000-zzz999", filepath.Join(root, "wandb", "latest-run")); err != nil {
		t.Fatal(err)
	}
}
