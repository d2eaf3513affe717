// Package genlog generates realistic training logs in memory for tests
// and benchmarks (a million-step log is never committed).
package genlog

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Console returns a generated transformers v5 console log of steps optimizer
// steps shaped like examples/hf_v5_sft_lora_3ep/console.log: per step two
// tqdm frames, a user callback line, tqdm's clear and a quoted-float dict,
// with an eval dict every evalEvery steps (0 for none).
func Console(steps, evalEvery int, callbacks bool) []byte {
	var b bytes.Buffer
	b.Grow(steps * 290)
	b.WriteString("[gen] transformers 5.17.0 torch 2.11.0+cu130 run bench\n")
	b.WriteString("[transformers] ***** Running training *****\n")
	fmt.Fprintf(&b, "[transformers]   Num examples = %s\n", thousands(steps*2))
	b.WriteString("[transformers]   Num Epochs = 1\n")
	fmt.Fprintf(&b, "[transformers]   Num update steps per epoch = %s\n", thousands(steps))
	b.WriteString("[transformers]   Instantaneous batch size per device = 2\n")
	b.WriteString("[transformers]   Total train batch size (w. parallel, distributed & accumulation) = 2\n")
	b.WriteString("[transformers]   Gradient Accumulation steps = 1\n")
	fmt.Fprintf(&b, "[transformers]   Total optimization steps = %s\n", thousands(steps))
	total := strconv.Itoa(steps)
	bar := func(n int) {
		pct := n * 100 / steps
		fill := n * 10 / steps
		fmt.Fprintf(&b, "\r%3d%%|%s%s| %d/%s [%s<%s, %5.2fit/s]", pct,
			strings.Repeat("█", fill), strings.Repeat(" ", 10-fill), n, total,
			clock(n/11), clock((steps-n)/11), 11+float64(n%97)/100)
	}
	loss := 6.0
	for s := 1; s <= steps; s++ {
		loss = loss*0.9995 + 0.001*float64(s%7)
		bar(s - 1)
		bar(s)
		if callbacks {
			fmt.Fprintf(&b, "[Step %d/%s] epoch=%.2f loss=%.4f lr=%.2e grad_norm=%.3f", s, total, float64(s)/float64(steps), loss, 1e-3*(1-float64(s)/float64(steps)), 3+float64(s%13)/10)
		}
		b.WriteString("\n\r                                                 \r")
		fmt.Fprintf(&b, "{'loss': '%.4g', 'grad_norm': '%.4g', 'learning_rate': '%.4g', 'epoch': '%.4g'}\n",
			loss, 3+float64(s%13)/10, 1e-3*(1-float64(s)/float64(steps)), float64(s)/float64(steps))
		if evalEvery > 0 && s%evalEvery == 0 {
			bar(s)
			b.WriteString("\n\r  0%|          | 0/3 [00:00<?, ?it/s]\x1b[A\r                                      \r\n")
			fmt.Fprintf(&b, "\r                                     \r\x1b[A{'eval_loss': '%.4g', 'eval_runtime': '0.0396', 'eval_samples_per_second': '2427', 'eval_steps_per_second': '75.85', 'epoch': '%.4g'}\n", loss+0.1, float64(s)/float64(steps))
		}
	}
	b.WriteString("\r                                                 \r{'train_runtime': '65.02', 'train_samples_per_second': '46.14', 'train_steps_per_second': '11.53', 'train_loss': '4.292', 'epoch': '1'}\n")
	bar(steps)
	b.WriteString("\n")
	return b.Bytes()
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func clock(sec int) string {
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%02d:%02d", sec/60, sec%60)
}
