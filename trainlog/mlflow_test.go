package trainlog

import (
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

const mlflowTestRun = "mlruns/0/8c1b2a7e4f3d4e5b9a6c0d1e2f3a4b5c"

// mlflowLoadTestRun reads every metric file of the test run, named by its
// path relative to testdata/mlflow as the loader names them.
func mlflowLoadTestRun(t *testing.T) (*Run, map[string]csvRecords) {
	t.Helper()
	root := filepath.Join("testdata", "mlflow")
	files := map[string]csvRecords{}
	err := filepath.WalkDir(filepath.Join(root, mlflowTestRun, "metrics"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		files[rel] = csvOpen(t, rel, csvReadFile(t, p), Options{}, "mlflow")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(NewRun("mlflow"))
	for _, recs := range files {
		for _, e := range recs.entries {
			c.Add(e)
		}
		for _, m := range recs.metas {
			c.Add(m)
		}
		for _, e := range recs.errs {
			c.Add(e)
		}
	}
	return c.Run(), files
}

func TestMLflow(t *testing.T) {
	run, files := mlflowLoadTestRun(t)
	if len(files) != 8 {
		t.Fatalf("%d metric files, want 8", len(files))
	}
	for name, recs := range files {
		csvCheckEntries(t, recs, name)
		if len(recs.errs) != 0 {
			t.Errorf("%s: errors %v", name, recs.errs)
		}
	}
	tests := []struct {
		series      string
		n           int
		first, last float64
		steps       [2]int64
		key         string
	}{
		{"loss", 5, 0.6931, 0.5713, [2]int64{10, 50}, "loss"},
		{"eval_loss", 2, 0.6402, 0.5891, [2]int64{25, 50}, "eval_loss"},
		{"rewards/chosen", 5, 0.0012, 0.2017, [2]int64{10, 50}, "rewards/chosen"},
		{"learning_rate", 5, 1e-05, 2.0000000000000003e-06, [2]int64{10, 50}, "learning_rate"},
		{"epoch", 5, 0.2, 1.0, [2]int64{10, 50}, "epoch"},
	}
	if len(run.Series) != len(tests) {
		t.Errorf("series %v, want %d", run.SeriesNames(), len(tests))
	}
	for _, tt := range tests {
		s := run.Get(tt.series)
		if s.Len() != tt.n {
			t.Errorf("%s: %d points, want %d", tt.series, s.Len(), tt.n)
			continue
		}
		first, last := s.Point(0), s.Point(s.Len()-1)
		if first.Value != tt.first || last.Value != tt.last || first.Step != tt.steps[0] || last.Step != tt.steps[1] {
			t.Errorf("%s: %v@%d .. %v@%d, want %v@%d .. %v@%d", tt.series, first.Value, first.Step, last.Value, last.Step, tt.first, tt.steps[0], tt.last, tt.steps[1])
		}
		if want := mlflowTestRun + "/metrics/" + tt.key + ":1"; first.Source.String() != want {
			t.Errorf("%s: first source %v, want %s", tt.series, first.Source, want)
		}
	}
	if p := run.Get("loss").Point(0); p.Time != 1727000073.969 || p.Digits != 4 || p.StepInferred {
		t.Errorf("first loss time %v digits %d inferred %v", p.Time, p.Digits, p.StepInferred)
	}
	if p := run.Get("epoch").Point(4); p.Source.Line != 6 || p.Epoch != 1 {
		t.Errorf("epoch at step 50 from %v epoch %v, want line 6 (the last line of the step)", p.Source, p.Epoch)
	}
	sum := map[string]float64{"train_runtime": 425.1234, "train_loss": 0.6423399353027344, "total_flos": 1.2345678901234e+15}
	if len(run.Summary) != len(sum) {
		t.Errorf("summary %v", run.Summary)
	}
	for k, v := range sum {
		if got := run.Summary[k]; got.Value != v || got.Source.String() != mlflowTestRun+"/metrics/"+k+":1" {
			t.Errorf("summary %s = %v at %v, want %v", k, got.Value, got.Source, v)
		}
	}
	for _, e := range files[mlflowTestRun+"/metrics/eval_loss"].entries {
		if e.Kind != KindEval {
			t.Errorf("eval_loss entry kind %v", e.Kind)
		}
	}
}

func TestMLflowKey(t *testing.T) {
	tests := []struct{ name, key string }{
		{"mlruns/0/abc/metrics/eval_loss", "eval_loss"},
		{"mlruns/0/abc/metrics/rewards/chosen", "rewards/chosen"},
		{`C:\runs\mlruns\0\abc\metrics\rewards\chosen`, "rewards/chosen"},
		{"metrics/loss", "loss"},
		{"/home/u/metrics/mlruns/1/r/metrics/loss", "loss"},
		{"loss", "loss"},
	}
	for _, tt := range tests {
		if got := mlflowKey(tt.name); got != tt.key {
			t.Errorf("mlflowKey(%q) = %q, want %q", tt.name, got, tt.key)
		}
	}
}

func TestMLflowLines(t *testing.T) {
	tests := []struct {
		name, in string
		steps    []int64
		inferred bool
		kind     Kind
		errs     []string
		summary  float64 // NaN: none
	}{
		{name: "m/metrics/old", in: "1580000000000 2.5\n1580000001000 2.25\n", steps: []int64{0, 0}, inferred: true, kind: KindTrain, summary: math.NaN()},
		{name: "m/metrics/loss", in: "1727000073969 nan 1\r\n\n1727000073970 inf 2", steps: []int64{1, 2}, kind: KindTrain, summary: math.NaN()},
		{name: "m/metrics/train_loss", in: "1 2.5 1\n2 2.25 2\n3 2.0 3\n", steps: []int64{1, 2, 3}, kind: KindTrain, summary: math.NaN()},
		{name: "m/metrics/train_loss", in: "1 2.5 100\n2 2.25 200\n", summary: 2.25},
		{name: "m/metrics/train_runtime", in: "1 12.5 100\n2 13.5 200\n3 14.5 300\n", summary: 14.5},
		{
			name:  "m/metrics/loss",
			in:    "abc def ghi\n1727000073969 x 10\n1727000073969 0.5 -3\n1 2 3 4\n1727000073969\n1727000073969 0.5 7\n",
			steps: []int64{7}, kind: KindTrain, summary: math.NaN(),
			errs: []string{
				`m/metrics/loss:1: timestamp: expected integer milliseconds, got "abc"`,
				`m/metrics/loss:2: value: expected a number, got "x"`,
				`m/metrics/loss:3: step: expected an integer >= 0, got "-3"`,
				`m/metrics/loss:4: expected "<timestamp_ms> <value> <step>", got "1 2 3 4"`,
				`m/metrics/loss:5: expected "<timestamp_ms> <value> <step>", got "1727000073969"`,
			},
		},
		{name: "m/metrics/loss", in: "", summary: math.NaN(), errs: []string{`m/metrics/loss: empty file: expected MLflow metric lines "<timestamp_ms> <value> <step>"`}},
		{name: "m/metrics/loss", in: "\x00\x01\x02", summary: math.NaN(), errs: []string{`m/metrics/loss:1: binary data: expected MLflow metric lines "<timestamp_ms> <value> <step>"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := csvDrain(t, newMLflowReader(tt.name, strings.NewReader(tt.in)))
			csvCheckEntries(t, recs, tt.name)
			var errs []string
			for _, e := range recs.errs {
				errs = append(errs, e.Error())
			}
			if strings.Join(errs, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.errs, "\n"))
			}
			if len(recs.entries) != len(tt.steps) {
				t.Fatalf("%d entries, want %d", len(recs.entries), len(tt.steps))
			}
			for i, e := range recs.entries {
				if e.Step != tt.steps[i] || e.StepInferred != tt.inferred || e.Kind != tt.kind {
					t.Errorf("entry %d: step %d inferred %v kind %v", i, e.Step, e.StepInferred, e.Kind)
				}
			}
			var sums []*Value
			for _, m := range recs.metas {
				sums = append(sums, m.Summary)
			}
			switch {
			case math.IsNaN(tt.summary) && len(sums) != 0:
				t.Errorf("unexpected summary %+v", sums[0])
			case !math.IsNaN(tt.summary) && (len(sums) != 1 || sums[0].Value != tt.summary):
				t.Errorf("summary %+v, want one of %v", sums, tt.summary)
			}
		})
	}
}

func TestMLflowDetect(t *testing.T) {
	lines := []byte("1727000073969 0.6931 10\n1727000113402 0.6854 20\n")
	tests := []struct {
		name string
		head string
		want int
	}{
		{"mlruns/0/abc/metrics/loss", string(lines), 95},
		{"loss", string(lines), 60},
		{"loss", "1 0.5 1\n2 0.4 2\n", 0},
		{"mlruns/0/abc/metrics/loss", "1 0.5 1\n", 95},
		{"mlruns/0/abc/metrics/loss", "", 0},
		{"mlruns/0/abc/metrics/loss", "step,loss\n1,2\n", 0},
		{"mlruns/0/abc/params/lr", "5e-05", 0},
	}
	for _, tt := range tests {
		if got := detectMLflow(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("detectMLflow(%q, %q) = %d, want %d", tt.name, tt.head, got, tt.want)
		}
	}
}

func TestMLflowParams(t *testing.T) {
	params := ReadMLflowParams(filepath.Join("testdata", "mlflow", filepath.FromSlash(mlflowTestRun)))
	want := map[string]string{
		"per_device_train_batch_size": "4", "gradient_accumulation_steps": "8", "num_train_epochs": "1.0",
		"max_steps": "-1", "learning_rate": "5e-06", "lr_scheduler_type": "linear", "logging_steps": "10",
		"output_dir": "/home/user/project/out",
	}
	if len(params) != len(want) {
		t.Errorf("params %v, want %v", params, want)
	}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("param %s = %q, want %q", k, params[k], v)
		}
	}
	got := mlflowMetaStrings(MLflowParamsMeta(mlflowTestRun, params))
	wantMeta := []string{
		"geometry gradient_accumulation_steps=8 " + mlflowTestRun + "/params/gradient_accumulation_steps:1",
		"info learning_rate=5e-06 " + mlflowTestRun + "/params/learning_rate:1",
		"geometry logging_steps=10 " + mlflowTestRun + "/params/logging_steps:1",
		"info lr_scheduler_type=linear " + mlflowTestRun + "/params/lr_scheduler_type:1",
		"geometry num_train_epochs=1 " + mlflowTestRun + "/params/num_train_epochs:1",
		"info output_dir=/home/user/project/out " + mlflowTestRun + "/params/output_dir:1",
		"geometry per_device_train_batch_size=4 " + mlflowTestRun + "/params/per_device_train_batch_size:1",
	}
	if strings.Join(got, "\n") != strings.Join(wantMeta, "\n") {
		t.Errorf("meta:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMeta, "\n"))
	}
	if ReadMLflowParams(filepath.Join("testdata", "mlflow", "nowhere")) != nil {
		t.Error("params of a missing run are not nil")
	}
}

// mlflowMetaStrings formats Meta records for comparison.
func mlflowMetaStrings(ms []*Meta) []string {
	var out []string
	for _, m := range ms {
		switch {
		case m.Geometry != nil:
			out = append(out, "geometry "+m.Geometry.Key+"="+fmtG(m.Geometry.Value)+" "+m.Geometry.Source.String())
		case m.Info != nil:
			out = append(out, "info "+m.Info.Key+"="+m.Info.Value+" "+m.Info.Source.String())
		default:
			out = append(out, "other")
		}
	}
	return out
}

// FuzzMLflow runs the MLflow reader and detector on arbitrary input.
func FuzzMLflow(f *testing.F) {
	for _, s := range []string{
		"1727000073969 0.6931 10\n1727000113402 0.6854 20\n",
		"1727000073969 1e-05 10\n1727000113402 8.000000000000001e-06 20\n",
		"1580000000000 2.5\n1580000001000 2.25",
		"1727000430871 425.1234 50\n",
		"1727000073969 nan 1\r\n\n1727000073970 -inf 2 3\n",
		"",
	} {
		f.Add([]byte(s))
	}
	names := []string{"mlruns/0/r/metrics/loss", "mlruns/0/r/metrics/train_loss", "mlruns/0/r/metrics/train_runtime"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		for _, name := range names {
			if s := detectMLflow(name, data); s < 0 || s > 100 {
				t.Fatalf("score %d", s)
			}
			recs := csvDrain(t, newMLflowReader(name, strings.NewReader(string(data))))
			csvCheckEntries(t, recs, name)
			for _, e := range recs.entries {
				if e.Step < 0 || len(e.Values) != 1 || math.IsNaN(e.Time) {
					t.Fatalf("entry %+v", e)
				}
			}
			for _, e := range recs.errs {
				if e.Err != nil && !errors.Is(e, ErrNoData) && !errors.Is(e, ErrBinary) {
					t.Fatalf("cause %v", e.Err)
				}
			}
		}
	})
}
