package analysis

import (
	"sync"

	"github.com/plateau-dev/plateau/trainlog"
)

// Options tune the analysis. Start from DefaultOptions.
type Options struct {
	// GPUHourPrice is the price of one GPU hour (plateau's
	// --gpu-hour-price); 0 means unknown, and no cost is printed.
	GPUHourPrice float64
	// GPUs is the number of GPUs billed, used with GPUHourPrice; 0 means
	// the logged world size, or 1.
	GPUs int
	// TailFraction is the share of the run, at its end, used for the
	// final level, the noise and the trend (0.1 = the last 10% of steps).
	TailFraction float64
	// SpikeZ is the modified z-score above which a point is a spike.
	SpikeZ float64
	// PlateauRel is the relative projected change below which the curve
	// is a plateau (0.01 = 1% of the current level).
	PlateauRel float64
}

// DefaultOptions are the options plateau uses unless told otherwise.
var DefaultOptions = Options{
	TailFraction: 0.1,
	SpikeZ:       3.5,
	PlateauRel:   0.01,
}

// Analyze computes the report for run. It never fails: when data cannot
// support a conclusion, the report says so.
func Analyze(data *trainlog.Run, opts Options) *Report {
	run := newAnalyzer(data)
	if opts.TailFraction <= 0 || opts.TailFraction > 0.5 {
		opts.TailFraction = DefaultOptions.TailFraction
	}
	if opts.SpikeZ <= 0 {
		opts.SpikeZ = DefaultOptions.SpikeZ
	}
	if opts.PlateauRel <= 0 {
		opts.PlateauRel = DefaultOptions.PlateauRel
	}
	r := &Report{Schema: SchemaVersion, Data: data, an: run}
	// Phases, spikes and the learning-rate schedule depend on the run
	// alone: on a million-step run they take a third of the time, so they
	// run beside the sections below (the curve cache they share is
	// locked).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.Phases = phases(run, opts)
		r.Spikes = spikes(run, opts)
		r.LRSchedule = lrSchedule(run, opts)
	}()
	r.Run = header(run)
	fam := run.family()
	r.Primary, r.Run.Family = primaryMetric(run)
	r.Run.FamilyAssumed, r.Run.FamilyEvidence = fam.assumed, fam.evidence
	r.Milestones = milestones(run)
	r.Run.EpochEnds = epochEndCount(run)
	r.TrainLoss = trainLoss(run, opts)
	r.Noise = endNoise(run, r.Primary, opts)
	r.Evidence = evidenceOf(run, r, opts)
	r.Trend = trend(r.Evidence)
	r.Accuracy = accuracy(run, opts)
	r.Throughput = throughput(run, opts)
	// The forecast's projection fit (a hundred bootstrap refits) depends
	// on the run alone: made here, beside the schedule's fit, it is found
	// in the memo by anotherEpoch. It is made where anotherEpoch would
	// make it, but for a status that withholds the forecast.
	if c := finiteCurve(run, r.Primary); c.len() >= minVerdictPoints && r.Evidence != nil && r.Evidence.Train != nil &&
		forecastHorizon(runGeometry(run)).Kind != HorizonSpan {
		fitProjection(run, c)
	}
	wg.Wait()
	r.Eval = evaluate(run, r.Evidence.Eval, opts)
	r.Checkpoints = checkpoints(run, r)
	r.CheckpointsRecommended = recommend(run, r, opts)
	// The verdict reads the evidence alone; the forecast is held to it.
	r.Verdict = verdict(r.Evidence)
	r.AnotherEpoch = anotherEpoch(run, r, opts)
	r.Findings = pitfalls(run, r, opts)
	r.Findings = append(r.Findings, curveFindings(run, r, opts)...)
	markEstimatedFindings(run.Run, r)
	// The findings used every spike; the table shows the strongest.
	r.Spikes = tableSpikes(r.Spikes)
	r.Phases = agreeWithVerdict(r.Phases, r.Verdict)
	r.an = nil // the memo ends with the call
	r.Warnings = warnings(run)
	if r.Milestones == nil {
		r.Milestones = []Milestone{}
	}
	if r.Phases == nil {
		r.Phases = []Phase{}
	}
	if r.Checkpoints == nil {
		r.Checkpoints = []CheckpointRow{}
	}
	if r.Spikes == nil {
		r.Spikes = []Spike{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Warnings == nil {
		r.Warnings = []Warning{}
	}
	return r
}
