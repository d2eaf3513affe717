package follow

import (
	"io"
	"sync"
)

// A Feed is an io.Reader fed by writes from another goroutine: Read
// blocks until bytes are written or the feed is closed. A reader of a
// growing file runs over a Feed, so it keeps its state (line number,
// partial record) between polls and each poll costs in proportion to the
// new bytes.
type Feed struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool
}

// NewFeed returns an empty, open feed.
func NewFeed() *Feed {
	f := &Feed{}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// Write appends b. It never blocks and never fails on an open feed.
func (f *Feed) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, io.ErrClosedPipe
	}
	f.buf = append(f.buf, b...)
	f.cond.Broadcast()
	return len(b), nil
}

// Close makes Read return io.EOF once the buffered bytes are consumed.
func (f *Feed) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.cond.Broadcast()
	return nil
}

// Read reads buffered bytes, blocking until some are available.
func (f *Feed) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.buf) == 0 && !f.closed {
		f.cond.Wait()
	}
	if len(f.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	if len(f.buf) == 0 {
		f.buf = nil // let the backing array go
	}
	return n, nil
}

// Buffered returns the number of bytes written but not yet read.
func (f *Feed) Buffered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buf)
}
