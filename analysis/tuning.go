package analysis

import (
	"path"

	"github.com/plateau-dev/plateau/trainlog"
)

// Tuning is what a run trained: a PEFT adapter over a frozen model, or
// the whole model. The usual learning rates differ by about ten times
// between them (docs/methods.md#lr-range).
type Tuning string

// Tunings.
const (
	TuningAdapter Tuning = "adapter" // a PEFT adapter (LoRA, QLoRA, ...)
	TuningFull    Tuning = "full"    // every parameter
)

// adapterShare is the trainable share of the parameters below which a
// run trains an adapter: PEFT's LoRA trains well under 10% of a model.
const adapterShare = 0.5

// tuning tells from the run's files whether it trained an adapter or the
// whole model, and cites the evidence: a checkpoint folder that holds an
// adapter_config.json (PEFT writes one into every checkpoint it saves),
// the trainable and total parameter counts a log prints, or checkpoint
// folders without an adapter_config.json. It returns "" when nothing
// tells.
func tuning(run *trainlog.Run) (Tuning, string) {
	for _, ck := range run.Checkpoints {
		if ck.Adapter {
			return TuningAdapter, path.Join(ck.Path, "adapter_config.json")
		}
	}
	tr, okT := run.Geometry[trainlog.GeoTrainableParams]
	all, okA := run.Geometry[trainlog.GeoTotalParams]
	if okT && okA && tr.Value > 0 && all.Value > 0 {
		if tr.Value < adapterShare*all.Value {
			return TuningAdapter, tr.Source.String()
		}
		return TuningFull, tr.Source.String()
	}
	for _, ck := range run.Checkpoints {
		if ck.Kind == "checkpoint" {
			// PEFT saves adapter_config.json into every checkpoint:
			// a checkpoint without one holds the whole model.
			return TuningFull, ck.Path
		}
	}
	return "", ""
}
