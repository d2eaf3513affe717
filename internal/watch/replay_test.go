package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

func exampleDir(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(testcorpus.Root(t), "examples", name)
}

var evalStepRE = regexp.MustCompile(`'eval_loss': '([0-9.]+)'.*'epoch': '([0-9.]+)'`)

// replay writes a console log into dir at speed, a few lines at a time,
// calling onLine after each line (to create checkpoint folders as the
// trainer would).
func replay(t *testing.T, path string, data []byte, linesPerChunk int, pause time.Duration, onLine func(line []byte)) {
	t.Helper()
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i := 0; i < len(lines); i += linesPerChunk {
		end := min(i+linesPerChunk, len(lines))
		appendFile(t, path, bytes.Join(lines[i:end], nil))
		if onLine != nil {
			for _, l := range lines[i:end] {
				onLine(l)
			}
		}
		time.Sleep(pause)
	}
}

// TestReplayOverfit replays the overfitting example's console log while
// the trainer's checkpoint folders appear (save every 20 steps, keep the
// last 3 and the best): the overfitting alert must fire once the eval
// rise is beyond noise and name checkpoint-80.
func TestReplayOverfit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(exampleDir(t, "hf_v5_overfit_eval"), "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	// The trainer writes checkpoint-N/trainer_state.json (full precision)
	// at every save: replay them from the run's final state.
	var state map[string]any
	raw, err := os.ReadFile(filepath.Join(exampleDir(t, "hf_v5_overfit_eval"), "trainer_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	history := state["log_history"].([]any)
	evalAt := map[int]float64{}
	for _, h := range history {
		e := h.(map[string]any)
		if v, ok := e["eval_loss"].(float64); ok {
			evalAt[int(e["step"].(float64))] = v
		}
	}
	writeState := func(dir string, step int) {
		var hist []any
		for _, h := range history {
			e := h.(map[string]any)
			if int(e["step"].(float64)) <= step && e["train_runtime"] == nil {
				hist = append(hist, e)
			}
		}
		st := map[string]any{"global_step": step, "max_steps": 500, "logging_steps": 5, "eval_steps": 20,
			"save_steps": 20, "num_train_epochs": 25, "train_batch_size": 8, "log_history": hist}
		b, _ := json.MarshalIndent(st, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, "trainer_state.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "console.log")
	c, _, done := startWatch(t, dir, true)
	var ckpts []int
	best, bestStep := 1e9, 0
	firedAt := -1
	replay(t, log, data, 6, 40*time.Millisecond, func(line []byte) {
		m := evalStepRE.FindSubmatch(line)
		if m == nil {
			return
		}
		ep, _ := strconv.ParseFloat(string(m[2]), 64)
		step := int(ep*20 + 0.5)
		if v := evalAt[step]; v < best {
			best, bestStep = v, step
		}
		ck := filepath.Join(dir, "checkpoint-"+strconv.Itoa(step))
		if err := os.MkdirAll(ck, 0o755); err != nil {
			t.Fatal(err)
		}
		writeState(ck, step)
		ckpts = append(ckpts, step)
		sort.Ints(ckpts)
		for len(ckpts) > 3 {
			drop := ckpts[0]
			if drop == bestStep {
				drop = ckpts[1]
			}
			os.RemoveAll(filepath.Join(dir, "checkpoint-"+strconv.Itoa(drop)))
			for i, s := range ckpts {
				if s == drop {
					ckpts = append(ckpts[:i], ckpts[i+1:]...)
					break
				}
			}
		}
		// Wait until an analysis has read this evaluation and its
		// checkpoint, as a trainer waits for nothing but the watcher is
		// assumed to keep up: the alert is then dated by the evaluation
		// that raised it, whatever the machine's load.
		waitUntil(t, fmt.Sprintf("an analysis reads the evaluation and checkpoint at step %d", step), func() bool {
			s := c.status()
			return slices.Contains(s.evalSteps, int64(step)) && slices.Contains(s.checkpoints, int64(step))
		})
		if _, _, ok := c.get(KindOverfitting); ok && firedAt < 0 {
			firedAt = step
		}
	})
	waitDone(t, done, "the watch stops at the end of training")
	a, _, ok := c.get(KindOverfitting)
	if !ok {
		t.Fatalf("no overfitting alert; alerts: %v", c.all())
	}
	if a.Step != 80 || !strings.Contains(a.Message, "checkpoint-80") {
		t.Errorf("overfitting alert %q at step %d: want the minimum at step 80 and checkpoint-80", a.Message, a.Step)
	}
	t.Logf("overfitting alert raised by the evaluation at step %d: %s", firedAt, a)
	// The eval rises beyond its noise at step 120 (6.073 against the best
	// 5.990): the analysis that reads it raises the alert.
	if firedAt != 120 {
		t.Errorf("overfitting alert raised by the evaluation at step %d: want 120 (the first evaluation beyond noise)", firedAt)
	}
	for _, al := range c.all() {
		switch al.Kind {
		case KindOverfitting, KindLossSpike:
			// A memorising run has noisy, tiny losses at the end; only
			// overfitting is expected, but a loss spike is tolerated.
		default:
			t.Errorf("unexpected alert %s", al)
		}
	}
}

// TestReplayHealthy replays the healthy LoRA example: nothing may fire.
func TestReplayHealthy(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(exampleDir(t, "hf_v5_sft_lora_3ep"), "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, _, done := startWatch(t, dir, true)
	replay(t, filepath.Join(dir, "console.log"), data, 40, 10*time.Millisecond, nil)
	rep := waitDone(t, done, "the watch stops at the end of training")
	if as := c.all(); len(as) != 0 {
		t.Errorf("alerts on the healthy example: %v", as)
	}
	if rep == nil {
		t.Fatal("no final report")
	}
}

// TestReplayCrashAndResume replays a log that crashes at step 300 and is
// resumed from checkpoint-250: steps 251-300 come twice. No alert may
// fire and the final run keeps one value per step.
func TestReplayCrashAndResume(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(exampleDir(t, "hf_v5_sft_lora_3ep"), "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut, resume := -1, -1
	for i, l := range lines {
		if cut < 0 && bytes.Contains(l, []byte("[Step 300/750]")) {
			cut = i
		}
		if resume < 0 && bytes.Contains(l, []byte("[Step 251/750]")) {
			resume = i
		}
	}
	if cut < 0 || resume < 0 {
		t.Fatal("markers not found in the example")
	}
	var crashed bytes.Buffer
	for _, l := range lines[:cut] {
		crashed.Write(l)
	}
	crashed.WriteString("Traceback (most recent call last):\n  File \"train.py\", line 80, in <module>\n    trainer.train()\nRuntimeError: CUDA error: an illegal memory access was encountered\n")
	crashed.WriteString("[transformers]   Continuing training from global step 250\n")
	for _, l := range lines[resume:] {
		crashed.Write(l)
	}
	dir := t.TempDir()
	c, _, done := startWatch(t, dir, true)
	replay(t, filepath.Join(dir, "console.log"), crashed.Bytes(), 60, 10*time.Millisecond, nil)
	rep := waitDone(t, done, "the watch stops at the end of training")
	if as := c.all(); len(as) != 0 {
		t.Errorf("alerts on a crashed-and-resumed healthy run: %v", as)
	}
	if rep == nil || rep.Data == nil {
		t.Fatal("no final report")
	}
	// One value per step: steps 251-299 came twice and are kept once.
	loss := rep.Data.Get("loss")
	if loss.Len() != 750 || loss.Step(0) != 1 || loss.Step(749) != 750 {
		t.Errorf("loss has %d points, want steps 1-750 once each", loss.Len())
	}
	restarts := 0
	for _, ev := range rep.Data.Events {
		if ev.Kind == trainlog.EventRestart {
			restarts++
		}
	}
	if restarts != 1 {
		t.Errorf("%d restart events, want 1", restarts)
	}
}
