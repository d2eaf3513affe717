package genlog

import (
	"bytes"
	"fmt"
)

// TrainerState returns a generated trainer_state.json with n training
// entries (epoch, grad_norm, learning_rate, loss, step) and an evaluation
// entry every 100 steps, indented and key-sorted as the Trainer writes it.
// A million entries make about 176 MB.
func TrainerState(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 176)
	b.WriteString("{\n  \"best_metric\": null,\n  \"epoch\": 3.0,\n  \"global_step\": ")
	fmt.Fprintf(&b, "%d,\n  \"log_history\": [\n", n)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    {\n      \"epoch\": %v,\n      \"grad_norm\": %v,\n      \"learning_rate\": %v,\n      \"loss\": %v,\n      \"step\": %d\n    }",
			float64(i)/float64(n)*3, 3.874723434448242+float64(i%7), 0.0006680000000000001*(1-float64(i)/float64(n)), 4.971466541290283-float64(i%13)*0.01, i)
		if i%100 == 0 {
			fmt.Fprintf(&b, ",\n    {\n      \"epoch\": %v,\n      \"eval_loss\": %v,\n      \"eval_runtime\": 0.0481,\n      \"step\": %d\n    }", float64(i)/float64(n)*3, 5.989955902099609, i)
		}
	}
	fmt.Fprintf(&b, "\n  ],\n  \"logging_steps\": 1,\n  \"max_steps\": %d\n}\n", n)
	return b.Bytes()
}
