package perf

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/report"
	"github.com/plateau-dev/plateau/trainlog"
)

// BenchmarkReportMillion runs what `plateau report big.log --format json`
// does on a generated 280 MB, million-step console log: trainlog.Load,
// analysis.Analyze and report.WriteJSON. It reports MB/s of log read.
// The end-to-end figure of the CLI (a fresh process, page faults
// included) is measured by scripts/benchcli.go.
func BenchmarkReportMillion(b *testing.B) {
	benchReport(b, "console.log", genlog.Console(1_000_000, 0, false), 1_000_000)
}

// BenchmarkReportTrainerState does the same on a generated 176 MB
// trainer_state.json of a million training entries.
func BenchmarkReportTrainerState(b *testing.B) {
	benchReport(b, "trainer_state.json", genlog.TrainerState(1_000_000), 1_000_000)
}

// BenchmarkReportTFEvents does the same on a generated 540 MB TensorBoard
// event file of ten million scalars (2.5 million steps).
func BenchmarkReportTFEvents(b *testing.B) {
	benchReport(b, "events.out.tfevents.1700000000.bench.1.0", genlog.TFEvents(10_000_000), 2_500_000)
}

// benchReport writes data to a file named name and times Load, Analyze
// and WriteJSON on it; the loss series must have steps points.
func benchReport(b *testing.B, name string, data []byte, steps int) {
	path := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	data = nil
	runtime.GC()
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

// BenchmarkReportExample times the whole pipeline on the 750-step example
// run (examples/hf_v5_sft_lora_3ep), as `plateau report` does, for each
// kind of input (the run folder, its console log, its trainer_state.json,
// its TensorBoard folder) and each output format of the folder's report.
func BenchmarkReportExample(b *testing.B) {
	dir := filepath.Join("..", "..", "examples", "hf_v5_sft_lora_3ep")
	cases := []struct{ name, path, format string }{
		{"folder-json", dir, "json"},
		{"folder-text", dir, "text"},
		{"folder-md", dir, "md"},
		{"folder-html", dir, "html"},
		{"console-json", filepath.Join(dir, "console.log"), "json"},
		{"state-json", filepath.Join(dir, "trainer_state.json"), "json"},
		{"tb-json", filepath.Join(dir, "runs"), "json"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				run, err := trainlog.Load([]string{c.path}, trainlog.LoadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if n := run.Get("loss").Len(); n == 0 {
					b.Fatal("no loss read")
				}
				rep := analysis.Analyze(run, analysis.DefaultOptions)
				switch c.format {
				case "text":
					err = report.WriteText(io.Discard, rep, report.Options{Width: 100})
				case "md":
					err = report.WriteMarkdown(io.Discard, rep, report.Options{Width: 100})
				case "html":
					err = report.WriteHTML(io.Discard, rep, report.HTMLOptions{Smoothing: 0.6})
				default:
					err = report.WriteJSON(io.Discard, rep)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
