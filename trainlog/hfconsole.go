package trainlog

// The hf-console format is what a Hugging Face Trainer run prints to a
// terminal, as captured by `> train.log 2>&1`, nohup, tee, W&B's
// files/output.log or LLaMA-Factory's running_log.txt.
//
// Grammar, as observed (transformers 4.2 to 5.17, TRL, PEFT, Unsloth,
// LLaMA-Factory):
//
//	log      = { line "\n" } [ line ]            line numbers count "\n" only
//	line     = [ rank ] piece { "\r" piece }     tqdm redraws with "\r", never "\n"
//	rank     = "[rank" N "]:" [ " " ] | "[default" N "]:" [ " " ]   (torchrun --tee)
//	         | { " " } N ": "                                      (srun --label)
//	piece    = { ansi | bar | dict | callback | text }
//	ansi     = ESC "[" { digit | ";" } letter    ESC[A moves to a nested bar
//	clear    = " " { " " }                       tqdm.write's erase, just before its dict
//	bar      = [ desc ":" ] PPP "%|" BAR "| " N "/" TOTAL " [" ELAPSED "<" REMAINING ", " RATE { ", " postfix } "]"
//	RATE     = float "it/s" | float "s/it" | "?it/s"
//	dict     = "{" key ": " value { ", " key ": " value } "}"   a Python repr (see pydict.go)
//	value    = float | int | "'" float "'" (v5: .4g strings) | nan | inf | None | True | False
//	         | "np.float64(" float ")" | "tensor(" float ", device='cuda:0')"
//	callback = "[Step " N [ "/" M ] "]" ... | "Step " N "/" M " | " ... | ... "step=" N ...   (see below)
//
// A dict may start anywhere in a piece: after a bar state
// ("...it/s]{'loss': ...}"), after a clear, or after a logger prefix
// ("[INFO|2024-11-26 22:09:01] logging.py:157 >> {'loss': ...}"). Dicts
// are classified by their keys: train_runtime and train_loss make the
// end-of-training summary, an eval_ key an evaluation, a test_ or
// predict_ key a prediction, and loss (or any other metric) a training
// log. Dicts without a metric or epoch key, such as
// "{'bos_token_id': None, 'pad_token_id': 151643}", are not logs and are
// skipped silently, as are the multi-line JSON dumps of model configs.
//
// Other lines carry facts about the run:
//
//	***** Running training *****                 then "Num examples = 1,000", "Num Epochs = 3",
//	                                             "Num update steps per epoch = 250" (v5),
//	                                             "Instantaneous batch size per device = 2",
//	                                             "Total train batch size (w. parallel, ...) = 4",
//	                                             "Gradient Accumulation steps = 2",
//	                                             "Total optimization steps = 750",
//	                                             "Number of trainable parameters = 524,288"
//	Continuing training from global step N       a resumed run (v5: "Resuming training from
//	                                             checkpoint with epoch E and global step N")
//	==((====))==  Unsloth ... | Num GPUs = 1     the Unsloth banner, "key = value" pairs split by "|"
//	trainable params: X || all params: Y || ...  PEFT's print_trainable_parameters
//	TrainingArguments(\n name=value,\n ... )     a dump of the arguments (logging_steps, ...)
//	Traceback (most recent call last): ... Exc   a crash; the last unindented line names it
//	... OVERFLOW! Rank 0 Skipping step ...       a DeepSpeed fp16 overflow
//
// A line's rank prefix is removed; the Trainer logs on rank 0, so the bar
// and lines of another rank are not seen by the step alignment (their
// text still reports crashes). "TrainOutput(global_step=N,
// training_loss=X, metrics={...})", what Trainer.train returns, is not a
// callback line: X is the run's mean. A log without any log dict whose
// metrics are in a progress bar's postfix ("..., 15.00it/s, loss=2.35]")
// or in a notebook's "Step  Training Loss  Validation Loss" table gets a
// syntax warning saying that plateau does not read them.
//
// Console dicts carry no step, except ms-swift's ('global_step/max_steps':
// '105/250'). The step alignment (stepalign.go) gives
// each dict its step from what the log shows around it (its own step key,
// a callback line with the same values, tqdm's redraw of the bar, the
// bar's frames and the order of the dicts), or estimates it (the logging
// cadence, the learning rate's progression, the bar, the epoch, the
// ordinal), and records which evidence it used (Entry.StepBy,
// Entry.StepEstimated). A dict waits until what follows it is read, and
// one without exact evidence until a bound after it is known, so records
// keep their file order. The callback forms recognised are
//
//	callback = "[Step " N [ "/" M ] "]" { key "=" number }
//	         | [ prefix ] "Step " N "/" M { sep key " " number }   sep = "|" or ","
//	         | ... ( "step=" | "step: " | "global_step=" ) N ... "loss" ...
//
// with values read from "key=value", "key: value" and "key value" pairs;
// a DeepSpeed "step=N, skipped=K" line counts engine steps and is not
// one. A callback line's own entry has its printed step; its epoch is
// kept only when printed with 3 or more decimals, since the dict of the
// same step prints it more precisely.

import (
	"bytes"
	"fmt"
	"io"
)

func init() {
	Register(Format{
		Name:        "hf-console",
		Description: "Hugging Face Trainer console output (stdout/stderr capture, tqdm bars, printed dicts; also TRL, Unsloth, LLaMA-Factory running_log.txt, W&B output.log)",
		Detect:      detectConsole,
		NewReader: func(name string, r io.Reader, opts Options) Reader {
			c := newConsoleReader(name, r)
			c.live = opts.Live
			return c
		},
	})
}

// Buffer limits of the console reader.
const (
	hcMaxDict = 1 << 20            // longest dict fragment kept
	hcBufSize = hcMaxDict + 64<<10 // read buffer: bounds memory per file
	hcMinRead = 32 << 10           // compact the buffer when less room is left
	hcBarText = 160                // longest progress text kept
	hcMaxMsg  = 300                // longest crash message kept
	hcSlab    = 256                // entries allocated together
)

// detectConsole scores head as console output: high for Trainer dicts, the
// INFO block, tqdm bars or banners, 5 for any other text, 0 for JSON, CSV
// and binary data.
func detectConsole(name string, head []byte) int {
	if len(head) == 0 || looksBinary(head) {
		return 0
	}
	t := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	t = bytes.TrimLeft(t, " \t\r\n")
	if len(t) == 0 {
		return 5
	}
	switch t[0] {
	case '{':
		if u := bytes.TrimLeft(t[1:], " \t\r\n"); len(u) == 0 || u[0] == '"' || u[0] == '}' {
			return 0 // a JSON object or JSON lines
		}
	case '[':
		if hcJSONArray(t) {
			return 0
		}
	}
	if hcLooksCSV(t) {
		return 0
	}
	switch {
	case hcAny(head, "{'loss'", "{'eval_", "{'train_runtime'", "'epoch':", "\"epoch\":"):
		return 90
	case hcAny(head, "***** Running training *****", "==((====))=="):
		return 80
	case bytes.Contains(head, []byte("%|")) && hcAny(head, "it/s]", "s/it]"):
		return 60
	case bytes.Contains(head, []byte("[INFO|")) && bytes.Contains(head, []byte(" >> ")):
		return 60
	}
	return 5
}

// hcJSONArray reports whether t, which starts with '[', starts a JSON
// array rather than a log line such as "[2025-07-03 06:30:21,439] ..." or
// "[nltk_data] ...".
func hcJSONArray(t []byte) bool {
	u := bytes.TrimLeft(t[1:], " \t\r\n")
	switch {
	case len(u) == 0:
		return true
	case u[0] == '{' || u[0] == '[' || u[0] == '"' || u[0] == ']':
		return true
	case bytes.HasPrefix(u, []byte("true")) || bytes.HasPrefix(u, []byte("false")) || bytes.HasPrefix(u, []byte("null")):
		return true
	case u[0] == '-' || (u[0] >= '0' && u[0] <= '9'):
		i := 0
		for i < len(u) && bytes.IndexByte([]byte("0123456789.eE+-"), u[i]) >= 0 {
			i++
		}
		v := bytes.TrimLeft(u[i:], " \t\r\n")
		return len(v) == 0 || v[0] == ',' || v[0] == ']'
	}
	return false
}

// hcLooksCSV reports a first line of comma-separated identifiers followed
// by a line with as many commas.
func hcLooksCSV(t []byte) bool {
	nl := bytes.IndexByte(t, '\n')
	if nl < 0 {
		return false
	}
	first := bytes.TrimRight(t[:nl], "\r")
	fields := bytes.Split(first, []byte(","))
	if len(fields) < 2 {
		return false
	}
	for _, f := range fields {
		if len(f) == 0 {
			return false
		}
		for _, c := range f {
			if !(c == '_' || c == '/' || c == '.' || c == '-' || c == ' ' || (c|0x20 >= 'a' && c|0x20 <= 'z') || (c >= '0' && c <= '9')) {
				return false
			}
		}
	}
	rest := t[nl+1:]
	if nl2 := bytes.IndexByte(rest, '\n'); nl2 >= 0 {
		rest = rest[:nl2]
	}
	return bytes.Count(rest, []byte(",")) == len(fields)-1
}

func hcAny(b []byte, subs ...string) bool {
	for _, s := range subs {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// An hcItem is a queued record; p is set for an entry whose step may
// still be unknown.
type hcItem struct {
	rec Record
	p   *alignDict
}

// A consoleReader reads hf-console output. See the grammar above.
type consoleReader struct {
	name string
	src  io.Reader
	buf  []byte
	// buf[start:end] holds bytes not yet tokenized.
	start, end int
	eof        bool
	err        error
	line       int // line of the token being replayed
	queue      []hcItem
	head       int
	rec        Record

	tk       *hcTokenizer // tokenizes what is read sequentially
	par      *hcPar       // reads and tokenizes large inputs in parallel, until EOF
	pending  []byte       // bytes read by par for the sequential reader
	nread    int64        // bytes read sequentially
	parDone  bool         // parallel reading was used up to an end of input
	lastFull bool         // the last read filled the buffer: more input is at hand

	pends    []alignDict // slab of dicts waiting for their step
	lastDict []byte      // text of the last log dict, to collapse duplicates
	dups     hcDups
	bar      hcBar   // the training progress bar
	steps    hcSteps // step inference
	txt      hcText  // INFO block, banners, tracebacks, hints
	// live resolves held-back steps whenever the input has nothing more
	// to give for now (Options.Live): a watcher must see each dict when
	// it is written.
	live    bool
	cutSaid bool // the dict cut off at the end of the input was reported
	flushed bool // held-back dicts were resolved since the last read
	unread  hcUnread
	badUTF8 bool // invalid UTF-8 was reported
}

// srcIdle reports whether the source has no bytes ready (a follow.Feed
// tells; any other source is treated as never idle).
func (r *consoleReader) srcIdle() bool {
	b, ok := r.src.(interface{ Buffered() int })
	return ok && b.Buffered() == 0
}

var _ Reader = (*consoleReader)(nil)

func newConsoleReader(name string, r io.Reader) *consoleReader {
	c := &consoleReader{name: name, src: r, line: 1, tk: newTokenizer(name, 1)}
	c.bar.init()
	c.steps.init()
	return c
}

// Scan advances to the next record.
func (r *consoleReader) Scan() bool {
	for {
		if r.head < len(r.queue) && r.headReady() {
			r.rec = r.queue[r.head].rec
			r.queue[r.head] = hcItem{}
			r.head++
			r.compactQueue()
			return true
		}
		if r.err != nil {
			return false
		}
		if r.par != nil {
			if r.parStep() {
				continue
			}
			r.endParallel()
			continue
		}
		if r.live && !r.flushed && r.head < len(r.queue) && r.srcIdle() {
			// Live input with nothing more to read for now: resolve the
			// held-back dicts with what is known, so that a watcher sees
			// them now rather than when the next line arrives.
			r.flushed = true
			r.steps.resolveAll(r, true)
			continue
		}
		if !r.fill() {
			if r.err != nil {
				return false
			}
			r.finish()
			if r.head >= len(r.queue) || !r.headReady() {
				return false
			}
			continue
		}
		r.process()
		r.maybeParallel()
	}
}

// Record returns the last record read by Scan.
func (r *consoleReader) Record() Record { return r.rec }

// Err returns the first I/O error met, if any.
func (r *consoleReader) Err() error { return r.err }

func (r *consoleReader) headReady() bool {
	it := r.queue[r.head]
	return it.p == nil || it.p.done
}

func (r *consoleReader) compactQueue() {
	switch {
	case r.head == len(r.queue):
		r.queue = r.queue[:0]
		r.head = 0
	case r.head > 4096 && r.head*2 > len(r.queue):
		n := copy(r.queue, r.queue[r.head:])
		clear(r.queue[n:])
		r.queue = r.queue[:n]
		r.head = 0
	}
}

// fill reads more input. It reports false when nothing new was read.
func (r *consoleReader) fill() bool {
	if r.buf == nil {
		r.buf = make([]byte, hcMinRead*2)
	}
	if r.start > 0 && len(r.buf)-r.end < hcMinRead {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		return false // cannot happen: process drains a full buffer
	}
	if len(r.pending) > 0 {
		n := copy(r.buf[r.end:], r.pending)
		r.pending = r.pending[n:]
		r.end += n
		return true
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		r.nread += int64(n)
		if n > 0 {
			r.flushed = false
		}
		if err != nil {
			if err == io.EOF {
				r.eof = true
			} else {
				r.err = err
			}
			return n > 0
		}
		if n > 0 {
			r.eof = false
			return true
		}
	}
	r.err = io.ErrNoProgress
	return false
}

// process tokenizes and replays the complete pieces in the buffer.
func (r *consoleReader) process() {
	r.tokenizeReplay(false)
	if r.start == 0 && r.end == len(r.buf) {
		if len(r.buf) < hcBufSize {
			b := make([]byte, min(2*len(r.buf), hcBufSize))
			copy(b, r.buf[:r.end])
			r.buf = b
			return
		}
		r.overflow()
	}
}

// tokenizeReplay tokenizes and replays the complete pieces of
// r.buf[r.start:r.end] (and with final set the piece after them), at
// most hcMaxToks tokens at a time.
func (r *consoleReader) tokenizeReplay(final bool) {
	for {
		r.start += r.tk.tokenize(r.buf[r.start:r.end], final)
		r.replay(r.tk.toks)
		if !r.tk.more {
			return
		}
	}
}

// overflow handles a buffer full of one piece: what is complete is
// handled, and an unterminated dict is kept unless it alone fills the
// buffer.
func (r *consoleReader) overflow() {
	if !r.tk.inLong {
		r.tk.inLong = true
		r.syntax(r.tk.line, hcLongMsg)
	}
	r.start = 0
	r.tokenizeReplay(true)
	keep := r.start
	if keep == 0 {
		r.syntax(r.tk.line, "a dict longer than 1 MiB was skipped: expected '}' within 1 MiB of '{'")
		keep = r.end
	}
	r.start = keep
	r.tk.lineStart = false
}

// finish handles the bytes after the last line break at the end of the
// input, then resolves every held-back step and reports the run's
// progress. A dict cut off by the end of a live input is not an error:
// the log is still growing, and the bytes are kept for the next Scan. At
// the end of any other input it is: the file ends inside a dict, which
// is left out, and the reader says so.
func (r *consoleReader) finish() {
	if r.start < r.end {
		r.tokenizeReplay(true)
	}
	if rest := r.buf[r.start:r.end]; !r.live && !r.cutSaid && len(rest) > 0 && rest[0] == '{' && hcLogLike(rest) {
		r.cutSaid = true
		r.emit(&SyntaxError{File: r.name, Line: r.tk.line, Err: ErrTruncated,
			Msg: "the file ends inside a log dict: expected '}' (a log cut short, or a run still writing it); the dict is left out"})
	}
	r.txt.flush(r)
	r.steps.resolveAll(r, true)
	r.unread.report(r)
	r.bar.report(r)
	r.dups.report(r)
}

// replay runs tokens through the run's state, in order.
func (r *consoleReader) replay(toks []hcTok) {
	for i := range toks {
		tk := &toks[i]
		if tk.line != r.line {
			if r.txt.inBlock {
				r.txt.blockLines += tk.line - r.line
				r.txt.inBlock = r.txt.blockLines <= 40
			}
			r.line = tk.line
		}
		// Another process's line (torchrun's "[rank1]:", srun's "1: "):
		// the Trainer logs on rank 0, so another rank's bar is not the
		// training bar and its lines are not between a dict and tqdm's
		// redraw of it; its text still tells of a crash.
		other := tk.rank > 0 && tk.kind != tkDict
		if !other {
			r.steps.token(r, tk.line, tk.kind == tkBar)
		}
		switch tk.kind {
		case tkBar:
			if !other {
				r.barState(tk.n, tk.t, tk.text, tk.synced)
			}
		case tkText:
			r.other(tk.text, tk.marks)
		case tkPostfix:
			r.unread.postfix(tk.line)
		case tkCallback:
			if other {
				break
			}
			r.steps.callback(r, tk.n, tk.e)
			if tk.e != nil {
				r.emit(tk.e)
			}
		case tkDict:
			r.replayDict(tk)
		case tkSyntax:
			if tk.msg == hcBadUTF8Msg {
				if r.badUTF8 {
					break // reported once per file
				}
				r.badUTF8 = true
			}
			r.syntax(tk.line, tk.msg)
		}
		*tk = hcTok{}
	}
}

// replayDict queues a dict entry unless it repeats the previous dict.
func (r *consoleReader) replayDict(tk *hcTok) {
	r.txt.inBlock = false
	if bytes.Equal(tk.text, r.lastDict) && !r.bar.moved {
		r.dups.add(tk.e.Source)
		if !tk.synced {
			r.steps.takeMark() // its own tqdm.write left one
		}
		return
	}
	r.lastDict = append(r.lastDict[:0], tk.text[:min(len(tk.text), 4096)]...)
	r.bar.moved = false
	if line := r.txt.newRun; line > 0 && tk.e.Kind == KindTrain {
		// A second "Running training" without "Continuing training from
		// global step": the log holds another run from step 0.
		r.txt.newRun = 0
		r.event(EventNewRun, -1, fmt.Sprintf("a new training run starts at line %d (a \"Running training\" block without \"Continuing training from global step\", after the dicts of another run)", line), r.src1(line))
	}
	r.steps.addDict(r, tk.e, tk.tol, tk.synced)
}

// emit queues a resolved record.
func (r *consoleReader) emit(rec Record) { r.queue = append(r.queue, hcItem{rec: rec}) }

// syntax queues a syntax error at line.
func (r *consoleReader) syntax(line int, msg string) {
	r.emit(&SyntaxError{File: r.name, Line: line, Msg: msg})
}

func (r *consoleReader) src1(line int) Source { return Source{File: r.name, Line: line} }

func (r *consoleReader) geo(key string, v float64, line int) {
	r.emit(&Meta{Geometry: &Value{Key: key, Value: v, Digits: DigitsFloat64, Source: r.src1(line)}})
}

func (r *consoleReader) info(key, text string, line int) {
	r.emit(&Meta{Info: &Text{Key: key, Value: text, Source: r.src1(line)}})
}

func (r *consoleReader) event(kind EventKind, step int64, msg string, srcs ...Source) {
	r.emit(&Meta{Event: &Event{Kind: kind, Step: step, Message: msg, Sources: srcs}})
}
