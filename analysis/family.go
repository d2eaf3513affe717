package analysis

import (
	"slices"
)

// A Family is the kind of training a run did. It picks the metric the
// verdict is about (primaryMetric), the usual learning-rate range and the
// advice of the report.
type Family string

// Trainer families (RunInfo.Family).
const (
	FamilySFT            Family = "sft"
	FamilyPretrain       Family = "pretrain"
	FamilyDPO            Family = "dpo"
	FamilyORPO           Family = "orpo"
	FamilyKTO            Family = "kto"
	FamilyReward         Family = "reward"
	FamilyGRPO           Family = "grpo"
	FamilyPPO            Family = "ppo"
	FamilyClassification Family = "classification"
)

// A FamilyEvidenceKind names what showed a run's family.
type FamilyEvidenceKind string

// Kinds of family evidence, from what names the training most directly
// to what only hints at it (family_evidence.go says how each is read).
const (
	// FamilyByTrainerClass: a trainer class the log names (TRL's
	// DPOTrainer, LLaMA-Factory's PairwiseTrainer, a TRL module in a
	// traceback).
	FamilyByTrainerClass FamilyEvidenceKind = "trainer_class"
	// FamilyByStage: a framework's stage setting (LLaMA-Factory's stage
	// pt/sft/rm/ppo/dpo/kto, Axolotl's rl).
	FamilyByStage FamilyEvidenceKind = "framework_stage"
	// FamilyByModelClass: a model with a classification head
	// (config.json architectures, a printed XForSequenceClassification,
	// a PEFT adapter's task_type SEQ_CLS).
	FamilyByModelClass FamilyEvidenceKind = "model_class"
	// FamilyByMetricKeys: keys that one family's trainer logs
	// (rewards/margins, objective/rlhf_reward, reward_std,
	// mean_token_accuracy, a perplexity).
	FamilyByMetricKeys FamilyEvidenceKind = "metric_keys"
	// FamilyByTaskMetrics: evaluation metrics of a task: classification
	// (f1, precision, log_loss, an accuracy without token-level language
	// modelling keys) or generation (rouge, bleu).
	FamilyByTaskMetrics FamilyEvidenceKind = "task_metrics"
	// FamilyByLossLevel: the level of the train loss: that of an
	// untrained model over a full vocabulary (pretraining), or ln 2 (a
	// pairwise loss).
	FamilyByLossLevel FamilyEvidenceKind = "loss_level"
	// FamilyByDataPrep: texts concatenated into fixed blocks
	// (run_clm.py's group_texts).
	FamilyByDataPrep FamilyEvidenceKind = "data_prep"
	// FamilyByName: a token of the run's folder, output_dir or run_name
	// (pretrain, cpt, dpo, reward, cls, ...).
	FamilyByName FamilyEvidenceKind = "name"
)

// A FamilyStrength says how much one piece of evidence weighs.
type FamilyStrength string

// Strengths. Strong evidence names the trainer or its setting; medium
// evidence is typical of one family but not unique to it; weak evidence
// (a name) counts only when nothing stronger exists.
const (
	FamilyStrong FamilyStrength = "strong"
	FamilyMedium FamilyStrength = "medium"
	FamilyWeak   FamilyStrength = "weak"
)

func (s FamilyStrength) rank() int {
	switch s {
	case FamilyStrong:
		return 3
	case FamilyMedium:
		return 2
	case FamilyWeak:
		return 1
	}
	return 0
}

// A FamilyEvidence is one thing a run's files show about its family.
type FamilyEvidence struct {
	Kind     FamilyEvidenceKind `json:"kind"`
	Family   Family             `json:"family"`
	Strength FamilyStrength     `json:"strength"`
	// Read is what was read, as the file writes it: the class, the
	// stage value, the metric key, the name token; for a loss level the
	// metric ("loss").
	Read string `json:"read"`
	// Value is the number read at Source for a loss level (the first
	// logged loss); nil for the other kinds.
	Value *float64 `json:"value,omitempty"`
	// Source is where it was read (file:line, file#log_history[i],
	// file#key); empty for a name that only the run's folder holds.
	Source string `json:"source,omitempty"`
	// Path is the folder or path whose name holds a name token.
	Path string `json:"path,omitempty"`
}

// A familyResult is the family of a run, how it was decided and the
// evidence, the deciding family's first.
type familyResult struct {
	family   Family
	assumed  bool // no evidence of any family: sft by default
	evidence []FamilyEvidence
}

// family returns the memoised family of the run (see detectFamily).
func (a *analyzer) family() familyResult {
	a.mu.Lock()
	f := a.fam
	a.mu.Unlock()
	if f != nil {
		return *f
	}
	v := detectFamily(a)
	a.mu.Lock()
	a.fam = &v
	a.mu.Unlock()
	return v
}

// detectFamily weighs the evidence of the run's files (familyEvidence)
// into one family. The family with the strongest evidence wins; between
// families with evidence of equal strength, the one with more pieces of
// it, then the one found first (the gatherers run from the most direct
// kind to the least). With no evidence at all the run is assumed to be
// supervised fine-tuning, the most common kind, and says so.
func detectFamily(run *analyzer) familyResult {
	ev := familyEvidence(run)
	if len(ev) == 0 {
		return familyResult{family: FamilySFT, assumed: true}
	}
	type score struct {
		best, count, total, first int
	}
	scores := map[Family]*score{}
	var order []Family
	for i, e := range ev {
		s := scores[e.Family]
		if s == nil {
			s = &score{first: i}
			scores[e.Family] = s
			order = append(order, e.Family)
		}
		r := e.Strength.rank()
		switch {
		case r > s.best:
			s.best, s.count = r, 1
		case r == s.best:
			s.count++
		}
		s.total += r
	}
	win := order[0]
	for _, f := range order[1:] {
		a, b := scores[f], scores[win]
		if a.best > b.best || a.best == b.best && (a.count > b.count || a.count == b.count && a.total > b.total) {
			win = f
		}
	}
	// The deciding family's evidence first, each group strongest first;
	// the order found within a strength.
	slices.SortStableFunc(ev, func(x, y FamilyEvidence) int {
		if (x.Family == win) != (y.Family == win) {
			if x.Family == win {
				return -1
			}
			return 1
		}
		return y.Strength.rank() - x.Strength.rank()
	})
	return familyResult{family: win, evidence: ev}
}

// primaryMetric picks the series the verdict is about and returns it with
// the run's family (see detectFamily). The primary metric is the train loss except where the loss is
// not a measure of progress: GRPO/RLOO and PPO are judged on their reward
// (their loss is ~0 by construction) and DPO/ORPO/KTO on rewards/margins
// when logged. A run with no train loss but an eval loss (Lightning
// validation only) is judged on eval_loss.
func primaryMetric(run *analyzer) (metric string, family Family) {
	family = run.family().family
	has := func(name string) bool { return hasFinite(run, name) }
	switch family {
	case FamilyGRPO, FamilyPPO:
		for _, m := range []string{"reward", "objective/rlhf_reward", "objective/scores"} {
			if has(m) {
				return m, family
			}
		}
	case FamilyDPO, FamilyORPO, FamilyKTO:
		if has("rewards/margins") {
			return "rewards/margins", family
		}
	}
	if !has("loss") && has("eval_loss") {
		return "eval_loss", family
	}
	return "loss", family
}
