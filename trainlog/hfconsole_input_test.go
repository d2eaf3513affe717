package trainlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestConsoleDetect(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b[:min(len(b), SniffSize)]
	}
	bin := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(bin)
	for _, tc := range []struct {
		name   string
		head   []byte
		lo, hi int
	}{
		{"sft console", read(filepath.Join(hcSFT, "console.log")), 60, 90},
		{"overfit console", read(filepath.Join(hcOverfit, "console.log")), 60, 90},
		{"v4 buffered", read("testdata/console/v4_buffered.log"), 60, 90},
		{"unsloth", read("testdata/console/unsloth.log"), 60, 90},
		{"running_log", read("testdata/console/llamafactory_running.log"), 60, 90},
		{"timestamped deepspeed", read("testdata/console/deepspeed_overflow.log"), 60, 90},
		{"only bars", []byte("\r  0%|          | 0/10 [00:00<?, ?it/s]\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]"), 60, 90},
		{"custom logger", []byte("2025-09-28 20:44:33,525 - INFO - [__main__] - Starting model_loading...\nFinal training loss: 1.1465\n"), 5, 5},
		{"trainer_state.json", read(filepath.Join(hcSFT, "trainer_state.json")), 0, 0},
		{"json lines", []byte(`{"current_steps": 10, "loss": 2.2, "epoch": 0.3}` + "\n"), 0, 0},
		{"json array", []byte("[\n  {\"loss\": 1}\n]"), 0, 0},
		{"json numbers", []byte("[1, 2, 3]"), 0, 0},
		{"csv", []byte("epoch,step,train_loss\n0,49,2.5\n"), 0, 0},
		{"binary", bin, 0, 0},
		{"empty", nil, 0, 0},
	} {
		if got := detectConsole(tc.name, tc.head); got < tc.lo || got > tc.hi {
			t.Errorf("%s: Detect = %d, want %d..%d", tc.name, got, tc.lo, tc.hi)
		}
	}
}

// TestConsoleBadInput feeds damaged input: nothing may panic; a log dict
// that cannot be parsed is a syntax error, and so is the first line of
// invalid UTF-8 (once per file).
func TestConsoleBadInput(t *testing.T) {
	bin := make([]byte, 1<<16)
	rand.New(rand.NewSource(2)).Read(bin)
	for _, tc := range []struct {
		name    string
		data    string
		entries int
		syntax  []int // lines of the syntax errors
	}{
		{"empty", "", 0, nil},
		{"binary", string(bin), -1, []int{1}},
		{"invalid UTF-8", "\xff\xfe\x80{'loss': 1.5, 'epoch': 0.1}\xc3\x28 \xed\xa0\x80\n\xff again\n", 1, []int{1}},
		// The end of a file that is not live is the end: a dict cut off
		// there is left out, and said (issue 13).
		{"cut at end of input", "{'loss': 1.0, 'epoch': 0.5}\n{'loss': 0.9, 'grad_norm': 0.", 1, []int{2}},
		{"cut mid-file", "{'loss': 0.9, 'grad_n\n{'loss': 0.8, 'epoch': 1.0}\n", 1, []int{1}},
		{"cut by a bar redraw", "{'loss': 0.9, 'ep\r 10%|█  | 1/10 [00:01<00:09,  1.00it/s]\n{'loss': 0.8, 'epoch': 1.0}\n", 1, []int{1}},
		{"malformed", "x\n{'loss' 0.9, 'epoch': 0.5}\n", 0, []int{2}},
		{"not a log dict", "Updated tokens: {'bos_token_id': None, 'pad_token_id': 151643}.\n{'task': {'name': 'x'}}\n{bad json\n", 0, nil},
		{"config dump", "Model config LlamaConfig {\n  \"architectures\": [\n    \"LlamaForCausalLM\"\n  ],\n  \"rope_scaling\": {\"type\": \"linear\"},\n  \"hidden_size\": 4096\n}\n", 0, nil},
		{"only braces", strings.Repeat("{", 1000) + strings.Repeat("}'", 1000), 0, nil},
		{"nested quotes", "{'loss': 1.0, 'note': 'it\\'s {odd}', \"q\": \"a'b\", 'epoch': 0.1}\n", 1, nil},
		{"CRLF", "{'loss': 1.0, 'epoch': 0.1}\r\n{'loss': 0.5, 'epoch': 0.2}\r\n", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, par := range []int{1, 3} {
				old, oldMin := hcParallel, hcParallelMin
				hcParallel, hcParallelMin = par, 1
				recs := hcRead(t, "bad.log", []byte(tc.data))
				hcParallel, hcParallelMin = old, oldMin
				n := 0
				var lines []int
				for _, r := range recs {
					switch r := r.(type) {
					case *Entry:
						n++
					case *SyntaxError:
						lines = append(lines, r.Line)
						if !strings.HasPrefix(r.Error(), fmt.Sprintf("bad.log:%d: ", r.Line)) {
							t.Errorf("syntax error %q lacks its position", r.Error())
						}
					}
				}
				if tc.entries >= 0 && n != tc.entries {
					t.Errorf("parallel %d: %d entries, want %d", par, n, tc.entries)
				}
				if fmt.Sprint(lines) != fmt.Sprint(tc.syntax) && !(len(lines) == 0 && tc.syntax == nil) {
					t.Errorf("parallel %d: syntax errors at lines %v, want %v", par, lines, tc.syntax)
				}
			}
		})
	}
}

// A hcPatternReader produces n bytes by repeating a pattern, with inserts
// at given offsets, without holding them in memory.
type hcPatternReader struct {
	pattern []byte
	n, off  int64
	at      map[int64][]byte
	pending []byte
}

func (p *hcPatternReader) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		k := copy(b, p.pending)
		p.pending = p.pending[k:]
		return k, nil
	}
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && p.off < p.n {
		if ins, ok := p.at[p.off]; ok && len(ins) > 0 {
			delete(p.at, p.off)
			c := copy(b[k:], ins)
			p.pending = ins[c:]
			return k + c, nil
		}
		b[k] = p.pattern[p.off%int64(len(p.pattern))]
		k++
		p.off++
	}
	return k, nil
}

// TestConsoleLongLine reads 50 MB without a line break: tqdm frames
// joined by '\r' with dicts among them, and bytes with no break at all.
// Memory must not grow with the line.
func TestConsoleLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB inputs")
	}
	const size = 50 << 20
	dict := func(loss string) []byte {
		return []byte("\r                    \r{'loss': " + loss + ", 'epoch': 0.25}")
	}
	frames := &hcPatternReader{pattern: []byte("\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]"), n: size, at: map[int64][]byte{
		1 << 20: dict("0.5"), 30 << 20: dict("0.25"), size - 10: dict("0.125")}}
	noBreak := &hcPatternReader{pattern: []byte("xyz "), n: size, at: map[int64][]byte{
		5 << 20:  []byte("{'loss': 0.25, 'epoch': 0.5}"),
		20 << 20: append(append([]byte("{'loss': '"), bytes.Repeat([]byte("9"), 3<<20)...), "'}"...),
		40 << 20: []byte("{'loss': 0.125, 'epoch': 0.75}"),
	}}
	for _, tc := range []struct {
		name    string
		r       io.Reader
		entries int
		syntax  int
	}{
		{"frames", frames, 3, 0},
		{"no break", noBreak, 2, 2}, // the long line, and the 3 MB dict in it
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := newConsoleReader("long.log", tc.r)
			n, syn := 0, 0
			for r.Scan() {
				switch rec := r.Record().(type) {
				case *Entry:
					n++
					if rec.Source.Line != 1 {
						t.Errorf("entry at %s, want line 1", rec.Source)
					}
				case *SyntaxError:
					syn++
					if !strings.Contains(rec.Msg, "1 MiB") {
						t.Errorf("syntax error %q", rec.Msg)
					}
				}
			}
			runtime.ReadMemStats(&after)
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			if n != tc.entries || syn != tc.syntax {
				t.Errorf("%d entries and %d syntax errors, want %d and %d", n, syn, tc.entries, tc.syntax)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
				t.Errorf("allocated %d MB to read a 50 MB line", alloc>>20)
			}
		})
	}
}

// hcDescribe prints a record with its content, for comparisons.
func hcDescribe(rec Record) string {
	switch r := rec.(type) {
	case *Entry:
		return fmt.Sprintf("%+v", *r)
	case *Meta:
		switch {
		case r.Geometry != nil:
			return fmt.Sprintf("geo %+v", *r.Geometry)
		case r.Summary != nil:
			return fmt.Sprintf("sum %+v", *r.Summary)
		case r.Info != nil:
			return fmt.Sprintf("info %+v", *r.Info)
		case r.Event != nil:
			return fmt.Sprintf("event %+v", *r.Event)
		}
	case *SyntaxError:
		return r.Error()
	}
	return fmt.Sprintf("%T", rec)
}

func hcSameRecords(t *testing.T, what string, a, b []Record) {
	t.Helper()
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := hcDescribe(a[i]), hcDescribe(b[i]); x != y {
			t.Fatalf("%s: record %d differs:\n %s\n %s", what, i, x, y)
		}
	}
	if len(a) != len(b) {
		t.Fatalf("%s: %d records vs %d", what, len(a), len(b))
	}
}

// TestConsoleParallel checks that reading in parallel blocks, in one go
// and in small reads all give the same records.
func TestConsoleParallel(t *testing.T) {
	sft, err := os.ReadFile(filepath.Join(hcSFT, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"sft", sft},
		{"generated", hcGenLog(25_000, 40, true)},
		{"generated buffered", bytes.ReplaceAll(hcGenLog(25_000, 0, false), []byte("\n\r      "), []byte("\n      "))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, oldMin := hcParallel, hcParallelMin
			defer func() { hcParallel, hcParallelMin = old, oldMin }()
			hcParallel = 1
			seq := hcRead(t, "x.log", tc.data)
			hcParallel = 4
			for _, m := range []int64{1, 100_000, 4 << 20} {
				hcParallelMin = m
				par := hcRead(t, "x.log", tc.data)
				hcSameRecords(t, fmt.Sprintf("parallel after %d bytes", m), seq, par)
			}
			small := hcReadFrom(t, newConsoleReader("x.log", iotest.HalfReader(&hcChunkReader{data: tc.data, n: 1000})))
			hcSameRecords(t, "small reads", seq, small)
			if len(hcEntries(seq, KindTrain, "")) == 0 {
				t.Error("no entries")
			}
		})
	}
}

// A hcGrowingReader returns io.EOF at the end of what was written so far,
// like a log file that a run still appends to.
type hcGrowingReader struct{ buf bytes.Buffer }

func (g *hcGrowingReader) Read(p []byte) (int, error) {
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestConsoleGrowing reads a log while it is written: Scan resumes after
// io.EOF, a dict cut by the end of what was written is read whole later,
// and no record is returned twice.
func TestConsoleGrowing(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(hcOverfit, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	full := hcRead(t, "console.log", data)
	g := &hcGrowingReader{}
	r := newConsoleReader("console.log", g)
	var got []Record
	cut := bytes.Index(data, []byte("'grad_norm': '3.414'")) // inside a dict
	for _, part := range [][]byte{data[:cut], data[cut:]} {
		g.buf.Write(part)
		for r.Scan() {
			got = append(got, r.Record())
		}
	}
	if !errors.Is(r.Err(), nil) {
		t.Fatal(r.Err())
	}
	a, b := hcEntries(full, KindTrain, ""), hcEntries(got, KindTrain, "")
	if len(a) != len(b) {
		t.Fatalf("%d training entries while growing, %d at once", len(b), len(a))
	}
	for i := range a {
		if hcDescribe(a[i]) != hcDescribe(b[i]) {
			t.Fatalf("entry %d: %s vs %s", i, hcDescribe(b[i]), hcDescribe(a[i]))
		}
	}
}

// TestConsoleLive reads a log while it is written through a pipe, in
// parallel mode: each record must arrive while the next read blocks.
func TestConsoleLive(t *testing.T) {
	old, oldMin := hcParallel, hcParallelMin
	hcParallel, hcParallelMin = 2, 1
	defer func() { hcParallel, hcParallelMin = old, oldMin }()
	pr, pw := io.Pipe()
	r := newConsoleReader("live.log", pr)
	got := make(chan *Entry, 16)
	go func() {
		for r.Scan() {
			if e, ok := r.Record().(*Entry); ok {
				got <- e
			}
		}
		close(got)
	}()
	// Each dict is written by tqdm.write between frames of the bar, and
	// the bar is redrawn at the start of the next line: a dict's step is
	// known once that line arrives. (A dict without such evidence waits
	// for a bound after it, or the end of the input.)
	frame := func(n int) string {
		return fmt.Sprintf("\r%3d%%|#         | %d/40 [00:01<00:10,  2.00it/s]", n*100/40, n)
	}
	for i := 1; i <= 5; i++ {
		line := frame(i-1) + frame(i) + "\r" + strings.Repeat(" ", 40) + "\r" +
			fmt.Sprintf("{'loss': '%d.5', 'grad_norm': '1', 'epoch': '0.%d'} %s\n", i, i, strings.Repeat("x", i*1000))
		if _, err := pw.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			continue
		}
		select {
		case e := <-got:
			if v, _ := e.Get("loss"); v != float64(i-1)+0.5 || e.Source.Line != i-1 || e.Step != int64(i-1) || e.StepBy != StepRedraw {
				t.Fatalf("entry %d: %s by %v", i-1, hcDescribe(e), e.StepBy)
			}
		case <-time.After(5 * time.Minute): // a hang guard, not a speed limit
			t.Fatalf("entry %d did not arrive while the writer waits (a hang)", i-1)
		}
	}
	pw.Close()
	for range got {
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
}
