// Package term keeps plateau's terminal awareness in one type: whether
// output goes to a terminal, how wide it is, and whether colour may be
// used. Test returns a Term backed by buffers, so commands can be tested
// without a terminal.
//
// Colour is on only when standard output is a terminal, NO_COLOR is unset
// or empty (https://no-color.org) and TERM is not "dumb"; callers may
// override the decision with SetColor (a --color flag).
package term

import (
	"bytes"
	"io"
	"os"
	"strconv"

	xterm "golang.org/x/term"
)

// DefaultWidth is the width assumed when the real one cannot be read, and
// the width used when output is not a terminal.
const DefaultWidth = 80

// A Term is a set of standard streams and what is known about them.
type Term struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY bool
	errTTY bool
	width  int
	color  bool
}

// System returns the process's standard streams, with the terminal
// state detected from them and from the environment.
func System() *Term {
	t := &Term{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	t.outTTY = isTerminal(os.Stdout)
	t.errTTY = isTerminal(os.Stderr)
	t.width = DefaultWidth
	if t.outTTY {
		t.width = detectWidth(os.Stdout, os.Getenv)
	}
	t.color = ColorAllowed(t.outTTY, os.Getenv)
	return t
}

// Test returns a Term that reads from and writes to buffers. It is not a
// terminal, is DefaultWidth wide and has colour off; use the setters to
// change that.
func Test() (t *Term, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &Term{In: in, Out: out, ErrOut: errOut, width: DefaultWidth}, in, out, errOut
}

// IsTerminal reports whether Out is a terminal.
func (t *Term) IsTerminal() bool { return t.outTTY }

// IsErrTerminal reports whether ErrOut is a terminal.
func (t *Term) IsErrTerminal() bool { return t.errTTY }

// Width returns the width of Out in columns.
func (t *Term) Width() int { return t.width }

// Color reports whether colour sequences may be written to Out.
func (t *Term) Color() bool { return t.color }

// SetTerminal overrides whether Out is taken for a terminal.
func (t *Term) SetTerminal(tty bool) { t.outTTY = tty }

// SetWidth overrides the width; values below 20 are raised to 20.
func (t *Term) SetWidth(w int) { t.width = max(w, 20) }

// SetColor overrides the colour decision.
func (t *Term) SetColor(on bool) { t.color = on }

// ColorAllowed decides whether colour may be used, given whether the
// output is a terminal and the environment (os.Getenv in production).
func ColorAllowed(tty bool, getenv func(string) string) bool {
	if !tty {
		return false
	}
	if getenv("NO_COLOR") != "" {
		return false
	}
	return getenv("TERM") != "dumb"
}

func isTerminal(f *os.File) bool {
	return f != nil && xterm.IsTerminal(int(f.Fd()))
}

// detectWidth asks the terminal, then $COLUMNS, then falls back to
// DefaultWidth.
func detectWidth(f *os.File, getenv func(string) string) int {
	if w, _, err := xterm.GetSize(int(f.Fd())); err == nil && w > 0 {
		return w
	}
	return widthFromEnv(getenv)
}

func widthFromEnv(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return DefaultWidth
}
