package trainlog

import (
	"cmp"
	"math"
	"slices"
)

// A Collector keeps each origin's values in a compact form until Run
// builds the series: an origin stores one rawRow per entry (step, epoch,
// time, source), and each series one rawValue per value, which refers to
// its entry's row. Neither holds pointers, so a million entries cost the
// garbage collector nothing to scan, and they take 40 + 16 bytes per value
// of a three-metric log rather than the 112 of a Point.

// A rawRow is what the values of one entry share.
type rawRow struct {
	step     int64
	epoch    float64
	time     float64
	line     int
	frag     int32 // index into rawRows.frags, 0 for none
	inferred bool
}

// A rawValue is one value of one series.
type rawValue struct {
	value  float64
	row    uint32 // index into the origin's rows
	digits int16
}

// rawDigits stores a precision in a rawValue, saturating values that no
// number is written with.
func rawDigits(d int) int16 {
	return int16(min(max(d, math.MinInt16), math.MaxInt16))
}

// rowChunkBits sets the size of a chunk of rows; the first chunk grows up
// to it, so that a short log does not allocate a full chunk.
const (
	rowChunkBits = 14
	rowChunk     = 1 << rowChunkBits
)

// rawRows are an origin's rows, in arrival order, in chunks that are
// never copied once full.
type rawRows struct {
	chunks [][]rawRow
	n      int
	frags  []string // fragments of the rows' sources; frags[0] is ""
}

// maxRows bounds the rows of one origin (the index is a uint32).
const maxRows = math.MaxUint32

// add appends a row and returns its index.
func (rr *rawRows) add(r rawRow) uint32 {
	k := len(rr.chunks)
	switch {
	case k == 0:
		rr.chunks = append(rr.chunks, make([]rawRow, 0, 64))
		k = 1
	case len(rr.chunks[k-1]) == rowChunk:
		rr.chunks = append(rr.chunks, make([]rawRow, 0, rowChunk))
		k++
	}
	rr.chunks[k-1] = append(rr.chunks[k-1], r)
	rr.n++
	return uint32(rr.n - 1)
}

func (rr *rawRows) at(i uint32) *rawRow {
	return &rr.chunks[i>>rowChunkBits][i&(rowChunk-1)]
}

// frag returns the index of a source fragment, adding it when new.
func (rr *rawRows) frag(f string) int32 {
	if f == "" {
		return 0
	}
	if n := len(rr.frags); n > 1 && rr.frags[n-1] == f {
		return int32(n - 1)
	}
	if len(rr.frags) == 0 {
		rr.frags = append(rr.frags, "")
	}
	if len(rr.frags) >= math.MaxInt32 {
		return 0
	}
	rr.frags = append(rr.frags, f)
	return int32(len(rr.frags) - 1)
}

// keep drops the rows that keep reports false for, renumbering the others
// in order, and returns the new index of each old row.
func (rr *rawRows) keep(keep []bool) []uint32 {
	old := *rr
	*rr = rawRows{}
	renum := make([]uint32, old.n)
	fragNum := map[int32]int32{}
	for i := 0; i < old.n; i++ {
		if !keep[i] {
			continue
		}
		r := *old.at(uint32(i))
		if r.frag > 0 {
			f, ok := fragNum[r.frag]
			if !ok {
				if len(rr.frags) == 0 {
					rr.frags = append(rr.frags, "")
				}
				rr.frags = append(rr.frags, old.frags[r.frag])
				f = int32(len(rr.frags) - 1)
				fragNum[r.frag] = f
			}
			r.frag = f
		}
		renum[i] = rr.add(r)
	}
	return renum
}

// A rawSeries is one origin's values of one series, in arrival order.
// Values are stored in chunks so that appending a million of them never
// copies them.
type rawSeries struct {
	keys   []string
	chunks [][]rawValue
	n      int
	last   int64 // step of the last value added
	sorted bool  // steps strictly increase in arrival order
}

const chunkValues = 16384

func (rs *rawSeries) add(v rawValue, step int64) {
	if rs.n > 0 && rs.last >= step {
		rs.sorted = false
	}
	k := len(rs.chunks)
	if k == 0 || len(rs.chunks[k-1]) == cap(rs.chunks[k-1]) {
		size := chunkValues
		if k == 0 {
			size = 64 // most series are short
		} else if c := cap(rs.chunks[k-1]); c < chunkValues {
			size = min(4*c, chunkValues)
		}
		rs.chunks = append(rs.chunks, make([]rawValue, 0, size))
		k++
	}
	rs.chunks[k-1] = append(rs.chunks[k-1], v)
	rs.n++
	rs.last = step
}

// all returns a fresh slice of every value, in arrival order.
func (rs *rawSeries) all() []rawValue {
	out := make([]rawValue, 0, rs.n)
	for _, ch := range rs.chunks {
		out = append(out, ch...)
	}
	return out
}

// set replaces the values, whose steps must strictly increase.
func (rs *rawSeries) set(vals []rawValue, rows *rawRows) {
	rs.chunks = [][]rawValue{vals}
	rs.n = len(vals)
	rs.sorted = true
	if rs.n > 0 {
		rs.last = rows.at(vals[rs.n-1].row).step
	}
}

// deduped returns the values sorted by step, keeping file order among
// equal steps, with the last value per step. It may return the only chunk
// itself.
func (rs *rawSeries) deduped(rows *rawRows) []rawValue {
	if rs.sorted && len(rs.chunks) == 1 {
		return rs.chunks[0]
	}
	vals := rs.all()
	if rs.sorted {
		return vals
	}
	sortByStep(vals, rows)
	out := vals[:0]
	for _, v := range vals {
		if n := len(out); n > 0 && rows.at(out[n-1].row).step == rows.at(v.row).step {
			out[n-1] = v
			continue
		}
		out = append(out, v)
	}
	return out
}

// sortByStep sorts values by step, keeping the order of equal steps.
func sortByStep(vals []rawValue, rows *rawRows) {
	slices.SortStableFunc(vals, func(a, b rawValue) int { return cmp.Compare(rows.at(a.row).step, rows.at(b.row).step) })
}

// convBlock is how many points points converts per pass.
const convBlock = 256

// points returns a fresh slice of the points sorted by step with the last
// point per step.
func (rs *rawSeries) points(rows *rawRows, file string) []Point {
	parts := rs.chunks
	if !rs.sorted {
		parts = [][]rawValue{rs.deduped(rows)}
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
			fill(out, i, p[:k], rows, file)
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
func fill(out []Point, at int, src []rawValue, rows *rawRows, file string) {
	dst := out[at : at+len(src)]
	for i := range src {
		dst[i].Value = src[i].value
	}
	if next := at + len(src); next < len(out) {
		out[next].Step = 0
	}
	for i := range src {
		v, d := &src[i], &dst[i]
		r := rows.at(v.row)
		d.Step, d.Epoch, d.Time = r.step, r.epoch, r.time
		d.Digits, d.StepInferred = int(v.digits), r.inferred
		d.Source.File, d.Source.Line = file, r.line
		if r.frag > 0 {
			d.Source.Frag = rows.frags[r.frag]
		}
	}
}

// thin keeps the newest max/2 values as they are and thins the older ones
// to half, keeping the minimum and the maximum of each group of four
// values and every non-finite value (see Collector.Compact).
func (rs *rawSeries) thin(max int, rows *rawRows) {
	vals := rs.deduped(rows)
	cut := len(vals) - max/2
	old, recent := vals[:cut], vals[cut:]
	thin := make([]rawValue, 0, len(old)/2+len(recent)+4)
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
	sortByStep(thin, rows)
	rs.set(append(thin, recent...), rows)
}

func (v *rawValue) finite() bool { return !math.IsNaN(v.value) && !math.IsInf(v.value, 0) }

// compactRows drops the rows no value of o refers to any more.
func (o *origin) compactRows() {
	used := make([]bool, o.rows.n)
	for _, rs := range o.series {
		for _, ch := range rs.chunks {
			for _, v := range ch {
				used[v.row] = true
			}
		}
	}
	renum := o.rows.keep(used)
	for _, rs := range o.series {
		for _, ch := range rs.chunks {
			for i := range ch {
				ch[i].row = renum[ch[i].row]
			}
		}
	}
}
