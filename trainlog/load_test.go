package trainlog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, data)
}

func writeFile(t *testing.T, dst string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fileByPath returns the run's description of path.
func fileByPath(run *trainlog.Run, path string) (trainlog.File, bool) {
	for _, f := range run.Files {
		if f.Path == path {
			return f, true
		}
	}
	return trainlog.File{}, false
}

// TestLoadNestedCheckpoints builds output/sft/checkpoint-N/ folders from
// the hf_v5_sft_lora_3ep example: Load finds every checkpoint and reads
// only the newest trainer_state.json (the root copy when there is one).
func TestLoadNestedCheckpoints(t *testing.T) {
	for _, tc := range []struct {
		name     string
		withRoot bool
		want     string // the trainer_state.json read
	}{
		{"checkpoints only", false, "output/sft/checkpoint-750/trainer_state.json"},
		{"with root state", true, "output/sft/trainer_state.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			run := filepath.Join(dir, "output", "sft")
			for _, ck := range []string{"checkpoint-250", "checkpoint-500", "checkpoint-750"} {
				for _, f := range []string{"trainer_state.json", "adapter_config.json"} {
					copyFile(t, filepath.Join(sftDir, ck, f), filepath.Join(run, ck, f))
				}
			}
			if tc.withRoot {
				copyFile(t, filepath.Join(sftDir, "trainer_state.json"), filepath.Join(run, "trainer_state.json"))
			}
			writeFile(t, filepath.Join(dir, "notes.txt"), []byte("LoRA r=16 on the synthetic reversal task.\nSee the report.\n"))

			got, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Checkpoints) != 3 {
				t.Fatalf("checkpoints %+v, want 3", got.Checkpoints)
			}
			for i, step := range []int64{250, 500, 750} {
				ck := got.Checkpoints[i]
				want := trainlog.Checkpoint{Step: step, Path: "output/sft/checkpoint-" + strconv.FormatInt(step, 10), Kind: "checkpoint", HasState: true, Adapter: true}
				if ck != want {
					t.Errorf("checkpoint %d = %+v, want %+v", i, ck, want)
				}
			}

			states := []string{"output/sft/checkpoint-250/trainer_state.json", "output/sft/checkpoint-500/trainer_state.json", "output/sft/checkpoint-750/trainer_state.json"}
			if tc.withRoot {
				states = append(states, "output/sft/trainer_state.json")
			}
			// The root copy holds the end-of-training summary entry too.
			records := 750
			if tc.withRoot {
				records = 751
			}
			for _, p := range states {
				f, ok := fileByPath(got, p)
				switch {
				case !ok:
					t.Errorf("%s not listed in Files %+v", p, got.Files)
				case p == tc.want && (!f.Used || f.Format != "trainer-state" || f.Records != records):
					t.Errorf("%s: %+v, want used as trainer-state with %d records", p, f, records)
				case p != tc.want && (f.Used || !strings.Contains(f.Reason, "earlier copy of "+tc.want)):
					t.Errorf("%s: %+v, want ignored as an earlier copy of %s", p, f, tc.want)
				}
			}
			if f, ok := fileByPath(got, "notes.txt"); !ok || f.Used || !strings.HasPrefix(f.Reason, "ignored: ") {
				t.Errorf("notes.txt: %+v (listed %v), want ignored with a reason", f, ok)
			}
			if _, ok := fileByPath(got, "output/sft/checkpoint-750/adapter_config.json"); ok {
				t.Errorf("adapter_config.json is listed; configs are skipped silently")
			}

			loss := got.Get("loss")
			if loss.Len() != 750 {
				t.Fatalf("loss has %d points, want 750", loss.Len())
			}
			for _, p := range loss.Points() {
				if p.Source.File != tc.want || len(p.Also) != 0 {
					t.Fatalf("loss at step %d from %s (also %v), want only %s", p.Step, p.Source, p.Also, tc.want)
				}
			}
			if got.Name != filepath.Base(dir) {
				t.Errorf("run name %q, want %q", got.Name, filepath.Base(dir))
			}
		})
	}
}

// TestLoadExampleDirs loads both bundled examples whole: every source
// merges without disagreement.
func TestLoadExampleDirs(t *testing.T) {
	for _, tc := range []struct {
		dir         string
		loss, evals int
		checkpoints []int64
		// firstEpoch is trainer_state.json's epoch of the first loss: not
		// the callback line's 0.00, nor TensorBoard's float32 of 0.004.
		firstEpoch float64
	}{
		{sftDir, 750, 0, []int64{250, 500, 750}, 0.004},
		{overfitDir, 100, 25, []int64{80, 480, 500}, 0.25},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			run, err := trainlog.Load([]string{tc.dir}, trainlog.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range run.Events {
				if ev.Kind == trainlog.EventDisagreement || ev.Kind == trainlog.EventRestart {
					t.Errorf("event %s: %s", ev.Kind, ev.Message)
				}
			}
			if n := run.Get("loss").Len(); n != tc.loss {
				t.Errorf("loss: %d points, want %d", n, tc.loss)
			}
			if p := run.Get("loss").Point(0); p.Epoch != tc.firstEpoch {
				t.Errorf("first loss point: epoch %v, want %v", p.Epoch, tc.firstEpoch)
			}
			if n := run.Get("eval_loss").Len(); n != tc.evals {
				t.Errorf("eval_loss: %d points, want %d", n, tc.evals)
			}
			var steps []int64
			for _, ck := range run.Checkpoints {
				steps = append(steps, ck.Step)
			}
			if !equalInt64(steps, tc.checkpoints) {
				t.Errorf("checkpoints at %v, want %v", steps, tc.checkpoints)
			}
			used := map[string]bool{}
			for _, f := range run.Files {
				if f.Used {
					used[f.Format] = true
				}
			}
			for _, fm := range []string{"trainer-state", "hf-console", "tensorboard"} {
				if !used[fm] {
					t.Errorf("no %s file used: %+v", fm, run.Files)
				}
			}
			// Every loss point comes from trainer_state.json and cites the
			// console and TensorBoard copies too.
			for _, p := range run.Get("loss").Points() {
				if p.Source.File != "trainer_state.json" || len(p.Also) < 2 {
					t.Errorf("loss at step %d: %s also %v; want trainer_state.json also the console and TensorBoard", p.Step, p.Source, p.Also)
					break
				}
			}
		})
	}
}

func equalInt64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLoadStdin reads a console log from standard input.
func TestLoadStdin(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(overfitDir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{trainlog.Stdin}, trainlog.LoadOptions{Stdin: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if run.Name != "stdin" {
		t.Errorf("run name %q, want stdin", run.Name)
	}
	if len(run.Files) != 1 || run.Files[0].Path != "stdin" || run.Files[0].Format != "hf-console" || !run.Files[0].Used {
		t.Fatalf("files %+v, want stdin used as hf-console", run.Files)
	}
	loss := run.Get("loss")
	if loss.Len() != 100 {
		t.Fatalf("loss has %d points, want 100", loss.Len())
	}
	first := loss.Point(0)
	if first.Step != 5 || first.Value != 6.102 || first.Source.String() != "stdin:4" {
		t.Errorf("first loss point step %d value %g at %s, want step 5, 6.102 at stdin:4", first.Step, first.Value, first.Source)
	}
}

// TestLoadErrors checks the errors of inputs that hold no training log.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "logs")
	writeFile(t, filepath.Join(empty, "notes.txt"), []byte("nothing was logged here\n"))
	writeFile(t, filepath.Join(empty, "config.json"), []byte(`{"hidden_size": 64}`))
	writeFile(t, filepath.Join(dir, "blob.dat"), []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0})
	writeFile(t, filepath.Join(dir, "empty.log"), nil)
	writeFile(t, filepath.Join(dir, "model_info.json"), []byte(`{
  "architectures": ["Qwen2ForCausalLM"],
  "hidden_size": 64,
  "num_attention_heads": 4,
  "vocab_size": 512
}
`))
	missing := filepath.Join(dir, "no-such-run")

	for _, tc := range []struct {
		name   string
		path   string
		is     error  // a sentinel the error must wrap, or nil
		naming string // text the message must hold
	}{
		{"no logs in directory", empty, trainlog.ErrNoData, empty},
		{"nonexistent path", missing, nil, missing},
		{"binary file", filepath.Join(dir, "blob.dat"), trainlog.ErrBinary, "blob.dat"},
		{"empty file", filepath.Join(dir, "empty.log"), nil, "empty.log"},
		{"JSON that is no trainer_state", filepath.Join(dir, "model_info.json"), trainlog.ErrUnknownFormat, "model_info.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trainlog.Load([]string{tc.path}, trainlog.LoadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.naming) {
				t.Errorf("error %q does not name %q", err, tc.naming)
			}
		})
	}
}

// TestLoadResumedConsole appends a resumed segment to a console log: the
// steps go back from 20 to 10, which must give one restart event and keep
// the resumed segment's values.
func TestLoadResumedConsole(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(overfitDir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	// Lines 4 to 8 hold the dicts of steps 5, 10, 15 and 20 and the bar
	// at 20/500; lines 5 to 8 again, with other losses, are the resumed
	// run's steps 10 to 20.
	first := strings.Join(lines[3:8], "")
	resumed := strings.NewReplacer("'6.016'", "'5.016'", "'6.003'", "'5.003'", "'5.997'", "'4.997'").Replace(strings.Join(lines[4:8], ""))
	if resumed == strings.Join(lines[4:8], "") {
		t.Fatal("the example's lines 5 to 8 changed; update the test")
	}
	p := filepath.Join(t.TempDir(), "train.log")
	writeFile(t, p, []byte(strings.Join(lines[:3], "")+first+resumed))

	run, err := trainlog.Load([]string{p}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var restarts []trainlog.Event
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventRestart {
			restarts = append(restarts, ev)
		}
	}
	if len(restarts) != 1 {
		t.Fatalf("restart events %+v, want one", restarts)
	}
	if restarts[0].Step != 10 || len(restarts[0].Sources) == 0 || restarts[0].Sources[0].String() != "train.log:9" {
		t.Errorf("restart %+v, want step 10 at train.log:9", restarts[0])
	}
	loss := run.Get("loss")
	want := []struct {
		step  int64
		value float64
		line  int
	}{{5, 6.102, 4}, {10, 5.016, 9}, {15, 5.003, 10}, {20, 4.997, 11}}
	if loss.Len() != len(want) {
		t.Fatalf("loss has %d points %v, want %d", loss.Len(), loss.Points(), len(want))
	}
	for i, w := range want {
		p := loss.Point(i)
		if p.Step != w.step || p.Value != w.value || p.Source.Line != w.line {
			t.Errorf("loss[%d] = step %d value %g at %s, want step %d value %g at line %d", i, p.Step, p.Value, p.Source, w.step, w.value, w.line)
		}
	}
}

// restartEvents returns the run's restart events.
func restartEvents(run *trainlog.Run) []trainlog.Event {
	var out []trainlog.Event
	for _, ev := range run.Events {
		if ev.Kind == trainlog.EventRestart {
			out = append(out, ev)
		}
	}
	return out
}

// TestLoadResumedAnnounced covers a console log with two printers (the
// Trainer's dicts and a user callback) whose steps both go back, which is
// one restart event, and resumes that the log announces itself (the
// Trainer's "Continuing training from global step N", TensorBoard's
// SessionLog START), which the reader reports first and the Collector
// again when the steps go back.
func TestLoadResumedAnnounced(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sftDir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	// Lines 1-19 are the banner and the INFO block, lines 20-31 the
	// callback lines and dicts of steps 1 to 6; lines 26-31 again, with
	// other losses, are the resumed run's steps 4 to 6.
	resumedLines := strings.Join(lines[25:31], "")
	resumed := strings.NewReplacer("loss=6.0325", "loss=5.0325", "'6.033'", "'5.033'",
		"loss=5.9434", "loss=4.9434", "'5.943'", "'4.943'", "loss=5.8141", "loss=4.8141", "'5.814'", "'4.814'").Replace(resumedLines)
	if resumed == resumedLines {
		t.Fatal("the example's lines 26 to 31 changed; update the test")
	}
	head := strings.Join(lines[:31], "")
	dir := t.TempDir()
	announced := filepath.Join(dir, "announced.log")
	writeFile(t, announced, []byte(head+"[transformers]   Continuing training from global step 3\n"+resumed))
	silent := filepath.Join(dir, "silent.log")
	writeFile(t, silent, []byte(head+resumed))

	for _, tc := range []struct {
		path string
		at   []string // where the restart events are cited
	}{
		{announced, []string{"announced.log:32"}},
		{silent, []string{"silent.log:32"}},
		{"testdata/tfevents/resumed/events.out.tfevents.1700000000.host.4244.0", []string{
			"events.out.tfevents.1700000000.host.4244.0#record[61]"}},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			run, err := trainlog.Load([]string{tc.path}, trainlog.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rs := restartEvents(run)
			if len(rs) != len(tc.at) {
				t.Fatalf("restart events %+v, want %d", rs, len(tc.at))
			}
			for i, ev := range rs {
				if len(ev.Sources) == 0 || ev.Sources[0].String() != tc.at[i] {
					t.Errorf("restart %+v, want it cited at %s", ev, tc.at[i])
				}
			}
			if strings.HasSuffix(tc.path, ".log") {
				for step, want := range map[int64]float64{3: 6.1945, 4: 5.0325, 5: 4.9434, 6: 4.8141} {
					if p, ok := run.Get("loss").At(step); !ok || p.Value != want {
						t.Errorf("loss at step %d = %+v, want %g", step, p, want)
					}
				}
			}
		})
	}
}

// TestLoadUnreadLayoutBesideLogger: a Lightning run folder whose console
// shows the metrics only in the bar's postfix (with a validation bar, so
// the console is recognised and read), next to the CSVLogger's
// metrics.csv. The run's metrics are read from metrics.csv and the
// console's layout is a note on that file, not an input problem; the
// console alone has no metrics, and the warning stays.
func TestLoadUnreadLayoutBesideLogger(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "testdata", "runs", "lightning_csv", "lightning_logs", "version_0", "metrics.csv"),
		filepath.Join(dir, "lightning_logs", "version_0", "metrics.csv"))
	bar, err := os.ReadFile(filepath.Join("testdata", "console", "layouts", "lightning_bar.log"))
	if err != nil {
		t.Fatal(err)
	}
	val := "Validation DataLoader 0: 100%|██████████| 5/5 [00:00<00:00, 20.12it/s]\n"
	writeFile(t, filepath.Join(dir, "train.log"), append([]byte(val), bar...))

	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Warnings) != 0 {
		t.Errorf("warnings %v, want none: metrics.csv gave the run its metrics", run.Warnings)
	}
	if s := run.Get("loss"); s == nil || s.Len() == 0 {
		t.Errorf("no loss read from metrics.csv")
	}
	f, ok := fileByPath(run, "train.log")
	if !ok || f.Format != "hf-console" || f.Errors != 0 || f.Reason != "line 5: metrics only in a layout plateau does not read: a progress bar's postfix; the run's metrics are read from its other files" {
		t.Errorf("train.log = %+v (found %v)", f, ok)
	}

	alone, err := trainlog.Load([]string{filepath.Join(dir, "train.log")}, trainlog.LoadOptions{})
	if len(alone.Warnings) != 1 || !errors.Is(alone.Warnings[0], trainlog.ErrUnreadLayout) {
		t.Errorf("the console alone: warnings %v (err %v), want its postfix", alone.Warnings, err)
	}
}
