package trainlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModelConfigMeta reads the model class and labels of config.json
// files and the task type of adapter_config.json, each at its line.
func TestModelConfigMeta(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"classifier with id2label", "{\n  \"architectures\": [\n    \"Qwen2ForSequenceClassification\"\n  ],\n  \"id2label\": {\"0\": \"neg\", \"1\": \"neu\", \"2\": \"pos\"},\n  \"vocab_size\": 151936\n}\n",
			[]string{"info model_class=Qwen2ForSequenceClassification c.json:3", "info num_labels=3 c.json:5"}},
		{"reward model", "{\"architectures\": [\"LlamaForSequenceClassification\"], \"num_labels\": 1}",
			[]string{"info model_class=LlamaForSequenceClassification c.json:1", "info num_labels=1 c.json:1"}},
		{"causal LM", "{\n \"architectures\": [\"LlamaForCausalLM\"]\n}", []string{"info model_class=LlamaForCausalLM c.json:2"}},
		{"adapter", "{\n  \"peft_type\": \"LORA\",\n  \"task_type\": \"SEQ_CLS\"\n}", []string{"info task_type=SEQ_CLS c.json:3"}},
		{"labels without a class say nothing", "{\"id2label\": {\"0\": \"LABEL_0\", \"1\": \"LABEL_1\"}}", nil},
		{"not JSON", "architectures: x\n", nil},
	}
	for _, tt := range tests {
		if got := mlflowMetaStrings(ModelConfigMeta("c.json", []byte(tt.in))); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestRunSettingsLoad checks that a run folder's config.json (one, of
// every checkpoint's), adapter_config.json and LLaMA-Factory
// training_args.yaml reach the run as Info facts, and that a settings
// file adds no geometry.
func TestRunSettingsLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := `{"global_step": 20, "max_steps": 20, "log_history": [{"loss": 0.69, "step": 10, "epoch": 0.5}, {"loss": 0.5, "step": 20, "epoch": 1.0}]}`
	write("trainer_state.json", state)
	cfg := "{\n  \"architectures\": [\n    \"BertForSequenceClassification\"\n  ],\n  \"num_labels\": 1\n}\n"
	write("checkpoint-10/config.json", cfg)
	write("checkpoint-20/config.json", cfg)
	write("checkpoint-20/adapter_config.json", "{\"task_type\": \"SEQ_CLS\"}")
	write("training_args.yaml", "stage: rm\nper_device_train_batch_size: 64\noutput_dir: saves/bert/rm\n")
	run, err := Load([]string{dir}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		InfoModelClass: "BertForSequenceClassification checkpoint-10/config.json:3",
		InfoNumLabels:  "1 checkpoint-10/config.json:5",
		InfoTaskType:   "SEQ_CLS checkpoint-20/adapter_config.json:1",
		InfoStage:      "rm training_args.yaml:1",
		InfoOutputDir:  "saves/bert/rm training_args.yaml:3",
	}
	for k, w := range want {
		got := run.Info[k]
		if g := got.Value + " " + got.Source.String(); g != w {
			t.Errorf("%s = %q, want %q", k, g, w)
		}
	}
	if _, ok := run.Geometry[GeoBatchPerDevice]; ok {
		t.Errorf("training_args.yaml added geometry: %+v", run.Geometry[GeoBatchPerDevice])
	}
	var configs []string
	for _, f := range run.Files {
		if strings.HasSuffix(f.Path, "config.json") {
			configs = append(configs, f.Path)
		}
	}
	if strings.Join(configs, ",") != "checkpoint-10/config.json,checkpoint-20/adapter_config.json" {
		t.Errorf("settings files listed: %v, want one config.json and the adapter's", configs)
	}
}

// FuzzModelConfigMeta checks that any input yields records whose lines
// exist in it, without a panic.
func FuzzModelConfigMeta(f *testing.F) {
	f.Add([]byte("{\n  \"architectures\": [\n    \"BertForSequenceClassification\"\n  ],\n  \"num_labels\": 1\n}\n"))
	f.Add([]byte(`{"task_type": "SEQ_CLS", "id2label": {"0": "a"}}`))
	f.Add([]byte(`{"architectures": ["\"quoted\""], "num_labels": "x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		for _, m := range ModelConfigMeta("c.json", data) {
			if m.Info == nil || m.Info.Source.Line < 0 || m.Info.Source.Line > lines {
				t.Fatalf("record %+v cites a line outside the %d of the input", m.Info, lines)
			}
		}
	})
}
