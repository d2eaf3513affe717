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
// included) is measured with /usr/bin/time; see the package doc.
func BenchmarkReportMillion(b *testing.B) {
	const steps = 1_000_000
	path := filepath.Join(b.TempDir(), "console.log")
	data := genlog.Console(steps, 0, false)
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
