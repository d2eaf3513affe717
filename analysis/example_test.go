package analysis_test

import (
	"fmt"
	"log"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/trainlog"
)

// Analyze turns a loaded run into a Report. The bundled example overfits:
// its train loss keeps falling while eval_loss bottoms at step 80 and
// rises beyond its noise afterwards, so the verdict is overfitting and
// the recommended checkpoint is the one of the best evaluation.
func ExampleAnalyze() {
	run, err := trainlog.Load([]string{"../examples/hf_v5_overfit_eval"}, trainlog.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	r := analysis.Analyze(run, analysis.DefaultOptions)
	fmt.Println("verdict:", r.Verdict.Status)
	fmt.Printf("best %s: %.3f at step %d (%s)\n", r.Eval.Metric, r.Eval.Best.Value, r.Eval.BestStep, r.Eval.Best.Source)
	fmt.Println("overfitting since step", r.Eval.Since)
	fmt.Println("recommended:", r.CheckpointsRecommended.Path)
	// Output:
	// verdict: overfitting
	// best eval_loss: 5.990 at step 80 (trainer_state.json#log_history[19])
	// overfitting since step 80
	// recommended: checkpoint-80
}
