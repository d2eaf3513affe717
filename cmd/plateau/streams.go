package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

func newStreams(stdin io.Reader, stdout, stderr io.Writer) *streams {
	return &streams{
		in:       stdin,
		out:      stdout,
		err:      stderr,
		outIsTTY: isTerminal(stdout),
		errIsTTY: isTerminal(stderr),
		getenv:   os.Getenv,
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// color reports whether colour may be used on stdout: only on a terminal
// and never with NO_COLOR set.
func (s *streams) color() bool {
	return s.outIsTTY && s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
}

// width returns the terminal width, or 100 when not a terminal.
func (s *streams) width() int {
	if s.outIsTTY && s.cols > 0 {
		return s.cols
	}
	if f, ok := s.out.(*os.File); ok && s.outIsTTY {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			return w
		}
	}
	return 100
}
