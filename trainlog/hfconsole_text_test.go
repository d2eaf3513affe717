package trainlog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestConsoleHints checks that each library and trainer class hint is
// found in a text line, with its line, and that its anchor rules out only
// lines without it.
func TestConsoleHints(t *testing.T) {
	for i, h := range hcHints {
		if hcHintAnchor[i] == 0 {
			t.Errorf("hint %q contains none of the anchors %q", h.text, hcHintAnchors)
		}
		log := "starting the run\nloading " + h.text + " from the cache\n{'loss': 1.5, 'epoch': 0.1}\n{'loss': 1.4, 'epoch': 0.2}\n"
		m := hcCollectMetas(hcRead(t, "h.log", []byte(log)))
		lib := m.info[InfoLibrary]
		if !strings.Contains(lib.Value, h.lib) || lib.Source.Line != 2 {
			t.Errorf("%q: library %q at %s, want %q at h.log:2", h.text, lib.Value, lib.Source, h.lib)
		}
		if cl := m.info[InfoTrainerClass]; cl.Value != h.class || h.class != "" && cl.Source.Line != 2 {
			t.Errorf("%q: trainer class %q at %s, want %q at h.log:2", h.text, cl.Value, cl.Source, h.class)
		}
	}
	// Words close to the hints are not hints.
	log := "keep the deep sleep schedule; a factory of trainers on /trl and axolot\n{'loss': 1.5, 'epoch': 0.1}\n"
	if m := hcCollectMetas(hcRead(t, "h.log", []byte(log))); m.info[InfoLibrary].Value != "" || m.info[InfoTrainerClass].Value != "" {
		t.Errorf("hints found in %q: %+v", log, m.info)
	}
}

// TestConsoleRunFacts checks the facts a console log shows about the kind
// of training, one row per fact: each is reported once, with the line
// where it is first seen, and text that only resembles it is not.
func TestConsoleRunFacts(t *testing.T) {
	const dicts = "{'loss': 1.5, 'epoch': 0.1}\n{'loss': 1.4, 'epoch': 0.2}\n"
	for _, c := range []struct {
		name, text, key, want string
	}{
		{"trl module in a traceback", `  File "/venv/lib/python3.11/site-packages/trl/trainer/grpo_trainer.py", line 1234, in _generate`, InfoTrainerClass, "GRPOTrainer"},
		{"trl class in a warning", "UserWarning: You passed `max_length` to the DPOTrainer, the value you passed will override the one in the `DPOConfig`.", InfoTrainerClass, "DPOTrainer"},
		{"OnlineDPOTrainer is a DPO trainer", "trainer = OnlineDPOTrainer(model=model)", InfoTrainerClass, "DPOTrainer"},
		{"LLaMA-Factory reward modelling", `  File "/src/llamafactory/train/rm/trainer.py", line 99, in compute_loss`, InfoStage, "rm"},
		{"LLaMA-Factory logger name", "[INFO|2025-01-02 10:00:00] llamafactory.train.pt.workflow:120 >> Saving model", InfoStage, "pt"},
		{"LLaMA-Factory pairwise trainer", "  File \"/src/llamafactory/train/rm/trainer.py\", line 9, in PairwiseTrainer", InfoTrainerClass, "PairwiseTrainer"},
		{"classification head", "Some weights of LlamaForSequenceClassification were not initialized from the model checkpoint at meta-llama/Llama-3.2-1B and are newly initialized: ['score.weight']", InfoModelClass, "LlamaForSequenceClassification"},
		{"token classification head", "model = BertForTokenClassification.from_pretrained(name)", InfoModelClass, "BertForTokenClassification"},
		{"run_clm grouping", "Grouping texts in chunks of 1024: 100%|##########| 2318/2318 [00:02<00:00, 912.30 examples/s]", InfoDataPrep, "group_texts"},
		{"output_dir", "TrainingArguments(\n_n_gpu=1,\noutput_dir=out/pretrain-gpt2,\nrun_name=gpt2-wiki,\n)", InfoOutputDir, "out/pretrain-gpt2"},
		{"run_name", "TrainingArguments(\n_n_gpu=1,\noutput_dir=out/pretrain-gpt2,\nrun_name=gpt2-wiki,\n)", InfoRunName, "gpt2-wiki"},
		{"a bare head name is not a model class", "the ForSequenceClassification heads are trained", InfoModelClass, ""},
		{"a trainer module outside trl", `  File "/src/mylib/sft_trainer.py", line 3, in train`, InfoTrainerClass, ""},
		{"train/ folders outside LLaMA-Factory", "saving to /data/train/pt/shard-0", InfoStage, ""},
	} {
		log := "starting\n" + c.text + "\n" + dicts
		m := hcCollectMetas(hcRead(t, "h.log", []byte(log)))
		got := m.info[c.key]
		if got.Value != c.want {
			t.Errorf("%s: %s = %q, want %q", c.name, c.key, got.Value, c.want)
			continue
		}
		if c.want != "" && got.Source.Line < 2 {
			t.Errorf("%s: %s cited at %s, want the line that shows it", c.name, c.key, got.Source)
		}
	}
	// The first fact of a kind wins.
	log := "using SFTTrainer\nthen DPOTrainer\n" + dicts
	if got := hcCollectMetas(hcRead(t, "h.log", []byte(log))).info[InfoTrainerClass]; got.Value != "SFTTrainer" || got.Source.Line != 1 {
		t.Errorf("two trainer classes: got %q at %s, want SFTTrainer at h.log:1", got.Value, got.Source)
	}
}

// TestConsoleMarks checks that each mark bit has its substring, the hint
// anchors' bits in hcHintAnchors' order (hints reads them as one field),
// and that a line's marks are the substrings it holds.
func TestConsoleMarks(t *testing.T) {
	if mkFitStopped<<1 != 1<<len(hcMarkText) {
		t.Fatalf("%d mark substrings for the bits up to %#x", len(hcMarkText), mkFitStopped)
	}
	for i, a := range hcHintAnchors {
		if string(hcMarkText[i+8]) != a || mkNsloth<<i != 1<<(i+8) {
			t.Errorf("anchor %d: mark text %q, want %q", i, hcMarkText[i+8], a)
		}
	}
	line := []byte("  File \"/opt/trl/trainer/sft_trainer.py\", For LlamaForCausalLM: ***** OVERFLOW!")
	want := mkStars | mkOverflow | mkTrainerPy | mkFor | mkTRL
	if got := hcMarksOf(line); got != want {
		t.Errorf("marks %#x, want %#x", got, want)
	}
	if got := hcMarksOf([]byte("`Trainer.fit` stopped: `max_epochs=2` reached.")); got != mkFitStopped|mkTrainer {
		t.Errorf("Lightning's end line: marks %#x, want %#x", got, mkFitStopped|mkTrainer)
	}
}

// TestConsoleValidUTF8 checks hcValidUTF8 against utf8.Valid on text
// with characters of every length, invalid and truncated sequences,
// surrogates and overlong forms, at every offset.
func TestConsoleValidUTF8(t *testing.T) {
	base := []byte("abcdefgh|█████     | 12/100 é ∑ 𝄞 ijklmnop")
	bad := [][]byte{{0xff}, {0xc3}, {0xe2, 0x96}, {0xed, 0xa0, 0x80}, {0xc0, 0xaf}, {0xf4, 0x90, 0x80, 0x80}, []byte("\uFFFD"), []byte("�")}
	for at := 0; at <= len(base); at++ {
		for _, b := range bad {
			p := append(append(append([]byte(nil), base[:at]...), b...), base[at:]...)
			if got, want := hcValidUTF8(p), utf8.Valid(p); got != want {
				t.Fatalf("%q: %v, want %v", p, got, want)
			}
		}
		if hcValidUTF8(base[:at]) != utf8.Valid(base[:at]) || hcValidUTF8(base[at:]) != utf8.Valid(base[at:]) {
			t.Fatalf("prefix or suffix at %d", at)
		}
	}
}
