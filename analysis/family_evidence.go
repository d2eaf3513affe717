package analysis

import (
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// familyEvidence gathers what the run's files show about its family, from
// the most direct kind of evidence to the least (detectFamily weighs it):
//
//   - strong: a trainer class or a framework's stage setting the files
//     record (Info InfoTrainerClass, InfoStage); a classification head
//     (InfoModelClass, InfoTaskType); keys that only one family's trainer
//     logs (formats.md §2.4: rewards/margins without kl → DPO, with kl →
//     KTO, log_odds_ratio → ORPO, reward with reward_std or completions/*
//     → GRPO, objective/rlhf_reward → PPO, accuracy with margin → a TRL
//     reward model; LLaMA-Factory's trainer_log.jsonl accuracy, a copy of
//     rewards/accuracies, §3.1 → DPO);
//   - medium: mean_token_accuracy (TRL's SFT trainer; its DPO trainer
//     logs it too, beside rewards/*); generation metrics (rouge, bleu:
//     an SFT run evaluated with predict_with_generate); classification
//     metrics (f1, precision, recall, log_loss, auc, or an eval accuracy
//     in a run without token-level language-model keys); texts grouped
//     into blocks (run_clm.py); a train loss that starts where only an
//     untrained model over a full vocabulary starts and falls to a level
//     of natural text (pretraining: fromScratch);
//   - weak: a perplexity key (language modelling on raw text logs one;
//     some SFT scripts do too), a first loss near ln 2 (a pairwise loss:
//     a reward model that cannot yet rank the pair), and a family's name
//     in the run's folder, output_dir or run_name.
func familyEvidence(run *analyzer) []FamilyEvidence {
	var ev []FamilyEvidence
	add := func(kind FamilyEvidenceKind, f Family, s FamilyStrength, read, src string) {
		ev = append(ev, FamilyEvidence{Kind: kind, Family: f, Strength: s, Read: read, Source: src})
	}
	if t, ok := run.Info[trainlog.InfoTrainerClass]; ok {
		if f, ok := trainerClassFamily(t.Value); ok {
			add(FamilyByTrainerClass, f, FamilyStrong, t.Value, t.Source.String())
		}
	}
	if t, ok := run.Info[trainlog.InfoStage]; ok {
		if f, ok := stageFamily(t.Value); ok {
			add(FamilyByStage, f, FamilyStrong, t.Value, t.Source.String())
		}
	}
	for _, key := range []string{trainlog.InfoModelClass, trainlog.InfoTaskType} {
		if t, ok := run.Info[key]; ok {
			if f, ok := headFamily(t.Value, run.Info[trainlog.InfoNumLabels].Value); ok {
				add(FamilyByModelClass, f, FamilyStrong, t.Value, t.Source.String())
			}
		}
	}
	ev = append(ev, keyEvidence(run)...)
	if t, ok := run.Info[trainlog.InfoDataPrep]; ok && t.Value == "group_texts" {
		add(FamilyByDataPrep, FamilyPretrain, FamilyMedium, t.Value, t.Source.String())
	}
	ev = append(ev, lossLevelEvidence(run)...)
	if name, src, ok := firstKeyMatching(run, func(k string) bool { return strings.Contains(k, "perplexity") }); ok {
		add(FamilyByMetricKeys, FamilyPretrain, FamilyWeak, name, src)
	}
	return append(ev, nameEvidence(run)...)
}

// trainerClassFamily maps a trainer class onto its family. Subclasses
// that frameworks prefix (LLaMA-Factory's CustomDPOTrainer, Unsloth's
// UnslothGRPOTrainer, Axolotl's AxolotlKTOTrainer) count as their base.
func trainerClassFamily(class string) (Family, bool) {
	for _, p := range []string{"Custom", "Unsloth", "Axolotl"} {
		if c, ok := strings.CutPrefix(class, p); ok && c != "Trainer" {
			class = c
		}
	}
	f, ok := map[string]Family{
		"SFTTrainer": FamilySFT, "IterativeSFTTrainer": FamilySFT, "Seq2SeqTrainer": FamilySFT,
		"DPOTrainer": FamilyDPO, "OnlineDPOTrainer": FamilyDPO, "CPOTrainer": FamilyDPO,
		"ORPOTrainer": FamilyORPO, "KTOTrainer": FamilyKTO, "BCOTrainer": FamilyKTO,
		"RewardTrainer": FamilyReward, "PRMTrainer": FamilyReward, "PairwiseTrainer": FamilyReward,
		"GRPOTrainer": FamilyGRPO, "RLOOTrainer": FamilyGRPO,
		"PPOTrainer": FamilyPPO, "PPOv2Trainer": FamilyPPO,
	}[class]
	return f, ok
}

// stageFamily maps a stage setting onto a family: LLaMA-Factory's stage
// (and the names its web UI shows), Axolotl's rl.
func stageFamily(stage string) (Family, bool) {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(stage), `'"`))
	f, ok := map[string]Family{
		"pt": FamilyPretrain, "pre-training": FamilyPretrain, "pretrain": FamilyPretrain,
		"sft": FamilySFT, "supervised fine-tuning": FamilySFT,
		"rm": FamilyReward, "reward modeling": FamilyReward,
		"dpo": FamilyDPO, "ipo": FamilyDPO, "simpo": FamilyDPO,
		"orpo": FamilyORPO, "kto": FamilyKTO, "ppo": FamilyPPO, "grpo": FamilyGRPO,
	}[s]
	return f, ok
}

// headFamily maps a model class or a PEFT task_type onto a family: a
// sequence classification head with one label scores (a reward model,
// which TRL builds as AutoModelForSequenceClassification with
// num_labels=1); with more it classifies, as do token classification and
// multiple choice heads. A language-model head says nothing: pretraining
// and fine-tuning share it.
func headFamily(class, numLabels string) (Family, bool) {
	seq := strings.Contains(class, "ForSequenceClassification") || strings.TrimSpace(class) == "SEQ_CLS"
	if seq {
		if n, err := strconv.Atoi(strings.TrimSpace(numLabels)); err == nil && n == 1 {
			return FamilyReward, true
		}
		return FamilyClassification, true
	}
	if strings.Contains(class, "ForTokenClassification") || strings.Contains(class, "ForMultipleChoice") || strings.TrimSpace(class) == "TOKEN_CLS" {
		return FamilyClassification, true
	}
	return "", false
}

// keySource returns where the run logged the named key: the first finite
// point of its series, else the summary value.
func keySource(run *analyzer, name string) (string, bool) {
	if s := run.Get(name); s.Len() > 0 {
		for i := range s.Len() {
			if s.Finite(i) {
				return s.Source(i).String(), true
			}
		}
		return s.Source(0).String(), true
	}
	if v, ok := run.Summary[name]; ok {
		return v.Source.String(), true
	}
	return "", false
}

// firstKey returns the first of names the run logged, with its source.
func firstKey(run *analyzer, names ...string) (string, string, bool) {
	for _, n := range names {
		if src, ok := keySource(run, n); ok {
			return n, src, true
		}
	}
	return "", "", false
}

// firstKeyMatching returns the first logged key (series, then summary,
// each in name order) that match accepts.
func firstKeyMatching(run *analyzer, match func(string) bool) (string, string, bool) {
	names := run.SeriesNames()
	sum := make([]string, 0, len(run.Summary))
	for k := range run.Summary {
		sum = append(sum, k)
	}
	sort.Strings(sum)
	for _, n := range append(names, sum...) {
		if match(n) {
			if src, ok := keySource(run, n); ok {
				return n, src, true
			}
		}
	}
	return "", "", false
}

// keyEvidence reads the family from the metric keys the run logged.
func keyEvidence(run *analyzer) []FamilyEvidence {
	var ev []FamilyEvidence
	add := func(kind FamilyEvidenceKind, f Family, s FamilyStrength, read, src string) {
		ev = append(ev, FamilyEvidence{Kind: kind, Family: f, Strength: s, Read: read, Source: src})
	}
	has := func(names ...string) bool {
		_, _, ok := firstKey(run, names...)
		return ok
	}
	orpo := []string{"log_odds_ratio", "log_odds_chosen", "odds_ratio_loss"}
	if k, src, ok := firstKey(run, "objective/rlhf_reward", "objective/scores", "policy/approxkl_avg"); ok {
		add(FamilyByMetricKeys, FamilyPPO, FamilyStrong, k, src)
	}
	if k, src, ok := firstKey(run, orpo...); ok {
		add(FamilyByMetricKeys, FamilyORPO, FamilyStrong, k, src)
	}
	if k, src, ok := firstKey(run, "rewards/margins", "rewards/chosen", "rewards/accuracies"); ok && !has(orpo...) {
		if has("kl") {
			add(FamilyByMetricKeys, FamilyKTO, FamilyStrong, k, src)
		} else {
			add(FamilyByMetricKeys, FamilyDPO, FamilyStrong, k, src)
		}
	}
	if has("reward") {
		k, src, ok := firstKey(run, "reward_std", "frac_reward_zero_std", "completion_length")
		if !ok {
			k, src, ok = firstKeyMatching(run, func(k string) bool { return strings.HasPrefix(k, "completions/") })
		}
		if ok {
			add(FamilyByMetricKeys, FamilyGRPO, FamilyStrong, k, src)
		}
	}
	if src, ok := keySource(run, "accuracy"); ok {
		switch {
		case has("margin", "min_reward", "mean_reward", "max_reward"):
			add(FamilyByMetricKeys, FamilyReward, FamilyStrong, "accuracy", src)
		case fileFormat(run, src) == "llamafactory-jsonl":
			// LLaMA-Factory's LogCallback copies rewards/accuracies into
			// accuracy (formats.md §3.1): a preference run.
			add(FamilyByMetricKeys, FamilyDPO, FamilyStrong, "accuracy", src)
		}
	}
	if k, src, ok := firstKey(run, "mean_token_accuracy", "eval_mean_token_accuracy"); ok {
		add(FamilyByMetricKeys, FamilySFT, FamilyMedium, k, src)
	}
	if k, src, ok := firstKeyMatching(run, generationMetric); ok {
		add(FamilyByTaskMetrics, FamilySFT, FamilyMedium, k, src)
	}
	if k, src, ok := firstKeyMatching(run, classificationMetric); ok {
		add(FamilyByTaskMetrics, FamilyClassification, FamilyMedium, k, src)
	} else if k, src, ok := firstKeyMatching(run, heldOutAccuracy); ok && !languageModelKeys(run) {
		add(FamilyByTaskMetrics, FamilyClassification, FamilyMedium, k, src)
	}
	return ev
}

// evalPrefixes are the prefixes of held-out metrics.
var evalPrefixes = []string{"eval_", "test_", "val_", "predict_", "validation_"}

// heldOutBase returns the name of a held-out metric without its prefix.
func heldOutBase(key string) (string, bool) {
	for _, p := range evalPrefixes {
		if b, ok := strings.CutPrefix(key, p); ok {
			return b, true
		}
	}
	return "", false
}

// classificationMetric reports a held-out metric that only a classifier
// is scored by.
func classificationMetric(key string) bool {
	b, ok := heldOutBase(key)
	if !ok {
		return false
	}
	switch b {
	case "f1", "macro_f1", "micro_f1", "weighted_f1", "f1_macro", "f1_micro", "f1_weighted",
		"precision", "recall", "matthews_correlation", "mcc", "log_loss", "logloss",
		"auc", "roc_auc", "auroc", "balanced_accuracy", "cohen_kappa", "kappa":
		return true
	}
	return false
}

// heldOutAccuracy reports a held-out accuracy: a classifier's, unless the
// run is a language model's (languageModelKeys), whose token accuracy
// run_clm.py and LLaMA-Factory's SFT also log as eval_accuracy.
func heldOutAccuracy(key string) bool {
	b, ok := heldOutBase(key)
	return ok && (b == "accuracy" || b == "acc")
}

// generationMetric reports a metric of generated text (rouge, bleu),
// which a seq2seq or SFT run evaluated with predict_with_generate logs.
func generationMetric(key string) bool {
	b, ok := heldOutBase(key)
	return ok && (strings.HasPrefix(b, "rouge") || strings.HasPrefix(b, "bleu"))
}

// languageModelKeys reports keys of token-level language modelling: a
// perplexity, TRL's token accuracy and token counts, or LLaMA-Factory as
// the library (its SFT eval_accuracy is a token accuracy).
func languageModelKeys(run *analyzer) bool {
	if _, _, ok := firstKeyMatching(run, func(k string) bool {
		return strings.Contains(k, "perplexity") || k == "ppl" || k == "eval_ppl" ||
			strings.HasSuffix(k, "mean_token_accuracy") || strings.HasSuffix(k, "num_tokens") || generationMetric(k)
	}); ok {
		return true
	}
	return strings.Contains(run.Info[trainlog.InfoLibrary].Value, "llamafactory")
}

// fileFormat returns the format of the file a source names.
func fileFormat(run *analyzer, src string) string {
	for _, f := range run.Files {
		if f.Path != "" && (src == f.Path || strings.HasPrefix(src, f.Path+":") || strings.HasPrefix(src, f.Path+"#")) {
			return f.Format
		}
	}
	return ""
}

// Loss levels (docs/methods.md#family). A pretrained language model
// predicts text far better than a table of token frequencies, whose
// perplexity on English is near a thousand: a first train loss above
// scratchLoss (ln 1100) is that of an untrained model over a full-size
// vocabulary (ln 32000 = 10.4, ln 50257 = 10.8), unless the loss is not
// a per-token loss at all. A pretraining run then falls but stays at the
// level of natural text: models of every size end above 1.5 nats per
// token on unseen text (Chinchilla 1.94, Llama 2 7B about 1.75), so a
// run that ends below textFloor memorised its data or is not a language
// model (a classifier started through its LM head). A fall of at least
// ln 2 (half the perplexity) shows learning.
//
// A pairwise (Bradley-Terry) loss starts at ln 2, the loss of a model
// that cannot yet rank the pair: a first logged loss within ln2Tolerance
// of it hints at a reward model (a binary classifier starts there too).
const (
	scratchLoss  = 7.0
	textFloor    = 1.5
	ln2Tolerance = 0.1
)

// lossLevelEvidence reads the family from the level of the train loss.
func lossLevelEvidence(run *analyzer) []FamilyEvidence {
	c := finiteCurve(run, "loss")
	if c == nil || c.len() == 0 {
		return nil
	}
	src := func(i int) string {
		if c.idx != nil {
			i = c.idx[i]
		}
		return c.s.Source(i).String()
	}
	first := c.y[0]
	if n := c.len(); n >= 3*minLevelPoints && first >= scratchLoss {
		end := slices.Clone(c.y[n-max(n/10, minLevelPoints):])
		sort.Float64s(end)
		final := end[len(end)/2]
		if final >= textFloor && final <= first-math.Ln2 {
			return []FamilyEvidence{{Kind: FamilyByLossLevel, Family: FamilyPretrain, Strength: FamilyMedium, Read: "loss", Value: &first, Source: src(0)}}
		}
	}
	if math.Abs(first-math.Ln2) < ln2Tolerance {
		return []FamilyEvidence{{Kind: FamilyByLossLevel, Family: FamilyReward, Strength: FamilyWeak, Read: "loss", Value: &first, Source: src(0)}}
	}
	return nil
}

// nameTokens maps the tokens of a run's names onto families.
var nameTokens = map[string]Family{
	"pretrain": FamilyPretrain, "pretraining": FamilyPretrain, "cpt": FamilyPretrain, "scratch": FamilyPretrain,
	"sft": FamilySFT,
	"dpo": FamilyDPO, "simpo": FamilyDPO,
	"orpo": FamilyORPO, "kto": FamilyKTO,
	"reward": FamilyReward, "rm": FamilyReward,
	"grpo": FamilyGRPO, "rloo": FamilyGRPO, "ppo": FamilyPPO,
	"cls": FamilyClassification, "classification": FamilyClassification, "classifier": FamilyClassification,
}

// nameEvidence reads family names in the run's folder, its file paths,
// and the output_dir, run_name and best checkpoint path it records: a
// token between separators ("hf-luojiu7b-cpt-8712steps": cpt), "pre"
// then "train", or a folder named after a stage ("saves/qwen/lora/pt").
func nameEvidence(run *analyzer) []FamilyEvidence {
	var ev []FamilyEvidence
	seen := map[string]bool{}
	scan := func(name, src string) {
		for _, comp := range strings.Split(strings.ReplaceAll(name, "\\", "/"), "/") {
			toks := strings.FieldsFunc(strings.ToLower(comp), func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
			})
			for i, tok := range toks {
				f, ok := nameTokens[tok]
				switch {
				case tok == "pre" && i+1 < len(toks) && strings.HasPrefix(toks[i+1], "train"):
					tok, f, ok = "pre-train", FamilyPretrain, true
				case tok == "pt" && len(toks) == 1:
					f, ok = FamilyPretrain, true
				}
				if !ok || seen[tok] {
					continue
				}
				seen[tok] = true
				e := FamilyEvidence{Kind: FamilyByName, Family: f, Strength: FamilyWeak, Read: tok, Source: src}
				if src == "" {
					e.Path = name
				}
				ev = append(ev, e)
			}
		}
	}
	scan(run.Name, "")
	for _, f := range run.Files {
		if f.Used {
			scan(strings.TrimSuffix(f.Path, path.Ext(f.Path)), "")
		}
	}
	for _, key := range []string{trainlog.InfoOutputDir, trainlog.InfoRunName, trainlog.InfoBestCheckpoint} {
		if t, ok := run.Info[key]; ok {
			scan(t.Value, t.Source.String())
		}
	}
	return ev
}
