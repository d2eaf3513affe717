package trainlog

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readTrainerState(t testing.TB, path string) *jsonRecords {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return jsonDrain(t, "trainer-state", filepath.Base(filepath.Dir(path))+"/trainer_state.json", data, Options{})
}

func TestTrainerStateExamples(t *testing.T) {
	tests := []struct {
		path                 string
		train, eval, summary int
		step                 int64
		key                  string
		value                float64
		frag                 string
		geometry             map[string]float64
		info                 map[string]string
		summaryKey           string
		summaryValue         float64
	}{
		{
			path: "../examples/hf_v5_sft_lora_3ep/trainer_state.json", train: 750, summary: 1,
			step: 250, key: "loss", value: 4.971466541290283, frag: "log_history[249]",
			geometry: map[string]float64{GeoMaxSteps: 750, GeoEpochs: 3, GeoLoggingSteps: 1, GeoSaveSteps: 250, GeoEvalSteps: 500, GeoGlobalStep: 750, GeoBatchPerDevice: 2},
			info:     map[string]string{InfoTrainingStopped: "true"},
		},
		{
			path: "../examples/hf_v5_overfit_eval/trainer_state.json", train: 100, eval: 25, summary: 1,
			step: 80, key: "eval_loss", value: 5.989955902099609, frag: "log_history[19]",
			geometry: map[string]float64{GeoMaxSteps: 500, GeoEpochs: 25, GeoLoggingSteps: 5, GeoEvalSteps: 20, GeoBatchPerDevice: 8},
			info: map[string]string{InfoTrainingStopped: "true", InfoBestStep: "80",
				InfoBestCheckpoint: "/tmp/runs/full_overfit_eval/checkpoint-80"},
			summaryKey: "best_metric", summaryValue: 5.989955902099609,
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rs := readTrainerState(t, tt.path)
			if len(rs.Errors) != 0 || rs.Err != nil {
				t.Fatalf("errors: %v %v", rs.Errors, rs.Err)
			}
			k := rs.kinds()
			if k[KindTrain] != tt.train || k[KindEval] != tt.eval || k[KindSummary] != tt.summary {
				t.Errorf("kinds = %v, want %d train, %d eval, %d summary", k, tt.train, tt.eval, tt.summary)
			}
			found := false
			for _, e := range rs.Entries {
				if v, ok := e.Get(tt.key); ok && e.Step == tt.step {
					found = true
					if v != tt.value || e.Source.Fragment() != tt.frag || e.Source.Line != 0 || jsonEntryDigits(e) != DigitsFloat64 {
						t.Errorf("step %d %s = %v at %v, want %v at %s", tt.step, tt.key, v, e.Source, tt.value, tt.frag)
					}
				}
			}
			if !found {
				t.Errorf("no %s at step %d", tt.key, tt.step)
			}
			for key, want := range tt.geometry {
				if v, ok := rs.geometry(key); !ok || v.Value != want || v.Source.Fragment() == "" {
					t.Errorf("geometry %s = %+v, want %v", key, v, want)
				}
			}
			for key, want := range tt.info {
				if v, ok := rs.info(key); !ok || v.Value != want {
					t.Errorf("info %s = %+v, want %q", key, v, want)
				}
			}
			if tt.summaryKey != "" {
				if v, ok := rs.summary(tt.summaryKey); !ok || v.Value != tt.summaryValue || v.Source.String() != "hf_v5_overfit_eval/trainer_state.json#best_metric" {
					t.Errorf("summary %s = %+v, want %v", tt.summaryKey, v, tt.summaryValue)
				}
			}
		})
	}
}

// jsonEntryDigits returns the precision shared by all values of e, or -1.
func jsonEntryDigits(e *Entry) int {
	d := -1
	for i, kv := range e.Values {
		if i > 0 && kv.Digits != d {
			return -1
		}
		d = kv.Digits
	}
	return d
}

func TestTrainerStateCollect(t *testing.T) {
	rs := readTrainerState(t, "../examples/hf_v5_sft_lora_3ep/trainer_state.json")
	run := NewRun("sft")
	c := NewCollector(run)
	for _, e := range rs.Entries {
		c.Add(e)
	}
	for _, m := range rs.Metas {
		c.Add(m)
	}
	run = c.Run()
	loss := run.Get("loss")
	if loss.Len() != 750 {
		t.Fatalf("loss has %d points, want 750", loss.Len())
	}
	p, _ := loss.At(250)
	if p.Value != 4.971466541290283 || p.Epoch != 1 || p.Source.String() != "hf_v5_sft_lora_3ep/trainer_state.json#log_history[249]" {
		t.Errorf("loss at 250 = %+v", p)
	}
	if v := run.Summary["train_loss"]; v.Value != 4.2917072273890176 {
		t.Errorf("summary train_loss = %+v", v)
	}
	if v := run.Geometry[GeoMaxSteps]; v.Value != 750 || v.Source.String() != "hf_v5_sft_lora_3ep/trainer_state.json#max_steps" {
		t.Errorf("geometry max_steps = %+v", v)
	}
	if v := run.Info[InfoTrainingStopped]; v.Value != "true" {
		t.Errorf("should_training_stop = %+v", v)
	}
}

// TestTrainerStateCorpus reads every trainer_state.json of the corpus;
// the entry counts are those of SOURCES.md.
func TestTrainerStateCorpus(t *testing.T) {
	corpus := jsonCorpusDir(t)
	want := map[string]int{
		"hf-adu3110-24000entries": 24000, "hf-baize-tcm-6687steps": 6687, "hf-chatglm-cpt-rouge-eval": 31,
		"hf-chatglm2-ptuning-3000": 301, "hf-gemma2b-68k-bestckpt": 140, "hf-gemma3-1b-initial-loss-spike-eval": 94,
		"hf-geollm-131epochs-memorize": 300, "hf-gpt-pretrain-338k-steps": 3383, "hf-kevin-plateau-1000": 100,
		"hf-kgllm-fp16-nan-gradnorm-skipped-steps": 121, "hf-luojiu7b-cpt-8712steps": 1743,
		"hf-qlora-10000steps-25epochs": 1001, "hf-sft-tinyllama-mta-eval": 200, "hf-star-multihead-40k-interrupted": 2000,
		"lf-law-llama3-full-sft": 38, "lf-law-llama3-lora-sft": 76, "lf-nsllm-pair": 436, "lf-orpo-recsys": 34,
		"rl-dllm-remasking-loss-zero-2000": 2000, "trl-grpo-redteam-100": 100, "trl-grpo-taubench-single-entry": 1,
	}
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "trainer_state.json"))
	if len(files) < len(want) {
		t.Errorf("found %d trainer_state.json files, want at least %d", len(files), len(want))
	}
	for _, f := range files {
		run := filepath.Base(filepath.Dir(f))
		t.Run(run, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := Detect("trainer_state.json", data[:min(len(data), SniffSize)]); got.Name != "trainer-state" {
				t.Errorf("detected as %q", got.Name)
			}
			rs := readTrainerState(t, f)
			if len(rs.Errors) != 0 || rs.Err != nil {
				t.Fatalf("errors: %v %v", rs.Errors, rs.Err)
			}
			if n, ok := want[run]; ok && len(rs.Entries) != n {
				t.Errorf("%d entries, want %d", len(rs.Entries), n)
			}
			if _, ok := rs.geometry(GeoMaxSteps); !ok {
				t.Error("no max_steps")
			}
			for i, e := range rs.Entries {
				if e.Source.Fragment() != fmt.Sprintf("log_history[%d]", i) || e.Step < 0 {
					t.Fatalf("entry %d: step %d at %v", i, e.Step, e.Source)
				}
				if e.StepInferred && e.Kind != KindPredict {
					t.Errorf("entry %d: %v with inferred step %d", i, e.Kind, e.Step)
				}
			}
		})
	}
}

func TestTrainerStateNaNGradNorm(t *testing.T) {
	rs := readTrainerState(t, filepath.Join(jsonCorpusDir(t), "hf-kgllm-fp16-nan-gradnorm-skipped-steps", "trainer_state.json"))
	var nanSteps []int64
	lrs := map[int64]float64{}
	for _, e := range rs.Entries {
		lrs[e.Step], _ = e.Get("learning_rate")
		if v, ok := e.Get("grad_norm"); ok && math.IsNaN(v) {
			nanSteps = append(nanSteps, e.Step)
		}
	}
	// The fp16 scaler skipped these steps, so the scheduler did not move.
	if lrs[1] != 0 || lrs[2] != 0 || lrs[6] != lrs[5] || lrs[6] == 0 {
		t.Errorf("learning_rate at steps 1, 2, 5, 6 = %v %v %v %v", lrs[1], lrs[2], lrs[5], lrs[6])
	}
	if fmt.Sprint(nanSteps) != "[1 2 6]" {
		t.Errorf("NaN grad_norm at steps %v, want [1 2 6]", nanSteps)
	}
	if v, ok := rs.info(InfoTrainingStopped); !ok || v.Value != "false" {
		t.Errorf("should_training_stop = %+v", v)
	}
}

func TestTrainerStateOdd(t *testing.T) {
	data, err := os.ReadFile("testdata/json/trainer_state_odd.json")
	if err != nil {
		t.Fatal(err)
	}
	rs := jsonDrain(t, "trainer-state", "odd.json", data, Options{})
	if len(rs.Errors) != 0 {
		t.Fatalf("errors: %v", rs.Errors)
	}
	if len(rs.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(rs.Entries))
	}
	e := rs.Entries[0]
	var keys []string
	for _, kv := range e.Values {
		keys = append(keys, kv.Key)
	}
	// entropy is null, step_time a string, extra nested: all skipped.
	if got := strings.Join(keys, ","); got != "clip_ratio/region_mean,completions/mean_length,kl,reward,rewards/format/mean" {
		t.Errorf("keys = %s", got)
	}
	if v, _ := e.Get("kl"); !math.IsNaN(v) {
		t.Errorf("kl = %v, want NaN", v)
	}
	if v, _ := e.Get("rewards/format/mean"); !math.IsInf(v, -1) {
		t.Errorf("rewards/format/mean = %v, want -Inf", v)
	}
	if e.Kind != KindTrain || e.Step != 2 || e.Epoch != 0.25 {
		t.Errorf("entry 0 = %v step %d epoch %v", e.Kind, e.Step, e.Epoch)
	}
	if v, _ := rs.Entries[1].Get("reward"); !math.IsInf(v, 1) {
		t.Errorf("reward = %v, want +Inf", v)
	}
	if k := rs.Entries[2].Kind; k != KindPredict {
		t.Errorf("test_ entry kind = %v, want predict", k)
	}
	if _, ok := rs.info(InfoBestCheckpoint); ok {
		t.Error("null best_model_checkpoint gave an info")
	}
	if _, ok := rs.geometry(GeoBatchPerDevice); ok {
		t.Error("null train_batch_size gave a geometry value")
	}
	if v, ok := rs.geometry(GeoMaxSteps); !ok || v.Value != 8 {
		t.Errorf("max_steps = %+v", v)
	}
}

func TestTrainerStateBad(t *testing.T) {
	good, err := os.ReadFile("../examples/hf_v5_overfit_eval/trainer_state.json")
	if err != nil {
		t.Fatal(err)
	}
	cut := good[:len(good)/2]
	tests := []struct {
		name      string
		data      []byte
		entries   int
		line      int
		msg       string
		truncated bool
		noData    bool
	}{
		{"truncated", cut, 64, bytes.Count(cut, []byte("\n")) + 1, "unexpected end of input", true, false},
		{"no log_history", []byte("{\n  \"a\": 1\n}\n"), 0, 1, "no \"log_history\" array", false, true},
		{"log_history not array", []byte("{\"log_history\": 5}"), 0, 1, "expected '[' starting the log_history array, found a number", false, false},
		{"entry not object", []byte("{\"log_history\": [1, {\"loss\": 1, \"step\": 1}]}"), 1, 1, "log_history[0]: expected an object", false, false},
		{"bad entry", []byte("{\"log_history\": [{\"loss\": 1, \"step\": 1},\n {\"loss\": 1 \"step\": 2}]}"), 1, 2, "expected ',' or '}' after the value of \"loss\"", false, false},
		{"trailing data", []byte("{\"log_history\": []} {}"), 0, 1, "expected the end of the file", false, false},
		{"invalid utf8", []byte("{\"log_history\": [{\"note\": \"\xc3\x28\"}]}"), 0, 1, "invalid UTF-8", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := jsonDrain(t, "trainer-state", "s.json", tt.data, Options{})
			if len(rs.Entries) != tt.entries {
				t.Errorf("%d entries, want %d", len(rs.Entries), tt.entries)
			}
			if len(rs.Errors) != 1 {
				t.Fatalf("errors = %v, want one", rs.Errors)
			}
			e := rs.Errors[0]
			if e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) || errors.Is(e, ErrTruncated) != tt.truncated || errors.Is(e, ErrNoData) != tt.noData {
				t.Errorf("error = %v (cause %v), want line %d with %q", e, e.Err, tt.line, tt.msg)
			}
		})
	}
}

func FuzzTrainerState(f *testing.F) {
	for _, p := range []string{"../examples/hf_v5_overfit_eval/trainer_state.json", "testdata/json/trainer_state_odd.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 4096)])
		f.Add(data[len(data)-min(len(data), 2048):])
		f.Add(data)
	}
	f.Add([]byte(`{"log_history": [{"grad_norm": NaN, "loss": -Infinity, "step": 1e400}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		rs := jsonDrain(t, "trainer-state", "f.json", data, Options{})
		if rs.Err != nil {
			t.Fatalf("I/O error from a byte slice: %v", rs.Err)
		}
		checkTrainerStateReadAll(t, data)
		// Only elements of log_history that are not objects let reading
		// go on after an error.
		if len(rs.Errors) > bytes.Count(data, []byte(","))+2 {
			t.Fatalf("%d syntax errors from %d commas", len(rs.Errors), bytes.Count(data, []byte(",")))
		}
		for _, e := range rs.Entries {
			if !strings.HasPrefix(e.Source.Fragment(), "log_history[") || e.Source.File != "f.json" || e.Step < -1 {
				t.Fatalf("bad entry %+v", e)
			}
		}
		for _, e := range rs.Errors {
			if e.File != "f.json" || e.Msg == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		// The one-object formats must cope with the same input.
		for _, format := range []string{"hf-results", "wandb-summary"} {
			rs := jsonDrain(t, format, "f.json", data, Options{})
			if len(rs.Entries) != 0 || len(rs.Errors) > 1 {
				t.Fatalf("%s: %d entries, errors %v", format, len(rs.Entries), rs.Errors)
			}
		}
	})
}

// checkTrainerStateReadAll checks that readAll, cutting log_history into
// parts of several sizes, passes on the records a loop over Scan returns.
func checkTrainerStateReadAll(t *testing.T, data []byte) {
	t.Helper()
	var want []string
	r := newTrainerStateReader("f.json", bytes.NewReader(data))
	for r.Scan() {
		want = append(want, recordString(r.Record()))
	}
	wantErr := fmt.Sprint(r.Err())
	for _, size := range []int{1, 7, 100, 0} {
		var got []string
		r := newTrainerStateReader("f.json", bytes.NewReader(data))
		r.chunkBytes = size
		r.readAll(func(rec Record) { got = append(got, recordString(rec)) })
		if !slices.Equal(got, want) || fmt.Sprint(r.Err()) != wantErr {
			t.Fatalf("parts of %d bytes: readAll passed\n%s\n(err %v), Scan returned\n%s\n(err %s)", size, strings.Join(got, "\n"), r.Err(), strings.Join(want, "\n"), wantErr)
		}
	}
}

// TestTrainerStateReadAll reads documents whose log_history parts end
// everywhere: damaged, truncated, with odd elements, strings holding
// brackets and escapes, and predict entries without a step after a part's
// end.
func TestTrainerStateReadAll(t *testing.T) {
	good, err := os.ReadFile("../examples/hf_v5_overfit_eval/trainer_state.json")
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{
		good,
		good[:len(good)/2],
		good[:len(good)-3],
		[]byte(`{"log_history": []}`),
		[]byte(`{"log_history": [ ]  , "max_steps": 5}`),
		[]byte(`{"log_history": [1, {"loss": 1, "step": 1}, "x", [2, {"a": "]"}], {"test_loss": 2}]}`),
		[]byte(`{"log_history": [{"loss": 1, "step": 3}, {"test_loss": 2}, {"predict_loss": 1}, {"loss": 2, "step": 4},]}`),
		[]byte("{\"log_history\": [{\"note\": \"a \\\" ] } , [ {\", \"loss\": 1, \"step\": 1},\n {\"loss\": 1 \"step\": 2}, {\"loss\": 3, \"step\": 3}]}"),
		[]byte(`{"log_history": [{"loss": 1, "step": 1}}, {"loss": 2, "step": 2}]}`),
		[]byte(`{"log_history": [{"loss": 1, "step": 1}, {"loss": 2, "step": 2.5}, {"loss": 3, "step": 3}`),
		[]byte(`{"log_history": [{"loss": 1, "step": 1}, {"loss": 2, "step": 2}] "x": 1}`),
		[]byte(`{"log_history": [{"loss": 1, "step": 1}, , {"loss": 2}]}`),
	}
	for i, d := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkTrainerStateReadAll(t, d) })
	}
}

// TestTrainerStateReadAllMutations damages a real document at random
// (bytes deleted, replaced or inserted, mostly structural ones) and
// checks readAll against Scan on each.
func TestTrainerStateReadAllMutations(t *testing.T) {
	good, err := os.ReadFile("../examples/hf_v5_overfit_eval/trainer_state.json")
	if err != nil {
		t.Fatal(err)
	}
	good = good[:min(len(good), 6000)]
	r := rand.New(rand.NewPCG(5, 6))
	const special = "{}[],:\"\\ \nN"
	for trial := range 300 {
		d := append([]byte(nil), good...)
		for range 1 + r.IntN(3) {
			i := r.IntN(len(d))
			switch r.IntN(3) {
			case 0:
				d = append(d[:i], d[i+1:]...)
			case 1:
				d[i] = special[r.IntN(len(special))]
			default:
				d = append(d[:i], append([]byte{special[r.IntN(len(special))]}, d[i:]...)...)
			}
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) { checkTrainerStateReadAll(t, d) })
	}
}
