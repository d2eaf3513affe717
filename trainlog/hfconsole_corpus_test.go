package trainlog

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/plateau-dev/plateau/internal/testcorpus"
)

// hcCorpus returns the path of a file of the shared corpus, skipping the
// test when the corpus is absent and failing when PLATEAU_CORPUS says it
// must be there.
func hcCorpus(t testing.TB, rel string) string {
	t.Helper()
	return testcorpus.Path(t, rel)
}

// TestConsoleCorpus reads the console logs of the shared corpus. Their
// steps are inferred (the dicts carry none) and must follow the logging
// cadence the runs used, which the epochs and progress bars show.
//
// labels.tsv gives eval_best_step 24 for console-wandb-lora-cls-huge-gradnorm
// and 169 for console-qwen3-medical-qlora-sft: those are the ordinals of
// the best eval dict among all the dicts printed (the qwen3 count includes
// the tokenizer's "{'bos_token_id': None, ...}"), not optimizer steps.
// The steps are 800 (eval every 100 of 3,780 steps, epoch 4.23 of 20) and
// 1600 (eval every 200 of 1,755 steps, epoch 2.74 of 3).
func TestConsoleCorpus(t *testing.T) {
	for _, tc := range []struct {
		rel            string
		train, cadence int64 // number of training dicts and the step between them
		evals          int
		bestEval       int64 // step of the lowest eval_loss, 0 to skip
		crashes        int
		summary        int
		geo            map[string]float64
		by             map[StepEvidence]int // training dicts per kind of step evidence
		estimated      int                  // training dicts whose step is estimated
	}{
		{rel: "console-wandb-lora-cls-huge-gradnorm/output.log", train: 75, cadence: 50, evals: 37, bestEval: 800, summary: 1,
			by: map[StepEvidence]int{StepCadence: 75}, estimated: 75},
		{rel: "console-qwen3-medical-qlora-sft/training.log", train: 175, cadence: 10, evals: 8, bestEval: 1600, summary: 1,
			by: map[StepEvidence]int{StepRedraw: 175}},
		{rel: "console-gemma2-9b-lmsys-interrupted-traceback/train.log", train: 24, cadence: 10, evals: 1, bestEval: 200, crashes: 2,
			geo: map[string]float64{GeoTrainableParams: 25460736, GeoLoggingSteps: 10, GeoEvalSteps: 200, GeoEpochs: 2},
			by:  map[StepEvidence]int{StepRedraw: 24}},
		{rel: "console-wandb-reward-model-interrupted/output.log", train: 27, cadence: 30, crashes: 1,
			by: map[StepEvidence]int{StepCadence: 27}, estimated: 27},
		{rel: "console-phi2-custom-logger-3days/training.log", by: map[StepEvidence]int{}},
		{rel: "lf-console-deepseek7b-lora/running_log.txt", train: 421, cadence: 5,
			geo: map[string]float64{GeoExamples: 2182, GeoEpochs: 1000, GeoMaxSteps: 17000, GeoGradAccum: 64},
			by:  map[StepEvidence]int{StepCadence: 421}, estimated: 421},
		{rel: "lf-tfm-lora-20ep-tinydata-console-and-jsonl/training_v3.log", train: 48, cadence: 5, summary: 1,
			geo: map[string]float64{GeoExamples: 180, GeoEpochs: 20, GeoMaxSteps: 240},
			by:  map[StepEvidence]int{StepRedraw: 48}},
	} {
		t.Run(filepath.Dir(tc.rel), func(t *testing.T) {
			p := hcCorpus(t, tc.rel)
			recs := hcReadFile(t, p, tc.rel)
			train := hcEntries(recs, KindTrain, "")
			var want []int64
			if tc.train > 0 {
				want = hcRange(tc.cadence, tc.train*tc.cadence, tc.cadence)
			}
			hcSameSteps(t, "train", hcStepsOf(train), want)
			by, est := map[StepEvidence]int{}, 0
			for _, e := range train {
				by[e.StepBy]++
				if e.StepEstimated {
					est++
				}
			}
			if fmt.Sprint(by) != fmt.Sprint(tc.by) || est != tc.estimated {
				t.Errorf("step evidence %v with %d estimated, want %v with %d", by, est, tc.by, tc.estimated)
			}
			evals := hcEntries(recs, KindEval, "")
			if len(evals) != tc.evals {
				t.Errorf("%d evals, want %d", len(evals), tc.evals)
			}
			if tc.bestEval > 0 {
				best := evals[0]
				for _, e := range evals {
					if v, _ := e.Get("eval_loss"); v < hcMust(best.Get("eval_loss")) {
						best = e
					}
				}
				if best.Step != tc.bestEval {
					t.Errorf("best eval at step %d (%s), want %d", best.Step, best.Source, tc.bestEval)
				}
			}
			m := hcCollectMetas(recs)
			if n := len(m.eventsOf(EventCrash)); n != tc.crashes {
				t.Errorf("%d crash events, want %d: %+v", n, tc.crashes, m.events)
			}
			if n := len(hcEntries(recs, KindSummary, "")); n != tc.summary {
				t.Errorf("%d summaries, want %d", n, tc.summary)
			}
			for k, v := range tc.geo {
				if g := m.geo[k]; g.Value != v || g.Source.Line <= 0 {
					t.Errorf("geometry %s = %+v, want %g", k, g, v)
				}
			}
			if len(m.syntax) > 0 {
				t.Errorf("syntax errors: %v", m.syntax[:min(3, len(m.syntax))])
			}
		})
	}
}

func hcMust(v float64, ok bool) float64 {
	if !ok {
		panic("missing value")
	}
	return v
}

// TestConsoleCorpusCrash checks the crash events of the interrupted runs.
func TestConsoleCorpusCrash(t *testing.T) {
	p := hcCorpus(t, "console-wandb-reward-model-interrupted/output.log")
	m := hcCollectMetas(hcReadFile(t, p, "output.log"))
	cr := m.eventsOf(EventCrash)
	if len(cr) != 1 {
		t.Fatalf("crash events %+v", m.events)
	}
	// The header is glued to the bar on line 3 (grep -n Traceback), the
	// exception ends the file on line 62; the bar stood at 829/1954.
	e := cr[0]
	if e.Message != "KeyboardInterrupt" || e.Step != 829 || len(e.Sources) != 2 || e.Sources[0].Line != 62 || e.Sources[1].Line != 3 {
		t.Errorf("crash %+v, want KeyboardInterrupt at step 829, output.log:62 and :3", e)
	}
	if s := m.sum["tqdm_step"]; s.Value != 829 || s.Source.Line != 3 {
		t.Errorf("tqdm_step %+v", s)
	}
}
