package genlog

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A Bursty is a generated W&B files/output.log of an interrupted run, and
// the truth about it.
type Bursty struct {
	// Log is the text of output.log.
	Log []byte
	// Steps holds the optimizer step of each training dict in Log, in
	// file order.
	Steps []int64
	// Lines holds the line of each training dict in Log.
	Lines []int
	// Crash is the step the run was interrupted at (the bar's last
	// position).
	Crash int64
	// SpikeStep is the step whose grad_norm is a spike.
	SpikeStep int64
}

// BurstyOptions shape a Bursty log.
type BurstyOptions struct {
	Crash     int64   // steps run before the interrupt
	MaxSteps  int64   // the bar's total
	Epochs    int64   // epochs the run was planned for
	Warmup    int64   // linear warmup steps of the lr
	PeakLR    float64 // lr at the end of the warmup
	Drop      float64 // share of the dict lines the capture lost
	Buffer    int     // bytes of stdout's buffer
	SpikeStep int64
	Seed      uint64
}

// DefaultBursty is the run of issue 10: 2,102 steps of 6,000 (3 epochs)
// logged every step, all in a linear lr warmup, 18 % of the dicts lost.
var DefaultBursty = BurstyOptions{Crash: 2102, MaxSteps: 6000, Epochs: 3, Warmup: 3000, PeakLR: 2e-4,
	Drop: 0.18, Buffer: 8192, SpikeStep: 1482, Seed: 10}

// NewBursty generates the log. The Trainer prints a dict per step with
// tqdm.write; stdout is block-buffered, so the dicts reach the file in
// bursts when the buffer fills, each after the bar's frame at that
// moment (W&B keeps one frame of a redrawn line), and W&B's capture loses
// some lines. At the interrupt the traceback is printed, then Python
// flushes what stdout still held.
func NewBursty(o BurstyOptions) Bursty {
	var out bytes.Buffer
	var res Bursty
	res.Crash, res.SpikeStep = o.Crash, o.SpikeStep
	rng := o.Seed*0x9e3779b97f4a7c15 + 1
	rand := func() float64 {
		rng += 0x9e3779b97f4a7c15
		z := rng
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return float64((z^(z>>31))>>11) / (1 << 53)
	}
	line := 1
	write := func(s string) {
		out.WriteString(s)
		line += strings.Count(s, "\n")
	}
	spe := float64(o.MaxSteps) / float64(o.Epochs)
	frame := func(n int64) string {
		pct := n * 100 / o.MaxSteps
		fill := int(n * 10 / o.MaxSteps)
		return fmt.Sprintf("%3d%%|%s%s| %d/%d [%s<%s,  1.62it/s]", pct, strings.Repeat("█", fill), strings.Repeat(" ", 10-fill),
			n, o.MaxSteps, clock(int(float64(n)/1.62)), clock(int(float64(o.MaxSteps-n)/1.62)))
	}
	write("wandb: Tracking run with wandb version 0.18.7\n")
	write(frame(0) + "\n")
	type pend struct {
		text string
		step int64
	}
	var buf []pend
	size := 0
	flush := func() {
		dropping := false
		for _, p := range buf {
			// The capture loses lines in runs.
			if dropping {
				dropping = rand() > 0.25
			} else {
				dropping = rand() < o.Drop/3
			}
			if dropping {
				continue
			}
			res.Steps = append(res.Steps, p.step)
			res.Lines = append(res.Lines, line)
			write(p.text + "\n")
		}
		buf, size = buf[:0], 0
	}
	loss := 2.4
	for s := int64(1); s <= o.Crash; s++ {
		loss = loss*0.9993 + 0.0006 + 0.02*(rand()-0.5)
		g := 0.8 + 0.4*rand()
		if s == o.SpikeStep {
			g = 187.25
		}
		lr := o.PeakLR * float64(s) / float64(o.Warmup)
		if s > o.Warmup {
			lr = o.PeakLR * float64(o.MaxSteps-s) / float64(o.MaxSteps-o.Warmup)
		}
		ep := math.Round(float64(s)/spe*100) / 100
		d := fmt.Sprintf("{'loss': %s, 'grad_norm': %s, 'learning_rate': %s, 'epoch': %s}",
			pyFloat(math.Round(loss*1e4)/1e4), pyFloat(float64(float32(g))), pyFloat(lr), pyFloat(ep))
		if size+len(d)+1 > o.Buffer {
			write(frame(s - 1))
			flush()
		}
		buf = append(buf, pend{d, s})
		size += len(d) + 1
	}
	write(frame(o.Crash) + "Traceback (most recent call last):\n")
	write("  File \"/workspace/train.py\", line 212, in <module>\n    trainer.train()\n")
	write("  File \"/opt/conda/lib/python3.11/site-packages/transformers/trainer.py\", line 2164, in train\n    return inner_training_loop(\n")
	write("KeyboardInterrupt\n")
	flush()
	res.Log = out.Bytes()
	return res
}

// pyFloat formats v as Python's repr of a float.
func pyFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		exp, _ := strconv.Atoi(s[i+1:])
		if exp >= -4 && exp < 16 {
			s = strconv.FormatFloat(v, 'f', -1, 64)
		} else if len(s)-i == 3 {
			s = s[:i+2] + "0" + s[i+2:] // e-5 -> e-05
		}
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
