// Package seedrun writes a reconstruction of the run that the seed
// article (docs: shared/spec/seed-article.md) interprets: a LoRA SFT of a
// chat model on 1,000 single-turn examples for 3 epochs (750 steps),
// logged by Transformers v4 to the console, with a user callback printing
// one line per step, checkpoints 500 and 700 and a final adapter.
//
// The article quotes only a few numbers from its all_logs.log; the other
// steps are filled with a deterministic curve that follows the article's
// phases (2.81 to 0.24 by step 250, 0.14 by step 500, a plateau of
// 0.09-0.13 near the end). Every number the article quotes is reproduced
// exactly, on the line it names:
//
//	line 42, 540, 1040, 1540   the logged dicts of steps 1, 250, 500, 750
//	line 1542                  the end-of-training summary dict
//	1548 lines in all
//
// Tests use it to check that plateau's report says what the article says.
//
// Options.Layout selects how the console interleaves the progress bar, the
// dicts and the callback's lines. LayoutCallbackFirst (the default) is the
// layout above. LayoutDictFirst prints each dict on the same line right
// after a frame of the bar and tqdm's clear, with nothing redrawing the
// bar after it, and the callback's line "Step N/750 | epoch ... | loss
// ..." on the line after the dict: the layout in which a reader that
// takes the next step's frame for tqdm's redraw of this one shifts every
// step by one. The dicts and the summary are on the same lines in both.
package seedrun

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Names and sizes of the reconstruction.
const (
	LogName      = "all_logs.log"
	OutputDir    = "output/lora_elderly_single"
	Lines        = 1548
	SummaryLine  = 1542
	Steps        = 750
	Examples     = 1000
	Epochs       = 3
	BatchPerDev  = 2
	GradAccum    = 2
	StepsPerEp   = 250
	PeakLR       = 2e-4
	TrainRuntime = 2484.0731
	TrainLoss    = 0.2587 // the summary's train_loss, rounded as the article prints it
	SamplesPerS  = 1.208
	StepsPerS    = 0.302
	GradNormLast = 1.14
)

// Milestone is one row of the article's milestone table.
type Milestone struct {
	Step  int64
	Epoch float64
	Loss  float64
	Acc   float64 // mean_token_accuracy, as the article rounds it
	LR    float64 // as the article rounds it
	Line  int
}

// Milestones are the article's four milestone rows (its sections 3-5).
var Milestones = []Milestone{
	{Step: 1, Epoch: 0, Loss: 2.8099, Acc: 0.436, LR: 2.0e-4, Line: 42},
	{Step: 250, Epoch: 1, Loss: 0.2402, Acc: 0.957, LR: 1.34e-4, Line: 540},
	{Step: 500, Epoch: 2, Loss: 0.1443, Acc: 0.967, LR: 6.69e-5, Line: 1040},
	{Step: 750, Epoch: 3, Loss: 0.1286, Acc: 0.963, LR: 2.67e-7, Line: 1540},
}

// Checkpoints are the directories written under OutputDir.
var Checkpoints = []string{"checkpoint-500", "checkpoint-700", "final_lora"}

// DictLine returns the line of the logged dict of step s (1 <= s <= 750);
// the user callback's line for the same step precedes it.
func DictLine(s int64) int { return 42 + 2*int(s-1) }

// CallbackLine returns the line of the user callback's output for step s
// in the default layout.
func CallbackLine(s int64) int { return LayoutCallbackFirst.CallbackLine(s) }

// A Layout is how the console interleaves the bar, the dicts and the
// callback's lines (see the package comment).
type Layout int

// Layouts of the console log.
const (
	// LayoutCallbackFirst prints, per step, the bar's frames and the
	// callback's "[Step N/750] key=value" line, then on the next line
	// tqdm's clear and the dict; tqdm redraws the bar at the start of the
	// line after the dict.
	LayoutCallbackFirst Layout = iota
	// LayoutDictFirst prints, per step, a frame of the bar, tqdm's clear
	// and the dict on one line, then the callback's "Step N/750 | key
	// value | ..." line; nothing redraws the bar after the dict.
	LayoutDictFirst
)

// CallbackLine returns the line of the user callback's output for step s.
func (l Layout) CallbackLine(s int64) int {
	if l == LayoutDictFirst {
		return DictLine(s) + 1
	}
	return DictLine(s) - 1
}

// Curve holds the per-step values of the reconstruction, index 0 being
// step 1.
type Curve struct {
	Loss     []float64 // unrounded; the console prints them rounded to 4 decimals
	GradNorm []float64 // float32 values, as the Trainer logs them
	Acc      []float64 // float32 values
	LR       []float64
	Elapsed  []float64 // seconds since the start of training at the end of each step
}

// overrides are the losses the article quotes, by step.
var overrides = map[int]float64{1: 2.8099, 250: 0.2402, 500: 0.1443, 748: 0.1032, 749: 0.0940, 750: 0.1286}

// accOverrides are the article's token accuracies, by step.
var accOverrides = map[int]float64{1: 0.436, 250: 0.957, 500: 0.967, 750: 0.963}

// targetMean is the unrounded train_loss the curve is calibrated to.
const targetMean = 0.25873186

// NewCurve computes the deterministic curve.
func NewCurve() *Curve {
	rng := splitmix(20250518)
	z := make([]float64, Steps)
	u := make([]float64, Steps)
	za := make([]float64, Steps)
	d := make([]float64, Steps)
	for i := range z {
		z[i] = rng.normal()
		u[i] = rng.float()
		za[i] = rng.normal()
		d[i] = rng.normal()
	}
	// Calibrate the speed of the first-epoch decline so that the mean of
	// the 750 losses is the article's train_loss.
	lo, hi := 2.0, 120.0
	var loss []float64
	for range 80 {
		tau := (lo + hi) / 2
		loss = lossCurve(tau, z)
		if mean(loss) > targetMean {
			hi = tau
		} else {
			lo = tau
		}
	}
	c := &Curve{Loss: loss}
	for i := range Steps {
		s := i + 1
		g := 0.5625 + 0.375*u[i] + 2.1*math.Exp(-float64(s-1)/8)
		if s == Steps {
			g = GradNormLast
		}
		c.GradNorm = append(c.GradNorm, float64(float32(g)))
		a := 0.97 - 0.112*math.Pow(loss[i], 1.51)*(1+0.15*za[i])
		if v, ok := accOverrides[s]; ok {
			a = v + 0.00003
		}
		c.Acc = append(c.Acc, float64(float32(math.Min(a, 0.999))))
		c.LR = append(c.LR, PeakLR*(float64(Steps-(s-1))/float64(Steps)))
	}
	// Step times: a slow first step (compilation, cache warm-up), then
	// about 3.31 s per step, scaled so that the bar shows 41:23 at step
	// 750 and the summary 2484.07 s.
	var t float64
	raw := make([]float64, Steps)
	for i := range Steps {
		dt := 3.3 + 0.04*d[i]
		if i == 0 {
			dt = 5.1
		}
		t += dt
		raw[i] = t
	}
	scale := 2483.62 / t
	for _, r := range raw {
		c.Elapsed = append(c.Elapsed, r*scale)
	}
	return c
}

// lossCurve is the loss model: an exponential first-epoch decline onto a
// slowly falling floor that drops at each epoch boundary (the model sees
// the same examples again), with multiplicative noise.
func lossCurve(tau float64, z []float64) []float64 {
	out := make([]float64, Steps)
	floor1 := 0.235 + 0.06
	for i := range out {
		s := i + 1
		var c float64
		switch {
		case s <= 250:
			c = 0.235 + 0.06*float64(250-s)/249
		case s <= 500:
			c = 0.140 + 0.055*math.Exp(-float64(s-251)/90)
		default:
			c = 0.112 + 0.02*math.Exp(-float64(s-501)/50)
		}
		level := c + (2.81-floor1)*math.Exp(-float64(s-1)/tau)
		// Clip the noise: the article's run has no loss spikes, and its
		// last epoch oscillates between 0.09 and 0.13.
		lim := 2.2
		if s > 600 {
			lim = 1.8
		}
		out[i] = level * math.Exp(0.11*math.Max(-lim, math.Min(lim, z[i])))
		if v, ok := overrides[s]; ok {
			out[i] = v
		}
	}
	return out
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Mean returns the unrounded train_loss of the curve, as the Trainer
// computes it (sum of the per-step losses / global_step).
func (c *Curve) Mean() float64 { return mean(c.Loss) }

// Logged returns the loss of step s as the console prints it (rounded to
// 4 decimals, as Transformers v4 does).
func (c *Curve) Logged(s int64) float64 { return round4(c.Loss[s-1]) }

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// splitmix is a small deterministic generator (SplitMix64), so that the
// reconstruction never depends on the standard library's generators.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *splitmix) float() float64 { return float64(s.next()>>11) / (1 << 53) }

// normal returns a standard normal deviate (Box-Muller).
func (s *splitmix) normal() float64 {
	u1 := s.float()
	for u1 == 0 {
		u1 = s.float()
	}
	u2 := s.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Options select optional parts of the reconstruction.
type Options struct {
	// TrainerState writes checkpoint-500/ and checkpoint-700/
	// trainer_state.json (the article's "structured log_history"), whose
	// log_history holds steps 1-500 and 1-700.
	TrainerState bool
	// Layout is the console's layout.
	Layout Layout
}

// Write writes the reconstruction into dir: dir/all_logs.log and the
// checkpoint and adapter directories under dir/output/lora_elderly_single.
func Write(dir string) error { return WriteWith(dir, Options{}) }

// WriteWith is Write with options.
func WriteWith(dir string, opts Options) error {
	c := NewCurve()
	text := Log(c)
	if opts.Layout == LayoutDictFirst {
		text = LogDictFirst(c)
	}
	if err := os.WriteFile(filepath.Join(dir, LogName), []byte(text), 0o644); err != nil {
		return err
	}
	for _, ck := range Checkpoints {
		p := filepath.Join(dir, filepath.FromSlash(OutputDir), ck)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		files := map[string]string{
			"adapter_config.json":       adapterConfig,
			"adapter_model.safetensors": "",
		}
		if opts.TrainerState && ck != "final_lora" {
			var last int
			fmt.Sscanf(ck, "checkpoint-%d", &last)
			files["trainer_state.json"] = TrainerState(c, last)
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(p, name), []byte(body), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

const adapterConfig = `{
  "base_model_name_or_path": "Qwen/Qwen2.5-1.5B-Instruct",
  "lora_alpha": 32,
  "lora_dropout": 0.05,
  "peft_type": "LORA",
  "r": 16,
  "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  "task_type": "CAUSAL_LM"
}
`

// TrainerState returns the trainer_state.json that the Trainer saves in
// checkpoint-<last>: json.dumps(indent=2, sort_keys=True) of the state,
// with full-precision epochs and the loss rounded to 4 decimals as in the
// logged dicts.
func TrainerState(c *Curve, last int) string {
	var b strings.Builder
	b.WriteString("{\n  \"best_global_step\": null,\n  \"best_metric\": null,\n  \"best_model_checkpoint\": null,\n")
	fmt.Fprintf(&b, "  \"epoch\": %s,\n  \"eval_steps\": 500,\n  \"global_step\": %d,\n", pyRepr(float64(last)/StepsPerEp), last)
	b.WriteString("  \"is_hyper_param_search\": false,\n  \"is_local_process_zero\": true,\n  \"is_world_process_zero\": true,\n  \"log_history\": [\n")
	for s := 1; s <= last; s++ {
		i := s - 1
		fmt.Fprintf(&b, "    {\n      \"epoch\": %s,\n      \"grad_norm\": %s,\n      \"learning_rate\": %s,\n      \"loss\": %s,\n      \"mean_token_accuracy\": %s,\n      \"step\": %d\n    }",
			pyRepr(float64(s)/StepsPerEp), pyRepr(c.GradNorm[i]), pyRepr(c.LR[i]), pyRepr(c.Logged(int64(s))), pyRepr(c.Acc[i]), s)
		if s < last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "  ],\n  \"logging_steps\": 1,\n  \"max_steps\": %d,\n  \"num_input_tokens_seen\": 0,\n  \"num_train_epochs\": %d,\n  \"save_steps\": 100,\n", Steps, Epochs)
	b.WriteString("  \"stateful_callbacks\": {\n    \"TrainerControl\": {\n      \"args\": {\n        \"should_epoch_stop\": false,\n        \"should_evaluate\": false,\n        \"should_log\": false,\n        \"should_save\": true,\n        \"should_training_stop\": false\n      },\n      \"attributes\": {}\n    }\n  },\n")
	fmt.Fprintf(&b, "  \"total_flos\": %s,\n  \"train_batch_size\": %d,\n  \"trial_name\": null,\n  \"trial_params\": null\n}\n", pyRepr(float64(last)*9.87e13), BatchPerDev)
	return b.String()
}

// Log returns the text of all_logs.log for curve c.
func Log(c *Curve) string {
	var b strings.Builder
	for _, l := range preamble() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	// Line 40: the bar's first frame, then a warning from the first
	// forward pass.
	b.WriteString("\r" + bar(0, 0, 0) + "`use_cache=True` is incompatible with gradient checkpointing. Setting `use_cache=False`.\n")
	// Each step: the user callback's line (its on_log runs before the
	// ProgressCallback's, which callbacks=[...] registers first), printed
	// after the bar's frames, then tqdm.write's clear and the dict. tqdm
	// redraws the bar after the dict, which starts the next line.
	redraw := ""
	for i := range Steps {
		s := int64(i + 1)
		frame := bar(s, c.Elapsed[i], c.Elapsed[i]/float64(s))
		b.WriteString(redraw + "\r" + frame + callback(c, s) + "\n")
		b.WriteString("\r" + strings.Repeat(" ", len([]rune(frame))) + "\r" + dict(c, s) + "\n")
		redraw = "\r" + frame
	}
	// The callback's on_log also sees the summary, then the
	// ProgressCallback prints it and on_train_end closes the bar.
	b.WriteString(redraw + "[LoRA_Demo] training loop finished, final metrics:\n")
	final := bar(Steps, TrainRuntime, TrainRuntime/Steps)
	b.WriteString("\r" + strings.Repeat(" ", len([]rune(final))) + "\r" +
		fmt.Sprintf("{'train_runtime': %s, 'train_samples_per_second': %s, 'train_steps_per_second': %s, 'train_loss': %s, 'epoch': 3.0}\n",
			pyRepr(TrainRuntime), pyRepr(SamplesPerS), pyRepr(StepsPerS), pyRepr(c.Mean())))
	b.WriteString("\r" + final + "\r" + final + "\n")
	for _, l := range epilogue {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// LogDictFirst returns the text of all_logs.log for curve c in
// LayoutDictFirst.
func LogDictFirst(c *Curve) string {
	var b strings.Builder
	for _, l := range preamble() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString("\r" + bar(0, 0, 0) + "`use_cache=True` is incompatible with gradient checkpointing. Setting `use_cache=False`.\n")
	b.WriteString("/usr/local/lib/python3.10/dist-packages/torch/utils/checkpoint.py:87: UserWarning: None of the inputs have requires_grad=True. Gradients will be None\n")
	for i := range Steps {
		s := int64(i + 1)
		frame := bar(s, c.Elapsed[i], c.Elapsed[i]/float64(s))
		b.WriteString("\r" + frame + "\r" + strings.Repeat(" ", len([]rune(frame))) + "\r" + dict(c, s) + "\n")
		b.WriteString(callbackPipe(c, s) + "\n")
	}
	final := bar(Steps, TrainRuntime, TrainRuntime/Steps)
	b.WriteString("\r" + final + "\r" + strings.Repeat(" ", len([]rune(final))) + "\r" +
		fmt.Sprintf("{'train_runtime': %s, 'train_samples_per_second': %s, 'train_steps_per_second': %s, 'train_loss': %s, 'epoch': 3.0}\n",
			pyRepr(TrainRuntime), pyRepr(SamplesPerS), pyRepr(StepsPerS), pyRepr(c.Mean())))
	b.WriteString("[LoRA_Demo] training loop finished\n")
	for _, l := range epilogue {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// callbackPipe is the user callback's line for step s in
// LayoutDictFirst: the loss with the dict's 4 decimals.
func callbackPipe(c *Curve, s int64) string {
	i := s - 1
	return fmt.Sprintf("Step %d/%d | epoch %.2f | loss %.4f | lr %.2e | grad_norm %.3f | acc %.3f",
		s, Steps, float64(s)/StepsPerEp, c.Logged(s), c.LR[i], c.GradNorm[i], c.Acc[i])
}

// dict is the Trainer's printed log dict for step s (Transformers 4.51:
// loss rounded to 4 decimals, epoch to 2 on the console, other floats as
// Python reprs; TRL adds mean_token_accuracy before epoch).
func dict(c *Curve, s int64) string {
	i := s - 1
	epoch := math.Round(float64(s)/StepsPerEp*100) / 100
	return fmt.Sprintf("{'loss': %s, 'grad_norm': %s, 'learning_rate': %s, 'mean_token_accuracy': %s, 'epoch': %s}",
		pyRepr(c.Logged(s)), pyRepr(c.GradNorm[i]), pyRepr(c.LR[i]), pyRepr(c.Acc[i]), pyRepr(epoch))
}

// callback is the user callback's line for step s. It prints the loss
// with 3 decimals, one fewer than the dict, so the dict is the more
// precise source of each step.
func callback(c *Curve, s int64) string {
	i := s - 1
	return fmt.Sprintf("[Step %d/%d] epoch=%.2f loss=%.3f lr=%.2e grad_norm=%.3f",
		s, Steps, float64(s)/StepsPerEp, c.Logged(s), c.LR[i], c.GradNorm[i])
}

// bar formats a tqdm frame for step n of 750 (dynamic_ncols, 10-cell bar).
func bar(n int64, elapsed, secPerIt float64) string {
	frac := float64(n) / Steps
	cells := int(frac * 10 * 8)
	full, part := cells/8, cells%8
	syms := []rune(" ▏▎▍▌▋▊▉█")
	cellsText := strings.Repeat("█", full)
	if full < 10 {
		cellsText += string(syms[part]) + strings.Repeat(" ", 10-full-1)
	}
	if n == 0 {
		return fmt.Sprintf("%3.0f%%|%s| %d/%d [00:00<?, ?it/s]", frac*100, cellsText, n, Steps)
	}
	remaining := float64(Steps-n) * secPerIt
	return fmt.Sprintf("%3.0f%%|%s| %d/%d [%s<%s, %5.2fs/it]", frac*100, cellsText, n, Steps,
		interval(elapsed), interval(remaining), secPerIt)
}

// interval formats seconds as tqdm does (MM:SS or H:MM:SS).
func interval(sec float64) string {
	t := int(sec)
	h, m, s := t/3600, t/60%60, t%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// pyRepr formats v as Python's repr of a float.
func pyRepr(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		exp, _ := strconv.Atoi(s[i+1:])
		if exp >= -4 && exp < 16 {
			s = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// preamble returns lines 1-39: the script's own prints, a rendered
// sample, PEFT's parameter count, TRL's dataset preparation bars and the
// Trainer's INFO block.
func preamble() []string {
	prep := func(desc string, rate0, rate float64) string {
		return desc + ":   0%|          | 0/1000 [00:00<?, ? examples/s]\r" +
			fmt.Sprintf("%s:  51%%|█████     | 512/1000 [00:00<00:00, %.2f examples/s]\r", desc, rate0) +
			fmt.Sprintf("%s: 100%%|██████████| 1000/1000 [00:00<00:00, %.2f examples/s]", desc, rate)
	}
	return []string{
		"[LoRA_Demo] train_lora.py started at 2025-05-18 14:02:11",
		"[LoRA_Demo] base model: Qwen/Qwen2.5-1.5B-Instruct",
		"[LoRA_Demo] data: data/elderly_single.jsonl (1000 single-turn dialogues)",
		"[LoRA_Demo] output: output/lora_elderly_single",
		"[LoRA_Demo] device: Tesla V100-SXM2-32GB, CUDA 12.1, torch 2.5.1+cu121",
		"[LoRA_Demo] transformers 4.51.3, trl 0.16.1, peft 0.15.2",
		"[LoRA_Demo] LoRA: rank 16, alpha 32, dropout 0.05, all linear layers",
		"[LoRA_Demo] training: 3 epochs, lr 2e-4 with linear decay, batch 2 x accumulation 2, fp16, gradient checkpointing",
		"[LoRA_Demo] no validation split: all 1000 examples are used for training",
		"",
		"Sample 0 after the chat template:",
		"<|im_start|>system",
		"You are a patient and warm companion for older adults. Use short, simple sentences.<|im_end|>",
		"<|im_start|>user",
		"I wake up at three every night and cannot fall asleep again. What should I do?<|im_end|>",
		"<|im_start|>assistant",
		"That sounds tiring, and many people your age feel the same.",
		"Try to get up at the same time every morning, and take a short walk in the daylight.",
		"If you wake up at night, do not look at the clock; listen to some quiet music instead. Would you like to talk about what keeps you awake?<|im_end|>",
		"",
		"trainable params: 18,464,768 || all params: 1,562,179,072 || trainable%: 1.1820",
		prep("Converting train dataset to ChatML", 9012.44, 9866.04),
		prep("Applying chat template to train dataset", 4875.31, 5213.77),
		prep("Tokenizing train dataset", 655.12, 689.41),
		prep("Truncating train dataset", 58012.90, 61034.57),
		"No label_names provided for model class `PeftModelForCausalLM`. Since `PeftModel` hides base models input arguments, if label_names is not given, label_names can't be set automatically within `Trainer`. Note that empty label_names list will be used instead.",
		"Using auto half precision backend",
		"Currently training with a batch size of: 2",
		"***** Running training *****",
		"  Num examples = 1,000",
		"  Num Epochs = 3",
		"  Instantaneous batch size per device = 2",
		"  Total train batch size (w. parallel, distributed & accumulation) = 4",
		"  Gradient Accumulation steps = 2",
		"  Total optimization steps = 750",
		"  Number of trainable parameters = 18,464,768",
		"[LoRA_Demo] callback: TrainingProgressCallback prints one line per logged step",
		"[LoRA_Demo] checkpoints: every 100 steps, keeping checkpoint-500 and the last one",
		"[LoRA_Demo] starting trainer.train()",
	}
}

// epilogue is lines 1544-1548.
var epilogue = []string{
	"[LoRA_Demo] training finished in 41.4 min",
	"[LoRA_Demo] saving the adapter to output/lora_elderly_single/final_lora",
	"[LoRA_Demo] saved adapter_config.json and adapter_model.safetensors (73.9 MB)",
	"[LoRA_Demo] checkpoints on disk: output/lora_elderly_single/checkpoint-500, output/lora_elderly_single/checkpoint-700",
	"[LoRA_Demo] next: python verify_lora.py --adapter output/lora_elderly_single/final_lora",
}
