package trainlog

import (
	"cmp"
	"slices"
)

// chunkPoints is the number of points a raw series keeps per chunk. The
// first chunk grows up to it; the later ones are made at this size.
const chunkPoints = 1 << 16

// A rawSeries is one origin's points of one series, in arrival order, in
// chunks of the columns a Series is made of. Appending never copies a
// full chunk, and Run joins the chunks into columns of the exact length,
// so that a million-point series holds no spare capacity; a series of
// one chunk whose steps rise is handed over without a copy.
type rawSeries struct {
	chunks []cols // every chunk but the last holds chunkPoints points or more
	n      int
	keys   []string
	sorted bool // steps strictly increase in arrival order
	// shared is the number of points a Series returned by Run holds in
	// the first chunk: they are copied before one of them is changed.
	shared int
}

func (rs *rawSeries) len() int { return rs.n }

// last returns the last chunk, adding one when there is none or the last
// one is full.
func (rs *rawSeries) last() *cols {
	k := len(rs.chunks)
	if k == 0 || rs.chunks[k-1].len() >= chunkPoints {
		var c cols
		if k > 0 {
			c.reserve(chunkPoints)
		}
		rs.chunks = append(rs.chunks, c)
		k++
	}
	return &rs.chunks[k-1]
}

// add appends a point; a step logged again right after itself replaces
// the last point in place (the last record per step wins, as deduped
// would decide), so that no sort is needed later.
func (rs *rawSeries) add(step int64, v, epoch, time float64, m pmeta, s Source) {
	if rs.n > 0 {
		c := &rs.chunks[len(rs.chunks)-1]
		if last := c.steps[c.len()-1]; last >= step {
			if rs.sorted && last == step {
				if rs.shared >= rs.n {
					rs.chunks[0], rs.shared = rs.chunks[0].clone(), 0
					c = &rs.chunks[len(rs.chunks)-1]
				}
				c.setLast(v, epoch, time, m, s)
				return
			}
			rs.sorted = false
		}
	}
	rs.last().add(step, v, epoch, time, m, s)
	rs.n++
}

// source returns the source of point i, in arrival order.
func (rs *rawSeries) source(i int) Source {
	for k := range rs.chunks {
		c := &rs.chunks[k]
		if i < c.len() {
			return c.source(i)
		}
		i -= c.len()
	}
	panic("trainlog: point index out of range")
}

// joined returns the points in arrival order as one set of columns: the
// only chunk itself, or the chunks joined into new columns of the exact
// length.
func (rs *rawSeries) joined() *cols {
	if len(rs.chunks) == 1 {
		return &rs.chunks[0]
	}
	c := joinCols(rs.chunks, rs.n)
	return &c
}

// deduped returns the points sorted by step, keeping file order among
// equal steps, with the last point per step. It returns the only chunk
// itself when the steps rise.
func (rs *rawSeries) deduped() *cols {
	all := rs.joined()
	if rs.sorted {
		return all
	}
	idx := make([]int32, all.len())
	for i := range idx {
		idx[i] = int32(i)
	}
	steps := all.steps
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(steps[a], steps[b]) })
	out := idx[:0]
	for _, i := range idx {
		if n := len(out); n > 0 && steps[out[n-1]] == steps[i] {
			out[n-1] = i
			continue
		}
		out = append(out, i)
	}
	c := all.gather(out)
	return &c
}

// set replaces the points by c, whose steps must strictly increase.
func (rs *rawSeries) set(c cols) {
	rs.chunks, rs.n, rs.sorted, rs.shared = []cols{c}, c.len(), true, 0
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
