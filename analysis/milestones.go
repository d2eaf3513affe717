package analysis

import (
	"math"
	"sort"

	"github.com/plateau-dev/plateau/internal/stats"
	"github.com/plateau-dev/plateau/trainlog"
)

// maxEpochMilestones is the number of epoch ends above which only a few
// evenly spaced ones are shown; shownEpochMilestones is how many.
const (
	maxEpochMilestones   = 12
	shownEpochMilestones = 6
)

// milestones returns the state of the run at its first logged step, at
// the end of each epoch and at its last logged step (the seed article's
// section 3 table). Each row holds every per-step training metric logged
// at that step, with its source.
func milestones(run *analyzer) []Milestone {
	ref := refSeries(run)
	if ref.Len() == 0 {
		return nil
	}
	type row struct {
		idx   int
		epoch int // the epoch whose end this is, 0 when none
	}
	rows := []row{{0, 0}}
	ends := epochEnds(run, ref)
	if len(ends) > maxEpochMilestones {
		ends = spread(ends, shownEpochMilestones)
	}
	last := ref.Len() - 1
	for _, e := range ends {
		if e.idx == 0 {
			rows[0].epoch = e.epoch
			continue
		}
		rows = append(rows, row{e.idx, e.epoch})
	}
	if rows[len(rows)-1].idx != last {
		rows = append(rows, row{last, 0})
	}
	names := trainSeriesNames(run)
	out := make([]Milestone, 0, len(rows))
	for _, r := range rows {
		m := milestoneAt(run, names, ref.Point(r.idx))
		m.First, m.Last, m.EpochEnd = r.idx == 0, r.idx == last, r.epoch
		out = append(out, m)
	}
	return out
}

// epochEndCount returns the number of epoch ends found in the log.
func epochEndCount(run *analyzer) int {
	ref := refSeries(run)
	if ref.Len() == 0 {
		return 0
	}
	return len(epochEnds(run, ref))
}

// milestoneAt builds the milestone of reference point p.
func milestoneAt(run *analyzer, names []string, p trainlog.Point) Milestone {
	m := Milestone{
		Step:          p.Step,
		Metrics:       map[string]float64{},
		MetricSources: map[string]string{},
		Source:        p.Source.String(),
		Sources:       pointSources(p),
		StepEstimated: stepEstimate(p),
	}
	if finite(p.Epoch) {
		m.Epoch = p.Epoch
	}
	for _, n := range names {
		q, ok := run.Series[n].At(p.Step)
		if !ok || !q.Finite() {
			// Non-finite values cannot be written as JSON numbers;
			// pitfalls reports them.
			continue
		}
		m.Metrics[n] = q.Value
		m.MetricSources[n] = q.Source.String()
		if m.Epoch == 0 && finite(q.Epoch) {
			m.Epoch = q.Epoch
		}
	}
	return m
}

// An epochEnd is the index, in the reference series, of the last point of
// a whole epoch.
type epochEnd struct {
	epoch int
	idx   int
}

// epochEnds finds the last logged point of each whole epoch k: the last
// point whose epoch is <= k. Consoles round the epoch (Transformers v4
// prints 2 decimals), so several steps around a boundary can all read
// k.0 (steps 249, 250 and 251 of a 250-step epoch); the middle one of
// such a run is the boundary. Without logged epochs, multiples of the
// logged steps per epoch are used.
func epochEnds(run *analyzer, ref *trainlog.Series) []epochEnd {
	return run.epochEnds(ref)
}

// findEpochEnds computes epochEnds.
func findEpochEnds(run *analyzer, ref *trainlog.Series) []epochEnd {
	n := ref.Len()
	maxEpoch := math.Inf(-1)
	for i := range n {
		if e := ref.Epoch(i); finite(e) && e > maxEpoch {
			maxEpoch = e
		}
	}
	if math.IsInf(maxEpoch, -1) {
		return epochEndsFromGeometry(run, ref)
	}
	spe := loggedStepsPerEpoch(ref)
	var out []epochEnd
	i := 0 // index of the first point not yet past epoch k-1
	for k := 1; float64(k) <= maxEpoch+1e-9; k = nextEpoch(ref, i, k) {
		kk := float64(k)
		end := -1
		for j := i; j < n; j++ {
			e := ref.Epoch(j)
			if !finite(e) {
				continue
			}
			if e > kk+1e-9 {
				break
			}
			end = j
		}
		if end < 0 || !(ref.Epoch(end) > kk-1+1e-9) {
			continue // no point logged inside epoch k
		}
		if math.Abs(ref.Epoch(end)-kk) < 1e-9 && end < n-1 {
			start := end
			for start > 0 && ref.Epoch(start-1) == ref.Epoch(end) {
				start--
			}
			end = tieBoundary(ref, start, end, kk*spe)
		}
		out = append(out, epochEnd{epoch: k, idx: end})
		i = end + 1
	}
	return out
}

// tieBoundary picks the boundary among points start..end that all read
// the same rounded epoch: the one nearest target (k times the steps per
// epoch), or the middle one when target is unknown.
func tieBoundary(s *trainlog.Series, start, end int, target float64) int {
	if !(target > 0) {
		return start + (end-start)/2
	}
	best := start
	for j := start; j <= end; j++ {
		if math.Abs(float64(s.Step(j))-target) < math.Abs(float64(s.Step(best))-target) {
			best = j
		}
	}
	return best
}

// loggedStepsPerEpoch estimates the steps per epoch from the logged
// (step, epoch) pairs: the median ratio over the later half of the points
// past half an epoch, where rounding matters least. It returns 0 when
// unknown.
func loggedStepsPerEpoch(s *trainlog.Series) float64 {
	if spe, ok := flooredStepsPerEpoch(s); ok {
		return spe
	}
	ratios := make([]float64, 0, s.Len())
	for i := range s.Len() {
		if e, st := s.Epoch(i), s.Step(i); finite(e) && e >= 0.5 && st > 0 {
			ratios = append(ratios, float64(st)/e)
		}
	}
	if len(ratios) == 0 {
		return 0
	}
	return stats.MedianInPlace(ratios[len(ratios)/2:])
}

// nextEpoch returns the next whole epoch after k that a point from index
// i on can end: the epoch of the first point past k, when it is further
// than k+1. The loop over epochs then turns once per logged point at
// most, however large the logged epochs are (an epoch of 10^12 must not
// mean 10^12 turns). Past 2^53 epochs are not counted: it returns an
// epoch that ends the loop.
func nextEpoch(s *trainlog.Series, i, k int) int {
	for j := i; j < s.Len(); j++ {
		e := s.Epoch(j)
		if !finite(e) || e <= float64(k)+1e-9 {
			continue
		}
		next := math.Ceil(e - 1e-9)
		if next > 1<<53 {
			return math.MaxInt
		}
		return max(k+1, int(next))
	}
	return math.MaxInt
}

// epochEndsFromGeometry places epoch ends at multiples of the logged
// steps per epoch, when the run logs no epochs.
func epochEndsFromGeometry(run *analyzer, ref *trainlog.Series) []epochEnd {
	spe, ok := run.Geometry[trainlog.GeoStepsPerEpoch]
	if !ok || !(spe.Value >= 1) {
		return nil
	}
	// Epoch k ends at the step nearest k times the steps per epoch, when
	// that step is logged. The loop visits the logged steps rather than
	// the epochs, so that its cost does not grow with the step values
	// read (a last step of 10^12 must not mean 10^12 turns).
	var out []epochEnd
	last := float64(ref.Step(ref.Len() - 1))
	steps := ref.Steps()
	for i, step := range steps {
		if i+1 < len(steps) && steps[i+1] == step {
			continue // the last point of a step, as a map by step would keep
		}
		q := float64(step) / spe.Value
		for _, k := range []float64{math.Floor(q), math.Ceil(q)} {
			if k >= 1 && k*spe.Value <= last && k < 1<<53 && int64(math.Round(k*spe.Value)) == step {
				out = append(out, epochEnd{epoch: int(k), idx: i})
				break
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].epoch < out[b].epoch })
	return out
}

// spread keeps n evenly spaced elements of ends, the first and last
// included.
func spread(ends []epochEnd, n int) []epochEnd {
	if len(ends) <= n || n < 2 {
		return ends
	}
	out := make([]epochEnd, 0, n)
	for j := range n {
		out = append(out, ends[int(math.Round(float64(j)*float64(len(ends)-1)/float64(n-1)))])
	}
	return out
}

// milestoneSteps returns the steps of the milestones of run.
func milestoneSteps(ms []Milestone) []int64 {
	out := make([]int64, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Step)
	}
	return out
}

// flooredStepsPerEpoch estimates the steps per epoch of a series whose
// epoch is a whole-epoch counter rather than fractional progress:
// Lightning's metrics.csv and its TensorBoard "epoch" scalar log the
// 0-based current_epoch, constant inside an epoch, so step/epoch
// overstates the epoch length (step 599 of three 200-step epochs reads
// 599/2). The series is floored when every finite epoch is a whole number
// and some whole number is logged at two different steps (an epoch-level
// Trainer log, one point per epoch at 1.0, 2.0..., is exact and stays
// with the ratio). Epoch k then begins between the last step logged with
// an epoch below k and the first logged with k or more; the estimate is
// the median over the boundaries of that midpoint divided by k. ok is
// false when the series is not floored or crosses no boundary.
func flooredStepsPerEpoch(s *trainlog.Series) (spe float64, ok bool) {
	repeated := false
	for i := range s.Len() {
		e := s.Epoch(i)
		if !finite(e) {
			continue
		}
		if e != math.Trunc(e) || e < 0 {
			return 0, false
		}
		if i > 0 && s.Epoch(i-1) == e && s.Step(i-1) != s.Step(i) {
			repeated = true
		}
	}
	if !repeated {
		return 0, false
	}
	var ratios []float64
	lastBelow, prevEpoch := int64(-1), -1.0
	for i := range s.Len() {
		e := s.Epoch(i)
		if !finite(e) {
			continue
		}
		if e > prevEpoch && prevEpoch >= 0 && lastBelow >= 0 {
			// Points are in step order, so every epoch from prevEpoch+1
			// to e began in (lastBelow, step]; one boundary is counted,
			// the highest, which a skipped epoch leaves least biased.
			ratios = append(ratios, (float64(lastBelow)+float64(s.Step(i)))/2/e)
		}
		if e >= prevEpoch {
			prevEpoch = e
			lastBelow = s.Step(i)
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return stats.MedianInPlace(ratios), true
}
