package trainlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

// firstRecords returns the first n framed records of an event file.
func firstRecords(data []byte, n int) []byte {
	sc := tfrecord.NewScanner(bytes.NewReader(data))
	end := 0
	for i := 0; i < n && sc.Scan(); i++ {
		end = int(sc.Offset()) + tfrecord.HeaderSize + len(sc.Record()) + tfrecord.FooterSize
	}
	return data[:end]
}

var fragRE = regexp.MustCompile(`^record\[\d+\]$`)

func FuzzTFEvents(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "examples", "*", "runs", "events.out.tfevents.*"))
	more, _ := filepath.Glob(filepath.Join("testdata", "tfevents", "*", "events.out.tfevents.*"))
	for _, p := range append(paths, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(firstRecords(data, 4))  // file_version, args, model_config, a loss
		f.Add(firstRecords(data, 30)) // the first train and eval groups
	}
	f.Add(writeEvents(
		tfrecord.FileVersionEvent(1, "brain.Event:2"),
		tfrecord.SummaryEvent(2, 1, tfrecord.TensorValue("train/loss", "scalars", tfrecord.DoubleTensor(1))),
		tfrecord.SummaryEvent(2, 1, tfrecord.TensorValue("w", "histograms", tfrecord.ShapedFloatTensor([]int64{2}, 1, 2))),
		tfrecord.SessionLogEvent(3, 1, tfrecord.SessionStart),
		tfrecord.SummaryEvent(4, 1, tfrecord.SimpleValue("eval/loss", 1), tfrecord.SimpleValue("train/epoch", 1)),
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		detectTFEvents("events.out.tfevents.1.h.1.0", data)
		r := newTFEventsReader("f", bytes.NewReader(data))
		n := 0
		for r.Scan() {
			n++
			if n > len(data) {
				t.Fatalf("%d records from %d bytes", n, len(data))
			}
			switch rec := r.Record().(type) {
			case *Entry:
				if rec.Source.File != "f" || !fragRE.MatchString(rec.Source.Frag) || len(rec.Values) == 0 {
					t.Fatalf("entry %+v: bad source or no values", rec)
				}
			case *SyntaxError:
				if rec.File != "f" || !fragRE.MatchString(rec.Frag) || rec.Msg == "" {
					t.Fatalf("syntax error %+v without position or message", rec)
				}
			case *Meta:
				if rec.Event == nil || rec.Event.Kind != EventRestart {
					t.Fatalf("unexpected meta %+v", rec)
				}
			default:
				t.Fatalf("unexpected record %T", rec)
			}
		}
		if r.Err() != nil || r.Scan() {
			t.Fatalf("err %v, or Scan true after the end", r.Err())
		}
	})
}

// benchFile is a generated event file of benchScalars scalars in the
// layout of the HF TensorBoardCallback: one scalar per event; per step
// train/loss, train/grad_norm, train/learning_rate and train/epoch.
var (
	benchOnce sync.Once
	benchFile []byte
)

const benchScalars = 10_000_000

func genBenchFile() []byte {
	b := make([]byte, 0, benchScalars*60)
	b = tfrecord.AppendRecord(b, tfrecord.FileVersionEvent(1.7e9, "brain.Event:2"))
	var ev, val []byte
	tags := [4]string{"train/loss", "train/grad_norm", "train/learning_rate", "train/epoch"}
	for i := 0; i < benchScalars; i++ {
		step := int64(i/4 + 1)
		v := float32(step%1000) / 100
		val = tfrecord.AppendSimpleValue(val[:0], tags[i%4], v)
		ev = tfrecord.AppendSummaryEvent(ev[:0], 1.7e9+float64(step)/10, step, val)
		b = tfrecord.AppendRecord(b, ev)
	}
	return b
}

// BenchmarkTFEvents10M reads a 10-million-scalar event file from memory
// through the reader.
func BenchmarkTFEvents10M(b *testing.B) {
	benchOnce.Do(func() { benchFile = genBenchFile() })
	b.SetBytes(int64(len(benchFile)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := newTFEventsReader("bench", bytes.NewReader(benchFile))
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

var errSink error

// BenchmarkTFEventsCollect reads and collects a 1-million-scalar file.
func BenchmarkTFEventsCollect(b *testing.B) {
	benchOnce.Do(func() { benchFile = genBenchFile() })
	data := benchFile[:len(firstRecords(benchFile, 1_000_001))]
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := newTFEventsReader("bench", bytes.NewReader(data))
		c := NewCollector(NewRun("bench"))
		for r.Scan() {
			c.Add(r.Record())
		}
		if run := c.Run(); run.Get("loss").Len() != 250_000 {
			errSink = errors.New("wrong count")
			b.Fatalf("loss has %d points", run.Get("loss").Len())
		}
	}
}
