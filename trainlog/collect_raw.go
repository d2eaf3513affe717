package trainlog

import (
	"cmp"
	"math"
	"slices"
)

// A rawPoint is a Point as a Collector stores it until Run builds the
// series: the file is the origin's, an element of an array is its index
// in line, and a named fragment an index into the series' fragments, so
// that it holds no pointers (a million of them cost the garbage collector
// nothing to scan) and takes 48 bytes rather than the 120 of a Point.
type rawPoint struct {
	step   int64
	value  float64
	epoch  float64
	time   float64
	line   int   // Source.Line, or Source.Index when array is set
	frag   int32 // index into rawSeries.frags, 0 for none
	digits int16
	array  Array
	by     uint8 // the StepEvidence, with rawEstimated set when estimated
}

// rawEstimated marks an estimated step in rawPoint.by.
const rawEstimated = 0x80

// rawStepBy packs a step's evidence and whether it is estimated.
func rawStepBy(by StepEvidence, est bool) uint8 {
	b := uint8(by)
	if est {
		b |= rawEstimated
	}
	return b
}

// rawDigits stores a precision in a rawPoint, saturating values that
// no number is written with.
func rawDigits(d int) int16 {
	return int16(min(max(d, math.MinInt16), math.MaxInt16))
}

// A rawSeries is one origin's points of one series, in arrival order.
// Points are stored in fixed-size chunks so that appending a million
// points never copies them.
type rawSeries struct {
	keys   []string
	chunks [][]rawPoint
	frags  []string // fragments of the points' sources; frags[0] is ""
	n      int
	last   int64 // step of the last point added
	sorted bool  // steps strictly increase in arrival order
}

const chunkPoints = 16384

func (rs *rawSeries) add(p rawPoint) {
	if rs.n > 0 && rs.last >= p.step {
		if rs.sorted && rs.last == p.step {
			// The step repeats: the last record per step wins, as
			// deduped would decide, and no sort is needed later.
			last := rs.chunks[len(rs.chunks)-1]
			last[len(last)-1] = p
			return
		}
		rs.sorted = false
	}
	k := len(rs.chunks)
	if k == 0 || len(rs.chunks[k-1]) == cap(rs.chunks[k-1]) {
		size := chunkPoints
		if k == 0 {
			size = 4 // most series are short; a wide file has thousands of them
		} else if c := cap(rs.chunks[k-1]); c < chunkPoints {
			size = min(4*c, chunkPoints)
		}
		rs.chunks = append(rs.chunks, make([]rawPoint, 0, size))
		k++
	}
	rs.chunks[k-1] = append(rs.chunks[k-1], p)
	rs.n++
	rs.last = p.step
}

// frag returns the index of a source fragment, adding it when new.
func (rs *rawSeries) frag(f string) int32 {
	if f == "" {
		return 0
	}
	if n := len(rs.frags); n > 1 && rs.frags[n-1] == f {
		return int32(n - 1)
	}
	if len(rs.frags) == 0 {
		rs.frags = append(rs.frags, "")
	}
	if len(rs.frags) >= math.MaxInt32 {
		return 0
	}
	rs.frags = append(rs.frags, f)
	return int32(len(rs.frags) - 1)
}

// all returns a fresh slice of every point, in arrival order.
func (rs *rawSeries) all() []rawPoint {
	out := make([]rawPoint, 0, rs.n)
	for _, ch := range rs.chunks {
		out = append(out, ch...)
	}
	return out
}

// set replaces the points, whose steps must strictly increase, and drops
// the fragments no point refers to any more.
func (rs *rawSeries) set(pts []rawPoint) {
	rs.chunks = [][]rawPoint{pts}
	rs.n = len(pts)
	rs.sorted = true
	if rs.n > 0 {
		rs.last = pts[rs.n-1].step
	}
	if len(rs.frags) > 1 {
		frags := []string{""}
		for i := range pts {
			if f := pts[i].frag; f > 0 {
				frags = append(frags, rs.frags[f])
				pts[i].frag = int32(len(frags) - 1)
			}
		}
		rs.frags = frags
	}
}

// deduped returns the points sorted by step, keeping file order among
// equal steps, with the last point per step. It may return the only
// chunk itself.
func (rs *rawSeries) deduped() []rawPoint {
	if rs.sorted && len(rs.chunks) == 1 {
		return rs.chunks[0]
	}
	pts := rs.all()
	if rs.sorted {
		return pts
	}
	slices.SortStableFunc(pts, func(a, b rawPoint) int { return cmp.Compare(a.step, b.step) })
	out := pts[:0]
	for _, p := range pts {
		if n := len(out); n > 0 && out[n-1].step == p.step {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// convBlock is how many points points converts per pass.
const convBlock = 256

// points returns a fresh slice of the points sorted by step with the last
// point per step.
func (rs *rawSeries) points(file string) []Point {
	parts := rs.chunks
	if !rs.sorted {
		parts = [][]rawPoint{rs.deduped()}
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]Point, n)
	i := 0
	for _, p := range parts {
		for len(p) > 0 {
			k := min(len(p), convBlock)
			rs.fill(out, i, p[:k], file)
			p, i = p[k:], i+k
		}
	}
	return out
}

// fill converts src into out[at:], which is zeroed. It first writes a
// field without pointers to each point and to the point after them, so
// that fresh memory is mapped by a write: while the garbage collector
// marks, a pointer store reads the old value first, which would map the
// zero page and fault again on the write.
func (rs *rawSeries) fill(out []Point, at int, src []rawPoint, file string) {
	dst := out[at : at+len(src)]
	for i := range src {
		dst[i].Step = src[i].step
	}
	if next := at + len(src); next < len(out) {
		out[next].Step = 0
	}
	for i := range src {
		p, d := &src[i], &dst[i]
		d.Value, d.Epoch, d.Time = p.value, p.epoch, p.time
		d.Digits, d.StepBy, d.StepEstimated = int(p.digits), StepEvidence(p.by&^rawEstimated), p.by&rawEstimated != 0
		d.StepInferred = d.StepBy != StepRead
		d.Source.File = file
		if p.array != NoArray {
			d.Source.Array, d.Source.Index = p.array, int32(p.line)
		} else {
			d.Source.Line = p.line
		}
		if p.frag > 0 {
			d.Source.Frag = rs.frags[p.frag]
		}
	}
}

// thin keeps the newest max/2 points as they are and thins the older ones
// to half, keeping the minimum and the maximum of each group of four
// points and every non-finite point (see Collector.Compact).
func (rs *rawSeries) thin(max int) {
	pts := rs.deduped()
	cut := len(pts) - max/2
	old, recent := pts[:cut], pts[cut:]
	thin := make([]rawPoint, 0, len(old)/2+len(recent)+4)
	for i := 0; i < len(old); i += 4 {
		end := min(i+4, len(old))
		lo, hi := i, i
		for j := i; j < end; j++ {
			if !old[j].finite() {
				thin = append(thin, old[j])
				continue
			}
			if old[j].value < old[lo].value || !old[lo].finite() {
				lo = j
			}
			if old[j].value > old[hi].value || !old[hi].finite() {
				hi = j
			}
		}
		if old[lo].finite() {
			thin = append(thin, old[lo])
		}
		if hi != lo && old[hi].finite() {
			thin = append(thin, old[hi])
		}
	}
	slices.SortStableFunc(thin, func(a, b rawPoint) int { return cmp.Compare(a.step, b.step) })
	rs.set(append(thin, recent...))
}

func (p *rawPoint) finite() bool { return !math.IsNaN(p.value) && !math.IsInf(p.value, 0) }
