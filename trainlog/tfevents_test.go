package trainlog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

// readTFEvents drains a tfeventsReader over data.
func readTFEvents(t testing.TB, name string, data []byte) []Record {
	t.Helper()
	r := newTFEventsReader(name, bytes.NewReader(data))
	var recs []Record
	for r.Scan() {
		recs = append(recs, r.Record())
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

// collectRecords groups records into a run.
func collectRecords(recs []Record) *Run {
	c := NewCollector(NewRun("test"))
	for _, rec := range recs {
		c.Add(rec)
	}
	return c.Run()
}

// exampleEvents returns the path and content of the event file of a
// bundled example run.
func exampleEvents(t *testing.T, example string) (string, []byte) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "examples", example, "runs", "events.out.tfevents.*"))
	if len(paths) != 1 {
		t.Fatalf("examples/%s/runs: found %d event files, want 1", example, len(paths))
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return paths[0], data
}

// stateHistory reads log_history of an example's trainer_state.json (the
// two bundled files hold no bare NaN, so encoding/json reads them).
func stateHistory(t *testing.T, example string) []map[string]float64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", example, "trainer_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		LogHistory []map[string]float64 `json:"log_history"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st.LogHistory
}

// checkAgainstState checks that series name holds, at every step of
// log_history with key, the same value as float32.
func checkAgainstState(t *testing.T, run *Run, name, key string, hist []map[string]float64) int {
	t.Helper()
	s := run.Get(name)
	n := 0
	for _, h := range hist {
		want, ok := h[key]
		if !ok {
			continue
		}
		n++
		step := int64(h["step"])
		p, ok := s.At(step)
		if !ok {
			t.Errorf("%s: no point at step %d", name, step)
			continue
		}
		if float32(p.Value) != float32(want) || p.Digits != DigitsFloat32 {
			t.Errorf("%s at step %d = %v (digits %d), want float32(%v) (digits %d)", name, step, p.Value, p.Digits, want, DigitsFloat32)
		}
		if float32(p.Epoch) != float32(h["epoch"]) {
			t.Errorf("%s at step %d: epoch %v, want float32(%v)", name, step, p.Epoch, h["epoch"])
		}
	}
	if n != s.Len() {
		t.Errorf("%s: %d points, trainer_state has %d", name, s.Len(), n)
	}
	return n
}

func TestTFEventsSFT(t *testing.T) {
	path, data := exampleEvents(t, "hf_v5_sft_lora_3ep")
	name := filepath.Base(path)
	recs := readTFEvents(t, name, data)
	run := collectRecords(recs)
	if len(run.Warnings) != 0 {
		t.Errorf("warnings: %v", run.Warnings)
	}
	hist := stateHistory(t, "hf_v5_sft_lora_3ep")
	for _, name := range []string{"loss", "learning_rate", "grad_norm"} {
		if n := checkAgainstState(t, run, name, name, hist); n != 750 {
			t.Errorf("%s: trainer_state has %d points, want 750", name, n)
		}
	}
	loss := run.Get("loss")
	if loss.Len() != 750 || loss.Point(0).Step != 1 || loss.Point(749).Step != 750 {
		t.Fatalf("loss: %d points from step %d to %d, want 750 from 1 to 750", loss.Len(), loss.Point(0).Step, loss.Point(loss.Len()-1).Step)
	}
	first := loss.Point(0)
	if first.Value != float64(float32(6.283693313598633)) || first.Source.String() != name+"#record[3]" ||
		first.Epoch != float64(float32(0.004)) || math.Abs(first.Time-1795725323.217) > 1e-3 {
		t.Errorf("loss at step 1 = %v epoch %v time %v source %s, want float32(6.283693313598633) epoch float32(0.004) time 1795725323.217 source %s#record[3]",
			first.Value, first.Epoch, first.Time, first.Source, name)
	}
	if got := loss.Keys; len(got) != 1 || got[0] != "train/loss" {
		t.Errorf("loss keys %q, want [train/loss]", got)
	}
	wantSummary := map[string]float64{
		"train_runtime":            65.0238,
		"train_loss":               4.2917072273890176,
		"total_flos":               2495176704000.0,
		"train_samples_per_second": 46.137,
		"train_steps_per_second":   11.534,
		"epoch":                    3,
		"step":                     750,
	}
	for k, want := range wantSummary {
		v, ok := run.Summary[k]
		if !ok || float32(v.Value) != float32(want) {
			t.Errorf("summary %s = %v (present %v), want float32(%v)", k, v.Value, ok, want)
		}
	}
	if src := run.Summary["train_loss"].Source.String(); src != name+"#record[3007]" {
		t.Errorf("train_loss source %s, want %s#record[3007]", src, name)
	}
	for _, n := range run.SeriesNames() {
		if n != "loss" && n != "learning_rate" && n != "grad_norm" {
			t.Errorf("unexpected series %q", n)
		}
	}
}

func TestTFEventsOverfitEval(t *testing.T) {
	path, data := exampleEvents(t, "hf_v5_overfit_eval")
	run := collectRecords(readTFEvents(t, filepath.Base(path), data))
	if len(run.Warnings) != 0 {
		t.Errorf("warnings: %v", run.Warnings)
	}
	hist := stateHistory(t, "hf_v5_overfit_eval")
	if n := checkAgainstState(t, run, "eval_loss", "eval_loss", hist); n != 25 {
		t.Errorf("trainer_state has %d eval_loss points, want 25", n)
	}
	ev := run.Get("eval_loss")
	for i, p := range ev.Points() {
		if p.Step != int64(20*(i+1)) {
			t.Errorf("eval_loss point %d at step %d, want %d", i, p.Step, 20*(i+1))
		}
	}
	checkAgainstState(t, run, "loss", "loss", hist)
	checkAgainstState(t, run, "eval_runtime", "eval_runtime", hist)
	if got := run.Summary["train_loss"].Value; float32(got) != float32(1.925974791109562) {
		t.Errorf("train_loss = %v, want float32(1.925974791109562)", got)
	}
}

// entryLine renders an entry or meta compactly for comparisons.
func entryLine(rec Record) string {
	switch rec := rec.(type) {
	case *Entry:
		var kvs []string
		for _, kv := range rec.Values {
			kvs = append(kvs, fmt.Sprintf("%s=%v/%d", kv.Key, kv.Value, kv.Digits))
		}
		return fmt.Sprintf("%s %s step=%d epoch=%v time=%v %s", rec.Source, rec.Kind, rec.Step, rec.Epoch, rec.Time, strings.Join(kvs, " "))
	case *Meta:
		if rec.Event != nil {
			return fmt.Sprintf("%s %s step=%d", rec.Event.Sources[0], rec.Event.Kind, rec.Event.Step)
		}
		return fmt.Sprintf("meta %+v", rec)
	case *SyntaxError:
		return "error " + rec.Error()
	}
	return fmt.Sprintf("%T", rec)
}

// writeEvents frames encoded events into a file image.
func writeEvents(events ...[]byte) []byte {
	var b []byte
	for _, e := range events {
		b = tfrecord.AppendRecord(b, e)
	}
	return b
}

func TestTFEventsRoundTrip(t *testing.T) {
	f32 := func(v float32) []byte { return leAppend(nil, uint64(math.Float32bits(v)), 4) }
	f64 := func(v float64) []byte { return leAppend(nil, math.Float64bits(v), 8) }
	file := writeEvents(
		tfrecord.FileVersionEvent(100, "brain.Event:2"),
		tfrecord.SummaryEvent(100, 0, tfrecord.TensorValue("args/text_summary", "text", tfrecord.StringTensor(`{"lr": 2e-05}`))),
		tfrecord.SummaryEvent(101, 1, tfrecord.SimpleValue("train/loss", 2.5)),
		tfrecord.SummaryEvent(101, 1, tfrecord.TensorValue("train/learning_rate", "scalars", tfrecord.FloatTensor(2e-05))),
		tfrecord.SummaryEvent(101, 1, tfrecord.SimpleValue("train/epoch", 0.5)),
		tfrecord.SummaryEvent(102, 1, tfrecord.HistoValue("weights", -1, 1, []float64{0, 1}, []float64{5, 5})),
		tfrecord.SummaryEvent(103, 2, tfrecord.ImageValue("samples", 1, 1, []byte("\x89PNG"))),
		tfrecord.SummaryEvent(103, 2, tfrecord.TensorValue("train/loss", "scalars", tfrecord.DoubleTensor(1.5))),
		tfrecord.SummaryEvent(103, 2, tfrecord.TensorValue("train/grad_norm", "scalars", tfrecord.ContentTensor(tfrecord.DTFloat, f32(0.75)))),
		tfrecord.SummaryEvent(103, 2, tfrecord.SimpleValue("train/epoch", 1)),
		tfrecord.SummaryEvent(104, 2, tfrecord.TensorValue("eval/loss", "scalars", tfrecord.ContentTensor(tfrecord.DTDouble, f64(1.25))),
			tfrecord.SimpleValue("eval/runtime", 3), tfrecord.SimpleValue("train/epoch", 1)),
		tfrecord.SummaryEvent(104, 2, tfrecord.TensorValue("args/text_summary", "", tfrecord.StringTensor("again"))),
		tfrecord.SessionLogEvent(105, 1, tfrecord.SessionStart),
		tfrecord.SummaryEvent(106, 2, tfrecord.SimpleValue("train/loss", 9)),
		tfrecord.SummaryEvent(107, 2, tfrecord.SimpleValue("train/train_runtime", 7), tfrecord.SimpleValue("train/train_loss", 3),
			tfrecord.SimpleValue("test/loss", 4), tfrecord.SimpleValue("train/epoch", 1)),
	)
	want := []string{
		"x#record[2] train step=1 epoch=0.5 time=101 train/loss=2.5/7",
		"x#record[3] train step=1 epoch=0.5 time=101 train/learning_rate=" + fmt.Sprint(float64(float32(2e-05))) + "/7",
		"x#record[7] train step=2 epoch=1 time=103 train/loss=1.5/17",
		"x#record[8] train step=2 epoch=1 time=103 train/grad_norm=0.75/7",
		"x#record[10] eval step=2 epoch=1 time=104 eval/loss=1.25/17 eval/runtime=3/7",
		"x#record[12] restart step=1",
		"x#record[13] train step=2 epoch=1 time=106 train/loss=9/7",
		"x#record[14] summary step=2 epoch=1 time=107 train/train_runtime=7/7 train/train_loss=3/7",
		"x#record[14] predict step=2 epoch=1 time=107 test/loss=4/7",
	}
	recs := readTFEvents(t, "x", file)
	var got []string
	for _, rec := range recs {
		got = append(got, entryLine(rec))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	run := collectRecords(recs)
	if p, _ := run.Get("loss").At(2); p.Value != 9 {
		t.Errorf("loss at step 2 = %v, want 9 (the last record per step)", p.Value)
	}
	if s := run.Summary["train_runtime"]; s.Value != 7 {
		t.Errorf("train_runtime = %v, want 7", s.Value)
	}
}

func leAppend(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func TestTFEventsLightningTags(t *testing.T) {
	file := writeEvents(
		tfrecord.FileVersionEvent(1, "brain.Event:2"),
		tfrecord.SummaryEvent(2, 49, tfrecord.SimpleValue("train_loss_step", 2.25)),
		tfrecord.SummaryEvent(2, 49, tfrecord.SimpleValue("epoch", 0)),
		tfrecord.SummaryEvent(3, 99, tfrecord.SimpleValue("val_loss", 2.5)),
		tfrecord.SummaryEvent(3, 99, tfrecord.SimpleValue("epoch", 1)),
		tfrecord.SummaryEvent(4, 99, tfrecord.SimpleValue("lr-AdamW", 0.001)),
	)
	run := collectRecords(readTFEvents(t, "lightning", file))
	tests := []struct {
		series string
		step   int64
		value  float64
		epoch  float64
	}{
		{"loss", 49, 2.25, 0},
		{"eval_loss", 99, 2.5, 1},
		{"learning_rate", 99, float64(float32(0.001)), 1},
	}
	for _, tt := range tests {
		p, ok := run.Get(tt.series).At(tt.step)
		if !ok || p.Value != tt.value || p.Epoch != tt.epoch {
			t.Errorf("%s at %d = %v epoch %v (found %v), want %v epoch %v", tt.series, tt.step, p.Value, p.Epoch, ok, tt.value, tt.epoch)
		}
	}
	if n := len(run.Series); n != 3 {
		t.Errorf("%d series %v, want 3", n, run.SeriesNames())
	}
}

func TestTFEventsBadInput(t *testing.T) {
	good := writeEvents(
		tfrecord.FileVersionEvent(1, "brain.Event:2"),
		tfrecord.SummaryEvent(2, 1, tfrecord.SimpleValue("train/loss", 1)),
		tfrecord.SummaryEvent(3, 2, tfrecord.SimpleValue("train/loss", 2)),
		tfrecord.SummaryEvent(4, 3, tfrecord.SimpleValue("train/loss", 3)),
	)
	// Records 1, 2 and 3 are 48 bytes long, at bytes 40, 88 and 136.
	flip := func(at int) []byte {
		b := append([]byte(nil), good...)
		b[at] ^= 0x10
		return b
	}
	tests := []struct {
		name      string
		in        []byte
		steps     string // train/loss steps read
		errs      []string
		truncated bool
	}{
		{"good", good, "[1 2 3]", nil, false},
		{"empty", nil, "[]", nil, false},
		{"truncated header", good[:138], "[1 2]", []string{"f#record[3]: at byte 136: input ends inside the record header (2 of 12 bytes)"}, true},
		{"truncated data", good[:158], "[1 2]", []string{"f#record[3]: at byte 136: input ends inside the record (22 of 48 bytes)"}, true},
		{"missing data CRC", good[:len(good)-4], "[1 2 3]", []string{"f#record[3]: at byte 136: input ends before the record's data CRC"}, true},
		{"bad length CRC", flip(88 + 9), "[1 3]", []string{"f#record[2]: at byte 88: length CRC mismatch"}, false},
		{"bad length", flip(88), "[1 3]", []string{"f#record[2]: at byte 88: length CRC mismatch"}, false},
		{"bad data CRC", flip(88 + 20), "[1 3]", []string{"f#record[2]: at byte 88: data CRC mismatch"}, false},
		{"not a protobuf", writeEvents([]byte{0xff, 0xff}, tfrecord.SummaryEvent(1, 5, tfrecord.SimpleValue("train/loss", 1))),
			"[5]", []string{"f#record[0]: at byte 0: not a TensorBoard Event protobuf"}, false},
		{"wrong magic", []byte("{\"loss\": 1.0, \"step\": 1}\n"), "[]", []string{"f#record[0]: at byte 0: length CRC mismatch"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := readTFEvents(t, "f", tt.in)
			var errs []string
			truncated := false
			for _, rec := range recs {
				if e, ok := rec.(*SyntaxError); ok {
					errs = append(errs, e.Error())
					truncated = truncated || errors.Is(e, ErrTruncated)
				}
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %q, want %q", errs, tt.errs)
			}
			for i := range errs {
				if !strings.HasPrefix(errs[i], tt.errs[i]) {
					t.Errorf("error %q, want prefix %q", errs[i], tt.errs[i])
				}
			}
			if truncated != tt.truncated {
				t.Errorf("ErrTruncated cause: %v, want %v", truncated, tt.truncated)
			}
			steps := []int64{}
			if s := collectRecords(recs).Get("loss"); s != nil {
				steps = s.Steps()
			}
			if got := fmt.Sprint(steps); got != tt.steps {
				t.Errorf("loss steps %s, want %s", got, tt.steps)
			}
		})
	}
}

// TestTFEventsGrowing reads a file cut at every byte, then appended to,
// as a watcher does, and checks that the entries match a whole read.
func TestTFEventsGrowing(t *testing.T) {
	_, data := exampleEvents(t, "hf_v5_overfit_eval")
	data = data[:6000] // the text summaries and the first train records
	// A group read before its epoch tag was written has no epoch, so
	// epochs are left out of the comparison.
	line := func(rec Record) string {
		if e, ok := rec.(*Entry); ok {
			c := *e
			c.Epoch = 0
			return entryLine(&c)
		}
		return entryLine(rec)
	}
	var want []string
	for _, rec := range readTFEvents(t, "g", data) {
		if e, ok := rec.(*SyntaxError); !ok || !errors.Is(e, ErrTruncated) {
			want = append(want, line(rec))
		}
	}
	for cut := 0; cut <= len(data); cut += 7 {
		g := &growingReader{data: append([]byte(nil), data[:cut]...)}
		r := newTFEventsReader("g", g)
		var got []string
		drainInto := func() {
			for r.Scan() {
				if e, ok := r.Record().(*SyntaxError); ok && errors.Is(e, ErrTruncated) {
					continue
				}
				got = append(got, line(r.Record()))
			}
		}
		drainInto()
		g.data = append(g.data, data[cut:]...)
		drainInto()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("cut %d: got\n%s\nwant\n%s", cut, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

type growingReader struct {
	data []byte
	pos  int
}

func (g *growingReader) Read(p []byte) (int, error) {
	if g.pos >= len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.pos:])
	g.pos += n
	return n, nil
}

func TestTFEventsDetect(t *testing.T) {
	path, real := exampleEvents(t, "hf_v5_sft_lora_3ep")
	plain := writeEvents([]byte("not an event"), []byte("x"))
	huge := make([]byte, 12, 40)
	binary.LittleEndian.PutUint64(huge, math.MaxUint64-5)
	binary.LittleEndian.PutUint32(huge[8:], tfrecord.MaskedCRC(huge[:8]))
	huge = append(huge, "some bytes after the header"...)
	tests := []struct {
		name string
		head []byte
		want int
	}{
		{filepath.Base(path), real, 100},
		{"renamed.bin", real[:4096], 100},
		{"events.out.tfevents.1.host.1.0", plain, 90},
		{"events.out.tfevents.1.host.1.0", real[:50], 90},
		{"data.tfrecord", plain, 0},
		{"renamed.bin", real[:50], 0},
		{"events.out.tfevents.1.host.1.0", nil, 0},
		{"events.out.tfevents.1.host.1.0", []byte("garbage that is not a record"), 0},
		{"trainer_state.json", []byte(`{"log_history": []}`), 0},
		{"events.out.tfevents.1.host.1.0", huge, 0},
	}
	for _, tt := range tests {
		if got := detectTFEvents(tt.name, tt.head); got != tt.want {
			t.Errorf("detect(%s, %d bytes) = %d, want %d", tt.name, len(tt.head), got, tt.want)
		}
	}
	_, f, err := Open("renamed", bytes.NewReader(real), Options{})
	if err != nil || f.Name != "tensorboard" {
		t.Errorf("Open picked %q (%v), want tensorboard", f.Name, err)
	}
}
