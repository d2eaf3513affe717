package trainlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestConsoleTokenBound checks that one tokenize call holds at most
// hcMaxToks tokens on inputs of short lines (a token per line, about 50
// times the bytes the line takes), and that the calls together still
// consume every byte and make every token.
func TestConsoleTokenBound(t *testing.T) {
	lines := 3*hcMaxToks + 17
	for _, tc := range []struct {
		name string
		line string
		toks int // tokens per line
	}{
		{"newlines", "a\n", 1},
		{"carriage returns", "a\r", 1},
		{"CRLF", "a\r\n", 1},
		{"blank", "\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte(tc.line), lines)
			tk := newTokenizer("short.log", 1)
			used, calls, total := 0, 0, 0
			for {
				used += tk.tokenize(data[used:], false)
				calls++
				if len(tk.toks) > hcMaxToks {
					t.Fatalf("call %d: %d tokens, want at most %d", calls, len(tk.toks), hcMaxToks)
				}
				total += len(tk.toks)
				if !tk.more {
					break
				}
				if calls > lines {
					t.Fatal("no progress")
				}
			}
			if used != len(data) {
				t.Errorf("consumed %d of %d bytes", used, len(data))
			}
			if total != lines*tc.toks {
				t.Errorf("%d tokens, want %d", total, lines*tc.toks)
			}
			if want := (lines*tc.toks + hcMaxToks - 1) / hcMaxToks; tc.toks > 0 && calls != want {
				t.Errorf("%d calls, want %d", calls, want)
			}
		})
	}
}

// TestConsoleTokenBoundSameRecords checks that where the token bound
// splits the input changes no record: the example's log and generated
// ones, read sequentially and in parallel with a bound of a few tokens,
// give the records of a read without it.
func TestConsoleTokenBoundSameRecords(t *testing.T) {
	sft, err := os.ReadFile(filepath.Join(hcSFT, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	short := append(bytes.Repeat([]byte("a\n"), 5000), hcGenLog(2_000, 40, true)...)
	short = append(short, bytes.Repeat([]byte("\rb"), 5000)...)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"sft", sft},
		{"generated", hcGenLog(5_000, 40, true)},
		{"short lines", short},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, oldMin, oldMax := hcParallel, hcParallelMin, hcMaxToks
			defer func() { hcParallel, hcParallelMin, hcMaxToks = old, oldMin, oldMax }()
			hcParallel, hcMaxToks = 1, 1<<30
			want := hcRead(t, "x.log", tc.data)
			if len(hcEntries(want, KindTrain, "")) == 0 {
				t.Fatal("no entries")
			}
			for _, par := range []int{1, 3} {
				for _, max := range []int{1, 7} {
					hcParallel, hcParallelMin, hcMaxToks = par, 1, max
					got := hcRead(t, "x.log", tc.data)
					hcSameRecords(t, fmt.Sprintf("parallel %d, %d tokens a call", par, max), want, got)
				}
			}
		})
	}
}

// TestConsoleShortLinesMemory reads 16 MB of 2-byte lines in parallel
// blocks and bounds the bytes allocated. A token per line, kept for a
// whole 2 MiB block, allocated about 50 bytes per input byte (1.2 GB of
// peak memory for a 20 MB file); bounded by count, the token slices of
// the blocks in flight reach their size once and are reused, whatever
// the length of the input.
func TestConsoleShortLinesMemory(t *testing.T) {
	old, oldMin := hcParallel, hcParallelMin
	defer func() { hcParallel, hcParallelMin = old, oldMin }()
	hcParallel, hcParallelMin = 2, 1
	data := bytes.Repeat([]byte("a\n"), 8<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := newConsoleReader("short.log", bytes.NewReader(data))
	for r.Scan() {
	}
	runtime.ReadMemStats(&after)
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	const most = 256 << 20
	if n := after.TotalAlloc - before.TotalAlloc; n > most {
		t.Errorf("reading %d bytes of 2-byte lines allocated %d bytes, want at most %d", len(data), n, most)
	}
}
