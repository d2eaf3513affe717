package trainlog

import (
	"errors"
	"fmt"
)

// Sentinel causes, to be tested with errors.Is.
var (
	// ErrUnknownFormat means no reader recognised a file's content.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrTruncated means a file ended in the middle of a record.
	ErrTruncated = errors.New("truncated record")
	// ErrNoData means the input held no training data at all.
	ErrNoData = errors.New("no training data")
	// ErrBinary means a text format was expected and the file looks binary.
	ErrBinary = errors.New("binary data")
	// ErrUnreadLayout means a file shows metrics only in a layout plateau
	// does not read (a progress bar's postfix, a notebook's table): the
	// file was read, and its metrics are those of the run's logger files,
	// rounded. It is an input problem only when no other file gives the
	// run its metrics.
	ErrUnreadLayout = errors.New("metrics only in a layout plateau does not read")
)

// A SyntaxError is a problem at a position in an input file. It prints as
// "file:line: msg" (or "file#frag: msg").
type SyntaxError struct {
	File string
	Line int    // 1-based, 0 when unknown
	Frag string // location inside a structured file, when Line is 0
	Msg  string
	Err  error // an optional sentinel cause
}

func (e *SyntaxError) Error() string {
	loc := Source{File: e.File, Line: e.Line, Frag: e.Frag}.String()
	if loc == "" {
		return e.Msg
	}
	return loc + ": " + e.Msg
}

// Unwrap returns the sentinel cause.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Errorf returns a *SyntaxError at src.
func Errorf(src Source, cause error, format string, args ...any) *SyntaxError {
	return &SyntaxError{File: src.File, Line: src.Line, Frag: src.Fragment(), Msg: fmt.Sprintf(format, args...), Err: cause}
}
