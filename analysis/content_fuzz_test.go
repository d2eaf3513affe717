package analysis

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// fuzzValue maps a byte onto a metric value, with the awkward ones
// (0, NaN, infinities, negatives, huge) well represented.
func fuzzValue(b byte) float64 {
	switch b % 16 {
	case 0:
		return 0
	case 1:
		return math.NaN()
	case 2:
		return math.Inf(1)
	case 3:
		return -float64(b) / 100
	case 4:
		return 1e12
	}
	return float64(b) / 50
}

// fuzzRun decodes data as records of 4 bytes: a step increment (0 goes
// back, a restart), loss, grad_norm and learning_rate.
func fuzzRun(data []byte) *trainlog.Run {
	var recs []trainlog.Record
	step := int64(0)
	for i := 0; i+3 < len(data); i += 4 {
		inc := int64(data[i] % 4)
		if inc == 0 {
			step -= 2
		} else {
			step += inc
		}
		epoch := float64(step) / 7
		if data[i]&0x80 != 0 {
			epoch = math.Round(epoch*100) / 100
		}
		recs = append(recs, memEntry("f.log", i/4+1, step, epoch, 4,
			"loss", fuzzValue(data[i+1]), "grad_norm", fuzzValue(data[i+2]), "learning_rate", fuzzValue(data[i+3])/1000,
			"mean_token_accuracy", float64(data[i+1])/255))
		if data[i]%13 == 5 {
			recs = append(recs, memEntry("g.log", i/4+1, step, math.NaN(), 3, "loss", fuzzValue(data[i+2])))
		}
	}
	if len(data)%3 == 0 {
		recs = append(recs, sum("train_loss", fuzzValue(byte(len(data))), "f.log", 999), sum("train_runtime", float64(len(data)), "f.log", 999))
	}
	if len(data)%5 == 0 {
		recs = append(recs, geo(trainlog.GeoMaxSteps, float64(len(data)), "f.log", 1),
			geo(trainlog.GeoExamples, 100, "f.log", 2), geo(trainlog.GeoBatchPerDevice, 2, "f.log", 3),
			geo(trainlog.GeoGradAccum, 1, "f.log", 4), geo(trainlog.GeoEpochs, 3, "f.log", 5))
	}
	run := memRun(recs...)
	run.Checkpoints = []trainlog.Checkpoint{{Step: 4, Path: "checkpoint-4", Kind: "checkpoint"}, {Step: -1, Path: "final", Kind: "final"}}
	return run
}

// FuzzReportContent checks that the report sections never panic, always
// encode as JSON and keep their invariants, whatever the values.
func FuzzReportContent(f *testing.F) {
	f.Add([]byte{1, 200, 40, 100, 1, 150, 45, 99, 1, 120, 41, 98, 1, 100, 250, 97})
	f.Add([]byte{0x81, 0, 1, 0, 0x81, 0, 1, 0, 0x81, 16, 33, 0, 2, 1, 2, 3, 0, 4, 4, 4})
	f.Add([]byte("loss 6.284 grad_norm 4.349 learning_rate 0.001 epoch 0.004"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			data = data[:4096]
		}
		run := fuzzRun(data)
		r := &Report{Run: header(newAnalyzer(run)), Data: run, Eval: Eval{BestStep: -1}}
		r.Primary, r.Run.Family = "loss", "sft"
		r.Milestones = milestones(newAnalyzer(run))
		r.TrainLoss = trainLoss(newAnalyzer(run), DefaultOptions)
		r.Accuracy = accuracy(newAnalyzer(run), DefaultOptions)
		r.Throughput = throughput(newAnalyzer(run), Options{GPUHourPrice: 1.5, TailFraction: 0.1})
		r.Checkpoints = checkpoints(newAnalyzer(run), r)
		r.Findings = pitfalls(newAnalyzer(run), r, DefaultOptions)
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not encode: %v", err)
		}
		for i := 1; i < len(r.Milestones); i++ {
			if r.Milestones[i].Step <= r.Milestones[i-1].Step {
				t.Fatalf("milestone steps not increasing: %v", milestoneSteps(r.Milestones))
			}
		}
		for _, m := range r.Milestones {
			if m.Step < r.Run.FirstStep || m.Step > r.Run.LastStep {
				t.Fatalf("milestone step %d outside %d-%d", m.Step, r.Run.FirstStep, r.Run.LastStep)
			}
		}
		for _, f := range r.Findings {
			if f.Sources == nil || f.Kind == "" || f.Severity == "" {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	})
}

// BenchmarkReportContent1M measures the report sections of this file set
// on a million-step run logged every step.
func BenchmarkReportContent1M(b *testing.B) {
	const n = 1_000_000
	var recs []trainlog.Record
	for s := 1; s <= n; s++ {
		recs = append(recs, memEntry("train.log", 2*s, int64(s), math.Round(float64(s)/1e5*100)/100, 5,
			"loss", 0.5+2*math.Exp(-float64(s)/5e4)+0.05*math.Sin(float64(s)), "grad_norm", 0.7+0.2*math.Sin(float64(s)*0.37),
			"learning_rate", 1e-4*float64(n-s)/n))
		cb := memEntry("train.log", 2*s+1, int64(s), math.NaN(), 3, "loss", 0.5)
		cb.Origin = "callback"
		if s%10 == 0 {
			recs = append(recs, cb)
		}
	}
	run := memRun(recs...)
	b.ResetTimer()
	for b.Loop() {
		r := &Report{Run: header(newAnalyzer(run)), Data: run, Primary: "loss", Eval: Eval{BestStep: -1}}
		r.Milestones = milestones(newAnalyzer(run))
		r.TrainLoss = trainLoss(newAnalyzer(run), DefaultOptions)
		r.Throughput = throughput(newAnalyzer(run), DefaultOptions)
		r.Findings = pitfalls(newAnalyzer(run), r, DefaultOptions)
	}
}
