package trainlog

// The llamafactory-jsonl and jsonl formats: one JSON object per line.
//
// LLaMA-Factory's trainer_log.jsonl (LogCallback.on_log, one line per
// Trainer log call, appended, rank 0 only) has this observed grammar:
//
//	line     = "{" "current_steps": int, "total_steps": int, metric*, "epoch": number,
//	           "percentage": number, "elapsed_time": duration, "remaining_time": duration
//	           [, "throughput": number, "total_tokens": int] [, "vram_allocated": number, ...] "}"
//	metric   = "loss" | "lr" | "learning_rate" (before Nov 2024) | "eval_loss"
//	           | "predict_loss" | "reward" | "accuracy" : number | NaN | null
//	duration = Python str(timedelta): "0:09:01", "1 day, 2:03:04"
//
// Eval lines repeat the step of the preceding train line and carry
// eval_loss; the final line of a run has no metric and percentage 100
// (it gives the global step); eval-only runs write progress lines with
// no metric at all. Files from 2023 write every key, nulls included. A
// resumed run appends, so steps go back and elapsed_time restarts: the
// lines are emitted in file order and Collect records the restart.
//
// The generic jsonl format takes any file of JSON objects, one per line,
// such as W&B's pre-0.10 wandb-history.jsonl:
//
//	{"_step": 3, "_runtime": 41.2, "_timestamp": 1.6e9, "train/loss": 2.1, "train/global_step": 30}
//
// The step is the column named by Options.StepColumn, else the first of
// train/global_step, global_step, step, iteration, iter, _step present;
// "_runtime" gives the time and "epoch" or "train/epoch" the epoch. The
// metrics are the columns of Options.Metrics, else every numeric field
// whose key does not start with "_", keys as logged. Nested values and
// strings are skipped. ms-swift's logging.jsonl (the console's dicts as
// JSON) states its step only as a string, "global_step/max_steps":
// "12/300": where no numeric step column is present that string gives
// the step, and its denominator the planned steps.
//
// Every entry is cited as file:line. A line that is not valid JSON is a
// *SyntaxError and reading goes on; a last line cut short without a
// newline is a *SyntaxError whose cause is ErrTruncated.

import (
	"bytes"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
)

func init() {
	Register(Format{
		Name:        "llamafactory-jsonl",
		Description: "LLaMA-Factory trainer_log.jsonl",
		Detect:      detectLlamaFactoryJSONL,
		NewReader: func(name string, r io.Reader, _ Options) Reader {
			return newJSONLReader(name, r, lfLineFunc(&lfState{}))
		},
	})
	Register(Format{
		Name:        "jsonl",
		Description: "JSON lines with a step column (also W&B wandb-history.jsonl); see --step and --metric",
		Detect:      detectJSONL,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			g := &genericJSONL{opts: opts}
			return newJSONLReader(name, r, g.line)
		},
	})
}

// jsonlHeadLines returns the members of the JSON objects on the first
// lines of head (up to max lines), stopping at the first line that is
// not a complete object. A last line without a newline counts only when
// head is shorter than SniffSize, that is, the whole file.
func jsonlHeadLines(head []byte, max int) [][]jsonMember {
	head = jsonHead(head)
	var out [][]jsonMember
	for len(head) > 0 && len(out) < max {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			if len(head) >= SniffSize {
				break
			}
			line, head = head, nil
		} else {
			line, head = head[:i], head[i+1:]
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			break
		}
		ms, ok := jsonTopKeys(line)
		if !ok {
			break
		}
		out = append(out, ms)
	}
	return out
}

func hasMember(ms []jsonMember, key string) bool {
	for _, m := range ms {
		if m.Key == key {
			return true
		}
	}
	return false
}

// detectLlamaFactoryJSONL recognises lines with current_steps and
// total_steps.
func detectLlamaFactoryJSONL(name string, head []byte) int {
	lines := jsonlHeadLines(head, 1)
	if len(lines) == 0 || !hasMember(lines[0], "current_steps") || !hasMember(lines[0], "total_steps") {
		return 0
	}
	if path.Base(strings.ReplaceAll(name, "\\", "/")) == "trainer_log.jsonl" {
		return 95
	}
	return 90
}

// jsonlStepKeys are the columns taken as the step, in order of preference.
var jsonlStepKeys = []string{"train/global_step", "global_step", "step", "iteration", "iter", "_step"}

// swiftStepKey is ms-swift's step member, a string "step/max_steps".
const swiftStepKey = "global_step/max_steps"

// swiftStep parses ms-swift's "12/300" into the step and the planned
// steps. It reports false for anything else, or a step beyond the
// planned ones' range of whole numbers.
func swiftStep(s string) (step, maxSteps int64, ok bool) {
	a, b, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	n, err1 := strconv.ParseInt(a, 10, 64)
	m, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || n < 0 || m < 0 || n > 1<<53 || m > 1<<53 {
		return 0, 0, false
	}
	return n, m, true
}

// detectJSONL recognises JSON objects one per line, with less confidence
// than the specific JSON formats.
func detectJSONL(name string, head []byte) int {
	lines := jsonlHeadLines(head, 3)
	if len(lines) == 0 {
		return 0
	}
	first := lines[0]
	if hasMember(first, "_wandb") || hasMember(first, "log_history") {
		return 0
	}
	numeric := false
	for _, m := range first {
		numeric = numeric || m.Kind == jtNumber
	}
	if !numeric {
		return 0
	}
	for _, k := range jsonlStepKeys {
		if hasMember(first, k) {
			return 40
		}
	}
	if hasMember(first, swiftStepKey) {
		return 40
	}
	if len(lines) >= 2 {
		return 20
	}
	if strings.HasSuffix(name, ".jsonl") {
		return 15
	}
	return 0
}

// A jsonlLineFunc turns the members of one line into records.
type jsonlLineFunc func(ms []jsonMember, src Source, emit func(Record))

// A jsonlReader splits its input into lines and parses each as a JSON
// object. It can be scanned again after more bytes were appended.
type jsonlReader struct {
	file   string
	r      io.Reader
	buf    []byte
	start  int // first unread byte of buf
	line   int // number of the line starting at buf[start]
	eof    bool
	ioErr  error
	lx     *jsonLexer
	toRecs jsonlLineFunc
	// truncReported is the length of the unterminated last line already
	// reported as truncated, or -1.
	truncReported int
	pending       []Record
	next          int
	rec           Record
}

var _ Reader = (*jsonlReader)(nil)

func newJSONLReader(name string, r io.Reader, f jsonlLineFunc) *jsonlReader {
	return &jsonlReader{file: name, r: r, buf: make([]byte, 0, 64<<10), line: 1, lx: newJSONBytesLexer(nil, 1), toRecs: f, truncReported: -1}
}

// Scan advances to the next record.
func (r *jsonlReader) Scan() bool {
	r.eof = false // the file may have grown since the last call
	for r.next >= len(r.pending) {
		r.pending, r.next = r.pending[:0], 0
		if !r.readLine() {
			r.rec = nil
			return false
		}
	}
	r.rec = r.pending[r.next]
	r.pending[r.next] = nil
	r.next++
	return true
}

// Record returns the current record.
func (r *jsonlReader) Record() Record { return r.rec }

// Err returns the I/O error that stopped reading, if any.
func (r *jsonlReader) Err() error { return r.ioErr }

func (r *jsonlReader) emit(rec Record) { r.pending = append(r.pending, rec) }

// fill reads more input after compacting buf. It reports false when
// nothing more could be read.
func (r *jsonlReader) fill() bool {
	if r.eof || r.ioErr != nil {
		return false
	}
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:])
		r.buf, r.start = r.buf[:n], 0
	}
	if len(r.buf) == cap(r.buf) {
		nb := make([]byte, len(r.buf), 2*cap(r.buf))
		copy(nb, r.buf)
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.ioErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.ioErr = io.ErrNoProgress
	return false
}

// readLine handles the next line, queueing its records. It reports false
// when no complete line is left.
func (r *jsonlReader) readLine() bool {
	for {
		if i := bytes.IndexByte(r.buf[r.start:], '\n'); i >= 0 {
			line := r.buf[r.start : r.start+i]
			r.start += i + 1
			r.line++
			r.truncReported = -1
			r.parse(line, r.line-1, false)
			return true
		}
		if !r.fill() {
			break
		}
	}
	rest := r.buf[r.start:]
	if r.ioErr != nil || len(bytes.TrimSpace(rest)) == 0 || r.truncReported == len(rest) {
		return false
	}
	// An unterminated last line: take it if it parses, else report it
	// once and keep it, in case the writer completes it later.
	if r.parse(rest, r.line, true) {
		r.start = len(r.buf)
		r.line++
		r.truncReported = -1
	} else {
		r.truncReported = len(rest)
	}
	return true
}

// parse turns one line into records. It reports whether the line was
// valid JSON; an invalid last line (last) is reported as truncated.
func (r *jsonlReader) parse(line []byte, n int, last bool) bool {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return true
	}
	lx := r.lx
	lx.reset(line, n)
	if t := lx.next(); t != jtObjectStart {
		lx.unexpected("'{' starting a JSON object")
		r.emit(r.lineError(last))
		return false
	}
	ms, ok := lx.readObject(0)
	if ok && lx.next() != jtEOF {
		lx.unexpected("the end of the line after the JSON object")
		ok = false
	}
	if !ok {
		r.emit(r.lineError(last))
		return false
	}
	r.toRecs(ms, Source{File: r.file, Line: n}, r.emit)
	return true
}

func (r *jsonlReader) lineError(last bool) *SyntaxError {
	e := r.lx.syntaxError(r.file, "")
	if last {
		e.Err = ErrTruncated
		e.Msg += " (the last line is incomplete: the file was cut while being written)"
	} else if e.Err != nil {
		// Inside a terminated line, running out of input means a line
		// cut in half, not a truncated file.
		e.Err = nil
		e.Msg = strings.Replace(e.Msg, " (the file is truncated)", " (the line is cut short)", 1)
	}
	return e
}

// lfBookkeeping are the trainer_log.jsonl keys that are not metrics.
var lfBookkeeping = map[string]bool{
	"current_steps": true, "total_steps": true, "epoch": true, "percentage": true,
	"elapsed_time": true, "remaining_time": true, "throughput": true, "total_tokens": true,
	"vram_allocated": true, "vram_reserved": true,
}

// lfState is what an llamafactory-jsonl reader remembers across lines.
type lfState struct {
	totalSteps float64
}

// lfLineFunc returns the function that converts trainer_log.jsonl lines,
// remembering what it needs across lines in st.
func lfLineFunc(st *lfState) jsonlLineFunc {
	return func(ms []jsonMember, src Source, emit func(Record)) {
		e := NewEntry(KindTrain, src)
		var cls hfKeyClass
		var extra []KV // throughput and the like, kept for train lines only
		pct, metrics := math.NaN(), 0
		badSaid := false
		for _, m := range ms {
			switch m.Key {
			case "current_steps":
				if n, ok := jsonInt(m.Num); ok && m.Kind == jtNumber && n >= 0 {
					e.Step = n
				} else if m.Kind == jtNumber && !badSaid {
					badSaid = true // once per line, whatever keys repeat
					emit(badStep(src, m.Num))
				}
			case "total_steps":
				if m.Kind == jtNumber && m.Num != st.totalSteps && m.Num > 0 {
					st.totalSteps = m.Num
					emit(&Meta{Geometry: &Value{Key: GeoMaxSteps, Value: m.Num, Digits: DigitsFloat64, Source: src}})
				}
			case "epoch":
				if m.Kind == jtNumber {
					e.Epoch = m.Num
				}
			case "percentage":
				if m.Kind == jtNumber {
					pct = m.Num
				}
			case "elapsed_time":
				if d, ok := ParseDuration(m.Str); ok && m.Kind == jtString {
					e.Time = d
				}
			default:
				if m.Kind != jtNumber {
					continue
				}
				kv := KV{Key: m.Key, Value: m.Num, Digits: DigitsFloat64}
				if lfBookkeeping[m.Key] {
					extra = append(extra, kv)
					continue
				}
				cls.add(m.Key)
				metrics++
				e.Values = append(e.Values, kv)
			}
		}
		if metrics == 0 {
			// A progress line, or the end-of-training line (it has the
			// epoch and percentage 100): the latter gives the global step.
			if pct == 100 && !math.IsNaN(e.Epoch) && e.Step >= 0 {
				emit(&Meta{Geometry: &Value{Key: GeoGlobalStep, Value: float64(e.Step), Digits: DigitsFloat64, Source: src}})
			}
			return
		}
		e.Kind = cls.kind()
		if e.Kind == KindTrain {
			e.Values = append(e.Values, extra...)
		}
		emit(e)
	}
}

// A genericJSONL converts the lines of a generic JSONL file.
type genericJSONL struct {
	opts Options
	// byColumn maps a column of Options.Metrics to its metric names.
	byColumn map[string][]string
	// maxSteps is the last planned step count ms-swift's step stated.
	maxSteps int64
}

// line converts one line of a generic JSONL file.
func (g *genericJSONL) line(ms []jsonMember, src Source, emit func(Record)) {
	if g.byColumn == nil {
		g.byColumn = map[string][]string{}
		for name, col := range g.opts.Metrics {
			g.byColumn[col] = append(g.byColumn[col], name)
		}
	}
	e := NewEntry(KindTrain, src)
	stepKey := g.stepKey(ms)
	var cls hfKeyClass
	badSaid := false
	for _, m := range ms {
		if m.Kind == jtString && m.Key == swiftStepKey && stepKey == swiftStepKey {
			if n, planned, ok := swiftStep(m.Str); ok {
				e.Step = n
				if planned > 0 && planned != g.maxSteps {
					g.maxSteps = planned
					emit(&Meta{Geometry: &Value{Key: GeoMaxSteps, Value: float64(planned), Digits: DigitsFloat64, Source: src}})
				}
			}
			continue
		}
		if m.Kind != jtNumber {
			continue
		}
		switch {
		case m.Key == stepKey:
			if n, ok := jsonInt(m.Num); ok && n >= 0 {
				e.Step = n
			} else if !badSaid {
				badSaid = true // once per line, whatever keys repeat
				emit(badStep(src, m.Num))
			}
			continue
		case m.Key == "_runtime":
			e.Time = m.Num
			continue
		case m.Key == "epoch" || m.Key == "train/epoch":
			e.Epoch = m.Num
			continue
		}
		if len(g.opts.Metrics) > 0 {
			for _, name := range g.byColumn[m.Key] {
				cls.add(hfClassKey(name))
				e.Values = append(e.Values, KV{Key: name, Value: m.Num, Digits: DigitsFloat64})
			}
			continue
		}
		if strings.HasPrefix(m.Key, "_") || isStepColumn(m.Key) {
			continue
		}
		cls.add(hfClassKey(m.Key))
		e.Values = append(e.Values, KV{Key: m.Key, Value: m.Num, Digits: DigitsFloat64})
	}
	if len(e.Values) == 0 {
		return
	}
	e.Kind = cls.kind()
	emit(e)
}

// stepKey returns the step column of a line.
func (g *genericJSONL) stepKey(ms []jsonMember) string {
	if g.opts.StepColumn != "" {
		return g.opts.StepColumn
	}
	for _, k := range jsonlStepKeys {
		if hasMember(ms, k) {
			return k
		}
	}
	if hasMember(ms, swiftStepKey) {
		return swiftStepKey
	}
	return ""
}

func isStepColumn(key string) bool {
	for _, k := range jsonlStepKeys {
		if k == key {
			return true
		}
	}
	return false
}

// hfClassKey rewrites a W&B or TensorBoard style key into the Trainer's
// spelling for classification: "train/loss" becomes "loss", "eval/loss"
// "eval_loss", "test/accuracy" "test_accuracy".
func hfClassKey(key string) string {
	switch {
	case strings.HasPrefix(key, "train/"):
		return key[len("train/"):]
	case strings.HasPrefix(key, "eval/"):
		return "eval_" + key[len("eval/"):]
	case strings.HasPrefix(key, "test/"):
		return "test_" + key[len("test/"):]
	}
	return key
}
