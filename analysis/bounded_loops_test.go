package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/plateau-dev/plateau/trainlog"
)

// The loops over epochs visit logged points, not epoch numbers, so that a
// step or an epoch of 10^12 read from a log costs no more than a small
// one. These tests check that the bounded loops give the same answers as
// the plain loops over every epoch they replaced (kept here as
// references, for inputs small enough to run them), and that huge values
// return.

// epochBoundariesRef is epochBoundaries as a plain loop over epochs.
func epochBoundariesRef(s *trainlog.Series, spe float64) []int64 {
	last := s.Step(s.Len() - 1)
	var out []int64
	for k := 1; float64(k)*spe < float64(last)-0.5; k++ {
		p, ok := s.Nearest(int64(math.Round(float64(k) * spe)))
		if ok && p.Step < last && (len(out) == 0 || p.Step > out[len(out)-1]) {
			out = append(out, p.Step)
		}
	}
	return out
}

// findEpochEndsRef is findEpochEnds as a plain loop over epochs.
func findEpochEndsRef(s *trainlog.Series) []epochEnd {
	maxEpoch := math.Inf(-1)
	for i := range s.Len() {
		if e := s.Epoch(i); finite(e) && e > maxEpoch {
			maxEpoch = e
		}
	}
	spe := loggedStepsPerEpoch(s)
	var out []epochEnd
	i := 0
	for k := 1; float64(k) <= maxEpoch+1e-9; k++ {
		kk := float64(k)
		end := -1
		for j := i; j < s.Len(); j++ {
			e := s.Epoch(j)
			if !finite(e) {
				continue
			}
			if e > kk+1e-9 {
				break
			}
			end = j
		}
		if end < 0 || !(s.Epoch(end) > kk-1+1e-9) {
			continue
		}
		if math.Abs(s.Epoch(end)-kk) < 1e-9 && end < s.Len()-1 {
			start := end
			for start > 0 && s.Epoch(start-1) == s.Epoch(end) {
				start--
			}
			end = tieBoundary(s, start, end, kk*spe)
		}
		out = append(out, epochEnd{epoch: k, idx: end})
		i = end + 1
	}
	return out
}

// epochEndsFromGeometryRef is epochEndsFromGeometry as a plain loop.
func epochEndsFromGeometryRef(pts []trainlog.Point, spe float64) []epochEnd {
	idx := map[int64]int{}
	for i, p := range pts {
		idx[p.Step] = i
	}
	var out []epochEnd
	last := pts[len(pts)-1].Step
	for k := 1; float64(k)*spe <= float64(last); k++ {
		if i, ok := idx[int64(math.Round(float64(k)*spe))]; ok {
			out = append(out, epochEnd{epoch: k, idx: i})
		}
	}
	return out
}

// randomSeries returns n points at increasing steps with irregular gaps
// (a few of them large), epochs at spe steps per epoch (NaN when
// noEpochs, sometimes repeated or rounded as consoles print them).
func randomSeries(r *rand.Rand, n int, spe float64, noEpochs bool) *trainlog.Series {
	s := &trainlog.Series{Name: "loss"}
	step := int64(r.IntN(5))
	for range n {
		switch r.IntN(10) {
		case 0:
			step += int64(r.IntN(200))
		case 1:
			// same step logged twice
		default:
			step += 1 + int64(r.IntN(4))
		}
		e := float64(step) / spe
		if r.IntN(3) == 0 {
			e = math.Round(e*100) / 100
		}
		if noEpochs {
			e = math.NaN()
		}
		s.Append(trainlog.Point{Step: step, Value: 1, Epoch: e, Time: math.NaN()})
	}
	return s
}

func TestBoundedEpochLoopsMatchPlainLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		spe := []float64{1, 1.5, 2.7, 7, 25, 250, 333.3}[trial%7]
		s := randomSeries(r, 2+r.IntN(60), spe, trial%2 == 0)
		run := trainlog.NewRun("t")
		run.Series["loss"] = s
		run.Geometry[trainlog.GeoStepsPerEpoch] = trainlog.Value{Value: spe}

		got, want := boundaries(s, spe), epochBoundariesRef(s, spe)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: epochBoundaries = %v, plain loop %v\npoints %v", trial, got, want, s.Points())
		}
		var wantEnds []epochEnd
		if trial%2 == 0 {
			wantEnds = epochEndsFromGeometryRef(s.Points(), spe)
		} else {
			wantEnds = findEpochEndsRef(s)
		}
		if gotEnds := findEpochEnds(newAnalyzer(run), s); !slices.Equal(gotEnds, wantEnds) {
			t.Fatalf("trial %d: findEpochEnds = %v, plain loop %v\npoints %v", trial, gotEnds, wantEnds, s.Points())
		}
	}
}

// TestEpochLoopsHugeValues gives the loops a last step and an epoch of
// 10^12 and more: they must return, with the boundaries of the points
// logged.
func TestEpochLoopsHugeValues(t *testing.T) {
	for _, big := range []float64{1e12, 1e17, math.MaxInt64 / 2} {
		s := &trainlog.Series{Name: "loss"}
		for i := int64(1); i <= 10; i++ {
			s.Append(trainlog.Point{Step: i * 10, Value: 1, Epoch: float64(i) / 5, Time: math.NaN()})
		}
		s.Append(trainlog.Point{Step: int64(big), Value: 1, Epoch: big / 50, Time: math.NaN()})
		if got := boundaries(s, 50); !slices.Equal(got, []int64{50, 100}) {
			t.Errorf("last step %g: epochBoundaries = %v, want [50 100]", big, got)
		}
		run := trainlog.NewRun("t")
		run.Series["loss"] = s
		// Epochs 1 and 2 end at steps 50 and 100; the last point ends an
		// epoch of its own (when it is below 2^53).
		firstTwo := func(ends []epochEnd) bool {
			return len(ends) >= 2 && len(ends) <= 3 && ends[0] == epochEnd{1, 4} && ends[1] == epochEnd{2, 9}
		}
		if ends := findEpochEnds(newAnalyzer(run), s); !firstTwo(ends) {
			t.Errorf("last epoch %g: findEpochEnds = %v, want epochs 1 and 2 at the points of steps 50 and 100", big/50, ends)
		}
		noEpochs := &trainlog.Series{Name: s.Name}
		for _, p := range s.Points() {
			p.Epoch = math.NaN()
			noEpochs.Append(p)
		}
		s = noEpochs
		run.Series["loss"] = s
		run.Geometry[trainlog.GeoStepsPerEpoch] = trainlog.Value{Value: 50}
		if ends := findEpochEnds(newAnalyzer(run), s); !firstTwo(ends) {
			t.Errorf("last step %g, no epochs: findEpochEnds = %v, want epochs 1 and 2 at the points of steps 50 and 100", big, ends)
		}
	}
}

// boundaries runs epochBoundaries on a run of s with spe steps per epoch.
func boundaries(s *trainlog.Series, spe float64) []int64 {
	run := trainlog.NewRun("t")
	run.Series["loss"] = s
	run.Geometry[trainlog.GeoStepsPerEpoch] = trainlog.Value{Value: spe}
	return epochBoundaries(newAnalyzer(run))
}
