package trainlog

import "strings"

// Canonical maps a key as logged by any supported tool onto the model's
// name, which follows the Hugging Face Trainer's log keys: "loss",
// "learning_rate", "grad_norm", "eval_loss", "eval_<metric>",
// "mean_token_accuracy", "rewards/margins", and so on. kind is the kind
// of the entry the key came from; it matters for ambiguous names such as
// "train_loss", which is the run mean in a Trainer summary but the
// per-step loss in a Lightning metrics.csv.
//
// The original key is kept in Series.Keys.
func Canonical(kind Kind, key string) string {
	k := strings.TrimSpace(key)
	switch {
	case strings.HasPrefix(k, "train/"):
		k = strings.TrimPrefix(k, "train/")
		if kind == KindSummary || isSummaryKey(k) {
			return k
		}
	case strings.HasPrefix(k, "eval/"):
		k = "eval_" + strings.TrimPrefix(k, "eval/")
	case strings.HasPrefix(k, "test/"):
		k = "test_" + strings.TrimPrefix(k, "test/")
	case strings.HasPrefix(k, "val/"):
		k = "eval_" + strings.TrimPrefix(k, "val/")
	}
	if a, ok := aliases[k]; ok {
		return a
	}
	switch {
	case kind != KindSummary && k == "train_loss":
		return "loss"
	case strings.HasPrefix(k, "val_"):
		return "eval_" + strings.TrimSuffix(strings.TrimPrefix(k, "val_"), "_epoch")
	case strings.HasPrefix(k, "valid_"):
		return "eval_" + strings.TrimPrefix(k, "valid_")
	case strings.HasPrefix(k, "validation_"):
		return "eval_" + strings.TrimPrefix(k, "validation_")
	case strings.HasPrefix(k, "lr-") || strings.HasPrefix(k, "lr/"):
		return "learning_rate" // Lightning LearningRateMonitor: lr-AdamW
	}
	return k
}

// isSummaryKey reports keys that only the end-of-training summary holds.
func isSummaryKey(k string) bool {
	switch k {
	case "train_runtime", "train_samples_per_second", "train_steps_per_second",
		"train_loss", "total_flos", "train_tokens_per_second":
		return true
	}
	return false
}

// aliases maps unambiguous alternative names onto canonical ones.
var aliases = map[string]string{
	"lr":                    "learning_rate",
	"learning-rate":         "learning_rate",
	"train_loss_step":       "loss",
	"train/loss_step":       "loss",
	"loss_step":             "loss",
	"training_loss":         "loss",
	"eval_loss_epoch":       "eval_loss",
	"val_loss":              "eval_loss",
	"valid_loss":            "eval_loss",
	"validation_loss":       "eval_loss",
	"grad-norm":             "grad_norm",
	"gradient_norm":         "grad_norm",
	"train_grad_norm":       "grad_norm",
	"train_accuracy_step":   "accuracy",
	"train_acc_step":        "accuracy",
	"train_perplexity_step": "perplexity",
}

// IsEval reports whether a canonical name is an evaluation metric.
func IsEval(name string) bool { return strings.HasPrefix(name, "eval_") }
