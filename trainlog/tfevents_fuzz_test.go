package trainlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/genlog"
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
				if rec.Source.File != "f" || !fragRE.MatchString(rec.Source.Fragment()) || len(rec.Values) == 0 {
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
		checkReadAll(t, data)
	})
}

// checkReadAll checks that readAll passes on the records a loop over Scan
// returns, in the same order.
func checkReadAll(t *testing.T, data []byte) {
	t.Helper()
	var scanned, all []string
	r := newTFEventsReader("f", bytes.NewReader(data))
	for r.Scan() {
		scanned = append(scanned, recordString(r.Record()))
	}
	r = newTFEventsReader("f", bytes.NewReader(data))
	r.readAll(func(rec Record) { all = append(all, recordString(rec)) })
	if !slices.Equal(scanned, all) {
		t.Fatalf("readAll passed %d records, Scan returned %d:\n%s\nwant\n%s", len(all), len(scanned), strings.Join(all, "\n"), strings.Join(scanned, "\n"))
	}
}

// recordString formats a record with the fields its pointers hold.
func recordString(rec Record) string {
	switch rec := rec.(type) {
	case *Entry:
		return fmt.Sprintf("%+v", *rec)
	case *SyntaxError:
		return fmt.Sprintf("%+v", *rec)
	case *Meta:
		switch {
		case rec.Event != nil:
			return fmt.Sprintf("event %+v", *rec.Event)
		case rec.Geometry != nil:
			return fmt.Sprintf("geometry %+v", *rec.Geometry)
		case rec.Summary != nil:
			return fmt.Sprintf("summary %+v", *rec.Summary)
		case rec.Info != nil:
			return fmt.Sprintf("info %+v", *rec.Info)
		}
	}
	return fmt.Sprintf("%T", rec)
}

// TestTFEventsReadAllMatchesScan reads a file of several batches with
// damage inside (a bad data CRC, a bad length, a record that is not an
// Event) and a truncated end through readAll and Scan.
func TestTFEventsReadAllMatchesScan(t *testing.T) {
	data := firstRecords(genlog.TFEvents(40_000), 10_001)
	bad := append([]byte(nil), data...)
	sc := tfrecord.NewScanner(bytes.NewReader(data))
	for i := 0; sc.Scan(); i++ {
		off := int(sc.Offset())
		switch i {
		case 2500: // the data CRC
			bad[off+tfrecord.HeaderSize+2] ^= 0xff
		case 6000: // the length CRC
			bad[off+9] ^= 0xff
		}
	}
	notEvent := tfrecord.AppendRecord(nil, []byte{0xff, 0xff})
	bad = append(append(bad[:len(bad)/2:len(bad)/2], notEvent...), bad[len(bad)/2:]...)
	for _, d := range [][]byte{data, bad, bad[:len(bad)-7]} {
		checkReadAll(t, d)
	}
}
