package trainlog

import (
	"bytes"
	"io"
	"testing"

	"github.com/plateau-dev/plateau/internal/genlog"
)

// hcGenLog is genlog.Console, under the name the console tests use.
func hcGenLog(steps, evalEvery int, callbacks bool) []byte {
	return genlog.Console(steps, evalEvery, callbacks)
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
