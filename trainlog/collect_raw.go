package trainlog

import (
	"cmp"
	"slices"
)

// A rawSeries is one origin's points of one series, in arrival order, as
// the columns a Series is made of: Run hands them over without a copy
// when their steps rise, which is the common case.
type rawSeries struct {
	cols
	keys   []string
	sorted bool // steps strictly increase in arrival order
	// shared is the number of points a Series returned by Run holds in
	// these columns: they are copied before one of them is changed.
	shared int
}

// add appends a point; a step logged again right after itself replaces
// the last point in place (the last record per step wins, as deduped
// would decide), so that no sort is needed later.
func (rs *rawSeries) add(step int64, v, epoch, time float64, m pmeta, s Source) {
	if n := rs.len(); n > 0 {
		if last := rs.steps[n-1]; last >= step {
			if rs.sorted && last == step {
				if rs.shared >= n {
					rs.cols, rs.shared = rs.clone(), 0
				}
				rs.setLast(v, epoch, time, m, s)
				return
			}
			rs.sorted = false
		}
	}
	rs.cols.add(step, v, epoch, time, m, s)
}

// deduped returns the points sorted by step, keeping file order among
// equal steps, with the last point per step. It returns the columns
// themselves when the steps rise.
func (rs *rawSeries) deduped() *cols {
	if rs.sorted {
		return &rs.cols
	}
	idx := make([]int32, rs.len())
	for i := range idx {
		idx[i] = int32(i)
	}
	steps := rs.steps
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(steps[a], steps[b]) })
	out := idx[:0]
	for _, i := range idx {
		if n := len(out); n > 0 && steps[out[n-1]] == steps[i] {
			out[n-1] = i
			continue
		}
		out = append(out, i)
	}
	c := rs.gather(out)
	return &c
}

// set replaces the points by c, whose steps must strictly increase.
func (rs *rawSeries) set(c cols) {
	rs.cols, rs.sorted, rs.shared = c, true, 0
}

// thin keeps the newest max/2 points as they are and thins the older ones
// to half, keeping the minimum and the maximum of each group of four
// points and every non-finite point (see Collector.Compact).
func (rs *rawSeries) thin(max int) {
	pts := rs.deduped()
	n := pts.len()
	cut := n - max/2
	vals := pts.values
	keep := make([]int32, 0, cut/2+n-cut+4)
	for i := 0; i < cut; i += 4 {
		end := min(i+4, cut)
		lo, hi := i, i
		for j := i; j < end; j++ {
			if !finite(vals[j]) {
				keep = append(keep, int32(j))
				continue
			}
			if vals[j] < vals[lo] || !finite(vals[lo]) {
				lo = j
			}
			if vals[j] > vals[hi] || !finite(vals[hi]) {
				hi = j
			}
		}
		if finite(vals[lo]) {
			keep = append(keep, int32(lo))
		}
		if hi != lo && finite(vals[hi]) {
			keep = append(keep, int32(hi))
		}
	}
	slices.SortStableFunc(keep, func(a, b int32) int { return cmp.Compare(pts.steps[a], pts.steps[b]) })
	for i := cut; i < n; i++ {
		keep = append(keep, int32(i))
	}
	rs.set(pts.gather(keep))
}
