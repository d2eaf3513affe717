package analysis

import "github.com/plateau-dev/plateau/trainlog"

// primaryMetric picks the series the verdict is about and the trainer family. (stub)
func primaryMetric(run *trainlog.Run) (string, string) { return "loss", "sft" }

// endNoise judges the end-of-run fluctuation. (stub)
func endNoise(run *trainlog.Run, metric string, opts Options) *Noise { return nil }

// trend tests the slope of the final segment. (stub)
func trend(run *trainlog.Run, metric string, opts Options) *Trend { return nil }

// phases splits the loss curve into phases. (stub)
func phases(run *trainlog.Run, opts Options) []Phase { return nil }

// spikes finds outliers. (stub)
func spikes(run *trainlog.Run, opts Options) []Spike { return nil }

// lrSchedule classifies the learning-rate schedule. (stub)
func lrSchedule(run *trainlog.Run, opts Options) LRSchedule { return LRSchedule{} }

// evaluate builds the generalisation section. (stub)
func evaluate(run *trainlog.Run, opts Options) Eval { return Eval{BestStep: -1} }

// recommend picks the checkpoint to use. (stub)
func recommend(run *trainlog.Run, r *Report, opts Options) Recommendation {
	return Recommendation{Step: -1}
}

// anotherEpoch projects one more epoch. (stub)
func anotherEpoch(run *trainlog.Run, r *Report, opts Options) *AnotherEpoch { return nil }

// curveFindings reports spikes, divergence, stalls and non-finite values. (stub)
func curveFindings(run *trainlog.Run, r *Report, opts Options) []Finding { return nil }

// verdict decides the status. (stub)
func verdict(run *trainlog.Run, r *Report, opts Options) Verdict {
	return Verdict{Status: StatusInsufficientData, Reason: "not analysed yet", Confidence: "low", Metric: "loss"}
}
