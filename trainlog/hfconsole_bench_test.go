package trainlog

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// hcGenLog writes a transformers v5 console log of steps optimizer
// steps shaped like examples/hf_v5_sft_lora_3ep/console.log: per step two
// tqdm frames, a user callback line, tqdm's clear and a quoted-float dict,
// with an eval dict every evalEvery steps (0 for none).
func hcGenLog(steps, evalEvery int, callbacks bool) []byte {
	var b bytes.Buffer
	b.WriteString("[gen] transformers 5.17.0 torch 2.11.0+cu130 run bench\n")
	b.WriteString("[transformers] ***** Running training *****\n")
	fmt.Fprintf(&b, "[transformers]   Num examples = %s\n", hcThousands(steps*2))
	b.WriteString("[transformers]   Num Epochs = 1\n")
	fmt.Fprintf(&b, "[transformers]   Num update steps per epoch = %s\n", hcThousands(steps))
	b.WriteString("[transformers]   Instantaneous batch size per device = 2\n")
	b.WriteString("[transformers]   Total train batch size (w. parallel, distributed & accumulation) = 2\n")
	b.WriteString("[transformers]   Gradient Accumulation steps = 1\n")
	fmt.Fprintf(&b, "[transformers]   Total optimization steps = %s\n", hcThousands(steps))
	total := strconv.Itoa(steps)
	bar := func(n int) {
		pct := n * 100 / steps
		fill := n * 10 / steps
		fmt.Fprintf(&b, "\r%3d%%|%s%s| %d/%s [%s<%s, %5.2fit/s]", pct,
			strings.Repeat("█", fill), strings.Repeat(" ", 10-fill), n, total,
			hcClock(n/11), hcClock((steps-n)/11), 11+float64(n%97)/100)
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

func hcThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func hcClock(sec int) string {
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%02d:%02d", sec/60, sec%60)
}

// BenchmarkConsoleReader reads a generated 200,000-step console log (about
// 70 MB with callback lines, 56 MB with evaluations) and reports MB/s.
// Logs above hcParallelMin are tokenized on GOMAXPROCS goroutines; run
// with -cpu 1 for the single-core figure.
func BenchmarkConsoleReader(b *testing.B) {
	for _, bc := range []struct {
		name      string
		callbacks bool
		eval      int
	}{
		{"v5-callbacks", true, 0},
		{"v5-eval", false, 50},
	} {
		data := hcGenLog(200_000, bc.eval, bc.callbacks)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				n := hcDrainCount(newConsoleReader("bench.log", bytes.NewReader(data)))
				if n < 200_000 {
					b.Fatalf("read %d entries", n)
				}
			}
		})
	}
}

func hcDrainCount(r Reader) int {
	n := 0
	for r.Scan() {
		if _, ok := r.Record().(*Entry); ok {
			n++
		}
	}
	return n
}

// BenchmarkConsoleReaderStream reads the log through a reader that
// returns small chunks, as a pipe does.
func BenchmarkConsoleReaderStream(b *testing.B) {
	data := hcGenLog(50_000, 100, true)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		hcDrainCount(newConsoleReader("bench.log", &hcChunkReader{data: data, n: 4096}))
	}
}

// A hcChunkReader returns at most n bytes per Read.
type hcChunkReader struct {
	data []byte
	n    int
}

func (c *hcChunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.data))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}
