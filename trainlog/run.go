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
	// EventNewRun: a log holds a new training run from step 0 after
	// another (appended logs, train() called twice, a hyperparameter
	// search); the Collector keeps only the last run of the file.
	EventNewRun EventKind = "new-run"
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
	InfoProgress        = "progress"             // last training progress bar, e.g. "750/750 [01:05<00:00, 11.53it/s]"
	InfoFinalMessage    = "final_message"

	// What a log shows of the kind of training (analysis weighs them
	// into the trainer family, with metric keys and loss levels):
	InfoTrainerClass = "trainer_class" // a trainer class the log names: "DPOTrainer", "PairwiseTrainer"
	InfoStage        = "stage"         // a framework's stage setting: LLaMA-Factory "pt", "sft", "rm"; Axolotl rl "dpo"
	InfoModelClass   = "model_class"   // the model's class: "Qwen2ForSequenceClassification" (config.json architectures, a printed class)
	InfoNumLabels    = "num_labels"    // labels of a classification head
	InfoTaskType     = "task_type"     // a PEFT adapter's task_type: "CAUSAL_LM", "SEQ_CLS"
	InfoDataPrep     = "data_prep"     // "group_texts": texts concatenated into fixed blocks (run_clm.py)
	InfoOutputDir    = "output_dir"    // TrainingArguments.output_dir as recorded
	InfoRunName      = "run_name"      // TrainingArguments.run_name or a tracker's run name as recorded
)
