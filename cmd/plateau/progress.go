package main

import (
	"os"

	xterm "golang.org/x/term"

	"github.com/plateau-dev/plateau/internal/term"
	"github.com/plateau-dev/plateau/trainlog"
)

// progressMin is the input size from which report shows its progress.
const progressMin = 50 << 20

// A progress is report's progress line on standard error: the bytes read
// of the inputs, then "analysing" until the report is rendered. It is
// drawn only when standard error is a terminal and the inputs hold at
// least progressMin bytes; the zero progress does nothing.
type progress struct {
	count *trainlog.Progress
	line  *term.Progress
}

// startProgress starts the progress line when standard error is a
// terminal.
func (s *streams) startProgress() progress {
	if !s.errIsTTY {
		return progress{}
	}
	count := &trainlog.Progress{}
	width := term.DefaultWidth
	if f, ok := s.err.(*os.File); ok {
		if w, _, err := xterm.GetSize(int(f.Fd())); err == nil && w > 20 {
			width = w
		}
	}
	return progress{count: count, line: term.StartProgress(s.err, width, progressMin, func() (int64, int64) {
		return count.Read(), count.Total()
	})}
}

// counter returns what trainlog.Load counts the bytes read into.
func (p progress) counter() *trainlog.Progress { return p.count }

// analysing shows that reading is over.
func (p progress) analysing() {
	if p.line != nil {
		p.line.Phase("analysing...")
	}
}

// stop erases the line; call it before writing anything else.
func (p progress) stop() {
	if p.line != nil {
		p.line.Stop()
	}
}
