package trainlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	hcSFT     = "../examples/hf_v5_sft_lora_3ep"
	hcOverfit = "../examples/hf_v5_overfit_eval"
)

// hcRead reads data with the console reader and returns its records. It
// fails on a panic, a repeated record or an I/O error.
func hcRead(t testing.TB, name string, data []byte) []Record {
	t.Helper()
	return hcReadFrom(t, newConsoleReader(name, bytes.NewReader(data)))
}

func hcReadFrom(t testing.TB, r Reader) []Record {
	t.Helper()
	var recs []Record
	seen := map[Record]bool{}
	for r.Scan() {
		rec := r.Record()
		if seen[rec] {
			t.Fatalf("record %d returned twice", len(recs))
		}
		seen[rec] = true
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	if r.Scan() {
		t.Fatal("Scan returned true after the end")
	}
	return recs
}

func hcReadFile(t testing.TB, path, name string) []Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return hcRead(t, name, data)
}

// hcEntries returns the entries of a kind and origin.
func hcEntries(recs []Record, kind Kind, origin string) []*Entry {
	var out []*Entry
	for _, r := range recs {
		if e, ok := r.(*Entry); ok && e.Kind == kind && e.Origin == origin {
			out = append(out, e)
		}
	}
	return out
}

func hcStepsOf(es []*Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Step
	}
	return out
}

// hcRange returns from, from+by, ... up to to.
func hcRange(from, to, by int64) []int64 {
	var out []int64
	for s := from; s <= to; s += by {
		out = append(out, s)
	}
	return out
}

func hcSameSteps(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d steps, want %d: %v", what, len(got), len(want), hcClipInts(got))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: step %d is %d, want %d", what, i, got[i], want[i])
			return
		}
	}
}

func hcClipInts(s []int64) []int64 { return s[:min(len(s), 12)] }

// hcMetas collects the meta records by kind.
type hcMetas struct {
	geo, sum map[string]Value
	info     map[string]Text
	events   []Event
	syntax   []*SyntaxError
}

func hcCollectMetas(recs []Record) hcMetas {
	m := hcMetas{geo: map[string]Value{}, sum: map[string]Value{}, info: map[string]Text{}}
	for _, r := range recs {
		switch r := r.(type) {
		case *Meta:
			switch {
			case r.Geometry != nil:
				m.geo[r.Geometry.Key] = *r.Geometry
			case r.Summary != nil:
				m.sum[r.Summary.Key] = *r.Summary
			case r.Info != nil:
				m.info[r.Info.Key] = *r.Info
			case r.Event != nil:
				m.events = append(m.events, *r.Event)
			}
		case *SyntaxError:
			m.syntax = append(m.syntax, r)
		}
	}
	return m
}

func (m hcMetas) eventsOf(kind EventKind) []Event {
	var out []Event
	for _, e := range m.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// hcGrepLines returns the 1-based numbers of the lines holding sub, as
// grep -n prints them.
func hcGrepLines(t *testing.T, path, sub string) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, n)
		}
	}
	return out
}

func TestConsoleExampleSFT(t *testing.T) {
	path := filepath.Join(hcSFT, "console.log")
	recs := hcReadFile(t, path, "console.log")
	dicts := hcEntries(recs, KindTrain, "")
	cbs := hcEntries(recs, KindTrain, "callback")
	hcSameSteps(t, "dict steps", hcStepsOf(dicts), hcRange(1, 750, 1))
	hcSameSteps(t, "callback steps", hcStepsOf(cbs), hcRange(1, 750, 1))
	lines := hcGrepLines(t, path, "{'loss'")
	for i, e := range dicts {
		if i < len(lines) && e.Source.Line != lines[i] {
			t.Fatalf("dict %d at line %d, grep -n says %d", i, e.Source.Line, lines[i])
		}
		if !e.StepInferred {
			t.Fatalf("dict at %s: StepInferred is false", e.Source)
		}
	}
	if len(dicts) < 250 || len(cbs) < 250 {
		t.Fatal("too few entries")
	}
	// grep -n "Step 250/750" console.log: 518; the dict follows at 519.
	e := dicts[249]
	if v, _ := e.Get("loss"); v != 4.971 || e.Source.Line != 519 || e.Epoch != 1 {
		t.Errorf("step 250 dict: loss %v epoch %v at %s, want 4.971, 1 at console.log:519", v, e.Epoch, e.Source)
	}
	if e.Values[0].Digits != 4 {
		t.Errorf("v5 quoted loss: Digits %d, want 4", e.Values[0].Digits)
	}
	c := cbs[249]
	want := []KV{{"loss", 4.9715, 5}, {"lr", 6.68e-04, 3}, {"grad_norm", 3.875, 4}}
	if c.Step != 250 || c.StepInferred || c.Source.Line != 518 || fmt.Sprint(c.Values) != fmt.Sprint(want) || !math.IsNaN(c.Epoch) {
		t.Errorf("step 250 callback: %+v, want step 250 at line 518 with %v and no epoch (printed with 2 decimals)", *c, want)
	}
	if got := Canonical(KindTrain, c.Values[1].Key); got != "learning_rate" {
		t.Errorf("callback key lr is canonical %q", got)
	}

	m := hcCollectMetas(recs)
	for _, g := range []struct {
		key  string
		v    float64
		line int
	}{
		{GeoExamples, 1000, 12}, {GeoEpochs, 3, 13}, {GeoStepsPerEpoch, 250, 14}, {GeoBatchPerDevice, 2, 15},
		{GeoTotalBatch, 4, 16}, {GeoGradAccum, 2, 17}, {GeoMaxSteps, 750, 18}, {GeoTrainableParams, 524288, 19},
		{GeoTotalParams, 3150080, 10},
	} {
		if v, ok := m.geo[g.key]; !ok || v.Value != g.v || v.Source.Line != g.line {
			t.Errorf("geometry %s = %+v, want %g at line %d", g.key, v, g.v, g.line)
		}
	}
	sums := hcEntries(recs, KindSummary, "")
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	if v, _ := sums[0].Get("train_runtime"); v != 65.02 || sums[0].Source.Line != 1528 || sums[0].Step != 750 {
		t.Errorf("summary: train_runtime %v at %s step %d, want 65.02 at console.log:1528 step 750", v, sums[0].Source, sums[0].Step)
	}
	for key, want := range map[string]float64{"tqdm_step": 750, "tqdm_total": 750, "tqdm_elapsed_seconds": 65, "tqdm_it_per_second": 11.53} {
		if v := m.sum[key]; v.Value != want || v.Source.Line != 1529 {
			t.Errorf("%s = %+v, want %g at line 1529", key, v, want)
		}
	}
	// The bar printed it/s: s/it is not a logged value, so it is not emitted.
	if v, ok := m.sum["tqdm_seconds_per_it"]; ok {
		t.Errorf("tqdm_seconds_per_it = %+v, want none (the bar printed it/s)", v)
	}
	if p := m.info[InfoProgress].Value; p != "750/750 [01:05<00:00, 11.53it/s]" {
		t.Errorf("progress %q", p)
	}
	if l := m.info[InfoLibrary]; !strings.HasPrefix(l.Value, "transformers 5.17.0") || l.Source.Line != 1 {
		t.Errorf("library %+v", l)
	}
	if len(m.syntax) > 0 || len(m.events) > 0 {
		t.Errorf("syntax errors %v, events %v", m.syntax, m.events)
	}
}

// hcStateSteps returns the steps of the train and eval logs of a
// trainer_state.json.
func hcStateSteps(t *testing.T, path string) (train, eval []int64, evalEpoch []float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		LogHistory []map[string]any `json:"log_history"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	for _, h := range st.LogHistory {
		step := int64(h["step"].(float64))
		if _, ok := h["loss"]; ok {
			train = append(train, step)
		}
		if _, ok := h["eval_loss"]; ok {
			eval = append(eval, step)
			evalEpoch = append(evalEpoch, h["epoch"].(float64))
		}
	}
	return train, eval, evalEpoch
}

func TestConsoleExampleOverfit(t *testing.T) {
	recs := hcReadFile(t, filepath.Join(hcOverfit, "console.log"), "console.log")
	train, eval, evalEpoch := hcStateSteps(t, filepath.Join(hcOverfit, "trainer_state.json"))
	hcSameSteps(t, "train", hcStepsOf(hcEntries(recs, KindTrain, "")), train)
	evals := hcEntries(recs, KindEval, "")
	hcSameSteps(t, "eval", hcStepsOf(evals), eval)
	hcSameSteps(t, "train (fixed)", train, hcRange(5, 500, 5))
	hcSameSteps(t, "eval (fixed)", eval, hcRange(20, 500, 20))
	for i, e := range evals {
		if i < len(evalEpoch) && e.Epoch != evalEpoch[i] {
			t.Errorf("eval %d: epoch %v, trainer_state.json %v", i, e.Epoch, evalEpoch[i])
		}
	}
	if len(evals) > 0 {
		if v, _ := evals[0].Get("eval_loss"); v != 5.992 || evals[0].Source.Line != 10 {
			t.Errorf("first eval: %v at %s, want 5.992 at console.log:10", v, evals[0].Source)
		}
	}
	m := hcCollectMetas(recs)
	if m.sum["tqdm_step"].Value != 500 || m.sum["tqdm_it_per_second"].Value != 29.67 {
		t.Errorf("tqdm summary %+v", m.sum)
	}
}

// TestConsoleSnippets reads short real and hand-written logs.
func TestConsoleSnippets(t *testing.T) {
	for _, tc := range []struct {
		file         string
		train, eval  []int64
		geo          map[string]float64
		events       []EventKind
		info         map[string]string // key -> substring
		eventSubstr  string
		cbs, summary int
	}{
		{file: "v5_sft_head.log", train: hcRange(1, 5, 1), cbs: 6,
			geo:  map[string]float64{GeoStepsPerEpoch: 250, GeoMaxSteps: 750},
			info: map[string]string{InfoLibrary: "transformers 5.17.0, peft", InfoProgress: "5/750 [00:00<01:42,  7.28it/s]"}},
		{file: "v5_sft_tail.log", train: []int64{749, 750}, cbs: 1, summary: 1,
			info: map[string]string{InfoProgress: "750/750 [01:05<00:00, 11.53it/s]"}},
		{file: "v5_overfit_head.log", train: hcRange(5, 30, 5), eval: []int64{20}},
		{file: "v4_buffered.log", train: hcRange(10, 100, 10), eval: []int64{40, 100}, summary: 1,
			geo: map[string]float64{GeoExamples: 400, GeoTotalBatch: 8, GeoGradAccum: 2, GeoTrainableParams: 4194304}},
		{file: "unsloth.log", train: []int64{1, 2},
			geo:  map[string]float64{GeoExamples: 51760, GeoEpochs: 1, GeoMaxSteps: 60, GeoBatchPerDevice: 2, GeoGradAccum: 4, GeoWorldSize: 1, GeoTotalBatch: 8, GeoTrainableParams: 41943040, GeoTotalParams: 8072204288},
			info: map[string]string{InfoLibrary: "unsloth 2025.3.19"}},
		{file: "torchrun_oom.log", train: []int64{1, 2}, events: []EventKind{EventCrash}, eventSubstr: "torch.OutOfMemoryError: CUDA out of memory"},
		{file: "deepspeed_overflow.log", train: []int64{1, 2}, events: []EventKind{EventSkippedStep, EventSkippedStep}},
		{file: "multinode_dups.log", train: []int64{1, 2}, events: []EventKind{EventDuplicate}, eventSubstr: "2 log dicts"},
		{file: "resumed_wrappers.log", train: []int64{110, 120}, events: []EventKind{EventRestart},
			geo: map[string]float64{GeoResumedFrom: 100}},
		{file: "llamafactory_running.log", train: hcRange(5, 25, 5),
			geo:  map[string]float64{GeoExamples: 2182, GeoMaxSteps: 51, GeoTotalParams: 6929104896},
			info: map[string]string{InfoLibrary: "llamafactory"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recs := hcReadFile(t, filepath.Join("testdata/console", tc.file), tc.file)
			hcSameSteps(t, "train", hcStepsOf(hcEntries(recs, KindTrain, "")), tc.train)
			hcSameSteps(t, "eval", hcStepsOf(hcEntries(recs, KindEval, "")), tc.eval)
			if n := len(hcEntries(recs, KindTrain, "callback")); n != tc.cbs {
				t.Errorf("%d callback entries, want %d", n, tc.cbs)
			}
			if n := len(hcEntries(recs, KindSummary, "")); n != tc.summary {
				t.Errorf("%d summaries, want %d", n, tc.summary)
			}
			m := hcCollectMetas(recs)
			for k, v := range tc.geo {
				if g, ok := m.geo[k]; !ok || g.Value != v || g.Source.Line <= 0 {
					t.Errorf("geometry %s = %+v, want %g", k, g, v)
				}
			}
			var kinds []EventKind
			for _, e := range m.events {
				kinds = append(kinds, e.Kind)
				if len(e.Sources) == 0 || e.Sources[0].Line <= 0 {
					t.Errorf("event without a source line: %+v", e)
				}
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tc.events) {
				t.Errorf("events %v, want %v", kinds, tc.events)
			}
			if tc.eventSubstr != "" && (len(m.events) == 0 || !strings.Contains(m.events[0].Message, tc.eventSubstr)) {
				t.Errorf("events %+v, want one saying %q", m.events, tc.eventSubstr)
			}
			for k, sub := range tc.info {
				if !strings.Contains(m.info[k].Value, sub) {
					t.Errorf("info %s = %q, want it to contain %q", k, m.info[k].Value, sub)
				}
			}
			if len(m.syntax) > 0 {
				t.Errorf("syntax errors: %v", m.syntax)
			}
		})
	}
}

func TestConsoleValues(t *testing.T) {
	recs := hcReadFile(t, "testdata/console/resumed_wrappers.log", "x.log")
	es := hcEntries(recs, KindTrain, "")
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	want := []KV{{"loss", 0.5, 4}, {"grad_norm", 0.25, DigitsFloat64}, {"reward", 0.75, 4}}
	if fmt.Sprint(es[0].Values) != fmt.Sprint(want) || es[0].Epoch != 0.88 {
		t.Errorf("values %v epoch %v, want %v (None, booleans and strings skipped)", es[0].Values, es[0].Epoch, want)
	}
	recs = hcReadFile(t, "testdata/console/deepspeed_overflow.log", "x.log")
	es = hcEntries(recs, KindTrain, "")
	if v, _ := es[0].Get("grad_norm"); !math.IsInf(v, 1) {
		t.Errorf("grad_norm inf read as %v", v)
	}
	if v, _ := es[1].Get("grad_norm"); !math.IsNaN(v) || es[1].Values[0].Digits != 1 {
		t.Errorf("grad_norm nan read as %v; loss 0.0 digits %d, want 1", v, es[1].Values[0].Digits)
	}
}

func TestConsoleDigits(t *testing.T) {
	for _, tc := range []struct {
		key, text string
		want      int
	}{
		{"loss", "'6.284'", 4},              // v5 .4g string
		{"loss", "'0.0006557'", 4},          // v5, small
		{"mean_token_accuracy", "'1'", 4},   // v5 prints 1.0 as '1'
		{"loss", "0.6915", 4},               // v4: rounded to 4 decimals
		{"loss", "2.2818", 5},               // 4 decimals of a number above 1
		{"loss", "12.5", 6},                 // 12.5000
		{"loss", "0.0", 1},                  // a rounded tiny loss
		{"loss", "2.104823112487793", 17},   // before rounding (v4.1)
		{"grad_norm", "47871.69921875", 17}, // a repr
		{"num_tokens", "201043", 17},        // an int
		{"learning_rate", "2.5000e-06", 5},  // LLaMA-Factory's .4e
		{"reward", "tensor(0.7500, device='cuda:0')", 4},
		{"reward", "np.float64(0.25)", 17},
		{"grad_norm", "nan", 17},
	} {
		items, _, st, _ := pdDict([]byte("{'"+tc.key+"': "+tc.text+"}"), nil)
		if st != pdOK || len(items) != 1 {
			t.Errorf("%s: parse status %v", tc.text, st)
			continue
		}
		if got := hcDigits(tc.key, &items[0]); got != tc.want {
			t.Errorf("%s: %s has %d digits, want %d", tc.key, tc.text, got, tc.want)
		}
	}
}
