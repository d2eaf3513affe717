package trainlog

import (
	"bytes"
	"io"
	"runtime"
)

// A large console log is read in blocks that end at a line break (or a
// '\r'), tokenized by goroutines in parallel and replayed in order. The
// tokenizer keeps no state across lines, so a block tokenizes the same
// whether alone or within the whole input. A goroutine reads the blocks,
// so Scan keeps returning the records of finished blocks while a read
// blocks (a log still being written). At the end of the input, or at a
// block with no line break at all, the reader goes on sequentially with
// what is left.
//
// A reader abandoned before the end of its input leaves that goroutine
// blocked; every consumer in plateau reads to the end.

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
	used int // bytes of buf[:n] tokenized
	tk   *hcTokenizer
	done chan struct{}
}

// hcPar is the state of parallel reading.
type hcPar struct {
	jobs chan *hcJob // blocks in file order; closed when reading in parallel ends
	free chan *hcJob // jobs to reuse

	// Set by the reading goroutine before it closes jobs.
	line      int    // line number after the last block
	lineStart bool   // the bytes after the last block begin a line
	tail      []byte // bytes left for the sequential reader
	err       error

	prevClear bool // the tokenizer's state after the last block replayed
}

// maybeParallel switches to parallel reading once enough of a large
// input was read sequentially. The bytes not tokenized yet start the
// first block.
func (r *consoleReader) maybeParallel() {
	workers := hcWorkers()
	if r.parDone || r.eof || r.live || r.nread < hcParallelMin || workers < 2 {
		return // a live input is read as it comes: blocks would wait to fill
	}
	p := &hcPar{jobs: make(chan *hcJob, workers+1), free: make(chan *hcJob, workers+3)}
	carry := append([]byte(nil), r.buf[r.start:r.end]...)
	r.start, r.end = 0, 0
	r.par = p
	go r.readBlocks(p, carry, r.tk.line, r.tk.lineStart, r.tk.prevClear)
}

// readBlocks reads, cuts and starts tokenizing blocks until the end of
// the input or a block without any line break.
func (r *consoleReader) readBlocks(p *hcPar, carry []byte, line int, lineStart, prevClear bool) {
	defer close(p.jobs)
	made := 0
	for {
		// At most cap(p.free) jobs exist: the buffers and token slices of
		// a job are reused once the job was replayed.
		var j *hcJob
		select {
		case j = <-p.free:
		default:
			if made < cap(p.free) {
				made++
				j = &hcJob{buf: make([]byte, hcBlockSize), tk: newTokenizer(r.name, 0)}
			} else {
				j = <-p.free
			}
		}
		n := copy(j.buf, carry)
		carry = carry[:0]
		n, eof := hcReadSome(r.src, j.buf, n, p)
		data := j.buf[:n]
		cut := bytes.LastIndexByte(data, '\n') + 1
		if cut == 0 {
			cut = bytes.LastIndexByte(data, '\r') + 1
		}
		stop := eof || (cut == 0 && n == len(j.buf))
		if stop {
			// The end of the input, or a block without any line break:
			// the sequential reader bounds the length of a dict.
			p.tail = append([]byte(nil), data[cut:]...)
		} else {
			carry = append(carry, data[cut:]...)
		}
		if cut > 0 {
			j.n = cut
			j.tk.line, j.tk.lineStart, j.tk.prevClear = line, lineStart, prevClear
			j.done = make(chan struct{})
			line += bytes.Count(data[:cut], []byte{'\n'})
			lineStart, prevClear = data[cut-1] == '\n', false
			go func(j *hcJob) {
				j.used = j.tk.tokenize(j.buf[:j.n], false)
				close(j.done)
			}(j)
			p.jobs <- j
		}
		if cut == 0 {
			p.free <- j
		}
		if stop {
			p.line, p.lineStart = line, lineStart
			return
		}
	}
}

// hcReadSome reads into buf[n:] until it is full, a read returns fewer
// bytes than asked (nothing more is at hand), or the input ends.
func hcReadSome(src io.Reader, buf []byte, n int, p *hcPar) (int, bool) {
	for zero := 0; n < len(buf); {
		want := len(buf) - n
		m, err := src.Read(buf[n:])
		n += m
		switch {
		case err == io.EOF:
			return n, true
		case err != nil:
			p.err = err
			return n, true
		case m > 0 && m < want:
			return n, false
		case m > 0:
			zero = 0
		default:
			if zero++; zero > 100 {
				p.err = io.ErrNoProgress
				return n, true
			}
		}
	}
	return n, false
}

// parStep replays the next block. It reports false when reading in
// parallel has ended and every block was replayed.
func (r *consoleReader) parStep() bool {
	p := r.par
	j, ok := <-p.jobs
	if !ok {
		return false
	}
	<-j.done
	r.replay(j.tk.toks)
	for j.tk.more {
		// A block of more than hcMaxToks tokens (short lines): the
		// rest is tokenized here, a bounded number of tokens at a time.
		j.used += j.tk.tokenize(j.buf[j.used:j.n], false)
		r.replay(j.tk.toks)
	}
	p.prevClear = j.tk.prevClear
	p.free <- j
	return true
}

// endParallel hands what is left to the sequential reader.
func (r *consoleReader) endParallel() {
	p := r.par
	r.par = nil
	r.parDone = true
	if p.err != nil {
		r.err = p.err
	}
	r.tk.line, r.tk.lineStart, r.tk.prevClear = p.line, p.lineStart, p.prevClear
	r.pending = p.tail
}
