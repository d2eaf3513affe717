package trainlog

import "bytes"

// An hcTraceback follows Python tracebacks:
//
//	Traceback (most recent call last):       may be glued after a bar state
//	  File "train.py", line 293, in <module>  indented frames and source lines
//	    trainer.train()
//	KeyboardInterrupt                        the exception line ends it
//
// A traceback chained with "During handling of the above exception" or
// "The above exception was the direct cause" counts as one crash, named
// by its last exception line. W&B's output.log may drop the header, so a
// frame line also opens a traceback. A lone "torch.OutOfMemoryError: ..."
// or "KeyboardInterrupt" line is a crash too.
type hcTraceback struct {
	open    bool
	pending bool // closed; a chained traceback may follow
	start   int  // line of the header (or first frame)
	exc     string
	excLine int
	lines   int
}

var (
	hcTBHeader = []byte("Traceback (most recent call last):")
	hcTBFrame  = []byte("File \"")
)

// line sees one text piece.
func (t *hcTraceback) line(r *consoleReader, s []byte, m hcMarks) {
	if m.has(mkTraceback) {
		if !t.open && !t.pending {
			t.start = r.line
		}
		t.open, t.pending, t.lines = true, false, 0
		return
	}
	trimmed := bytes.TrimLeft(s, " \t")
	indented := len(trimmed) < len(s)
	if t.open {
		t.lines++
		switch {
		case indented:
			if t.lines > 10000 {
				t.exc, t.excLine, t.open, t.pending = "an incomplete traceback", t.start, false, true
			}
		case hcExceptionLine(trimmed):
			t.open, t.pending = false, true
			t.exc, t.excLine = hcClip(trimmed), r.line
		}
		return
	}
	if t.pending {
		if bytes.HasPrefix(trimmed, []byte("During handling of the above exception")) ||
			bytes.HasPrefix(trimmed, []byte("The above exception was the direct cause")) {
			return
		}
		t.emit(r)
	}
	switch {
	case indented && bytes.HasPrefix(trimmed, hcTBFrame):
		t.open, t.start, t.lines = true, r.line, 0
	case hcExceptionLine(trimmed) && hcCrashName(trimmed):
		t.exc, t.excLine, t.start = hcClip(trimmed), r.line, r.line
		t.emit(r)
	}
}

// emit queues the crash event of the last traceback.
func (t *hcTraceback) emit(r *consoleReader) {
	srcs := []Source{r.src1(t.excLine)}
	if t.start != t.excLine {
		srcs = append(srcs, r.src1(t.start))
	}
	r.event(EventCrash, r.bar.n, t.exc, srcs...)
	t.pending = false
}

// flush reports a traceback still waiting at the end of the input.
func (t *hcTraceback) flush(r *consoleReader) {
	switch {
	case t.pending:
		t.emit(r)
	case t.open:
		t.exc, t.excLine = "the log ends inside a traceback", t.start
		t.open = false
		t.emit(r)
	}
}

// hcExceptionLine reports a line that names an exception: a dotted
// identifier whose last part starts with an upper-case letter, alone or
// followed by ':' and a message ("KeyboardInterrupt",
// "torch.OutOfMemoryError: CUDA out of memory. ...").
func hcExceptionLine(s []byte) bool {
	name := s
	if i := bytes.IndexByte(s, ':'); i >= 0 {
		name = s[:i]
	} else {
		name = bytes.TrimRight(s, " \t")
	}
	if len(name) == 0 || len(name) > 120 {
		return false
	}
	lastStart := 0
	for i, c := range name {
		switch {
		case c == '.':
			lastStart = i + 1
		case c == '_' || (c >= '0' && c <= '9' && i > 0) || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		default:
			return false
		}
	}
	if lastStart >= len(name) || name[lastStart] < 'A' || name[lastStart] > 'Z' {
		return false
	}
	switch string(name) {
	case "None", "True", "False":
		return false
	}
	return true
}

// hcCrashName reports the exception lines that mean a crash even outside
// a traceback.
func hcCrashName(s []byte) bool {
	return bytes.HasPrefix(s, []byte("KeyboardInterrupt")) ||
		bytes.Contains(s, []byte("OutOfMemoryError")) ||
		bytes.HasPrefix(s, []byte("RuntimeError: CUDA out of memory")) ||
		bytes.HasPrefix(s, []byte("RuntimeError: CUDA error"))
}
