package trainlog

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/internal/seedrun"
)

// saDict builds an alignDict for the rule tests: a training dict logging
// loss (4 decimals) and learning_rate (full precision).
func saDict(loss, lr, epoch, tol float64, synced bool, before, after int64) *alignDict {
	d := &alignDict{}
	d.reset()
	e := NewEntry(KindTrain, Source{File: "t.log", Line: 1})
	if !math.IsNaN(loss) {
		e.Values = append(e.Values, KV{Key: "loss", Value: loss, Digits: 5})
	}
	if !math.IsNaN(lr) {
		e.Values = append(e.Values, KV{Key: "learning_rate", Value: lr, Digits: DigitsFloat64})
	}
	e.Epoch = epoch
	d.e, d.tol, d.synced, d.before, d.after = e, tol, synced, before, after
	return d
}

// saCB builds a callback line stating step with the given values.
func saCB(step int64, kvs ...KV) alignCB {
	e := NewEntry(KindTrain, Source{File: "t.log", Line: 1})
	e.Values, e.Step, e.Origin = kvs, step, "callback"
	if len(kvs) == 0 {
		e = nil
	}
	return alignCB{step: step, e: e}
}

func saCanon(k string) string { return Canonical(KindTrain, k) }

// TestStepAlignExact has one row per rule of exact evidence (1-3) and
// per kind of conflict.
func TestStepAlignExact(t *testing.T) {
	nan := math.NaN()
	sh := alignShape{spe: 250}
	for _, tc := range []struct {
		name  string
		d     func() *alignDict
		ok    bool
		step  int64
		by    StepEvidence
		estim bool
	}{
		{"read: the dict's own step", func() *alignDict {
			d := saDict(0.5, nan, nan, 0, false, -1, -1)
			d.e.Step = 7
			return d
		}, true, 7, StepRead, false},
		{"callback before, same loss", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, false, -1, -1)
			d.cbs[0] = saCB(250, KV{Key: "loss", Value: 0.24, Digits: 2})
			return d
		}, true, 250, StepCallback, false},
		{"callback after, loss and lr", func() *alignDict {
			d := saDict(0.2402, 1.336e-4, 1, 0.005, true, 250, 251)
			d.cbs[1] = saCB(250, KV{Key: "loss", Value: 0.2402, Digits: 4}, KV{Key: "lr", Value: 1.34e-4, Digits: 3})
			return d
		}, true, 250, StepCallback, false},
		{"callback of the next step: values differ", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, true, 250, 251)
			d.cbs[1] = saCB(251, KV{Key: "loss", Value: 0.2385, Digits: 4})
			return d
		}, false, 0, 0, false},
		{"callback sharing one value that is not the loss: cannot tell", func() *alignDict {
			d := saDict(0.2402, 1.336e-4, 1, 0.005, false, -1, -1)
			d.cbs[0] = saCB(250, KV{Key: "lr", Value: 1.34e-4, Digits: 3})
			return d
		}, false, 0, 0, false},
		{"callback without values: cannot tell", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, false, -1, -1)
			d.cbs[0] = saCB(250)
			return d
		}, false, 0, 0, false},
		{"redraw", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, true, 249, 250)
			d.redraw = 250
			return d
		}, true, 250, StepRedraw, false},
		{"redraw after a held-back write (mark)", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, false, 260, -1)
			d.mark = 250
			return d
		}, true, 250, StepRedraw, false},
		{"callback and redraw agree", func() *alignDict {
			d := saDict(0.2402, nan, 1, 0.005, true, 250, 250)
			d.cbs[0], d.redraw = saCB(250, KV{Key: "loss", Value: 0.2402, Digits: 4}), 250
			return d
		}, true, 250, StepCallback, false},
		{"conflict: callback and redraw disagree, the frame before sides with the redraw", func() *alignDict {
			d := saDict(0.2402, nan, nan, 0, true, 251, 251)
			d.cbs[0], d.redraw = saCB(250, KV{Key: "loss", Value: 0.2402, Digits: 4}), 251
			return d
		}, true, 251, StepRedraw, true},
		{"conflict: a callback below the frame before a synced dict", func() *alignDict {
			d := saDict(0.2402, nan, nan, 0, true, 260, -1)
			d.cbs[0] = saCB(250, KV{Key: "loss", Value: 0.2402, Digits: 4})
			return d
		}, true, 250, StepCallback, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, by, est, ok := tc.d().exact(&sh, saCanon)
			if ok != tc.ok || (ok && (step != tc.step || by != tc.by || est != tc.estim)) {
				t.Errorf("exact = %d %v estimated=%v ok=%v, want %d %v estimated=%v ok=%v", step, by, est, ok, tc.step, tc.by, tc.estim, tc.ok)
			}
		})
	}
}

// TestStepAlignBlock has one row per rule of the block solve (4-9).
func TestStepAlignBlock(t *testing.T) {
	nan := math.NaN()
	type spec struct {
		loss, lr, epoch, tol float64
		synced               bool
		before, after        int64
	}
	for _, tc := range []struct {
		name     string
		shape    alignShape
		prev     int64
		next     int64
		ds       []spec
		want     []int64
		by       []StepEvidence
		estimate bool
	}{
		{name: "bar: frames before and after, propagated from the last dict", next: -1,
			ds:   []spec{{nan, nan, nan, 0, true, 1, 2}, {nan, nan, nan, 0, true, 2, 3}, {nan, nan, nan, 0, true, 3, 3}},
			want: []int64{1, 2, 3}, by: []StepEvidence{StepBar, StepBar, StepBar}},
		{name: "bar: bounded by the next known step", next: 3,
			ds:   []spec{{nan, nan, nan, 0, true, 1, 2}, {nan, nan, nan, 0, true, 2, 3}},
			want: []int64{1, 2}, by: []StepEvidence{StepBar, StepBar}},
		{name: "cadence: epochs of 2 decimals, dicts every 10 steps", shape: alignShape{spe: 250}, next: -1, estimate: true,
			ds:   []spec{{nan, nan, 0.04, 0.005, false, -1, -1}, {nan, nan, 0.08, 0.005, false, -1, -1}, {nan, nan, 0.12, 0.005, false, -1, -1}, {nan, nan, 0.16, 0.005, false, -1, -1}},
			want: []int64{10, 20, 30, 40}, by: []StepEvidence{StepCadence, StepCadence, StepCadence, StepCadence}},
		{name: "cadence: logging_steps printed, after a known step", shape: alignShape{spe: 250, logging: 5}, prev: 100, next: -1, estimate: true,
			ds:   []spec{{nan, nan, 0.42, 0.005, false, -1, -1}, {nan, nan, 0.44, 0.005, false, -1, -1}},
			want: []int64{105, 110}, by: []StepEvidence{StepCadence, StepCadence}},
		{name: "lr: a linear warmup with dicts missing", next: -1, estimate: true,
			ds: []spec{{nan, 1e-6, nan, 0, false, 3, -1}, {nan, 2e-6, nan, 0, false, 3, -1}, {nan, 5e-6, nan, 0, false, 9, -1},
				{nan, 6e-6, nan, 0, false, 9, -1}, {nan, 9e-6, nan, 0, false, 9, -1}},
			want: []int64{1, 2, 5, 6, 9}, by: []StepEvidence{StepLR, StepLR, StepLR, StepLR, StepLR}},
		{name: "frame: the frame before a synced dict", next: -1, estimate: true,
			ds:   []spec{{nan, nan, nan, 0, true, 7, -1}},
			want: []int64{7}, by: []StepEvidence{StepFrame}},
		{name: "epoch: one dict", shape: alignShape{spe: 250}, next: -1, estimate: true,
			ds:   []spec{{nan, nan, 1.2, 0.00005, false, -1, -1}},
			want: []int64{300}, by: []StepEvidence{StepEpoch}},
		{name: "ordinal: nothing else", next: -1, estimate: true,
			ds:   []spec{{nan, nan, nan, 0, false, -1, -1}, {nan, nan, nan, 0, false, -1, -1}},
			want: []int64{1, 2}, by: []StepEvidence{StepOrdinal, StepOrdinal}},
		{name: "cadence: one step, the printed epochs equal", shape: alignShape{spe: 10}, next: -1, estimate: true,
			ds:   []spec{{nan, nan, 0.1, 0.005, true, 1, -1}, {nan, nan, 0.1, 0.005, true, 1, -1}},
			want: []int64{1, 2}, by: []StepEvidence{StepCadence, StepCadence}},
		{name: "order: the frame before both synced dicts, the second one step later", next: -1, estimate: true,
			ds:   []spec{{nan, nan, nan, 0, true, 4, -1}, {nan, nan, nan, 0, true, 4, -1}},
			want: []int64{4, 5}, by: []StepEvidence{StepFrame, StepOrdinal}},
		{name: "bar: not synced, the frame before bounds from above", shape: alignShape{spe: 100}, next: -1, estimate: true,
			ds:   []spec{{nan, nan, 0.5, 0.005, false, 50, -1}, {nan, nan, 1.0, 0.005, false, 100, -1}},
			want: []int64{50, 100}, by: []StepEvidence{StepCadence, StepCadence}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := alignBlock{prevStep: tc.prev, next: tc.next, first: tc.prev == 0}
			for i, s := range tc.ds {
				d := saDict(s.loss, s.lr, s.epoch, s.tol, s.synced, s.before, s.after)
				d.ord = int64(i + 1)
				b.ds = append(b.ds, d)
			}
			sh := tc.shape
			sh.final = true
			b.solve(&sh)
			for i, d := range b.ds {
				if !d.done || d.e.Step != tc.want[i] || d.e.StepBy != tc.by[i] || d.e.StepEstimated != tc.estimate {
					t.Errorf("dict %d: step %d by %v estimated=%v, want %d by %v estimated=%v", i+1, d.e.Step, d.e.StepBy, d.e.StepEstimated, tc.want[i], tc.by[i], tc.estimate)
				}
			}
		})
	}
}

// saFrame is a tqdm frame of the training bar.
func saFrame(n, total int64) string {
	return fmt.Sprintf("%3d%%|%-10s| %d/%d [00:%02d<00:10,  1.50it/s]", n*100/total, strings.Repeat("#", int(n*10/total)), n, total, n%60)
}

// saV4 is a Transformers v4 training dict.
func saV4(loss, lr, epoch float64) string {
	return fmt.Sprintf("{'loss': %.4f, 'grad_norm': 0.5, 'learning_rate': %g, 'epoch': %.2f}", loss, lr, epoch)
}

// saDictFirst writes the layout of issue 10 without its callback lines:
// each dict on the line of a frame and tqdm's clear, nothing redrawing
// the bar after it, the summary at the end.
func saDictFirst(steps int64) string {
	var b strings.Builder
	for s := int64(1); s <= steps; s++ {
		fmt.Fprintf(&b, "\r%s\r%s\r%s\nsome other print\n", saFrame(s, steps), strings.Repeat(" ", 30), saV4(2-float64(s)/10, 1e-4, float64(s)/float64(steps)))
	}
	fmt.Fprintf(&b, "\r%s\r%s\r{'train_runtime': 6.0, 'train_samples_per_second': 1.0, 'train_steps_per_second': 1.0, 'train_loss': 1.5, 'epoch': 1.0}\n", saFrame(steps, steps), strings.Repeat(" ", 30))
	return b.String()
}

// saWandb writes a W&B output.log of a run logging every 25 of 300 steps
// with an eval every 50: the bar's frame ends up before the dicts it
// passed, which are flushed in pairs with their eval.
func saWandb() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/usr/lib/python3/warnings.py:68: UserWarning: gather\n", saFrame(0, 300))
	for s := int64(50); s <= 300; s += 50 {
		fmt.Fprintf(&b, "%s/usr/lib/python3/warnings.py:68: UserWarning: gather\n", saFrame(s, 300))
		fmt.Fprintf(&b, "%s\n%s\n", saV4(1-float64(s)/1000, 5e-5*(1-float64(s-25)/300), float64(s-25)/50), saV4(1-float64(s)/900, 5e-5*(1-float64(s)/300), float64(s)/50))
		fmt.Fprintf(&b, "{'eval_loss': %.4f, 'eval_runtime': 9.1, 'epoch': %.2f}\n", 0.7+float64(s)/1000, float64(s)/50)
	}
	b.WriteString("{'train_runtime': 1000.5, 'train_samples_per_second': 3.2, 'train_steps_per_second': 0.3, 'train_loss': 0.8, 'epoch': 6.0}\n")
	fmt.Fprintf(&b, "%s\n", saFrame(300, 300))
	return b.String()
}

// saDeepSpeed writes a DeepSpeed console without bars: its own step=
// lines (engine steps, not the Trainer's) between plain printed dicts.
func saDeepSpeed() string {
	var b strings.Builder
	b.WriteString("***** Running training *****\n  Num examples = 400\n  Num Epochs = 1\n  Total train batch size (w. parallel, distributed & accumulation) = 4\n  Gradient Accumulation steps = 1\n  Total optimization steps = 100\n")
	for s := int64(10); s <= 100; s += 10 {
		fmt.Fprintf(&b, "[2025-07-03 06:30:21,439] [INFO] [logging.py:107:log_dist] [Rank 0] step=%d, skipped=1, lr=[0.001], mom=[[0.9, 0.999]]\n", s+1)
		fmt.Fprintf(&b, "%s\n", saV4(3-float64(s)/100, 1e-3, float64(s)/100))
	}
	return b.String()
}

// TestStepAlignLayouts reads one console per layout and checks the step
// and the evidence of every training dict.
func TestStepAlignLayouts(t *testing.T) {
	curve := seedrun.NewCurve()
	bursty := genlog.NewBursty(genlog.DefaultBursty)
	for _, tc := range []struct {
		name     string
		text     func(t *testing.T) []byte
		steps    []int64
		by       map[StepEvidence]int
		estimate int // training dicts whose step is estimated
		// noCallback: no line of the log is a user callback's.
		noCallback bool
	}{
		{name: "HF v4, callback line before the dict, tqdm's redraw after it (seedrun)",
			text:  func(*testing.T) []byte { return []byte(seedrun.Log(curve)) },
			steps: hcRange(1, 750, 1), by: map[StepEvidence]int{StepCallback: 750}},
		{name: "issue 10: dict after a frame, callback line after it, no redraw (seedrun)",
			text:  func(*testing.T) []byte { return []byte(seedrun.LogDictFirst(curve)) },
			steps: hcRange(1, 750, 1), by: map[StepEvidence]int{StepCallback: 750}},
		{name: "issue 10's layout without callback lines",
			text:  func(*testing.T) []byte { return []byte(saDictFirst(12)) },
			steps: hcRange(1, 12, 1), by: map[StepEvidence]int{StepBar: 12}},
		{name: "HF v5 (TRL SFT): quoted floats, callback and redraw",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, hcSFT+"/console.log") },
			steps: hcRange(1, 750, 1), by: map[StepEvidence]int{StepCallback: 750}},
		{name: "HF v5 with evals: redraw",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, hcOverfit+"/console.log") },
			steps: hcRange(5, 500, 5), by: map[StepEvidence]int{StepRedraw: 100}},
		{name: "v5 head: frames redrawn after each dict",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, "testdata/console/v5_sft_head.log") },
			steps: hcRange(1, 5, 1), by: map[StepEvidence]int{StepCallback: 5}},
		{name: "LLaMA-Factory running_log.txt: logger prefix, no bars",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, "testdata/console/llamafactory_running.log") },
			steps: hcRange(5, 25, 5), by: map[StepEvidence]int{StepCadence: 5}, estimate: 5},
		{name: "W&B output.log: one frame per flushed line, dicts after it",
			text:  func(*testing.T) []byte { return []byte(saWandb()) },
			steps: hcRange(25, 300, 25), by: map[StepEvidence]int{StepCadence: 12}, estimate: 12},
		{name: "W&B output.log, bursty, dicts lost, all in the lr warmup (genlog)",
			text:  func(*testing.T) []byte { return bursty.Log },
			steps: bursty.Steps, by: map[StepEvidence]int{StepLR: len(bursty.Steps)}, estimate: len(bursty.Steps)},
		{name: "DeepSpeed console without bars: its step= lines are engine steps",
			text:  func(*testing.T) []byte { return []byte(saDeepSpeed()) },
			steps: hcRange(10, 100, 10), by: map[StepEvidence]int{StepCadence: 10}, estimate: 10},
		{name: "stdout block-buffered, with evals: tqdm's redraws after each write (testdata/runs/sweep run-c)",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, "../testdata/runs/sweep/output/run-c/console.log") },
			steps: hcRange(5, 500, 5), by: map[StepEvidence]int{StepRedraw: 100}},
		{name: "bursty flushes: dicts after the frames they passed",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, "testdata/console/v4_buffered.log") },
			steps: hcRange(10, 100, 10), by: map[StepEvidence]int{StepCadence: 10}, estimate: 10},
		// Layouts of other trainers and capture paths (testdata/console/layouts, README there).
		{name: "tqdm's \\r turned into line breaks (a paste): estimated by the cadence",
			text:  hcLayout("crlf_pasted.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepCadence: 8}, estimate: 8},
		{name: "torchrun [rankN]: prefixes, rank 1 drawing its own bar ahead: only rank 0's bar counts",
			text:  hcLayout("rank_bars.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "srun --label prefixes, rank 1 drawing its own bar ahead: only rank 0's bar counts",
			text:  hcLayout("srun_labels.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "TrainOutput printed after training is not a step's log",
			text:  hcLayout("trainoutput.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}, noCallback: true},
		{name: "IterableDataset with max_steps (Num Epochs = sys.maxsize)",
			text:  hcLayout("iterable_max_steps.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "ms-swift: the dict's own global_step/max_steps, no bars",
			text:  hcLayout("swift_nobar.log"),
			steps: append([]int64{1}, hcRange(5, 40, 5)...), by: map[StepEvidence]int{StepRead: 9}},
		{name: "TRL DPO keys (rewards/, logps/, logits/)",
			text:  hcLayout("trl_dpo.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "TRL GRPO keys, v5 quoted values (num_tokens, completions/, entropy)",
			text:  hcLayout("trl_grpo.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "DeepSpeed: logger lines glued to frames, OVERFLOW skipped steps",
			text:  hcLayout("deepspeed_bars.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepRedraw: 8}},
		{name: "kubectl --timestamps and colour codes at line starts: bounds by the bar",
			text:  hcLayout("timestamps_ansi.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepBar: 8}},
		{name: "axolotl: a frame per line, the dict after its frame, no clear or redraw",
			text:  hcLayout("axolotl_lines.log"),
			steps: hcRange(5, 40, 5), by: map[StepEvidence]int{StepCadence: 8}, estimate: 8},
		{name: "two runs appended to one log: the second starts a new session from step 0",
			text:  hcLayout("appended_runs.log"),
			steps: append(hcRange(5, 20, 5), hcRange(5, 40, 5)...), by: map[StepEvidence]int{StepRedraw: 12}},
		{name: "resumed: steps above the announced global step",
			text:  func(t *testing.T) []byte { return hcReadBytes(t, "testdata/console/resumed_wrappers.log") },
			steps: []int64{110, 120}, by: map[StepEvidence]int{StepCadence: 2}, estimate: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := hcRead(t, "t.log", tc.text(t))
			train := hcEntries(recs, KindTrain, "")
			hcSameSteps(t, "train", hcStepsOf(train), tc.steps)
			by := map[StepEvidence]int{}
			est := 0
			for _, e := range train {
				by[e.StepBy]++
				if e.StepEstimated {
					est++
				}
			}
			if tc.noCallback {
				if cb := hcEntries(recs, KindTrain, "callback"); len(cb) > 0 {
					t.Errorf("%d callback entries, want none: %s is the run's mean, not a step's log", len(cb), cb[0].Values[0].Key)
				}
			}
			if fmt.Sprint(by) != fmt.Sprint(tc.by) || est != tc.estimate {
				t.Errorf("evidence %v with %d estimated, want %v with %d", by, est, tc.by, tc.estimate)
			}
		})
	}
}

// hcLayout reads a layout of testdata/console/layouts.
func hcLayout(name string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return hcReadBytes(t, "testdata/console/layouts/"+name) }
}

func hcReadBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecExp(t *testing.T) {
	for _, x := range []float64{1e-300, 3e-17, 0.00099999, 0.001, 0.0011, 0.2402, 1, 9.999, 10, 2484.07, 1e22, 3.5e200} {
		if got, want := decExp(x), int(math.Floor(math.Log10(x))); got != want {
			t.Errorf("decExp(%g) = %d, want %d", x, got, want)
		}
	}
}

// TestConsoleUnreadLayouts: a log whose metrics are only in a layout the
// reader does not read (a progress bar's postfix, a notebook's table)
// says so once, naming the line, instead of reporting nothing; a log
// with dicts does not.
func TestConsoleUnreadLayouts(t *testing.T) {
	for _, tc := range []struct {
		file string
		line int
		msg  string // "" for no message
	}{
		{"lightning_bar.log", 4, "progress bar's postfix"},
		{"tqdm_postfix.log", 1, "progress bar's postfix"},
		{"notebook_table.txt", 2, "notebook's table"},
		{"trl_dpo.log", 0, ""},
		{"deepspeed_bars.log", 0, ""},
		{"swift_nobar.log", 0, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recs := hcRead(t, tc.file, hcLayout(tc.file)(t))
			var msgs []*SyntaxError
			for _, r := range recs {
				if se, ok := r.(*SyntaxError); ok {
					msgs = append(msgs, se)
				}
			}
			switch {
			case tc.msg == "" && len(msgs) > 0:
				t.Errorf("unexpected message: %v", msgs[0])
			case tc.msg != "" && (len(msgs) != 1 || msgs[0].Line != tc.line || !strings.Contains(msgs[0].Msg, tc.msg) ||
				!errors.Is(msgs[0], ErrUnreadLayout)):
				t.Errorf("messages %v, want one at line %d about the %s (ErrUnreadLayout)", msgs, tc.line, tc.msg)
			}
			if tc.file == "lightning_bar.log" {
				// "`Trainer.fit` stopped: `max_epochs=2` reached." ends training.
				found := false
				for _, r := range recs {
					if m, ok := r.(*Meta); ok && m.Info != nil && m.Info.Key == InfoTrainingStopped {
						found = m.Info.Value == "true" && m.Info.Source.Line == 7
					}
				}
				if !found {
					t.Errorf("no end of training at line 7")
				}
			}
			if tc.msg != "" {
				if es := hcEntries(recs, KindTrain, ""); len(es) > 0 {
					t.Errorf("%d training entries, want none", len(es))
				}
			}
		})
	}
}

// TestConsoleResumeLine has one row per form of the line that says a run
// resumed, which starts a session above the step and tells a resume from
// a new run in the same log.
func TestConsoleResumeLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		step int64
		ok   bool
	}{
		{"  Continuing training from global step 100", 100, true},
		{"[INFO|trainer.py:2345] 2024-11-26 >>   Continuing training from global step 1500", 1500, true},
		{"[transformers]   Resuming training from checkpoint with epoch 1 and global step 200", 200, true},
		{"  Continuing training from checkpoint, will skip to saved global_step", 0, false},
		{"  Continuing training from epoch 0", 0, false},
		{"Resuming training from checkpoint with epoch 1", 0, false},
	} {
		step, ok := hcResumeLine([]byte(tc.line))
		if ok != tc.ok || step != tc.step {
			t.Errorf("%q: %d %v, want %d %v", tc.line, step, ok, tc.step, tc.ok)
		}
	}
	// The resumed run of testdata/runs: one run, its second session above 200.
	recs := hcRead(t, "console.log", hcReadBytes(t, "../testdata/runs/resumed/console.log"))
	for _, r := range recs {
		if m, ok := r.(*Meta); ok && m.Event != nil && m.Event.Kind == EventNewRun {
			t.Errorf("the resumed run is read as a new run: %s", m.Event.Message)
		}
	}
}
