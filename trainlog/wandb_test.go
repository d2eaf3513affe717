package trainlog

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWandbSummary(t *testing.T) {
	tests := []struct {
		path       string
		summary    map[string]float64 // keys as written
		absent     []string
		globalStep float64
	}{
		{
			path: "wandb-summary-lora-cls-eval-vs-test-gap/wandb-summary.json",
			summary: map[string]float64{"eval/accuracy": 0.928679817905918, "test/accuracy": 0.3512898330804249,
				"test/loss": 3.69480562210083, "train_runtime": 1165.0819, "train/epoch": 6},
			absent:     []string{"_step", "_timestamp", "_runtime", "train/global_step"},
			globalStep: 498,
		},
		{
			path:       "wandb-summary-military-sllm/wandb-summary.json",
			summary:    map[string]float64{"train/loss": 0.1595, "eval/loss": 0.2197321057319641, "train_loss": 0.7606842986386807},
			absent:     []string{"_step"},
			globalStep: 804,
		},
		{
			path:       "hf-gemma2b-68k-bestckpt/wandb-summary.json",
			summary:    map[string]float64{"final_medical_accuracy": 0.33349270858235713, "eval/loss": 1.3627853393554688},
			absent:     []string{"confusion_matrix_table", "nrows", "_wandb", "runtime"},
			globalStep: 68559,
		},
	}
	corpus := jsonCorpusDir(t)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpus, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := Detect("wandb-summary.json", data); f.Name != "wandb-summary" {
				t.Errorf("detected as %q", f.Name)
			}
			rs := jsonDrain(t, "wandb-summary", tt.path, data, Options{})
			if len(rs.Errors) != 0 || len(rs.Entries) != 0 {
				t.Fatalf("errors %v, %d entries", rs.Errors, len(rs.Entries))
			}
			for key, want := range tt.summary {
				if v, ok := rs.summary(key); !ok || v.Value != want || v.Source.String() != tt.path+"#"+key {
					t.Errorf("%s = %+v, want %v", key, v, want)
				}
			}
			for _, key := range tt.absent {
				if v, ok := rs.summary(key); ok {
					t.Errorf("%s present: %+v", key, v)
				}
			}
			if v, ok := rs.geometry(GeoGlobalStep); !ok || v.Value != tt.globalStep {
				t.Errorf("global_step = %+v, want %v", v, tt.globalStep)
			}
		})
	}
}

// TestWandbSummaryRuntime checks that _runtime stands in for
// train_runtime in the summary of a run that did not finish.
func TestWandbSummaryRuntime(t *testing.T) {
	data, err := os.ReadFile("testdata/json/wandb-summary-crashed.json")
	if err != nil {
		t.Fatal(err)
	}
	rs := jsonDrain(t, "wandb-summary", "wandb-summary.json", data, Options{})
	if len(rs.Errors) != 0 {
		t.Fatalf("errors: %v", rs.Errors)
	}
	if v, ok := rs.summary("train_runtime"); !ok || v.Value != 512.25 || v.Source.Fragment() != "_runtime" {
		t.Errorf("train_runtime = %+v", v)
	}
	run := NewRun("crashed")
	c := NewCollector(run)
	for _, m := range rs.Metas {
		c.Add(m)
	}
	run = c.Run()
	for name, want := range map[string]float64{"loss": 0.8312, "learning_rate": 0.0001, "epoch": 0.42, "train_runtime": 512.25} {
		if v := run.Summary[name]; v.Value != want {
			t.Errorf("Run.Summary[%s] = %+v, want %v", name, v, want)
		}
	}
}
