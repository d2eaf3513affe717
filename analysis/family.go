package analysis

import (
	"math"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// Trainer families (RunInfo.Family).
const (
	FamilySFT            = "sft"
	FamilyPretrain       = "pretrain"
	FamilyDPO            = "dpo"
	FamilyORPO           = "orpo"
	FamilyKTO            = "kto"
	FamilyReward         = "reward"
	FamilyGRPO           = "grpo"
	FamilyPPO            = "ppo"
	FamilyClassification = "classification"
)

// primaryMetric picks the series the verdict is about and the trainer
// family. The family comes from a reader's hint (Info["family"]) when
// there is one, otherwise from the logged keys (TRL writes distinctive
// ones, formats.md §2.4). The primary metric is the train loss except
// where the loss is not a measure of progress: GRPO/RLOO and PPO are
// judged on their reward (their loss is ~0 by construction) and
// DPO/ORPO/KTO on rewards/margins when logged. A run with no train loss
// but an eval loss (Lightning validation only) is judged on eval_loss.
func primaryMetric(run *analyzer) (metric, family string) {
	family = detectFamily(run)
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

// detectFamily classifies the trainer from the run's keys.
func detectFamily(run *analyzer) string {
	if f := strings.ToLower(strings.TrimSpace(run.Info[trainlog.InfoFamily].Value)); f != "" {
		return f
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if run.Get(n).Len() > 0 {
				return true
			}
		}
		return false
	}
	hasPrefix := func(prefix string) bool {
		for name, s := range run.Series {
			if strings.HasPrefix(name, prefix) && s.Len() > 0 {
				return true
			}
		}
		return false
	}
	switch {
	case has("objective/rlhf_reward", "objective/scores"):
		return FamilyPPO
	case has("log_odds_ratio", "log_odds_chosen", "odds_ratio_loss"):
		return FamilyORPO
	case has("rewards/margins", "rewards/chosen"):
		if has("kl") {
			return FamilyKTO
		}
		return FamilyDPO
	case has("reward") && (has("reward_std", "kl", "frac_reward_zero_std", "completion_length") || hasPrefix("completions/")):
		return FamilyGRPO
	case has("accuracy", "margin") && startsNearLn2(run):
		return FamilyReward
	case has("eval_accuracy") && !has("mean_token_accuracy", "eval_mean_token_accuracy"):
		return FamilyClassification
	}
	return FamilySFT
}

// startsNearLn2 reports a train loss that starts at about ln 2, the loss
// of a pairwise (Bradley-Terry) model that cannot yet rank the pair.
func startsNearLn2(run *analyzer) bool {
	c := finiteCurve(run, "loss")
	if c.len() == 0 {
		return false
	}
	k := min(c.len(), 3)
	var sum float64
	for _, v := range c.y[:k] {
		sum += v
	}
	return math.Abs(sum/float64(k)-math.Ln2) < 0.15
}
