package perf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// genConsoleLog writes a transformers v5 console log of steps optimizer
// steps: per step two tqdm frames, tqdm's clear and a quoted-float dict,
// then the end-of-training summary. It is the shape of
// examples/hf_v5_sft_lora_3ep/console.log and matches hcGenLog(steps, 0,
// false) in trainlog's tests (about 280 bytes per step).
func genConsoleLog(steps int) []byte {
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
		b.WriteString("\n\r                                                 \r")
		fmt.Fprintf(&b, "{'loss': '%.4g', 'grad_norm': '%.4g', 'learning_rate': '%.4g', 'epoch': '%.4g'}\n",
			loss, 3+float64(s%13)/10, 1e-3*(1-float64(s)/float64(steps)), float64(s)/float64(steps))
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

// BenchmarkReportMillion runs what `plateau report big.log --format json`
// does on a generated 280 MB, million-step console log: trainlog.Load,
// analysis.Analyze and report.WriteJSON. It reports MB/s of log read.
// The end-to-end figure of the CLI (a fresh process, page faults
// included) is measured with /usr/bin/time; see the package doc.
func BenchmarkReportMillion(b *testing.B) {
	const steps = 1_000_000
	path := filepath.Join(b.TempDir(), "console.log")
	data := genConsoleLog(steps)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	data = nil
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run, err := trainlog.Load([]string{path}, trainlog.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if n := run.Get("loss").Len(); n != steps {
			b.Fatalf("loss has %d points, want %d", n, steps)
		}
		rep := analysis.Analyze(run, analysis.DefaultOptions)
		if err := report.WriteJSON(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
		// Start the next iteration from a collected heap, as a fresh
		// `plateau report` process would.
		b.StopTimer()
		run, rep = nil, nil
		runtime.GC()
		b.StartTimer()
	}
}
