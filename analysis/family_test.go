package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// familyRun builds a run from series (name → values, one per step from
// 1, cited as f.json#log_history[i]), summary keys, Info facts and the
// run's name.
type familyRun struct {
	name    string
	series  map[string][]float64
	summary []string
	info    map[string]string
	format  string // the format of f.json, "" for trainer-state
}

func (fr familyRun) build() *trainlog.Run {
	name := fr.name
	if name == "" {
		name = "run"
	}
	run := trainlog.NewRun(name)
	format := fr.format
	if format == "" {
		format = "trainer-state"
	}
	run.Files = []trainlog.File{{Path: "f.json", Format: format, Used: true}}
	for key, vals := range fr.series {
		s := &trainlog.Series{Name: key}
		for i, v := range vals {
			s.Append(trainlog.Point{Step: int64(i + 1), Value: v, Epoch: math.NaN(), Time: math.NaN(), Digits: -1,
				Source: trainlog.Source{File: "f.json", Array: trainlog.LogHistory, Index: int32(i)}})
		}
		run.Series[key] = s
	}
	for _, k := range fr.summary {
		run.Summary[k] = trainlog.Value{Key: k, Value: 0.5, Source: trainlog.Source{File: "f.json", Frag: k}}
	}
	for k, v := range fr.info {
		run.Info[k] = trainlog.Text{Key: k, Value: v, Source: trainlog.Source{File: "console.log", Line: 12}}
	}
	return run
}

// falling returns n values from a to b, geometrically.
func falling(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a * math.Pow(b/a, float64(i)/float64(n-1))
	}
	return out
}

// TestDetectFamily is the table of family evidence: one row per kind of
// evidence (and per family it can show), then rows where evidence of
// different strengths disagrees. Each row checks the family, the kind
// and strength of the deciding evidence, what it read and where.
func TestDetectFamily(t *testing.T) {
	sft := falling(2.0, 1.2, 40)
	tests := []struct {
		name     string
		run      familyRun
		family   Family
		kind     FamilyEvidenceKind // "" when assumed
		strength FamilyStrength
		read     string
		source   string
	}{
		{"nothing: sft assumed", familyRun{series: map[string][]float64{"loss": sft}}, FamilySFT, "", "", "", ""},

		// trainer_class
		{"TRL DPOTrainer named", familyRun{series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoTrainerClass: "DPOTrainer"}},
			FamilyDPO, FamilyByTrainerClass, FamilyStrong, "DPOTrainer", "console.log:12"},
		{"Unsloth GRPO subclass", familyRun{info: map[string]string{trainlog.InfoTrainerClass: "UnslothGRPOTrainer"}},
			FamilyGRPO, FamilyByTrainerClass, FamilyStrong, "UnslothGRPOTrainer", "console.log:12"},
		{"LLaMA-Factory PairwiseTrainer", familyRun{info: map[string]string{trainlog.InfoTrainerClass: "PairwiseTrainer"}},
			FamilyReward, FamilyByTrainerClass, FamilyStrong, "PairwiseTrainer", "console.log:12"},
		{"an unknown trainer says nothing", familyRun{info: map[string]string{trainlog.InfoTrainerClass: "MyTrainer"}},
			FamilySFT, "", "", "", ""},

		// framework_stage
		{"LLaMA-Factory stage pt", familyRun{series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoStage: "pt"}},
			FamilyPretrain, FamilyByStage, FamilyStrong, "pt", "console.log:12"},
		{"LLaMA-Factory stage rm", familyRun{info: map[string]string{trainlog.InfoStage: "rm"}},
			FamilyReward, FamilyByStage, FamilyStrong, "rm", "console.log:12"},
		{"Axolotl rl: kto", familyRun{info: map[string]string{trainlog.InfoStage: "kto"}},
			FamilyKTO, FamilyByStage, FamilyStrong, "kto", "console.log:12"},

		// model_class
		{"sequence classification head", familyRun{info: map[string]string{trainlog.InfoModelClass: "[Qwen2ForSequenceClassification]", trainlog.InfoNumLabels: "3"}},
			FamilyClassification, FamilyByModelClass, FamilyStrong, "[Qwen2ForSequenceClassification]", "console.log:12"},
		{"one label: a reward model", familyRun{info: map[string]string{trainlog.InfoModelClass: "LlamaForSequenceClassification", trainlog.InfoNumLabels: "1"}},
			FamilyReward, FamilyByModelClass, FamilyStrong, "LlamaForSequenceClassification", "console.log:12"},
		{"PEFT task_type SEQ_CLS", familyRun{info: map[string]string{trainlog.InfoTaskType: "SEQ_CLS"}},
			FamilyClassification, FamilyByModelClass, FamilyStrong, "SEQ_CLS", "console.log:12"},
		{"a causal LM head says nothing", familyRun{info: map[string]string{trainlog.InfoModelClass: "LlamaForCausalLM"}},
			FamilySFT, "", "", "", ""},

		// metric_keys
		{"DPO keys", familyRun{series: map[string][]float64{"loss": sft, "rewards/margins": sft, "mean_token_accuracy": sft}},
			FamilyDPO, FamilyByMetricKeys, FamilyStrong, "rewards/margins", "f.json#log_history[0]"},
		{"KTO: rewards with kl", familyRun{series: map[string][]float64{"rewards/chosen": sft, "kl": sft}},
			FamilyKTO, FamilyByMetricKeys, FamilyStrong, "rewards/chosen", "f.json#log_history[0]"},
		{"ORPO keys", familyRun{series: map[string][]float64{"rewards/margins": sft, "log_odds_ratio": sft}},
			FamilyORPO, FamilyByMetricKeys, FamilyStrong, "log_odds_ratio", "f.json#log_history[0]"},
		{"GRPO keys", familyRun{series: map[string][]float64{"reward": sft, "completions/mean_length": sft}},
			FamilyGRPO, FamilyByMetricKeys, FamilyStrong, "completions/mean_length", "f.json#log_history[0]"},
		{"PPO keys", familyRun{series: map[string][]float64{"objective/rlhf_reward": sft}},
			FamilyPPO, FamilyByMetricKeys, FamilyStrong, "objective/rlhf_reward", "f.json#log_history[0]"},
		{"TRL reward model keys", familyRun{series: map[string][]float64{"accuracy": sft, "margin": sft}},
			FamilyReward, FamilyByMetricKeys, FamilyStrong, "accuracy", "f.json#log_history[0]"},
		{"LLaMA-Factory accuracy is rewards/accuracies", familyRun{format: "llamafactory-jsonl", series: map[string][]float64{"accuracy": sft, "loss": falling(0.69, 0.4, 30)}},
			FamilyDPO, FamilyByMetricKeys, FamilyStrong, "accuracy", "f.json#log_history[0]"},
		{"token accuracy: sft", familyRun{series: map[string][]float64{"loss": sft, "mean_token_accuracy": sft}},
			FamilySFT, FamilyByMetricKeys, FamilyMedium, "mean_token_accuracy", "f.json#log_history[0]"},
		{"a perplexity only hints at pretraining", familyRun{series: map[string][]float64{"loss": sft}, summary: []string{"perplexity"}},
			FamilyPretrain, FamilyByMetricKeys, FamilyWeak, "perplexity", "f.json#perplexity"},

		// task_metrics
		{"classification f1", familyRun{series: map[string][]float64{"loss": sft, "eval_f1": sft}},
			FamilyClassification, FamilyByTaskMetrics, FamilyMedium, "eval_f1", "f.json#log_history[0]"},
		{"held-out accuracy in a summary", familyRun{summary: []string{"eval_accuracy", "test_accuracy"}},
			FamilyClassification, FamilyByTaskMetrics, FamilyMedium, "eval_accuracy", "f.json#eval_accuracy"},
		{"run_clm's token accuracy is not a classifier's", familyRun{series: map[string][]float64{"loss": sft}, summary: []string{"eval_accuracy", "perplexity"}},
			FamilyPretrain, FamilyByMetricKeys, FamilyWeak, "perplexity", "f.json#perplexity"},
		{"generation metrics: sft", familyRun{series: map[string][]float64{"loss": sft, "eval_rouge-1": sft}},
			FamilySFT, FamilyByTaskMetrics, FamilyMedium, "eval_rouge-1", "f.json#log_history[0]"},

		// loss_level
		{"an untrained model over a full vocabulary", familyRun{series: map[string][]float64{"loss": falling(10.2, 3.1, 60)}},
			FamilyPretrain, FamilyByLossLevel, FamilyMedium, "loss", "f.json#log_history[0]"},
		{"a high start that ends below natural text is no pretraining", familyRun{series: map[string][]float64{"loss": falling(12.4, 0.45, 60)}},
			FamilySFT, "", "", "", ""},
		{"a tiny vocabulary's start is no evidence", familyRun{series: map[string][]float64{"loss": falling(6.3, 3.2, 60)}},
			FamilySFT, "", "", "", ""},
		{"a start at ln 2", familyRun{series: map[string][]float64{"loss": falling(0.6914, 0.3, 30)}},
			FamilyReward, FamilyByLossLevel, FamilyWeak, "loss", "f.json#log_history[0]"},

		// data_prep
		{"texts grouped into blocks", familyRun{series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoDataPrep: "group_texts"}},
			FamilyPretrain, FamilyByDataPrep, FamilyMedium, "group_texts", "console.log:12"},

		// name
		{"cpt in the folder", familyRun{name: "luojiu7b-cpt-8712steps", series: map[string][]float64{"loss": sft}},
			FamilyPretrain, FamilyByName, FamilyWeak, "cpt", ""},
		{"a stage folder in output_dir", familyRun{series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoOutputDir: "saves/qwen/lora/pt"}},
			FamilyPretrain, FamilyByName, FamilyWeak, "pt", "console.log:12"},
		{"pre-train in run_name", familyRun{series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoRunName: "gpt2_pre_train_wiki"}},
			FamilyPretrain, FamilyByName, FamilyWeak, "pre-train", "console.log:12"},
		{"pt inside a word is no stage", familyRun{name: "chatglm2-ptuning-3000", series: map[string][]float64{"loss": sft}},
			FamilySFT, "", "", "", ""},
		{"pretrained is a model, not a stage", familyRun{name: "pretrained_checkpoints", series: map[string][]float64{"loss": sft}},
			FamilySFT, "", "", "", ""},

		// disagreement: the strongest wins
		{"a stage outweighs a name", familyRun{name: "law-sft", series: map[string][]float64{"loss": sft}, info: map[string]string{trainlog.InfoStage: "pt"}},
			FamilyPretrain, FamilyByStage, FamilyStrong, "pt", "console.log:12"},
		{"generation metrics outweigh a cpt name", familyRun{name: "chatglm-cpt-rouge", series: map[string][]float64{"loss": sft, "eval_rouge-l": sft}},
			FamilySFT, FamilyByTaskMetrics, FamilyMedium, "eval_rouge-l", "f.json#log_history[0]"},
		{"classification accuracy outweighs a start at ln 2", familyRun{series: map[string][]float64{"loss": falling(0.6915, 0.05, 30), "eval_accuracy": sft}},
			FamilyClassification, FamilyByTaskMetrics, FamilyMedium, "eval_accuracy", "f.json#log_history[0]"},
		{"two weak hints outweigh one", familyRun{name: "reward-model-sft-base", series: map[string][]float64{"loss": falling(0.69, 0.1, 30)}},
			FamilyReward, FamilyByLossLevel, FamilyWeak, "loss", "f.json#log_history[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newAnalyzer(tt.run.build()).family()
			if got.family != tt.family {
				t.Fatalf("family %s, want %s (evidence %+v)", got.family, tt.family, got.evidence)
			}
			if tt.kind == "" {
				if !got.assumed || len(got.evidence) != 0 {
					t.Fatalf("assumed %v with evidence %+v, want sft assumed with none", got.assumed, got.evidence)
				}
				return
			}
			if got.assumed || len(got.evidence) == 0 {
				t.Fatalf("assumed %v, evidence %+v", got.assumed, got.evidence)
			}
			e := got.evidence[0]
			if e.Kind != tt.kind || e.Strength != tt.strength || e.Read != tt.read || e.Source != tt.source || e.Family != tt.family {
				t.Errorf("decided by %+v, want %s %s %q at %q", e, tt.kind, tt.strength, tt.read, tt.source)
			}
			if e.Kind == FamilyByLossLevel && (e.Value == nil || *e.Value != tt.run.series["loss"][0]) {
				t.Errorf("loss level cites %v, want the first loss %v", e.Value, tt.run.series["loss"][0])
			}
			if e.Kind == FamilyByName && e.Source == "" && !strings.Contains(e.Path, e.Read) && e.Read != "pre-train" {
				t.Errorf("name %q cited in %q", e.Read, e.Path)
			}
		})
	}
}
