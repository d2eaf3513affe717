//go:build unix

package fileio

import (
	"errors"
	"syscall"
)

// nonBlock makes open(2) return at once on a FIFO with no peer. It has
// no effect on reads and writes of regular files.
const nonBlock = syscall.O_NONBLOCK

// noReader reports the error of a non-blocking open for writing of a
// named pipe that no process has open for reading.
func noReader(err error) bool { return errors.Is(err, syscall.ENXIO) }
