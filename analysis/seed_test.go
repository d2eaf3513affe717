package analysis

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plateau-dev/plateau/internal/seedrun"
	"github.com/plateau-dev/plateau/trainlog"
)

// seedReport loads the reconstruction of the seed article's run and
// analyses it.
func seedReport(t *testing.T) *Report {
	t.Helper()
	if _, ok := trainlog.LookupFormat("hf-console"); !ok {
		t.Fatal("the hf-console reader is not registered")
	}
	dir := t.TempDir()
	if err := seedrun.Write(dir); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(run, DefaultOptions)
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report does not encode as JSON: %v", err)
	}
	return r
}

// round rounds v to n significant digits.
func round(v float64, n int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// TestSeedArticle checks that the report of the seed run says what the
// seed article says, with the same numbers on the same log lines.
func TestSeedArticle(t *testing.T) {
	r := seedReport(t)

	t.Run("header", func(t *testing.T) {
		h := r.Run
		if !h.Completed || h.FirstStep != 1 || h.LastStep != 750 || h.MaxSteps != 750 || h.Epochs != 3 {
			t.Errorf("header = %+v", h)
		}
		var logs []FileUse
		for _, f := range h.Files {
			if !strings.HasPrefix(f.Reason, "settings") {
				logs = append(logs, f)
			}
		}
		if len(logs) != 1 || logs[0].Path != seedrun.LogName || logs[0].Format != "hf-console" || !logs[0].Used {
			t.Errorf("log files = %+v", h.Files)
		}
		want := map[string]string{
			trainlog.GeoExamples: "1000@all_logs.log:30", trainlog.GeoEpochs: "3@all_logs.log:31",
			trainlog.GeoBatchPerDevice: "2@all_logs.log:32", trainlog.GeoTotalBatch: "4@all_logs.log:33",
			trainlog.GeoGradAccum: "2@all_logs.log:34", trainlog.GeoMaxSteps: "750@all_logs.log:35",
			trainlog.GeoTrainableParams: "1.846e7@all_logs.log:36",
		}
		got := map[string]string{}
		for _, f := range h.Geometry {
			got[f.Key] = fmtNum(f.Value) + "@" + f.Source
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("geometry %s = %q, want %q", k, got[k], w)
			}
		}
		if !strings.Contains(h.Library, "transformers 4.51.3") {
			t.Errorf("library = %q", h.Library)
		}
	})

	t.Run("milestones (section 3)", func(t *testing.T) {
		if len(r.Milestones) != len(seedrun.Milestones) {
			t.Fatalf("%d milestones, want %d: %+v", len(r.Milestones), len(seedrun.Milestones), r.Milestones)
		}
		for i, want := range seedrun.Milestones {
			m := r.Milestones[i]
			src := "all_logs.log:" + strconv.Itoa(want.Line)
			cb := "all_logs.log:" + strconv.Itoa(want.Line-1)
			if m.Step != want.Step || m.Epoch != want.Epoch || m.Source != src {
				t.Errorf("row %d: step %d epoch %v source %s, want %d %v %s", i, m.Step, m.Epoch, m.Source, want.Step, want.Epoch, src)
			}
			if got := strings.Join(m.Sources, " "); got != src+" "+cb {
				t.Errorf("step %d sources %q, want the dict and the callback line %q", m.Step, got, src+" "+cb)
			}
			if m.Metrics["loss"] != want.Loss || m.MetricSources["loss"] != src {
				t.Errorf("step %d loss %v (%s), want %v (%s)", m.Step, m.Metrics["loss"], m.MetricSources["loss"], want.Loss, src)
			}
			if got := round(m.Metrics["mean_token_accuracy"], 3); got != want.Acc {
				t.Errorf("step %d mean_token_accuracy %v, want %v", m.Step, got, want.Acc)
			}
			if got := round(m.Metrics["learning_rate"], 3); got != want.LR {
				t.Errorf("step %d learning_rate %v, want %v (section 5)", m.Step, got, want.LR)
			}
		}
		if m := r.Milestones[3]; m.EpochEnd != 3 || !m.Last {
			t.Errorf("last milestone = %+v, want the end of epoch 3 and the last step", m)
		}
	})

	t.Run("train_loss vs final level (section 3.2)", func(t *testing.T) {
		tl := r.TrainLoss
		if tl.Reported == nil || round(*tl.Reported, 4) != seedrun.TrainLoss || tl.Source != "all_logs.log:1542" {
			t.Fatalf("reported = %v from %q, want 0.2587 from all_logs.log:1542", tl.Reported, tl.Source)
		}
		if round(tl.RecomputedMean.Value, 4) != seedrun.TrainLoss {
			t.Errorf("recomputed mean %v, want 0.2587", tl.RecomputedMean.Value)
		}
		if v, h := tl.FinalLevel.Value, tl.FinalLevel.How; v < 0.105 || v > 0.12 || h.FromStep != 676 || h.ToStep != 750 || h.N != 75 {
			t.Errorf("final level %v (%+v), want about 0.11 over steps 676-750", v, h)
		}
		if tl.First.Value != 2.8099 || tl.First.Source != "all_logs.log:42" || tl.Last.Value != 0.1286 || tl.Last.Source != "all_logs.log:1540" {
			t.Errorf("first %+v, last %+v", tl.First, tl.Last)
		}
		if tl.Relation != TLPulledUp || tl.EarlyPoints != 75 || tl.ReportedGap != 0 {
			t.Errorf("relation %q over the first %d points (gap %v), want the early losses pulling the mean up", tl.Relation, tl.EarlyPoints, tl.ReportedGap)
		}
	})

	t.Run("end rebound is noise (section 3.3)", func(t *testing.T) {
		loss := r.Data.Get("loss")
		p749, _ := loss.At(749)
		if p749.Value != 0.094 || p749.Source.String() != "all_logs.log:1538" {
			t.Errorf("step 749 = %v (%s), want 0.094 at all_logs.log:1538", p749.Value, p749.Source)
		}
		n := r.Noise
		if n == nil {
			t.Fatal("no noise judgement")
		}
		if !n.Normal || n.LastStep != 750 || n.Last.Value != 0.1286 || n.Deviation <= 0 || n.Deviation > 2 {
			t.Errorf("noise = %+v, want the rise to 0.1286 at step 750 within 2 sigma", n)
		}
	})

	t.Run("token accuracy (section 4)", func(t *testing.T) {
		a := r.Accuracy
		if a == nil || a.Metric != "mean_token_accuracy" || len(a.Rows) != 4 {
			t.Fatalf("accuracy = %+v", a)
		}
		for i, want := range []float64{0.436, 0.957, 0.967, 0.963} {
			if round(a.Rows[i].Value, 3) != want {
				t.Errorf("row %d = %v, want %v", i, a.Rows[i].Value, want)
			}
		}
		if a.Kind != AccTokens || a.Steps[0] != 1 || a.Steps[3] != 750 || a.Eval != nil || a.FirstLevel != nil {
			t.Errorf("accuracy = %+v: want token accuracy at steps 1..750, single values, no held-out value", a)
		}
	})

	t.Run("learning rate (section 5)", func(t *testing.T) {
		ls := r.LRSchedule
		if !ls.Present || ls.Kind != SchedLinear || ls.State != SchedFitted || ls.Peak != 2e-4 || round(ls.Final, 3) != 2.67e-7 {
			t.Errorf("schedule = %s peak %v final %v", ls.Kind, ls.Peak, ls.Final)
		}
		// The article's table: the rate at the first step and at the end
		// of each epoch, on the dict lines.
		rows := map[int64]LRRow{}
		for _, row := range ls.Rows {
			rows[row.Step] = row
		}
		for _, m := range seedrun.Milestones {
			row, ok := rows[m.Step]
			if !ok || round(row.Value, 3) != m.LR || row.Source != "all_logs.log:"+strconv.Itoa(m.Line) {
				t.Errorf("lr table row for step %d = %+v, want %v at all_logs.log:%d (rows %+v)", m.Step, row, m.LR, m.Line, ls.Rows)
			}
		}
	})

	t.Run("throughput (section 6)", func(t *testing.T) {
		tp := r.Throughput
		if tp.RuntimeSeconds == nil || math.Round(tp.RuntimeSeconds.Value) != 2484 || tp.RuntimeSeconds.Source != "all_logs.log:1542" || tp.RuntimeFrom != RuntimeLogged {
			t.Fatalf("runtime = %+v from %q", tp.RuntimeSeconds, tp.RuntimeFrom)
		}
		if tp.SamplesPerSec == nil || tp.SamplesPerSec.Value != 1.208 || tp.SecondsPerIt == nil || tp.SecondsPerIt.Value != 3.31 || !tp.BarShowsSecondsPerIt {
			t.Errorf("samples/s %+v, s/it %+v", tp.SamplesPerSec, tp.SecondsPerIt)
		}
		if tp.GPUHours == nil || round(tp.GPUHours.Value, 2) != 0.69 || tp.Cost != nil {
			t.Errorf("GPU hours %+v, cost %+v", tp.GPUHours, tp.Cost)
		}
	})

	t.Run("phases and verdict (sections 3.1 and 10)", func(t *testing.T) {
		// Phase A (1-250) rapid decline, B (250-500) slowing, C (500-750)
		// diminishing returns; the article calls the run converged, and
		// the verdict, from the same evidence, agrees.
		want := []struct {
			name  PhaseName
			start int64
		}{{PhaseRapid, 1}, {PhaseSlowing, 250}, {PhaseDiminishing, 500}}
		if len(r.Phases) != len(want) {
			t.Fatalf("phases %+v, want A, B, C", r.Phases)
		}
		for i, w := range want {
			if p := r.Phases[i]; p.Name != w.name || p.StartStep != w.start {
				t.Errorf("phase %c = %s from step %d, want %s from %d", 'A'+i, p.Name, p.StartStep, w.name, w.start)
			}
		}
		if v := r.Verdict; v.Status != StatusConverged || v.Confidence == ConfidenceLow {
			t.Errorf("verdict %s (%s confidence, rule %s), want converged with positive evidence", v.Status, v.Confidence, v.Reason.Rule)
		}
	})

	t.Run("another epoch (section 7's question)", func(t *testing.T) {
		// "Continuing training yields some benefit but not much": one
		// more epoch under a new schedule is worth a few percent.
		a := r.AnotherEpoch
		if a == nil || !a.Available || a.Kind != ForecastMoreTraining || a.HorizonSteps != 250 || !a.Annealed {
			t.Fatalf("forecast %+v, want one more epoch of 250 steps after an annealed schedule", a)
		}
		if rel := a.ExpectedGain / a.LastValue; rel < 0.01 || rel > 0.1 {
			t.Errorf("one more epoch buys %.1f%% of the level, want a few percent", 100*rel)
		}
		if !(a.GainLow <= a.ExpectedGain && a.ExpectedGain <= a.GainHigh) {
			t.Errorf("gain %g outside its range [%g, %g]", a.ExpectedGain, a.GainLow, a.GainHigh)
		}
	})

	t.Run("no eval: cannot tell (section 7)", func(t *testing.T) {
		if r.Eval.Present {
			t.Fatal("eval present")
		}
		var kinds []HintKind
		for _, h := range r.Eval.Hints {
			kinds = append(kinds, h.Kind)
		}
		if !slices.Contains(kinds, HintHighAccuracy) || len(r.Eval.Other) != 0 {
			t.Errorf("hints %v, other %+v: want the 96%% token accuracy as a hint and no summary values", kinds, r.Eval.Other)
		}
	})

	t.Run("checkpoints (section 8)", func(t *testing.T) {
		want := []struct {
			path, kind string
			loss       float64
			src        string
			role       Role
		}{
			{"output/lora_elderly_single/checkpoint-500", "checkpoint", 0.1443, "all_logs.log:1040", RoleLowLoss},
			{"output/lora_elderly_single/checkpoint-700", "checkpoint", -1, "all_logs.log:1440", RoleLate},
			{"output/lora_elderly_single/final_lora", "adapter", 0.1286, "all_logs.log:1540", RoleFinal},
		}
		if len(r.Checkpoints) != len(want) {
			t.Fatalf("checkpoints = %+v", r.Checkpoints)
		}
		for i, w := range want {
			c := r.Checkpoints[i]
			if c.Path != w.path || c.Kind != w.kind || c.TrainLoss == nil || c.TrainLoss.Source != w.src ||
				(w.loss >= 0 && c.TrainLoss.Value != w.loss) || !slices.Equal(c.Roles, []Role{w.role}) {
				t.Errorf("row %d = %+v (loss %+v), want %+v", i, c, c.TrainLoss, w)
			}
		}
	})

	t.Run("pitfalls (section 9)", func(t *testing.T) {
		var gn []Finding
		for _, f := range r.Findings {
			switch f.Kind {
			case KindGradNormHigh:
				gn = append(gn, f)
			case KindMissingCallback, KindSourceDisagreement, KindZeroLoss, KindNonFinite, KindLRStuckZero, KindNoSummary, KindIncomplete, KindRestart:
				t.Errorf("unexpected finding %+v", f)
			}
		}
		if len(gn) != 1 {
			t.Fatalf("grad-norm findings = %+v", gn)
		}
		f := gn[0]
		p10, _ := f.Fact(QP10)
		p90, _ := f.Fact(QP90)
		if f.Severity != SevWarning || f.Cause != CauseSingle || f.Step != 750 || round(f.Value, 3) != 1.14 || f.Sources[0] != "all_logs.log:1540" ||
			round(p10.Value, 1) != 0.6 || round(p90.Value, 1) != 0.9 {
			t.Errorf("grad-norm finding = %+v", f)
		}
	})

	t.Run("checkpoint to use (section 8)", func(t *testing.T) {
		rec := r.CheckpointsRecommended
		if rec.Path != "output/lora_elderly_single/final_lora" || rec.Basis != RecFinalHealthy {
			t.Errorf("recommended %s (%s), want the final adapter", rec.Path, rec.Basis)
		}
		for _, a := range rec.Alternatives {
			if a.Path == rec.Path {
				t.Errorf("the recommended checkpoint is among its alternatives: %+v", rec.Alternatives)
			}
		}
	})
}

// TestSeedArticleWithTrainerState reads the reconstruction with the
// checkpoints' trainer_state.json (the article's "structured
// log_history"): a step logged by both the console and the state cites
// both, the full-precision state first (the others in any order).
func TestSeedArticleWithTrainerState(t *testing.T) {
	if _, ok := trainlog.LookupFormat("hf-console"); !ok {
		t.Fatal("the hf-console reader is not registered")
	}
	dir := t.TempDir()
	if err := seedrun.WriteWith(dir, seedrun.Options{TrainerState: true}); err != nil {
		t.Fatal(err)
	}
	run, err := trainlog.Load([]string{dir}, trainlog.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(run, DefaultOptions)
	state := seedrun.OutputDir + "/checkpoint-700/trainer_state.json"
	want := [][]string{
		{state + "#log_history[0]", "all_logs.log:42", "all_logs.log:41"},
		{state + "#log_history[249]", "all_logs.log:540", "all_logs.log:539"},
		{state + "#log_history[499]", "all_logs.log:1040", "all_logs.log:1039"},
		{"all_logs.log:1540", "all_logs.log:1539"},
	}
	if len(r.Milestones) != len(want) {
		t.Fatalf("milestones = %v", milestoneSteps(r.Milestones))
	}
	for i, m := range r.Milestones {
		got := append([]string(nil), m.Sources...)
		sort.Strings(got[1:])
		w := append([]string(nil), want[i]...)
		sort.Strings(w[1:])
		if strings.Join(got, " ") != strings.Join(w, " ") || m.Source != want[i][0] {
			t.Errorf("step %d sources %q (source %q), want %q", m.Step, m.Sources, m.Source, want[i])
		}
		if m.Metrics["loss"] != seedrun.Milestones[i].Loss || round(m.Epoch+1, 3) != seedrun.Milestones[i].Epoch+1 {
			t.Errorf("step %d loss %v epoch %v", m.Step, m.Metrics["loss"], m.Epoch)
		}
	}
	for _, f := range r.Findings {
		if f.Kind == KindSourceDisagreement || f.Kind == KindMissingCallback {
			t.Errorf("unexpected finding %+v", f)
		}
	}
	if c := r.Checkpoints[0]; c.TrainLoss == nil || c.TrainLoss.Source != state+"#log_history[499]" {
		t.Errorf("checkpoint-500 = %+v", c)
	}
}
