package trainlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTestdataEvents reads the event file of testdata/tfevents/<dir>,
// written by testdata/tfevents/gen.go.
func readTestdataEvents(t *testing.T, dir string) (*Run, string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "tfevents", dir, "events.out.tfevents.*"))
	if len(paths) != 1 {
		t.Fatalf("testdata/tfevents/%s: %d event files, want 1", dir, len(paths))
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	name := dir + "/" + filepath.Base(paths[0])
	if f, ok := Detect(name, data); !ok || f.Name != "tensorboard" {
		t.Errorf("%s: detected as %q", name, f.Name)
	}
	return collectRecords(readTFEvents(t, name, data)), name
}

func TestTFEventsLightningFile(t *testing.T) {
	run, _ := readTestdataEvents(t, "lightning")
	tests := []struct {
		series string
		points int
		step   int64 // a step to check
		epoch  float64
	}{
		{"loss", 15, 50, 0},
		{"learning_rate", 15, 60, 1},
		{"eval_loss", 3, 100, 1},
		{"train_loss_epoch", 3, 150, 2},
	}
	for _, tt := range tests {
		s := run.Get(tt.series)
		p, ok := s.At(tt.step)
		if s.Len() != tt.points || !ok || p.Epoch != tt.epoch {
			t.Errorf("%s: %d points, at step %d epoch %v (found %v); want %d points, epoch %v", tt.series, s.Len(), tt.step, p.Epoch, ok, tt.points, tt.epoch)
		}
	}
	if len(run.Series) != len(tests) || len(run.Warnings) != 0 {
		t.Errorf("series %v, warnings %v; want %d series and no warning", run.SeriesNames(), run.Warnings, len(tests))
	}
}

func TestTFEventsKilledFile(t *testing.T) {
	run, name := readTestdataEvents(t, "killed")
	loss := run.Get("loss")
	if loss.Len() != 18 || loss.Point(0).Step != 1 || loss.Point(17).Step != 19 {
		t.Errorf("loss steps %v, want 1..19 without 7", loss.Steps())
	}
	if _, ok := loss.At(7); ok {
		t.Error("loss has step 7, whose record is damaged")
	}
	if p, _ := loss.At(19); float32(p.Value) != float32(3-0.1*19) {
		t.Errorf("loss at 19 = %v, want float32(%v)", p.Value, 3-0.1*19)
	}
	if n := run.Get("grad_norm").Len(); n != 19 {
		t.Errorf("grad_norm has %d points, want 19", n)
	}
	want := []string{
		name + "#record[26]: at byte 1804: data CRC mismatch",
		name + "#record[78]: at byte 5431: input ends inside the record (57 of 66 bytes)",
	}
	if len(run.Warnings) != len(want) {
		t.Fatalf("warnings %v, want %d", run.Warnings, len(want))
	}
	for i, w := range run.Warnings {
		if !strings.HasPrefix(w.Error(), want[i]) {
			t.Errorf("warning %q, want prefix %q", w, want[i])
		}
	}
	if !errors.Is(run.Warnings[1], ErrTruncated) || errors.Is(run.Warnings[0], ErrTruncated) {
		t.Error("only the truncation should have ErrTruncated as its cause")
	}
}

func TestTFEventsResumedFile(t *testing.T) {
	run, name := readTestdataEvents(t, "resumed")
	loss := run.Get("loss")
	if loss.Len() != 40 {
		t.Fatalf("loss has %d points, want 40", loss.Len())
	}
	for _, tt := range []struct {
		step int64
		want float64
	}{{19, 2 - 0.02*19}, {20, 1.5 - 0.01*20}, {30, 1.5 - 0.01*30}, {40, 1.5 - 0.01*40}} {
		if p, _ := loss.At(tt.step); p.Value != tt.want || p.Digits != DigitsFloat64 {
			t.Errorf("loss at %d = %v (digits %d), want %v (digits %d)", tt.step, p.Value, p.Digits, tt.want, DigitsFloat64)
		}
	}
	if p, _ := run.Get("eval_loss").At(30); p.Value != 1.6-0.01*30 || p.Epoch != 0.75 {
		t.Errorf("eval_loss at 30 = %v epoch %v, want %v epoch 0.75", p.Value, p.Epoch, 1.6-0.01*30)
	}
	var restarts []string
	for _, ev := range run.Events {
		if ev.Kind == EventRestart {
			restarts = append(restarts, fmt.Sprintf("%d %s", ev.Step, ev.Sources[0]))
		}
	}
	// The SessionLog START announces the resume; the Collector does not
	// record the same resume a second time when the steps go back.
	if want := fmt.Sprintf("20 %s#record[61]", name); len(restarts) != 1 || restarts[0] != want {
		t.Errorf("restarts %q, want exactly %q", restarts, want)
	}
}
