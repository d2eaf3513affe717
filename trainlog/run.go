package trainlog

import (
	"math"
	"sort"
	"strconv"
)

// A Source says where one value was read: a file and a line for text
// formats, or a file and a location inside it for structured ones (an
// element of an array, such as log_history[12], or a named fragment, such
// as max_steps). The zero Source means "unknown".
//
// An element is stored as an Array and an Index rather than as text, so
// that a million points cost no strings; String formats it when a
// citation is rendered.
type Source struct {
	// File is the path as given to Open or found under the run
	// directory, relative to the argument the user passed.
	File string
	// Line is the 1-based line number (counting '\n' only, as grep -n
	// does), or 0 when the format has no lines.
	Line int
	// Frag is a named location inside a structured file, such as
	// "max_steps", used when Line is 0 and Array is NoArray.
	Frag string
	// Array, when not NoArray, says the value is element Index (0-based)
	// of that array of the file: "file#log_history[12]".
	Array Array
	Index int32
}

// An Array names an array of a structured file whose elements are cited
// by their 0-based index.
type Array uint8

// Arrays whose elements readers cite.
const (
	NoArray    Array = iota
	LogHistory       // the log_history entries of a trainer_state.json
	TFRecord         // the records of a TensorBoard event file
)

var arrayNames = [...]string{"", "log_history", "record"}

// String returns the array's name as cited, such as "log_history".
func (a Array) String() string {
	if int(a) < len(arrayNames) {
		return arrayNames[a]
	}
	return "array?"
}

// ElemSource returns the source of element i of array a of file. An index
// too large for Source.Index is written out in Frag instead.
func ElemSource(file string, a Array, i int) Source {
	if i < 0 || i > math.MaxInt32 {
		return Source{File: file, Frag: a.String() + "[" + strconv.Itoa(i) + "]"}
	}
	return Source{File: file, Array: a, Index: int32(i)}
}

// String formats s as "file:line", "file#array[i]" or "file#frag".
func (s Source) String() string {
	switch {
	case s.File == "":
		return ""
	case s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.Array != NoArray, s.Frag != "":
		var b [64]byte
		return s.File + "#" + string(s.appendFragment(b[:0]))
	}
	return s.File
}

// Fragment returns the location inside a structured file without the
// file name, such as "log_history[12]" or "max_steps", or "" for none.
func (s Source) Fragment() string {
	if s.Array == NoArray {
		return s.Frag
	}
	var b [64]byte
	return string(s.appendFragment(b[:0]))
}

func (s Source) appendFragment(b []byte) []byte {
	if s.Array == NoArray {
		return append(b, s.Frag...)
	}
	b = append(b, s.Array.String()...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(s.Index), 10)
	return append(b, ']')
}

// IsZero reports whether s is the unknown source.
func (s Source) IsZero() bool { return s == Source{} }

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
// step.
type Series struct {
	// Name is the canonical name (see Canonical), such as "loss",
	// "eval_loss" or "learning_rate".
	Name string
	// Keys are the names as logged (e.g. "train/loss", "loss"), in the
	// order first seen.
	Keys   []string
	Points []Point
}

// Len returns the number of points.
func (s *Series) Len() int {
	if s == nil {
		return 0
	}
	return len(s.Points)
}

// At returns the point at step, if any.
func (s *Series) At(step int64) (Point, bool) {
	if s == nil {
		return Point{}, false
	}
	i := sort.Search(len(s.Points), func(i int) bool { return s.Points[i].Step >= step })
	if i < len(s.Points) && s.Points[i].Step == step {
		return s.Points[i], true
	}
	return Point{}, false
}

// Nearest returns the point whose step is closest to step (ties go to the
// earlier one). It reports false for an empty series.
func (s *Series) Nearest(step int64) (Point, bool) {
	if s.Len() == 0 {
		return Point{}, false
	}
	i := sort.Search(len(s.Points), func(i int) bool { return s.Points[i].Step >= step })
	switch {
	case i == len(s.Points):
		return s.Points[i-1], true
	case i == 0:
		return s.Points[0], true
	}
	if step-s.Points[i-1].Step <= s.Points[i].Step-step {
		return s.Points[i-1], true
	}
	return s.Points[i], true
}

// Steps returns the steps of s.
func (s *Series) Steps() []int64 {
	out := make([]int64, len(s.Points))
	for i, p := range s.Points {
		out[i] = p.Step
	}
	return out
}

// Values returns the values of s.
func (s *Series) Values() []float64 {
	out := make([]float64, len(s.Points))
	for i, p := range s.Points {
		out[i] = p.Value
	}
	return out
}

// A Value is a single number with its source, such as the end-of-training
// train_loss or a run-geometry field.
type Value struct {
	Key    string // the name as logged
	Value  float64
	Digits int
	Source Source
}

// A Text is a string-valued fact with its source, such as a library
// version or a checkpoint path.
type Text struct {
	Key    string
	Value  string
	Source Source
}

// EventKind names the kind of an Event.
type EventKind string

// Event kinds recorded by readers and Collect.
const (
	EventRestart      EventKind = "restart"      // steps went backwards: a resumed run
	EventCrash        EventKind = "crash"        // a traceback or an interrupt
	EventDisagreement EventKind = "disagreement" // two sources differ beyond rounding
	EventDuplicate    EventKind = "duplicate"    // identical records collapsed (multi-rank)
	EventSkippedStep  EventKind = "skipped-step" // e.g. DeepSpeed OVERFLOW, fp16 scaler skip
	EventNote         EventKind = "note"         // anything else worth showing
)

// An Event is something that happened in the run or its logs.
type Event struct {
	Kind    EventKind
	Step    int64 // -1 when unknown
	Message string
	Sources []Source
}

// A Checkpoint is a checkpoint-N directory (or a final/adapter directory)
// found on disk.
type Checkpoint struct {
	Step int64 // -1 for a final directory without a step
	// Path is relative to the argument the user passed.
	Path string
	// Kind is "checkpoint", "final" or "adapter".
	Kind string
	// HasState reports whether the directory holds a trainer_state.json.
	HasState bool
	// Adapter reports a PEFT adapter (adapter_config.json present).
	Adapter bool
}

// A File describes one input file and what was done with it.
type File struct {
	Path string // relative to the argument
	// Disk is the path the file was read from, for telling whether a
	// path plateau is asked to write is one of its inputs; "" for
	// standard input and for files no format recognised.
	Disk string
	// Problem is set when the file exists but could not be read (no
	// permission, an I/O error): an input problem, also in Run.Warnings.
	Problem bool
	Format  string // a Format name, or "" when not recognised
	Used    bool
	Reason  string // why it was ignored, or a note on how it was used
	Records int    // entries read
	Errors  int    // syntax errors met
}

// A Run is everything known about one training run: its series, summary
// values, geometry, checkpoints and events. It is plain data.
type Run struct {
	// Name is the run's name, usually the directory's base name.
	Name string
	// Root is the argument the run was read from.
	Root   string
	Files  []File
	Series map[string]*Series
	// Summary holds end-of-training values (train_runtime, train_loss,
	// train_samples_per_second, ...) keyed by canonical name.
	Summary map[string]Value
	// Geometry holds run-shape numbers keyed by the Geo* names.
	Geometry map[string]Value
	// Info holds string facts (library versions, best_model_checkpoint,
	// trainer family hints) keyed by name.
	Info        map[string]Text
	Checkpoints []Checkpoint
	Events      []Event
	// Warnings are the non-fatal problems met while reading, most of them
	// *SyntaxError values.
	Warnings []error
}

// NewRun returns an empty run with its maps allocated.
func NewRun(name string) *Run {
	return &Run{
		Name:     name,
		Series:   map[string]*Series{},
		Summary:  map[string]Value{},
		Geometry: map[string]Value{},
		Info:     map[string]Text{},
	}
}

// Get returns the named series or nil.
func (r *Run) Get(name string) *Series {
	if r == nil {
		return nil
	}
	return r.Series[name]
}

// SeriesNames returns the series names in sorted order.
func (r *Run) SeriesNames() []string {
	names := make([]string, 0, len(r.Series))
	for n := range r.Series {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Geometry keys. Readers store what they find under these names.
const (
	GeoExamples        = "num_examples"
	GeoEpochs          = "num_train_epochs"
	GeoBatchPerDevice  = "per_device_train_batch_size"
	GeoTotalBatch      = "total_train_batch_size"
	GeoGradAccum       = "gradient_accumulation_steps"
	GeoWorldSize       = "world_size"
	GeoMaxSteps        = "max_steps"
	GeoStepsPerEpoch   = "steps_per_epoch"
	GeoTrainableParams = "trainable_params"
	GeoTotalParams     = "total_params"
	GeoLoggingSteps    = "logging_steps"
	GeoEvalSteps       = "eval_steps"
	GeoSaveSteps       = "save_steps"
	GeoGlobalStep      = "global_step"
	GeoResumedFrom     = "resumed_from_step"
)

// Info keys.
const (
	InfoLibrary         = "library"               // e.g. "transformers 5.17.0"
	InfoBestCheckpoint  = "best_model_checkpoint" // as written by the trainer
	InfoBestStep        = "best_global_step"
	InfoTrainingStopped = "should_training_stop" // "true" when the trainer finished
	InfoFamily          = "family"               // sft, dpo, grpo, ... when a reader knows
	InfoProgress        = "progress"             // last training progress bar, e.g. "750/750 [01:05<00:00, 11.53it/s]"
	InfoFinalMessage    = "final_message"
)
