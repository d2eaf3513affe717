package trainlog

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResultsCorpus(t *testing.T) {
	tests := []struct {
		path  string
		n     int // summary values
		key   string
		value float64
		geo   map[string]float64
	}{
		{"hf-gpt-pretrain-338k-steps/all_results.json", 13, "eval_loss", 2.8765528202056885, map[string]float64{GeoExamples: 450988}},
		{"lf-nsllm-pair/train_results.json", 6, "train_loss", 1.9950996404180186, nil},
		{"lf-orpo-recsys/all_results.json", 20, "eval_rewards/margins", 0.0005533824441954494, nil},
		{"lf-qwen25-7b-medical-eval/all_results.json", 10, "eval_loss", 1.5777634382247925, nil},
	}
	corpus := jsonCorpusDir(t)
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "*_results.json"))
	if len(files) != len(tests) {
		t.Errorf("found %d *_results.json files, the table has %d", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpus, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := Detect(filepath.Base(tt.path), data); f.Name != "hf-results" {
				t.Errorf("detected as %q", f.Name)
			}
			rs := jsonDrain(t, "hf-results", tt.path, data, Options{})
			if len(rs.Errors) != 0 || len(rs.Entries) != 0 {
				t.Fatalf("errors %v, %d entries", rs.Errors, len(rs.Entries))
			}
			n := 0
			for _, m := range rs.Metas {
				if m.Summary != nil {
					n++
				}
			}
			if n != tt.n {
				t.Errorf("%d summary values, want %d", n, tt.n)
			}
			if v, ok := rs.summary(tt.key); !ok || v.Value != tt.value || v.Source.String() != tt.path+"#"+tt.key {
				t.Errorf("%s = %+v, want %v", tt.key, v, tt.value)
			}
			for key, want := range tt.geo {
				if v, ok := rs.geometry(key); !ok || v.Value != want {
					t.Errorf("geometry %s = %+v, want %v", key, v, want)
				}
			}
		})
	}
}

func TestResultsOdd(t *testing.T) {
	in := "{\n    \"epoch\": 1.0,\n    \"eval_loss\": 12.5,\n    \"eval_perplexity\": Infinity,\n    \"predict_bleu-4\": 12.1,\n    \"test_accuracy\": 0.35,\n    \"note\": null\n}\n"
	if score := detectResults("eval_results.json", []byte(in)); score != 85 {
		t.Errorf("Detect = %d, want 85", score)
	}
	rs := jsonDrain(t, "hf-results", "eval_results.json", []byte(in), Options{})
	if len(rs.Errors) != 0 {
		t.Fatalf("errors: %v", rs.Errors)
	}
	var keys []string
	for _, m := range rs.Metas {
		keys = append(keys, m.Summary.Key)
	}
	if got := strings.Join(keys, ","); got != "epoch,eval_loss,eval_perplexity,predict_bleu-4,test_accuracy" {
		t.Errorf("keys = %s", got)
	}
	if v, _ := rs.summary("eval_perplexity"); !math.IsInf(v.Value, 1) {
		t.Errorf("eval_perplexity = %v, want +Inf", v.Value)
	}
	// A file cut short keeps the values before the cut.
	rs = jsonDrain(t, "hf-results", "eval_results.json", []byte(in[:60]), Options{})
	if len(rs.Metas) != 2 || len(rs.Errors) != 1 || !errors.Is(rs.Errors[0], ErrTruncated) || rs.Errors[0].Line != 4 {
		t.Errorf("truncated: %d values, errors %v", len(rs.Metas), rs.Errors)
	}
}
