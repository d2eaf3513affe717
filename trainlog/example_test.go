package trainlog_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/plateau-dev/plateau/trainlog"
)

// Load reads a run directory: it finds the console log, the newest
// trainer_state.json and the TensorBoard events, and merges them into
// one Run whose points keep the most precise value and cite every copy.
func ExampleLoad() {
	run, err := trainlog.Load([]string{"../examples/hf_v5_overfit_eval"}, trainlog.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	loss := run.Get("loss")
	fmt.Printf("%d loss points from step %d to %d\n", loss.Len(), loss.Step(0), loss.Step(loss.Len()-1))
	for i := range 2 {
		p := loss.Point(i) // one point as a whole; loss.Value(i), loss.Source(i) read one field
		fmt.Printf("step %d epoch %.2f: %.4f at %s, also in %d other files\n", p.Step, p.Epoch, p.Value, p.Source, len(p.Also))
	}
	ev := run.Get("eval_loss")
	best := 0
	for i, v := range ev.Values() { // the column: no copy
		if v < ev.Value(best) {
			best = i
		}
	}
	fmt.Printf("lowest eval_loss %.4f at step %d (%s)\n", ev.Value(best), ev.Step(best), ev.Source(best))
	// Output:
	// 100 loss points from step 5 to 500
	// step 5 epoch 0.25: 6.1024 at trainer_state.json#log_history[0], also in 2 other files
	// step 10 epoch 0.50: 6.0164 at trainer_state.json#log_history[1], also in 2 other files
	// lowest eval_loss 5.9900 at step 80 (trainer_state.json#log_history[19])
}

// Open sniffs the format of one input and returns a Reader, which yields
// entries, facts about the run and the syntax errors of bad lines;
// reading goes on after a bad line.
func ExampleOpen() {
	const trainerLog = `{"current_steps": 10, "total_steps": 20, "loss": 2.203, "lr": 4.5e-05, "epoch": 0.5, "percentage": 50.0, "elapsed_time": "0:01:01", "remaining_time": "0:01:01"}
{"current_steps": 10, "total_steps": 20, "eval_loss": 2.31, "epoch": 0.5, "percentage": 50.0, "elapsed_time": "0:01:09", "remaining_time": "0:01:09"}
{"current_steps": 20, "total_steps": 20, "loss": 1.9
{"current_steps": 20, "total_steps": 20, "loss": 1.904, "lr": 0.0, "epoch": 1.0, "percentage": 100.0, "elapsed_time": "0:02:02", "remaining_time": "0:00:00"}
`
	r, format, err := trainlog.Open("out/trainer_log.jsonl", strings.NewReader(trainerLog), trainlog.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("format:", format.Name)
	for r.Scan() {
		switch rec := r.Record().(type) {
		case *trainlog.Entry:
			loss, _ := rec.Get("loss")
			if rec.Kind == trainlog.KindEval {
				loss, _ = rec.Get("eval_loss")
			}
			fmt.Printf("%s: %s step %d epoch %g loss %g\n", rec.Source, rec.Kind, rec.Step, rec.Epoch, loss)
		case *trainlog.SyntaxError:
			fmt.Printf("%s:%d: bad line skipped\n", rec.File, rec.Line)
		}
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// format: llamafactory-jsonl
	// out/trainer_log.jsonl:1: train step 10 epoch 0.5 loss 2.203
	// out/trainer_log.jsonl:2: eval step 10 epoch 0.5 loss 2.31
	// out/trainer_log.jsonl:3: bad line skipped
	// out/trainer_log.jsonl:4: train step 20 epoch 1 loss 1.904
}
