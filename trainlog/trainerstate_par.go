package trainlog

import (
	"bytes"
	"io"
	"runtime"
	"sync"
)

// tsChunkBytes is about the size of the parts of log_history that
// readAll parses in parallel.
const tsChunkBytes = 256 << 10

// A tsJob is one part of log_history: whole elements, cut from the input
// by the lexer of the whole document, parsed by a worker.
type tsJob struct {
	chunk []byte
	at    lexPos // the place of chunk[0] in the file
	first bool   // chunk starts just after log_history's '['
	index int    // the index of the first element it begins
	n     int    // the elements it begins

	// Set by the worker before done is closed. The records' list and the
	// slab of their entries are reused once the records were passed on.
	recs []Record
	slab *entrySlab
	// exact is set when recs are the records the reader of the whole
	// document emits for these elements; it is not when the chunk's end
	// cut an element (the cut misread the input): the whole document's
	// reader then reads on from this chunk itself. stopped is set when a
	// syntax error ends them, which ends the reading.
	exact, stopped bool
	done           chan struct{}
}

// readAll reads the document to its end, passing each record to add in
// order, as a loop over Scan would. The log_history array, which holds
// nearly all of a large file, is cut into parts of whole elements (only
// strings and brackets are followed: see cutElements) that workers parse
// in parallel while this goroutine passes their records on in order; a
// syntax error stops the reading at the same record as Scan does. The
// entries are reused once add returns (a Collector copies what it keeps).
func (r *trainerStateReader) readAll(add func(Record)) {
	r.sink = add
	defer func() { r.sink = nil }()
	parallel := true
	for r.state != tsDone {
		if r.state == tsHistory && parallel {
			parallel = false
			r.historyParallel()
			continue
		}
		r.step()
	}
}

// historyParallel reads the elements of log_history, whose '[' was just
// read, leaving the reader where Scan would be after the last element it
// read: before the ',' or ']' that follows it, or done after a syntax
// error.
func (r *trainerStateReader) historyParallel() {
	lx := r.lx
	size := tsChunkBytes
	if r.chunkBytes > 0 {
		size = r.chunkBytes
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	const depth = 8
	jobs, order := make(chan *tsJob, depth), make(chan *tsJob, depth)
	slabs := make(chan *entrySlab, depth+workers+1)
	for range cap(slabs) {
		slabs <- &entrySlab{reuse: true}
	}
	// The parts' bytes and record lists are reused once their records
	// were passed on: a job holds them from its cut (or its parse) until
	// then, so depth+2 of each (the jobs in order, the one being passed
	// on, the one being cut) are never all taken for long.
	bufs := make(chan []byte, depth+2)
	lists := make(chan []Record, depth+workers+1)
	for range cap(bufs) {
		bufs <- nil
	}
	for range cap(lists) {
		lists <- nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var leftover *tsJob // cut but not handed on when stopped
	var mu sync.Mutex
	var failed any // a panic of a goroutine, raised again here
	recovered := func() {
		if p := recover(); p != nil {
			mu.Lock()
			failed = p
			mu.Unlock()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		defer recovered()
		first, index := true, r.index
		for {
			select {
			case <-stop:
				return
			default:
			}
			var buf []byte
			select {
			case buf = <-bufs:
			case <-stop:
				return
			}
			chunk, at, n, ok := lx.cutElements(buf, size)
			if !ok {
				return // the last elements and the array's end: left to the lexer
			}
			job := &tsJob{chunk: chunk, at: at, first: first, index: index, n: n, done: make(chan struct{})}
			first, index = false, index+n
			select {
			case order <- job:
			case <-stop:
				leftover = job
				return
			}
			jobs <- job // workers take jobs whatever the reader does
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := &trainerStateReader{file: r.file, lx: &jsonLexer{}, split: true}
			for job := range jobs {
				func() {
					defer close(job.done)
					defer recovered()
					select {
					case <-stop:
						return
					case job.slab = <-slabs:
					}
					job.slab.rewind()
					job.recs = <-lists // as many as slabs: never waits
					sub.parse(job)
				}()
			}
		}()
	}
	var restart *tsJob // the job the reader reads on from
	var after []*tsJob // the jobs after it
	for job := range order {
		if restart != nil {
			after = append(after, job)
			continue
		}
		<-job.done
		if !job.exact {
			restart = job
			close(stop)
			continue
		}
		for _, rec := range job.recs {
			r.emit(rec)
		}
		slabs <- job.slab
		clear(job.recs)
		lists <- job.recs[:0]
		bufs <- job.chunk[:0]
		if job.stopped {
			r.state = tsDone
			break
		}
		r.index = job.index + job.n
		if r.index > 0 {
			r.state = tsAfterEntry
		}
	}
	if restart == nil {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}
	for job := range order { // after a syntax error: what was cut is not read
		after = append(after, job)
	}
	wg.Wait()
	if failed != nil {
		panic(failed)
	}
	if restart == nil || r.state == tsDone {
		return
	}
	// Read on from the part whose end cut an element, with the parts cut
	// after it and the rest of the input, as Scan would.
	var rest bytes.Buffer
	rest.Write(restart.chunk)
	for _, job := range after {
		rest.Write(job.chunk)
	}
	if leftover != nil {
		rest.Write(leftover.chunk)
	}
	rest.Write(lx.buf[lx.pos:])
	var tail io.Reader = eofReader{}
	switch {
	case lx.ioErr != nil:
		tail = errReader{lx.ioErr}
	case !lx.eof:
		tail = lx.r
	}
	next := &jsonLexer{r: io.MultiReader(&rest, tail), buf: make([]byte, 0, 64<<10), line: restart.at.line,
		base: restart.at.off, lineStart: restart.at.lineStart, started: true, intern: lx.intern}
	r.lx, r.index, r.state = next, restart.index, tsAfterEntry
	if restart.first {
		r.state = tsHistory
	}
}

// parse reads the elements of job's chunk as the reader of the whole
// document would, into job.recs.
func (r *trainerStateReader) parse(job *tsJob) {
	r.lx.resetAt(job.chunk, job.at)
	r.slab = *job.slab
	r.pending, r.index, r.state = job.recs[:0], job.index, tsAfterEntry
	if job.first {
		r.state = tsHistory
	}
	for r.state == tsHistory || r.state == tsAfterEntry {
		if !r.lx.skipSpace() {
			break // the end of the chunk
		}
		r.historyElem()
	}
	*job.slab = r.slab
	job.recs = r.pending
	switch {
	case r.state == tsDone:
		// A syntax error: the reader of the whole document meets it too,
		// unless the chunk's end caused it.
		job.stopped = true
		job.exact = r.lx.err == nil || !r.lx.err.Truncated && r.lx.tok != jtEOF
	default:
		job.exact = (r.state == tsHistory || r.state == tsAfterEntry) && r.index == job.index+job.n
	}
}

// eofReader is an empty input.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// errReader fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
