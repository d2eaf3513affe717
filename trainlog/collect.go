package trainlog

import (
	"cmp"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A Collector groups the records of one or more readers into a Run. Add
// may be called any number of times, also after Run, which makes it
// usable by a watcher that feeds new records as a file grows.
//
// Merging rules:
//   - Within one origin (a file, or a printer inside a file such as a
//     user callback), the last record per (series, step) wins; a train
//     step lower than the one before it records an EventRestart, unless
//     another origin of the same file already recorded that resume (a
//     console log's dicts and its callback lines go back together). A
//     resume that a reader announces itself (a SessionLog START, the
//     Trainer's "Continuing training from global step N") is an event of
//     its own, and the Collector still records the steps going back.
//   - Across origins, the most precise value per (series, step) wins
//     (see Point.Digits); ties go to the origin added first (except
//     successive TensorBoard files, where the newer wins). The others
//     are listed in Point.Also, and values that differ beyond rounding
//     record an EventDisagreement.
type Collector struct {
	run     *Run
	origins []*origin
	byKey   map[string]*origin
	// restarts counts the restart events recorded per file.
	restarts map[string]int
	last     *origin // of the last entry added
}

type origin struct {
	key      string
	file     string
	tag      string // Entry.Origin
	name     string
	series   map[string]*rawSeries
	names    []string
	lastStep int64 // of the last train entry
	ordinal  int64
	restarts int // the file's restart count at the last train entry
	// slots caches the series of the value at each position of the last
	// entries, so that a run of entries with the same keys costs no
	// canonical-name lookups.
	slots [16]seriesSlot
}

// A seriesSlot maps an entry kind and a key as logged to its series.
type seriesSlot struct {
	kind Kind
	key  string
	rs   *rawSeries
}

// A rawPoint is a Point as an origin stores it: the file is the origin's
// and the fragment an index into the series' fragments, so that it holds
// no pointers and a million of them cost the garbage collector nothing.
type rawPoint struct {
	step     int64
	value    float64
	epoch    float64
	time     float64
	line     int
	frag     int32 // index into rawSeries.frags, 0 for none
	digits   int16
	inferred bool
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
		rs.sorted = false
	}
	k := len(rs.chunks)
	if k == 0 || len(rs.chunks[k-1]) == cap(rs.chunks[k-1]) {
		size := chunkPoints
		if k == 0 {
			size = 64 // most series are short
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
		d.Digits, d.StepInferred = int(p.digits), p.inferred
		d.Source.File, d.Source.Line = file, p.line
		if p.frag > 0 {
			d.Source.Frag = rs.frags[p.frag]
		}
	}
}

// NewCollector returns a Collector that fills run.
func NewCollector(run *Run) *Collector {
	return &Collector{run: run, byKey: map[string]*origin{}, restarts: map[string]int{}}
}

// AddFile records a file's description in the run.
func (c *Collector) AddFile(f File) { c.run.Files = append(c.run.Files, f) }

// Add adds one record.
func (c *Collector) Add(rec Record) {
	switch rec := rec.(type) {
	case *Entry:
		c.addEntry(rec)
	case *Meta:
		c.addMeta(rec)
	case *SyntaxError:
		c.run.Warnings = append(c.run.Warnings, rec)
	}
}

func (c *Collector) origin(e *Entry) *origin {
	if o := c.last; o != nil && o.file == e.Source.File && o.tag == e.Origin {
		return o
	}
	key := e.Source.File + "\x00" + e.Origin
	o := c.byKey[key]
	if o == nil {
		name := e.Source.File
		if e.Origin != "" {
			name += " (" + e.Origin + ")"
		}
		o = &origin{key: key, file: e.Source.File, tag: e.Origin, name: name, series: map[string]*rawSeries{}, lastStep: -1}
		c.byKey[key] = o
		c.origins = append(c.origins, o)
	}
	c.last = o
	return o
}

func (c *Collector) addEntry(e *Entry) {
	if e.Kind == KindSummary {
		for _, kv := range e.Values {
			name := Canonical(KindSummary, kv.Key)
			c.setSummary(name, Value{Key: kv.Key, Value: kv.Value, Digits: kv.Digits, Source: e.Source})
		}
		if !math.IsNaN(e.Epoch) {
			c.run.Summary["epoch"] = Value{Key: "epoch", Value: e.Epoch, Digits: DigitsFloat64, Source: e.Source}
		}
		if e.Step >= 0 {
			c.run.Summary["step"] = Value{Key: "step", Value: float64(e.Step), Digits: DigitsFloat64, Source: e.Source}
		}
		return
	}
	o := c.origin(e)
	step, inferred := e.Step, e.StepInferred
	if step < 0 {
		o.ordinal++
		step, inferred = o.ordinal, true
	} else {
		o.ordinal = step
	}
	if e.Kind == KindTrain || e.Kind == KindUnknown {
		// One event per resume: the steps after the first one that went
		// back rise again until they pass the old maximum, and a resume
		// known since this origin's last entry is not recorded again.
		known := c.restarts[o.file] > o.restarts
		if step < o.lastStep && !known {
			c.restarts[o.file]++
			c.run.Events = append(c.run.Events, Event{
				Kind:    EventRestart,
				Step:    step,
				Message: fmt.Sprintf("steps go back from %d to %d in %s: the run was resumed; the last record per step is kept", o.lastStep, step, o.name),
				Sources: []Source{e.Source},
			})
		}
		o.lastStep = step
		o.restarts = c.restarts[o.file]
	}
	for i := range e.Values {
		kv := &e.Values[i]
		rs := o.seriesOf(e.Kind, kv.Key, i)
		rs.add(rawPoint{step: step, value: kv.Value, epoch: e.Epoch, time: e.Time, line: e.Source.Line,
			frag: rs.frag(e.Source.Frag), digits: rawDigits(kv.Digits), inferred: inferred})
	}
}

// seriesOf returns the series that the value at position i of an entry
// of kind with key belongs to, creating it when new.
func (o *origin) seriesOf(kind Kind, key string, i int) *rawSeries {
	if i < len(o.slots) {
		if sl := &o.slots[i]; sl.rs != nil && sl.kind == kind && sl.key == key {
			return sl.rs
		}
	}
	name := Canonical(kind, key)
	if kind == KindEval && !strings.HasPrefix(name, "eval_") {
		name = "eval_" + name
	}
	rs := o.series[name]
	if rs == nil {
		rs = &rawSeries{sorted: true}
		o.series[name] = rs
		o.names = append(o.names, name)
	}
	if len(rs.keys) == 0 || rs.keys[len(rs.keys)-1] != key {
		if !contains(rs.keys, key) {
			rs.keys = append(rs.keys, key)
		}
	}
	if i < len(o.slots) {
		o.slots[i] = seriesSlot{kind: kind, key: key, rs: rs}
	}
	return rs
}

// setSummary stores a summary value unless a more precise value from
// another file is already there; a later value of the same file wins (a
// resumed run's summary replaces the first one).
func (c *Collector) setSummary(name string, v Value) {
	if old, ok := c.run.Summary[name]; ok && old.Source.File != v.Source.File && old.Digits > v.Digits {
		return
	}
	c.run.Summary[name] = v
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Collector) addMeta(m *Meta) {
	switch {
	case m.Geometry != nil:
		if old, ok := c.run.Geometry[m.Geometry.Key]; !ok || old.Source.File == m.Geometry.Source.File || m.Geometry.Digits >= old.Digits {
			c.run.Geometry[m.Geometry.Key] = *m.Geometry
		}
	case m.Summary != nil:
		c.setSummary(Canonical(KindSummary, m.Summary.Key), *m.Summary)
	case m.Info != nil:
		c.run.Info[m.Info.Key] = *m.Info
	case m.Event != nil:
		c.run.Events = append(c.run.Events, *m.Event)
		if m.Event.Kind == EventRestart && len(m.Event.Sources) > 0 {
			// A resume the log announces itself: the steps that go back
			// after it are not recorded as a second restart.
			c.restarts[m.Event.Sources[0].File]++
		}
	}
}

// Run merges what was added and returns the run. The returned run is
// rebuilt on every call; it shares no point slices with the Collector.
func (c *Collector) Run() *Run {
	run := c.run
	// Drop events from an earlier call that Run itself produced.
	events := run.Events[:0:0]
	for _, ev := range run.Events {
		if ev.Kind != EventDisagreement {
			events = append(events, ev)
		}
	}
	run.Events = events
	run.Series = map[string]*Series{}
	var order []string
	perName := map[string][][]Point{}
	keys := map[string][]string{}
	for _, o := range c.origins {
		for _, name := range o.names {
			rs := o.series[name]
			if _, ok := perName[name]; !ok {
				order = append(order, name)
			}
			perName[name] = append(perName[name], rs.points(o.file))
			for _, k := range rs.keys {
				if !contains(keys[name], k) {
					keys[name] = append(keys[name], k)
				}
			}
		}
	}
	for _, name := range order {
		lists := perName[name]
		s := &Series{Name: name, Keys: keys[name]}
		if len(lists) == 1 {
			s.Points = lists[0]
		} else {
			s.Points = c.merge(name, lists)
		}
		run.Series[name] = s
	}
	return run
}

// merge combines per-origin point lists of one series.
func (c *Collector) merge(name string, lists [][]Point) []Point {
	byStep := map[int64][]Point{}
	var steps []int64
	for _, l := range lists {
		for _, p := range l {
			if _, ok := byStep[p.Step]; !ok {
				steps = append(steps, p.Step)
			}
			byStep[p.Step] = append(byStep[p.Step], p)
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	out := make([]Point, 0, len(steps))
	disagreements := 0
	for _, st := range steps {
		cands := byStep[st]
		best := 0
		for i, p := range cands {
			b := cands[best]
			switch {
			case p.Digits > b.Digits,
				p.Digits == b.Digits && b.StepInferred && !p.StepInferred,
				p.Digits == b.Digits && i > 0 && sameSeries(b.Source.File, p.Source.File):
				best = i
			}
		}
		p := cands[best]
		if len(cands) > 1 {
			p.Also = make([]Source, 0, len(cands)-1)
			for i, q := range cands {
				if i == best {
					continue
				}
				p.Also = append(p.Also, q.Source)
				if epochDecimals(q.Epoch) > epochDecimals(p.Epoch) {
					p.Epoch = q.Epoch // e.g. a dict's 0.004 beats a callback's 0.00
				}
				if math.IsNaN(p.Time) && !math.IsNaN(q.Time) {
					p.Time = q.Time
				}
				if !Agree(p.Value, q.Value, q.Digits) {
					disagreements++
					if disagreements <= 20 {
						c.run.Events = append(c.run.Events, Event{
							Kind:    EventDisagreement,
							Step:    st,
							Message: fmt.Sprintf("%s at step %d: %s has %s but %s has %s", name, st, p.Source, fmtG(p.Value), q.Source, fmtG(q.Value)),
							Sources: []Source{p.Source, q.Source},
						})
					}
				}
			}
		}
		out = append(out, p)
	}
	if disagreements > 20 {
		c.run.Events = append(c.run.Events, Event{Kind: EventDisagreement, Step: -1,
			Message: fmt.Sprintf("%s: %d steps disagree between sources in all (first 20 listed)", name, disagreements)})
	}
	return out
}

// sameSeries reports whether two files are successive files of one
// writer (TensorBoard event files of a resumed run, which sort by their
// time stamp): the later one wins a tie, as TensorBoard keeps the newest
// values.
func sameSeries(a, b string) bool {
	const tb = "events.out.tfevents."
	return strings.Contains(path.Base(a), tb) && strings.Contains(path.Base(b), tb) && a < b
}

func fmtG(v float64) string { return fmt.Sprintf("%.6g", v) }

// epochDecimals returns how many decimals an epoch was written with: -1
// for NaN, and for a value that is exactly a float32 (a TensorBoard
// scalar) the decimals of its shortest float32 form, so that 0.004 read
// back from float32 does not look more precise than 0.004.
func epochDecimals(e float64) int {
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return -1
	}
	bits := 64
	if float64(float32(e)) == e {
		bits = 32
	}
	s := strconv.FormatFloat(e, 'f', -1, bits)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// Agree reports whether a precise value a and a value b written with
// digits significant digits are equal within b's rounding (and float32
// representation error).
func Agree(a, b float64, digits int) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	if digits <= 0 || digits > 16 {
		digits = 16
	}
	mag := math.Max(math.Abs(a), math.Abs(b))
	if mag == 0 {
		return true
	}
	// Half a unit in the last printed significant digit, plus slack for
	// values that were rounded to decimals rather than significant digits.
	tol := 0.5 * math.Pow(10, math.Floor(math.Log10(mag))-float64(digits-1))
	tol = math.Max(tol*1.01, mag*1e-7)
	return math.Abs(a-b) <= tol
}

// RemoveFile forgets the points read from file (all its origins), so that
// a rewritten or truncated file can be read again from the start.
func (c *Collector) RemoveFile(file string) {
	c.last = nil
	kept := c.origins[:0]
	for _, o := range c.origins {
		if o.file == file {
			delete(c.byKey, o.key)
			continue
		}
		kept = append(kept, o)
	}
	c.origins = kept
}

// Compact bounds memory for long watches: every raw series holding more
// than max points keeps its newest max/2 points as they are and thins the
// older ones to half, keeping the minimum and the maximum of each group of
// four points and every non-finite point. Analysis of a compacted run sees
// fewer old points but every extreme.
func (c *Collector) Compact(max int) {
	if max < 16 {
		max = 16
	}
	for _, o := range c.origins {
		for _, rs := range o.series {
			if rs.n <= max {
				continue
			}
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
	}
}

func (p *rawPoint) finite() bool { return !math.IsNaN(p.value) && !math.IsInf(p.value, 0) }

// absorb adds what another Collector gathered from one file, as if its
// records had been added to c at this point: per-file origins are moved,
// summary and geometry values follow the precision rules, and events and
// warnings are appended.
func (c *Collector) absorb(sub *Collector) {
	for _, o := range sub.origins {
		if old, ok := c.byKey[o.key]; ok {
			// The same file given twice: keep its first reading.
			_ = old
			continue
		}
		c.byKey[o.key] = o
		c.origins = append(c.origins, o)
	}
	for file, n := range sub.restarts {
		c.restarts[file] += n
	}
	// Summary and geometry in a stable order: by name.
	for _, name := range sortedKeys(sub.run.Summary) {
		c.setSummary(name, sub.run.Summary[name])
	}
	for _, name := range sortedKeys(sub.run.Geometry) {
		v := sub.run.Geometry[name]
		c.Add(&Meta{Geometry: &v})
	}
	for k, v := range sub.run.Info {
		c.run.Info[k] = v
	}
	c.run.Events = append(c.run.Events, sub.run.Events...)
	c.run.Warnings = append(c.run.Warnings, sub.run.Warnings...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
