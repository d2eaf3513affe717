package trainlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
)

// csvRecords is what a reader yielded, by type.
type csvRecords struct {
	entries []*Entry
	metas   []*Meta
	errs    []*SyntaxError
}

// csvDrain reads rd to its end, failing on an I/O error or an endless
// reader.
func csvDrain(t testing.TB, rd Reader) csvRecords {
	t.Helper()
	var out csvRecords
	for n := 0; rd.Scan(); n++ {
		if n > 10_000_000 {
			t.Fatal("reader does not stop")
		}
		switch rec := rd.Record().(type) {
		case *Entry:
			out.entries = append(out.entries, rec)
		case *Meta:
			out.metas = append(out.metas, rec)
		case *SyntaxError:
			out.errs = append(out.errs, rec)
		default:
			t.Fatalf("unexpected record %T", rec)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	return out
}

// csvOpen sniffs data with Open, checks the format, and drains it.
func csvOpen(t testing.TB, name string, data []byte, opts Options, wantFormat string) csvRecords {
	t.Helper()
	rd, f, err := Open(name, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	if f.Name != wantFormat {
		t.Fatalf("Open(%s) detected %q, want %q", name, f.Name, wantFormat)
	}
	return csvDrain(t, rd)
}

// csvCollect groups records into a run.
func csvCollect(recs csvRecords) *Run {
	c := NewCollector(NewRun("test"))
	for _, e := range recs.entries {
		c.Add(e)
	}
	for _, m := range recs.metas {
		c.Add(m)
	}
	for _, e := range recs.errs {
		c.Add(e)
	}
	return c.Run()
}

// csvCorpus returns the path of a corpus file, skipping the test when
// the corpus is absent (and failing when PLATEAU_CORPUS says it must be
// there).
func csvCorpus(t testing.TB, rel string) string {
	t.Helper()
	return testcorpus.Path(t, rel)
}

func csvReadFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// csvCheckEntries asserts the invariants every entry must hold.
func csvCheckEntries(t testing.TB, recs csvRecords, name string) {
	t.Helper()
	for _, e := range recs.entries {
		if e.Source.File != name || e.Source.Line < 1 {
			t.Fatalf("entry source %v, want %s:<line>", e.Source, name)
		}
		if len(e.Values) == 0 {
			t.Fatalf("%v: entry without values", e.Source)
		}
		if e.Step < 0 && !e.StepInferred {
			t.Fatalf("%v: step %d not marked inferred", e.Source, e.Step)
		}
		for _, kv := range e.Values {
			if kv.Digits < 1 || kv.Digits > DigitsFloat64 {
				t.Fatalf("%v: %s digits %d out of range", e.Source, kv.Key, kv.Digits)
			}
		}
	}
	for _, e := range recs.errs {
		if e.File != name || e.Line < 0 || e.Msg == "" {
			t.Fatalf("bad syntax error %#v", e)
		}
	}
}

func TestLightningCSVCorpus(t *testing.T) {
	tests := []struct {
		rel                string
		series             string
		n                  int
		first, last        float64
		firstAt, lastAt    string
		firstStep, lastStp int64
		epochs             [2]float64 // of the first and last points
	}{
		{"lightning-slm-wikitext103-10ep/metrics.csv", "loss", 2814, 7.628580570220947, 3.565943479537964, "metrics.csv:2", "metrics.csv:2833", 49, 140699, [2]float64{0, 9}},
		{"lightning-slm-wikitext103-10ep/metrics.csv", "eval_loss", 10, 4.132571697235107, 3.570486068725586, "metrics.csv:283", "metrics.csv:2834", 14073, 140739, [2]float64{0, 9}},
		// Epoch-end aggregates are logged after the epoch: 10 epochs done.
		{"lightning-slm-wikitext103-10ep/metrics.csv", "train_loss_epoch", 10, 4.776971817016602, 3.687237024307251, "metrics.csv:284", "metrics.csv:2835", 14073, 140739, [2]float64{1, 10}},
		{"lightning-turngpt-gpt2-finetune/metrics.csv", "loss", 50, 2.369102716445923, 2.243922710418701, "metrics.csv:2", "metrics.csv:51", 49, 2499, [2]float64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.rel+"/"+tt.series, func(t *testing.T) {
			data := csvReadFile(t, csvCorpus(t, tt.rel))
			recs := csvOpen(t, "metrics.csv", data, Options{}, "lightning-csv")
			csvCheckEntries(t, recs, "metrics.csv")
			if len(recs.errs) != 0 {
				t.Fatalf("errors: %v", recs.errs)
			}
			run := csvCollect(recs)
			s := run.Get(tt.series)
			if s.Len() != tt.n {
				t.Fatalf("%s: %d points, want %d (series %v)", tt.series, s.Len(), tt.n, run.SeriesNames())
			}
			first, last := s.Point(0), s.Point(s.Len()-1)
			if first.Value != tt.first || first.Source.String() != tt.firstAt || first.Step != tt.firstStep {
				t.Errorf("first = %v at %v step %d, want %v at %s step %d", first.Value, first.Source, first.Step, tt.first, tt.firstAt, tt.firstStep)
			}
			if last.Value != tt.last || last.Source.String() != tt.lastAt || last.Step != tt.lastStp {
				t.Errorf("last = %v at %v step %d, want %v at %s step %d", last.Value, last.Source, last.Step, tt.last, tt.lastAt, tt.lastStp)
			}
			if first.Epoch != tt.epochs[0] || last.Epoch != tt.epochs[1] || first.StepInferred {
				t.Errorf("epochs %v..%v inferred %v, want %v and false", first.Epoch, last.Epoch, first.StepInferred, tt.epochs)
			}
			if len(run.Events) != 0 {
				t.Errorf("events: %v", run.Events)
			}
		})
	}
}

func TestLightningCSVCorpusKinds(t *testing.T) {
	data := csvReadFile(t, csvCorpus(t, "lightning-slm-wikitext103-10ep/metrics.csv"))
	recs := csvOpen(t, "metrics.csv", data, Options{}, "lightning-csv")
	kinds := map[Kind]int{}
	for _, e := range recs.entries {
		kinds[e.Kind]++
	}
	// 2834 rows: 2814 per-step rows and 10 epoch-end rows are train, 10
	// validation rows are eval.
	if kinds[KindTrain] != 2824 || kinds[KindEval] != 10 || len(recs.entries) != 2834 {
		t.Errorf("kinds = %v (%d entries), want 2824 train and 10 eval", kinds, len(recs.entries))
	}
	// Digits as written: 7.628580570220947 has 16.
	if d := recs.entries[0].Values[0].Digits; d != 16 {
		t.Errorf("digits of 7.628580570220947 = %d, want 16", d)
	}
}

func TestLightningCSV(t *testing.T) {
	type point struct {
		series string
		step   int64
		value  float64
		line   int
	}
	tests := []struct {
		file   string
		points []point
		counts map[string]int
		errs   []string
	}{{
		file: "lightning_header_rewrite.csv",
		points: []point{
			{"loss", 49, 2.913, 2}, {"loss", 99, 2.477, 3}, {"eval_loss", 155, 2.301, 5},
			{"train_loss_epoch", 155, 2.688, 6}, {"loss", 249, math.NaN(), 8},
			{"loss", 299, math.Inf(1), 9}, {"eval_loss", 311, 2.154, 10},
		},
		counts: map[string]int{"loss": 5, "eval_loss": 2, "train_loss_epoch": 1},
	}, {
		file:   "lightning_ragged.csv",
		points: []point{{"loss", 49, 2.913, 2}, {"eval_loss", 155, 2.301, 5}, {"loss", 299, 2.051, 9}},
		counts: map[string]int{"loss": 2, "eval_loss": 1},
		errs: []string{
			"lightning_ragged.csv:3: row has 3 cells, expected 4 as in the header at line 1",
			"lightning_ragged.csv:4: row has 6 cells, expected 4 as in the header at line 1",
			`lightning_ragged.csv:6: column "train_loss_step": expected a number, got "abc"`,
			`lightning_ragged.csv:7: column "train_loss_step": expected a number, got "2.2\n5"`,
		},
	}, {
		file: "lightning_header_only.csv",
		errs: []string{"lightning_header_only.csv:1: a header and no data rows (a logger that buffers rows, like Lightning's CSVLogger, loses them when the run is killed)"},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := csvReadFile(t, filepath.Join("testdata", "csv", tt.file))
			recs := csvOpen(t, tt.file, data, Options{}, "lightning-csv")
			csvCheckEntries(t, recs, tt.file)
			var got []string
			for _, e := range recs.errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
			}
			run := csvCollect(recs)
			for name, n := range tt.counts {
				if got := run.Get(name).Len(); got != n {
					t.Errorf("%s: %d points, want %d", name, got, n)
				}
			}
			for _, p := range tt.points {
				got, ok := run.Get(p.series).At(p.step)
				same := got.Value == p.value || (math.IsNaN(got.Value) && math.IsNaN(p.value))
				if !ok || !same || got.Source.Line != p.line {
					t.Errorf("%s@%d = %v at %v (found %v), want %v at line %d", p.series, p.step, got.Value, got.Source, ok, p.value, p.line)
				}
			}
		})
	}
}

// TestCSVMixedRow checks that a row mixing train and validation values
// becomes two entries of one source, and the summary digits.
func TestCSVMixedRow(t *testing.T) {
	in := "epoch,step,train_loss_epoch,val_acc,val_loss,test_loss\n1,311,2.5,0.75,2.25,\n1,311,,,,2.4\n"
	recs := csvOpen(t, "metrics.csv", []byte(in), Options{}, "lightning-csv")
	var got []string
	for _, e := range recs.entries {
		got = append(got, fmt.Sprintf("%s %d %v %v", e.Kind, e.Step, e.Source, e.Values))
	}
	want := []string{
		"train 311 metrics.csv:2 [{train_loss_epoch 2.5 2}]",
		"eval 311 metrics.csv:2 [{val_acc 0.75 2} {val_loss 2.25 3}]",
		"predict 311 metrics.csv:3 [{test_loss 2.4 2}]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	run := csvCollect(recs)
	for _, name := range []string{"train_loss_epoch", "eval_acc", "eval_loss", "test_loss"} {
		if run.Get(name).Len() != 1 {
			t.Errorf("series %s missing: %v", name, run.SeriesNames())
		}
	}
}

func TestGenericCSV(t *testing.T) {
	data := csvReadFile(t, filepath.Join("testdata", "csv", "generic_steps.csv"))
	tests := []struct {
		name   string
		opts   Options
		series map[string][2]float64 // first and last value
		steps  [2]int64
		errs   []string
	}{{
		name:   "defaults",
		series: map[string][2]float64{"loss": {3.912, 2.977}, "eval_loss": {3.551, 3.298}, "learning_rate": {0.0003, 0.00015}},
		steps:  [2]int64{100, 500},
		errs:   []string{`generic_steps.csv:2: column "model": expected a number, got "gpt2" (further text cells of this column are skipped silently)`},
	}, {
		name:   "mapping",
		opts:   Options{StepColumn: "iteration", Metrics: map[string]string{"loss": "train_loss", "eval_loss": "val_loss"}},
		series: map[string][2]float64{"loss": {3.912, 2.977}, "eval_loss": {3.551, 3.298}},
		steps:  [2]int64{100, 500},
	}, {
		name:   "missing-column",
		opts:   Options{Metrics: map[string]string{"loss": "train_loss", "grad_norm": "gnorm"}},
		series: map[string][2]float64{"loss": {3.912, 2.977}},
		steps:  [2]int64{100, 500},
		errs:   []string{`generic_steps.csv:1: --metric grad_norm=gnorm: no column "gnorm" in the header; the columns are: "iteration", "wall_time", "model", "train_loss", "val_loss", "lr"`},
	}, {
		name:   "missing-step",
		opts:   Options{StepColumn: "global_step", Metrics: map[string]string{"loss": "train_loss"}},
		series: map[string][2]float64{"loss": {3.912, 2.977}},
		steps:  [2]int64{1, 5},
		errs:   []string{`generic_steps.csv:1: --step global_step: no column "global_step" in the header; the columns are: "iteration", "wall_time", "model", "train_loss", "val_loss", "lr"`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := csvOpen(t, "generic_steps.csv", data, tt.opts, "csv")
			csvCheckEntries(t, recs, "generic_steps.csv")
			var errs []string
			for _, e := range recs.errs {
				errs = append(errs, e.Error())
			}
			if strings.Join(errs, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.errs, "\n"))
			}
			run := csvCollect(recs)
			if len(run.Series) != len(tt.series) {
				t.Errorf("series %v, want %d", run.SeriesNames(), len(tt.series))
			}
			for name, fl := range tt.series {
				s := run.Get(name)
				if s.Len() == 0 {
					t.Fatalf("no series %s in %v", name, run.SeriesNames())
				}
				if s.Point(0).Value != fl[0] || s.Point(s.Len()-1).Value != fl[1] {
					t.Errorf("%s: first %v last %v, want %v", name, s.Point(0).Value, s.Point(s.Len()-1).Value, fl)
				}
			}
			loss := run.Get("loss")
			if loss.Point(0).Step != tt.steps[0] || loss.Point(loss.Len()-1).Step != tt.steps[1] {
				t.Errorf("loss steps %d..%d, want %v", loss.Point(0).Step, loss.Point(loss.Len()-1).Step, tt.steps)
			}
			if p := loss.Point(0); p.Time != 1712000000.5 || p.Source.Line != 2 {
				t.Errorf("first loss time %v at %v, want 1712000000.5 at line 2", p.Time, p.Source)
			}
		})
	}
}

// TestCSVBadInput feeds each CSV reader inputs that are not what it
// expects: the messages must say where and what, and nothing panics.
func TestCSVBadInput(t *testing.T) {
	tests := []struct {
		name, in string
		errs     []string
		cause    error
	}{
		{"empty", "", []string{"x.csv: empty file: expected a CSV header line"}, ErrNoData},
		{"binary", "\x00\x01\x02\x03step,loss\n", []string{"x.csv:1: binary data: expected CSV text"}, ErrBinary},
		{"header-only", "step,loss\n", []string{"x.csv:1: a header and no data rows (a logger that buffers rows, like Lightning's CSVLogger, loses them when the run is killed)"}, ErrNoData},
		{"bare-quote", "step,loss\n1,2\"3\n2,0.5\n", []string{`x.csv:2: malformed CSV row: bare " in non-quoted-field (expected comma-separated cells, quotes doubled inside quoted cells)`}, nil},
		{"unterminated-quote", "step,loss\n1,0.5\n2,\"0.4\n3,0.3\n", []string{`x.csv:3: malformed CSV row: extraneous or missing " in quoted-field (expected comma-separated cells, quotes doubled inside quoted cells)`}, nil},
		{"bad-step", "step,loss\n-1,0.5\n1.5,0.4\n", []string{`x.csv:2: column "step": expected a step (an integer >= 0), got "-1"`, `x.csv:3: column "step": expected a step (an integer >= 0), got "1.5"`}, nil},
	}
	for _, tt := range tests {
		for _, format := range []string{"csv", "lightning-csv", "wandb-csv"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				f, _ := LookupFormat(format)
				recs := csvDrain(t, f.NewReader("x.csv", strings.NewReader(tt.in), Options{}))
				var got []string
				for _, e := range recs.errs {
					got = append(got, e.Error())
				}
				if strings.Join(got, "\n") != strings.Join(tt.errs, "\n") {
					t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
				}
				if tt.cause != nil && (len(recs.errs) == 0 || !errors.Is(recs.errs[0], tt.cause)) {
					t.Errorf("cause: want %v", tt.cause)
				}
			})
		}
	}
}

// TestCSVErrorCap checks that a file of bad rows lists at most
// csvMaxErrors of them and counts the rest.
func TestCSVErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("epoch,step,loss\n")
	for i := 0; i < 250; i++ {
		fmt.Fprintf(&b, "0,%d\n", i)
	}
	recs := csvDrain(t, newCSVReader("m.csv", strings.NewReader(b.String()), Options{}, lightningCSVPlan))
	if len(recs.errs) != csvMaxErrors+2 {
		t.Fatalf("%d errors, want %d", len(recs.errs), csvMaxErrors+2)
	}
	if got := recs.errs[csvMaxErrors].Error(); got != "m.csv: 150 more problems were not listed" {
		t.Errorf("last error %q", got)
	}
}

func TestCSVDetect(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"metrics.csv", "testdata/csv/lightning_header_rewrite.csv", "lightning-csv"},
		{"lightning_ragged.csv", "testdata/csv/lightning_ragged.csv", "lightning-csv"},
		{"metrics.csv", "testdata/csv/lightning_header_only.csv", "lightning-csv"},
		{"wandb_export_2024-12-27T01_42_23.467+01_00.csv", "testdata/csv/wandb_export_chart.csv", "wandb-csv"},
		{"export.csv", "testdata/csv/wandb_export_epoch.csv", "wandb-csv"},
		{"run_history.csv", "testdata/csv/run_history.csv", "wandb-csv"},
		{"generic_steps.csv", "testdata/csv/generic_steps.csv", "csv"},
		{"data", "testdata/csv/generic_steps.csv", "csv"},
	}
	for _, tt := range tests {
		head := csvReadFile(t, tt.file)
		f, ok := Detect(tt.name, head)
		if !ok || f.Name != tt.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", tt.file, f.Name, ok, tt.want)
		}
	}
	// Other formats must not look like CSV or MLflow to our detectors.
	others := []string{
		"../examples/hf_v5_sft_lora_3ep/trainer_state.json",
		"../examples/hf_v5_sft_lora_3ep/console.log",
		"../examples/hf_v5_overfit_eval/console.log",
		"../examples/hf_v5_overfit_eval/runs/events.out.tfevents.1795725323.vm.469.0",
		"../examples/hf_v5_overfit_eval/checkpoint-80/config.json",
		"testdata/csv/hparams.yaml",
		"testdata/mlflow/mlruns/0/meta.yaml",
	}
	for _, p := range others {
		head := csvReadFile(t, p)
		if len(head) > SniffSize {
			head = head[:SniffSize]
		}
		for _, d := range []func(string, []byte) int{detectGenericCSV, detectLightningCSV, detectWandbCSV, detectMLflow} {
			if s := d(filepath.Base(p), head); s != 0 {
				t.Errorf("%s: a CSV/MLflow detector claims it with %d", p, s)
			}
		}
	}
}

// TestCSVDetectCorpus runs the CSV and MLflow detectors over every file
// of the corpus: only the Lightning metrics.csv files may be claimed.
func TestCSVDetectCorpus(t *testing.T) {
	root := csvCorpus(t, ".")
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		head := make([]byte, SniffSize)
		k, _ := io.ReadFull(f, head)
		head = head[:k]
		rel, _ := filepath.Rel(root, p)
		n++
		want := map[string]int{}
		if filepath.Base(p) == "metrics.csv" {
			want["lightning-csv"] = 85
			want["csv"] = 30
		}
		for name, d := range map[string]func(string, []byte) int{"csv": detectGenericCSV, "lightning-csv": detectLightningCSV, "wandb-csv": detectWandbCSV, "mlflow": detectMLflow} {
			if s := d(rel, head); s != want[name] {
				t.Errorf("%s: %s detector says %d, want %d", rel, name, s, want[name])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Errorf("only %d corpus files", n)
	}
}

// TestCSVTensorBoardExport reads a TensorBoard "Download CSV" file, whose
// metric is named by the file.
func TestCSVTensorBoardExport(t *testing.T) {
	in := "Wall time,Step,Value\n1712000000.512,10,2.3011\n1712000012.9,20,1.9532\n"
	recs := csvOpen(t, "run-version_0-tag-train_loss.csv", []byte(in), Options{}, "csv")
	var got []string
	for _, e := range recs.entries {
		got = append(got, fmt.Sprintf("%d %v %v %v", e.Step, e.Time, e.Source, e.Values))
	}
	want := []string{
		"10 1.712000000512e+09 run-version_0-tag-train_loss.csv:2 [{train_loss 2.3011 5}]",
		"20 1.7120000129e+09 run-version_0-tag-train_loss.csv:3 [{train_loss 1.9532 5}]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCSVOptionsOverride checks that --step/--metric apply to a file
// detected as Lightning's.
func TestCSVOptionsOverride(t *testing.T) {
	in := "epoch,step,train_loss_step,val_loss\n0,49,2.913,\n0,99,2.477,\n0,99,,2.301\n"
	recs := csvOpen(t, "metrics.csv", []byte(in), Options{Metrics: map[string]string{"loss": "train_loss_step"}}, "lightning-csv")
	run := csvCollect(recs)
	if names := run.SeriesNames(); len(names) != 1 || names[0] != "loss" || run.Get("loss").Len() != 2 {
		t.Errorf("series %v, want only loss with 2 points", names)
	}
	if len(recs.errs) != 0 {
		t.Errorf("errors %v", recs.errs)
	}
}
