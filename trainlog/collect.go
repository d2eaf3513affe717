package trainlog

import (
	"fmt"
	"math"
	"path"
	"runtime"
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
//     are listed in Point.Also when they logged the same value within
//     rounding, and in Point.Differ otherwise. A different value records
//     an EventDisagreement when both steps were read or fixed exactly;
//     when either was estimated the values may belong to different
//     steps, and one EventNote per series says so. A value whose step was
//     estimated does not outrank a different value whose step was read,
//     and one that another source confirms (the same value at the same
//     step) takes that source's step evidence.
//   - A num_train_epochs of 2^53 or more is no plan (the Trainer writes
//     sys.maxsize when max_steps alone ends the run) and is dropped.
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
	spare int // the next of the upper slots to fill in turn
}

// A seriesSlot maps an entry kind and a key as logged to its series.
type seriesSlot struct {
	kind Kind
	key  string
	rs   *rawSeries
}

// releaseGCMin is the number of points from which releaseRaw starts a
// garbage collection.
const releaseGCMin = 1 << 20

// releaseRaw drops the raw points of a Collector that is not used again
// (Load's), and after a large run starts a garbage collection in the
// background: the raw points and the readers' records are garbage now,
// and collecting them at once lets what the caller allocates next (the
// analysis) reuse their memory instead of growing the heap by as much,
// which on a million-step log saves more time than the collection costs.
func (c *Collector) releaseRaw(run *Run) {
	c.origins, c.byKey, c.last = nil, nil, nil
	n := 0
	for _, s := range run.Series {
		n += s.Len()
	}
	if n >= releaseGCMin {
		go runtime.GC()
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
	step, by, est := e.Step, e.StepBy, e.StepEstimated
	if e.StepInferred && by == StepRead {
		by, est = StepOrdinal, true // a reader that inferred the step without saying how
	}
	if step < 0 {
		o.ordinal++
		step, by, est = o.ordinal, StepOrdinal, true
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
		rs.add(step, kv.Value, e.Epoch, e.Time, packMeta(kv.Digits, by, est), e.Source)
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
	// Another position's slot: entries of one key each, in turn (a
	// TensorBoard file), find their series there.
	for j := range o.slots {
		if sl := &o.slots[j]; sl.rs != nil && sl.kind == kind && sl.key == key {
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
	sl := seriesSlot{kind: kind, key: key, rs: rs}
	if i < len(o.slots) {
		o.slots[i] = sl
	}
	// Also in turn in the slots of the positions past the last entry's.
	o.slots[len(o.slots)-1-o.spare] = sl
	o.spare = (o.spare + 1) % (len(o.slots) / 2)
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
		if m.Geometry.Key == GeoEpochs && m.Geometry.Value >= maxEpochs {
			// sys.maxsize: max_steps alone ends the run (an
			// IterableDataset); no number of epochs was planned.
			return
		}
		if old, ok := c.run.Geometry[m.Geometry.Key]; !ok || old.Source.File == m.Geometry.Source.File || m.Geometry.Digits >= old.Digits {
			c.run.Geometry[m.Geometry.Key] = *m.Geometry
		}
	case m.Summary != nil:
		c.setSummary(Canonical(KindSummary, m.Summary.Key), *m.Summary)
	case m.Info != nil:
		c.run.Info[m.Info.Key] = *m.Info
	case m.Event != nil:
		if m.Event.Kind == EventNewRun && len(m.Event.Sources) > 0 {
			c.dropEarlierRun(m.Event)
			return
		}
		c.run.Events = append(c.run.Events, *m.Event)
		if m.Event.Kind == EventRestart && len(m.Event.Sources) > 0 {
			// A resume the log announces itself: the steps that go back
			// after it are not recorded as a second restart.
			c.restarts[m.Event.Sources[0].File]++
		}
	}
}

// dropEarlierRun records ev, a new training run starting in its file,
// after dropping what the file logged of the runs before it: their values,
// summary and events. Its geometry stays: the new run prints its own
// before it starts, and that wins.
func (c *Collector) dropEarlierRun(ev *Event) {
	file := ev.Sources[0].File
	lines := map[Source]bool{}
	for _, o := range c.origins {
		if o.file != file {
			continue
		}
		for _, rs := range o.series {
			for i := 0; i < rs.len(); i++ {
				lines[rs.source(i)] = true
			}
		}
		o.series, o.names, o.slots, o.spare = map[string]*rawSeries{}, nil, [16]seriesSlot{}, 0
		o.lastStep, o.ordinal = -1, 0
	}
	if c.last != nil && c.last.file == file {
		c.last = nil
	}
	for k, v := range c.run.Summary {
		if v.Source.File == file {
			delete(c.run.Summary, k)
		}
	}
	events, dropped := c.run.Events[:0], 0
	for _, e := range c.run.Events {
		if len(e.Sources) > 0 && e.Sources[0].File == file {
			dropped++
			continue
		}
		events = append(events, e)
	}
	c.run.Events = events
	delete(c.restarts, file)
	e := *ev
	entries := fmt.Sprintf("%d log entries", len(lines))
	if len(lines) == 1 {
		entries = "1 log entry"
	}
	e.Message = fmt.Sprintf("%s; the %s and %s of the earlier run in %s are left out: this report is about the last run",
		e.Message, entries, plural(dropped, "event"), file)
	c.run.Events = append(c.run.Events, e)
}

// maxEpochs is the least num_train_epochs that is not a plan: the
// Trainer writes sys.maxsize (2^63-1) when max_steps alone ends the run.
const maxEpochs = 1 << 53

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
	perName := map[string][]*rawSeries{}
	keys := map[string][]string{}
	for _, o := range c.origins {
		for _, name := range o.names {
			rs := o.series[name]
			if _, ok := perName[name]; !ok {
				order = append(order, name)
			}
			perName[name] = append(perName[name], rs)
			for _, k := range rs.keys {
				if !contains(keys[name], k) {
					keys[name] = append(keys[name], k)
				}
			}
		}
	}
	for _, name := range order {
		raws := perName[name]
		s := &Series{Name: name, Keys: keys[name]}
		if len(raws) == 1 {
			// The columns themselves when the steps rise: no copy.
			rs := raws[0]
			d := rs.deduped()
			s.cols = d.capped()
			if rs.sorted {
				// The joined columns replace the chunks, which are garbage
				// before the next series is joined: the chunks of every
				// series and their joined copies are never all live.
				rs.chunks = []cols{*d} // not [:1]: the rest would stay reachable
				rs.shared = rs.len()
			}
		} else {
			lists := make([]*cols, len(raws))
			for i, rs := range raws {
				lists[i] = rs.deduped()
			}
			s.cols = c.merge(name, lists)
		}
		run.Series[name] = s
	}
	return run
}

// merge combines the per-origin columns of one series, each sorted by
// step with one point per step, into new columns.
func (c *Collector) merge(name string, lists []*cols) cols {
	var out cols
	// Each list's source references, as references of out.
	remap := make([][]uint32, len(lists))
	most := 0
	for l, x := range lists {
		remap[l] = make([]uint32, len(x.refs))
		for r, ref := range x.refs {
			remap[l][r] = uint32(out.refIndex(ref))
		}
		most = max(most, x.len())
	}
	out.steps = make([]int64, 0, most)
	out.values = make([]float64, 0, most)
	out.nums = make([]uint32, 0, most)
	pos := make([]int, len(lists))
	var cands []mergeCand
	var others []otherRef
	disagreements, unsure := 0, 0
	var unsureSrc []Source
	for {
		// The next step: the lowest of the lists' next points.
		st, ok := int64(0), false
		for l, x := range lists {
			if pos[l] < x.len() && (!ok || x.steps[pos[l]] < st) {
				st, ok = x.steps[pos[l]], true
			}
		}
		if !ok {
			break
		}
		cands = cands[:0]
		for l, x := range lists {
			if i := pos[l]; i < x.len() && x.steps[i] == st {
				m := x.metaAt(i)
				cands = append(cands, mergeCand{l: l, i: i, value: x.values[i], digits: m.digits(), est: m.estimated(),
					file: x.refs[x.refAt(i)].src.File})
				pos[l]++
			}
		}
		best := 0
		for i, p := range cands {
			b := cands[best]
			switch {
			case p.digits > b.digits,
				p.digits == b.digits && b.est && !p.est,
				p.digits == b.digits && i > 0 && sameSeries(b.file, p.file):
				best = i
			}
		}
		// A value whose step was estimated does not outrank a different
		// value whose step was read.
		if b := cands[best]; b.est {
			alt := -1
			for i, q := range cands {
				if !q.est && !b.sameLogged(q) && (alt < 0 || q.digits > cands[alt].digits) {
					alt = i
				}
			}
			if alt >= 0 {
				best = alt
			}
		}
		p := cands[best]
		px := lists[p.l]
		epoch, time, meta := epochAt(px, p.i), timeAt(px, p.i), px.metaAt(p.i)
		others = others[:0]
		for i, q := range cands {
			if i == best {
				continue
			}
			qx := lists[q.l]
			qref := otherRef{ref: remap[q.l][qx.refAt(q.i)], num: qx.nums[q.i]}
			if !p.sameLogged(q) {
				qref.differ = true
				others = append(others, qref)
				if p.est || q.est {
					// Not a disagreement: the step of one of them is
					// only estimated, and may be another step's.
					unsure++
					if unsureSrc == nil {
						unsureSrc = []Source{px.source(p.i), qx.source(q.i)}
					}
					continue
				}
				disagreements++
				if disagreements <= 20 {
					ps, qs := px.source(p.i), qx.source(q.i)
					c.run.Events = append(c.run.Events, Event{
						Kind:    EventDisagreement,
						Step:    st,
						Message: fmt.Sprintf("%s at step %d: %s has %s but %s has %s", name, st, ps, fmtG(p.value), qs, fmtG(q.value)),
						Sources: []Source{ps, qs},
					})
				}
				continue
			}
			others = append(others, qref)
			if qe := epochAt(qx, q.i); qe != epoch && epochDecimals(qe) > epochDecimals(epoch) {
				epoch = qe // e.g. a dict's 0.004 beats a callback's 0.00
			}
			if math.IsNaN(time) {
				time = timeAt(qx, q.i)
			}
			if p.est && !q.est {
				// Another source logged the same value at this step.
				meta = meta.withBy(qx.metaAt(q.i).by())
				p.est = false
			}
		}
		out.addRef(st, p.value, epoch, time, meta, int(remap[p.l][px.refAt(p.i)]), px.nums[p.i])
		out.addOthers(out.len()-1, others)
	}
	if disagreements > 20 {
		c.run.Events = append(c.run.Events, Event{Kind: EventDisagreement, Step: -1,
			Message: fmt.Sprintf("%s: %d steps disagree between sources in all (first 20 listed)", name, disagreements)})
	}
	if unsure > 0 {
		c.run.Events = append(c.run.Events, Event{Kind: EventNote, Step: -1,
			Message: fmt.Sprintf("%s: %d values differ between sources at steps that one of them only estimated (first: %s and %s); they were not compared as the same step", name, unsure, unsureSrc[0], unsureSrc[1]),
			Sources: unsureSrc})
	}
	return out
}

// A mergeCand is one list's point at the step being merged.
type mergeCand struct {
	l, i   int // list and index
	value  float64
	digits int
	est    bool
	file   string
}

// sameLogged reports whether two candidates hold the same value within
// the rounding of the less precise one.
func (a mergeCand) sameLogged(b mergeCand) bool {
	return Agree(a.value, b.value, min(a.digits, b.digits))
}

func epochAt(c *cols, i int) float64 {
	if c.epochs == nil {
		return math.NaN()
	}
	return c.epochs[i]
}

func timeAt(c *cols, i int) float64 {
	if c.times == nil {
		return math.NaN()
	}
	return c.times[i]
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
			if rs.len() > max {
				rs.thin(max)
			}
		}
	}
}

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
