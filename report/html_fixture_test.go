package report

import (
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/plateau-dev/plateau/analysis"
	"github.com/plateau-dev/plateau/internal/testcorpus"
	"github.com/plateau-dev/plateau/trainlog"
)

// Hostile strings put where a log's text ends up: run and folder names,
// metric keys, paths, callback text. If any of them were not escaped,
// the browser test would see window.__pwned set.
const (
	hostileScript  = `<script>window.__pwned=1</script>`
	hostileAttr    = `x"onload="window.__pwned=2`
	hostileImg     = `<img src=x onerror="window.__pwned=3">`
	hostileMetric  = `reward<script>window.__pwned=4</script>`
	hostileFolder  = `runs/"onload="window.__pwned=5/<img onerror=window.__pwned=6>`
	hostileMessage = `callback said <b onmouseover="window.__pwned=7">hi</b> & 'bye'`
)

// fixtureOptions shape the synthetic run.
type fixtureOptions struct {
	steps   int  // training steps, one log per step
	hostile bool // put hostile strings in names, keys and paths
}

// fixtureRun builds a synthetic SFT run: three epochs of a decaying,
// noisy loss with one spike, a linear learning rate, grad_norm, token
// accuracy and an eval every steps/15 steps.
func fixtureRun(o fixtureOptions) *trainlog.Run {
	name, dir := "synthetic-sft", "out/synthetic-sft"
	if o.hostile {
		name, dir = hostileScript+hostileAttr, hostileFolder
	}
	run := trainlog.NewRun(name)
	run.Root = dir
	state := dir + "/trainer_state.json"
	console := dir + "/console.log"
	n := o.steps
	perEpoch := n / 3
	add := func(metric string, step int, v float64, src trainlog.Source) {
		s := run.Series[metric]
		if s == nil {
			s = &trainlog.Series{Name: metric, Keys: []string{metric}}
			run.Series[metric] = s
		}
		s.Append(trainlog.Point{Step: int64(step), Value: v, Epoch: float64(step) / float64(perEpoch),
			Time: math.NaN(), Digits: trainlog.DigitsFloat64, Source: src})
	}
	for i := 1; i <= n; i++ {
		x := float64(i) / float64(n)
		noise := 0.08 * math.Sin(float64(i)*1.7) * math.Cos(float64(i)*0.31)
		loss := 0.3 + 2.5*math.Exp(-6*x) + noise
		if i == n/2 {
			loss *= 2.5 // the spike
		}
		src := trainlog.Source{File: state, Frag: "log_history[" + strconv.Itoa(i-1) + "]"}
		add("loss", i, loss, src)
		add("grad_norm", i, 0.8+0.15*math.Sin(float64(i)*0.9)+boolf(i == n/2)*4, src)
		add("learning_rate", i, 2e-4*(1-float64(i-1)/float64(n)), src)
		add("mean_token_accuracy", i, 0.95-0.5*math.Exp(-6*x)+noise/10, trainlog.Source{File: console, Line: 40 + 2*i})
	}
	every := n / 15
	for i := every; i <= n; i += every {
		x := float64(i) / float64(n)
		add("eval_loss", i, 0.6+2*math.Exp(-6*x)+0.3*x*x, trainlog.Source{File: state, Frag: "log_history[" + strconv.Itoa(n+i/every) + "]"})
	}
	if o.hostile {
		add(hostileMetric, 1, 1, trainlog.Source{File: state, Frag: "log_history[0]"})
		add(hostileMetric, 2, 2, trainlog.Source{File: state, Frag: "log_history[1]"})
		add(hostileMetric, 3, 1.5, trainlog.Source{File: hostileFolder + "/x.log", Line: 3})
	}
	for _, ck := range []int{perEpoch, 2 * perEpoch, n} {
		run.Checkpoints = append(run.Checkpoints, trainlog.Checkpoint{Step: int64(ck), Path: fmt.Sprintf("%s/checkpoint-%d", dir, ck), Kind: "checkpoint", HasState: true})
	}
	return run
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fixtureReport builds, by hand, the report an analysis of fixtureRun
// would give, so the renderer can be tested without the analysis.
func fixtureReport(o fixtureOptions) *analysis.Report {
	run := fixtureRun(o)
	n := int64(o.steps)
	loss := run.Get("loss")
	cite := func(s *trainlog.Series, step int64) *analysis.Cited {
		p, _ := s.At(step)
		return &analysis.Cited{Value: p.Value, Source: p.Source.String()}
	}
	r := &analysis.Report{Schema: analysis.SchemaVersion, Data: run, Primary: "loss"}
	r.Run = analysis.RunInfo{Name: run.Name, Root: run.Root, Family: "sft", Library: "transformers 5.17.0",
		FirstStep: 1, LastStep: n, MaxSteps: n, Epochs: 3, Series: run.SeriesNames(), Completed: true,
		Files:    []analysis.FileUse{{Path: run.Root + "/trainer_state.json", Format: "trainer-state", Used: true, Records: int(n)}},
		Geometry: []analysis.Fact{{Key: "num_train_epochs", Value: 3, Source: run.Root + "/trainer_state.json#num_train_epochs"}},
	}
	for _, st := range []int64{1, n / 3, 2 * n / 3, n} {
		p, _ := loss.At(st)
		acc, _ := run.Get("mean_token_accuracy").At(st)
		r.Milestones = append(r.Milestones, analysis.Milestone{First: st == 1, Last: st == n, Step: st, Epoch: p.Epoch,
			Metrics:       map[string]float64{"loss": p.Value, "mean_token_accuracy": acc.Value},
			MetricSources: map[string]string{"loss": p.Source.String(), "mean_token_accuracy": acc.Source.String()},
			Source:        p.Source.String(), Sources: []string{p.Source.String(), acc.Source.String()}})
	}
	r.Phases = []analysis.Phase{
		{Name: "rapid decline", StartStep: 1, EndStep: n / 3, StartLevel: analysis.Derived{Value: 2.7, How: analysis.How{Method: analysis.MethodWindowMean, Metric: "loss", FromStep: 1, ToStep: 5, N: 5, First: true}},
			EndLevel: analysis.Derived{Value: 0.6, How: analysis.How{Method: analysis.MethodWindowMean, Metric: "loss", FromStep: n/3 - 4, ToStep: n / 3, N: 5}}, ShareOfDrop: 0.8, SlopePerStep: -3e-3, Boundary: "start"},
		{Name: "slowing", StartStep: n / 3, EndStep: 2 * n / 3, ShareOfDrop: 0.15, Boundary: "epoch boundary"},
		{Name: "diminishing returns", StartStep: 2 * n / 3, EndStep: n, ShareOfDrop: 0.05, Boundary: "epoch boundary"},
	}
	sp, _ := loss.At(n / 2)
	gp, _ := run.Get("grad_norm").At(n / 2)
	r.Spikes = []analysis.Spike{
		{Metric: "loss", Step: n / 2, Value: sp.Value, Z: 9.1, Source: sp.Source.String()},
		{Metric: "grad_norm", Step: n / 2, Value: gp.Value, Z: 12.4, Source: gp.Source.String()},
	}
	r.TrainLoss = analysis.TrainLoss{First: cite(loss, 1), Last: cite(loss, n), Relation: analysis.TLNoLoss}
	ev := run.Get("eval_loss")
	best := ev.Point(4)
	r.Eval = analysis.Eval{Present: true, Metric: "eval_loss", BestStep: best.Step, Best: cite(ev, best.Step), Last: cite(ev, ev.Step(ev.Len()-1)),
		Overfitting: true, Since: best.Step, RiseSigma: 4.2, Noise: 0.01, Threshold: 0.02, After: ev.Len() - 5}
	for _, p := range ev.Points() {
		r.Eval.Rows = append(r.Eval.Rows, analysis.EvalRow{Step: p.Step, Epoch: p.Epoch, Value: p.Value, Source: p.Source.String(), TrainLoss: cite(loss, p.Step)})
	}
	for _, ck := range run.Checkpoints {
		r.Checkpoints = append(r.Checkpoints, analysis.CheckpointRow{Step: ck.Step, Path: ck.Path, Kind: ck.Kind, TrainLoss: cite(loss, ck.Step), Roles: []analysis.Role{analysis.RoleIntermediate}})
	}
	r.CheckpointsRecommended = analysis.Recommendation{Step: r.Checkpoints[0].Step, Path: r.Checkpoints[0].Path, Basis: analysis.RecBestEval, Eval: r.Eval.Best, BestStep: best.Step, Anomaly: -1}
	acc := run.Get("mean_token_accuracy")
	r.Accuracy = &analysis.Accuracy{Metric: acc.Name, Steps: []int64{1, n / 3, n},
		Rows: []analysis.Cited{*cite(acc, 1), *cite(acc, n/3), *cite(acc, n)},
		Kind: analysis.AccTokens}
	r.LRSchedule = analysis.LRSchedule{Present: true, Kind: "linear", Peak: 2e-4, Final: 2e-4 / float64(n), State: analysis.SchedFitted, LastStep: n, TotalSteps: n}
	r.Findings = []analysis.Finding{{Kind: analysis.KindSpike, Cause: analysis.CauseLightning, Metric: "loss", Severity: analysis.SevWarning,
		Step: n / 2, FromStep: n / 2, ToStep: n / 2, Statistic: analysis.StatModifiedZ, Value: 9.1, Threshold: 3.5,
		Facts:   []analysis.Fig{{Name: analysis.QValue, Value: sp.Value, Step: n / 2, Source: sp.Source.String()}, {Name: analysis.QRatio, Value: 3.4}},
		Sources: []string{sp.Source.String()}}}
	r.Verdict = analysis.Verdict{Status: analysis.StatusOverfitting, Confidence: analysis.ConfidenceHigh, Metric: "loss",
		Reason: analysis.Reason{Rule: analysis.RuleEvalWorse, Metric: "eval_loss", FromStep: best.Step, ToStep: ev.Step(ev.Len() - 1), Value: 0.05,
			Low: best.Value, High: ev.Value(ev.Len() - 1), Threshold: 0.02, Count: 3, Of: 4, Sources: []string{best.Source.String()}}}
	r.Warnings = []analysis.Warning{}
	if o.hostile {
		r.Primary = hostileMetric
		r.Run.Family = "custom"
		r.Run.Library = hostileImg
		r.Run.Events = []analysis.Event{{Kind: "note", Step: 3, Message: hostileMessage, Sources: []string{hostileFolder + "/console.log:3"}}}
		r.Findings = append(r.Findings, analysis.Finding{Kind: hostileAttr, Severity: hostileImg, Detail: hostileMessage, Sources: []string{hostileFolder + ":1"}},
			analysis.Finding{Kind: analysis.KindNoSummary, Cause: analysis.CauseCrash, Severity: analysis.SevError, Detail: hostileMessage, Sources: []string{hostileFolder + ":1"}})
		r.Warnings = append(r.Warnings, analysis.Warning{Source: hostileFolder + "/console.log:9", Message: hostileScript})
		r.Milestones[0].Metrics[hostileMetric] = 1
		r.Milestones[0].MetricSources[hostileMetric] = hostileFolder + ":1"
		r.Spikes = append(r.Spikes, analysis.Spike{Metric: hostileMetric, Step: 2, Value: 2, Z: 5, Source: hostileFolder + "/x.log:2"})
	}
	return r
}

// repoRoot returns the module root (the directory holding go.mod).
func repoRoot(t testing.TB) string { return testcorpus.Root(t) }
