package fileio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// A NotRegularError says that a path names something other than a
// regular file where a file was expected.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	what := Kind(e.Mode)
	switch {
	case e.Mode&fs.ModeNamedPipe != 0:
		return fmt.Sprintf("%s: %s, not a regular file: plateau reads log files; to read a stream, pipe it into 'plateau report -'", e.Path, what)
	case e.Mode.IsDir():
		return fmt.Sprintf("%s: %s, not a file", e.Path, what)
	}
	return fmt.Sprintf("%s: %s, not a regular file: expected a log file", e.Path, what)
}

// ErrNotRegular is the cause of every *NotRegularError, for errors.Is.
var ErrNotRegular = errors.New("not a regular file")

// Unwrap returns ErrNotRegular.
func (e *NotRegularError) Unwrap() error { return ErrNotRegular }

// Kind names the type of file a mode describes, with an article: "a
// regular file", "a named pipe (FIFO)", "a character device", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// OpenRegular opens path for reading when it is a regular file (after
// symbolic links are followed) and returns a *NotRegularError otherwise.
// The type is checked before opening, so that a FIFO with no writer does
// not block and a device is not opened at all, and again on the opened
// file, so that a file swapped in between is caught too. The open itself
// does not block (O_NONBLOCK where the system has it).
func OpenRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, nil
}

// SameFile reports whether the paths a and b resolve to the same existing
// file (symbolic links followed, then device and inode compared). A path
// that does not exist is the same as no other.
func SameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(sa, sb)
}
