package trainlog

// The hf-results format: the metrics files of Trainer.save_metrics.
//
// Observed grammar (json.dump(metrics, indent=4, sort_keys=True), rank 0
// only):
//
//	file   = "{" key ":" number { "," key ":" number } "}"
//	number = JSON number | NaN | Infinity | -Infinity
//
// train_results.json holds the end-of-training dict without "step"
// (epoch, total_flos, train_loss, train_runtime,
// train_samples_per_second, train_steps_per_second, sometimes
// train_samples, num_input_tokens_seen, train_tokens_per_second,
// effective_tokens_per_sec); eval_results.json the eval_* metrics and
// epoch (LLaMA-Factory's PT stage adds eval_perplexity, Infinity on
// overflow; run_clm adds eval_samples and perplexity);
// predict_results.json predict_* metrics; all_results.json the union of
// the splits saved so far.
//
// Every number becomes a Summary value with its key as written (eval_*,
// test_* and predict_* too, so the analysis can compare eval with test),
// cited as file#key. train_samples also gives the number of examples.
// Nested values and strings are skipped.

import (
	"io"
	"path"
	"strings"
)

func init() {
	Register(Format{
		Name:        "hf-results",
		Description: "Hugging Face *_results.json (Trainer.save_metrics)",
		Detect:      detectResults,
		NewReader: func(name string, r io.Reader, _ Options) Reader {
			return newJSONDocReader(name, r, "a *_results.json object", resultsRecords)
		},
	})
}

// isResultsKey reports keys that Trainer.save_metrics writes.
func isResultsKey(k string) bool {
	switch k {
	case "train_runtime", "train_loss", "train_samples_per_second", "train_steps_per_second", "total_flos":
		return true
	}
	return strings.HasPrefix(k, "eval_") || strings.HasPrefix(k, "predict_") || strings.HasPrefix(k, "test_")
}

// detectResults recognises a flat JSON object of numbers with at least
// one key that Trainer.save_metrics writes.
func detectResults(name string, head []byte) int {
	ms, complete := jsonTopKeys(head)
	if !complete || len(ms) == 0 {
		return 0
	}
	found := false
	for _, m := range ms {
		switch m.Kind {
		case jtObjectStart, jtArrayStart:
			return 0
		case jtNumber:
			found = found || isResultsKey(m.Key)
		}
		if strings.HasPrefix(m.Key, "_") || m.Key == "log_history" {
			return 0
		}
	}
	if !found {
		return 0
	}
	if strings.HasSuffix(path.Base(strings.ReplaceAll(name, "\\", "/")), "_results.json") {
		return 85
	}
	return 80
}

// resultsRecords converts the members of a *_results.json file.
func resultsRecords(file string, ms []jsonMember, emit func(Record)) {
	for _, m := range ms {
		if m.Kind != jtNumber {
			continue
		}
		src := Source{File: file, Frag: m.Key}
		emit(&Meta{Summary: &Value{Key: m.Key, Value: m.Num, Digits: DigitsFloat64, Source: src}})
		if m.Key == "train_samples" {
			emit(&Meta{Geometry: &Value{Key: GeoExamples, Value: m.Num, Digits: DigitsFloat64, Source: src}})
		}
	}
}

// A jsonDocReader reads a file holding one JSON object and converts its
// top-level members into records, for formats whose records are few.
type jsonDocReader struct {
	file    string
	what    string // what the object should be, for messages
	lx      *jsonLexer
	convert func(file string, ms []jsonMember, emit func(Record))
	read    bool
	pending []Record
	next    int
	rec     Record
}

var _ Reader = (*jsonDocReader)(nil)

func newJSONDocReader(name string, r io.Reader, what string, convert func(string, []jsonMember, func(Record))) *jsonDocReader {
	return &jsonDocReader{file: name, what: what, lx: newJSONLexer(r), convert: convert}
}

// Scan advances to the next record.
func (r *jsonDocReader) Scan() bool {
	if !r.read {
		r.read = true
		r.readAll()
	}
	if r.next >= len(r.pending) {
		r.rec = nil
		return false
	}
	r.rec = r.pending[r.next]
	r.next++
	return true
}

// Record returns the current record.
func (r *jsonDocReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *jsonDocReader) Err() error { return r.lx.ioErr }

func (r *jsonDocReader) emit(rec Record) { r.pending = append(r.pending, rec) }

// readAll reads the object. The members read before a syntax error are
// still converted.
func (r *jsonDocReader) readAll() {
	lx := r.lx
	switch lx.next() {
	case jtObjectStart:
	case jtEOF:
		if lx.ioErr == nil {
			r.emit(&SyntaxError{File: r.file, Msg: "empty file: expected " + r.what, Err: ErrNoData})
		}
		return
	default:
		lx.unexpected("'{' starting " + r.what)
		r.emit(lx.syntaxError(r.file, ""))
		return
	}
	ms, ok := lx.readObject(0)
	r.convert(r.file, ms, r.emit)
	if ok && lx.next() != jtEOF {
		lx.unexpected("the end of the file after the JSON object")
		ok = false
	}
	if !ok && lx.ioErr == nil {
		r.emit(lx.syntaxError(r.file, ""))
	}
}
