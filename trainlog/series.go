package trainlog

import "math"

// Digits values describe the precision of a value as it was written.
// Larger is more precise. Text values carry the number of significant
// digits that were printed.
const (
	DigitsFloat64 = 17 // a full-precision repr (JSON, Python repr of a float)
	DigitsFloat32 = 7  // a TensorBoard simple_value or float32 tensor
)

// A Point is one value of one series at one step.
type Point struct {
	Step  int64
	Value float64
	// Epoch is the fractional epoch at this point, NaN when unknown.
	Epoch float64
	// Time is the wall-clock or elapsed time in seconds when the format
	// records it, NaN otherwise.
	Time float64
	// Digits is the precision of Value as written (see DigitsFloat64).
	Digits int
	// StepInferred is set when the step was not written next to the value
	// and the reader inferred it (for example from the epoch or a
	// progress bar).
	StepInferred bool
	// StepBy says what fixed Step: StepRead when it was written next to
	// the value, else the evidence a reader inferred it from (see
	// StepEvidence).
	StepBy StepEvidence
	// StepEstimated is set when the evidence left Step uncertain: a
	// report must say the step is estimated, and from what.
	StepEstimated bool
	// Source is where the chosen value was read.
	Source Source
	// Also lists the other sources that logged the same value at this
	// step, within rounding. A source that logged a different value is
	// not listed: it is in Differ.
	Also []Source
	// Differ lists the sources that logged another value at this step.
	// The run records an EventDisagreement for each (or one EventNote
	// per series when either step was estimated: the values may belong
	// to different steps).
	Differ []Source
}

// Finite reports whether p.Value is neither NaN nor infinite.
func (p Point) Finite() bool { return !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) }

// A Series is one metric over steps, sorted by step with one point per
// step. Its points are read through methods: Len, Step, Value, Source and
// the others for one field of point i, Point for a whole point, Steps and
// Values for the columns a loop over many points reads. The zero Series
// is empty and ready to use; Append adds points to it.
//
// The points are stored as columns without pointers (see series_cols.go):
// steps and values, epochs and times only when some point has them, a
// packed precision and step evidence, and each source as an index into a
// small table of files plus a line or element number, formatted only when
// a citation is rendered. The other sources of a point (Also, Differ) are
// kept apart: most points have none.
type Series struct {
	// Name is the canonical name (see Canonical), such as "loss",
	// "eval_loss" or "learning_rate".
	Name string
	// Keys are the names as logged (e.g. "train/loss", "loss"), in the
	// order first seen.
	Keys []string
	cols
}

// Len returns the number of points.
func (s *Series) Len() int {
	if s == nil {
		return 0
	}
	return len(s.steps)
}

// Step returns the step of point i.
func (s *Series) Step(i int) int64 { return s.steps[i] }

// Value returns the value of point i.
func (s *Series) Value(i int) float64 { return s.values[i] }

// Finite reports whether the value of point i is neither NaN nor
// infinite.
func (s *Series) Finite(i int) bool { return finite(s.values[i]) }

// Epoch returns the fractional epoch of point i, NaN when unknown.
func (s *Series) Epoch(i int) float64 {
	if s.epochs == nil {
		_ = s.steps[i]
		return math.NaN()
	}
	return s.epochs[i]
}

// Time returns the time of point i in seconds, NaN when unknown.
func (s *Series) Time(i int) float64 {
	if s.times == nil {
		_ = s.steps[i]
		return math.NaN()
	}
	return s.times[i]
}

// Digits returns the precision of the value of point i as written
// (stored in 8 bits: a precision above 127 digits reads as 127).
func (s *Series) Digits(i int) int { return s.metaAt(i).digits() }

// StepBy returns what fixed the step of point i (see Point.StepBy).
func (s *Series) StepBy(i int) StepEvidence { return s.metaAt(i).by() }

// StepEstimated reports whether the step of point i is estimated (see
// Point.StepEstimated).
func (s *Series) StepEstimated(i int) bool { return s.metaAt(i).estimated() }

// Source returns where the value of point i was read.
func (s *Series) Source(i int) Source { return s.source(i) }

// Also returns the other sources that logged the value of point i (see
// Point.Also); most points have none, and then it returns nil.
func (s *Series) Also(i int) []Source { return s.others(i, false) }

// Differ returns the sources that logged another value at the step of
// point i (see Point.Differ), nil when none did.
func (s *Series) Differ(i int) []Source { return s.others(i, true) }

// Point returns point i as a whole.
func (s *Series) Point(i int) Point {
	m := s.metaAt(i)
	p := Point{Step: s.steps[i], Value: s.values[i], Epoch: s.Epoch(i), Time: s.Time(i),
		Digits: m.digits(), StepBy: m.by(), StepEstimated: m.estimated(), Source: s.Source(i)}
	p.StepInferred = m.inferred()
	if s.extra != nil {
		p.Also, p.Differ = s.Also(i), s.Differ(i)
	}
	return p
}

// Points returns a new slice of every point. It is meant for tests and
// short series: a loop over a long one reads the fields it needs.
func (s *Series) Points() []Point {
	out := make([]Point, s.Len())
	for i := range out {
		out[i] = s.Point(i)
	}
	return out
}

// NewSeries returns a series of the given points, whose steps must
// increase.
func NewSeries(name string, pts ...Point) *Series {
	s := &Series{Name: name}
	for _, p := range pts {
		s.Append(p)
	}
	return s
}

// Append adds p after the last point. Its step must be greater than the
// last point's: a Series holds one point per step, in step order.
// StepInferred is not stored: a point reads as inferred when its StepBy
// is not StepRead.
func (s *Series) Append(p Point) {
	s.add(p.Step, p.Value, p.Epoch, p.Time, packMeta(p.Digits, p.StepBy, p.StepEstimated), p.Source)
	if len(p.Also) > 0 || len(p.Differ) > 0 {
		s.setOthers(s.Len()-1, p.Also, p.Differ)
	}
}

// Index returns the index of the point at step, if any.
func (s *Series) Index(step int64) (int, bool) {
	i := s.Search(step)
	return i, i < s.Len() && s.steps[i] == step
}

// Search returns the index of the first point whose step is at least
// step, or Len when there is none.
func (s *Series) Search(step int64) int {
	if s == nil {
		return 0
	}
	steps := s.steps
	lo, hi := 0, len(steps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if steps[m] < step {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// At returns the point at step, if any.
func (s *Series) At(step int64) (Point, bool) {
	if i, ok := s.Index(step); ok {
		return s.Point(i), true
	}
	return Point{}, false
}

// NearestIndex returns the index of the point whose step is closest to
// step (ties go to the earlier one), or -1 for an empty series.
func (s *Series) NearestIndex(step int64) int {
	n := s.Len()
	if n == 0 {
		return -1
	}
	i := s.Search(step)
	switch {
	case i == n:
		return n - 1
	case i == 0:
		return 0
	}
	if step-s.steps[i-1] <= s.steps[i]-step {
		return i - 1
	}
	return i
}

// Nearest returns the point whose step is closest to step (ties go to the
// earlier one). It reports false for an empty series.
func (s *Series) Nearest(step int64) (Point, bool) {
	i := s.NearestIndex(step)
	if i < 0 {
		return Point{}, false
	}
	return s.Point(i), true
}

// Steps returns the steps of s, in order. The slice is the series' own
// column: callers must not modify it.
func (s *Series) Steps() []int64 {
	if s == nil {
		return nil
	}
	return s.steps
}

// Values returns the values of s, in step order. The slice is the
// series' own column: callers must not modify it.
func (s *Series) Values() []float64 {
	if s == nil {
		return nil
	}
	return s.values
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
