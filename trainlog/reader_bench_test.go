package trainlog

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/plateau-dev/plateau/internal/genlog"
	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

// The benchmarks of the structured readers, on the generated files of
// internal/genlog (the console reader's are in hfconsole_bench_test.go):
//
//	go test ./trainlog -run X -bench 'TrainerState|TFEvents' -benchtime 3x

// TestGenlogTFEvents checks the event files the benchmarks read: genlog's
// encoder writes the same bytes as the reader package's writer, and the
// reader gets every scalar back.
func TestGenlogTFEvents(t *testing.T) {
	const scalars = 40
	want := tfrecord.AppendRecord(nil, tfrecord.FileVersionEvent(1.7e9, "brain.Event:2"))
	tags := [4]string{"train/loss", "train/grad_norm", "train/learning_rate", "train/epoch"}
	for i := range scalars {
		step := int64(i/4 + 1)
		want = tfrecord.AppendRecord(want, tfrecord.SummaryEvent(1.7e9+float64(step)/10, step,
			tfrecord.SimpleValue(tags[i%4], float32(step%1000)/100)))
	}
	data := genlog.TFEvents(scalars)
	if !bytes.Equal(data, want) {
		t.Fatalf("genlog.TFEvents(%d) differs from the tfrecord writer's file", scalars)
	}
	run := collectAll(t, newTFEventsReader("f", bytes.NewReader(data)))
	loss := run.Get("loss")
	if loss.Len() != scalars/4 {
		t.Fatalf("loss has %d points, want %d", loss.Len(), scalars/4)
	}
	for i, p := range loss.Points() {
		if p.Step != int64(i+1) || p.Value != float64(float32(p.Step)/100) || p.Epoch != p.Value || p.Source.String() != "f#record["+itoa(1+4*i)+"]" {
			t.Fatalf("loss point %d: %+v", i, p)
		}
	}
}

// collectAll drains r into a run.
func collectAll(t testing.TB, r Reader) *Run {
	t.Helper()
	c := NewCollector(NewRun("t"))
	for r.Scan() {
		c.Add(r.Record())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return c.Run()
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkTrainerState reads a generated trainer_state.json of a million
// training entries and 10,000 evaluations (176 MB) from memory.
func BenchmarkTrainerState(b *testing.B) {
	data := genlog.TrainerState(1_000_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := newTrainerStateReader("bench.json", bytes.NewReader(data))
		n := 0
		for r.Scan() {
			if _, ok := r.Record().(*Entry); ok {
				n++
			}
		}
		if n != 1_010_000 {
			b.Fatalf("%d entries", n)
		}
	}
}

// BenchmarkTrainerStateCollect reads and collects the same file into a
// run, as Load does.
func BenchmarkTrainerStateCollect(b *testing.B) {
	data := genlog.TrainerState(1_000_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		run := collectAll(b, newTrainerStateReader("bench.json", bytes.NewReader(data)))
		if n := run.Get("loss").Len(); n != 1_000_000 {
			b.Fatalf("loss has %d points", n)
		}
	}
}

// benchTFEvents is a generated event file of benchScalars scalars (540
// MB), made once per test binary.
var (
	benchTFEventsOnce sync.Once
	benchTFEvents     []byte
)

const benchScalars = 10_000_000

func tfeventsBenchFile() []byte {
	benchTFEventsOnce.Do(func() { benchTFEvents = genlog.TFEvents(benchScalars) })
	return benchTFEvents
}

// BenchmarkTFEvents10M reads a 10-million-scalar event file from memory
// through the reader.
func BenchmarkTFEvents10M(b *testing.B) {
	data := tfeventsBenchFile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := newTFEventsReader("bench", bytes.NewReader(data))
		n := 0
		for r.Scan() {
			if e, ok := r.Record().(*Entry); ok {
				n += len(e.Values)
			}
		}
		if r.Err() != nil || n != benchScalars*3/4 {
			b.Fatalf("read %d values (err %v), want %d", n, r.Err(), benchScalars*3/4)
		}
	}
	b.ReportMetric(float64(benchScalars)*float64(b.N)/b.Elapsed().Seconds(), "scalars/s")
}

// BenchmarkTFEventsCollect reads and collects the first million scalars
// of the same file.
func BenchmarkTFEventsCollect(b *testing.B) {
	data := firstRecords(tfeventsBenchFile(), 1_000_001)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		run := collectAll(b, newTFEventsReader("bench", bytes.NewReader(data)))
		if n := run.Get("loss").Len(); n != 250_000 || math.IsNaN(run.Get("loss").Point(0).Epoch) {
			b.Fatalf("loss has %d points", n)
		}
	}
}

// BenchmarkConsoleTextLines reads a 200,000-step console log with a
// logging line per step besides the dict, as scripts that log their own
// progress write: text lines are matched (library hints, banners,
// tracebacks) on the reader's serial path.
func BenchmarkConsoleTextLines(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[transformers] ***** Running training *****\n")
	for s := 1; s <= 200_000; s++ {
		fmt.Fprintf(&buf, "2024-05-01 12:00:%02d - INFO - __main__ - step %d: tokens seen 4096, throughput 1234.5 tok/s on rank 0\n", s%60, s)
		fmt.Fprintf(&buf, "{'loss': %.6f, 'grad_norm': 1.5, 'learning_rate': 1e-05, 'epoch': %.6f}\n", 2-float64(s)/1e6, float64(s)/200_000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if n := hcDrainCount(newConsoleReader("bench.log", bytes.NewReader(data))); n != 200_000 {
			b.Fatalf("read %d entries", n)
		}
	}
}
