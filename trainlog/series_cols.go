package trainlog

import (
	"math"
	"sort"
)

// cols holds the points of a Series as columns without pointers, so that
// a million points cost the garbage collector nothing to scan and about
// 30 bytes each (steps, values, epochs, a source number and a packed
// precision). Column i of each slice is point i. A nil optional column
// means every point has the same value there: NaN for epochs and times,
// meta0 for meta, reference 0 for ref. Every column that is not nil has
// the capacity of steps, so that appending checks one capacity.
type cols struct {
	steps  []int64
	values []float64
	epochs []float64 // nil when no point has an epoch
	times  []float64 // nil when no point has a time
	meta   []pmeta   // nil when every point's is meta0
	meta0  pmeta
	nums   []uint32 // the line or element number of each point's source
	ref    []uint32 // index into refs of each point's source; nil when all are 0
	refs   []srcRef // the files (and arrays) the sources are in
	extra  *others  // the other sources of some points, nil when none
	// lastRef caches the reference of the last source encoded, and refMap
	// indexes refs once there are many.
	lastRef int
	refMap  map[srcRef]int
}

// A pmeta packs a point's precision and step evidence: the digits as an
// int8 in the low byte, then the StepEvidence (6 bits), StepInferred and
// StepEstimated.
type pmeta uint16

const (
	metaByShift   = 8
	metaByMask    = 0x3f
	metaInferred  = 1 << 14
	metaEstimated = 1 << 15
)

// packMeta packs a precision, saturated to the int8 range, and the step
// evidence of a point (StepInferred is set unless by is StepRead).
func packMeta(digits int, by StepEvidence, est bool) pmeta {
	m := pmeta(uint8(int8(min(max(digits, math.MinInt8), math.MaxInt8))))
	m |= pmeta(by&metaByMask) << metaByShift
	if by != StepRead {
		m |= metaInferred
	}
	if est {
		m |= metaEstimated
	}
	return m
}

func (m pmeta) digits() int      { return int(int8(uint8(m))) }
func (m pmeta) by() StepEvidence { return StepEvidence(m >> metaByShift & metaByMask) }
func (m pmeta) inferred() bool   { return m&metaInferred != 0 }
func (m pmeta) estimated() bool  { return m&metaEstimated != 0 }
func (m pmeta) withBy(by StepEvidence) pmeta {
	return m&^(metaByMask<<metaByShift|metaEstimated) | pmeta(by&metaByMask)<<metaByShift
}

func (c *cols) metaAt(i int) pmeta {
	if c.meta == nil {
		_ = c.steps[i]
		return c.meta0
	}
	return c.meta[i]
}

func (c *cols) refAt(i int) int {
	if c.ref == nil {
		return 0
	}
	return int(c.ref[i])
}

// source returns the source of point i.
func (c *cols) source(i int) Source { return c.refs[c.refAt(i)].source(c.nums[i]) }

// A srcRef is what the sources of several points share: the file and the
// array whose element number (or, without an array, the line) each point
// stores. A source that this cannot express (a named fragment, a line
// beyond 32 bits) is a reference of its own, fixed.
type srcRef struct {
	src   Source // File and Array; the whole source when fixed
	fixed bool
}

// source returns the source of a point that stores number n.
func (r *srcRef) source(n uint32) Source {
	s := r.src
	switch {
	case r.fixed:
	case s.Array != NoArray:
		s.Index = int32(n)
	default:
		s.Line = int(n)
	}
	return s
}

// encodeSource splits a source into its reference and number.
func encodeSource(s Source) (srcRef, uint32) {
	if s.Frag == "" {
		switch {
		case s.Array == NoArray && s.Index == 0 && s.Line >= 0 && uint64(s.Line) <= math.MaxUint32:
			return srcRef{src: Source{File: s.File}}, uint32(s.Line)
		case s.Array != NoArray && s.Line == 0 && s.Index >= 0:
			return srcRef{src: Source{File: s.File, Array: s.Array}}, uint32(s.Index)
		}
	}
	return srcRef{src: s, fixed: true}, 0
}

// refIndex returns the index of r in the table, adding it when new.
func (c *cols) refIndex(r srcRef) int {
	if c.lastRef < len(c.refs) && c.refs[c.lastRef] == r {
		return c.lastRef
	}
	i, ok := -1, false
	if c.refMap == nil && len(c.refs) > 8 {
		c.refMap = make(map[srcRef]int, 2*len(c.refs))
		for k, x := range c.refs {
			c.refMap[x] = k
		}
	}
	if c.refMap != nil {
		i, ok = c.refMap[r]
	} else {
		for k := range c.refs {
			if c.refs[k] == r {
				i, ok = k, true
				break
			}
		}
	}
	if !ok {
		i = len(c.refs)
		c.refs = append(c.refs, r)
		if c.refMap != nil {
			c.refMap[r] = i
		}
	}
	c.lastRef = i
	return i
}

func (c *cols) len() int { return len(c.steps) }

// add appends a point whose source is s.
func (c *cols) add(step int64, v, epoch, time float64, m pmeta, s Source) {
	r, n := c.encode(s)
	c.addRef(step, v, epoch, time, m, r, n)
}

// encode returns the reference and number of source s, adding its
// reference to the table when new. A source in the file and array of the
// last one costs a few comparisons.
func (c *cols) encode(s Source) (int, uint32) {
	if r := c.lastRef; r < len(c.refs) && s.Frag == "" {
		if ref := &c.refs[r]; !ref.fixed && s.File == ref.src.File && s.Array == ref.src.Array {
			switch {
			case s.Array == NoArray && s.Index == 0 && s.Line >= 0 && uint64(s.Line) <= math.MaxUint32:
				return r, uint32(s.Line)
			case s.Array != NoArray && s.Line == 0 && s.Index >= 0:
				return r, uint32(s.Index)
			}
		}
	}
	ref, n := encodeSource(s)
	return c.refIndex(ref), n
}

// addRef appends a point whose source is reference r, number n.
func (c *cols) addRef(step int64, v, epoch, time float64, m pmeta, r int, n uint32) {
	k := len(c.steps)
	if k == cap(c.steps) {
		c.grow()
	}
	c.steps = c.steps[:k+1]
	c.values = c.values[:k+1]
	c.nums = c.nums[:k+1]
	c.steps[k], c.values[k], c.nums[k] = step, v, n
	c.setOptional(k, epoch, time, m, r)
}

// setLast replaces the last point by another at the same step.
func (c *cols) setLast(v, epoch, time float64, m pmeta, s Source) {
	r, n := c.encode(s)
	k := len(c.steps) - 1
	c.values[k], c.nums[k] = v, n
	c.setOptional(k, epoch, time, m, r)
}

// setOptional sets the optional columns of point k, the last one: a
// column is made when point k is the first whose value differs from the
// others'.
func (c *cols) setOptional(k int, epoch, time float64, m pmeta, r int) {
	switch {
	case c.epochs != nil:
		c.epochs = c.epochs[:k+1]
		c.epochs[k] = epoch
	case !math.IsNaN(epoch):
		c.epochs = append(filled(k, math.NaN(), cap(c.steps)), epoch)
	}
	switch {
	case c.times != nil:
		c.times = c.times[:k+1]
		c.times[k] = time
	case !math.IsNaN(time):
		c.times = append(filled(k, math.NaN(), cap(c.steps)), time)
	}
	switch {
	case c.meta != nil:
		c.meta = c.meta[:k+1]
		c.meta[k] = m
	case k == 0:
		c.meta0 = m
	case m != c.meta0:
		c.meta = append(filled(k, c.meta0, cap(c.steps)), m)
	}
	switch {
	case c.ref != nil:
		c.ref = c.ref[:k+1]
		c.ref[k] = uint32(r)
	case r != 0:
		c.ref = append(filled(k, uint32(0), cap(c.steps)), uint32(r))
	}
}

// reserve makes empty columns with capacity for n points.
func (c *cols) reserve(n int) {
	c.steps, c.values, c.nums = make([]int64, 0, n), make([]float64, 0, n), make([]uint32, 0, n)
}

// joinCols joins the columns of parts, n points in all, into new columns
// of length n.
func joinCols(parts []cols, n int) cols {
	var out cols
	out.steps, out.values, out.nums = make([]int64, 0, n), make([]float64, 0, n), make([]uint32, 0, n)
	out.meta0 = parts[0].meta0
	remaps := make([][]uint32, len(parts))
	var epochs, times, meta, ref bool
	for k := range parts {
		p := &parts[k]
		remaps[k] = make([]uint32, len(p.refs))
		for r, x := range p.refs {
			remaps[k][r] = uint32(out.refIndex(x))
			ref = ref || remaps[k][r] != 0
		}
		epochs, times = epochs || p.epochs != nil, times || p.times != nil
		meta = meta || p.meta != nil || p.meta0 != out.meta0
	}
	if epochs {
		out.epochs = make([]float64, 0, n)
	}
	if times {
		out.times = make([]float64, 0, n)
	}
	if meta {
		out.meta = make([]pmeta, 0, n)
	}
	if ref {
		out.ref = make([]uint32, 0, n)
	}
	for k := range parts {
		p := &parts[k]
		m := p.len()
		out.steps = append(out.steps, p.steps...)
		out.values = append(out.values, p.values...)
		out.nums = append(out.nums, p.nums...)
		out.epochs = appendOr(out.epochs, p.epochs, m, math.NaN())
		out.times = appendOr(out.times, p.times, m, math.NaN())
		out.meta = appendOr(out.meta, p.meta, m, p.meta0)
		if out.ref != nil {
			if p.ref == nil {
				out.ref = appendOr(out.ref, nil, m, remaps[k][0])
			} else {
				for _, r := range p.ref {
					out.ref = append(out.ref, remaps[k][r])
				}
			}
		}
	}
	return out
}

// appendOr appends col to dst, or m copies of v when col is nil; a nil
// dst stays nil.
func appendOr[T any](dst, col []T, m int, v T) []T {
	switch {
	case dst == nil:
		return nil
	case col != nil:
		return append(dst, col...)
	}
	for range m {
		dst = append(dst, v)
	}
	return dst
}

// grow doubles the capacity of every column, so that appending n points
// copies fewer than n in all.
func (c *cols) grow() {
	n := max(4, 2*cap(c.steps))
	c.steps = growCol(c.steps, n)
	c.values = growCol(c.values, n)
	c.nums = growCol(c.nums, n)
	if c.epochs != nil {
		c.epochs = growCol(c.epochs, n)
	}
	if c.times != nil {
		c.times = growCol(c.times, n)
	}
	if c.meta != nil {
		c.meta = growCol(c.meta, n)
	}
	if c.ref != nil {
		c.ref = growCol(c.ref, n)
	}
}

func growCol[T any](s []T, n int) []T {
	out := make([]T, len(s), n)
	copy(out, s)
	return out
}

// filled returns a slice of n copies of v with capacity for c elements.
func filled[T any](n int, v T, c int) []T {
	out := make([]T, n, max(c, n+1))
	for i := range out {
		out[i] = v
	}
	return out
}

// capped returns a copy of the column headers whose slices end at their
// length, so that appending to either copy never writes into the other.
func (c *cols) capped() cols {
	n := len(c.steps)
	out := cols{steps: c.steps[:n:n], values: c.values[:n:n], nums: c.nums[:n:n], meta0: c.meta0,
		refs: c.refs[:len(c.refs):len(c.refs)], extra: c.extra}
	if c.epochs != nil {
		out.epochs = c.epochs[:n:n]
	}
	if c.times != nil {
		out.times = c.times[:n:n]
	}
	if c.meta != nil {
		out.meta = c.meta[:n:n]
	}
	if c.ref != nil {
		out.ref = c.ref[:n:n]
	}
	return out
}

// clone returns a deep copy of the columns (without other sources).
func (c *cols) clone() cols {
	out := cols{steps: cloneCol(c.steps), values: cloneCol(c.values), nums: cloneCol(c.nums), meta0: c.meta0,
		epochs: cloneCol(c.epochs), times: cloneCol(c.times), meta: cloneCol(c.meta), ref: cloneCol(c.ref), refs: cloneCol(c.refs)}
	return out
}

func cloneCol[T any](s []T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s)) // every column's capacity is the same
	copy(out, s)
	return out
}

// gather returns the points at the given indices, in that order, as new
// columns (without other sources).
func (c *cols) gather(idx []int32) cols {
	n := len(idx)
	out := cols{steps: make([]int64, n), values: make([]float64, n), nums: make([]uint32, n), meta0: c.meta0, refs: cloneCol(c.refs)}
	for k, i := range idx {
		out.steps[k], out.values[k], out.nums[k] = c.steps[i], c.values[i], c.nums[i]
	}
	if c.epochs != nil {
		out.epochs = make([]float64, n)
		for k, i := range idx {
			out.epochs[k] = c.epochs[i]
		}
	}
	if c.times != nil {
		out.times = make([]float64, n)
		for k, i := range idx {
			out.times[k] = c.times[i]
		}
	}
	if c.meta != nil {
		out.meta = make([]pmeta, n)
		for k, i := range idx {
			out.meta[k] = c.meta[i]
		}
	}
	if c.ref != nil {
		// Only the references the points gathered use, renumbered.
		remap := make([]uint32, len(c.refs))
		out.refs = out.refs[:0]
		out.ref = make([]uint32, n)
		for k, i := range idx {
			r := c.ref[i]
			if remap[r] == 0 {
				out.refs = append(out.refs, c.refs[r])
				remap[r] = uint32(len(out.refs))
			}
			out.ref[k] = remap[r] - 1
		}
	}
	return out
}

// others holds the other sources of the points that have any (a series
// merged from several files), apart from the columns: point at[k] has
// the sources src[off[k]:off[k+1]].
type others struct {
	at  []int32
	off []uint32
	src []otherRef
}

// An otherRef is one other source of a point: a reference into the
// series' table and a number, and whether its value differs.
type otherRef struct {
	ref    uint32
	num    uint32
	differ bool
}

// setOthers records the other sources of point i, which must come after
// every point recorded so far.
func (c *cols) setOthers(i int, also, differ []Source) {
	refs := make([]otherRef, 0, len(also)+len(differ))
	for _, s := range also {
		r, n := encodeSource(s)
		refs = append(refs, otherRef{ref: uint32(c.refIndex(r)), num: n})
	}
	for _, s := range differ {
		r, n := encodeSource(s)
		refs = append(refs, otherRef{ref: uint32(c.refIndex(r)), num: n, differ: true})
	}
	c.addOthers(i, refs)
}

// addOthers records the other sources of point i, which must come after
// every point recorded so far.
func (c *cols) addOthers(i int, refs []otherRef) {
	if len(refs) == 0 {
		return
	}
	x := c.extra
	if x == nil {
		x = &others{off: []uint32{0}}
		c.extra = x
	}
	x.at = append(x.at, int32(i))
	x.src = append(x.src, refs...)
	x.off = append(x.off, uint32(len(x.src)))
}

// others returns the other sources of point i that differ (or agree).
func (c *cols) others(i int, differ bool) []Source {
	_ = c.steps[i]
	x := c.extra
	if x == nil {
		return nil
	}
	k := sort.Search(len(x.at), func(k int) bool { return int(x.at[k]) >= i })
	if k == len(x.at) || int(x.at[k]) != i {
		return nil
	}
	var out []Source
	for _, o := range x.src[x.off[k]:x.off[k+1]] {
		if o.differ == differ {
			out = append(out, c.refs[o.ref].source(o.num))
		}
	}
	return out
}
