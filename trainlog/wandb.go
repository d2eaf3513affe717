package trainlog

// The wandb-summary format: W&B's files/wandb-summary.json.
//
// Observed grammar (the last value of every key logged, written by the
// SDK; compact JSON from the Go core, ", " separators from the older
// Python SDK; key order arbitrary):
//
//	file   = "{" member { "," member } "}"
//	member = key ":" ( number | string | bool | null | object )
//	key    = "train/<name>" | "eval/<name>" | "test/<name>"   HF WandbCallback
//	       | "train_runtime" | "train_loss" | "total_flos" | ...  end-of-training summary, unprefixed
//	       | "_step" | "_runtime" | "_timestamp"               W&B counters
//	       | "_wandb": {"runtime": N}                          W&B bookkeeping
//	       | any user key
//	object = {"_type": "histogram" | "table-file" | ..., ...} media and histograms
//
// Numeric values become Summary values with their keys as written
// ("train/loss", "eval/accuracy", "test/accuracy"); Canonical maps them.
// train/global_step gives the geometry's global step. Keys starting
// with "_" are W&B counters and are skipped, except that _runtime stands
// in for train_runtime when the file has no train_runtime key (the
// WandbCallback writes train_runtime only at the end of train(), so a
// run that crashed or was stopped has only _runtime). Nested objects are
// skipped. Values are cited as file#key.

import (
	"bytes"
	"io"
	"strings"
)

func init() {
	Register(Format{
		Name:        "wandb-summary",
		Description: "Weights & Biases files/wandb-summary.json",
		Detect:      detectWandbSummary,
		NewReader: func(name string, r io.Reader, _ Options) Reader {
			return newJSONDocReader(name, r, "a wandb-summary.json object", wandbSummaryRecords)
		},
	})
}

// detectWandbSummary recognises one JSON object with _wandb, or with
// _step and _runtime.
func detectWandbSummary(name string, head []byte) int {
	h := jsonHead(head)
	if len(h) == 0 || h[0] != '{' {
		return 0
	}
	// Several objects, one per line, are a history, not a summary.
	if bytes.Contains(h, []byte("\n{")) {
		return 0
	}
	ms, _ := jsonTopKeys(h)
	score := 0
	switch {
	case hasMember(ms, "_wandb"):
		score = 90
	case hasMember(ms, "_step") && hasMember(ms, "_runtime"):
		score = 85
	default:
		return 0
	}
	if strings.HasSuffix(name, ".jsonl") {
		score = 30
	}
	return score
}

// wandbSummaryRecords converts the members of a wandb-summary.json.
func wandbSummaryRecords(file string, ms []jsonMember, emit func(Record)) {
	hasRuntime := hasMember(ms, "train_runtime")
	for _, m := range ms {
		if m.Kind != jtNumber {
			continue
		}
		src := Source{File: file, Frag: m.Key}
		switch {
		case m.Key == "train/global_step":
			emit(&Meta{Geometry: &Value{Key: GeoGlobalStep, Value: m.Num, Digits: DigitsFloat64, Source: src}})
		case m.Key == "_runtime":
			if !hasRuntime {
				emit(&Meta{Summary: &Value{Key: "train_runtime", Value: m.Num, Digits: DigitsFloat64, Source: src}})
			}
		case strings.HasPrefix(m.Key, "_"):
		default:
			emit(&Meta{Summary: &Value{Key: m.Key, Value: m.Num, Digits: DigitsFloat64, Source: src}})
		}
	}
}
