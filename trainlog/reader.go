package trainlog

import "math"

// Kind classifies a logged entry.
type Kind int

// Entry kinds, following how the Hugging Face Trainer classifies its log
// dicts: a dict with "loss" is a training log, one with an "eval_" key an
// evaluation, one with train_runtime and train_loss the end-of-training
// summary, one with "test_" or "predict_" keys a prediction.
const (
	KindUnknown Kind = iota
	KindTrain
	KindEval
	KindSummary
	KindPredict
)

var kindNames = [...]string{"unknown", "train", "eval", "summary", "predict"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// A KV is one key and value of an entry, the key exactly as logged.
type KV struct {
	Key   string
	Value float64
	// Digits is the precision as written; see DigitsFloat64.
	Digits int
}

// An Entry is one logged record: a printed dict, a log_history element, a
// JSON line, a CSV row, or the scalars of one TensorBoard event.
type Entry struct {
	Kind Kind
	// Step is the global step, or -1 when the format did not say and the
	// reader could not infer it.
	Step int64
	// StepInferred is set when Step was inferred rather than read.
	StepInferred bool
	// StepBy says what fixed Step (StepRead when it was written next to
	// the values), and StepEstimated whether the evidence left it
	// uncertain (see stepalign.go).
	StepBy        StepEvidence
	StepEstimated bool
	// Epoch is the fractional epoch or NaN.
	Epoch float64
	// Time is wall-clock or elapsed seconds or NaN.
	Time float64
	// Values are the numeric fields other than step and epoch, keys as
	// logged, in logged order.
	Values []KV
	// Source is the entry's location.
	Source Source
	// Origin tags entries of the same file that came from a different
	// printer, such as "callback" for a user callback line in a console
	// log. Entries with different origins are merged like separate files.
	Origin string
}

// NewEntry returns an entry with unknown step, epoch and time.
func NewEntry(kind Kind, src Source) *Entry {
	return &Entry{Kind: kind, Step: -1, Epoch: math.NaN(), Time: math.NaN(), Source: src}
}

// Get returns the value of key, if present.
func (e *Entry) Get(key string) (float64, bool) {
	for _, kv := range e.Values {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return 0, false
}

// A Meta record carries a fact about the run that is not a per-step
// value: geometry (Geo* keys), information (Info* keys), a summary-only
// value, a checkpoint or an event. Exactly one of its pointer fields is
// set.
type Meta struct {
	Geometry *Value // stored in Run.Geometry under Value.Key
	Summary  *Value // stored in Run.Summary under Canonical(Value.Key)
	Info     *Text  // stored in Run.Info under Text.Key
	Event    *Event
}

// A Record is what a Reader yields: an *Entry, a *Meta, or a
// *SyntaxError describing a line that could not be read. Syntax errors
// are not fatal; reading goes on after them.
type Record interface{ isRecord() }

func (*Entry) isRecord()       {}
func (*Meta) isRecord()        {}
func (*SyntaxError) isRecord() {}

// A Reader streams the records of one input file. It follows the
// bufio.Scanner pattern:
//
//	for r.Scan() {
//		switch rec := r.Record().(type) { ... }
//	}
//	if err := r.Err(); err != nil { ... }
//
// Scan returns false at the end of input or on an I/O error, which Err
// then reports. A Reader never returns a record that was already
// returned, so a watcher may keep calling Scan after more bytes were
// appended to a file it reads incrementally.
type Reader interface {
	Scan() bool
	Record() Record
	Err() error
}
