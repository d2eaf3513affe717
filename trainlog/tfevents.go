package trainlog

// TensorBoard event files (format "tensorboard").
//
// # Files
//
// events.out.tfevents.<unix time>.<host>.<pid>.<n>[suffix], written by
// PyTorch's SummaryWriter (Hugging Face TensorBoardCallback, Lightning's
// TensorBoardLogger), tensorboardX and TensorFlow. A run directory may
// hold several files (restarts, several writers); each is read on its
// own.
//
// # Detection
//
// Confidence 100 when the first record's CRCs hold and it decodes as an
// Event whose file_version starts with "brain.Event:"; 90 when only the
// first header's length CRC holds and the file name contains "tfevents";
// 0 otherwise (text, other TFRecord files, empty files).
//
// # Framing (TFRecord, integers little-endian)
//
//	record  = length crc(length) data crc(data)
//	length  = uint64                  // len(data)
//	crc(x)  = uint32                  // masked CRC-32C (Castagnoli) of x:
//	                                  // ((c >> 15) | (c << 17)) + 0xa282ead8
//	data    = Event                   // one serialized protobuf
//
// # Fields read (protobuf field number, wire type; all others skipped)
//
//	Event        = 1 wall_time double | 2 step int64 | 3 file_version string
//	               ("brain.Event:2", first record) | 5 summary Summary
//	               | 7 session_log SessionLog
//	SessionLog   = 1 status enum (1 START, 2 STOP, 3 CHECKPOINT)
//	Summary      = 1 value repeated Value
//	Value        = 1 tag string | 2 simple_value float32 | 8 tensor TensorProto
//	               | 9 metadata SummaryMetadata
//	               | 3 histo (obsolete), 4 image, 5 histo, 6 audio: skipped unread
//	Metadata     = 1 plugin_data { 1 plugin_name string }
//	TensorProto  = 1 dtype enum (1 FLOAT, 2 DOUBLE, 3 INT32, 7 STRING, 9 INT64,
//	               14 BFLOAT16, 19 HALF) | 2 tensor_shape { 2 dim { 1 size } }
//	               | 4 tensor_content bytes (raw little-endian) | 5 float_val
//	               | 6 double_val | 7 int_val | 8 string_val | 10 int64_val
//	               | 13 half_val (repeated fields packed or not)
//
// A scalar is a simple_value (Digits = DigitsFloat32: a value logged as
// 2e-05 reads back as 1.9999999494757503e-05), or a tensor of one element
// (rank 0, or every dimension 1) of a numeric dtype: float_val or 4-byte
// DT_FLOAT content (DigitsFloat32), double_val or 8-byte DT_DOUBLE content
// (DigitsFloat64), integers (exact, DigitsFloat64), half and bfloat16.
// Values whose plugin is not "scalars" (text, histograms, images, audio,
// hparams, ...), image/histo/audio payloads, strings and larger tensors
// are skipped, and their tag is remembered as non-scalar because writers
// put the metadata on a tag's first value only. The Trainer's "args" and
// "model_config" text summaries are skipped that way.
//
// # Records
//
// The Hugging Face TensorBoardCallback writes each logged key as its own
// event (tag "train/X", "eval/X" or "test/X", step = global_step), so
// the reader emits one Entry per event and kind, holding that event's
// scalars. Kinds: "eval/…" and names that Canonical maps to "eval_…"
// (Lightning "val_loss") are KindEval, "test/…" and "test_…" KindPredict,
// "train/" + a summary key (train_runtime, train_loss, total_flos,
// train_samples_per_second, train_steps_per_second, ...) KindSummary, all
// others KindTrain. The tags "train/epoch" and "epoch" are not values:
// consecutive events of one step form a group, and an epoch tag sets
// Entry.Epoch of the group's entries logged before it (those after the
// group's last epoch tag take that epoch too), so a group is emitted when
// the step changes or the input ends. (A watcher that reads a file whose
// writer has not yet written a group's epoch tag gets that group without
// an epoch.) Time is wall_time.
//
// Sources are "file#record[i]", i the 0-based index of the TFRecord
// record (the file_version record is record[0]), which is what
// TensorBoard's own readers count; check one with, for example,
// enumerate(tf.compat.v1.train.summary_iterator(path)). Byte offsets are
// in the messages of problems instead, where they locate the damage.
// After damage the indices go on counting, a skipped span of bytes
// counting as one record; TensorBoard stops reading there.
//
// # Restarts
//
// A SessionLog START after summaries were seen (or after an earlier
// START) becomes an EventRestart Meta. Steps that go back are left to the
// Collector, which keeps the last record per (series, step) and records a
// restart. TensorBoard's EventAccumulator instead purges, per tag, the
// points with step >= s when a step s goes back, and on a START purges
// every tag's points with step >= the START's step. The results match
// except for points of the abandoned segment beyond the last step the
// resumed segment reaches, which TensorBoard drops and the Collector
// keeps.
//
// # Damage
//
// A partial last record (short header, short data or missing CRC) is the
// normal state of a file being written or whose writer was killed: the
// reader stops at the last complete record and yields one SyntaxError
// whose cause is ErrTruncated, informational; more bytes appended later
// complete the record. A record whose data is complete but whose data CRC
// is missing is read unverified, as TensorBoard does. A data CRC mismatch
// skips the record; a length CRC mismatch makes the reader search for the
// next valid header. Each problem is a SyntaxError "file#record[i]: at
// byte N: ...".

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/plateau-dev/plateau/trainlog/internal/tfrecord"
)

func init() {
	Register(Format{
		Name:        "tensorboard",
		Description: "TensorBoard event files (events.out.tfevents.*) from HF TensorBoardCallback, Lightning, SummaryWriter",
		Detect:      detectTFEvents,
		NewReader: func(name string, r io.Reader, _ Options) Reader {
			return newTFEventsReader(name, r)
		},
	})
}

// fileVersionPrefix starts the file_version of the first event.
const fileVersionPrefix = "brain.Event:"

// detectTFEvents recognises a TFRecord stream whose first record is an
// Event with a file_version, or whose first header is valid in a file
// named like an event file.
func detectTFEvents(name string, head []byte) int {
	length, ok := tfrecord.ParseHeader(head)
	if !ok || length >= 1<<31 { // protobufs are under 2 GiB
		return 0
	}
	if length <= uint64(len(head)) && tfrecord.HeaderSize+length+tfrecord.FooterSize <= uint64(len(head)) {
		end := tfrecord.HeaderSize + length
		data := head[tfrecord.HeaderSize:end]
		var dec tfrecord.Decoder
		var ev tfrecord.Event
		if tfrecord.MaskedCRC(data) == binary.LittleEndian.Uint32(head[end:]) && dec.Decode(data, &ev) == nil &&
			bytes.HasPrefix(ev.FileVersion, []byte(fileVersionPrefix)) {
			return 100
		}
	}
	if strings.Contains(path.Base(strings.ReplaceAll(name, "\\", "/")), "tfevents") {
		return 90
	}
	return 0
}

// maxGroup bounds the entries held back while waiting for a step's epoch
// tag.
const maxGroup = 4096

// A tagInfo is what the reader derives from a tag, cached per tag.
type tagInfo struct {
	key   string
	kind  Kind
	epoch bool
}

// maxTags bounds the tag cache; further tags are classified each time.
const maxTags = 1 << 16

// A tfeventsReader reads a TensorBoard event file. See the grammar at the
// top of tfevents.go.
type tfeventsReader struct {
	name string
	d    *tfDecoder

	group     []*Entry // entries of the current step not yet emitted
	groupStep int64
	epochFrom int     // group[epochFrom:] have no epoch yet
	epoch     float64 // the group's last epoch, NaN when none

	sawSummary, sawStart bool
	slab                 entrySlab
	// sink, when set, receives the records instead of out (readAll).
	sink func(Record)
	one  tfRecord // the record Scan reads

	out    []Record
	outPos int
	rec    Record
	err    error
}

var _ Reader = (*tfeventsReader)(nil)

// newTFEventsReader returns a reader of the event file r. name is the
// display path used in sources and errors.
func newTFEventsReader(name string, r io.Reader) *tfeventsReader {
	return &tfeventsReader{name: name, d: &tfDecoder{sc: tfrecord.NewScanner(r), tags: map[string]*tagInfo{}}, epoch: math.NaN()}
}

// Record returns the current record.
func (r *tfeventsReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *tfeventsReader) Err() error { return r.err }

// Scan advances to the next record. It returns false at the end of the
// available input; it may be called again after the file grew.
func (r *tfeventsReader) Scan() bool {
	for {
		if r.outPos < len(r.out) {
			r.rec = r.out[r.outPos]
			r.out[r.outPos] = nil
			r.outPos++
			return true
		}
		r.out, r.outPos = r.out[:0], 0
		if !r.d.sc.Scan() {
			r.flush()
			if len(r.out) > 0 {
				continue
			}
			r.rec, r.err = nil, r.d.sc.Err()
			if r.err != nil {
				r.err = fmt.Errorf("%s: %w", r.name, r.err)
			}
			return false
		}
		r.one = r.d.decode(r.one.vals[:0])
		r.event(&r.one)
	}
}

// emit passes a record on: to the sink when reading all, else to Scan.
func (r *tfeventsReader) emit(rec Record) {
	if r.sink != nil {
		r.sink(rec)
		return
	}
	r.out = append(r.out, rec)
}

// problem converts a framing problem into a SyntaxError.
func (r *tfeventsReader) problem(p *tfrecord.FormatError) *SyntaxError {
	e := &SyntaxError{File: r.name, Frag: recordFrag(p.Index), Msg: fmt.Sprintf("at byte %d: %s", p.Offset, p.Msg)}
	if p.Truncated {
		e.Err = ErrTruncated
	}
	return e
}

// recordFrag returns the fragment "record[i]".
func recordFrag(i int) string { return ElemSource("", TFRecord, i).Fragment() }

// A tfRecord is the scanner's current item as the reader uses it: a
// framing problem, a record that is not an Event, or an event's fields
// with its scalars, their tags classified.
type tfRecord struct {
	index   int
	offset  int64
	problem *tfrecord.FormatError
	bad     error // why the record is not an Event
	wall    float64
	step    int64
	status  int
	summary bool
	vals    []tfValue
}

// A tfValue is one scalar of an event.
type tfValue struct {
	ti     *tagInfo
	value  float64
	digits int
}

// A tfDecoder is the part of a tfeventsReader that reads, checks and
// decodes records and classifies their tags, apart from the part that
// builds entries, so that two goroutines can run them (readAll) without
// writing to the same memory.
type tfDecoder struct {
	sc   *tfrecord.Scanner
	dec  tfrecord.Decoder
	ev   tfrecord.Event
	tags map[string]*tagInfo
	// recent holds the last tags looked up, in turn.
	recent     [8]*tagInfo
	nextRecent int
}

// decode makes the scanner's current item a tfRecord, whose scalars it
// appends to vals.
func (r *tfDecoder) decode(vals []tfValue) tfRecord {
	rec := tfRecord{index: r.sc.Index(), offset: r.sc.Offset(), problem: r.sc.Problem(), vals: vals}
	if rec.problem != nil {
		return rec
	}
	ev := &r.ev
	if err := r.dec.Decode(r.sc.Record(), ev); err != nil {
		rec.bad = err
		return rec
	}
	rec.wall, rec.step, rec.status, rec.summary = ev.WallTime, ev.Step, ev.SessionStatus, ev.HasSummary
	for _, v := range ev.Values {
		rec.vals = append(rec.vals, tfValue{ti: r.tag(v.Tag), value: v.Value, digits: digits(v.Type)})
	}
	return rec
}

// event turns one record into entries and metas.
func (r *tfeventsReader) event(rec *tfRecord) {
	if rec.problem != nil {
		r.emit(r.problem(rec.problem))
		return
	}
	if rec.bad != nil {
		r.emit(&SyntaxError{File: r.name, Frag: recordFrag(rec.index),
			Msg: fmt.Sprintf("at byte %d: not a TensorBoard Event protobuf (%v); record skipped", rec.offset, rec.bad)})
		return
	}
	src := ElemSource(r.name, TFRecord, rec.index)
	if rec.status == tfrecord.SessionStart {
		r.flush()
		if r.sawSummary || r.sawStart {
			r.emit(&Meta{Event: &Event{Kind: EventRestart, Step: rec.step, Sources: []Source{src},
				Message: fmt.Sprintf("SessionLog START at step %d: the writer restarted; TensorBoard drops the points logged before it from step %d on, plateau keeps the last record per step", rec.step, rec.step)}})
		}
		r.sawStart = true
	}
	if !rec.summary {
		return
	}
	r.sawSummary = true
	if len(rec.vals) == 0 {
		return
	}
	if rec.step != r.groupStep || len(r.group) >= maxGroup {
		r.flush()
		r.groupStep = rec.step
	}
	wall := rec.wall
	if wall == 0 {
		wall = math.NaN()
	}
	var byKind [KindPredict + 1]*Entry
	for _, v := range rec.vals {
		ti := v.ti
		if ti.epoch {
			for _, e := range r.group[r.epochFrom:] {
				e.Epoch = v.value
			}
			r.epochFrom, r.epoch = len(r.group), v.value
			continue
		}
		kv := KV{Key: ti.key, Value: v.value, Digits: v.digits}
		if e := byKind[ti.kind]; e != nil {
			e.Values = append(e.Values, kv)
			continue
		}
		e := r.slab.entry(ti.kind, src)
		e.Step, e.Time = rec.step, wall
		e.Values = r.slab.values([]KV{kv})
		byKind[ti.kind] = e
		r.group = append(r.group, e)
	}
}

// flush emits the current group; entries after its last epoch tag take
// that epoch.
func (r *tfeventsReader) flush() {
	for _, e := range r.group[r.epochFrom:] {
		e.Epoch = r.epoch
	}
	for i, e := range r.group {
		r.emit(e)
		r.group[i] = nil
	}
	r.group, r.epochFrom, r.epoch = r.group[:0], 0, math.NaN()
	if r.sink != nil {
		r.slab.rewind()
	}
}

func digits(t tfrecord.Type) int {
	switch t {
	case tfrecord.Float64, tfrecord.Int:
		return DigitsFloat64
	case tfrecord.Half:
		return 3
	case tfrecord.BFloat16:
		return 2
	}
	return DigitsFloat32
}

// tag returns the cached classification of a tag.
func (r *tfDecoder) tag(b []byte) *tagInfo {
	// A writer logs the same few tags in turn: look at the last ones
	// before hashing.
	for _, ti := range r.recent {
		if ti != nil && ti.key == string(b) {
			return ti
		}
	}
	ti := r.tagSlow(b)
	r.recent[r.nextRecent] = ti
	r.nextRecent = (r.nextRecent + 1) % len(r.recent)
	return ti
}

func (r *tfDecoder) tagSlow(b []byte) *tagInfo {
	if ti, ok := r.tags[string(b)]; ok {
		return ti
	}
	key := string(b)
	ti := classifyTag(key)
	if len(r.tags) < maxTags {
		r.tags[key] = ti
	}
	return ti
}

// classifyTag derives an entry kind from a tag as the HF
// TensorBoardCallback and Lightning write them.
func classifyTag(tag string) *tagInfo {
	ti := &tagInfo{key: tag, kind: KindTrain}
	switch {
	case tag == "train/epoch" || tag == "epoch":
		ti.epoch = true
	case strings.HasPrefix(tag, "test/") || strings.HasPrefix(tag, "test_"):
		ti.kind = KindPredict
	case strings.HasPrefix(tag, "train/") && isSummaryKey(tag[len("train/"):]):
		ti.kind = KindSummary
	case IsEval(Canonical(KindTrain, tag)):
		ti.kind = KindEval
	}
	return ti
}
