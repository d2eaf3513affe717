package trainlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHParams(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "csv", "hparams.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadHParams(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"model_name": "gpt2", "lr": "0.0003", "batch_size": "16", "max_epochs": "10",
		"accumulate_grad_batches": "4", "max_steps": "-1", "warmup_steps": "500",
		"betas": "[0.9, 0.95]", "optimizer.name": "AdamW", "optimizer.weight_decay": "0.01",
		"optimizer.eps": "1.0e-08", "scheduler.type": "cosine", "scheduler.params.T_max": "140000",
		"tokenizer_path": "/data/tok.json", "callbacks": "", "seed": "42",
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %q (present %v), want %q", k, g, ok, v)
		}
	}
}

func TestHParamsMeta(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "csv", "hparams.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := HParamsMeta("lightning_logs/version_0/hparams.yaml", f)
	if err != nil {
		t.Fatal(err)
	}
	got := mlflowMetaStrings(ms)
	want := []string{
		"info learning_rate=0.0003 lightning_logs/version_0/hparams.yaml:2",
		"geometry per_device_train_batch_size=16 lightning_logs/version_0/hparams.yaml:3",
		"geometry num_train_epochs=10 lightning_logs/version_0/hparams.yaml:4",
		"geometry gradient_accumulation_steps=4 lightning_logs/version_0/hparams.yaml:5",
		"info warmup_steps=500 lightning_logs/version_0/hparams.yaml:7",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("meta:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadHParamsLenient(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"flow-and-quotes", "a: {x: 1, y: 2}\n'b c': \"q\\\"d\" # note\nd: 'it''s'\ne: x#y\n", map[string]string{"a": "{x: 1, y: 2}", "b c": `q"d`, "d": "it's", "e": "x#y"}},
		{"tags", "args: !!python/object:argparse.Namespace\n  lr: 0.1\n  bs: 4\nt: !!python/tuple [1, 2]\n", map[string]string{"args.lr": "0.1", "args.bs": "4", "t": "[1, 2]"}},
		{"documents", "---\nx: 1\n...\n%YAML 1.2\ny: 2\n", map[string]string{"x": "1", "y": "2"}},
		{"not-yaml", "{\"lr\": 1}\n\x00\x01\njust text\n:\n", map[string]string{}},
		{"null", "a:\nb: 2\n", map[string]string{"a": "", "b": "2"}},
		{"block", "s: >-\n  folded: text\n  more\nn: 3\n", map[string]string{"n": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadHParams(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// FuzzHParams checks that the lenient YAML reader never panics and cites
// lines inside the input.
func FuzzHParams(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "csv", "hparams.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("a:\n- 1\n- b: 2\n  c: 3\nd: |\n  x\n"))
	f.Add([]byte("'k: v\n\"x\": \"y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		ps, err := parseHParams(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, p := range ps {
			if p.line < 1 || p.line > lines || p.key == "" {
				t.Fatalf("param %+v outside %d lines", p, lines)
			}
		}
		hparamMeta(ps, func(p hparam) Source { return Source{File: "h", Line: p.line} })
	})
}

// TestHParamsRunKind checks the settings that tell the kind of training,
// one row per way a settings file states them.
func TestHParamsRunKind(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"LLaMA-Factory training_args.yaml", "model_name_or_path: Qwen/Qwen2.5-7B\nstage: pt\ndo_train: true\noutput_dir: saves/qwen/lora/pt\n",
			[]string{"info stage=pt a.yaml:2", "info output_dir=saves/qwen/lora/pt a.yaml:4"}},
		{"Axolotl rl", "base_model: NousResearch/Llama-3.2-1B\nrl: dpo\nrl_beta: 0.1\n", []string{"info stage=dpo a.yaml:2"}},
		{"Axolotl without rl", "base_model: x\nrl:\nrl: false\n", nil},
		{"W&B config.yaml", "architectures:\n  desc: null\n  value:\n  - Qwen2ForSequenceClassification\nnum_labels:\n  desc: null\n  value: 3\nrun_name:\n  desc: null\n  value: cls-run\n",
			[]string{"info model_class=[Qwen2ForSequenceClassification] a.yaml:3", "info num_labels=3 a.yaml:7", "info run_name=cls-run a.yaml:10"}},
		{"PEFT task_type", "peft:\n  task_type: SEQ_CLS\n", []string{"info task_type=SEQ_CLS a.yaml:2"}},
	}
	for _, tt := range tests {
		ms, err := HParamsMeta("a.yaml", strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := mlflowMetaStrings(ms); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}
