package trainlog

// The trainer-state format: Hugging Face Trainer's trainer_state.json.
//
// Observed grammar (Transformers 4.x and 5.x, TRL, LLaMA-Factory, written
// by json.dumps(asdict(state), indent=2, sort_keys=True)):
//
//	state   = "{" member { "," member } "}"            keys sorted, 2-space indent
//	member  = "best_global_step": int | null          (≈v4.52+)
//	        | "best_metric": number | null
//	        | "best_model_checkpoint": string | null  a path from the training machine
//	        | "epoch": number | null
//	        | "eval_steps" | "global_step" | "logging_steps" | "max_steps"
//	          | "num_train_epochs" | "save_steps" | "train_batch_size"
//	          | "num_input_tokens_seen": int | null   (all optional in old files)
//	        | "log_history": "[" [ entry { "," entry } ] "]"
//	        | "stateful_callbacks": { ClassName: {"args": {...}, "attributes": {...}} | [ ... ] }
//	        | "total_flos": number | other keys (ignored)
//	entry   = "{" key ":" value { "," key ":" value } "}"
//	value   = number | NaN | Infinity | -Infinity | null | string | object | array
//
// Each log_history entry is a logged dict plus "step". Entries with
// "loss" are training logs, entries with "eval_" keys evaluations, the
// one with "train_runtime" and "train_loss" the end-of-training summary,
// entries with "predict_" or "test_" keys predictions; anything else
// (GRPO entries with "reward" but no loss, PPO entries) counts as
// training. Strings, booleans, nested values and nulls in entries are
// skipped. Some trainers write predict entries without "step"; they get
// the step of the entry before them, marked as inferred.
//
// Every entry is cited as file#log_history[i] (Source.Array and Index), top-level
// fields as file#max_steps and so on. A syntax error stops the reading
// of the document (a JSON document cannot be resynchronised reliably);
// the entries before it are kept. A watcher must reopen the file, which
// the Trainer rewrites rather than appends to.

import (
	"bytes"
	"io"
	"path"
	"strconv"
	"strings"
)

func init() {
	Register(Format{
		Name:        "trainer-state",
		Description: "Hugging Face Trainer trainer_state.json (log_history)",
		Detect:      detectTrainerState,
		NewReader: func(name string, r io.Reader, _ Options) Reader {
			return newTrainerStateReader(name, r)
		},
	})
}

// detectTrainerState recognises a JSON object with a "log_history" array.
func detectTrainerState(name string, head []byte) int {
	h := jsonHead(head)
	if len(h) == 0 || h[0] != '{' {
		return 0
	}
	i := bytes.Index(h, []byte(`"log_history"`))
	if i < 0 {
		return 0
	}
	rest := bytes.TrimLeft(h[i+len(`"log_history"`):], " \t\r\n")
	if len(rest) > 0 && rest[0] != ':' {
		return 0
	}
	if len(rest) > 0 {
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	}
	if len(rest) > 0 && rest[0] != '[' {
		return 0
	}
	if path.Base(strings.ReplaceAll(name, "\\", "/")) == "trainer_state.json" {
		return 95
	}
	return 90
}

// Reader states of a trainerStateReader.
const (
	tsStart       = iota // before the top-level '{'
	tsKey                // expecting the first key or '}'
	tsAfterMember        // expecting ',' or '}'
	tsHistory            // inside log_history, expecting an entry or ']'
	tsAfterEntry         // inside log_history, expecting ',' or ']'
	tsEnd                // after the top-level '}'
	tsDone
)

// A trainerStateReader streams the records of a trainer_state.json.
type trainerStateReader struct {
	file       string
	lx         *jsonLexer
	state      int
	index      int // next log_history index
	sawHistory bool
	lastStep   int64 // step of the last entry, for entries without one
	pending    []Record
	next       int // index of the next pending record
	rec        Record
	slab       entrySlab
	values     []KV // the values of the entry being read
	// sink, when set, takes the records instead of pending (readAll);
	// split is set in a reader of a part of log_history, whose entries'
	// missing steps the reader of the whole fills in.
	sink  func(Record)
	split bool
	// chunkBytes, when set, replaces tsChunkBytes (tests).
	chunkBytes int
}

var _ Reader = (*trainerStateReader)(nil)

func newTrainerStateReader(name string, r io.Reader) *trainerStateReader {
	return &trainerStateReader{file: name, lx: newJSONLexer(r), lastStep: -1}
}

// Scan advances to the next record.
func (r *trainerStateReader) Scan() bool {
	for r.next >= len(r.pending) {
		if r.state == tsDone {
			r.rec = nil
			return false
		}
		r.pending, r.next = r.pending[:0], 0
		r.step()
	}
	r.rec = r.pending[r.next]
	r.pending[r.next] = nil
	r.next++
	return true
}

// Record returns the current record.
func (r *trainerStateReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *trainerStateReader) Err() error { return r.lx.ioErr }

// fail emits the lexer's syntax error, unless an I/O error caused it,
// and stops reading.
func (r *trainerStateReader) fail(context string) {
	r.state = tsDone
	if r.lx.ioErr != nil {
		return
	}
	r.emit(r.lx.syntaxError(r.file, context))
}

// step reads tokens until it has queued at least one record or reached a
// final state.
func (r *trainerStateReader) step() {
	lx := r.lx
	switch r.state {
	case tsStart:
		switch lx.next() {
		case jtObjectStart:
			r.state = tsKey
		case jtEOF:
			r.state = tsDone
			if lx.ioErr == nil {
				r.emit(&SyntaxError{File: r.file, Msg: "empty file: expected a trainer_state.json object", Err: ErrNoData})
			}
		default:
			lx.unexpected("'{' starting a trainer_state.json object")
			r.fail("")
		}
	case tsKey, tsAfterMember:
		r.member()
	case tsHistory, tsAfterEntry:
		r.historyElem()
	case tsEnd:
		r.state = tsDone
		if lx.next() != jtEOF {
			lx.unexpected("the end of the file after the trainer_state.json object")
			r.fail("")
			return
		}
		if !r.sawHistory && lx.ioErr == nil {
			r.emit(&SyntaxError{File: r.file, Line: 1, Msg: "no \"log_history\" array: not a trainer_state.json", Err: ErrNoData})
		}
	}
}

// member reads one top-level member (or the end of the object).
func (r *trainerStateReader) member() {
	lx := r.lx
	t := lx.next()
	if r.state == tsAfterMember {
		switch t {
		case jtComma:
			t = lx.next()
		case jtObjectEnd:
			r.state = tsEnd
			return
		default:
			lx.unexpected("',' or '}' after a top-level member")
			r.fail("")
			return
		}
	} else if t == jtObjectEnd {
		r.state = tsEnd
		return
	}
	if t != jtString {
		lx.unexpected("a string key")
		r.fail("")
		return
	}
	m := jsonMember{Key: lx.key(), Line: lx.tokLine}
	if lx.next() != jtColon {
		lx.unexpected("':' after key " + strconv.Quote(m.Key))
		r.fail("")
		return
	}
	r.state = tsAfterMember
	if m.Key == "log_history" {
		if lx.next() != jtArrayStart {
			lx.unexpected("'[' starting the log_history array")
			r.fail("")
			return
		}
		r.sawHistory = true
		r.state = tsHistory
		return
	}
	if !lx.readMemberValue(&m, 3) {
		r.fail("in the value of " + strconv.Quote(m.Key))
		return
	}
	r.topLevel(m)
}

// historyElem reads one log_history element (or the end of the array).
func (r *trainerStateReader) historyElem() {
	lx := r.lx
	t := lx.next()
	if r.state == tsAfterEntry {
		switch t {
		case jtComma:
			t = lx.next()
		case jtArrayEnd:
			r.state = tsAfterMember
			return
		default:
			lx.unexpected("',' or ']' after log_history[" + strconv.Itoa(r.index-1) + "]")
			r.fail("")
			return
		}
	} else if t == jtArrayEnd {
		r.state = tsAfterMember
		return
	}
	i := r.index
	r.index++
	r.state = tsAfterEntry
	if t != jtObjectStart {
		if !lx.skipValue() {
			r.fail("in log_history[" + strconv.Itoa(i) + "]")
			return
		}
		r.emit(&SyntaxError{File: r.file, Line: lx.tokLine, Msg: "log_history[" + strconv.Itoa(i) + "]: expected an object, found " + t.String()})
		return
	}
	e, ok := r.entry(i)
	if !ok {
		r.fail("in log_history[" + strconv.Itoa(i) + "]")
		return
	}
	r.emit(e)
}

// emit queues a record, filling in the step of an entry that has none:
// predict entries written by some trainers have none, and belong to the
// step of the entry before them.
func (r *trainerStateReader) emit(rec Record) {
	if e, ok := rec.(*Entry); ok && !r.split {
		if e.Step < 0 && r.lastStep >= 0 {
			e.Step, e.StepInferred = r.lastStep, true
		}
		r.lastStep = e.Step
	}
	if r.sink != nil {
		r.sink(rec)
		return
	}
	r.pending = append(r.pending, rec)
}

// entry reads the log_history entry at index i, whose '{' was just read.
func (r *trainerStateReader) entry(i int) (*Entry, bool) {
	lx := r.lx
	e := r.slab.entry(KindUnknown, ElemSource(r.file, LogHistory, i))
	r.values = r.values[:0]
	var cls hfKeyClass
	badSaid := false
	for first := true; ; first = false {
		t := lx.next()
		if first && t == jtObjectEnd {
			break
		}
		if t != jtString {
			lx.unexpected("a string key")
			return nil, false
		}
		key := lx.key()
		if lx.next() != jtColon {
			lx.unexpected("':' after key " + strconv.Quote(key))
			return nil, false
		}
		cls.add(key)
		switch t := lx.next(); t {
		case jtNumber:
			switch key {
			case "step":
				if n, ok := jsonInt(lx.num); ok && n >= 0 {
					e.Step = n
				} else if !badSaid {
					// Not a step: said (once per entry), never silently
					// replaced.
					badSaid = true
					r.emit(badStep(e.Source, lx.num))
				}
			case "epoch":
				e.Epoch = lx.num
			default:
				r.values = append(r.values, KV{Key: key, Value: lx.num, Digits: DigitsFloat64})
			}
		case jtString, jtTrue, jtFalse, jtNull:
		default:
			if !t.isValue() {
				lx.unexpected("a value for key " + strconv.Quote(key))
				return nil, false
			}
			if !lx.skipValue() {
				return nil, false
			}
		}
		switch lx.next() {
		case jtComma:
		case jtObjectEnd:
			r.finishEntry(e, &cls)
			return e, true
		default:
			lx.unexpected("',' or '}' after the value of " + strconv.Quote(key))
			return nil, false
		}
	}
	r.finishEntry(e, &cls)
	return e, true
}

// finishEntry classifies e and takes its values.
func (r *trainerStateReader) finishEntry(e *Entry, cls *hfKeyClass) {
	e.Kind = cls.kind()
	e.Values = r.slab.values(r.values)
}

// hfKeyClass collects the key facts that classify a Trainer log dict.
type hfKeyClass struct {
	loss, eval, predict, trainRuntime, trainLoss bool
}

func (c *hfKeyClass) add(key string) {
	switch {
	case key == "loss":
		c.loss = true
	case key == "train_runtime":
		c.trainRuntime = true
	case key == "train_loss":
		c.trainLoss = true
	case strings.HasPrefix(key, "eval_"):
		c.eval = true
	case strings.HasPrefix(key, "predict_") || strings.HasPrefix(key, "test_"):
		c.predict = true
	}
}

// kind classifies the dict the way the Trainer's callbacks do.
func (c *hfKeyClass) kind() Kind {
	switch {
	case c.loss:
		return KindTrain
	case c.eval:
		return KindEval
	case c.trainRuntime && c.trainLoss:
		return KindSummary
	case c.predict:
		return KindPredict
	}
	return KindTrain
}

// trainerStateGeometry maps top-level fields onto geometry keys.
var trainerStateGeometry = map[string]string{
	"max_steps":        GeoMaxSteps,
	"num_train_epochs": GeoEpochs,
	"logging_steps":    GeoLoggingSteps,
	"eval_steps":       GeoEvalSteps,
	"save_steps":       GeoSaveSteps,
	"global_step":      GeoGlobalStep,
	"train_batch_size": GeoBatchPerDevice,
}

// topLevel emits the records for one top-level member other than
// log_history.
func (r *trainerStateReader) topLevel(m jsonMember) {
	src := Source{File: r.file, Frag: m.Key}
	if geo, ok := trainerStateGeometry[m.Key]; ok {
		if m.Kind == jtNumber {
			r.emit(&Meta{Geometry: &Value{Key: geo, Value: m.Num, Digits: DigitsFloat64, Source: src}})
		}
		return
	}
	switch m.Key {
	case "best_model_checkpoint":
		if m.Kind == jtString && m.Str != "" {
			r.emit(&Meta{Info: &Text{Key: InfoBestCheckpoint, Value: m.Str, Source: src}})
		}
	case "best_global_step":
		if n, ok := jsonInt(m.Num); ok && m.Kind == jtNumber {
			r.emit(&Meta{Info: &Text{Key: InfoBestStep, Value: strconv.FormatInt(n, 10), Source: src}})
		}
	case "best_metric":
		if m.Kind == jtNumber {
			r.emit(&Meta{Summary: &Value{Key: "best_metric", Value: m.Num, Digits: DigitsFloat64, Source: src}})
		}
	case "stateful_callbacks":
		r.callbacks(m.Sub)
	}
}

// callbacks emits the facts of stateful_callbacks: whether the trainer
// meant to stop, and the early-stopping settings.
func (r *trainerStateReader) callbacks(classes []jsonMember) {
	for _, c := range classes {
		args, attrs := jsonSub(c.Sub, "args"), jsonSub(c.Sub, "attributes")
		switch c.Key {
		case "TrainerControl":
			for _, a := range args {
				if a.Key == "should_training_stop" && (a.Kind == jtTrue || a.Kind == jtFalse) {
					r.emit(&Meta{Info: &Text{
						Key:    InfoTrainingStopped,
						Value:  strconv.FormatBool(a.Kind == jtTrue),
						Source: Source{File: r.file, Frag: "stateful_callbacks.TrainerControl.args.should_training_stop"},
					}})
				}
			}
		case "EarlyStoppingCallback":
			var parts []string
			for _, a := range append(append([]jsonMember(nil), args...), attrs...) {
				if a.Kind == jtNumber {
					parts = append(parts, a.Key+"="+strconv.FormatFloat(a.Num, 'g', -1, 64))
				}
			}
			if len(parts) > 0 {
				r.emit(&Meta{Info: &Text{
					Key:    InfoEarlyStopping,
					Value:  strings.Join(parts, ", "),
					Source: Source{File: r.file, Frag: "stateful_callbacks.EarlyStoppingCallback"},
				}})
			}
		}
	}
}

// InfoEarlyStopping is the Info key of the EarlyStoppingCallback
// settings found in a trainer_state.json, such as
// "early_stopping_patience=4, early_stopping_threshold=0,
// early_stopping_patience_counter=0".
const InfoEarlyStopping = "early_stopping"

// jsonSub returns the members of the nested object under key.
func jsonSub(ms []jsonMember, key string) []jsonMember {
	for _, m := range ms {
		if m.Key == key {
			return m.Sub
		}
	}
	return nil
}
