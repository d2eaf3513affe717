package trainlog

import (
	"bytes"
	"io"
	"runtime"
)

// A large console log is read in blocks that end at a line break (or a
// '\r'), tokenized by goroutines in parallel and replayed in order. The
// tokenizer keeps no state across lines, so a block tokenizes the same
// whether alone or within the whole input. At the end of the input, or at
// a block with no line break at all, the reader goes on sequentially with
// what is left.

// hcParallel caps the goroutines that tokenize blocks; 0 means GOMAXPROCS
// and 1 turns parallel reading off. Tests set it.
var hcParallel = 0

// hcParallelMin is how many bytes are read sequentially before reading
// goes parallel, so that small files cost no goroutines or large buffers.
var hcParallelMin int64 = 4 << 20

func hcWorkers() int {
	if hcParallel > 0 {
		return hcParallel
	}
	return runtime.GOMAXPROCS(0)
}

// hcBlockSize is the size of a block read in parallel mode.
const hcBlockSize = 2 << 20

// An hcJob is one block being tokenized.
type hcJob struct {
	buf  []byte
	n    int // buf[:n] ends with '\n' or '\r'
	tk   *hcTokenizer
	done chan struct{}
}

// hcPar is the state of parallel reading.
type hcPar struct {
	line      int  // line number of the next block
	lineStart bool // the next block begins a line
	prevClear bool // the piece before the next block was a tqdm clear
	inflight  []*hcJob
	free      []*hcJob
	carry     []byte // bytes after the last block's cut
	eof       bool
	tail      []byte // bytes left for the sequential reader
}

// parStep replays the oldest block in flight, reading and starting new
// blocks first. It reports false when there is nothing left to replay.
func (r *consoleReader) parStep() bool {
	p := r.par
	for !p.eof && len(p.inflight) <= hcWorkers() {
		j := r.readBlock()
		if j == nil {
			break
		}
		p.inflight = append(p.inflight, j)
		go func(j *hcJob) {
			j.tk.tokenize(j.buf[:j.n], false)
			close(j.done)
		}(j)
	}
	if len(p.inflight) == 0 {
		return false
	}
	j := p.inflight[0]
	<-j.done
	n := copy(p.inflight, p.inflight[1:])
	p.inflight[n] = nil
	p.inflight = p.inflight[:n]
	r.replay(j.tk.toks)
	if len(p.inflight) == 0 && p.eof {
		p.prevClear = j.tk.prevClear // for the bytes after the last block
	}
	p.free = append(p.free, j)
	return true
}

// readBlock reads the next block and cuts it after its last line break.
// It returns nil when no block is left to tokenize in parallel.
func (r *consoleReader) readBlock() *hcJob {
	p := r.par
	var j *hcJob
	if k := len(p.free); k > 0 {
		j, p.free = p.free[k-1], p.free[:k-1]
	} else {
		j = &hcJob{buf: make([]byte, hcBlockSize), tk: newTokenizer(r.name, 0)}
	}
	n := copy(j.buf, p.carry)
	p.carry = p.carry[:0]
	for zero := 0; n < len(j.buf); {
		m, err := r.src.Read(j.buf[n:])
		n += m
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			p.eof = true
			break
		}
		if m > 0 {
			zero = 0
		} else if zero++; zero > 100 {
			r.err, p.eof = io.ErrNoProgress, true
			break
		}
	}
	data := j.buf[:n]
	cut := bytes.LastIndexByte(data, '\n') + 1
	if cut == 0 {
		cut = bytes.LastIndexByte(data, '\r') + 1
	}
	switch {
	case p.eof:
		p.tail = append(p.tail[:0], data[cut:]...)
	case cut == 0:
		// A block without any line break: leave it to the sequential
		// reader, which bounds the length of a dict.
		p.tail = append(p.tail[:0], data...)
		p.eof = true
	default:
		p.carry = append(p.carry, data[cut:]...)
	}
	if cut == 0 {
		p.free = append(p.free, j)
		return nil
	}
	j.n = cut
	j.tk.line, j.tk.lineStart, j.tk.prevClear = p.line, p.lineStart, p.prevClear
	p.prevClear = false
	j.done = make(chan struct{})
	p.line += bytes.Count(data[:cut], []byte{'\n'})
	p.lineStart = data[cut-1] == '\n'
	return j
}

// maybeParallel switches to parallel reading once enough of a large
// input was read sequentially. The bytes not tokenized yet start the
// first block.
func (r *consoleReader) maybeParallel() {
	if r.parDone || r.eof || r.nread < hcParallelMin || hcWorkers() < 2 {
		return
	}
	r.par = &hcPar{line: r.tk.line, lineStart: r.tk.lineStart, prevClear: r.tk.prevClear}
	r.par.carry = append(r.par.carry, r.buf[r.start:r.end]...)
	r.start, r.end = 0, 0
}

// endParallel hands what is left to the sequential reader.
func (r *consoleReader) endParallel() {
	p := r.par
	r.par = nil
	r.parDone = true
	r.tk.line, r.tk.lineStart, r.tk.prevClear = p.line, p.lineStart, p.prevClear
	r.pending = p.tail
}
