package trainlog

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLlamaFactoryCorpus(t *testing.T) {
	tests := []struct {
		run                      string
		train, eval              int
		maxSteps                 float64
		globalStep               float64 // 0: no end-of-training line
		lastStep                 int64
		lrKey                    string
		firstLoss, firstLR, time float64
	}{
		{"lf-360-pairwise-interrupted", 202, 0, 5100, 0, 202, "lr", 0.6491, 9.803921568627451e-10, 63},
		{"lf-nsllm-pair", 435, 0, 2178, 2178, 2175, "lr", 2.3475, 1.8348623853211011e-06, 32*60 + 48},
		{"lf-old-chatglm2-50epochs-loss-to-0.0005", 2380, 0, 23800, 0, 23800, "learning_rate", 3.5664, 9.999995644021005e-05, 73},
		{"lf-qwen25-7b-medical-eval", 675, 13, 6750, 6750, 6750, "lr", 2.219, 1.3333333333333334e-06, 32},
		{"lf-tfm-lora-20ep-tinydata-console-and-jsonl", 48, 0, 240, 240, 240, "lr", 2.0905, 0.0005, 25},
	}
	corpus := jsonCorpusDir(t)
	for _, tt := range tests {
		t.Run(tt.run, func(t *testing.T) {
			path := filepath.Join(corpus, tt.run, "trainer_log.jsonl")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := Detect("trainer_log.jsonl", data[:min(len(data), SniffSize)]); f.Name != "llamafactory-jsonl" {
				t.Errorf("detected as %q", f.Name)
			}
			rs := jsonDrain(t, "llamafactory-jsonl", tt.run+"/trainer_log.jsonl", data, Options{})
			if len(rs.Errors) != 0 || rs.Err != nil {
				t.Fatalf("errors: %v %v", rs.Errors, rs.Err)
			}
			k := rs.kinds()
			if k[KindTrain] != tt.train || k[KindEval] != tt.eval || len(rs.Entries) != tt.train+tt.eval {
				t.Errorf("kinds = %v, want %d train and %d eval", k, tt.train, tt.eval)
			}
			first := rs.Entries[0]
			loss, _ := first.Get("loss")
			lr, _ := first.Get(tt.lrKey)
			if loss != tt.firstLoss || lr != tt.firstLR || first.Time != tt.time || first.Source.Line != 1 {
				t.Errorf("first entry: loss %v %s %v time %v at %v", loss, tt.lrKey, lr, first.Time, first.Source)
			}
			if _, ok := first.Get("reward"); ok {
				t.Error("null reward kept as a value")
			}
			if last := rs.Entries[len(rs.Entries)-1]; last.Step != tt.lastStep {
				t.Errorf("last step = %d, want %d", last.Step, tt.lastStep)
			}
			if v, ok := rs.geometry(GeoMaxSteps); !ok || v.Value != tt.maxSteps || v.Source.Line != 1 {
				t.Errorf("max_steps = %+v, want %v", v, tt.maxSteps)
			}
			n := 0
			for _, m := range rs.Metas {
				if m.Geometry != nil && m.Geometry.Key == GeoMaxSteps {
					n++
				}
			}
			if n != 1 {
				t.Errorf("max_steps emitted %d times, want once", n)
			}
			if v, ok := rs.geometry(GeoGlobalStep); ok != (tt.globalStep > 0) || v.Value != tt.globalStep {
				t.Errorf("global_step = %+v, want %v", v, tt.globalStep)
			}
		})
	}
}

func TestLlamaFactoryEvalLines(t *testing.T) {
	path := filepath.Join(jsonCorpusDir(t), "lf-qwen25-7b-medical-eval", "trainer_log.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rs := jsonDrain(t, "llamafactory-jsonl", "trainer_log.jsonl", data, Options{})
	var prev *Entry
	for _, e := range rs.Entries {
		if e.Kind == KindEval {
			if prev == nil || prev.Step != e.Step || prev.Kind != KindTrain {
				t.Errorf("eval at %v does not follow a train line of its step", e.Source)
			}
			if len(e.Values) != 1 || e.Values[0].Key != "eval_loss" {
				t.Errorf("eval values = %+v", e.Values)
			}
			if e.Step == 4500 {
				if v, _ := e.Get("eval_loss"); v != 1.5517804622650146 {
					t.Errorf("eval_loss at 4500 = %v", v)
				}
			}
		}
		prev = e
	}
}

// TestLlamaFactoryMatchesTrainerState checks that the jsonl and the
// trainer_state.json that LLaMA-Factory wrote for the same run agree.
func TestLlamaFactoryMatchesTrainerState(t *testing.T) {
	dir := filepath.Join(jsonCorpusDir(t), "lf-nsllm-pair")
	data, err := os.ReadFile(filepath.Join(dir, "trainer_log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := jsonDrain(t, "llamafactory-jsonl", "trainer_log.jsonl", data, Options{})
	state := readTrainerState(t, filepath.Join(dir, "trainer_state.json"))
	losses := func(es []*Entry) map[int64]float64 {
		m := map[int64]float64{}
		for _, e := range es {
			if v, ok := e.Get("loss"); ok {
				m[e.Step] = v
			}
		}
		return m
	}
	a, b := losses(lines.Entries), losses(state.Entries)
	if len(a) != 435 || len(a) != len(b) {
		t.Fatalf("%d steps in the jsonl, %d in trainer_state.json", len(a), len(b))
	}
	for step, v := range a {
		w, ok := b[step]
		if !ok || math.Abs(v-w) > 0.5e-4 {
			t.Errorf("step %d: jsonl loss %v, trainer_state %v", step, v, w)
		}
	}
}

func TestLlamaFactoryResumed(t *testing.T) {
	data, err := os.ReadFile("testdata/json/lf-resumed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rs := jsonDrain(t, "llamafactory-jsonl", "lf-resumed.jsonl", data, Options{})
	if len(rs.Errors) != 0 {
		t.Fatalf("errors: %v", rs.Errors)
	}
	var steps []string
	for _, e := range rs.Entries {
		steps = append(steps, strconv.FormatInt(e.Step, 10))
	}
	if got := strings.Join(steps, ","); got != "10,20,20,10,20,30" {
		t.Errorf("steps = %s", got)
	}
	if e := rs.Entries[4]; !math.IsNaN(jsonMustGet(t, e, "loss")) || jsonMustGet(t, e, "throughput") != 1234.5 || e.Time != 119 {
		t.Errorf("entry 4 = %+v", e)
	}
	if e := rs.Entries[5]; e.Time != 86401 || e.Source.Line != 6 {
		t.Errorf("entry 5 time %v at %v", e.Time, e.Source)
	}
	run := NewRun("resumed")
	c := NewCollector(run)
	for _, e := range rs.Entries {
		c.Add(e)
	}
	run = c.Run()
	restarts := 0
	for _, ev := range run.Events {
		if ev.Kind == EventRestart {
			restarts++
		}
	}
	if restarts != 1 {
		t.Errorf("%d restart events, want 1: %+v", restarts, run.Events)
	}
	if p, _ := run.Get("loss").At(10); p.Value != 2.201 || p.Source.Line != 4 {
		t.Errorf("loss at 10 = %+v, want the resumed run's 2.201", p)
	}
}

func jsonMustGet(t *testing.T, e *Entry, key string) float64 {
	t.Helper()
	v, ok := e.Get(key)
	if !ok {
		t.Fatalf("%v has no %s", e.Source, key)
	}
	return v
}

func TestJSONLCutLines(t *testing.T) {
	good := `{"current_steps": 5, "total_steps": 10, "loss": 2.5, "lr": 1e-05, "epoch": 0.5, "percentage": 50.0, "elapsed_time": "0:00:10", "remaining_time": "0:00:10"}`
	half := good[:len(good)/2]
	tests := []struct {
		name      string
		data      string
		entries   int
		line      int
		truncated bool
	}{
		{"cut last line", good + "\n" + half, 1, 2, true},
		{"cut middle line", half + "\n" + good + "\n", 1, 1, false},
		{"garbage middle line", good + "\n}{\n" + good + "\n", 2, 2, false},
		{"no final newline", good + "\n" + good, 2, 0, false},
		{"crlf", good + "\r\n" + good + "\r\n", 2, 0, false},
	}
	for _, format := range []string{"llamafactory-jsonl", "jsonl"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				rs := jsonDrain(t, format, "log.jsonl", []byte(tt.data), Options{StepColumn: "current_steps"})
				if len(rs.Entries) != tt.entries {
					t.Errorf("%d entries, want %d", len(rs.Entries), tt.entries)
				}
				if tt.line == 0 {
					if len(rs.Errors) != 0 {
						t.Errorf("errors: %v", rs.Errors)
					}
					return
				}
				if len(rs.Errors) != 1 {
					t.Fatalf("errors = %v, want one", rs.Errors)
				}
				e := rs.Errors[0]
				if e.Line != tt.line || errors.Is(e, ErrTruncated) != tt.truncated || !strings.HasPrefix(e.Error(), "log.jsonl:") {
					t.Errorf("error = %v (cause %v), want line %d truncated %v", e, e.Err, tt.line, tt.truncated)
				}
			})
		}
	}
}

// jsonGrowingReader returns what was written to it so far, then io.EOF, like
// a file that another process appends to.
type jsonGrowingReader struct{ buf bytes.Buffer }

func (g *jsonGrowingReader) Read(p []byte) (int, error) {
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestJSONLFollow scans a file that grows, with its last line written in
// two parts, as a watcher would.
func TestJSONLFollow(t *testing.T) {
	line := `{"current_steps": %d, "total_steps": 10, "loss": 2.5, "epoch": 0.5}` + "\n"
	g := &jsonGrowingReader{}
	r := newJSONLReader("log.jsonl", g, lfLineFunc(&lfState{}))
	g.buf.WriteString(strings.Replace(line, "%d", "1", 1))
	first := strings.Replace(line, "%d", "2", 1)
	g.buf.WriteString(first[:20])
	rs := jsonDrainReader(r)
	if len(rs.Entries) != 1 || len(rs.Errors) != 1 || !errors.Is(rs.Errors[0], ErrTruncated) {
		t.Fatalf("first scan: %d entries, errors %v", len(rs.Entries), rs.Errors)
	}
	if again := jsonDrainReader(r); len(again.Entries)+len(again.Errors)+len(again.Metas) != 0 {
		t.Fatalf("second scan with no new data returned records: %+v", again)
	}
	g.buf.WriteString(first[20:])
	g.buf.WriteString(strings.Replace(line, "%d", "3", 1))
	rs = jsonDrainReader(r)
	if len(rs.Entries) != 2 || len(rs.Errors) != 0 || rs.Entries[0].Step != 2 || rs.Entries[1].Source.Line != 3 {
		t.Fatalf("after growth: %d entries, errors %v", len(rs.Entries), rs.Errors)
	}
}

func TestJSONLGeneric(t *testing.T) {
	data, err := os.ReadFile("testdata/json/wandb-history.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := Detect("wandb-history.jsonl", data); f.Name != "jsonl" {
		t.Errorf("detected as %q", f.Name)
	}
	tests := []struct {
		name  string
		opts  Options
		steps string
		keys  string // keys of entry 0
		kinds string
	}{
		{"default", Options{}, "10 20 20 30", "train/loss,train/learning_rate", "train train eval train"},
		{"step column", Options{StepColumn: "_step"}, "0 1 2 3", "train/loss,train/learning_rate", "train train eval train"},
		{"metrics", Options{Metrics: map[string]string{"loss": "train/loss", "eval_loss": "eval/loss"}}, "10 20 20 30", "loss", "train train eval train"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := jsonDrain(t, "jsonl", "wandb-history.jsonl", data, tt.opts)
			if len(rs.Errors) != 0 {
				t.Fatalf("errors: %v", rs.Errors)
			}
			var steps, kinds []string
			for _, e := range rs.Entries {
				steps = append(steps, strconv.FormatInt(e.Step, 10))
				kinds = append(kinds, e.Kind.String())
			}
			var keys []string
			for _, kv := range rs.Entries[0].Values {
				keys = append(keys, kv.Key)
			}
			if strings.Join(steps, " ") != tt.steps || strings.Join(keys, ",") != tt.keys || strings.Join(kinds, " ") != tt.kinds {
				t.Errorf("steps %v keys %v kinds %v", steps, keys, kinds)
			}
			e := rs.Entries[0]
			if e.Time != 31.5 || e.Epoch != 0.05 || e.Source.Line != 1 {
				t.Errorf("entry 0 time %v epoch %v at %v", e.Time, e.Epoch, e.Source)
			}
		})
	}
	rs := jsonDrain(t, "jsonl", "wandb-history.jsonl", data, Options{})
	last := rs.Entries[3]
	if v := jsonMustGet(t, last, "train/loss"); !math.IsNaN(v) || len(last.Values) != 2 {
		t.Errorf("last entry = %+v", last.Values)
	}
}

func FuzzJSONL(f *testing.F) {
	for _, p := range []string{"testdata/json/lf-resumed.jsonl", "testdata/json/wandb-history.jsonl"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`{"current_steps": 10, "total_steps": 23800, "loss": 3.5664, "reward": null, "learning_rate": 9.999995644021005e-05, "epoch": 0.02, "percentage": 0.04, "elapsed_time": "0:01:13", "remaining_time": "2 days, 0:17:31"}` + "\n"))
	f.Add([]byte(`{"current_steps": 500, "total_steps": 6750, "eval_loss": 1.6410622596740723, "epoch": 0.2222222222222222, "percentage": 7.41, "elapsed_time": "0:29:27", "remaining_time": "6:08:08"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, format := range jsonFormats {
			f, _ := LookupFormat(format)
			if score := f.Detect("f.jsonl", data); score < 0 || score > 100 {
				t.Fatalf("%s.Detect = %d", format, score)
			}
		}
		for _, format := range []string{"llamafactory-jsonl", "jsonl"} {
			rs := jsonDrain(t, format, "f.jsonl", data, Options{})
			if rs.Err != nil {
				t.Fatalf("I/O error from a byte slice: %v", rs.Err)
			}
			// A line yields at most one entry and one error (an entry kept
			// with a step that is not a step is one of each).
			if len(rs.Entries) > lines || len(rs.Errors) > lines {
				t.Fatalf("%d entries and %d errors from %d lines", len(rs.Entries), len(rs.Errors), lines)
			}
			for _, e := range rs.Entries {
				if e.Source.Line < 1 || e.Source.Line > lines || len(e.Values) == 0 {
					t.Fatalf("bad entry %+v", e)
				}
			}
			for _, e := range rs.Errors {
				if e.Line < 1 || e.Line > lines || e.Msg == "" {
					t.Fatalf("bad error %+v", e)
				}
			}
		}
	})
}

// TestJSONLSwift reads ms-swift's logging.jsonl, whose only step is the
// string "global_step/max_steps": "N/M": each line is read at step N,
// never at its ordinal, and M is the planned steps.
func TestJSONLSwift(t *testing.T) {
	data, err := os.ReadFile("testdata/json/swift-logging.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := Detect("logging.jsonl", data); f.Name != "jsonl" {
		t.Errorf("detected as %q", f.Name)
	}
	rs := jsonDrain(t, "jsonl", "logging.jsonl", data, Options{})
	if len(rs.Errors) != 0 {
		t.Fatalf("errors: %v", rs.Errors)
	}
	var steps, kinds []string
	for _, e := range rs.Entries {
		steps = append(steps, strconv.FormatInt(e.Step, 10))
		kinds = append(kinds, e.Kind.String())
	}
	if got := strings.Join(steps, " "); got != "1 10 20 20 30 40 40 50 60 60 60" {
		t.Errorf("steps = %s", got)
	}
	if got := strings.Join(kinds, " "); got != "train train train eval train train eval train train eval summary" {
		t.Errorf("kinds = %s", got)
	}
	if e := rs.Entries[3]; jsonMustGet(t, e, "eval_loss") != 1.55126953 || e.Source.Line != 4 || e.Epoch != 0.33 {
		t.Errorf("entry 3 = %+v", e)
	}
	if len(rs.Metas) != 1 || rs.Metas[0].Geometry == nil || rs.Metas[0].Geometry.Key != GeoMaxSteps ||
		rs.Metas[0].Geometry.Value != 60 || rs.Metas[0].Geometry.Source.Line != 1 {
		t.Errorf("metas = %+v, want max_steps 60 from line 1", rs.Metas)
	}
	for _, tt := range []struct {
		in         string
		step, plan int64
		ok         bool
	}{
		{"12/300", 12, 300, true},
		{"0/0", 0, 0, true},
		{"12", 0, 0, false},
		{"-1/300", 0, 0, false},
		{"1.5/300", 0, 0, false},
		{"9007199254740993/9007199254740993", 0, 0, false},
	} {
		if n, m, ok := swiftStep(tt.in); n != tt.step || m != tt.plan || ok != tt.ok {
			t.Errorf("swiftStep(%q) = %d, %d, %v", tt.in, n, m, ok)
		}
	}
}
