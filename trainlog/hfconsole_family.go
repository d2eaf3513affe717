package trainlog

import "bytes"

// Facts a console log shows about the kind of training, reported under
// the Info keys InfoTrainerClass, InfoStage, InfoModelClass, InfoDataPrep,
// InfoOutputDir and InfoRunName, each once, at the line where it is first
// seen. The reader only reports what the text names; package analysis
// weighs these facts into the trainer family.
//
//   - a trainer class (hcHints: TRL's DPOTrainer, LLaMA-Factory's
//     PairwiseTrainer, ...) or a TRL trainer module in a traceback
//     (trl/trainer/grpo_trainer.py), reported as its class;
//   - a LLaMA-Factory stage module (llamafactory/train/pt/workflow.py
//     in a traceback, the logger name llamafactory.train.sft.trainer);
//   - a model class of a classification head: "Some weights of
//     BertForSequenceClassification were not initialized", a printed
//     model, a config dump with that architecture;
//   - run_clm.py's "Grouping texts in chunks of 1024" (datasets' map
//     description, often inside a tqdm bar);
//   - output_dir and run_name in a TrainingArguments dump.

// hcTrainerModules are TRL trainer modules and the class each defines.
var hcTrainerModules = []struct{ text, class string }{
	{"sft_trainer.py", "SFTTrainer"},
	{"dpo_trainer.py", "DPOTrainer"},
	{"orpo_trainer.py", "ORPOTrainer"},
	{"kto_trainer.py", "KTOTrainer"},
	{"cpo_trainer.py", "CPOTrainer"},
	{"reward_trainer.py", "RewardTrainer"},
	{"grpo_trainer.py", "GRPOTrainer"},
	{"rloo_trainer.py", "RLOOTrainer"},
	{"ppo_trainer.py", "PPOTrainer"},
}

// hcStageModules are the module folders of LLaMA-Factory's stages, as
// paths (tracebacks) and as logger names.
var hcStageModules = []struct{ text, stage string }{
	{"/train/pt/", "pt"}, {".train.pt.", "pt"},
	{"/train/sft/", "sft"}, {".train.sft.", "sft"},
	{"/train/rm/", "rm"}, {".train.rm.", "rm"},
	{"/train/dpo/", "dpo"}, {".train.dpo.", "dpo"},
	{"/train/kto/", "kto"}, {".train.kto.", "kto"},
	{"/train/ppo/", "ppo"}, {".train.ppo.", "ppo"},
}

// hcGrouping starts the description of run_clm.py's group_texts map.
var hcGrouping = []byte("Grouping texts in chunks of")

// hcClassHeads are the endings of model classes with a classification
// head.
var hcClassHeads = [...]string{"ForSequenceClassification", "ForTokenClassification", "ForMultipleChoice"}

// hcFacts holds which facts were reported.
type hcFacts struct {
	class, stage, model, prep, outDir, runName bool
}

// runFacts looks for the facts above in one text line.
func (r *consoleReader) runFacts(s []byte, mk hcMarks) {
	f := &r.txt.facts
	if !f.class && mk.has(mkTrainerPy) {
		for _, m := range hcTrainerModules {
			if bytes.Contains(s, []byte(m.text)) && bytes.Contains(s, []byte("trl")) {
				r.trainerClass(m.class)
				break
			}
		}
	}
	if !f.stage && mk.has(mkLlamafactory) {
		for _, m := range hcStageModules {
			if bytes.Contains(s, []byte(m.text)) {
				f.stage = true
				r.info(InfoStage, m.stage, r.line)
				break
			}
		}
	}
	if !f.model && mk.has(mkFor) {
		for _, head := range hcClassHeads {
			if i := bytes.Index(s, []byte(head)); i >= 0 {
				if name := hcIdentAt(s, i, i+len(head)); len(name) > len(head) {
					f.model = true
					r.info(InfoModelClass, name, r.line)
					break
				}
			}
		}
	}
	if !f.prep && mk.has(mkGrouping) {
		f.prep = true
		r.info(InfoDataPrep, "group_texts", r.line)
	}
}

// trainerClass reports the first trainer class the log names.
func (r *consoleReader) trainerClass(class string) {
	f := &r.txt.facts
	if f.class {
		return
	}
	f.class = true
	r.info(InfoTrainerClass, class, r.line)
}

// targsName reports output_dir and run_name from one "name=value," line
// of a TrainingArguments dump; it reports whether the line was one.
func (r *consoleReader) targsName(key, value []byte) bool {
	f := &r.txt.facts
	v := string(bytes.Trim(bytes.TrimSuffix(value, []byte(",")), `'"`))
	switch string(key) {
	case "output_dir":
		if !f.outDir && v != "" && v != "None" {
			f.outDir = true
			r.info(InfoOutputDir, v, r.line)
		}
		return true
	case "run_name":
		if !f.runName && v != "" && v != "None" {
			f.runName = true
			r.info(InfoRunName, v, r.line)
		}
		return true
	}
	return false
}

// hcIdentAt returns the Python identifier of s that spans [i, j).
func hcIdentAt(s []byte, i, j int) string {
	ident := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i > 0 && ident(s[i-1]) {
		i--
	}
	for j < len(s) && ident(s[j]) {
		j++
	}
	return string(s[i:j])
}
